"""ダッシュボード: the month's quota, followers, subscribers, enrolments, what is coming and what was sent."""

from __future__ import annotations

from flask import Blueprint, render_template

from bot.console import charts, layout
from bot.secretariat import inbox, overview
from bot.services import Services

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index() -> str:
    services = Services.current()
    return render_template("console/dashboard/index.html", o=overview.overview(services, layout.locale()),
                           bars=charts.bars, days=overview.UPCOMING_DAYS, inquiries_waiting=inbox.waiting_count(services))
