"""The training knowledge loads, matches the seed documents, and rejects broken data clearly."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.clock import JST
from bot.knowledge import (
    AllocationMethod,
    ArrivalRule,
    EventKind,
    FeeStatus,
    Knowledge,
    KnowledgeError,
    RequirementKind,
    TentativeWindow,
    When,
    load_knowledge,
)
from bot.knowledge.schedule import edition_events

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(DATA_DIR)


def copy_data(tmp_path: Path) -> Path:
    """A private copy of data/, to break without touching the real data."""
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


def check(data_dir: Path) -> list[str]:
    """Every problem ``load_knowledge`` refuses ``data_dir`` with (empty when it loads)."""
    try:
        load_knowledge(data_dir)
    except KnowledgeError as error:
        return error.problems
    return []


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
    assert set(knowledge.trainings) == {"nanchisei-tokyo", "ecmo-ventilator", "shunin-caremanager"}
    assert [e.id for e in knowledge.editions_of("nanchisei-tokyo")] == ["nanchisei-tokyo-r5"]
    assert "主任ケアマネ" in knowledge.trainings["shunin-caremanager"].aliases
    assert "ECMO" in knowledge.trainings["ecmo-ventilator"].aliases


def test_every_edition_produces_events(knowledge: Knowledge) -> None:
    for edition in knowledge.editions.values():
        assert edition_events(edition), edition.id


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
    events = edition_events(knowledge.edition("nanchisei-tokyo-r5"))
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
    assert all(e.source.file for e in edition_events(edition))


# --- 003: 令和7年度 ECMO・人工呼吸器管理研修 -----------------------------------------------------------

ECMO_SESSIONS = [
    ("chubu-gifu", date(2025, 8, 24), "大垣市民病院"),
    ("kanto-tokyo-1", date(2025, 9, 14), "ゲティング エクスペリエンスセンター東京"),
    ("kanto-tokyo-2", date(2025, 9, 15), "ゲティング エクスペリエンスセンター東京"),
    ("tohoku-miyagi", date(2025, 10, 19), "東北大学医学部良陵会館"),
    ("chugoku-shikoku-hiroshima", date(2025, 11, 9), "広島大学"),
    ("hokkaido", date(2025, 12, 7), "札幌医科大学"),
    ("kyushu-fukuoka", date(2026, 1, 18), "福岡大学病院"),
    ("kinki-kyoto", date(2026, 2, 15), "京都府立医科大学"),
]


def test_ecmo_has_eight_regional_sessions_with_dates_and_venues(knowledge: Knowledge) -> None:
    edition = knowledge.edition("ecmo-ventilator-r7")
    found = [(s.id, s.date.day(), edition.venue(s.venue_id).name.ja)  # type: ignore[arg-type, union-attr]
             for s in edition.sessions]
    assert found == ECMO_SESSIONS


def test_ecmo_course_hours_are_morning_ventilator_and_afternoon_ecmo(knowledge: Knowledge) -> None:
    events = [e for e in edition_events(knowledge.edition("ecmo-ventilator-r7"))
              if e.kind is EventKind.COURSE_DAY and e.session_id == "kanto-tokyo-2"]
    times = {e.course_id: (e.at, e.end) for e in events}
    assert times["ecmo-ventilator-r7-ventilator"] == (datetime(2025, 9, 15, 8, 30, tzinfo=JST),
                                                      datetime(2025, 9, 15, 12, 15, tzinfo=JST))
    assert times["ecmo-ventilator-r7-ecmo"] == (datetime(2025, 9, 15, 13, 0, tzinfo=JST),
                                                datetime(2025, 9, 15, 18, 0, tzinfo=JST))


def test_ecmo_teams_are_one_doctor_two_nurses_one_engineer(knowledge: Knowledge) -> None:
    team = knowledge.edition("ecmo-ventilator-r7").team
    assert team is not None
    assert team.standard_members == {"医師": 1, "看護師": 2, "臨床工学技士": 1}
    assert set(team.required_roles) == {"医師", "看護師"}


def test_ecmo_is_free_and_travel_is_borne_by_trainees(knowledge: Knowledge) -> None:
    edition = knowledge.edition("ecmo-ventilator-r7")
    assert edition.fee.status is FeeStatus.FREE and edition.fee.amount_yen is None
    assert edition.costs_borne_by_trainee is not None
    assert edition.costs_borne_by_trainee.items[0].ja == "交通費"


def test_ecmo_check_tests_are_due_by_each_session_day(knowledge: Knowledge) -> None:
    tests = [e for e in edition_events(knowledge.edition("ecmo-ventilator-r7"))
             if e.kind is EventKind.COMPREHENSION_TEST]
    assert len(tests) == 16
    assert {e.at for e in tests} == {day for _, day, _ in ECMO_SESSIONS}


def test_ecmo_selection_prefers_hospitals_with_ecmo_experience(knowledge: Knowledge) -> None:
    selection = knowledge.edition("ecmo-ventilator-r7").selection
    assert selection is not None and "ECMOの実施実績" in selection.priority_rules[0].ja


# --- 004: 令和5年度 東京都主任介護支援専門員研修 ---------------------------------------------------------

def test_shunin_application_deadline_is_june_30_must_arrive(knowledge: Knowledge) -> None:
    application = knowledge.edition("shunin-caremanager-r5").application
    assert application.deadline is not None
    assert application.deadline.date == date(2023, 6, 30)
    assert application.deadline.rule is ArrivalRule.MUST_ARRIVE
    assert application.period is None  # the notice gives no opening day
    assert len(application.submit_offices) == 62
    nerima = next(o for o in application.submit_offices if o.municipality == "練馬区")
    assert nerima.phone == "03-5984-1187"


def test_shunin_fee_payment_and_no_refund(knowledge: Knowledge) -> None:
    fee = knowledge.edition("shunin-caremanager-r5").fee
    assert (fee.status, fee.amount_yen) == (FeeStatus.PAID, 52600)
    assert fee.payment is not None and fee.payment.deadline is not None and fee.payment.notice is not None
    assert fee.payment.notice.date == date(2023, 9, 22) and fee.payment.notice.approximate
    assert fee.payment.deadline.date == date(2023, 9, 28)
    assert fee.refund is not None and "返還できません" in fee.refund.ja


def test_shunin_courses_a_to_d_with_capacity(knowledge: Knowledge) -> None:
    edition = knowledge.edition("shunin-caremanager-r5")
    places = {c.id.removeprefix("shunin-caremanager-r5-"): c.capacity for c in edition.all_courses()}
    assert places == {"online": 403, "a": 135, "b": 134, "c": 134, "onsite": 90, "d": 90}
    assert edition.capacity is not None and edition.capacity.total == 493


def test_shunin_course_days_follow_the_programme(knowledge: Knowledge) -> None:
    edition = knowledge.edition("shunin-caremanager-r5")
    days = {c: [s.date.day() for s in edition.sessions if s.course_ids == [f"shunin-caremanager-r5-{c}"]]
            for c in "abcd"}
    assert all(len(d) == 10 for d in days.values())
    assert days["a"][0] == date(2023, 10, 11) and days["a"][-1] == date(2024, 2, 1)
    assert days["c"][-1] == date(2024, 2, 26)
    assert days["d"][0] == date(2023, 10, 19) and days["d"][-1] == date(2024, 2, 27)
    onsite = [s for s in edition.sessions if s.course_ids == ["shunin-caremanager-r5-d"]]
    assert all(edition.venue(s.venue_id).address.startswith("千代田区神田神保町2-36-1")  # type: ignore[arg-type, union-attr]
               for s in onsite)


def test_shunin_curriculum_totals_71_5_hours(knowledge: Knowledge) -> None:
    assert sum(s.hours or 0 for s in knowledge.edition("shunin-caremanager-r5").curriculum) == 71.5


def test_shunin_requirements_cover_work_training_experience_recommendation(knowledge: Knowledge) -> None:
    eligibility = knowledge.edition("shunin-caremanager-r5").eligibility
    kinds = {r.kind for r in eligibility.requirements}
    assert {RequirementKind.WORK, RequirementKind.TRAINING, RequirementKind.EXPERIENCE,
            RequirementKind.RECOMMENDATION} <= kinds
    assert eligibility.reference_date is not None and eligibility.reference_date.date == date(2023, 6, 1)
    experience = next(r for r in eligibility.requirements if r.kind is RequirementKind.EXPERIENCE)
    assert "5年（60か月）以上" in experience.options[0].text.ja
    assert "3年（36か月）以上" in experience.options[1].text.ja
    work = next(r for r in eligibility.requirements if r.kind is RequirementKind.WORK)
    assert any("定員超過" in e.ja for e in work.exceptions)


def test_shunin_online_course_forbids_smartphones_and_30_minute_rule(knowledge: Knowledge) -> None:
    edition = knowledge.edition("shunin-caremanager-r5")
    assert edition.system_requirements is not None and edition.system_requirements.smartphones_allowed is False
    assert edition.rules is not None and edition.rules.absence is not None
    assert "30分を超えた" in edition.rules.absence.ja
    change = edition.rules.schedule_change
    assert change is not None and len(change.accepted_reasons) == 6 and change.max_changes == 1


def test_shunin_education_training_benefit(knowledge: Knowledge) -> None:
    benefit = knowledge.edition("shunin-caremanager-r5").education_training_benefit
    assert benefit is not None and benefit.eligible and "1321459-1920013-8" in benefit.text.ja


def test_shunin_events_include_decision_payment_and_course_days(knowledge: Knowledge) -> None:
    events = edition_events(knowledge.edition("shunin-caremanager-r5"))
    kinds = {e.kind for e in events}
    assert {EventKind.APPLICATION_DEADLINE, EventKind.DECISION_NOTICE, EventKind.FEE_PAYMENT_NOTICE,
            EventKind.FEE_PAYMENT_DEADLINE, EventKind.ON_DEMAND_START, EventKind.COURSE_DAY} <= kinds
    payment = next(e for e in events if e.kind is EventKind.FEE_PAYMENT_DEADLINE)
    assert payment.audience.value == "enrolled" and payment.at == date(2023, 9, 28)
    leaf_video = next(e for e in events if e.tentative is not None)
    assert leaf_video.at is None and "予定" in leaf_video.tentative.label_ja


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
    data = copy_data(tmp_path)
    edit(data, "nanchisei-tokyo-r5", "end: 2023-06-30", "end: 2023-06-31")
    line = line_of(data, "nanchisei-tokyo-r5", "end: 2023-06-31")
    (problem,) = check(data)
    assert problem.startswith(f"data/editions/nanchisei-tokyo-r5.yaml:{line}: application.period.end: ")


def test_an_unknown_key_is_an_error_at_its_line(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    edit(data, "nanchisei-tokyo-r5", "  duration_minutes: 120", "  duration_minute: 120")
    line = line_of(data, "nanchisei-tokyo-r5", "duration_minute: 120")
    problems = check(data)
    assert f"data/editions/nanchisei-tokyo-r5.yaml:{line}: live_streams[0].duration_minute: Extra inputs are not permitted" in problems


def test_a_missing_field_points_at_its_parent(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    edit(data, "nanchisei-tokyo-r5", "    start: 2023-05-15\n", "")
    line = line_of(data, "nanchisei-tokyo-r5", "  period:")
    (problem,) = check(data)
    assert problem == f"data/editions/nanchisei-tokyo-r5.yaml:{line}: application.period.start: Field required"


def test_a_period_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    edit(data, "nanchisei-tokyo-r5", "start: 2023-08-01", "start: 2024-08-01")
    (problem,) = check(data)
    assert "on_demand[0].period" in problem and "after its end" in problem


def test_an_unknown_course_reference_is_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    edit(data, "nanchisei-tokyo-r5", "course_ids: [nanchisei-tokyo-r5-clozapine-advanced]",
         "course_ids: [nanchisei-tokyo-r5-clozapine-expert]")
    (problem,) = check(data)
    assert "live_streams[0].course_ids[0]: unknown course id 'nanchisei-tokyo-r5-clozapine-expert'" in problem


def test_course_ids_must_be_unique_across_editions(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    copy = data / "editions" / "nanchisei-tokyo-r5.yaml"
    twin = data / "editions" / "nanchisei-tokyo-r5b.yaml"
    twin.write_text(copy.read_text(encoding="utf-8").replace("id: nanchisei-tokyo-r5\n", "id: nanchisei-tokyo-r5b\n", 1),
                    encoding="utf-8")
    problems = check(data)
    assert any("nanchisei-tokyo-r5b.yaml" in p and "must start with the edition id" in p for p in problems)


def test_the_loader_refuses_to_start_on_invalid_data(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    edit(data, "nanchisei-tokyo-r5", "status: not_stated", "status: maybe")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(data)
    assert "fee.status" in raised.value.problems[0]


def test_a_key_given_twice_is_an_error(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    edit(data, "nanchisei-tokyo-r5", "fiscal_year: 2023\n", "fiscal_year: 2023\nfiscal_year: 2024\n")
    line = line_of(data, "nanchisei-tokyo-r5", "fiscal_year: 2024")
    assert check(data) == [f"data/editions/nanchisei-tokyo-r5.yaml:{line}: fiscal_year: key given twice"]


def test_invalid_yaml_syntax_names_the_line(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    edit(data, "nanchisei-tokyo-r5", "fiscal_year: 2023", "fiscal_year: [2023")
    (problem,) = check(data)
    assert problem.startswith("data/editions/nanchisei-tokyo-r5.yaml:")
    assert "(yaml)" in problem
