"""Deciding what to do with a question: answer an entry, ask, suggest, redirect or decline.

1. guards first: the word lists catch clinical questions whatever the model
   says (and greetings, thanks, "menu", obvious small talk);
2. the topic model gives every entry and guard class a calibrated probability;
   entries that cannot be answered for the question's training (its answer
   would find no fact) are no candidates;
3. the learned clinical class redirects; the learned out-of-scope class gets
   the honest list of what the bot covers;
4. an entry is answered when its probability and its lead over the runner-up
   clear the thresholds fitted on cross-validation (``topic_model``), offered
   among "did you mean" choices when it is only plausible, else out of scope;
   when the model hesitates between two siblings (fee and payment), they count
   as one and both answers are given;
5. a follow-up of the conversation going on (「それはいつ？」「あと何日？」)
   means the previous question's topic; an entry that needs a training nobody
   named asks which one, unless it is one training's own (区市町村の推薦);
6. a countdown (「配信終了まであと何日？」) naming a dated fact, or nothing but a
   place or the training, and a question the model can only guess at (did you
   mean) that asks when a named dated fact is or what is on the days a date word
   names (「今日ECMO研修ってある？」), are answered by the likeliest entry whose
   answer states that day and its days left (an entry's ``dates``), else by the
   countdown entry, which gives any dated fact: the time slots say what is asked
   better than words the model has seen. A clinical or out-of-scope verdict stays.

The outcome is a ``Verdict``: what to say is ``compose``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.knowledge.faq import CLINICAL_LABEL, GUARD_LABELS
from bot.knowledge.schedule import EventKind
from bot.qa.coverage import carried
from bot.qa.date_words import DATE_TOKEN
from bot.qa.features import PLACE_TOKEN
from bot.qa.index import OVERVIEW_ENTRY, FaqIndex
from bot.qa.query import Query
from bot.qa.routing import Route
from bot.qa.subjects import named_subjects
from bot.qa.time_slots import TimeSlots
from bot.qa.topic_model import Prediction, cover
from bot.qa.training_resolution import Resolution
from bot.textfold import fold_width_case_and_kana

# Below this the best entry is not even worth offering as a choice.
SUGGEST_PROBABILITY = 0.12
# Choices offered beside the best one must be at least this likely.
CHOICE_PROBABILITY = 0.02
# Four buttons: with three, 0.3% more of the questions held out in cross-validation's folds (seed 0, the one
# seed run both ways) had no button for the right entry.
MAX_CHOICES = 4
# The likeliest entries searched for one stating the day a question asks about (three, as many as the buttons
# were when it was written; not measured since).
DATED_ENTRIES_SEARCHED = 3
# From this probability a "did you mean" starts with the best entry's answer.
LIKELY_PROBABILITY = 0.6
# ...unless the question might be out of scope or clinical: then no fact at all.
MAX_GUARD_FOR_LIKELY = 0.01
# The learned clinical class redirects from this probability on (the word lists catch the rest).
CLINICAL_PROBABILITY = 0.42
# ...and from this one when the text speaks of the course (講義, 受講): the class learnt 副作用 from
# patients' questions and redirected 「副作用の管理についての講義はある？」.
CLINICAL_ABOUT_COURSE = 0.9
# A label's own lower threshold (and a likely answer first) needs at least this share of the words known.
MIN_KNOWN_WORDS = 0.5
# ...and any answer at all more than a third of them: 「recommend a restaurant」 knows only "recommend"
# (推薦), and a confident score on one word of three is no answer (0 out-of-scope questions answered
# with a fact in cross-validation, seeds 0 and 1, against 1 each without it).
MIN_KNOWN_TO_ANSWER = 0.34
VENUE_ENTRY = "venue"
SCHEDULE_ENTRY = "schedule"
COUNTDOWN_ENTRY = "countdown"
# The entries a question naming a curriculum subject is about when the model thinks of the curriculum.
_CURRICULUM_ENTRIES = frozenset({SCHEDULE_ENTRY, "hours", "course-contents"})
# What a follow-up looks like once names are out: a pronoun or a bare question word.
_FOLLOW_UP = re.compile(
    r"^(それ|そっち|あれ|その日|そちら|これ)?(は|って|の)?\s*(いつ|何日|なんにち|あと何日|あとなんにち|どこ|何時|なんじ|"
    r"いくら|何時から|when|where|how many days)[^\w]*(ですか|ですか\?|\?)?[?？!！。\s]*$"
)


# Where a question joins two parts: と between two nouns (「定員と締切」), unless a noun after both follows (「講義と
# 演習の時間」 asks one time of two things); "and" before a question word; a question mark when another ends the
# text (「京都はいつ？会場は？」, not 「受講料は？私は医師です」).
_NOUN = r"[\u4e00-\u9fff\u30a1-\u30faー]"
_TWO_PARTS = re.compile(
    rf"(?<={_NOUN})と(?={_NOUN}++(?!の))"
    r"|,?\s+and\s+(?=(?:what|when|where|how|which|who)\b)|[?？](?=[^?？]+[?？]\s*$)"
)


@dataclass(frozen=True)
class AnswerEntry:
    """Answer with an entry's facts for one training (or none, for general entries)."""

    entry_id: str
    training_id: str | None
    course_ids: tuple[str, ...]
    confidence: float
    candidates: tuple[str, ...] = ()  # the model's best entries, for the question log
    also: tuple[str, ...] = ()  # a sibling entry the model could not tell apart: answered too


