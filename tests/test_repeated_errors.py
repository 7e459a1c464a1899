"""A send's errors are told apart by kind: type, the line that raised, the message's shape without ids."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.delivery.repeated_errors import MAX_KINDS, OncePerKind, kind_of


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str() fails")


def _caught(action: Callable[[], object]) -> Exception:
    try:
        action()
    except Exception as caught:
        return caught
    raise AssertionError("no error")


def test_an_error_whose_message_cannot_be_printed_still_has_a_kind() -> None:
    assert kind_of(_Unprintable()).endswith("_Unprintable: ")


def test_user_ids_and_addresses_outside_quotes_make_no_new_kind() -> None:
    first = LookupError("no enrolment for U4af8c9e0d1b2a3f4e5d6c7b8a9f0e1d2")
    second = LookupError("no enrolment for U1bf8c9e0d1b2a3f4e5d6c7b8a9f0e1d2")
    assert kind_of(first) == kind_of(second)
    assert kind_of(ValueError("object at 0x7fab12cd")) == kind_of(ValueError("object at 0x7fab99ee"))


def test_the_same_error_raised_at_two_lines_is_two_kinds() -> None:
    def missing_url(details: dict[str, str]) -> Exception:
        return _caught(lambda: details["url"])

    def missing_password(details: dict[str, str]) -> Exception:
        return _caught(lambda: details["password"])

    assert kind_of(missing_url({})) != kind_of(missing_password({}))
    assert kind_of(missing_url({})) == kind_of(missing_url({"id": "x"}))


def test_kinds_beyond_the_limit_count_as_one(caplog: pytest.LogCaptureFixture) -> None:
    errors = OncePerKind(logging.getLogger("test.repeated"), "a send")
    with caplog.at_level(logging.ERROR, logger="test.repeated"):
        for n in range(MAX_KINDS + 20):
            errors.error(type(f"Error{n}", (Exception,), {})(), "push failed", traceback=False)
    assert len(caplog.records) == MAX_KINDS + 1  # each kind once, then the one other kind once
