"""The delivery engine: dispatches to audiences through the ledger, at most once per user.

Plain Python over the app's ``Services`` (no Flask needed)::

    with services.db.session() as session:
        dispatch = create_dispatch(session, key, "announcement", "training:ecmo-ventilator",
                                   text_content("..."), scheduled_at=clock.now())
    tally = run_dispatch(services, dispatch.id)          # or later: run_due(services, clock.now())

Personalised dispatches name a renderer registered in a ``Renderers`` passed to
``run_dispatch`` / ``run_due``.
"""

from bot.delivery.audience import Audience, AudienceError, Recipient, parse_audience
from bot.delivery.content import ContentError, Renderer, Renderers, Skip, text_content
from bot.delivery.dispatches import DispatchError, cancel, create_dispatch, scheduled
from bot.delivery.engine import DispatchBusy, run_dispatch, run_due
from bot.delivery.ledger import Tally
from bot.delivery.quota import QuotaCheck, check_quota
from bot.delivery.sender import RetryPolicy, Sender

__all__ = [
    "Audience", "AudienceError", "ContentError", "DispatchBusy", "DispatchError", "QuotaCheck", "Recipient",
    "Renderer", "Renderers", "RetryPolicy", "Sender", "Skip", "Tally", "cancel", "check_quota",
    "create_dispatch", "parse_audience", "run_dispatch", "run_due", "scheduled", "text_content",
]
