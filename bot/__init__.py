"""kenshu-bot: a LINE chatbot for the secretariats of professional training programmes.

``create_app`` (in ``bot.app``) builds everything; importing this package has no side effects.
"""

from bot.app import create_app

__all__ = ["create_app"]
