"""名簿 in the console: upload, read the report by line, confirm; export codes; reissue and unlink; roles."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from bot.db.tables import AuditEntry, HeldUpload
from bot.services import Services
from tests.helpers import NANCHISEI_EDITION, enrolments, import_one, roster, signed_in

FIXTURES = Path(__file__).parent / "fixtures"
CP932_ROSTER = FIXTURES / "roster_nanchisei_cp932.csv"


def _upload(clerk, data: bytes, name: str = "申込者.csv", **headers: str):  # type: ignore[no-untyped-def]
    return clerk.post("/console/roster/check", {"edition": NANCHISEI_EDITION, "file": (io.BytesIO(data), name)},
                      content_type="multipart/form-data", headers=headers)


def _token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "no confirm button"
    return found.group(1)


def _audit(app: Flask) -> list[tuple[str, str, str | None]]:
    with Services.of(app).db.session() as session:
        return [(e.actor, e.action, e.target) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_a_shift_jis_roster_is_reported_by_line_and_imported_only_on_confirmation(app: Flask) -> None:
    clerk = signed_in(app, "sender")
    response = _upload(clerk, CP932_ROSTER.read_bytes())
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "4行目: コース「漢方研修」はこの研修にありません" in page
    assert "まだ何も取り込んでいません" in page
    assert enrolments(app) == {}

    imported = clerk.post("/console/roster/confirm", {"token": _token(page)}).get_data(as_text=True)

    assert sorted(enrolments(app)) == ["N-001", "N-002", "N-004"]
    assert "取り込みました" in imported and "新規 3件" in imported
    assert ("sender@example.jp", "import", f"roster {NANCHISEI_EDITION}") in _audit(app)


def test_htmx_gets_the_report_alone_and_the_file_waits_encrypted_in_the_database(app: Flask) -> None:
    clerk = signed_in(app, "sender")
    response = _upload(clerk, CP932_ROSTER.read_bytes(), **{"HX-Request": "true"})
    fragment = response.get_data(as_text=True)

    assert "<html" not in fragment and "4行目" in fragment
    with Services.of(app).db.session() as session:
        held = session.scalars(select(HeldUpload)).one()
        assert held.token == _token(fragment) and held.owner == "sender@example.jp"
        assert "hanako" not in held.sealed and "N-001" not in held.sealed
    assert all(len(cookie.value) < 1000 for cookie in clerk.client._cookies.values())


def test_a_confirmation_imports_once_and_only_for_the_clerk_who_uploaded(app: Flask) -> None:
    owner, other = signed_in(app, "sender"), signed_in(app, "admin")
    token = _token(_upload(owner, CP932_ROSTER.read_bytes()).get_data(as_text=True))

    stolen = other.post("/console/roster/confirm", {"token": token}, follow_redirects=True).get_data(as_text=True)
    assert "もう取り込めません" in stolen and enrolments(app) == {}

    owner.post("/console/roster/confirm", {"token": token})
    again = owner.post("/console/roster/confirm", {"token": token}, follow_redirects=True).get_data(as_text=True)
    assert "もう取り込めません" in again
    assert [action for _actor, action, _target in _audit(app)].count("import") == 1


def test_cancelling_imports_nothing_and_forgets_the_file(app: Flask) -> None:
    clerk = signed_in(app, "sender")
    token = _token(_upload(clerk, CP932_ROSTER.read_bytes()).get_data(as_text=True))
    clerk.post("/console/roster/cancel", {"token": token, "edition": NANCHISEI_EDITION})
    with Services.of(app).db.session() as session:
        assert session.scalars(select(HeldUpload)).all() == []
    assert enrolments(app) == {}


def test_a_file_without_the_required_columns_is_refused_with_the_accepted_headers(app: Flask) -> None:
    clerk = signed_in(app, "sender")
    response = _upload(clerk, "番号,なまえ\n1,山田\n".encode())
    assert response.status_code == 422
    assert "必要な列が見つからない" in response.get_data(as_text=True)
    assert "申込番号" in response.get_data(as_text=True)


def test_a_viewer_sees_the_report_but_has_no_confirm_button_and_forged_posts_get_403(app: Flask,
                                                                                       tmp_path: Path) -> None:
    import_one(app, tmp_path, "N-900")
    viewer = signed_in(app, "viewer")
    page = _upload(viewer, CP932_ROSTER.read_bytes()).get_data(as_text=True)

    assert "4行目" in page and 'name="token"' not in page
    assert "閲覧のみの権限では確認だけができ" in page
    listing = viewer.client.get(f"/console/roster/?edition={NANCHISEI_EDITION}").get_data(as_text=True)
    assert "N-900" in listing and "コード再発行" not in listing and "連携コードをダウンロード" not in listing
    assert viewer.post("/console/roster/confirm", {"token": "x"}).status_code == 403
    assert viewer.post("/console/roster/reissue", {"edition": NANCHISEI_EDITION,
                                                   "application_no": "N-900"}).status_code == 403
    assert viewer.post("/console/roster/unlink", {"edition": NANCHISEI_EDITION,
                                                  "application_no": "N-900"}).status_code == 403
    assert viewer.client.get(f"/console/roster/codes.csv?edition={NANCHISEI_EDITION}").status_code == 403
    with Services.of(app).db.session() as session:
        assert session.scalars(select(HeldUpload)).all() == []


def test_the_link_codes_download_opens_in_excel_with_formulas_neutralised_and_is_audited(app: Flask,
                                                                                         tmp_path: Path) -> None:
    code = import_one(app, tmp_path, "N-901", name="=HYPERLINK(\"http://evil\")")
    clerk = signed_in(app, "sender")
    response = clerk.client.get(f"/console/roster/codes.csv?edition={NANCHISEI_EDITION}")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff申込番号")
    assert "'=HYPERLINK" in text and f"{code[:5]}-{code[5:]}" in text
    assert ("sender@example.jp", "export", f"link codes {NANCHISEI_EDITION}") in _audit(app)


def test_reissuing_shows_the_new_code_once_and_unlinking_ends_the_link(app: Flask, tmp_path: Path,
                                                                       line, user_id: str) -> None:  # type: ignore[no-untyped-def]
    code = import_one(app, tmp_path, "N-902")
    line.follow(user_id)
    line.say(user_id, f"連携 {code}")
    assert enrolments(app)["N-902"].user_id is not None
    clerk = signed_in(app, "sender")
    listing = clerk.client.get(f"/console/roster/?edition={NANCHISEI_EDITION}&q=N-902").get_data(as_text=True)
    assert "連携済み" in listing and "連携解除" in listing

    clerk.post("/console/roster/unlink", {"edition": NANCHISEI_EDITION, "application_no": "N-902"})
    assert enrolments(app)["N-902"].user_id is None

    page = clerk.post("/console/roster/reissue", {"edition": NANCHISEI_EDITION,
                                                  "application_no": "N-902"}).get_data(as_text=True)
    new_code = enrolments(app)["N-902"].link_code
    assert new_code != code and f"{new_code[:5]}-{new_code[5:]}" in page
    assert new_code not in str(_audit(app))
    assert [action for _actor, action, _target in _audit(app)][-2:] == ["link_change", "link_change"]


def test_the_application_list_is_searched_and_paged_by_sql(app: Flask, tmp_path: Path) -> None:
    rows = "\n".join(f"N-{n:03d},受講者{n},p{n}@example.jp,クロザピン基礎研修" for n in range(120))
    path = tmp_path / "many.csv"
    path.write_text(f"申込番号,氏名,メールアドレス,コース\n{rows}\n", encoding="utf-8")
    assert roster(app, "import", str(path), "--edition", NANCHISEI_EDITION).exit_code == 0
    clerk = signed_in(app, "viewer")

    first = clerk.client.get(f"/console/roster/?edition={NANCHISEI_EDITION}").get_data(as_text=True)
    third = clerk.client.get(f"/console/roster/?edition={NANCHISEI_EDITION}&page=3").get_data(as_text=True)
    found = clerk.client.get(f"/console/roster/?edition={NANCHISEI_EDITION}&q=受講者11").get_data(as_text=True)

    assert "全120件" in first and "N-049" in first and "N-050" not in first and "1 / 3" in first
    assert "N-100" in third and "N-049" not in third
    assert "N-110" in found and "N-011" in found and "N-012" not in found


def test_the_command_line_audits_too_and_unlinks_through_the_same_use_case(app: Flask, tmp_path: Path) -> None:
    import_one(app, tmp_path, "N-903")
    result = roster(app, "unlink", "--edition", NANCHISEI_EDITION, "--application-no", "N-903")
    assert result.exit_code == 0 and "N-903 は連携されていません" in result.output
    assert [(action, target) for actor, action, target in _audit(app) if actor.startswith("cli:")] == [
        ("import", f"roster {NANCHISEI_EDITION}")]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.secretariat import uploads

    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 100)
    response = _upload(signed_in(app, "sender"), CP932_ROSTER.read_bytes())
    assert response.status_code == 422 and "MB を超えています" in response.get_data(as_text=True)
    with Services.of(app).db.session() as session:
        assert session.scalars(select(HeldUpload)).all() == []
