"""Free text is a question: the answering engine replies, and doubts are kept.

Which training the user means is helped by what we know of them: the training
of their previous question, the editions they are linked to and the trainings
whose notices they receive.
"""

from __future__ import annotations

from bot.db.tables import UnansweredQuestion
from bot.line.context import EventContext
from bot.qa import Question
from bot.trainees import linking, subscriptions
from handlers.matching import is_text, message_text

# Answers the secretariat should see in the console: the bot was not sure.
UNANSWERED_KINDS = {"did_you_mean", "out_of_scope"}
MAX_QUESTION_CHARS = 1000  # a pasted e-mail is still answered from its opening


def handle_question(context: EventContext) -> None:
    user = context.user
    assert user is not None
    text = message_text(context)[:MAX_QUESTION_CHARS]
    answer = context.services.answerer.answer(
        Question(
            text=text,
            locale=user.locale,
            now=context.now,
            linked_edition_ids=linking.linked_edition_ids(context.session, user),
            subscribed_training_ids=subscriptions.subscribed_training_ids(context.session, user),
            last_training_id=user.last_training_id,
        )
    )
    if answer.training_id:
        user.last_training_id = answer.training_id
    if answer.kind in UNANSWERED_KINDS:
        context.session.add(
            UnansweredQuestion(
                line_user_id=user.id,
                text=text,
                locale=answer.locale,
                kind=answer.kind,
                candidates=list(answer.candidates),  # the entries offered, for the secretariat
                asked_at=context.now,
            )
        )
    context.reply(answer.messages)


ROUTES = ((is_text, handle_question),)
