"""The question-answering engine: one object built at start-up, one call per question.

Flow of ``Answerer.answer``:

1. route before ranking: clinical questions get the consultation desk, greetings
   and "menu" get the list of what the bot knows, obvious small talk is declined;
2. find the training (named > enrolment > subscription > memory > ask);
3. rank FAQ entries with the training names taken out of the text;
4. answer when the best entry explains the question well, offer "did you mean"
   buttons when it partly does, and say honestly what the bot covers when
   nothing does;
5. fill the entry's template with facts from the training's edition, judged
   against ``question.now``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from linebot.v3.messaging import Message

from bot.i18n import gettext_for
from bot.knowledge import Edition, Knowledge
from bot.qa.facts import FactContext, fact_function, table_function
from bot.qa.faq import Faq, FaqEntry, TrainingNames, load_faq
from bot.qa.index import Candidate, EntryIndex
from bot.qa.language import has_japanese, looks_english
from bot.qa.places import kana_place_spellings, named_venues, with_kanji_places
from bot.qa.render import Choice, messages
from bot.qa.routing import Route, Router
from bot.qa.tokenise import Terms, Tokeniser
from bot.qa.training_resolution import Resolution, TrainingResolver
from bot.qa.yaml_source import DataFileError
from bot.textfold import fold_width_and_case, fold_width_case_and_kana, hiragana_to_katakana

# Thresholds on coverage (share of the question the entry explains).
ANSWER_COVERAGE = 0.65
SUGGEST_COVERAGE = 0.2
# The winner must beat the runner-up by this factor to be answered outright
# when its coverage is not decisive.
CLEAR_MARGIN = 1.25
DECISIVE_COVERAGE = 0.8
OVERVIEW_ENTRY = "overview"
VENUE_ENTRY = "venue"
MENU_ENTRIES = ("application-period", "schedule", "certificate", "fee", "contact")


@dataclass(frozen=True)
class Question:
    """One incoming question with what the bot knows about the asker."""

    text: str
    locale: str
    now: datetime
    linked_edition_ids: tuple[str, ...] = ()
    subscribed_training_ids: tuple[str, ...] = ()
    last_training_id: str | None = None


@dataclass(frozen=True)
class Answer:
    """The reply, ready to send, and what the lead stores about it."""

    messages: list[Message]
    kind: str
    entry_id: str | None
    training_id: str | None
    confidence: float
    locale: str
    candidates: tuple[str, ...] = field(default=())
    text: str = ""  # the reply as plain text, for logs, the console and tests


@dataclass(frozen=True)
class _Reply:
    texts: list[str]
    choices: list[Choice]
    table: tuple[str, list[tuple[str, str]]] | None = None


class Answerer:
    """Builds the tokeniser and both BM25 indices once; answers many questions."""

    def __init__(self, knowledge: Knowledge, faq_dir: Path) -> None:
        self._knowledge = knowledge
        self._faq: Faq = load_faq(faq_dir)
        self._check_templates()
        self._entries = {entry.id: entry for entry in self._faq.entries}
        self._names: dict[str, TrainingNames] = self._faq.trainings
        self._tokeniser = Tokeniser(frozenset(self._faq.lexicon.topic_free_words))
        self._router = Router(self._faq.lexicon)
        self._rewrites = _rewrite_table(self._faq.lexicon.rewrites)
        self._places = _place_names(knowledge)
        self._kana_places = kana_place_spellings(knowledge, self._tokeniser.reading)
        topic_words = {fold_width_case_and_kana(k) for entry in self._faq.entries for k in entry.keywords}
        self._resolver = TrainingResolver(knowledge, self._names, self._tokeniser.reading, topic_words)
        ja: list[tuple[str, Terms]] = []
        en: list[tuple[str, Terms]] = []
        for entry in self._faq.entries:
            for phrasing in entry.questions.ja:
                ja.append((entry.id, self._tokeniser.japanese(self._strip_names(phrasing))))
            for phrasing in entry.questions.en:
                en.append((entry.id, self._tokeniser.english(self._strip_names(phrasing))))
            if entry.keywords:
                latin = [k for k in entry.keywords if not has_japanese(k)]
                # Latin keywords go to the Japanese index too: trainees type
                # CPU, Zoom or URL inside Japanese questions ("ECT研修 CPU").
                ja.append((entry.id, self._tokeniser.japanese(self._rewrite(" ".join(entry.keywords)))))
                if latin:
                    en.append((entry.id, self._tokeniser.english(" ".join(latin))))
        self._ambiguous = tuple(
            (frozenset(self._tokeniser.japanese(self._rewrite(term)).words), entry_ids)
            for term, entry_ids in self._faq.lexicon.ambiguous.items()
        )
        self._ja_index = EntryIndex(ja)
        self._en_index = EntryIndex(en)
        self._warm_up()

    # --- public -----------------------------------------------------------------

    def answer(self, question: Question) -> Answer:
        """Answer one question; never raises for odd input."""
        question = replace(question, text=with_kanji_places(question.text, self._kana_places))
        text = fold_width_and_case(question.text)
        resolution = self._resolver.resolve(
            text, question.linked_edition_ids, question.subscribed_training_ids, question.last_training_id
        )
        locale = self._locale(question, resolution.remainder)
        _ = gettext_for(locale)
        if not text:
            return self._menu(question, locale, resolution, kind="menu")
        route = self._router.route(text)
        if route is Route.CLINICAL:
            return self._clinical(locale, resolution)
        if route in (Route.GREETING, Route.MENU):
            return self._menu(question, locale, resolution, kind=route.value)
        if route is Route.OFF_TOPIC:
            return self._out_of_scope(locale, resolution)
        resolution, named_place = self._without_places(question, resolution)
        terms, japanese = self._terms(resolution, locale)
        if named_place and not terms.words:
            # "ECMO 北海道": a place alone asks when and where it is held there.
            return self._entry_answer(question, self._entries[VENUE_ENTRY], resolution, locale, 1.0)
        ambiguous = self._ambiguous_entries(resolution, japanese)
        if len(ambiguous) > 1:
            return self._choose_entry(question, ambiguous, resolution, locale)
        candidates = self._rank(resolution, terms, english=japanese is None)
        if len(ambiguous) == 1:
            candidates = [Candidate(ambiguous[0], 1.0, 1.0)]
        if not candidates:
            if resolution.source == "named" and not _has_words(resolution.remainder):
                return self._entry_answer(question, self._entries[OVERVIEW_ENTRY], resolution, locale, 1.0)
            return self._out_of_scope(locale, resolution)
        top = candidates[0]
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        clear = top.coverage >= DECISIVE_COVERAGE or top.score >= CLEAR_MARGIN * runner_up
        confidence = round(min(1.0, top.coverage * (1.0 if clear else 0.8)), 3)
        if top.coverage >= ANSWER_COVERAGE and clear:
            return self._entry_answer(question, self._entries[top.entry_id], resolution, locale, confidence)
        if top.coverage >= SUGGEST_COVERAGE:
            return self._did_you_mean(question, candidates, resolution, locale, confidence)
        return self._out_of_scope(locale, resolution, confidence)

    # --- ranking -----------------------------------------------------------------

    def _without_places(self, question: Question, resolution: Resolution) -> tuple[Resolution, bool]:
        """Take the training's venue places out of the text to rank.

        A city (福岡, 北海道) says which session, not which topic: left in, it is
        an unknown word that drags every entry's coverage below the answer line.
        The facts pick the named city's sessions from the question text.
        """
        if resolution.training_id is None:
            return resolution, False
        edition = self._edition(resolution.training_id, question)
        if edition is None or not edition.venues:
            return resolution, False
        _venues, words = named_venues(edition, resolution.remainder)
        if not words:
            return resolution, False
        remainder = fold_width_and_case(resolution.remainder)
        for word in words:
            # Kana folding maps a width-and-case folded text one character to one,
            # so the folded match's position cuts the text as typed (kana stay kana: いつ).
            start = fold_width_case_and_kana(remainder).find(word)
            if start >= 0 and len(fold_width_case_and_kana(remainder)) == len(remainder):
                remainder = f"{remainder[:start]} {remainder[start + len(word):]}"
        return replace(resolution, remainder=remainder), True

    def _strip_names(self, text: str) -> str:
        return self._rewrite(self._resolver.named(fold_width_and_case(text))[1])

    def _rewrite(self, text: str) -> str:
        """Apply the lexicon's rewrites (誰向け -> 対象者, について -> nothing) and
        turn municipality names into the word 区市町村, so wording the FAQ does not
        list still meets the entry that answers it."""
        plain = fold_width_and_case(text)
        folded = fold_width_case_and_kana(plain)
        for variant, canonical in (*self._rewrites, *self._places):
            start = folded.find(variant)
            while start >= 0:
                end = start + len(variant)
                # Folded again so plain and folded stay the same length: folding
                # collapses the double spaces a dropped word leaves, and a stale
                # offset would cut the next rewrite mid-word (締切 めきり).
                plain = fold_width_and_case(f"{plain[:start]} {canonical} {plain[end:]}")
                folded = hiragana_to_katakana(plain)
                start = folded.find(variant, start + (len(canonical) + 1 if canonical else 0))
        plain = re.sub(r"\s+", " ", plain).strip()
        # Particles left at the start once a name is taken out (クロザピン研修「の日程」)
        # would add reading bigrams (ノニ) that match phrasings by accident.
        return _LEADING_PARTICLES.sub("", plain)

    def _locale(self, question: Question, remainder: str) -> str:
        if has_japanese(question.text):
            return "ja"
        if looks_english(remainder):
            return "en"
        return "en" if question.locale == "en" else "ja"

    def _terms(self, resolution: Resolution, locale: str) -> tuple[Terms, Terms | None]:
        """The question's terms once: (terms to rank with, Japanese terms or None for English)."""
        remainder = self._rewrite(resolution.remainder)
        if locale == "en" and not has_japanese(remainder):
            return self._tokeniser.english(remainder), None
        japanese = self._tokeniser.japanese(remainder)
        return japanese, japanese

    def _rank(self, resolution: Resolution, terms: Terms, english: bool) -> list[Candidate]:
        ranked = (self._en_index if english else self._ja_index).rank(terms)
        training_id = resolution.training_id
        if training_id is None:
            return ranked
        return [c for c in ranked if self._applies(self._entries[c.entry_id], training_id)]

    def _ambiguous_entries(self, resolution: Resolution, terms: Terms | None) -> list[str]:
        """The entries a bare ambiguous word could mean ("配信": live or on-demand?),
        kept to those that apply to the training; empty when the question says more."""
        if terms is None or not terms.words:
            return []
        words = set(terms.words)
        for term_words, entry_ids in self._ambiguous:
            if words <= term_words:
                return [e for e in entry_ids
                        if resolution.training_id is None or self._applies(self._entries[e], resolution.training_id)]
        return []

    def _choose_entry(
        self, question: Question, entry_ids: list[str], resolution: Resolution, locale: str
    ) -> Answer:
        """Ask which of several equally likely topics is meant, one button each."""
        _ = gettext_for(locale)
        choices = [
            Choice(_(self._entries[e].ask), self._ask_text(self._entries[e], resolution.training_id, locale))
            for e in entry_ids
        ]
        text = _("Which of these do you mean?")
        return self._build(_Reply([text], choices), "did_you_mean", None, resolution.training_id, 0.5, locale,
                           candidates=tuple(entry_ids))

    @staticmethod
    def _applies(entry: FaqEntry, training_id: str) -> bool:
        return not entry.trainings or training_id in entry.trainings

    # --- replies -----------------------------------------------------------------

    def _edition(self, training_id: str, question: Question) -> Edition | None:
        editions = self._knowledge.editions_of(training_id)
        linked = [e for e in editions if e.id in question.linked_edition_ids]
        if linked:
            return linked[-1]
        return editions[-1] if editions else None

    def _short_name(self, training_id: str, locale: str) -> str:
        names = self._names.get(training_id)
        if names is not None:
            return names.short_name_en if locale == "en" else names.short_name
        training = self._knowledge.trainings[training_id]
        return training.name.in_locale(locale)

    def _ask_text(self, entry: FaqEntry, training_id: str | None, locale: str) -> str:
        """The question a related-question button sends: 「クロザピン研修の修了証の条件」."""
        _ = gettext_for(locale)
        ask = _(entry.ask)
        if training_id is None or not entry.needs_training:
            return ask
        return _("{training}: {question}").format(training=self._short_name(training_id, locale), question=ask)

    def _entry_answer(
        self, question: Question, entry: FaqEntry, resolution: Resolution, locale: str, confidence: float
    ) -> Answer:
        _ = gettext_for(locale)
        training_id = resolution.training_id
        if entry.needs_training and training_id is None:
            applicable = [t for t in (resolution.candidates or tuple(self._knowledge.trainings))
                          if self._applies(entry, t)]
            if len(applicable) != 1:
                return self._ask_training(question, entry, resolution, locale, confidence)
            # Only one training has this at all (区市町村の推薦): no need to ask.
            training_id = applicable[0]
            resolution = Resolution(training_id, "entry", resolution.candidates, resolution.course_ids,
                                    resolution.remainder)
        edition = self._edition(training_id, question) if training_id else None
        texts: list[str] = []
        table = None
        if edition is None and entry.needs_training:
            texts.append(_("I have no details for this training yet."))
        else:
            names = self._names.get(training_id) if training_id else None
            context = (
                FactContext(
                    edition=edition,
                    locale=locale,
                    now=question.now,
                    gettext=_,
                    course_ids=resolution.course_ids,
                    era=(names.date_style == "era") if names else True,
                    question=fold_width_and_case(question.text),
                )
                if edition is not None
                else None
            )
            texts.append(self._fill(entry, context, training_id, locale))
            table_of = table_function(entry.detail) if entry.detail else None
            if table_of is not None and context is not None:
                rows = table_of(context)
                if rows and len(rows) > 3:
                    table = (f"{self._short_name(training_id, locale)} {_(entry.ask)}", rows)
        choices = [
            Choice(_(self._entries[r].ask), self._ask_text(self._entries[r], training_id, locale))
            for r in entry.related
            if training_id is None or self._applies(self._entries[r], training_id)
        ]
        reply = _Reply(texts, choices, table)
        return self._build(reply, "answer", entry.id, training_id, confidence, locale)

    def _fill(self, entry: FaqEntry, context: FactContext | None, training_id: str | None, locale: str) -> str:
        """The entry's template with its facts; admits a gap instead of guessing."""
        _ = gettext_for(locale)
        values: dict[str, str] = {}
        found = 0
        for name in entry.placeholders():
            if name == "training":
                values[name] = self._short_name(training_id, locale) if training_id else ""
                continue
            function = fact_function(name)
            value = function(context) if (function is not None and context is not None) else None
            found += value is not None
            values[name] = value or ""
        if not found:
            return _("The guide for {training} does not say. Please ask the secretariat:\n{contact}").format(
                training=self._short_name(training_id, locale) if training_id else "",
                contact=self._contact(context) if context else "",
            )
        filled = _(entry.answer).format(**values)
        return re.sub(r"\n{2,}", "\n", filled).strip()

    def _contact(self, context: FactContext) -> str:
        secretariat = fact_function("secretariat")
        assert secretariat is not None
        return secretariat(context) or ""

    def _ask_training(
        self, question: Question, entry: FaqEntry, resolution: Resolution, locale: str, confidence: float
    ) -> Answer:
        _ = gettext_for(locale)
        candidates = [t for t in (resolution.candidates or tuple(self._knowledge.trainings))
                      if self._applies(entry, t)] or list(resolution.candidates or self._knowledge.trainings)
        original = question.text.strip()
        choices = [
            Choice(self._short_name(t, locale), _("{training}: {question}").format(
                training=self._short_name(t, locale), question=original))
            for t in candidates
        ]
        text = _("Which training is your question about?")
        return self._build(_Reply([text], choices), "ask_training", entry.id, None, confidence, locale,
                           candidates=tuple(candidates))

    def _did_you_mean(
        self, question: Question, candidates: list[Candidate], resolution: Resolution, locale: str, confidence: float
    ) -> Answer:
        _ = gettext_for(locale)
        top = [c for c in candidates if c.coverage >= SUGGEST_COVERAGE * 0.5][:3] or candidates[:1]
        choices = [
            Choice(_(self._entries[c.entry_id].ask),
                   self._ask_text(self._entries[c.entry_id], resolution.training_id, locale))
            for c in top
        ]
        texts = [_("I am not sure I understood. Did you mean one of these?")]
        contact = self._fallback_contact(resolution, question, locale)
        if contact:
            texts[0] = f"{texts[0]}\n\n{contact}"
        return self._build(_Reply(texts, choices), "did_you_mean", None, resolution.training_id, confidence, locale,
                           candidates=tuple(c.entry_id for c in top))

    def _fallback_contact(self, resolution: Resolution, question: Question, locale: str) -> str:
        _ = gettext_for(locale)
        training_ids = [resolution.training_id] if resolution.training_id else list(resolution.candidates)
        lines = []
        for training_id in training_ids:
            edition = self._edition(training_id, question)
            if edition is None:
                continue
            context = FactContext(edition=edition, locale=locale, now=question.now, gettext=_)
            lines.append(f"{self._short_name(training_id, locale)}\n{self._contact(context)}")
        if not lines:
            return ""
        return _("If not, please ask the secretariat:") + "\n" + "\n".join(lines)

    def _clinical(self, locale: str, resolution: Resolution) -> Answer:
        _ = gettext_for(locale)
        desks = []
        editions = (
            self._knowledge.editions_of(resolution.training_id)
            if resolution.training_id
            else list(self._knowledge.editions.values())
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
        choices = self._menu_choices(resolution.training_id, locale)
        return self._build(_Reply([text], choices), "clinical", None, resolution.training_id, 1.0, locale)

    def _topics(self, locale: str) -> str:
        _ = gettext_for(locale)
        names = "、".join(self._short_name(t, locale) for t in self._knowledge.trainings) if locale == "ja" else ", ".join(
            self._short_name(t, locale) for t in self._knowledge.trainings)
        return _("I can answer questions about these trainings: {trainings} (dates, applications, fees, "
                 "certificates, contacts and so on).").format(trainings=names)

    def _menu_choices(self, training_id: str | None, locale: str) -> list[Choice]:
        _ = gettext_for(locale)
        if training_id is None:
            return [
                Choice(self._short_name(t, locale), _("{training}: {question}").format(
                    training=self._short_name(t, locale), question=_(self._entries[OVERVIEW_ENTRY].ask)))
                for t in self._knowledge.trainings
            ]
        return [
            Choice(_(self._entries[e].ask), self._ask_text(self._entries[e], training_id, locale))
            for e in MENU_ENTRIES
            if e in self._entries
        ]

    def _menu(self, question: Question, locale: str, resolution: Resolution, kind: str) -> Answer:
        _ = gettext_for(locale)
        greeting = _("Hello! ") if kind == "greeting" else ""
        text = greeting + self._topics(locale) + "\n" + _("Please type your question, e.g. \"deadline\".")
        return self._build(_Reply([text], self._menu_choices(resolution.training_id, locale)), kind, None,
                           resolution.training_id, 1.0, locale)

    def _out_of_scope(self, locale: str, resolution: Resolution, confidence: float = 0.0) -> Answer:
        _ = gettext_for(locale)
        text = _("Sorry, I can only help with the trainings.") + "\n" + self._topics(locale)
        return self._build(_Reply([text], self._menu_choices(resolution.training_id, locale)), "out_of_scope", None,
                           resolution.training_id, confidence, locale)

    def _build(
        self,
        reply: _Reply,
        kind: str,
        entry_id: str | None,
        training_id: str | None,
        confidence: float,
        locale: str,
        candidates: tuple[str, ...] = (),
    ) -> Answer:
        return Answer(
            messages=messages(reply.texts, reply.choices, reply.table),
            kind=kind,
            entry_id=entry_id,
            training_id=training_id,
            confidence=confidence,
            locale=locale,
            candidates=candidates,
            text="\n".join(reply.texts),
        )

    # --- start-up checks ---------------------------------------------------------

    def _warm_up(self) -> None:
        """Answer a question in each language now: catalogs, Babel locale data and
        first-call costs load at start-up, not while the first trainee waits."""
        some_day = datetime(2000, 1, 1, tzinfo=UTC)
        for locale, text in (("ja", "締切"), ("en", "deadline")):
            for training_id in self._knowledge.trainings:
                self.answer(Question(text=f"{self._short_name(training_id, locale)} {text}", locale=locale,
                                     now=some_day))

    def _check_templates(self) -> None:
        """Every placeholder must name a known fact, so a typo fails at start-up."""
        for entry in self._faq.entries:
            for name in entry.placeholders():
                if name != "training" and fact_function(name) is None:
                    raise DataFileError(f"FAQ entry {entry.id!r}: unknown fact {{{name}}} in answer template")
            if entry.detail is not None and table_function(entry.detail) is None:
                raise DataFileError(f"FAQ entry {entry.id!r}: unknown detail table {entry.detail!r}")
        if OVERVIEW_ENTRY not in {e.id for e in self._faq.entries}:
            raise DataFileError(f"FAQ needs an entry with id {OVERVIEW_ENTRY!r}")


def _rewrite_table(rewrites: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
    """(folded variant, canonical) pairs, longest variant first so 質問したい wins over 質問."""
    pairs = {fold_width_case_and_kana(v): canonical for canonical, variants in rewrites.items() for v in variants if v.strip()}
    return tuple(sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True))


PLACE_WORD = "区市町村"
_LEADING_PARTICLES = re.compile(r"^(?:の|は|で|って|に|を|が|も|と)+\s*")


def _place_names(knowledge: Knowledge) -> tuple[tuple[str, str], ...]:
    """Municipality names from the editions' submission offices (世田谷区, 世田谷) -> 区市町村."""
    names: set[str] = set()
    for edition in knowledge.editions.values():
        for office in edition.application.submit_offices:
            names.add(fold_width_case_and_kana(office.municipality))
            stem = office.municipality[:-1]
            if office.municipality[-1] in "区市町村" and len(stem) >= 2:
                names.add(fold_width_case_and_kana(stem))
    return tuple((name, PLACE_WORD) for name in sorted(names, key=len, reverse=True))


def _has_words(text: str) -> bool:
    return re.search(r"[^\s\W_]", text) is not None and bool(
        re.sub(r"[のはをがにでとへもってやかね?？!！。、\s]", "", text)
    )