@dataclass(frozen=True)
class AskTraining:
    """The entry is clear but needs a training: ask which, a button per training."""

    entry_id: str
    training_ids: tuple[str, ...]
    confidence: float
    # Every training that could be meant has the answer: when the answers are short, all are given instead.
    # Not when some could be meant that lack it (an ECMO trainee asking 「申込締切」 would read two other
    # trainings' deadlines as if they were the answer).
    short_for_all: bool = True


@dataclass(frozen=True)
class DidYouMean:
    """The best entries are plausible, none is sure: offer them, with the secretariat's contact."""

    entry_ids: tuple[str, ...]
    training_id: str | None
    contact_training_ids: tuple[str, ...]  # whose secretariat to name
    confidence: float
    likely: str | None = None  # the best entry, answered first when it is likely and its training known


@dataclass(frozen=True)
class Redirect:
    """A clinical question: never answered, the consultation desk instead."""

    training_id: str | None
    confidence: float = 1.0


@dataclass(frozen=True)
class ShowMenu:
    """A greeting, thanks, "menu" or an empty message: a short friendly reply."""

    route: Route
    training_id: str | None
    confidence: float = 1.0


@dataclass(frozen=True)
class OutOfScope:
    """Not about the trainings: say what the bot covers, and whom to ask."""

    training_id: str | None
    confidence: float
    candidates: tuple[str, ...] = ()


Verdict = AnswerEntry | AskTraining | DidYouMean | Redirect | ShowMenu | OutOfScope


