"""An e-mail to the secretariat when a trainee's chat is newly handed over (optional: SMTP configured).

Sent with the standard library's ``smtplib`` to the server named by
``KENSHU_SMTP_HOST``; the mail says that a conversation is waiting and where, never
what the trainee wrote (message bodies stay in the conversation). A failure is
logged and changes nothing: the conversation is already in the console's inbox.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from bot.i18n import gettext_for

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class MailSettings:
    """Where the notices go and through which server (from ``KENSHU_SMTP_*`` and ``KENSHU_INBOX_EMAIL``)."""

    host: str
    port: int
    sender: str
    recipient: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    console_url: str | None = None  # e.g. https://bot.example.jp/console: the mail links to the conversation

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MailSettings | None:
        """The settings, or None when no SMTP server or no recipient is configured (no e-mail is sent)."""
        if not config.get("KENSHU_SMTP_HOST") or not config.get("KENSHU_INBOX_EMAIL"):
            return None
        return cls(host=config["KENSHU_SMTP_HOST"], port=int(config.get("KENSHU_SMTP_PORT") or 25),
                   sender=config.get("KENSHU_MAIL_FROM") or config["KENSHU_INBOX_EMAIL"],
                   recipient=config["KENSHU_INBOX_EMAIL"], username=config.get("KENSHU_SMTP_USER") or None,
                   password=config.get("KENSHU_SMTP_PASSWORD") or None,
                   starttls=bool(config.get("KENSHU_SMTP_STARTTLS")),
                   console_url=config.get("KENSHU_CONSOLE_URL") or None)


def notify_new_inquiry(settings: MailSettings, conversation_id: int) -> bool:
    """Mail the secretariat that conversation ``conversation_id`` waits (要対応); False if the server refused."""
    _ = gettext_for("ja")  # the secretariat's language
    mail = EmailMessage()
    mail["Subject"] = _("[kenshu-bot] A trainee is waiting for an answer (#{id})").format(id=conversation_id)
    mail["From"], mail["To"] = settings.sender, settings.recipient
    where = (f"{settings.console_url.rstrip('/')}/inbox/{conversation_id}" if settings.console_url
             else _("the console's Inquiries page"))
    mail.set_content(_("A trainee asked to talk to a person on LINE. Please answer in {where}.").format(where=where))
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password)
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("the new-inquiry e-mail for conversation %s was not sent: %s", conversation_id, error)
        return False
    return True
