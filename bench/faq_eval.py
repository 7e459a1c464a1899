"""Cross-validate the answering engine by paraphrase and print the figures.

Usage: .venv/bin/python bench/faq_eval.py [--folds 5] [--seed 0] [-v]

The examples of every entry (and of the clinical and out-of-scope classes) are
dealt into folds; each fold's examples are held out, a topic model is trained
(and calibrated, by its own inner cross-validation) on the rest, and the held-out
questions go through the whole engine (slots, guards, decision, composition)
as a new user would ask them, with no conversation, enrolment or subscription.
Whole entries are never held out: this measures new phrasings of known questions.

Printed: outright right (the answer is the expected entry, or asks which
training for it when none was named), right within one tap (outright, or the
entry among the "did you mean" choices or answered first in it), confidently
wrong (answered, wrong entry), out-of-scope answered with a fact (must be 0),
clinical recall (must be 100%), latency per question after start-up, and the
time to train from scratch and to start from the cached model. Then the
labelled set (bench/faq_questions.yaml) is run on the full model as a
regression check of facts and trainings: its questions are training examples,
so it is not evidence about unseen phrasings. Figures come only from here;
tests never time anything.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import yaml

from bot.clock import JST
from bot.knowledge import load_knowledge
from bot.knowledge.faq import CLINICAL_LABEL, OUT_OF_SCOPE_LABEL
from bot.qa import Answerer, Question, Reply
from bot.qa.topic_model import answers, fold_indices, train

ROOT = Path(__file__).resolve().parents[1]
LABELLED_SET = ROOT / "bench" / "faq_questions.yaml"
NOW = datetime(2023, 6, 27, 10, 0, tzinfo=JST)  # three days before the 000 and 004 deadlines
NOW_ECMO = datetime(2025, 8, 1, 10, 0, tzinfo=JST)
ECMO = "ecmo-ventilator"
FALLBACK_KINDS = {"did_you_mean", "out_of_scope"}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def build_answerer(model_cache: Path | None = None) -> tuple[Answerer, float]:
    """The answerer over the real data/, and how long building it took (shared with faq_heldout.py)."""
    started = time.perf_counter()
    answerer = Answerer(load_knowledge(ROOT / "data"), model_cache)
    return answerer, time.perf_counter() - started


def timed_answer(answerer: Answerer, question: Question) -> tuple[Reply, float]:
    """One reply and its latency in milliseconds."""
    tick = time.perf_counter()
    reply = answerer.answer(question)
    return reply, (time.perf_counter() - tick) * 1000


def outcome(label: str, reply: Reply, coverage: dict[str, frozenset[str]]) -> str:
    """right | also (a sibling answered with it) | covered (the answer states the entry's facts) | ask (right
    entry, asks which training) | ask-covered | one-tap | wrong | fallback | clinical | oos-fact | ..."""
    decision = reply.decision
    kind = decision.kind
    offered = set(decision.candidates)
    if label == CLINICAL_LABEL:
        return "right" if kind == "clinical" else "clinical-missed"
    if label == OUT_OF_SCOPE_LABEL:
        if kind == "answer" or (kind == "did_you_mean" and decision.entry_id):
            return "oos-fact"
        return "right" if kind in FALLBACK_KINDS else f"oos-{kind}"
    if kind == "answer":
        if label == decision.entry_id:
            return "right"
        if label in decision.also:
            return "also"
        return "covered" if answers((decision.entry_id or "", *decision.also), label, coverage) else "wrong"
    if kind == "ask_training":
        if decision.entry_id == label:
            return "ask"
        return "ask-covered" if answers((decision.entry_id or "",), label, coverage) else "wrong-ask"
    if kind == "did_you_mean":
        if decision.entry_id == label:
            return "likely-first"
        return "one-tap" if label in offered else "fallback"
    if kind == "clinical":
        return "false-clinical"
    return "fallback"


def cross_validate(answerer: Answerer, folds: int, seed: int, verbose: bool) -> None:
    training = answerer.index.training
    labels = training.labels
    features = training.features
    tally: dict[str, Counter[str]] = {"entry": Counter(), CLINICAL_LABEL: Counter(), OUT_OF_SCOPE_LABEL: Counter()}
    latencies: list[float] = []
    failures: list[str] = []
    fold_seconds: list[float] = []
    for number, (train_rows, test_rows) in enumerate(fold_indices(labels, folds, seed), start=1):
        started = time.perf_counter()
        model = train([features[i] for i in train_rows], [labels[i] for i in train_rows],
                      training.siblings, [training.allowed[i] for i in train_rows], training.coverage)
        fold_seconds.append(time.perf_counter() - started)
        fold = answerer.with_model(model)
        for i in test_rows:
            example = training.examples[i]
            when = NOW_ECMO if ECMO in {a.training_id for a in answerer.index.resolver.named(example.text)[0]} \
                else NOW
            reply, millis = timed_answer(fold, Question(text=example.text, locale="ja", now=when))
            latencies.append(millis)
            result = outcome(example.label, reply, training.coverage)
            group = example.label if example.label in (CLINICAL_LABEL, OUT_OF_SCOPE_LABEL) else "entry"
            tally[group][result] += 1
            shown = verbose or result in ("wrong", "oos-fact", "clinical-missed")
            if result not in ("right", "ask", "also") and shown:
                d = reply.decision
                failures.append(f"  [{result}] {example.text!r}: want {example.label}, got {d.kind}/{d.entry_id}"
                                 f"/{d.training_id} p={d.confidence} offered={list(d.candidates)}")
        print(f"  fold {number}/{folds}: trained in {fold_seconds[-1]:.1f} s, {len(test_rows)} held out", flush=True)

    entries = tally["entry"]
    n = sum(entries.values())

    def share(part: int, whole: int) -> str:
        return f"{part}/{whole} = {100 * part / whole:.1f}%" if whole else "n/a"

    strict = entries["right"] + entries["ask"]
    outright = strict + entries["also"] + entries["covered"] + entries["ask-covered"]
    print(f"held-out entry questions:        {n} (of {len(labels)} examples, {folds} folds)")
    covered = entries["covered"] + entries["ask-covered"]
    print(f"outright right:                  {share(outright, n)}  (the answer gives the entry's answer; of which "
          f"asks which training: {entries['ask'] + entries['ask-covered']}, a sibling answered with it: "
          f"{entries['also']}, another entry's answer stating its facts: {covered})")
    print(f"outright right, strict:          {share(strict, n)}  (the answer's own entry is the expected one)")
    within = outright + entries["one-tap"] + entries["likely-first"]
    print(f"right within one tap:            {share(within, n)}  (of which a \"did you mean\" answering it "
          f"first: {entries['likely-first']})")
    print(f"confidently wrong:               {share(entries['wrong'] + entries['wrong-ask'], n)}")
    print(f"did-you-mean without the entry / out of scope: {share(entries['fallback'], n)}")
    print(f"false clinical redirects:        {entries['false-clinical']}")
    oos = tally[OUT_OF_SCOPE_LABEL]
    print(f"out-of-scope answered with a fact: {oos['oos-fact']} of {sum(oos.values())} "
          f"({dict(oos)})")
    clinical = tally[CLINICAL_LABEL]
    print(f"clinical recall:                 {share(clinical['right'], sum(clinical.values()))}")
    print(f"latency per question:            p50 {statistics.median(latencies):.2f} ms, "
          f"p99 {_percentile(latencies, 0.99):.2f} ms")
    print(f"training per fold:               {statistics.mean(fold_seconds):.1f} s (with its inner calibration)")
    print(f"failures shown ({len(failures)}):")
    print("\n".join(failures) if failures else "  none")


def labelled_set(answerer: Answerer) -> None:
    """The labelled set on the full model: entries, trainings and facts (training data: a regression check)."""
    items = yaml.safe_load(LABELLED_SET.read_text(encoding="utf-8"))["questions"]
    right = total = 0
    failures = []
    for item in items:
        if item["kind"] != "answer":
            continue
        when = NOW_ECMO if item["training"] == ECMO else NOW
        reply = answerer.answer(Question(text=item["text"], locale=item.get("locale", "ja"), now=when))
        d = reply.decision
        missing = [str(f) for f in item.get("facts", []) if str(f).lower() not in reply.text.lower()]
        ok = d.kind == "answer" and d.entry_id == item["entry"] and d.training_id == item["training"] and not missing
        total += 1
        right += ok
        if not ok:
            failures.append(f"  {item['text']!r}: want {item['entry']}/{item['training']}, got "
                            f"{d.kind}/{d.entry_id}/{d.training_id}" + (f" missing {missing}" if missing else ""))
    print(f"labelled set (training data, not held out): {right}/{total} answered with entry, training and facts")
    print("\n".join(failures[:40]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-v", action="store_true", help="show every question not answered outright")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kenshu-model-"))
    try:
        answerer, fresh = build_answerer(scratch)
        _, cached = build_answerer(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"start-up: {fresh:.1f} s training from scratch (examples featurised, model and calibration fitted), "
          f"{cached:.1f} s from the cached model")
    calibration = answerer.index.model.calibration
    print(f"calibration: answer when p >= {calibration.answer_probability:.2f} and lead >= "
          f"{calibration.answer_margin:.2f} (temperature {calibration.temperature:.2f})")
    cross_validate(answerer, args.folds, args.seed, args.v)
    labelled_set(answerer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
