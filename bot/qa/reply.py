"""What the answering engine gives back: the reply's content and the decision behind it.

Plain data, no LINE types: the handler has ``bot.line.answer_messages`` turn a
reply into LINE messages, while tests, benchmarks and the question log read it
as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DecisionKind(StrEnum):
    """What kind of reply the engine chose; stored with every unanswered question."""

    ANSWER = "answer"
    ASK_TRAINING = "ask_training"
    DID_YOU_MEAN = "did_you_mean"
    CLINICAL = "clinical"
    GREETING = "greeting"
    MENU = "menu"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Decision:
    """What was decided, for the question log, the console and the conversation's memory."""

    kind: DecisionKind
    locale: str
    training_id: str | None
    confidence: float
    entry_id: str | None = None
    candidates: tuple[str, ...] = ()  # the model's best entries, or the training ids when asking which
    also: tuple[str, ...] = ()  # sibling entries answered with ``entry_id`` (the model could not tell them apart)


@dataclass(frozen=True)
class Choice:
    """A button under the reply: what it shows and the text tapping it sends."""

    label: str
    text: str


@dataclass(frozen=True)
class Table:
    """Long material (every session day, every requirement) as two-column rows."""

    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Reply:
    """One reply: its texts in order, the choices offered after them, maybe a table."""

    texts: tuple[str, ...]
    choices: tuple[Choice, ...]
    decision: Decision
    table: Table | None = None

    @property
    def text(self) -> str:
        """The texts as one string, for logs, the console and tests."""
        return "\n".join(self.texts)
