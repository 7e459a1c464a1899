"""ダッシュボード: the month's quota, followers, subscribers, enrolments, what is coming and what was sent."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index() -> str:
    return render_template("console/dashboard/index.html")
