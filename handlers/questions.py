"""Free text is a question: the answering engine replies, and every question is logged.

Which training the user means is helped by what we know of them: the training
of the conversation going on (their previous question, if recent), the editions
they are linked to and the trainings whose notices they receive.
"""

from __future__ import annotations

from bot.line.answer_messages import answer_messages
from bot.line.context import EventContext
from bot.qa import Question
from bot.trainees import linking, subscriptions
from bot.trainees.questions import log_question
from handlers.matching import is_text, message_text

MAX_QUESTION_CHARS = 1000  # a pasted e-mail is still answered from its opening


def handle_question(context: EventContext) -> None:
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
    log_question(context.session, user, text, reply, context.now)
    context.reply(answer_messages(reply))


ROUTES = ((is_text, handle_question),)
