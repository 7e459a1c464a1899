"""The training knowledge loads, matches the seed documents, and rejects broken data clearly."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.clock import JST
from bot.knowledge import (
    AllocationMethod,
    EventKind,
    FeeStatus,
    Knowledge,
    KnowledgeError,
    TentativeWindow,
    When,
    check,
    load_knowledge,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(DATA_DIR)


def copy_data(tmp_path: Path, *editions: str) -> Path:
    """A private data dir holding only the named editions, to break without touching the real data."""
    target = tmp_path / "data" / "editions"
    target.mkdir(parents=True)
    for edition in editions:
        shutil.copy(DATA_DIR / "editions" / f"{edition}.yaml", target)
    return tmp_path / "data"


def edit(data_dir: Path, edition: str, old: str, new: str) -> None:
    path = data_dir / "editions" / f"{edition}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(data_dir: Path, edition: str, needle: str) -> int:
    lines = (data_dir / "editions" / f"{edition}.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


# --- every edition loads ---------------------------------------------------------------------------

def test_the_shipped_data_has_no_problems() -> None:
    assert check(DATA_DIR) == []


def test_every_training_is_known_by_id(knowledge: Knowledge) -> None:
    assert "nanchisei-tokyo" in knowledge.trainings
    assert [e.id for e in knowledge.editions_of("nanchisei-tokyo")] == ["nanchisei-tokyo-r5"]


def test_course_ids_are_found_across_editions(knowledge: Knowledge) -> None:
    course = knowledge.course("nanchisei-tokyo-r5-ect-intermediate")
    assert course.name.ja == "ＥＣＴ 応用研修 中級（実践）編"


# --- 000: 令和5年度 東京都難治性精神疾患研修 ----------------------------------------------------------

def test_nanchisei_application_period_and_form(knowledge: Knowledge) -> None:
    application = knowledge.edition("nanchisei-tokyo-r5").application
    assert application.period is not None
    assert (application.period.start, application.period.end) == (date(2023, 5, 15), date(2023, 6, 30))
    assert application.url == "https://forms.gle/Tw9czMwKNVb8nTyN8"
    assert {d.id for d in application.documents} == {"application-form", "consent-form"}


def test_nanchisei_on_demand_runs_august_to_february(knowledge: Knowledge) -> None:
    (on_demand,) = knowledge.edition("nanchisei-tokyo-r5").on_demand
    assert on_demand.period is not None
    assert (on_demand.period.start, on_demand.period.end) == (date(2023, 8, 1), date(2024, 2, 29))


def test_nanchisei_capacity_is_300_per_course_first_come(knowledge: Knowledge) -> None:
    capacity = knowledge.edition("nanchisei-tokyo-r5").capacity
    assert capacity is not None
    assert capacity.allocation is AllocationMethod.FIRST_COME
    assert capacity.closes_when_full
    assert {s.course_id: s.places for s in capacity.per_course} == {
        "nanchisei-tokyo-r5-clozapine": 300, "nanchisei-tokyo-r5-ect": 300}


def test_nanchisei_live_streams_are_tentative_and_never_concrete(knowledge: Knowledge) -> None:
    streams = knowledge.edition("nanchisei-tokyo-r5").live_streams
    assert {s.course_ids[0] for s in streams} == {
        "nanchisei-tokyo-r5-clozapine-advanced", "nanchisei-tokyo-r5-ect-intermediate"}
    for stream in streams:
        assert stream.when.is_tentative
        assert stream.when.day() is None
        assert stream.duration_minutes == 120
        assert "予定" in stream.when.tentative.label_ja  # type: ignore[union-attr]
        assert stream.join.url is None and stream.join.passcode is None


def test_nanchisei_certificate_needs_live_attendance_only_for_two_subcourses(knowledge: Knowledge) -> None:
    certificate = knowledge.edition("nanchisei-tokyo-r5").certificate
    assert certificate is not None
    assert certificate.conditions[0].ja == "理解度テストの提出"
    (extra,) = certificate.per_course
    assert set(extra.course_ids) == {"nanchisei-tokyo-r5-clozapine-advanced", "nanchisei-tokyo-r5-ect-intermediate"}


def test_nanchisei_has_secretariat_and_consultation_desk(knowledge: Knowledge) -> None:
    edition = knowledge.edition("nanchisei-tokyo-r5")
    assert edition.contact("secretariat")[0].email == "jimu-nanchisei-tokyo@ncnp.go.jp"
    assert edition.contact("consultation")[0].url == "https://tokyo-nanchi-soudan.ncnp.go.jp"


def test_nanchisei_fee_is_explicitly_not_stated(knowledge: Knowledge) -> None:
    assert knowledge.edition("nanchisei-tokyo-r5").fee.status is FeeStatus.NOT_STATED


def test_nanchisei_events_list_deadline_and_streams(knowledge: Knowledge) -> None:
    events = knowledge.edition("nanchisei-tokyo-r5").events()
    deadline = next(e for e in events if e.kind is EventKind.APPLICATION_DEADLINE)
    assert deadline.at == date(2023, 6, 30)
    assert deadline.audience.value == "prospective"
    streams = [e for e in events if e.kind is EventKind.LIVE_STREAM]
    assert len(streams) == 2
    assert all(e.at is None and e.tentative is not None for e in streams)
    assert any(e.kind is EventKind.CONSENT_FORM for e in events)
    assert events == sorted(events, key=lambda e: e.sort_key())


def test_every_fact_group_keeps_its_source(knowledge: Knowledge) -> None:
    edition = knowledge.edition("nanchisei-tokyo-r5")
    assert edition.application.source.file == "000_45e7f4eef985b402.txt"
    assert edition.application.source.section == "研修申込"
    assert all(e.source.file for e in edition.events())


# --- typed dates -----------------------------------------------------------------------------------

def test_a_tentative_window_has_no_day() -> None:
    window = TentativeWindow(earliest=date(2023, 10, 21), latest=date(2023, 11, 10), label_ja="10月下旬～11月上旬（予定）")
    when = When(tentative=window)
    assert when.day() is None
    assert not hasattr(window, "date") and not hasattr(window, "day")
    assert window.may_include(date(2023, 11, 1)) and not window.has_passed(date(2023, 11, 10))
    assert window.has_passed(date(2023, 11, 11))


def test_naive_datetimes_are_japan_time() -> None:
    when = When.model_validate({"at": "2025-08-24T08:30"})
    assert when.at == datetime(2025, 8, 24, 8, 30, tzinfo=JST)


# --- broken data is refused with file, field and line ------------------------------------------------

def test_an_impossible_date_names_file_field_and_line(tmp_path: Path) -> None:
    data = copy_data(tmp_path, "nanchisei-tokyo-r5")
    edit(data, "nanchisei-tokyo-r5", "end: 2023-06-30", "end: 2023-06-31")
    line = line_of(data, "nanchisei-tokyo-r5", "end: 2023-06-31")
    (problem,) = check(data)
    assert problem.startswith(f"data/editions/nanchisei-tokyo-r5.yaml:{line}: application.period.end: ")


def test_an_unknown_key_is_an_error_at_its_line(tmp_path: Path) -> None:
    data = copy_data(tmp_path, "nanchisei-tokyo-r5")
    edit(data, "nanchisei-tokyo-r5", "  duration_minutes: 120", "  duration_minute: 120")
    line = line_of(data, "nanchisei-tokyo-r5", "duration_minute: 120")
    problems = check(data)
    assert f"data/editions/nanchisei-tokyo-r5.yaml:{line}: live_streams[0].duration_minute: Extra inputs are not permitted" in problems


def test_a_missing_field_points_at_its_parent(tmp_path: Path) -> None:
    data = copy_data(tmp_path, "nanchisei-tokyo-r5")
    edit(data, "nanchisei-tokyo-r5", "    start: 2023-05-15\n", "")
    line = line_of(data, "nanchisei-tokyo-r5", "  period:")
    (problem,) = check(data)
    assert problem == f"data/editions/nanchisei-tokyo-r5.yaml:{line}: application.period.start: Field required"


def test_a_period_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path, "nanchisei-tokyo-r5")
    edit(data, "nanchisei-tokyo-r5", "start: 2023-08-01", "start: 2024-08-01")
    (problem,) = check(data)
    assert "on_demand[0].period" in problem and "after its end" in problem


def test_an_unknown_course_reference_is_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path, "nanchisei-tokyo-r5")
    edit(data, "nanchisei-tokyo-r5", "course_ids: [nanchisei-tokyo-r5-clozapine-advanced]",
         "course_ids: [nanchisei-tokyo-r5-clozapine-expert]")
    (problem,) = check(data)
    assert "live_streams[0].course_ids[0]: unknown course id 'nanchisei-tokyo-r5-clozapine-expert'" in problem


def test_course_ids_must_be_unique_across_editions(tmp_path: Path) -> None:
    data = copy_data(tmp_path, "nanchisei-tokyo-r5")
    copy = data / "editions" / "nanchisei-tokyo-r5.yaml"
    twin = data / "editions" / "nanchisei-tokyo-r5b.yaml"
    twin.write_text(copy.read_text(encoding="utf-8").replace("id: nanchisei-tokyo-r5\n", "id: nanchisei-tokyo-r5b\n", 1),
                    encoding="utf-8")
    problems = check(data)
    assert any("nanchisei-tokyo-r5b.yaml" in p and "must start with the edition id" in p for p in problems)


def test_the_loader_refuses_to_start_on_invalid_data(tmp_path: Path) -> None:
    data = copy_data(tmp_path, "nanchisei-tokyo-r5")
    edit(data, "nanchisei-tokyo-r5", "status: not_stated", "status: maybe")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(data)
    assert "fee.status" in raised.value.problems[0]


def test_invalid_yaml_syntax_names_the_line(tmp_path: Path) -> None:
    data = copy_data(tmp_path, "nanchisei-tokyo-r5")
    edit(data, "nanchisei-tokyo-r5", "fiscal_year: 2023", "fiscal_year: [2023")
    (problem,) = check(data)
    assert problem.startswith("data/editions/nanchisei-tokyo-r5.yaml:")
    assert "(yaml)" in problem