def decide(query: Query, index: FaqIndex) -> Verdict:
    """The verdict on one question."""
    resolution = query.resolution
    if query.route is Route.CLINICAL:
        return Redirect(resolution.training_id)
    if query.route in (Route.GREETING, Route.THANKS, Route.MENU):
        return ShowMenu(query.route, resolution.training_id)
    if query.route is Route.OFF_TOPIC:
        return OutOfScope(resolution.training_id, 0.0)
    topic = query.topic
    if resolution.source == "named" and not _has_words(topic):
        return _entry(OVERVIEW_ENTRY, resolution, 1.0, index)
    if PLACE_TOKEN in topic and not _has_words(topic.replace(PLACE_TOKEN, "")):
        return _entry(VENUE_ENTRY, resolution, 1.0, index)  # 「ECMO 北海道」: when and where there
    features = index.featuriser.features(topic)
    prediction = index.model.predict(features)
    query = _owner_over_place(query, prediction, index)
    resolution = query.resolution
    time = query.time
    # A place, a day asked where, or when and where both (「次のECMO研修はいつ、どこで？」).
    asks_days_with_venues = PLACE_TOKEN in topic or (time.asks_where and (DATE_TOKEN in topic or time.asks_when))
    if asks_days_with_venues and time.only_when_or_where and not time.countdown and \
            not time.events and resolution.training_id and index.applies(VENUE_ENTRY, resolution.training_id):
        # 「神戸からはどこ？いつ？」「2月15日はどこ？」: that place's (or day's) days with their venue, which the
        # schedule and the venue entry both give for a named place; どこ asks for the venue, いつ for the schedule.
        first, *also = _place_entries(time, prediction.labels)
        return _entry(first, resolution, 1.0, index, also=tuple(also))
    if resolution.training_id and query.time.asks_whether_on:
        return _entry(SCHEDULE_ENTRY, resolution, 1.0, index)  # 「今月のECMO研修」: the days in that window
    if _asks_when_a_subject_is(query, index, prediction.top):
        return _entry(SCHEDULE_ENTRY, resolution, 1.0, index)  # 「Bコースの医療との連携の科目は何日？」: its days
    previous = query.question.last_entry_id
    dated = previous in index.entries and index.entries[previous].dated
    if dated and query.question.in_conversation and _FOLLOW_UP.match(topic.strip().lower()):
        return _entry(previous, resolution, 1.0, index)  # 「それはいつ？」「あと何日？」 about the last answer
    ranked = _candidates(prediction.labels, prediction.probabilities, query, index)
    verdict = _by_the_model(query, index, features, prediction.labels[0], prediction.probabilities[0], ranked)
    # 「こんにちは！元気？」: a greeting and small talk. An unsure reading after a greeting loses its buttons to the
    # greeting, whose reply says what the bot covers as the out-of-scope one does.
    opening = index.router.opening(query.text) if isinstance(verdict, OutOfScope) else None
    if opening is not None:
        return ShowMenu(opening, resolution.training_id)
    if isinstance(verdict, Redirect | OutOfScope) or COUNTDOWN_ENTRY not in index.entries:
        return verdict  # a clinical or out-of-scope question stays one, whatever it counts down to
    verdict = _both_topics(verdict, query, index)
    counting = _counts_down(query)
    if counting or (isinstance(verdict, DidYouMean) and _asks_a_date(query, index)):
        day_entry = _dated_entry(query, index, ranked)
        if isinstance(verdict, AnswerEntry) and verdict.entry_id == day_entry:
            return verdict
        return _entry(day_entry, resolution, 1.0 if counting else verdict.confidence, index)
    return verdict


def _by_the_model(query: Query, index: FaqIndex, features: list[str], best: str, best_probability: float,
                  ranked: list[tuple[str, float]]) -> Verdict:
    """What the topic model's calibrated probabilities decide (``ranked``: the labels the training allows)."""
    resolution = query.resolution
    if not ranked:
        return OutOfScope(resolution.training_id, 0.0)
    # Sure of an entry the trainings in question cannot answer: say so, or ask which training.
    beside_the_trainings = _silent_entry(best, best_probability, query, index) or _beyond_the_candidates(
        best, best_probability, query, index)
    if beside_the_trainings is not None:
        return beside_the_trainings
    entries = [(label, p) for label, p in ranked if label not in GUARD_LABELS]
    offered = tuple(label for label, p in entries[:MAX_CHOICES] if p >= CHOICE_PROBABILITY)
    answer = cover(ranked, index.siblings, index.coverage)
    top, probability = answer.labels[0], answer.probability
    about_course = index.router.about_the_course(fold_width_case_and_kana(query.text))
    if top == CLINICAL_LABEL and probability >= (CLINICAL_ABOUT_COURSE if about_course else CLINICAL_PROBABILITY):
        return Redirect(resolution.training_id, round(probability, 3))
    if top in GUARD_LABELS:
        # A clinical-sounding question about the course (「リチウムの講義はある？」) is no out-of-scope one.
        if entries and (entries[0][1] >= SUGGEST_PROBABILITY * 2 or (top == CLINICAL_LABEL and about_course and offered)):
            return _did_you_mean(offered, resolution, entries[0][1])
        return OutOfScope(resolution.training_id, round(probability, 3), offered)
    calibration = index.model.calibration
    guarded = sum(p for label, p in ranked if label in GUARD_LABELS)
    beyond_place = _not_the_place_alone(query, answer.labels, index)
    known = index.model.known_share(features)
    sure_enough = guarded < MAX_GUARD_FOR_LIKELY and beyond_place and known >= MIN_KNOWN_WORDS
    # A label's own lower threshold holds only when the question cannot be out of scope or clinical.
    threshold = calibration.threshold(top) if sure_enough else calibration.answer_probability
    if beyond_place and known >= MIN_KNOWN_TO_ANSWER and probability >= threshold and \
            answer.lead >= calibration.answer_margin:
        also = tuple(label for label in answer.labels[1:] if label != top)
        return _entry(top, resolution, round(probability, 3), index, offered, also)
    if probability >= SUGGEST_PROBABILITY:
        return _did_you_mean(offered, resolution, probability, index if sure_enough else None)
    return OutOfScope(resolution.training_id, round(probability, 3), offered)


