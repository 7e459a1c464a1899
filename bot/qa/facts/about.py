"""Facts about the training itself: title, summary, organisers, courses, lecturers, free-form topics."""

from __future__ import annotations

from bot.knowledge.models import Course
from bot.qa.facts.context import FactContext, FactFunction
from bot.qa.facts.curriculum import asked_subjects, curriculum_text
from bot.qa.facts.registry import fact, fact_family
from bot.qa.facts.wording import bulleted, joined, listed
from bot.textfold import fold_width_case_and_kana


@fact("training_title")
def training_title(ctx: FactContext) -> str | None:
    return ctx.text(ctx.edition.title)


@fact("summary")
def summary(ctx: FactContext) -> str | None:
    return ctx.text(ctx.edition.summary)


@fact("purpose")
def purpose(ctx: FactContext) -> str | None:
    """What the training is for, in the documents' words, when the question asks (「目的は？」): the
    overview is long enough without it, and 主任研修's purpose alone is three lines on a phone."""
    asked = fold_width_case_and_kana(ctx.question)
    if not any(fold_width_case_and_kana(word) in asked for word in ctx.purpose_words):
        return None
    return ctx.text(ctx.edition.purpose)


@fact("organisers")
def organisers(ctx: FactContext) -> str | None:
    """Who commissions and who runs the training, with the role the document gives and the notice each
    issued (日医発第672号, 7月28日: what a clerk forwarding it is asked about)."""
    separator = "、" if ctx.locale == "ja" else ", "
    return bulleted([f"{o.role}: {ctx.text(o.name)}" + (f"{separator}{ctx.text(o.notice)}" if o.notice else "")
                     for o in ctx.edition.organisers])


@fact("courses")
def courses(ctx: FactContext) -> str | None:
    items = []
    for course in ctx.edition.courses:
        subs = listed(ctx, [ctx.text(s.name) or "" for s in course.subcourses])
        items.append(f"{ctx.text(course.name)}（{subs}）" if subs and ctx.locale == "ja"
                     else f"{ctx.text(course.name)} ({subs})" if subs else ctx.text(course.name) or "")
    return bulleted(items)


@fact("course_formats")
def course_formats(ctx: FactContext) -> str | None:
    """How each course is taken; a sub-course taken as its parent is not listed again
    (主任研修's A, B and C are each 「Zoom＋オンデマンド」 like the online course they belong to)."""
    items = []
    for course in ctx.edition.courses:
        for c in course.walk():
            if c.format is None or not ctx.wanted([c.id]) or (c is not course and c.format == course.format):
                continue
            items.append(f"{ctx.text(c.name)}: {ctx.text(c.format)}")
    return bulleted(items)


@fact("course_contents")
def course_contents(ctx: FactContext) -> str | None:
    """Each course's description and the curriculum's subjects; a subject the question names alone
    (「特別講義ってなにがある？」 lists the three lectures, not the four courses)."""
    if asked_subjects(ctx):
        return curriculum_text(ctx)
    chosen: list[Course] = [c for c in ctx.edition.all_courses() if c.description is not None and ctx.wanted([c.id])]
    if ctx.course_ids:
        chosen = [c for c in chosen if c.id in ctx.course_ids] or chosen
    items = [f"{ctx.text(c.name)}: {ctx.text(c.description)}" for c in chosen[:4]]
    return joined(bulleted(items), curriculum_text(ctx) if ctx.edition.curriculum else None)


@fact("lecturers")
def lecturers(ctx: FactContext) -> str | None:
    items = []
    for course in ctx.edition.all_courses():
        named = not ctx.course_ids or course.id in ctx.course_ids or not course.subcourses
        if course.lecturers and ctx.wanted([course.id]) and named:
            names = listed(ctx, [ctx.text(t) or "" for t in course.lecturers])
            items.append(f"{ctx.text(course.name)}: {names}")
    return bulleted(list(dict.fromkeys(items))[:5])


@fact_family("fact_")
def topic(key: str) -> FactFunction:
    """A free-form fact of the edition, by its topic slug (``{fact_last_year}`` reads ``last-year``)."""
    name = key.replace("_", "-")

    def read(ctx: FactContext) -> str | None:
        found = [f for f in ctx.edition.facts if f.topic == name]
        return joined(*(joined(ctx.text(f.text), f.url) for f in found))

    read.__name__ = f"fact_{name}"
    return read
