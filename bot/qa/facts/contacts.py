"""Facts about whom to ask: the secretariat, the consultation desk, every contact, links."""

from __future__ import annotations

from bot.knowledge.models import Contact
from bot.qa.facts.context import FactContext, FactFunction
from bot.qa.facts.registry import fact, fact_family
from bot.qa.facts.wording import bulleted


def _contact_lines(ctx: FactContext, contact: Contact) -> str:
    """A contact on one line: name, e-mail, phone, web page and postal address (「厚労省の住所」), as given."""
    parts = [ctx.text(contact.name) or ""]
    parts.extend(value for value in (contact.email, contact.phone, contact.url, contact.address) if value)
    return " ".join(parts)


@fact("secretariat")
def secretariat(ctx: FactContext) -> str | None:
    contacts = ctx.edition.contact("secretariat") or ctx.edition.contacts[:1]
    return bulleted([_contact_lines(ctx, c) for c in contacts])


@fact("consultation")
def consultation(ctx: FactContext) -> str | None:
    contacts = ctx.edition.contact("consultation")
    return bulleted([_contact_lines(ctx, c) for c in contacts])


@fact("contacts")
def contacts(ctx: FactContext) -> str | None:
    items = [
        f"{ctx.text(c.purpose)}: {_contact_lines(ctx, c)}" for c in ctx.edition.contacts if c.role != "consultation"
    ]
    return bulleted(items[:5])


@fact_family("contact_")
def contact_role(role: str) -> FactFunction:
    """The contacts of one role (``contact_prefecture``...), e.g. the office a document question ends with."""

    def read(ctx: FactContext) -> str | None:
        return bulleted([_contact_lines(ctx, c) for c in ctx.edition.contacts if c.role == role])

    return read


@fact("links")
def links(ctx: FactContext) -> str | None:
    items = [
        f"{ctx.text(link.label)}: {link.url}" if link.url else ctx.text(link.label) or "" for link in ctx.edition.links
    ]
    return bulleted(items)
