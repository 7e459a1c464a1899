"""Free text is a question: the answering engine replies, and doubts are kept.

Which training the user means is helped by what we know of them: the training
of their previous question, the editions they are linked to and the trainings
whose notices they receive.
"""

from __future__ import annotations

from linebot.v3.messaging import Message

from bot.db.tables import UnansweredQuestion
from bot.line.answer_messages import answer_json, answer_messages
from bot.line.context import EventContext
from bot.qa import DecisionKind, Question, Reply
from bot.trainees import linking, subscriptions
from handlers.matching import is_text, message_text

# Answers the secretariat should see in the console: the bot was not sure.
UNANSWERED_KINDS = {DecisionKind.DID_YOU_MEAN, DecisionKind.OUT_OF_SCOPE}
MAX_QUESTION_CHARS = 1000  # a pasted e-mail is still answered from its opening


def handle_question(context: EventContext) -> None:
    """The common path: the answer as LINE's JSON, built once per distinct reply (``answer_json``)."""
    context.reply(answer_json(decide_answer(context)))


def answer_question(context: EventContext) -> list[Message]:
    """The engine's answer as fresh LINE message models, for handlers that add to them."""
    return answer_messages(decide_answer(context))


def decide_answer(context: EventContext) -> Reply:
    """The engine's answer to the message (the question logged when it was unsure)."""
    user = context.user
    assert user is not None
    text = message_text(context)[:MAX_QUESTION_CHARS]
    reply = context.services.answerer.answer(
        Question(
            text=text,
            locale=user.locale,
            now=context.now,
            linked_edition_ids=linking.linked_edition_ids(context.session, user),
            subscribed_training_ids=subscriptions.subscribed_training_ids(context.session, user),
            last_training_id=user.last_training_id,
        )
    )
    decision = reply.decision
    context.decision = decision.kind.value
    if decision.training_id:
        user.last_training_id = decision.training_id
    if decision.kind in UNANSWERED_KINDS:
        context.session.add(
            UnansweredQuestion(
                line_user_id=user.id,
                text=text,
                locale=decision.locale,
                kind=decision.kind.value,
                candidates=list(decision.candidates),  # the entries offered, for the secretariat
                asked_at=context.now,
            )
        )
    return reply


ROUTES = ((is_text, handle_question),)
