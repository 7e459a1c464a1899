"""Joining details: encrypted at rest, masked in every listing, imported with a per-line report."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from bot.clock import system_now
from bot.credentials import Cipher, JoinDetails, PersonalCredential, SharedCredential
from bot.db.tables import Enrolment
from bot.secretariat import credentials
from bot.secretariat.audit import Actor
from bot.secretariat.credentials import MaskedCredential
from bot.secretariat.editions import UnknownEdition
from bot.services import Services
from tests.helpers import enrol


def cli(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args))


def test_import_reports_bad_rows_by_line_and_imports_the_rest(app: Flask, tmp_path: Path) -> None:
    enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-basic", "A-1")
    enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-basic", "A-2")
    csv_file = tmp_path / "creds.csv"
    csv_file.write_bytes("受付番号,ログインID,パスワード,対象\n"
                         "A-1,id-1,Secret-Pass-1,\n"
                         "A-9,id-9,Secret-Pass-9,\n"
                         "A-2,,,\n"
                         "A-2,id-2,Secret-Pass-2,no-such-session\n".encode("cp932"))
    result = cli(app, "credentials", "import", str(csv_file), "--edition", "nanchisei-tokyo-r5")
    assert result.exit_code == 2, result.output  # rows were rejected: a script notices
    assert result.output.splitlines() == [
        "3行目: 申込番号が名簿にありません（先に名簿を取り込んでください）",
        "4行目: URL・ID・パスワードがありません",
        "5行目: 対象が見つかりません（on-demand、ライブ配信・セッション・コースのIDを指定するか、空欄にしてください）",
        "4件を読み込みました: 新規 1件、更新 0件、変更なし 0件、取り込まなかった行 3件",
    ]
    again = cli(app, "credentials", "import", str(csv_file), "--edition", "nanchisei-tokyo-r5", "--locale", "en")
    assert again.output.splitlines() == [
        "line 3: application number not in the roster of this edition (import the roster first)",
        "line 4: no URL, ID or password",
        "line 5: unknown target (use on-demand, a live stream, session or course id, or leave empty)",
        "4 rows read: 0 added, 0 updated, 1 unchanged, 3 not imported",
    ]


def test_full_width_application_numbers_from_excel_match_the_roster(app: Flask, tmp_path: Path) -> None:
    enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-basic", "A-1")
    csv_file = tmp_path / "creds.csv"
    csv_file.write_bytes("受付番号,ログインID,パスワード\nＡ－１,id-1,Secret-Pass-1\n".encode("cp932"))
    result = cli(app, "credentials", "import", str(csv_file), "--edition", "nanchisei-tokyo-r5")
    assert result.output.splitlines()[-1] == (
        "1件を読み込みました: 新規 1件、更新 0件、変更なし 0件、取り込まなかった行 0件")


def test_a_file_without_the_needed_columns_imports_nothing(app: Flask, tmp_path: Path) -> None:
    csv_file = tmp_path / "creds.csv"
    csv_file.write_text("氏名,メール\n山田,a@example.jp\n", encoding="utf-8")
    result = cli(app, "credentials", "import", str(csv_file), "--edition", "nanchisei-tokyo-r5")
    assert result.exit_code == 1
    assert "申込番号の列と、URL・ID・パスワードのいずれかの列が必要です。取り込みませんでした。" in result.output


def test_details_are_encrypted_at_rest_and_listed_masked(app: Flask, tmp_path: Path) -> None:
    enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-basic", "A-1")
    csv_file = tmp_path / "creds.csv"
    csv_file.write_text("申込番号,URL,ID,パスワード\nA-1,https://portal.example.jp/x,user-0001,Secret-Pass-1\n",
                        encoding="utf-8")
    assert cli(app, "credentials", "import", str(csv_file), "--edition", "nanchisei-tokyo-r5").exit_code == 0
    shared = cli(app, "credentials", "set-shared", "--edition", "nanchisei-tokyo-r5", "--target",
                 "clozapine-advanced-live", "--url", "https://zoom.example/j/555", "--password", "zoompass99")
    assert shared.exit_code == 0, shared.output
    with Services.of(app).db.session() as session:
        stored = [row.secret for row in session.scalars(select(PersonalCredential))] + [
            row.secret for row in session.scalars(select(SharedCredential))]
    for secret in ("Secret-Pass-1", "user-0001", "portal.example.jp", "zoompass99", "zoom.example"):
        assert not any(secret in value for value in stored)
    listing = cli(app, "credentials", "list", "--edition", "nanchisei-tokyo-r5").output
    for secret in ("Secret-Pass-1", "user-0001", "zoompass99", "https://zoom.example/j/555"):
        assert secret not in listing + shared.output
    assert "A-1 *（連携済み）" not in listing and "A-1 *（未連携）" in listing
    assert "パスワード=Se*********-1" in listing
    assert "共通の参加情報を保存しました（clozapine-advanced-live）" in shared.output


def test_details_stored_with_another_key_are_listed_as_unreadable_not_garbled(app: Flask) -> None:
    assert cli(app, "credentials", "set-shared", "--edition", "nanchisei-tokyo-r5", "--password", "x1").exit_code == 0
    with Services.of(app).db.session() as session:
        session.add(SharedCredential(edition_id="nanchisei-tokyo-r5", target="on-demand", tool=None,
                                     secret=Cipher("a-different-key").encrypt(JoinDetails(password="x2")),
                                     updated_at=system_now()))
    result = cli(app, "credentials", "list", "--edition", "nanchisei-tokyo-r5")
    assert result.exit_code == 0
    assert "共通 on-demand: 復号できません（別の KENSHU_SECRET_KEY で保存されています）" in result.output
    assert "共通 *: ツール=- URL=- ID=- パスワード=**" in result.output
    assert "復号できないもの 1件" in result.output


def test_the_use_cases_return_masked_details_and_name_what_is_wrong(app: Flask) -> None:
    services = Services.of(app)
    enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-basic", "A-1")
    with pytest.raises(UnknownEdition) as unknown:
        credentials.set_shared(services, Actor.cli(), "no-such-edition", JoinDetails(password="zoompass99"))
    assert "nanchisei-tokyo-r5" in unknown.value.known
    with pytest.raises(credentials.UnknownTarget):
        credentials.set_shared(services, Actor.cli(), "nanchisei-tokyo-r5", JoinDetails(password="x1"), "no-such-live")
    with pytest.raises(credentials.NoDetails):
        credentials.set_shared(services, Actor.cli(), "nanchisei-tokyo-r5", JoinDetails())

    zoom = JoinDetails("https://zoom.example/j/555", None, "zoompass99")
    saved = credentials.set_shared(services, Actor.cli(), "nanchisei-tokyo-r5", zoom, "clozapine-advanced-live", "Zoom")
    report = credentials.import_file(services, Actor.cli(), "nanchisei-tokyo-r5",
                                     "申込番号,ID,パスワード\nA-1,user-0001,Secret-Pass-1\n".encode())
    listing = credentials.list_masked(services, "nanchisei-tokyo-r5")

    assert saved == MaskedCredential("clozapine-advanced-live", "Zoom", zoom.masked())
    assert saved.details.password == "zo******99"
    assert (report.added, report.problems) == (1, [])
    assert listing.shared == [saved]
    assert listing.personal == [MaskedCredential("*", None, JoinDetails(None, "us*****01", "Se*********-1"),
                                                 application_no="A-1", linked=False)]


def test_importing_again_over_details_that_do_not_decrypt_replaces_them_and_the_other_rows_go_in(
        app: Flask, tmp_path: Path) -> None:
    """The listing's remedy for an unreadable row ("import it again") works, and the row stops no other."""
    for number in ("A-1", "A-2"):
        enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-basic", number)
    with Services.of(app).db.session() as session:
        enrolment_id = session.scalar(select(Enrolment.id).filter_by(application_no="A-1"))
        session.add(PersonalCredential(enrolment_id=enrolment_id, target="*", tool=None,
                                       secret=Cipher("a-key-typed-wrong").encrypt(JoinDetails(password="old-1")),
                                       updated_at=system_now()))
    csv_file = tmp_path / "creds.csv"
    csv_file.write_text("申込番号,ID,パスワード\nA-1,id-1,Secret-Pass-1\nA-2,id-2,Secret-Pass-2\n", encoding="utf-8")

    result = cli(app, "credentials", "import", str(csv_file), "--edition", "nanchisei-tokyo-r5")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2件を読み込みました: 新規 1件、更新 1件、変更なし 0件、取り込まなかった行 0件"
    listing = cli(app, "credentials", "list", "--edition", "nanchisei-tokyo-r5").output
    assert "復号できません" not in listing and "パスワード=Se*********-1" in listing
