"""Putting a verdict into words: the texts, the buttons and the table of one reply.

An answer fills the entry's template with facts from the training's edition,
judged against the question's ``now``, and offers the related questions as
buttons that re-ask them for the same training. When the documents say
nothing, the reply says so and gives the secretariat's contact instead of
guessing. Every wording goes through the catalogs in the reply's language.
"""

from __future__ import annotations

import re
from typing import assert_never

from bot.i18n import Gettext, gettext_for
from bot.knowledge import FaqEntry
from bot.qa.decide import (
    AnswerEntry,
    AskTraining,
    DidYouMean,
    OutOfScope,
    Redirect,
    ShowMenu,
    Verdict,
)
from bot.qa.facts import FactContext, fact_function, table_function
from bot.qa.facts.schedule import ended_sessions_named
from bot.qa.index import OVERVIEW_ENTRY, FaqIndex
from bot.qa.query import Query
from bot.qa.reply import Choice, Decision, DecisionKind, Reply, Table
from bot.qa.routing import Route

# What the menu offers once the training is known.
MENU_ENTRIES = ("application-period", "schedule", "certificate", "fee", "contact")
# A table only pays for itself beyond a few rows; shorter material stays in the text.
MIN_TABLE_ROWS = 4
# Answers about taking part in a session to come, which also say when the place asked about is over.
NEXT_TIME_ENTRIES = frozenset({"how-to-apply", "application-period", "capacity", "cancellation", "correct-application"})
# An entry nobody named a training for is answered for every training when all answers together are this short.
SHORT_FOR_ALL = 160