def _both_topics(verdict: Verdict, query: Query, index: FaqIndex) -> Verdict:
    """Two things asked at once (「定員と締切だけ教えて」「日付と時間を教えて」 "Which day is it, and what time does it
    start?"): when each part alone is one entry the model is sure of (by that entry's own threshold, as a whole
    question's), both are answered; a did-you-mean would offer them as rivals (it becomes the answer only when it
    offered both), an answer would give one of the two."""
    if not isinstance(verdict, AnswerEntry | DidYouMean):
        return verdict
    topics = _part_topics(query, index)
    if topics is None:
        return verdict
    if isinstance(verdict, AnswerEntry):
        if verdict.entry_id not in topics:
            return verdict
        other = next(label for label in topics if label != verdict.entry_id)
        return verdict if other in verdict.also else replace(verdict, also=(*verdict.also, other))
    if not set(topics) <= {verdict.likely, *verdict.entry_ids}:
        return verdict  # a part read alone as an entry the whole question never suggested (名簿の登録 -> 登録移転)
    first, second = topics
    return _entry(first, query.resolution, verdict.confidence, index, verdict.entry_ids, also=(second,))


def _part_topics(query: Query, index: FaqIndex) -> tuple[str, str] | None:
    """The entries of a question's two parts, each the one the model is sure of among those the training answers,
    when the question joins two parts (``_TWO_PARTS``) about different entries."""
    parts = [part for part in _TWO_PARTS.split(query.topic) if _has_words(part)]
    if len(parts) != 2:
        return None
    labels = []
    for part in parts:
        features = index.featuriser.features(part)
        prediction = index.model.predict(features)
        ranked = _candidates(prediction.labels, prediction.probabilities, query, index)
        if not ranked or ranked[0][0] in GUARD_LABELS or index.model.known_share(features) < MIN_KNOWN_WORDS or \
                ranked[0][1] < index.model.calibration.threshold(ranked[0][0]):
            return None
        labels.append(ranked[0][0])
    first, second = labels
    return (first, second) if first != second else None


def _owner_over_place(query: Query, prediction: Prediction, index: FaqIndex) -> Query:
    """A training only guessed from a place (東京都: ECMO is held in Tokyo) gives way to the one training whose
    own entry the model is sure of: 「東京都の専門研修修了してる場合、法定研修修了証のコピーは省略できる？」 is 主任's."""
    resolution, top = query.resolution, prediction.top
    owners = index.entries[top].trainings if top in index.entries else []
    if resolution.source != "place" or len(owners) != 1 or resolution.training_id in owners or \
            prediction.probabilities[0] < index.model.calibration.threshold(top):
        return query
    owner = replace(resolution, training_id=owners[0], source="entry", candidates=(owners[0],))
    return replace(query, resolution=owner)


def _place_entries(time: TimeSlots, ranked: tuple[str, ...]) -> list[str]:
    """The entries that give a named place's days and venue: the venue for where, the schedule for when,
    else both (「九州である？」 asks for either), the one the model ranks higher (``ranked``) first."""
    if time.asks_where != time.asks_when:
        return [VENUE_ENTRY if time.asks_where else SCHEDULE_ENTRY]
    return [label for label in ranked if label in (VENUE_ENTRY, SCHEDULE_ENTRY)]


