"""English is a full second language: every message has its English text, and an English-speaking clerk reads English.

Message ids are English, so an empty English ``msgstr`` used to fall back to the
id silently; a new message then had no English anyone had looked at. Each English
catalog now translates every id its Japanese twin has, with the same placeholders,
and the console's pages drawn for a clerk whose language is English carry no
Japanese text from the catalogs (data such as training names stays as written).
"""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import Flask, url_for
from sqlalchemy import select

from bot.console.layout import NAVIGATION
from bot.db.tables import ConsoleUser
from bot.i18n import TRANSLATIONS_DIR
from bot.secretariat import staff
from bot.services import Services
from tests.helpers import REPO, clerk_facing_messages, signed_in

DOMAINS = sorted(path.stem for path in (TRANSLATIONS_DIR / "ja" / "LC_MESSAGES").glob("*.po"))
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
JAPANESE_RUN = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]+")


def _catalog(locale: str, domain: str) -> Catalog:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _translated(catalog: Catalog) -> dict[str, str]:
    return {str(message.id): str(message.string) for message in catalog if message.id and message.string}


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_of_every_domain_has_its_english_text(domain: str) -> None:
    japanese = {str(message.id) for message in _catalog("ja", domain) if message.id}
    english = _translated(_catalog("en", domain))
    assert sorted(japanese - set(english)) == []


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_translations_keep_the_placeholders_of_their_id(locale: str) -> None:
    broken = {msgid: text for domain in DOMAINS for msgid, text in _translated(_catalog(locale, domain)).items()
              if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text))}
    assert broken == {}


def test_every_clerk_facing_message_has_its_english_text() -> None:
    english = {msgid for domain in DOMAINS for msgid in _translated(_catalog("en", domain))}
    messages = clerk_facing_messages()
    assert len(messages) > 100
    assert {message: path for message, path in messages.items() if message not in english} == {}


def _catalog_runs() -> set[str]:
    """The runs of Japanese text that only the Japanese catalogs have (not data/, which pages show as written):
    what a page shows when one of its messages has no English."""
    catalogs = {run for domain in DOMAINS for text in _translated(_catalog("ja", domain)).values()
                for run in JAPANESE_RUN.findall(text)}
    data = {run for path in (REPO / "data").rglob("*.yaml") for run in JAPANESE_RUN.findall(path.read_text("utf-8"))}
    return catalogs - data


def _page_runs(app: Flask, locale: str) -> dict[str, set[str]]:
    """The Japanese runs on every page of the menu, for an administrator whose language is ``locale``."""
    clerk = signed_in(app, email=f"{locale}@example.jp")
    with Services.of(app).db.session() as session:
        clerk_id = session.scalar(select(ConsoleUser.id).where(ConsoleUser.email == clerk.email))
    staff.set_locale(Services.of(app), clerk_id, locale)
    runs = {}
    with app.test_request_context():
        paths = [url_for(endpoint) for endpoint, _label, _roles in NAVIGATION if endpoint in app.view_functions]
    for path in paths:
        response = clerk.client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}">' in html
        runs[path] = set(JAPANESE_RUN.findall(html))
    return runs


def test_an_english_speaking_clerk_reads_every_console_page_in_english(app: Flask) -> None:
    from_catalogs = _catalog_runs()
    japanese = _page_runs(app, "ja")
    english = _page_runs(app, "en")
    assert all(runs & from_catalogs for runs in japanese.values())  # the check can fail: Japanese pages have them
    switch = {"日本語"}  # the link back to Japanese, in Japanese on purpose
    assert {path: sorted(runs & from_catalogs - switch) for path, runs in english.items()} == \
        {path: [] for path in english}


def test_data_with_an_english_text_is_shown_in_english_to_an_english_speaking_clerk(app: Flask) -> None:
    clerk = signed_in(app)
    with Services.of(app).db.session() as session:
        clerk_id = session.scalar(select(ConsoleUser.id).where(ConsoleUser.email == clerk.email))
    reminders = clerk.client.get("/console/reminders/").get_data(as_text=True)
    assert "受講URL・ID・パスワードの送付" in reminders and "Login details sent" not in reminders
    staff.set_locale(Services.of(app), clerk_id, "en")
    reminders = clerk.client.get("/console/reminders/").get_data(as_text=True)
    assert "Login details sent" in reminders and "受講URL・ID・パスワードの送付" not in reminders
