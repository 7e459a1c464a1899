"""Run a blind question set through the answerer and print the automatic figures.

Usage: .venv/bin/python bench/faq_heldout.py [set.yaml] [-v] [--subscribed]

``--subscribed`` asks each question expecting an answer as a trainee subscribed to notices of the
expected training would (the thirteenth set's writer wrote many like 「この研修の目的は？」, naming none):
a question naming no training then means the subscribed one, as it does on LINE. Questions expecting
"which training?", a clinical or an out-of-scope reply are asked with no subscription either way.

The sets here (bench/faq_heldout.yaml, faq_heldout2.yaml ... faq_heldout17.yaml) were written blind from
the seed documents, each run once on its first day (README keeps those first-run figures); fifteen have
since been tuned on, and all seventeen are folded into the examples (data/faq/examples/earlier-blind-sets.yaml,
blind-set-3.yaml ... blind-set-17.yaml): their figures now are a regression check, never evidence
about unseen phrasings. A fresh blind set in the same format is
run with this script once, before it is folded into training. The automatic part checks the expected
kind of reply and that each expected fact appears in it or its table (NFKC-folded,
case-insensitive, spaces ignored, "a|b" meaning either; spaces and tables count since stop 22; since
stop 23 a Japanese date or day count is also found in its English form, "June 30" or "39 days"); judging
tone and whether the reply answers the question actually asked stays a human job (see faq_heldout.md).
"""

from __future__ import annotations

import re
import statistics
import sys
import unicodedata
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faq_eval import ROOT, build_answerer, timed_answer  # noqa: E402

from bot.qa import Answerer, Question, Reply  # noqa: E402

DEFAULT_SET = ROOT / "bench" / "faq_heldout.yaml"
ECMO = "ecmo-ventilator"
FALLBACK_KINDS = {"did_you_mean", "out_of_scope"}


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def shown(reply: Reply) -> str:
    """What the trainee reads: the texts and the table's rows (a schedule's every day is in its table)."""
    rows = [" ".join(row) for row in reply.table.rows] if reply.table else []
    return "\n".join([reply.text, *rows])


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_JAPANESE_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日")
_DAY_COUNT = re.compile(r"(\d+)日")


def _found(fact: str, reply: str) -> bool:
    """One fact (no "|") in a folded reply; a Japanese date or day count also in its English form, as an
    English reply writes it ("6月30日" is "June 30", not "June 3" of "June 30"; "39日" is "39 days")."""
    if _fold(fact) in _fold(reply):
        return True
    spaced = unicodedata.normalize("NFKC", reply).lower()
    if date := _JAPANESE_DAY.fullmatch(fact):
        month, day = int(date[1]), int(date[2])
        return 1 <= month <= 12 and re.search(rf"{_MONTHS[month - 1]}\s*{day}(?!\d)", spaced) is not None
    if count := _DAY_COUNT.fullmatch(fact):
        return re.search(rf"(?<!\d){count[1]}\s*days?\b", spaced) is not None
    return False


def missing_facts(facts: list[str | int | float], reply: str) -> list[str]:
    """The expected facts (each possibly "a|b") that the reply lacks; spaces do not count
    (「ゲティング エクスペリエンスセンター」 is the seed's 「ゲティングエクスペリエンスセンター」).

    YAML reads a bare number such as 300 as an int; facts are compared as text.
    """
    return [str(fact) for fact in facts if not any(_found(alt, reply) for alt in str(fact).split("|"))]


