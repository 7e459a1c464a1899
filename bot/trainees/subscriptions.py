"""Which trainings' notices a user wants, and whether notices are paused.

The chat handlers and (later) the web console both change subscriptions through
these functions; the delivery engine (``bot.delivery.audience``) reads them, and
skips users who are blocked or paused. Pausing (「配信停止」) keeps the
subscriptions, so 「配信再開」 restores exactly what the user had chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.tables import LineUser, Subscription
from bot.knowledge import Knowledge, Training
from bot.trainees import sender_facts


@dataclass(frozen=True)
class TrainingChoice:
    """One line of the settings screen: a training and whether the user receives it."""

    training: Training
    subscribed: bool


def subscribed_training_ids(session: Session, user: LineUser) -> tuple[str, ...]:
    if (facts := sender_facts.held(session, user)) is not None:
        return facts.subscribed_training_ids
    return tuple(
        session.scalars(
            select(Subscription.training_id).where(Subscription.user_id == user.id).order_by(Subscription.id)
        )
    )


def subscribe(session: Session, user: LineUser, training_id: str, now: datetime) -> None:
    """Receive this training's notices (a no-op when already subscribed, even under a race)."""
    if training_id in subscribed_training_ids(session, user):
        return
    try:
        with session.begin_nested():
            session.add(Subscription(user_id=user.id, training_id=training_id, created_at=now))
    except IntegrityError:
        pass  # the same tap delivered twice: already subscribed


def unsubscribe(session: Session, user: LineUser, training_id: str) -> None:
    session.execute(
        delete(Subscription).where(Subscription.user_id == user.id, Subscription.training_id == training_id)
    )


def pause(user: LineUser) -> None:
    user.notices_paused = True


def resume(user: LineUser) -> None:
    user.notices_paused = False


def choices(session: Session, knowledge: Knowledge, user: LineUser) -> list[TrainingChoice]:
    """Every training the bot knows, in the knowledge's order, with the user's state."""
    chosen = set(subscribed_training_ids(session, user))
    return [TrainingChoice(training, training.id in chosen) for training in knowledge.trainings.values()]
