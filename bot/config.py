"""Configuration read from the environment when the app is built, never at import.

Outside demo mode the LINE channel secrets are required: a missing one stops
start-up with one line naming the variable, instead of a bot that accepts no
webhook or cannot reply.

Demo mode fills missing secrets with demo values published with the code. Next to
a real LINE channel that would be a hole, not a convenience: anyone could sign
webhooks as LINE (and so act as any trainee), and joining details would be
encrypted under a public key. So demo mode with real LINE settings and a missing
secret refuses to start, as a missing secret does outside demo mode; a warning
would scroll past in a PaaS log while the channel kept running.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
REAL_LINE_API = "https://api.line.me"
DEMO_CHANNEL_SECRET = "demo-channel-secret"
DEMO_ACCESS_TOKEN = "demo-access-token"
DEMO_SECRET_KEY = "demo-secret-key-not-for-production"

REQUIRED_OUTSIDE_DEMO = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "KENSHU_SECRET_KEY")


class ConfigError(RuntimeError):
    """A setting the bot cannot run without is missing or wrong."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_settings(instance_path: Path, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Flask config keys from the environment."""
    settings: dict[str, Any] = {
        "KENSHU_DEMO": _flag(environ.get("KENSHU_DEMO")),
        "LINE_CHANNEL_SECRET": environ.get("LINE_CHANNEL_SECRET") or "",
        "LINE_CHANNEL_ACCESS_TOKEN": environ.get("LINE_CHANNEL_ACCESS_TOKEN") or "",
        "KENSHU_SECRET_KEY": environ.get("KENSHU_SECRET_KEY") or "",
        "LINE_API_BASE_URL": environ.get("LINE_API_BASE_URL") or REAL_LINE_API,
        "DATABASE_URL": environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'kenshu.db'}",
        "KENSHU_DATA_DIR": Path(environ.get("KENSHU_DATA_DIR") or REPO_ROOT / "data"),
        # The trained topic model, one file per hash of the examples (a changed data/ retrains at start-up).
        "KENSHU_MODEL_CACHE": Path(environ.get("KENSHU_MODEL_CACHE") or instance_path / "qa-model"),
        # "threads": handle inbox events on threads of the web process after the 200;
        # "inline": before the 200 (the CLI chat and ask, tests); "worker": store only,
        # a separate `kenshu worker` process handles them (see bot.line.worker).
        "KENSHU_DISPATCH": environ.get("KENSHU_DISPATCH") or "threads",
        "KENSHU_DISPATCH_WORKERS": int(environ.get("KENSHU_DISPATCH_WORKERS") or 4),
        "KENSHU_LOG_LEVEL": (environ.get("KENSHU_LOG_LEVEL") or "INFO").upper(),
        # How many times a day a trainee may ask for their joining details again (each is a push).
        "KENSHU_RESENDS_PER_DAY": int(environ.get("KENSHU_RESENDS_PER_DAY") or 3),
        # How long one request to LINE keeps retrying through 429s, 5xx and timeouts.
        "KENSHU_SEND_RETRY_MINUTES": float(environ.get("KENSHU_SEND_RETRY_MINUTES") or 10),
        # The console's session ends after this much inactivity.
        "KENSHU_CONSOLE_IDLE_MINUTES": int(environ.get("KENSHU_CONSOLE_IDLE_MINUTES") or 30),
        # 1: the console's cookies work over plain http (the demo on 127.0.0.1); never in production.
        "KENSHU_CONSOLE_HTTP": _flag(environ.get("KENSHU_CONSOLE_HTTP")),
        # Optional: an e-mail to the secretariat when a trainee's chat is handed over (bot.secretariat.inbox_mail).
        "KENSHU_SMTP_HOST": environ.get("KENSHU_SMTP_HOST") or "",
        "KENSHU_SMTP_PORT": int(environ.get("KENSHU_SMTP_PORT") or 25),
        "KENSHU_SMTP_USER": environ.get("KENSHU_SMTP_USER") or "",
        "KENSHU_SMTP_PASSWORD": environ.get("KENSHU_SMTP_PASSWORD") or "",
        "KENSHU_SMTP_STARTTLS": _flag(environ.get("KENSHU_SMTP_STARTTLS")),
        "KENSHU_MAIL_FROM": environ.get("KENSHU_MAIL_FROM") or "",
        "KENSHU_INBOX_EMAIL": environ.get("KENSHU_INBOX_EMAIL") or "",
        "KENSHU_CONSOLE_URL": environ.get("KENSHU_CONSOLE_URL") or "",
    }
    return settings


DEMO_DEFAULTS = {
    "LINE_CHANNEL_SECRET": DEMO_CHANNEL_SECRET,
    "LINE_CHANNEL_ACCESS_TOKEN": DEMO_ACCESS_TOKEN,
    "KENSHU_SECRET_KEY": DEMO_SECRET_KEY,
}


def has_real_line_channel(config: Mapping[str, Any]) -> bool:
    """True when the bot talks to LINE's own API with a channel secret or token of its own."""
    host = urlsplit(str(config.get("LINE_API_BASE_URL") or "")).hostname or ""
    on_line = host == "line.me" or host.endswith(".line.me")
    return on_line and bool(config.get("LINE_CHANNEL_SECRET") or config.get("LINE_CHANNEL_ACCESS_TOKEN"))


def require_secrets(config: dict[str, Any]) -> None:
    """Refuse to start without the secrets a real channel needs.

    In demo mode, missing secrets get demo values (the demo talks to the fake LINE
    API), except next to a real LINE channel, where that would publish its secrets.
    """
    if config.get("KENSHU_DEMO"):
        missing = [name for name in DEMO_DEFAULTS if not config.get(name)]
        if missing and has_real_line_channel(config):
            raise ConfigError(
                f"KENSHU_DEMO=1 with a real LINE channel would use the public demo value of {', '.join(missing)}: "
                f"set {'it' if len(missing) == 1 else 'them'}, or unset KENSHU_DEMO"
            )
        for name in missing:
            config[name] = DEMO_DEFAULTS[name]
        return
    for name in REQUIRED_OUTSIDE_DEMO:
        if not config.get(name):
            raise ConfigError(f"{name} is not set (export it, or run with KENSHU_DEMO=1 for the demo)")
