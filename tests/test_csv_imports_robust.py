"""Hostile and damaged CSV files: every line accounted for, nothing secret in a report, no traceback.

Roster and credentials imports run through the CLI the clerks use, on SQLite and
(with TEST_DATABASE_URL) PostgreSQL, where a NUL in a text value is refused by the
database itself.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from bot.credentials import Cipher, JoinDetails, PersonalCredential
from bot.db.tables import Enrolment
from bot.roster.batches import BATCH_ROWS, LONG_IMPORT_ROWS
from bot.services import Services
from tests.helpers import NANCHISEI_EDITION as NANCHISEI
from tests.helpers import enrol, enrolments, roster, write_roster

HEADER = "申込番号,氏名,メールアドレス,コース"
COURSE = "nanchisei-tokyo-r5-clozapine-basic"


def good_row(number: int) -> str:
    return f"Q-{number},受講 {number},q{number}@example.jp,クロザピン基礎"


def cli(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args))


def summary_counts(output: str) -> dict[str, int]:
    """The Japanese summary line's figures: rows read, added, updated, unchanged, rejected."""
    match = re.search(r"(\d+)件を読み込みました: 新規 (\d+)件、更新 (\d+)件、変更なし (\d+)件、"
                      r"取り込まなかった行 (\d+)件", output)
    assert match, output
    return dict(zip(("read", "added", "updated", "unchanged", "rejected"), map(int, match.groups()), strict=True))


def test_an_unclosed_quote_costs_its_own_line_only_and_the_next_rows_are_imported(app: Flask, tmp_path: Path) -> None:
    lines = [HEADER, good_row(1), 'Q-2,"山田 花子,q2@example.jp,クロザピン基礎',
             *(good_row(number) for number in range(3, 10))]
    path = write_roster(tmp_path, "\n".join(lines) + "\n")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 2, result.output
    assert "3行目: 引用符（\"）の対応が崩れているため、この行を読み取れませんでした" in result.output
    assert sorted(enrolments(app)) == sorted(f"Q-{number}" for number in (1, *range(3, 10)))
    counts = summary_counts(result.output)
    assert counts["read"] == len(lines) - 1 == counts["added"] + counts["rejected"]  # every line accounted for


def test_a_quote_closed_lines_later_does_not_hide_the_lines_between(app: Flask, tmp_path: Path) -> None:
    lines = [HEADER, 'Q-1,"田中,q1@example.jp,クロザピン基礎', good_row(2), good_row(3),
             'Q-4,"佐藤 "四郎,q4@example.jp,クロザピン基礎', good_row(5)]
    path = write_roster(tmp_path, "\n".join(lines) + "\n")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 2, result.output
    assert "2行目: 引用符" in result.output and "5行目: 引用符" in result.output
    assert sorted(enrolments(app)) == ["Q-2", "Q-3", "Q-5"]
    assert summary_counts(result.output) == {"read": 5, "added": 3, "updated": 0, "unchanged": 0, "rejected": 2}


def test_a_line_break_in_an_ignored_remarks_column_is_still_one_row(app: Flask, tmp_path: Path) -> None:
    path = write_roster(tmp_path, f"{HEADER},備考\n"
                                  f'{good_row(1)},"駐車場を\n使いたいです"\n'
                                  f"{good_row(2)},\n")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 0, result.output
    assert sorted(enrolments(app)) == ["Q-1", "Q-2"]


def test_a_row_swallowed_into_a_remarks_cell_is_still_found(app: Flask, tmp_path: Path) -> None:
    path = write_roster(tmp_path, f"{HEADER},備考\n"
                                  f'{good_row(1)},"閉じ忘れ\n'
                                  f"{good_row(2)},特になし\n"
                                  f'{good_row(3)},よろしく"\n')

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert "2行目: 引用符" in result.output
    assert sorted(enrolments(app)) == ["Q-2", "Q-3"]


def test_a_nul_in_a_roster_cell_is_reported_and_the_other_rows_imported(app: Flask, tmp_path: Path) -> None:
    path = write_roster(tmp_path, "\n".join([HEADER, good_row(1), "Q-2,受講\x00二,q2@example.jp,クロザピン基礎",
                                             good_row(3)]) + "\n")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 2, result.output
    assert "3行目: NUL文字が含まれています" in result.output
    assert sorted(enrolments(app)) == ["Q-1", "Q-3"]


def _credentials_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "credentials.csv"
    path.write_text("\n".join(["申込番号,URL,ID,パスワード,ツール", *lines]) + "\n", encoding="utf-8")
    return path