def _asks_when_a_subject_is(query: Query, index: FaqIndex, top: str) -> bool:
    """「個別事例の展開4はいつ」「多職種協働の科目は何日？」: a curriculum subject named and its date asked, no
    other dated fact (提出期限) named, while the model thinks of the curriculum (its schedule, hours or
    contents, not the case to hand in): the schedule gives the subject's days in the course asked about."""
    training_id, time = query.resolution.training_id, query.time
    if training_id is None or not time.asks_when or time.countdown or time.events or top not in _CURRICULUM_ENTRIES:
        return False
    edition = index.edition(training_id, query.question.linked_edition_ids)
    if edition is None:
        return False
    named = named_subjects(edition, query.text).ids
    # A subject seen only on demand (ターミナルケア) has no days to give; 欠席・補講・課題 (the lexicon's
    # not_subject_days_words) ask about something else.
    held = any(named & set(session.subjects) for session in edition.sessions)
    asked = fold_width_case_and_kana(query.text)
    other_words = index.knowledge.faq.lexicon.not_subject_days_words
    return held and not any(fold_width_case_and_kana(word) in asked for word in other_words)


def _counts_down(query: Query) -> bool:
    """「あと何日」 about a dated fact named (配信終了) or nothing but a place or the training (東京まで,
    研修まであと何日); not 「修了証はあと何日で届く」 or 「東京タワーまであと何日」, which name no date the
    documents give."""
    time = query.time
    return time.countdown and (bool(time.events) or not time.other_words)


def _dated_entry(query: Query, index: FaqIndex, ranked: list[tuple[str, float]]) -> str:
    """The entry that states the day asked about: the model's likeliest whose answer gives the date and the
    days left of a dated fact the question names (申込締切 -> the application period), else the countdown
    entry, which gives any dated fact (配信終了, 決定通知)."""
    kinds = query.time.events or {EventKind.COURSE_DAY}  # a place or nothing named: the session days
    entries = [label for label, _ in ranked if label in index.entries]
    for label in entries[:DATED_ENTRIES_SEARCHED]:
        if kinds & set(index.entries[label].dates):
            return label
    return COUNTDOWN_ENTRY


def _asks_a_date(query: Query, index: FaqIndex) -> bool:
    """A date word (今日, 年内) or a dated fact asked when (払込はいつまで), for a known training the dates
    can answer for. A month, day or year named is often part of a statement (「3月末で退職予定ですが」,
    「今年受講できますか」): it counts only in a question asking when or whether something is on then."""
    training_id, time = query.resolution.training_id, query.time
    if training_id is None or not index.applies(COUNTDOWN_ENTRY, training_id):
        return False
    if time.date_word is not None and time.date_word.often_stated:
        return time.asks_when or time.asks_whether_on
    return time.date_word is not None or (bool(time.events) and time.asks_when)


def _not_the_place_alone(query: Query, answered: tuple[str, ...], index: FaqIndex) -> bool:
    """True unless the answer rests on the place alone: 「東京の観光地」 is not about the venue, and
    the words besides the place say so (the model sees "a place" and thinks of venues). Such an
    entry is offered, never answered. ``answered`` are the entries the answer gives (siblings
    answered together: 「札幌でやる日」 is venue with the place, schedule without, and both say it)."""
    topic = query.topic
    if PLACE_TOKEN not in topic:
        return True
    alone = index.model.predict(index.featuriser.features(topic.replace(PLACE_TOKEN, " ")))
    # Among what the training can answer: 「ECMO研修 福岡 申込」 without the place reads as the application
    # period, which ECMO's guide does not give.
    ranked = _candidates(alone.labels, alone.probabilities, query, index)
    return bool(ranked) and ranked[0][0] in answered


def _candidates(labels: tuple[str, ...], probabilities: tuple[float, ...], query: Query,
                index: FaqIndex) -> list[tuple[str, float]]:
    """Labels with their probability, best first, without entries the training cannot answer
    (renormalised: the slot is evidence the model did not see)."""
    resolution = query.resolution
    trainings = (resolution.training_id,) if resolution.training_id else resolution.candidates
    possible = set(GUARD_LABELS).union(*(index.answerable(t) for t in trainings))
    kept = [(label, p) for label, p in zip(labels, probabilities, strict=True) if label in possible]
    total = sum(p for _, p in kept) or 1.0
    return [(label, p / total) for label, p in kept]


