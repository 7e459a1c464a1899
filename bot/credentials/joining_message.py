"""The joining-details message a trainee reads: tool, URL, ID, password, start and the rules.

Sent after a reminder before a live stream or training day, and reusable by any
feature that sends a trainee their details again. The details come from
``find_trainee_details``, so they are always the ones of this trainee's own enrolment.
"""

from __future__ import annotations

from bot.credentials.store import FoundDetails
from bot.i18n import gettext_for
from bot.knowledge import Edition


def joining_tool(edition: Edition, target: str | None, found: FoundDetails, locale: str) -> str | None:
    """How to join: the tool stored with the details, else the one the edition names for ``target``."""
    if found.tool:
        return found.tool
    stream = next((s for s in edition.live_streams if s.id == target), None)
    if stream is not None:
        return stream.tool.in_locale(locale)
    session_day = next((s for s in edition.sessions if s.id == target), None)
    if session_day is not None and session_day.format is not None:
        return session_day.format.in_locale(locale)
    platform = next((o.platform for o in edition.on_demand if o.platform is not None), None)
    return platform.in_locale(locale) if platform is not None and target == "on-demand" else None


def joining_message(edition: Edition, target: str | None, found: FoundDetails, starts: str, locale: str,
                    application: tuple[str, str | None] | None = None) -> str:
    """The text of the details for ``target`` (a stream, session, ``on-demand``), starting at ``starts``.

    ``application`` (its number and course id) labels the details when the trainee
    holds several applications, so each set is read against the right course.
    """
    gettext = gettext_for(locale)
    lines = [gettext("Joining details")]
    if application is not None:
        number, course_id = application
        course = edition.course(course_id) if course_id else None
        label = gettext("For {course} (application {number})") if course is not None else gettext(
            "For application {number}")
        lines.append(label.format(course=course.name.in_locale(locale) if course else "", number=number))
    details = found.details
    for label, value in ((gettext("Tool"), joining_tool(edition, target, found, locale)), (gettext("URL"), details.url),
                         (gettext("ID"), details.login_id), (gettext("Password"), details.password)):
        if value:
            lines.append(gettext("{label}: {value}").format(label=label, value=value))
    lines.append(gettext("{label}: {value}").format(label=gettext("Starts"), value=starts))
    rules = [edition.system_requirements.device_rule if edition.system_requirements else None,
             edition.rules.recording if edition.rules else None]
    lines.extend(f"・{rule.in_locale(locale)}" for rule in rules if rule is not None)
    lines.append(gettext("Please do not share these details with anyone else."))
    return "\n".join(lines)
