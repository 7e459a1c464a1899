"""The curriculum: each subject with its hours, kind and how it is taught; the ones a question names in full.

「特別講義ってなにがある？」「オンデマンドで見る科目は？」「ターミナルケアは何時間？」 are asked about
subjects, which the course descriptions do not list. Subjects a question names
(``bot.qa.subjects``) are given alone, with their aim, what they cover and notes: 「リスクマネジメントの
科目で災害のことも扱う？」 is answered by the line on 自然災害, which the aim alone does not name.
"""

from __future__ import annotations

from bot.knowledge.models import Subject
from bot.qa.facts.context import FactContext
from bot.qa.facts.wording import bulleted, joined
from bot.qa.subjects import named_subjects


def subject_title(ctx: FactContext, subject: Subject) -> str:
    """「(3) ターミナルケア」."""
    return " ".join(p for p in (subject.number, ctx.text(subject.name)) if p)


def subject_hours(ctx: FactContext, subject: Subject) -> str | None:
    """「3時間」, or None when the documents give no hours."""
    return ctx.gettext("{hours} hours").format(hours=f"{subject.hours:g}") if subject.hours else None


def subject_line(ctx: FactContext, subject: Subject) -> str:
    """A subject with how long and how it is taught: 「(3) ターミナルケア（講義、動画視聴（オンデマンド）、3時間）」."""
    details = [d for d in (ctx.text(subject.kind), ctx.text(subject.delivery), subject_hours(ctx, subject)) if d]
    if not details:
        return subject_title(ctx, subject)
    title = subject_title(ctx, subject)
    if ctx.locale == "ja":
        return f"{title}（{'、'.join(details)}）"
    return f"{title} ({', '.join(details)})"


def asked_subjects(ctx: FactContext) -> list[Subject]:
    """The subjects the question names, in curriculum order (none when it names none)."""
    named = named_subjects(ctx.edition, ctx.question).ids
    return [s for s in ctx.edition.curriculum if s.id in named]


def curriculum_text(ctx: FactContext) -> str | None:
    """The subjects the question names with their aim, contents and notes, else every subject on one line each."""
    asked = asked_subjects(ctx)
    if asked:
        return joined(*(joined(subject_line(ctx, s), ctx.text(s.aim),
                               bulleted([ctx.text(c) or "" for c in s.contents]),
                               *(ctx.text(n) for n in s.notes))
                        for s in asked))
    return bulleted([subject_line(ctx, s) for s in ctx.edition.curriculum])
