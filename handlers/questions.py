"""Free text is a question: the answering engine replies, and every question is logged.

Which training the user means is helped by what we know of them: the training
of the conversation going on (their previous question, if recent), the editions
they are linked to and the trainings whose notices they receive.
"""

from __future__ import annotations

from linebot.v3.messaging import Message

from bot.line.answer_messages import answer_json, answer_messages
from bot.line.context import EventContext
from bot.qa import Question, Reply
from bot.trainees import linking, subscriptions
from bot.trainees.questions import log_question
from handlers.matching import is_text, message_text

MAX_QUESTION_CHARS = 1000  # a pasted e-mail is still answered from its opening


def handle_question(context: EventContext) -> None:
    """The common path: the answer as LINE's JSON, built once per distinct reply (``answer_json``)."""
    context.reply(answer_json(decide_answer(context)))


def answer_question(context: EventContext) -> list[Message]:
    """The engine's answer as fresh LINE message models, for handlers that add to them."""
    return answer_messages(decide_answer(context))


def decide_answer(context: EventContext) -> Reply:
    """The engine's answer to the message; the question and the decision are logged for the review loop."""
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
            last_entry_id=user.last_entry_id,
            last_asked_at=user.last_asked_at,
        )
    )
    context.decision = reply.decision.kind.value
    log_question(context.session, user, text, reply, context.now)
    return reply


ROUTES = ((is_text, handle_question),)
