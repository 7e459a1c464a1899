"""受講案内 in the console: import with a report then confirm, shared details per target, always masked; roles."""

from __future__ import annotations

import io
import re

from flask import Flask
from sqlalchemy import select

from bot.db.tables import AuditEntry, HeldUpload, PersonalCredential
from bot.services import Services
from tests.helpers import NANCHISEI_EDITION, enrol, signed_in

COURSE = "nanchisei-tokyo-r5-clozapine-basic"
PERSONAL_CSV = ("申込番号,ID,パスワード\n"
                "A-1,user-0001,Secret-Pass-1\nA-2,user-0002,Secret-Pass-2\nZ-9,user-9,Secret-Pass-9\n")


def _upload(clerk, text: str):  # type: ignore[no-untyped-def]
    return clerk.post("/console/credentials/check",
                      {"edition": NANCHISEI_EDITION, "file": (io.BytesIO(text.encode("cp932")), "受講案内.csv")},
                      content_type="multipart/form-data")


def _token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "no confirm button"
    return found.group(1)


def _personal_rows(app: Flask) -> int:
    with Services.of(app).db.session() as session:
        return len(session.scalars(select(PersonalCredential)).all())


def _audit(app: Flask) -> list[tuple[str, str, str | None, str | None]]:
    with Services.of(app).db.session() as session:
        return [(e.actor, e.action, e.target, e.detail)
                for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_personal_details_are_reported_by_line_without_values_and_imported_on_confirmation(app: Flask) -> None:
    enrol(app, NANCHISEI_EDITION, COURSE, "A-1")
    enrol(app, NANCHISEI_EDITION, COURSE, "A-2")
    clerk = signed_in(app, "sender")
    report = _upload(clerk, PERSONAL_CSV).get_data(as_text=True)

    assert "4行目: 申込番号が名簿にありません" in report
    assert "Secret-Pass" not in report and "user-9" not in report
    assert _personal_rows(app) == 0
    with Services.of(app).db.session() as session:
        assert "Secret-Pass" not in session.scalars(select(HeldUpload)).one().sealed

    done = clerk.post("/console/credentials/confirm", {"token": _token(report)}).get_data(as_text=True)

    assert "取り込みました" in done and "Secret-Pass" not in done
    assert _personal_rows(app) == 2
    listing = clerk.client.get(f"/console/credentials/?edition={NANCHISEI_EDITION}").get_data(as_text=True)
    assert "<h1>受講案内</h1>" in listing and "参加情報" not in listing  # the page's name, not the LINE message's
    assert "A-1" in listing and "Se*********-1" in listing and "Secret-Pass-1" not in listing
    assert ("sender@example.jp", "import", f"joining details {NANCHISEI_EDITION}") in [e[:3] for e in _audit(app)]


def test_shared_details_are_saved_masked_audited_without_values_and_never_shown_again(app: Flask) -> None:
    clerk = signed_in(app, "admin")
    page = clerk.post("/console/credentials/shared", {
        "edition": NANCHISEI_EDITION, "target": "*", "tool": "Zoom", "url": "https://zoom.example/j/123456789",
        "login_id": "", "password": "zoompass99"}, follow_redirects=True).get_data(as_text=True)

    assert "共通の受講案内を保存しました" in page
    assert "zo******99" in page and "zoompass99" not in page and "123456789" not in page
    assert 'value="zoompass99"' not in page
    [entry] = [e for e in _audit(app) if e[1] == "details_change"]
    assert entry[2] == f"shared {NANCHISEI_EDITION} *"
    assert "zoompass99" not in str(entry) and "zoom.example" not in str(entry)


def test_an_unknown_target_or_empty_details_are_refused_with_a_message(app: Flask) -> None:
    clerk = signed_in(app, "sender")
    page = clerk.post("/console/credentials/shared", {"edition": NANCHISEI_EDITION, "target": "*"},
                      follow_redirects=True).get_data(as_text=True)
    assert "URL・ID・パスワードのいずれかを入力してください" in page
    refused = clerk.post("/console/credentials/shared", {"edition": NANCHISEI_EDITION, "target": "nope",
                                                          "password": "x1234"}, follow_redirects=True)
    assert "nope" in refused.get_data(as_text=True)
    assert [e for e in _audit(app) if e[1] == "details_change"] == []


def test_a_viewer_reads_masked_lists_checks_files_and_is_refused_every_change(app: Flask) -> None:
    enrol(app, NANCHISEI_EDITION, COURSE, "A-1")
    viewer = signed_in(app, "viewer")
    page = viewer.client.get(f"/console/credentials/?edition={NANCHISEI_EDITION}").get_data(as_text=True)
    assert "共通の受講案内を設定" not in page

    report = _upload(viewer, "申込番号,パスワード\nA-1,Secret-Pass-1\n").get_data(as_text=True)
    assert "閲覧のみの権限では確認だけができ" in report and 'name="token"' not in report
    assert viewer.post("/console/credentials/confirm", {"token": "x"}).status_code == 403
    assert viewer.post("/console/credentials/shared", {"edition": NANCHISEI_EDITION, "target": "*",
                                                       "password": "forged-pass"}).status_code == 403
    assert _personal_rows(app) == 0 and [e for e in _audit(app) if e[1] == "details_change"] == []


def test_personal_details_are_paged_by_sql(app: Flask) -> None:
    for n in range(60):
        enrol(app, NANCHISEI_EDITION, COURSE, f"A-{n:03d}")
    clerk = signed_in(app, "sender")
    rows = "\n".join(f"A-{n:03d},pass-{n:04d}-long" for n in range(60))
    clerk.post("/console/credentials/confirm", {"token": _token(_upload(clerk, f"申込番号,パスワード\n{rows}\n")
                                                                 .get_data(as_text=True))})
    first = clerk.client.get(f"/console/credentials/?edition={NANCHISEI_EDITION}").get_data(as_text=True)
    second = clerk.client.get(f"/console/credentials/?edition={NANCHISEI_EDITION}&page=2").get_data(as_text=True)
    assert "全60件" in first and "A-049" in first and "A-050" not in first
    assert "A-050" in second and "A-049" not in second
