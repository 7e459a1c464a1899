"""`kenshu data check` and start-up refuse a typo in any file of data/, naming file, line and field.

Both run the same check (``checked_knowledge``), so what the check accepts is
exactly what the app starts with.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import create_app
from bot.cli.main import cli
from bot.knowledge import KnowledgeError

DATA = Path(__file__).resolve().parents[1] / "data"
MONEY = "faq/entries/money.yaml"
RULES = "reminders.yaml"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of data/, to break without touching the real one."""
    return Path(shutil.copytree(DATA, tmp_path / "data"))


def edit(data: Path, file: str, old: str, new: str) -> int:
    """Replace the first ``old`` in ``file``; returns the 1-based line where ``new`` now starts."""
    path = data / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


def data_check(data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["data", "check", "--data-dir", str(data)])
    return result.exit_code, result.output


def refusal(data: Path, tmp_path: Path) -> list[str]:
    """The problems ``create_app`` refuses to start with."""
    with pytest.raises(KnowledgeError) as refused:
        create_app({"KENSHU_DEMO": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'kenshu.db'}",
                    "KENSHU_DATA_DIR": data})
    return refused.value.problems


def test_the_shipped_data_passes_the_check() -> None:
    code, output = data_check(DATA)
    assert code == 0, output
    assert output.strip().endswith(": OK")


def test_a_misspelt_key_in_an_faq_entry_file_fails_the_check_and_the_start(data: Path, tmp_path: Path) -> None:
    line = edit(data, MONEY, "    keywords: [受講料", "    keyword: [受講料")
    problem = f"data/{MONEY}:{line}: entries[0].keyword: Extra inputs are not permitted"
    code, output = data_check(data)
    assert code == 1
    assert problem in output.splitlines()
    assert refusal(data, tmp_path) == [problem]


def test_a_misspelt_key_in_the_reminder_rules_fails_the_check_and_the_start(data: Path, tmp_path: Path) -> None:
    line = edit(data, RULES, "{id: hour-before, minutes_before: 60, credentials: true}",
                "{id: hour-before, minutes_befor: 60, credentials: true}")
    problem = f"data/{RULES}:{line}: defaults.live_stream[1].minutes_befor: Extra inputs are not permitted"
    code, output = data_check(data)
    assert code == 1
    assert problem in output.splitlines()
    assert problem in refusal(data, tmp_path)


def test_an_answer_template_naming_an_unknown_fact_fails_the_check_and_the_start(
        data: Path, tmp_path: Path) -> None:
    line = edit(data, MONEY, '    answer: "{training} fee:\\n{fee}"', '    answer: "{training} fee:\\n{fees}"')
    problem = f"data/{MONEY}:{line}: entries[0].answer: unknown fact {{fees}} in answer template"
    code, output = data_check(data)
    assert code == 1
    assert problem in output.splitlines()
    assert refusal(data, tmp_path) == [problem]


def test_the_problems_of_every_file_come_in_one_pass(data: Path) -> None:
    edit(data, "editions/nanchisei-tokyo-r5.yaml", "status: not_stated", "status: maybe")
    edit(data, MONEY, "{fee}", "{fees}")
    edit(data, RULES, "{id: hour-before, minutes_before: 60", "{id: hour-before, minutes_befor: 60")
    code, output = data_check(data)
    assert code == 1
    assert {line.split(":")[0] for line in output.splitlines()} == {
        "data/editions/nanchisei-tokyo-r5.yaml", f"data/{MONEY}", f"data/{RULES}"}


def test_a_related_entry_that_does_not_exist_is_refused(data: Path) -> None:
    line = edit(data, MONEY, "related: [payment,", "related: [paymnt,")
    assert f"data/{MONEY}:{line}: entries[0].related[0]: unknown entry 'paymnt'" in data_check(data)[1]


def test_reminder_rules_for_an_edition_that_does_not_exist_are_refused(data: Path) -> None:
    line = edit(data, RULES, "  ecmo-ventilator-r7:\n", "  ecmo-ventilator-r8:\n")
    assert f"data/{RULES}:{line}: editions.ecmo-ventilator-r8: unknown edition id 'ecmo-ventilator-r8'" in (
        data_check(data)[1])


def test_a_rule_id_given_twice_for_one_kind_is_refused(data: Path) -> None:
    line = edit(data, RULES, "{id: hour-before, minutes_before: 60, credentials: true}",
                "{id: evening-before, minutes_before: 60, credentials: true}")
    assert (f"data/{RULES}:{line}: defaults.live_stream[1].id: rule id 'evening-before' given twice for live_stream"
            in data_check(data)[1])


def test_a_translation_naming_a_fact_its_english_template_lacks_is_refused(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.qa import faq_check

    monkeypatch.setattr(faq_check, "gettext_for", lambda locale: lambda message: (
        message.replace("{fee}", "{fee}{payment}") if locale == "ja" else message))
    code, output = data_check(data)
    assert code == 1
    assert "entries[0].answer: the ja translation names {payment}, which the English template does not" in output
