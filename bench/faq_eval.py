"""Evaluate the answerer on the labelled questions and print the figures.

Usage: .venv/bin/python bench/faq_eval.py [questions.yaml]

Prints index build time, top-1 accuracy (entry and training right, facts
present), fallback precision/recall (did-you-mean or out-of-scope), clinical
redirect accuracy, out-of-scope questions answered with a fact (must be 0),
answer latency p50/p99 after start-up, and every failure. Figures come only
from here; tests never time anything.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import yaml

from bot.clock import JST
from bot.knowledge import load_knowledge
from bot.qa import Answerer, Question, Reply

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SET = ROOT / "bench" / "faq_questions.yaml"
NOW = datetime(2023, 6, 27, 10, 0, tzinfo=JST)  # three days before the 000 and 004 deadlines
FALLBACK_KINDS = {"did_you_mean", "out_of_scope"}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def build_answerer() -> tuple[Answerer, float]:
    """The answerer over the real data/, and how long building it took.

    Shared with bench/faq_heldout.py so both benches measure the same path.
    """
    started = time.perf_counter()
    answerer = Answerer(load_knowledge(ROOT / "data"))
    return answerer, time.perf_counter() - started


def timed_answer(answerer: Answerer, question: Question) -> tuple[Reply, float]:
    """One reply and its latency in milliseconds."""
    tick = time.perf_counter()
    reply = answerer.answer(question)
    return reply, (time.perf_counter() - tick) * 1000


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SET
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    answerer, build_seconds = build_answerer()

    latencies: list[float] = []
    failures: list[str] = []
    answers_expected = answers_right = 0
    clinical_expected = clinical_right = false_redirects = 0
    oos_expected = oos_fell_back = oos_with_fact = 0
    fallbacks_given = fallbacks_right = 0
    other_right = other_expected = 0
    per_training: dict[str, list[int]] = {}
    for item in items:
        question = Question(text=item["text"], locale=item.get("locale", "ja"), now=NOW)
        reply, millis = timed_answer(answerer, question)
        decision = reply.decision
        latencies.append(millis)
        expected = item["kind"]
        got = f"{decision.kind}/{decision.entry_id}/{decision.training_id}"
        ok: bool
        if expected == "answer":
            answers_expected += 1
            missing = [fact for fact in item.get("facts", []) if fact.lower() not in reply.text.lower()]
            ok = (decision.kind == "answer" and decision.entry_id == item["entry"]
                  and decision.training_id == item["training"] and not missing)
            answers_right += ok
            tally = per_training.setdefault(item["training"], [0, 0])
            tally[0] += ok
            tally[1] += 1
            want = f"answer/{item['entry']}/{item['training']}" + (f" missing {missing}" if missing else "")
        else:
            want = expected
            ok = decision.kind == expected
            if expected == "clinical":
                clinical_expected += 1
                clinical_right += ok
            elif expected == "out_of_scope":
                oos_expected += 1
                oos_fell_back += decision.kind in FALLBACK_KINDS
                oos_with_fact += decision.kind == "answer"
                ok = decision.kind in FALLBACK_KINDS
            else:
                other_expected += 1
                other_right += ok
        if decision.kind == "clinical" and expected != "clinical":
            false_redirects += 1
        if decision.kind in FALLBACK_KINDS:
            fallbacks_given += 1
            fallbacks_right += expected == "out_of_scope"
        if not ok:
            failures.append(f"  {item['text']!r}: want {want}, got {got}")

    def share(part: int, whole: int) -> str:
        return f"{part}/{whole} = {100 * part / whole:.1f}%" if whole else "n/a"

    print(f"questions:                  {len(items)}")
    print(f"index build:                {build_seconds:.2f} s")
    print(f"top-1 accuracy (answers):   {share(answers_right, answers_expected)}")
    for training_id, (right, whole) in sorted(per_training.items()):
        print(f"  {training_id + ':':<25} {share(right, whole)}")
    print(f"fallback precision:         {share(fallbacks_right, fallbacks_given)}")
    print(f"fallback recall (OOS):      {share(oos_fell_back, oos_expected)}")
    print(f"OOS answered with a fact:   {oos_with_fact}")
    print(f"redirect accuracy:          {share(clinical_right, clinical_expected)}")
    print(f"false clinical redirects:   {false_redirects}")
    print(f"greeting/menu/ask correct:  {share(other_right, other_expected)}")
    print(f"latency p50 / p99:          {statistics.median(latencies):.2f} ms / {_percentile(latencies, 0.99):.2f} ms")
    print(f"failures ({len(failures)}):")
    print("\n".join(failures) if failures else "  none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