def judge(item: dict, reply: Reply) -> tuple[str, str]:
    """The automatic verdict for one item: (outcome, detail).

    Outcomes: correct, missing-fact (answered, wrong entry or fact absent),
    wrong-training, likely-first (a did-you-mean whose first answer, for the right training, states every
    expected fact: right within one tap, never counted as right), fallback (did-you-mean/out-of-scope where a
    fact was due),
    redirect (clinical reply where none was due, or none where due), wrong-kind.
    """
    expect = item["expect"]
    decision = reply.decision
    kind = decision.kind
    if expect == "answer":
        if kind == "did_you_mean" and decision.entry_id and decision.training_id == item.get("training", "") \
                and not missing_facts(item.get("facts", []), shown(reply)):
            return "likely-first", f"did_you_mean starting with {decision.entry_id}"
        if kind in FALLBACK_KINDS:
            return "fallback", kind
        if kind == "clinical":
            return "redirect", kind
        if kind != "answer":
            return "wrong-kind", kind
        if item.get("training") and decision.training_id != item["training"]:
            return "wrong-training", str(decision.training_id)
        missing = missing_facts(item.get("facts", []), shown(reply))
        return ("missing-fact", f"missing {missing} ({decision.entry_id})") if missing else ("correct", "")
    if expect == "clinical":
        return ("correct", "") if kind == "clinical" else ("redirect", kind)
    if expect == "out_of_scope":
        if kind == "answer":
            return "wrong-kind", "answered with a fact"
        return ("correct", "") if kind in FALLBACK_KINDS else ("wrong-kind", kind)
    return ("correct", "") if kind == expect else ("wrong-kind", kind)


def _a_tap_answers(answerer: Answerer, item: dict, reply: Reply, question: Question) -> bool:
    """True when one of the reply's buttons (a did-you-mean's entries, "which training?"'s trainings), tapped
    as on LINE (its text sent as the next message), gets a reply judged right."""
    return any(judge(item, answerer.answer(replace(question, text=choice.text)))[0] == "correct"
               for choice in reply.choices)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    subscribed = "--subscribed" in argv
    args = [arg for arg in argv[1:] if arg not in ("-v", "--subscribed")]
    path = Path(args[0]) if args else DEFAULT_SET
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    now = datetime.fromisoformat(data["now"])
    now_ecmo = datetime.fromisoformat(data["now_ecmo"])
    answerer, _ = build_answerer(ROOT / "instance" / "qa-model")
    tallies: dict[str, dict[str, int]] = {}
    latencies: list[float] = []
    failures: list[str] = []
    within_a_tap = 0
    for item in data["questions"]:
        when = now_ecmo if item.get("training") == ECMO else now
        subscriptions = (item["training"],) if subscribed and item["expect"] == "answer" else ()
        question = Question(text=item["question"], locale=item.get("locale", "ja"), now=when,
                            subscribed_training_ids=subscriptions)
        reply, millis = timed_answer(answerer, question)
        latencies.append(millis)
        outcome, detail = judge(item, reply)
        if outcome in ("correct", "likely-first") or (item["expect"] == "answer" and _a_tap_answers(
                answerer, item, reply, question)):
            within_a_tap += 1
        group = item.get("training") or item["expect"]
        if item.get("locale") == "en":
            group = "english"
        elif item["expect"] in {"clinical", "out_of_scope"}:
            group = item["expect"]
        tally = tallies.setdefault(group, {})
        tally[outcome] = tally.get(outcome, 0) + 1
        if outcome != "correct":
            failures.append(f"  [{outcome}] {item['question']!r}: {detail}")
        if verbose:
            print(f"--- {item['question']} [{outcome}]\n{reply.text}")
    total: dict[str, int] = {}
    print(f"questions: {len(data['questions'])}")
    for group, tally in sorted(tallies.items()):
        for outcome, count in tally.items():
            total[outcome] = total.get(outcome, 0) + count
        print(f"  {group + ':':<20} " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
    print("  total:               " + ", ".join(f"{k} {v}" for k, v in sorted(total.items())))
    print(f"  right within one tap: {within_a_tap} = {within_a_tap / len(data['questions']):.1%} (right at once, "
          "a did-you-mean starting with the answer, or a button whose reply is judged right)")
    print(f"latency p50: {statistics.median(latencies):.2f} ms, max: {max(latencies):.2f} ms")
    print(f"failures ({len(failures)}):")
    print("\n".join(failures) if failures else "  none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
