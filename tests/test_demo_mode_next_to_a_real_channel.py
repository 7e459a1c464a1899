"""KENSHU_DEMO=1 next to a real LINE channel refuses to fill in the public demo secrets.

The demo secret and key are published with the code: with them, anyone could sign
webhooks for a real channel, and read joining details encrypted under the demo key.
"""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.config import DEMO_CHANNEL_SECRET, ConfigError

SECRETS = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "KENSHU_SECRET_KEY")


@pytest.fixture
def demo_mode(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("KENSHU_DEMO", "1")
    for name in (*SECRETS, "LINE_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_real_channel_token_without_its_secret_and_key_is_refused_in_one_line(demo_mode):
    demo_mode.setenv("LINE_CHANNEL_ACCESS_TOKEN", "a-real-looking-token")

    with pytest.raises(ConfigError) as refused:
        create_app()

    message = str(refused.value)
    assert "\n" not in message
    assert "LINE_CHANNEL_SECRET" in message and "KENSHU_SECRET_KEY" in message
    assert "LINE_CHANNEL_ACCESS_TOKEN" not in message  # it is set: only the missing ones are named


def test_a_real_channel_secret_without_the_key_is_refused(demo_mode):
    demo_mode.setenv("LINE_CHANNEL_SECRET", "a-real-looking-secret")
    demo_mode.setenv("LINE_API_BASE_URL", "https://api.line.me")

    with pytest.raises(ConfigError, match="KENSHU_SECRET_KEY"):
        create_app()


def test_a_real_channel_with_every_secret_set_starts_with_those_secrets(demo_mode):
    for name in SECRETS:
        demo_mode.setenv(name, f"real-{name.lower()}")

    config = create_app().config

    assert [config[name] for name in SECRETS] == [f"real-{name.lower()}" for name in SECRETS]


def test_the_demo_against_the_fake_line_api_still_gets_demo_secrets(demo_mode):
    demo_mode.setenv("LINE_API_BASE_URL", "http://127.0.0.1:8081")
    demo_mode.setenv("LINE_CHANNEL_ACCESS_TOKEN", "local-token")

    assert create_app().config["LINE_CHANNEL_SECRET"] == DEMO_CHANNEL_SECRET
