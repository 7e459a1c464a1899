"""研修データ: each edition's facts as the bot answers from them, with their document and section, and
the result of ``kenshu data check`` on request (it reads every file: about two seconds).

Read only, for every role; everything comes from ``bot.secretariat.knowledge``.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from bot.console import editions, layout
from bot.secretariat import knowledge
from bot.services import Services

bp = Blueprint("knowledge", __name__, url_prefix="/knowledge")


@bp.get("/")
def index() -> str:
    edition = editions.chosen()
    return render_template("console/knowledge/index.html", editions=editions.choices(layout.locale()), edition=edition,
                           groups=knowledge.facts(Services.current(), edition.id))


@bp.get("/check")
def check() -> str:
    """Check data/ as start-up does (a fragment for htmx, else a page)."""
    result = knowledge.check(Services.current().data_dir)
    template = "console/knowledge/check.html" if request.headers.get("HX-Request") else \
        "console/knowledge/check_page.html"
    return render_template(template, result=result)
