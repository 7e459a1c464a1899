"""The link-code throttle: five wrong codes an hour, whatever the trainee deletes and however fast they type."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from bot.clock import JST, now
from bot.db.tables import LineUser, LinkThrottle
from bot.devtools import simulator
from bot.devtools.visible_text import visible_text
from bot.line.worker import EventWorker
from bot.services import Services
from bot.trainees import link_throttle, linking, users
from bot.trainees.linking import ALPHABET, LinkOutcome
from tests.helpers import confirm_buttons, import_one, make_app, post_events

NOT_FOUND = "見つかりませんでした"
WAIT = "1時間ほどおいて再度お試しいただくか"


def wrong_code(number: int) -> str:
    """A distinct, well-formed code that no enrolment has."""
    return f"連携 ABCD{ALPHABET[number]}-23456"


def test_deleting_ones_data_does_not_give_more_guesses(app, line, user_id):
    with time_machine.travel(datetime.now(JST), tick=False):
        for number in range(5):
            assert NOT_FOUND in visible_text(line.say(user_id, wrong_code(number)))
        line.postback(user_id, confirm_buttons(line.say(user_id, "データ削除"))["削除する"]["data"])

        received = visible_text(line.say(user_id, wrong_code(5)))

    assert WAIT in received


def test_the_throttle_holds_a_keyed_hash_not_the_line_user_id(app, line, user_id):
    line.say(user_id, wrong_code(0))

    with Services.of(app).db.session() as session:
        [row] = session.scalars(select(LinkThrottle)).all()
    assert row.wrong_codes == 1
    assert user_id not in row.subject and len(row.subject) == 64
    # Under another secret key the same user has another key: the hash alone leads to no one.
    assert row.subject != link_throttle.subject("another-key", user_id)


def test_a_row_whose_hour_is_over_is_deleted_by_the_next_check(app, line, user_id):
    start = datetime.now(JST)
    with time_machine.travel(start, tick=False):
        line.say(user_id, wrong_code(0))
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        line.say("U" + "7" * 32, wrong_code(1))

    with Services.of(app).db.session() as session:
        left = session.scalars(select(LinkThrottle.subject)).all()
    assert left == [link_throttle.subject("test-secret-key", "U" + "7" * 32)]


def test_a_code_that_links_does_not_use_up_a_guess(app, line, tmp_path, user_id):
    code = import_one(app, tmp_path)
    with time_machine.travel(datetime.now(JST), tick=False):
        for number in range(4):
            line.say(user_id, wrong_code(number))
        for _ in range(3):
            assert "連携" in visible_text(line.say(user_id, f"連携 {code}"))  # linked, then already linked

        assert NOT_FOUND in visible_text(line.say(user_id, wrong_code(4)))
        assert WAIT in visible_text(line.say(user_id, wrong_code(5)))


def test_wrong_codes_racing_on_threads_get_five_checks(database_url, tmp_path):
    """Ten sessions check a code at the same moment: the database lets exactly five through."""
    from bot.devtools.fake_line import FakeLine

    with FakeLine.running() as fake:
        app = make_app(database_url, fake)
        db = Services.of(app).db
        guesser = "U" + "9" * 32
        with db.session() as session:
            user_id = users.get_or_create(session, guesser, now()).id
        start = threading.Barrier(10)
        outcomes: list[LinkOutcome] = []

        def guess(number: int) -> None:
            with db.session() as session:
                user = session.get(LineUser, user_id)
                start.wait()
                outcomes.append(linking.link(session, user, wrong_code(number), now(), "test-secret-key").outcome)

        threads = [threading.Thread(target=guess, args=(number,)) for number in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        db.engine.dispose()

    assert sorted(outcomes) == sorted([LinkOutcome.WRONG] * 5 + [LinkOutcome.THROTTLED] * 5)


def test_a_burst_of_codes_in_threads_mode_is_told_five_times_not_found(database_url, fake_line):
    """One webhook body with ten codes, handled on eight threads of the web process."""
    app = make_app(database_url, fake_line, KENSHU_DISPATCH="threads", KENSHU_DISPATCH_WORKERS=8)
    guesser = "U" + "8" * 32
    events = [
        simulator.text_event(guesser, wrong_code(number), fake_line.state.issue_reply_token(guesser))
        for number in range(10)
    ]

    assert post_events(app.test_client(), events).status_code == 200
    EventWorker.of(app).stop()
    Services.of(app).db.engine.dispose()

    answers = fake_line.state.texts_to(guesser)
    assert len(answers) == 10
    assert sum(NOT_FOUND in text for text in answers) == 5
    assert sum(WAIT in text for text in answers) == 5
