"""問い合わせ: trainees' chats handed to the secretariat: the inbox, one conversation, the reply, 定型文.

Every step is a use case of ``bot.secretariat.inbox``. Anyone signed in may read
(opening a conversation marks its messages read); replying, changing the status
or the assignee and editing saved replies need 配信担当 or 管理者, checked here on
the server (a viewer's forged POST gets 403). The conversation's lines refresh by
htmx, so two clerks on one conversation see each other's replies.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.console import layout
from bot.console.security import SENDERS, actor, clerk, requires
from bot.db.tables import HandoffStatus
from bot.line.handoff_messages import NEXT_STEPS
from bot.secretariat import inbox, staff
from bot.secretariat.errors import SecretariatError
from bot.services import Services

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


def _status_filter() -> str | None:
    status = request.args.get("status") or None
    return status if status in set(HandoffStatus) else None


@bp.get("/")
def index() -> str:
    status = _status_filter()
    rows = inbox.conversations(Services.current(), status, page=request.args.get("page", 1, type=int))
    return render_template("console/inbox/index.html", rows=rows, status=status, Status=HandoffStatus,
                           status_label=lambda s: inbox.status_label(s, layout.gettext()))


@bp.get("/waiting")
def waiting() -> str:
    """The count of 要対応 (htmx: the dashboard refreshes it)."""
    return render_template("console/inbox/_waiting.html", count=inbox.waiting_count(Services.current()))


def _view(conversation_id: int) -> inbox.ConversationView | Response:
    try:
        return inbox.open_conversation(Services.current(), conversation_id)
    except inbox.NoSuchConversation as missing:
        flash(missing.message(layout.gettext()), "error")
        return redirect(url_for("console.inbox.index"))


@bp.get("/<int:conversation_id>")
def conversation(conversation_id: int) -> str | Response:
    view = _view(conversation_id)
    if isinstance(view, Response):
        return view
    services = Services.current()
    _ = layout.gettext()
    return render_template("console/inbox/conversation.html", c=view, Status=HandoffStatus,
                           status_label=lambda s: inbox.status_label(s, _), reply_key=inbox.new_reply_key(),
                           saved=inbox.saved_replies(services), clerks=[c for c in staff.clerks(services) if c.active],
                           next_steps=[(caption, _(caption)) for caption in NEXT_STEPS])


@bp.get("/<int:conversation_id>/lines")
def lines(conversation_id: int) -> str | tuple[str, int]:
    """The conversation's lines (htmx, every few seconds)."""
    try:
        view = inbox.open_conversation(Services.current(), conversation_id)
    except inbox.NoSuchConversation:
        return "", 404
    return render_template("console/inbox/_lines.html", c=view)


def _back(conversation_id: int) -> Response:
    return redirect(url_for("console.inbox.conversation", conversation_id=conversation_id))


@bp.post("/<int:conversation_id>/reply")
@requires(*SENDERS)
def reply(conversation_id: int) -> Response:
    _ = layout.gettext()
    try:
        inbox.reply(Services.current(), conversation_id, request.form.get("text", ""),
                    request.form.getlist("next_step"), request.form.get("reply_key") or inbox.new_reply_key(),
                    actor(), clerk().id, done=request.form.get("done") == "1")
    except SecretariatError as refused:
        flash(refused.message(_), "error")
        return _back(conversation_id)
    flash(_("Reply sent."), "ok")
    return _back(conversation_id)


@bp.post("/<int:conversation_id>/status")
@requires(*SENDERS)
def status(conversation_id: int) -> Response:
    services, who = Services.current(), actor()
    try:
        if request.form.get("status") == HandoffStatus.DONE:
            inbox.mark_done(services, conversation_id, who)
        else:
            inbox.reopen(services, conversation_id, who)
    except SecretariatError as refused:
        flash(refused.message(layout.gettext()), "error")
    return _back(conversation_id)


@bp.post("/<int:conversation_id>/assignee")
@requires(*SENDERS)
def assignee(conversation_id: int) -> Response:
    try:
        inbox.assign(Services.current(), conversation_id, request.form.get("clerk_id", type=int), actor())
    except SecretariatError as refused:
        flash(refused.message(layout.gettext()), "error")
    return _back(conversation_id)


@bp.get("/saved")
def saved() -> str:
    return render_template("console/inbox/saved.html", saved=inbox.saved_replies(Services.current()))


@bp.post("/saved")
@requires(*SENDERS)
def save() -> Response:
    _ = layout.gettext()
    try:
        inbox.save_reply(Services.current(), request.form.get("title", ""), request.form.get("text", ""), actor(),
                         saved_id=request.form.get("saved_id", type=int))
        flash(_("Saved reply stored."), "ok")
    except SecretariatError as refused:
        flash(refused.message(_), "error")
    return redirect(url_for("console.inbox.saved"))


@bp.post("/saved/<int:saved_id>/delete")
@requires(*SENDERS)
def delete_saved(saved_id: int) -> Response:
    _ = layout.gettext()
    inbox.delete_saved_reply(Services.current(), saved_id, actor())
    flash(_("Saved reply deleted."), "ok")
    return redirect(url_for("console.inbox.saved"))
