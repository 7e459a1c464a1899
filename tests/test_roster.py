"""The roster: the secretariat imports applicant lists and exports link codes (use cases and ``kenshu roster``)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from bot import clock
from bot.i18n import gettext_for
from bot.secretariat import roster as secretariat_roster
from bot.secretariat.audit import Actor
from bot.secretariat.editions import UnknownEdition
from bot.services import Services
from bot.trainees.linking import ALPHABET, CODE_LENGTH
from tests.helpers import NANCHISEI_EDITION as NANCHISEI
from tests.helpers import enrolments, import_one, roster, write_roster

FIXTURES = Path(__file__).parent / "fixtures"
CP932_ROSTER = FIXTURES / "roster_nanchisei_cp932.csv"


def test_shift_jis_roster_imports_valid_rows_and_reports_the_bad_one_by_line(app):
    result = roster(app, "import", str(CP932_ROSTER), "--edition", NANCHISEI)

    assert result.exit_code == 2  # imported, with problems to look at
    assert "4行目: コース「漢方研修」はこの研修にありません" in result.output
    assert "4件を読み込みました: 新規 3件、更新 0件、変更なし 0件、取り込まなかった行 1件" in result.output
    assert "読み込まなかった列: フリガナ" in result.output
    stored = enrolments(app)
    assert sorted(stored) == ["N-001", "N-002", "N-004"]
    assert stored["N-001"].name == "山田 花子"
    assert stored["N-001"].course_id == "nanchisei-tokyo-r5-clozapine-basic"
    assert stored["N-001"].organisation == "都立松沢病院"
    assert stored["N-004"].course_id == "nanchisei-tokyo-r5-ect-senior"  # full-width name matched
    assert stored["N-004"].organisation is None


def test_every_imported_row_gets_its_own_unambiguous_code(app):
    roster(app, "import", str(CP932_ROSTER), "--edition", NANCHISEI)

    codes = [enrolment.link_code or "" for enrolment in enrolments(app).values()]
    assert len(set(codes)) == 3
    for code in codes:
        assert len(code) == CODE_LENGTH >= 8
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("01OIL")


def test_reimporting_the_same_file_changes_nothing(app):
    roster(app, "import", str(CP932_ROSTER), "--edition", NANCHISEI)
    before = {number: (e.link_code, e.link_code_expires_at, e.imported_at) for number, e in enrolments(app).items()}

    result = roster(app, "import", str(CP932_ROSTER), "--edition", NANCHISEI)

    assert "新規 0件、更新 0件、変更なし 3件" in result.output
    after = {number: (e.link_code, e.link_code_expires_at, e.imported_at) for number, e in enrolments(app).items()}
    assert after == before


def test_a_changed_row_is_updated_and_keeps_its_code(app, tmp_path):
    header = "申込番号,氏名,メールアドレス,コース\n"
    first = write_roster(tmp_path, header + "N-010,田中 桜,sakura@example.jp,ECT基礎\n", name="first.csv")
    roster(app, "import", str(first), "--edition", NANCHISEI)
    code = enrolments(app)["N-010"].link_code

    second = write_roster(tmp_path, header + "N-010,田中 桜,sakura.tanaka@example.jp,ECT中級\n", name="second.csv")
    result = roster(app, "import", str(second), "--edition", NANCHISEI)

    assert result.exit_code == 0, result.output
    assert "新規 0件、更新 1件、変更なし 0件" in result.output
    updated = enrolments(app)["N-010"]
    assert (updated.email, updated.course_id) == ("sakura.tanaka@example.jp", "nanchisei-tokyo-r5-ect-intermediate")
    assert updated.link_code == code


def test_utf8_with_bom_and_english_headers(app):
    result = roster(app, "import", str(FIXTURES / "roster_ecmo_utf8_bom.csv"), "--edition", "ecmo-ventilator-r7")

    assert result.exit_code == 0, result.output
    stored = enrolments(app, "ecmo-ventilator-r7")
    assert stored["E-101"].course_id == "ecmo-ventilator-r7-ecmo"  # by English course name
    assert stored["E-102"].course_id == "ecmo-ventilator-r7-ventilator"  # by course id


def test_plain_utf8_tab_separated_file_is_read(app, tmp_path):
    path = write_roster(tmp_path, "受付番号\t氏名\tEメール\tコース\nT-1\t森 陽子\tyoko@example.jp\tECT上級\n")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 0, result.output
    assert enrolments(app)["T-1"].course_id == "nanchisei-tokyo-r5-ect-senior"


def test_missing_email_bad_email_and_duplicate_numbers_are_reported_and_not_imported(app, tmp_path):
    path = write_roster(tmp_path, "\n".join([
        "申込番号,氏名,メールアドレス,コース",
        "D-1,一番 さん,,クロザピン基礎",
        "D-2,二番 さん,not-an-address,クロザピン基礎",
        "D-3,三番 さん,three@example.jp,クロザピン基礎",
        "D-3,三番 別人,other@example.jp,ECT基礎",
        "D-4,四番 さん,four@example.jp,",
        "D-5,五番 さん,five@example.jp,クロザピン応用",
    ]) + "\n", encoding="cp932")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 2
    assert "2行目: メールアドレスがありません" in result.output
    assert "3行目: メールアドレス「not-an-address」の形式が正しくありません" in result.output
    assert "4行目: 申込番号 D-3 が 5 行目と重複しています" in result.output
    assert "5行目: 申込番号 D-3 が 4 行目と重複しています" in result.output
    assert "6行目: コースがありません" in result.output
    assert sorted(enrolments(app)) == ["D-5"]


def test_a_file_without_the_required_columns_imports_nothing(app, tmp_path):
    path = write_roster(tmp_path, "番号,氏名\n1,山田\n")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 1
    assert "必要な列が見つからないため、取り込みませんでした" in result.output
    assert "application_no: 申込番号" in result.output
    assert enrolments(app) == {}


def test_a_file_that_is_not_text_gets_a_clear_answer(app, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"PK\x03\x04\x80\x81\xff\xfe\x00binary")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 1
    assert "ファイルを読み取れないため、取り込みませんでした" in result.output
    assert enrolments(app) == {}


def test_dry_run_reports_and_saves_nothing(app):
    result = roster(app, "import", str(CP932_ROSTER), "--edition", NANCHISEI, "--dry-run")

    assert "新規 3件" in result.output
    assert "（確認のみ: 保存していません）" in result.output
    assert enrolments(app) == {}


def test_unknown_edition_is_refused(app):
    result = roster(app, "import", str(CP932_ROSTER), "--edition", "no-such-edition")

    assert result.exit_code == 2
    assert "研修回 no-such-edition はありません" in result.output


def test_codes_export_for_a_mail_merge(app, tmp_path):
    roster(app, "import", str(CP932_ROSTER), "--edition", NANCHISEI)
    out = tmp_path / "codes.csv"

    result = roster(app, "codes", "--edition", NANCHISEI, "--out", str(out))

    assert result.exit_code == 0, result.output
    assert "3件の連携コードを" in result.output
    data = out.read_bytes()
    assert data.startswith("\ufeff".encode())  # Excel opens UTF-8 with a BOM without garbling
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row["申込番号"] for row in rows] == ["N-001", "N-002", "N-004"]
    first = rows[0]
    code = enrolments(app)["N-001"].link_code or ""
    assert first["連携コード"] == f"{code[:5]}-{code[5:]}"
    assert first["LINEで送る文"] == f"連携 {code[:5]}-{code[5:]}"
    assert (first["氏名"], first["メールアドレス"], first["コース"]) == ("山田 花子", "hanako.yamada@example.jp",
                                                                "クロザピン 基礎研修")
    assert first["連携状況"] == "未連携"
    assert first["有効期限"]


def test_reissue_gives_a_new_code(app, tmp_path):
    old = import_one(app, tmp_path)

    result = roster(app, "reissue", "--edition", NANCHISEI, "--application-no", "N-900")

    assert result.exit_code == 0, result.output
    new = enrolments(app)["N-900"].link_code or ""
    assert new != old
    assert f"{new[:5]}-{new[5:]}" in result.output


def test_a_cell_longer_than_the_database_keeps_is_reported_by_line_and_the_rest_imported(app, tmp_path):
    path = write_roster(tmp_path, "\n".join([
        "申込番号,氏名,メールアドレス,コース,所属",
        "L-1,長い 所属,long@example.jp,クロザピン基礎," + "病院" * 127,
        "L-2,普通 さん,ok@example.jp,クロザピン基礎,都立病院",
    ]) + "\n")

    result = roster(app, "import", str(path), "--edition", NANCHISEI)

    assert result.exit_code == 2, result.output
    assert "2行目: 所属が200文字を超えています" in result.output
    assert sorted(enrolments(app)) == ["L-2"]


def test_a_linked_application_taken_over_by_another_person_is_unlinked_with_a_new_code(app, line, tmp_path):
    code = import_one(app, tmp_path, application_no="N-020", name="佐藤 一郎")
    first_trainee = "U" + "5" * 32
    line.say(first_trainee, f"連携 {code}")
    assert enrolments(app)["N-020"].user_id is not None

    substitute = write_roster(
        tmp_path, "申込番号,氏名,メールアドレス,コース\nN-020,鈴木 二郎,jiro@example.jp,クロザピン基礎研修\n",
        name="substitute.csv",
    )
    result = roster(app, "import", str(substitute), "--edition", NANCHISEI)

    assert "申込者が変わったため、LINE連携を解除し新しいコードを発行しました：N-020" in result.output
    changed = enrolments(app)["N-020"]
    assert changed.user_id is None  # the first trainee will not get the substitute's joining details
    assert changed.link_code not in (None, code)


def test_the_use_cases_report_codes_and_reissue_with_typed_results(app):
    services = Services.of(app)
    with pytest.raises(UnknownEdition) as unknown:
        secretariat_roster.import_file(services, Actor.cli(), "no-such-edition", CP932_ROSTER.read_bytes())
    assert NANCHISEI in unknown.value.known

    report = secretariat_roster.import_file(services, Actor.cli(), NANCHISEI, CP932_ROSTER.read_bytes())
    export = secretariat_roster.export_codes(services, Actor.cli(), NANCHISEI, gettext_for("en"))
    reissued = secretariat_roster.reissue(services, Actor.cli(), NANCHISEI, "N-001", code_valid_days=10)

    assert (report.added, report.rejected_lines) == (["N-001", "N-002", "N-004"], [4])
    assert export.rows == 3 and export.text.startswith("\ufeffApplication no.,Name,E-mail")
    assert reissued.code.replace("-", "") == enrolments(app)["N-001"].link_code
    assert reissued.valid_until.date() == (clock.now() + timedelta(days=10)).date()
    with pytest.raises(secretariat_roster.NoSuchApplication):
        secretariat_roster.reissue(services, Actor.cli(), NANCHISEI, "N-999")


def test_the_output_is_english_on_request(app):
    result = roster(app, "import", str(CP932_ROSTER), "--edition", NANCHISEI, "--locale", "en")

    assert "4 rows read: 3 added, 0 updated, 0 unchanged, 1 not imported" in result.output
