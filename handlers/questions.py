"""Free text is a question: the answering engine replies, and doubts are kept.

Which training the user means is helped by what we know of them: the training
of their previous question, the editions they are linked to and the trainings
whose notices they receive.
"""

from __future__ import annotations

from bot.db.tables import UnansweredQuestion
from bot.line.answer_messages import answer_json
from bot.line.context import EventContext
from bot.qa import DecisionKind, Question
from bot.trainees import linking, subscriptions
from handlers.matching import is_text, message_text

# Answers the secretariat should see in the console: the bot was not sure.
UNANSWERED_KINDS = {DecisionKind.DID_YOU_MEAN, DecisionKind.OUT_OF_SCOPE}
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
        )
    )
    decision = reply.decision
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
    context.reply(answer_json(reply))


ROUTES = ((is_text, handle_question),)
