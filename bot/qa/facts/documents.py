"""Facts about the application documents: the list, who is exempt, and one document in full."""

from __future__ import annotations

import re

from bot.knowledge.models import Document
from bot.qa.facts.context import FactContext, FactFunction, TableRow
from bot.qa.facts.registry import fact, fact_family, table
from bot.qa.facts.wording import BULLET, bulleted, joined
from bot.textfold import fold_width_case_and_kana

# The guide's letter for a document in its list (オ 実務経験証明書): outside the list, in 「主任ケアマネ研修の…」, it
# would read as part of the name.
_LIST_LETTER = re.compile(r"^[ア-ン]\s+")


@fact("documents")
def documents(ctx: FactContext) -> str | None:
    docs = ctx.edition.application.documents
    if not docs:
        return None
    items = []
    asked = fold_width_case_and_kana(ctx.question)
    notes: list[str] = []
    for doc in docs:
        name = ctx.text(doc.name) or ""
        if _named(doc, asked):  # 「同意書出し忘れたら？」: what the documents say about that one
            notes.extend(ctx.text(n) or "" for n in doc.notes)
        if doc.required_when is not None:
            when = ctx.text(doc.required_when)
            name = f"{name}（{when}）" if ctx.locale == "ja" else f"{name} ({when})"
        items.append(name)
    return joined(bulleted(items), *notes)


def _named(doc: Document, asked: str) -> bool:
    """True when the (folded) question names the document: 「イ 受講申込書」 is named by 受講申込書,
    「同意書（受講申込書の2ページ目）」 by 同意書; the label before the name and the brackets after it are not."""
    japanese = doc.name.in_locale("ja")
    head = re.split(r"[（(]", japanese, maxsplit=1)[0].split()
    words = [head[-1]] if head else []
    english = doc.name.in_locale("en")
    if english and english != japanese:
        words.append(re.split(r"[（(]", english, maxsplit=1)[0].strip())
    return any(len(word) >= 2 and fold_width_case_and_kana(word) in asked for word in words)


@fact("document_exemptions")
def document_exemptions(ctx: FactContext) -> str | None:
    rows = ctx.edition.application.document_exemptions
    return bulleted([f"{ctx.text(r.who)}: {ctx.text(r.documents)}" for r in rows])


@table("documents")
def documents_table(ctx: FactContext) -> list[TableRow] | None:
    docs = ctx.edition.application.documents
    if not docs:
        return None
    return [(doc.form_code or BULLET, ctx.text(doc.name) or "") for doc in docs]


@fact_family("document_")
def document(key: str) -> FactFunction:
    """One application document with who needs it and how it must be made
    (``{document_experience_certificate}`` reads ``experience-certificate``)."""
    document_id = key.replace("_", "-")

    def read(ctx: FactContext) -> str | None:
        found = [d for d in ctx.edition.application.documents if d.id == document_id]
        if not found:
            return None
        doc = found[0]
        name = _LIST_LETTER.sub("", ctx.text(doc.name) or "")
        if doc.form_code:
            name = f"{name}（{doc.form_code}）" if ctx.locale == "ja" else f"{name} ({doc.form_code})"
        who = ctx.gettext("Needed: {who}").format(who=ctx.text(doc.required_when)) if doc.required_when else None
        return joined(name, who, bulleted([ctx.text(n) or "" for n in doc.notes]))

    read.__name__ = f"document_{document_id}"
    return read
