"""Joining details (URL, ID, password) for on-demand periods and live sessions.

Shared details (one Zoom link for everyone in a session) and personal ones (one
portal login per enrolment) are stored encrypted with a key derived from
``KENSHU_SECRET_KEY``; listings only ever show them masked.
"""

from bot.credentials.joining_message import joining_message
from bot.credentials.secrets import Cipher, JoinDetails, mask
from bot.credentials.store import ANY_TARGET, ApplicationDetails, find_details, find_trainee_details, set_personal, set_shared
from bot.db.tables import PersonalCredential, SharedCredential

__all__ = [
    "ANY_TARGET", "ApplicationDetails", "Cipher", "JoinDetails", "PersonalCredential", "SharedCredential", "find_details",
    "find_trainee_details", "joining_message", "mask", "set_personal", "set_shared",
]
