"""Start-up refuses a missing secret outside demo mode, naming the variable."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.config import ConfigError


@pytest.mark.parametrize("missing", ["LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "KENSHU_SECRET_KEY"])
def test_missing_secret_stops_start_up_naming_it(monkeypatch, tmp_path, missing):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("KENSHU_DEMO", raising=False)
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "KENSHU_SECRET_KEY"):
        monkeypatch.setenv(name, "set")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app()


def test_demo_mode_needs_no_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("KENSHU_DEMO", "1")
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "KENSHU_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert create_app().config["LINE_CHANNEL_SECRET"]
