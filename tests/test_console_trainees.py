"""受講者 in the console: the list with what each trainee receives and is linked to, search, pages, deletion."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from bot.db.tables import AuditEntry, LineUser, Subscription, UserStatus
from bot.devtools.local_line import LocalLine
from bot.services import Services
from tests.helpers import (
    NANCHISEI_EDITION,
    NANCHISEI_TRAINING,
    add_users,
    enrol,
    enrolments,
    follow,
    persona_user,
    signed_in,
    subscribe,
)


def _name(app: Flask, persona, name: str) -> int:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        user = persona_user(session, persona)
        user.display_name = name
        return user.id


def test_the_list_shows_language_notices_applications_and_blocked(app: Flask, line: LocalLine) -> None:
    hanako = follow(line, "hanako")
    _name(app, hanako, "山田花子")
    subscribe(app, hanako, NANCHISEI_TRAINING)
    enrol(app, NANCHISEI_EDITION, "nanchisei-tokyo-r5-clozapine-basic", "N-100", hanako)
    add_users(app, 1, prefix="Ublocked", display_name="ブロックした人", status=UserStatus.BLOCKED,
              profile_language="en")

    page = signed_in(app, "viewer").client.get("/console/trainees/").get_data(as_text=True)

    hanako_row = next(row for row in page.split("<tr>") if "山田花子" in row)
    assert "難治性精神疾患" in hanako_row and "N-100" in hanako_row and "友だち" in hanako_row
    assert "日本語" in hanako_row
    blocked_row = next(row for row in page.split("<tr>") if "ブロックした人" in row)
    assert "ブロック中" in blocked_row and "English" in blocked_row
    assert "<th>状態</th>" in page
    assert "データ削除" not in page  # a viewer may not delete


def test_search_by_name_line_id_or_application_and_pages_by_sql(app: Flask, line: LocalLine) -> None:
    add_users(app, 120, prefix="Ubulk", display_name="受講者")
    hanako = follow(line, "hanako")
    _name(app, hanako, "山田花子")
    enrol(app, NANCHISEI_EDITION, "nanchisei-tokyo-r5-clozapine-basic", "N-777", hanako)
    client = signed_in(app, "viewer").client

    first = client.get("/console/trainees/").get_data(as_text=True)
    assert "全121件" in first and "1 / 3" in first
    assert first.count("<tr>") == 51  # header + 50
    assert "全1件" in client.get("/console/trainees/?q=山田").get_data(as_text=True)
    assert "山田花子" in client.get("/console/trainees/?q=N-777").get_data(as_text=True)
    line_id = follow(line, "taro").line_user_id
    assert "全1件" in client.get(f"/console/trainees/?q={line_id}").get_data(as_text=True)
    assert "全0件" in client.get("/console/trainees/?q=%25").get_data(as_text=True)  # % is a character, not a wildcard


def test_deleting_asks_first_then_deletes_as_the_trainee_would_and_audits_without_naming_them(
        app: Flask, line: LocalLine) -> None:
    hanako = follow(line, "hanako")
    trainee_id = _name(app, hanako, "山田花子")
    subscribe(app, hanako, NANCHISEI_TRAINING)
    enrol(app, NANCHISEI_EDITION, "nanchisei-tokyo-r5-clozapine-basic", "N-100", hanako)
    clerk = signed_in(app, "sender")

    asked = clerk.client.get(f"/console/trainees/{trainee_id}/delete").get_data(as_text=True)
    assert "元に戻せません" in asked and "N-100" in asked
    with Services.of(app).db.session() as session:
        assert session.get(LineUser, trainee_id) is not None  # asking deletes nothing

    done = clerk.post(f"/console/trainees/{trainee_id}/delete", follow_redirects=True).get_data(as_text=True)

    assert "受講者のデータを削除しました" in done and "山田花子" not in done
    with Services.of(app).db.session() as session:
        assert session.get(LineUser, trainee_id) is None
        assert session.scalar(select(func.count()).select_from(Subscription)) == 0
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "deletion")).one()
        assert (entry.actor, entry.target) == ("sender@example.jp", f"trainee #{trainee_id}")
        assert hanako.line_user_id not in str(vars(entry)) and "山田花子" not in str(vars(entry))
    assert enrolments(app)["N-100"].user_id is None  # the application stays, unlinked
    again = clerk.post(f"/console/trainees/{trainee_id}/delete", follow_redirects=True).get_data(as_text=True)
    assert re.search(r"受講者 #\d+ は見つかりません", again)


def test_a_viewer_cannot_delete_even_with_a_forged_post(app: Flask, line: LocalLine) -> None:
    trainee_id = _name(app, follow(line, "hanako"), "山田花子")
    viewer = signed_in(app, "viewer")
    assert viewer.client.get(f"/console/trainees/{trainee_id}/delete").status_code == 403
    assert viewer.post(f"/console/trainees/{trainee_id}/delete").status_code == 403
    with Services.of(app).db.session() as session:
        assert session.get(LineUser, trainee_id) is not None


def test_a_search_matching_too_many_asks_for_a_narrower_one(app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.secretariat import trainees

    monkeypatch.setattr(trainees, "SEARCH_CAP", 60)
    add_users(app, 100, prefix="Ubulk", display_name="受講者")
    client = signed_in(app, "viewer").client
    first = client.get("/console/trainees/?q=受講者").get_data(as_text=True)
    second = client.get("/console/trainees/?q=受講者&page=2").get_data(as_text=True)
    assert "60件以上: 検索を絞り込んでください" in first and "1 / 2" in first
    assert second.count("<tr>") == 11  # header + the 10 up to the cap


def test_a_search_finds_part_of_a_name_anywhere_in_it_whatever_the_case(app: Flask) -> None:
    for prefix, name in (("A", "山田花子"), ("B", "Yamada TARO"), ("C", "suzuki_ichiro"), ("D", "佐藤次郎")):
        add_users(app, 1, prefix=prefix, display_name=name)
    client = signed_in(app, "viewer").client

    def found(search: str) -> list[str]:
        page = client.get("/console/trainees/", query_string={"q": search}).get_data(as_text=True)
        return sorted(name for name in ("山田花子", "Yamada TARO", "suzuki_ichiro", "佐藤次郎") if name in page)

    assert found("田花子") == ["山田花子"]  # the middle and end of a name (three characters: the trigram index's)
    assert found("ada ta") == ["Yamada TARO"]  # case does not matter
    assert found("Ki_i") == ["suzuki_ichiro"]  # _ is the character, not "any character"
    assert found("kixi") == []
    assert found("次") == ["佐藤次郎"]  # one character: no trigram, still found


def test_on_postgresql_a_trigram_index_serves_the_name_search(app: Flask) -> None:
    """Migration 0012 gives PostgreSQL a pg_trgm index; the planner can answer ILIKE '%...%' from it."""
    from sqlalchemy import text

    from bot.secretariat.searching import contains

    with Services.of(app).db.session() as session:
        dialect = session.get_bind().dialect.name
        if dialect != "postgresql":
            return  # SQLite scans (README, 受講者): nothing to assert about an index
        session.execute(text("SET LOCAL enable_seqscan = off"))  # a handful of rows: a scan would be cheaper
        query = select(LineUser.id).where(contains(LineUser.display_name, "田花子", dialect))
        plan = "\n".join(session.scalars(text("EXPLAIN " + str(query.compile(
            session.get_bind(), compile_kwargs={"literal_binds": True}))))).lower()
    assert "ix_line_users_display_name_trgm" in plan
