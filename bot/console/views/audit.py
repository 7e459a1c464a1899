"""監査ログ: who did what and when, newest first, paged by SQL."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from bot.secretariat import audit
from bot.services import Services

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
def index() -> str:
    action = request.args.get("action") or None
    page = audit.entries(Services.current(), page=request.args.get("page", 1, type=int), action=action)
    return render_template("console/audit/index.html", page=page, action=action, actions=list(audit.Action))
