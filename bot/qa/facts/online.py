"""Facts about taking part online: joining details, the device and connection, smartphones, help."""

from __future__ import annotations

from bot.qa.facts.contacts import secretariat
from bot.qa.facts.context import FactContext, TableRow
from bot.qa.facts.registry import fact, table
from bot.qa.facts.wording import bulleted, joined, listed


@fact("credentials")
def credentials(ctx: FactContext) -> str | None:
    creds = ctx.edition.credentials
    if creds is None:
        return None
    items = listed(ctx, [ctx.text(i) or "" for i in creds.items])
    timing = ctx.text(creds.timing.label) if creds.timing else None
    # 「メールがまだ来ない」 is the usual reason to ask: the "contact the secretariat" line names it.
    missing = joined(ctx.text(creds.if_not_received), secretariat(ctx)) if creds.if_not_received else None
    return joined(f"{items} / {ctx.text(creds.channel)}", timing, missing)


@fact("system_requirements")
def system_requirements(ctx: FactContext) -> str | None:
    req = ctx.edition.system_requirements
    if req is None:
        return None
    _ = ctx.gettext
    parts = []
    if req.pc_os:
        parts.append(_("PC: {items}").format(items=", ".join(req.pc_os)))
    if req.smartphone_os:
        parts.append(_("Smartphone/tablet: {items}").format(items=", ".join(req.smartphone_os)))
    if req.browsers:
        notes = " ".join(ctx.text(n) or "" for n in req.browser_notes)
        parts.append(_("Browser: {items}").format(items=", ".join(req.browsers)) + (
            (f"（{notes}）" if ctx.locale == "ja" else f" ({notes})") if notes else ""))
    if req.cpu or req.memory:
        parts.append(" / ".join(
            text for text in (
                _("CPU: {value}").format(value=req.cpu) if req.cpu else None,
                _("Memory: {value}").format(value=req.memory) if req.memory else None,
            ) if text))
    if req.plugins is not None:
        parts.append(_("Plug-ins: {value}").format(value=ctx.text(req.plugins)))
    if req.bandwidth is not None:
        parts.append(_("Connection: {value}").format(value=ctx.text(req.bandwidth)))
    return joined(
        bulleted(parts), ctx.text(req.device_rule), ctx.text(req.connection_check), ctx.text(req.network_provided_by)
    )


@table("system_requirements")
def system_requirements_table(ctx: FactContext) -> list[TableRow] | None:
    req = ctx.edition.system_requirements
    if req is None:
        return None
    _ = ctx.gettext
    rows: list[TableRow] = []
    if req.pc_os:
        rows.append((_("PC OS"), "\n".join(req.pc_os)))
    if req.browsers:
        rows.append((_("Browser"), "\n".join(req.browsers)))
    if req.smartphone_os:
        rows.append((_("Smartphone OS"), "\n".join(req.smartphone_os)))
    for label, value in ((_("CPU"), req.cpu), (_("Memory"), req.memory)):
        if value:
            rows.append((label, value))
    if req.bandwidth is not None:
        rows.append((_("Connection"), ctx.text(req.bandwidth) or ""))
    if req.plugins is not None:
        rows.append((_("Plug-ins"), ctx.text(req.plugins) or ""))
    return rows or None


@fact("smartphone")
def smartphone(ctx: FactContext) -> str | None:
    req = ctx.edition.system_requirements
    if req is None or req.smartphones_allowed is None:
        return None
    _ = ctx.gettext
    head = _("Yes, smartphones and tablets can be used.") if req.smartphones_allowed else _(
        "No, smartphones and tablets cannot be used; please use a PC.")
    os_line = _("Smartphone/tablet: {items}").format(items=", ".join(req.smartphone_os)) if req.smartphone_os else None
    return joined(head, os_line, *(ctx.text(n) for n in req.smartphone_notes))


@fact("technical_support")
def technical_support(ctx: FactContext) -> str | None:
    req = ctx.edition.system_requirements
    if req is None:
        return None
    # Testing the connection beforehand is the trainee's part of avoiding trouble.
    return joined(ctx.text(req.connection_check), ctx.text(req.technical_support))