def _silent_entry(top: str, probability: float, query: Query, index: FaqIndex) -> AnswerEntry | None:
    """The model is sure of an entry the named training's documents say nothing about (主任研修 録画), or
    one that is another training's own (主任研修の申込後の流れ: 難治性's form mail): answering it says so and
    gives the secretariat, which beats guessing another or calling the question out of scope."""
    training_id = query.resolution.training_id
    if training_id is None or top not in index.entries or probability < index.model.calibration.threshold(top):
        return None
    entry = index.entries[top]
    if index.applies(top, training_id):
        return None
    if entry.trainings and training_id not in entry.trainings and query.resolution.source != "named":
        return None  # a training guessed from a place (東京都) is no reason to deny another training's own entry
    return AnswerEntry(top, training_id, query.resolution.course_ids, round(probability, 3), (top,))


def _beyond_the_candidates(top: str, probability: float, query: Query, index: FaqIndex) -> AskTraining | None:
    """The model is sure of an entry that none of the trainings the asker follows answers (「返金はありますか」 from a
    subscriber of 難治性 and ECMO: only 主任's guide speaks of refunds). Left to those trainings, the question
    would be called out of scope; answered for the training that has it, another training's facts would read as
    the asker's own (主任's 推薦要件 to a 難治性 trainee): it asks which training, a button each."""
    resolution = query.resolution
    if resolution.training_id is not None or not resolution.candidates or top not in index.entries or \
            probability < index.model.calibration.threshold(top):
        return None
    if any(index.applies(top, training_id) for training_id in resolution.candidates):
        return None
    return AskTraining(top, tuple(index.knowledge.trainings), round(probability, 3), short_for_all=False)


def _did_you_mean(offered: tuple[str, ...], resolution: Resolution, probability: float,
                  index: FaqIndex | None = None) -> DidYouMean:
    contacts = (resolution.training_id,) if resolution.training_id else resolution.candidates
    likely = None
    if index is not None and offered and probability >= LIKELY_PROBABILITY:
        best = offered[0]
        if resolution.training_id is not None or not index.entries[best].needs_training:
            likely = best
    others = tuple(e for e in offered if e != likely) if likely else offered
    return DidYouMean(others, resolution.training_id, contacts, round(probability, 3), likely)


def _entry(entry_id: str, resolution: Resolution, confidence: float, index: FaqIndex,
           candidates: tuple[str, ...] = (), also: tuple[str, ...] = ()) -> AnswerEntry | AskTraining:
    """Answer the entry, or ask which training when it needs one and several could be meant."""
    training_id = resolution.training_id
    if index.entries[entry_id].needs_training and training_id is None:
        trainings = resolution.candidates or tuple(index.knowledge.trainings)
        applicable = [t for t in trainings if index.applies(entry_id, t)]
        if len(applicable) == 1 and index.entries[entry_id].trainings:
            # The entry is one training's own (区市町村の推薦 is 主任's): nobody else asks it.
            training_id = applicable[0]
        elif len(applicable) == 1:
            # Only one training's documents say it (欠席 is in 主任's guide), but anyone may ask: a question with
            # one button would be none, so every training could be meant gets one (the others: "ask the office").
            return AskTraining(entry_id, tuple(trainings), confidence, short_for_all=False)
        else:
            return AskTraining(entry_id, tuple(applicable) or tuple(trainings), confidence,
                               short_for_all=len(applicable) == len(trainings))
    also = tuple(e for e in also if not index.entries[e].needs_training or index.applies(e, training_id or ""))
    carried_here = carried(index.entries[entry_id], training_id, index.applies)
    also += tuple(e for e in carried_here if e not in also)
    return AnswerEntry(entry_id, training_id, resolution.course_ids, confidence, candidates, also)


def _has_words(text: str) -> bool:
    return bool(re.sub(r"[のはをがにでとへもってやかね?？!！。、\s]", "", text))