class Composer:
    """Words replies from the FAQ index; built once."""

    def __init__(self, index: FaqIndex) -> None:
        self._index = index

    def compose(self, query: Query, verdict: Verdict) -> Reply:
        """The reply to one question, in the query's language."""
        _ = gettext_for(query.locale)
        match verdict:
            case AnswerEntry():
                return self._answer(query, verdict, _)
            case AskTraining():
                return self._ask_training(query, verdict, _)
            case DidYouMean():
                return self._did_you_mean(query, verdict, _)
            case Redirect():
                return self._redirect(query, verdict, _)
            case ShowMenu():
                return self._menu(query, verdict, _)
            case OutOfScope():
                return self._out_of_scope(query, verdict, _)
            case _:
                assert_never(verdict)

    # --- answers -----------------------------------------------------------------

    def _answer(self, query: Query, verdict: AnswerEntry, _: Gettext) -> Reply:
        index, locale, training_id = self._index, query.locale, verdict.training_id
        entry = index.entries[verdict.entry_id]
        edition = index.edition(training_id, query.question.linked_edition_ids) if training_id else None
        texts: list[str] = []
        table = None
        if edition is None and entry.needs_training:
            texts.append(_("I have no details for this training yet."))
        else:
            names = index.names.get(training_id) if training_id else None
            context = (
                FactContext(
                    edition=edition,
                    locale=locale,
                    now=query.question.now,
                    gettext=_,
                    course_ids=verdict.course_ids,
                    era=(names.date_style == "era") if names else True,
                    question=query.text,
                    time=query.time,
                    regions=self._index.knowledge.faq.regions,
                    purpose_words=tuple(self._index.knowledge.faq.lexicon.purpose_words),
                )
                if edition is not None
                else None
            )
            texts.append(self._fill(entry, context, training_id, locale))
            ended = ended_sessions_named(context) if context is not None and entry.id in NEXT_TIME_ENTRIES else None
            if ended and (ended := _without_lines_shown(ended, texts)):
                texts.append(ended)  # 「岐阜のECMO研修に申し込みたい」 after the Gifu day: how to apply, and that it is over
            for sibling in verdict.also:
                text = _without_lines_shown(self._fill(index.entries[sibling], context, training_id, locale), texts)
                if text:
                    texts.append(text)
            table_of = table_function(entry.detail) if entry.detail else None
            if table_of is not None and context is not None and training_id is not None:
                rows = table_of(context)
                if rows and len(rows) >= MIN_TABLE_ROWS:
                    table = Table(f"{index.short_name(training_id, locale)} {_(entry.ask)}", tuple(rows))
        related = [r for r in entry.related if training_id is None or index.applies(r, training_id)]
        choices = self._entry_choices(related, training_id, locale)
        decision = Decision(DecisionKind.ANSWER, locale, training_id, verdict.confidence, entry_id=entry.id,
                            candidates=verdict.candidates, also=verdict.also)
        return _reply(texts, choices, decision, table)

    def _fill(self, entry: FaqEntry, context: FactContext | None, training_id: str | None, locale: str) -> str:
        """The entry's template with its facts; admits a gap instead of guessing."""
        _ = gettext_for(locale)
        short_name = self._index.short_name(training_id, locale) if training_id else ""
        values: dict[str, str] = {}
        found = 0
        for name in entry.placeholders():
            if name == "training":
                values[name] = short_name
                continue
            function = fact_function(name)
            value = function(context) if (function is not None and context is not None) else None
            found += value is not None
            values[name] = value or ""
        if not found or (training_id is not None and not self._index.applies(entry.id, training_id)):
            # Nothing found, or another training's own entry (主任研修's 申込後の流れ is not 難治性's form mail).
            return _("The guide for {training} does not say. Please ask the secretariat:\n{contact}").format(
                training=short_name,
                contact=_secretariat(context) if context else "",
            )
        filled = _without_empty_labels(_(entry.answer), values).format(**values)
        return re.sub(r"\n{2,}", "\n", filled).strip()

    # --- questions back --------------------------------------------------------------

    def _ask_training(self, query: Query, verdict: AskTraining, _: Gettext) -> Reply:
        original = query.question.text.strip()
        choices = [
            Choice(self._index.short_name(t, query.locale), _("{training}: {question}").format(
                training=self._index.short_name(t, query.locale), question=original))
            for t in verdict.training_ids
        ]
        every: list[Reply] = []
        for training_id in verdict.training_ids if verdict.short_for_all else ():  # stop once too long together
            every.append(self._answer(query, AnswerEntry(verdict.entry_id, training_id, (), verdict.confidence), _))
            if sum(len(reply.text) for reply in every) > SHORT_FOR_ALL:
                break
        if len(every) == len(verdict.training_ids) > 1 and sum(len(reply.text) for reply in every) <= SHORT_FOR_ALL:
            # Short for every training (a contact, a yes/no): answer them all, no question back.
            decision = Decision(DecisionKind.ANSWER, query.locale, None, verdict.confidence,
                                entry_id=verdict.entry_id, candidates=verdict.training_ids)
            return _reply(["\n\n".join(reply.text for reply in every)], choices, decision)
        decision = Decision(DecisionKind.ASK_TRAINING, query.locale, None, verdict.confidence,
                            entry_id=verdict.entry_id, candidates=verdict.training_ids)
        return _reply([_("Which training is your question about?")], choices, decision)

    def _did_you_mean(self, query: Query, verdict: DidYouMean, _: Gettext) -> Reply:
        texts = []
        table = None
        if verdict.likely is not None:
            likely = self._answer(query, AnswerEntry(verdict.likely, verdict.training_id,
                                                     query.resolution.course_ids, verdict.confidence), _)
            texts.extend(likely.texts)
            table = likely.table
        text = _("If this is not what you asked, did you mean one of these?") if texts and verdict.entry_ids \
            else _("I am not sure I understood. Did you mean one of these?")
        contact = self._fallback_contact(query, verdict.contact_training_ids, _)
        if contact:
            text = f"{text}\n\n{contact}"
        texts.append(text)
        choices = self._entry_choices(verdict.entry_ids, verdict.training_id, query.locale)
        offered = ((verdict.likely,) if verdict.likely else ()) + verdict.entry_ids
        decision = Decision(DecisionKind.DID_YOU_MEAN, query.locale, verdict.training_id, verdict.confidence,
                            entry_id=verdict.likely, candidates=offered)
        return _reply(texts, choices, decision, table)

    def _fallback_contact(self, query: Query, training_ids: tuple[str, ...], _: Gettext,
                          heading: str | None = None) -> str:
        lines = []
        for training_id in training_ids:
            edition = self._index.edition(training_id, query.question.linked_edition_ids)
            if edition is None:
                continue
            context = FactContext(edition=edition, locale=query.locale, now=query.question.now, gettext=_)
            lines.append(f"{self._index.short_name(training_id, query.locale)}\n{_secretariat(context)}")
        if not lines:
            return ""
        return (heading or _("If not, please ask the secretariat:")) + "\n" + "\n".join(lines)

    def _redirect(self, query: Query, verdict: Redirect, _: Gettext) -> Reply:
        knowledge, locale = self._index.knowledge, query.locale
        desks: list[str] = []
        editions = (
            knowledge.editions_of(verdict.training_id) if verdict.training_id else list(knowledge.editions.values())
        )
        for edition in editions:
            for contact in edition.contact("consultation"):
                line = " ".join(v for v in (contact.name.in_locale(locale), contact.url, contact.phone) if v)
                if line not in desks:
                    desks.append(line)
        text = _("I cannot answer questions about treatment, medication or a patient's condition.")
        if desks:
            text += "\n" + _("For specialised treatment, please contact:") + "\n" + "\n".join(f"・{d}" for d in desks)
        text += "\n" + _("For your own health or a patient's care, please talk to the doctor in charge.")
        choices = self._menu_choices(verdict.training_id, locale)
        return _reply([text], choices, Decision(DecisionKind.CLINICAL, locale, verdict.training_id, verdict.confidence))

    # --- what the bot covers ----------------------------------------------------------

    def _menu(self, query: Query, verdict: ShowMenu, _: Gettext) -> Reply:
        if verdict.route is Route.THANKS:
            text = _("You're welcome. Ask me anything else about the trainings at any time.")
        else:
            greeting = _("Hello! ") if verdict.route is Route.GREETING else ""
            text = greeting + self._topics(query.locale) + "\n" + _("Please type your question, e.g. \"deadline\".")
        kind = DecisionKind.MENU if verdict.route is Route.MENU else DecisionKind.GREETING
        choices = self._menu_choices(verdict.training_id, query.locale)
        return _reply([text], choices, Decision(kind, query.locale, verdict.training_id, verdict.confidence))

    def _out_of_scope(self, query: Query, verdict: OutOfScope, _: Gettext) -> Reply:
        text = _("Sorry, I can only help with the trainings.") + "\n" + self._topics(query.locale)
        trainings = (verdict.training_id,) if verdict.training_id else tuple(self._index.knowledge.trainings)
        contact = self._fallback_contact(query, trainings, _, _("For anything else about a training, please ask "
                                                                   "its secretariat:"))
        if contact:
            text = f"{text}\n\n{contact}"
        choices = self._menu_choices(verdict.training_id, query.locale)
        decision = Decision(DecisionKind.OUT_OF_SCOPE, query.locale, verdict.training_id, verdict.confidence,
                            candidates=verdict.candidates)
        return _reply([text], choices, decision)

    # --- buttons and shared wording -----------------------------------------------------

    def _ask_text(self, entry: FaqEntry, training_id: str | None, locale: str) -> str:
        """The question a related-question button sends: 「クロザピン研修の修了証の条件」."""
        _ = gettext_for(locale)
        ask = _(entry.ask)
        if training_id is None or not entry.needs_training:
            return ask
        return _("{training}: {question}").format(training=self._index.short_name(training_id, locale), question=ask)

    def _entry_choices(self, entry_ids: tuple[str, ...] | list[str], training_id: str | None,
                       locale: str) -> list[Choice]:
        """A button per entry, re-asking it for the training."""
        _ = gettext_for(locale)
        entries = self._index.entries
        return [Choice(_(entries[e].ask), self._ask_text(entries[e], training_id, locale)) for e in entry_ids]

    def _menu_choices(self, training_id: str | None, locale: str) -> list[Choice]:
        """A button per training (its overview), or the common topics of the training."""
        _ = gettext_for(locale)
        index = self._index
        if training_id is None:
            return [
                Choice(index.short_name(t, locale), _("{training}: {question}").format(
                    training=index.short_name(t, locale), question=_(index.entries[OVERVIEW_ENTRY].ask)))
                for t in index.knowledge.trainings
            ]
        return self._entry_choices([e for e in MENU_ENTRIES if e in index.entries], training_id, locale)

    def _topics(self, locale: str) -> str:
        """What the bot can answer about, naming every training."""
        _ = gettext_for(locale)
        separator = "、" if locale == "ja" else ", "
        names = separator.join(self._index.short_name(t, locale) for t in self._index.knowledge.trainings)
        return _("I can answer questions about these trainings: {trainings} (dates, applications, fees, "
                 "certificates, contacts and so on).").format(trainings=names)


