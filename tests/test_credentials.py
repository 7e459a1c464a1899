"""Joining details: encrypted at rest, masked in every listing, imported with a per-line report."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from bot.credentials import PersonalCredential, SharedCredential
from bot.services import Services
from tests.reminder_helpers import enrol


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
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "line 3: no application A-9 in the roster of nanchisei-tokyo-r5 (import the roster first)",
        "line 4: no URL, ID or password",
        "line 5: unknown target 'no-such-session' (use on-demand, a live stream, session or course id, or leave empty)",
        "4 rows read: 1 added, 0 updated, 0 unchanged, 3 not imported",
    ]
    again = cli(app, "credentials", "import", str(csv_file), "--edition", "nanchisei-tokyo-r5")
    assert again.output.splitlines()[-1] == "4 rows read: 0 added, 0 updated, 1 unchanged, 3 not imported"


def test_full_width_application_numbers_from_excel_match_the_roster(app: Flask, tmp_path: Path) -> None:
    enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-basic", "A-1")
    csv_file = tmp_path / "creds.csv"
    csv_file.write_bytes("受付番号,ログインID,パスワード\nＡ－１,id-1,Secret-Pass-1\n".encode("cp932"))
    result = cli(app, "credentials", "import", str(csv_file), "--edition", "nanchisei-tokyo-r5")
    assert result.output.splitlines()[-1] == "1 rows read: 1 added, 0 updated, 0 unchanged, 0 not imported"


def test_a_file_without_the_needed_columns_imports_nothing(app: Flask, tmp_path: Path) -> None:
    csv_file = tmp_path / "creds.csv"
    csv_file.write_text("氏名,メール\n山田,a@example.jp\n", encoding="utf-8")
    result = cli(app, "credentials", "import", str(csv_file), "--edition", "nanchisei-tokyo-r5")
    assert result.exit_code == 1
    assert "missing columns" in result.output and "nothing was imported" in result.output


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
    assert "A-1 * (linked)" not in listing and "A-1 * (not linked)" in listing
    assert "password=Se*********-1" in listing


def test_details_stored_with_another_key_are_refused_not_garbled(app: Flask, tmp_path: Path, database_url: str,
                                                                 fake_line) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_app

    assert cli(app, "credentials", "set-shared", "--edition", "nanchisei-tokyo-r5", "--password", "x1").exit_code == 0
    other = make_app(database_url, fake_line, KENSHU_SECRET_KEY="a-different-key")
    result = cli(other, "credentials", "list", "--edition", "nanchisei-tokyo-r5")
    assert result.exit_code != 0
    assert "KENSHU_SECRET_KEY differs" in str(result.exception)
    Services.of(other).db.engine.dispose()