def _stored_details(app: Flask) -> dict[str, JoinDetails]:
    cipher = Cipher(app.config["KENSHU_SECRET_KEY"])
    with Services.of(app).db.session() as session:
        rows = session.execute(select(Enrolment.application_no, PersonalCredential.secret).join(Enrolment))
        return {number: cipher.decrypt(secret) for number, secret in rows}


def test_the_credentials_report_never_shows_a_secret_and_rejected_rows_exit_non_zero(app: Flask,
                                                                                      tmp_path: Path) -> None:
    for number in ("C-1", "C-2", "C-3", "C-4", "C-5"):
        enrol(app, NANCHISEI, COURSE, number)
    secrets = {number: (f"https://zoom.example/j/{number}9183", f"login-{number}-77", f"PW-{number}-xq81")
               for number in ("C-1", "C-2", "C-3", "C-4", "C-5", "C-9")}

    def row(number: str) -> str:
        return ",".join((number, *secrets[number], "Zoom"))

    path = _credentials_file(tmp_path, [
        row("C-1"),
        'C-2,"' + ",".join(secrets["C-2"]) + ",Zoom",  # a stray quote: used to swallow the rows below into the report
        row("C-3"),
        ",".join(secrets["C-4"]),  # a short row: the application number is missing, the password slid left
        row("C-9"),  # not in the roster
        row("C-5"),
    ])

    for locale in ("ja", "en"):
        dry = cli(app, "credentials", "import", str(path), "--edition", NANCHISEI, "--dry-run", "--locale", locale)
        assert dry.exit_code == 2, dry.output
        for values in secrets.values():
            for value in values:
                assert value not in dry.output
    result = cli(app, "credentials", "import", str(path), "--edition", NANCHISEI, "--locale", "en")

    assert result.exit_code == 2, result.output
    for values in secrets.values():
        for value in values:
            assert value not in result.output
    assert result.output.splitlines() == [
        "line 3: quotes (\") do not pair up, so the line cannot be read",
        "line 5: 3 cells where the header has 5",
        "line 6: application number not in the roster of this edition (import the roster first)",
        "6 rows read: 3 added, 0 updated, 0 unchanged, 3 not imported",
    ]
    assert _stored_details(app) == {number: JoinDetails(*secrets[number]) for number in ("C-1", "C-3", "C-5")}


def test_a_nul_in_a_credentials_cell_is_reported_and_the_other_rows_imported(app: Flask, tmp_path: Path) -> None:
    enrol(app, NANCHISEI, COURSE, "C-1")
    enrol(app, NANCHISEI, COURSE, "C-2")
    path = _credentials_file(tmp_path, ["C-1,https://a.example/1,id-1,pw-1,Zo\x00om", "C-2,https://a.example/2,id-2,pw-2,"])

    result = cli(app, "credentials", "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 2, result.output
    assert "2行目: NUL文字が含まれています" in result.output
    assert list(_stored_details(app)) == ["C-2"]


def test_a_changed_password_is_updated_on_reimport_and_the_rest_left_unchanged(app: Flask, tmp_path: Path) -> None:
    for number in ("C-1", "C-2"):
        enrol(app, NANCHISEI, COURSE, number)
    first = _credentials_file(tmp_path, ["C-1,https://a.example/1,id-1,pw-old,", "C-2,https://a.example/2,id-2,pw-2,"])
    assert cli(app, "credentials", "import", str(first), "--edition", NANCHISEI).exit_code == 0

    second = _credentials_file(tmp_path, ["C-1,https://a.example/1,id-1,pw-new,", "C-2,https://a.example/2,id-2,pw-2,"])
    result = cli(app, "credentials", "import", str(second), "--edition", NANCHISEI)

    assert result.exit_code == 0, result.output
    assert "新規 0件、更新 1件、変更なし 1件" in result.output
    assert _stored_details(app)["C-1"] == JoinDetails("https://a.example/1", "id-1", "pw-new")


def test_a_long_roster_import_prints_progress_on_stderr(app: Flask, tmp_path: Path) -> None:
    rows = LONG_IMPORT_ROWS
    path = write_roster(tmp_path, "\n".join([HEADER, *(good_row(number) for number in range(rows))]) + "\n")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 0, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("保存中")]
    assert progress[0] == f"保存中: {rows:,}件中 {BATCH_ROWS:,}件"
    assert progress[-1] == f"保存中: {rows:,}件中 {rows:,}件"
    assert "保存中" not in result.stdout
    assert len(enrolments(app)) == rows
    codes = {enrolment.link_code for enrolment in enrolments(app).values()}
    assert len(codes) == rows and None not in codes


def test_a_short_import_prints_no_progress(app: Flask, tmp_path: Path) -> None:
    path = write_roster(tmp_path, "\n".join([HEADER, good_row(1)]) + "\n")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 0, result.output
    assert "保存中" not in result.output