def _secretariat(context: FactContext) -> str:
    secretariat = fact_function("secretariat")
    assert secretariat is not None
    return secretariat(context) or ""


def _without_lines_shown(text: str, shown: list[str]) -> str:
    """A sibling's text less the lines the reply already has: a session asked about by place is in
    both the schedule and the venue answer, and saying it twice on a phone reads as a glitch."""
    seen = {line for earlier in shown for line in earlier.splitlines() if line.strip()}
    return "\n".join(line for line in text.splitlines() if line not in seen).strip()


def _reply(texts: list[str], choices: list[Choice], decision: Decision, table: Table | None = None) -> Reply:
    """The reply with each button once: two buttons sending the same text are one."""
    unique = {choice.text: choice for choice in choices if choice.text}
    return Reply(tuple(texts), tuple(unique.values()), decision, table)


_LABEL = re.compile(r"[^{}\n]*[:：]")
_ALONE = re.compile(r"\{(\w+)\}")


def _without_empty_labels(template: str, values: dict[str, str]) -> str:
    """The template without a label line (「講師：」) whose fact, alone on the next line, is empty: 主任研修
    names no lecturers, and a bare label reads as if the list were lost."""
    lines = template.split("\n")
    kept = [line for line, after in zip(lines, [*lines[1:], ""])
            if not (_LABEL.fullmatch(line) and (alone := _ALONE.fullmatch(after)) and not values.get(alone.group(1)))]
    return "\n".join(kept)
