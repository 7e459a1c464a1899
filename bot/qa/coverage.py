"""Which entries an answer also answers: what its text carries besides its own question.

Trainees (and the examples written in their voice) mix up some sibling entries:
absence and changing dates, documents and the documents one may omit. An entry
that ``carries`` a sibling always gives the sibling's answer too, and an answer
whose facts already include another entry's facts (the 難治性 schedule lists the
live stream's dates) answers that question as well. Counting such an answer as
wrong would make the calibration refuse answers that say what was asked, so the
calibration and the benchmark count it as right, and the benchmark reports the
strict figure beside it.

Facts are structural (a fee, a list of venues): one fixed day decides, once, at
start-up, as ``index`` does for which entries render.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.i18n import gettext_for
from bot.knowledge import FaqEntry, Knowledge
from bot.qa.facts import FactContext, fact_function

# Facts that only say whom to ask: an answer naming the secretariat does not answer "how do I cancel?".
_CONTACT_FACTS = frozenset({"training", "secretariat", "contacts", "contact_prefecture"})
_SOME_DAY = datetime(2000, 1, 1, tzinfo=UTC)

Coverage = dict[str, frozenset[str]]  # entry -> other entries its answer answers too


def carried(entry: FaqEntry, training_id: str | None, applies: Callable[[str, str], bool]) -> tuple[str, ...]:
    """The siblings this entry's answer gives for the training (those its documents say something about)."""
    return tuple(c for c in entry.carries if training_id is None or applies(c, training_id))


def answer_coverage(knowledge: Knowledge, applies: Callable[[str, str], bool]) -> Coverage:
    """Per entry, the entries it carries, and those whose every fact its answer (with what it carries)
    states, for every training where both apply."""
    entries = {entry.id: entry for entry in knowledge.faq.entries}
    verdicts: dict[tuple[str, str], bool] = {}  # (answer, other) -> contained for every training so far
    gettext = gettext_for("ja")
    for training_id in knowledge.trainings:
        editions = knowledge.editions_of(training_id)
        if not editions:
            continue
        context = FactContext(edition=editions[-1], locale="ja", now=_SOME_DAY, gettext=gettext)
        own = {e: _facts(entry, context) for e, entry in entries.items() if applies(e, training_id)}
        for answer in own:
            text = "\n".join(own[answer] + [f for c in carried(entries[answer], training_id, applies)
                                             for f in own.get(c, [])])
            for other, facts in own.items():
                if other == answer:
                    continue
                contained = other in entries[answer].carries or (bool(facts) and all(f in text for f in facts))
                verdicts[(answer, other)] = verdicts.get((answer, other), True) and contained
    found: dict[str, set[str]] = {}
    for (answer, other), contained in verdicts.items():
        if contained:
            found.setdefault(answer, set()).add(other)
    return {answer: frozenset(others) for answer, others in found.items()}


def _facts(entry: FaqEntry, context: FactContext) -> list[str]:
    """The entry's facts for the context, without the ones that only name whom to ask."""
    values = []
    for name in entry.placeholders():
        function = fact_function(name) if name not in _CONTACT_FACTS else None
        value = function(context) if function is not None else None
        if value:
            values.append(value)
    return values
