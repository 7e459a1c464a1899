"""研修データ in the console: each edition's facts with their sources, and the data check on request."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from bot.devtools.fake_line import FakeLine
from bot.services import Services
from tests.helpers import NANCHISEI_EDITION, make_app, signed_in


def test_an_editions_facts_are_shown_with_their_document_and_section(app: Flask) -> None:
    page = signed_in(app, "viewer").client.get(f"/console/knowledge/?edition={NANCHISEI_EDITION}")
    text = page.get_data(as_text=True)

    assert page.status_code == 200
    application_row = next(row for row in text.split("<tr>") if "<code>application</code>" in row)
    assert "000_45e7f4eef985b402.txt" in application_row
    edition = Services.of(app).knowledge.editions[NANCHISEI_EDITION]
    assert edition.application.source.section in application_row
    assert "<code>sessions[0]</code>" in text or "<code>live_streams[0]</code>" in text


def test_the_data_check_says_ok_for_the_shipped_data(app: Flask) -> None:
    client = signed_in(app, "viewer").client
    fragment = client.get("/console/knowledge/check", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "問題ありません" in fragment and "<html" not in fragment


def test_the_data_check_names_file_and_field_when_a_file_is_broken(database_url: str, fake_line: FakeLine,
                                                                   tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data", data)
    app = make_app(database_url, fake_line, KENSHU_DATA_DIR=str(data))
    edition_file = data / "editions" / f"{NANCHISEI_EDITION}.yaml"
    edition_file.write_text(edition_file.read_text(encoding="utf-8").replace("fiscal_year: 2023", "fiscal_year: 1800",
                                                                             1), encoding="utf-8")
    page = signed_in(app, "viewer").client.get("/console/knowledge/check").get_data(as_text=True)
    assert "問題が1件あります" in page and f"{NANCHISEI_EDITION}.yaml" in page and "fiscal_year" in page
    Services.of(app).db.engine.dispose()


def test_the_facts_shown_follow_data_once_it_is_reloaded(database_url: str, fake_line: FakeLine,
                                                         tmp_path: Path) -> None:
    """The facts are written out once per loaded data/ (not per request), and a reload brings the new ones."""
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data", data)
    app = make_app(database_url, fake_line, KENSHU_DATA_DIR=str(data))
    client = signed_in(app, "viewer").client
    path = f"/console/knowledge/?edition={NANCHISEI_EDITION}"
    assert "https://forms.gle/Tw9czMwKNVb8nTyN8" in client.get(path).get_data(as_text=True)
    edition_file = data / "editions" / f"{NANCHISEI_EDITION}.yaml"
    edition_file.write_text(edition_file.read_text(encoding="utf-8").replace(
        "https://forms.gle/Tw9czMwKNVb8nTyN8", "https://forms.gle/NewFormOfTheYear", 1), encoding="utf-8")

    assert "https://forms.gle/Tw9czMwKNVb8nTyN8" in client.get(path).get_data(as_text=True)  # until reloaded
    Services.of(app).reload_answering()
    page = client.get(path).get_data(as_text=True)
    assert "https://forms.gle/NewFormOfTheYear" in page and "Tw9czMwKNVb8nTyN8" not in page
    Services.of(app).db.engine.dispose()
