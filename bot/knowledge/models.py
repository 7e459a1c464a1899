"""The typed schema of one training edition, as written in ``data/editions/*.yaml``.

Facts are named fields rather than prose so the answering engine can pick the
exact fact a trainee asked for, and every fact group carries its ``source``.
A fact absent from the source is left ``None`` (or says ``not_stated``) rather
than guessed.
"""

from __future__ import annotations

from enum import Enum

from pydantic import Field, model_validator

from bot.knowledge.base import SLUG, Sourced, Strict, Text
from bot.knowledge.timing import Deadline, Period, RelativeTiming, TimeRange, When


class TrainingInfo(Strict):
    """The training a edition belongs to; stable across years (e.g. ``nanchisei-tokyo``)."""

    id: str = Field(pattern=SLUG)
    name: Text
    aliases: list[str] = Field(default_factory=list, description="Names trainees use: クロザピン研修, 主任ケアマネ...")


class Organisation(Sourced):
    """Who runs, commissions or hosts the training."""

    role: str = Field(description="e.g. 実施主体, 委託元, 受託者, 主催")
    name: Text
    notice: Text | None = Field(default=None, description="the notice it issued about the training: number and date")


class Contact(Sourced):
    """Someone a trainee can contact, and for what."""

    id: str = Field(pattern=SLUG)
    role: str = Field(description="secretariat | consultation | ministry | prefecture | municipality | other")
    name: Text
    purpose: Text
    email: str | None = None
    phone: str | None = None
    url: str | None = None
    address: str | None = None
    notes: list[Text] = Field(default_factory=list)


class Link(Sourced):
    """A useful URL that is not a contact (LINE account, promotional video, guide page)."""

    label: Text
    url: str | None = None
    notes: list[Text] = Field(default_factory=list)


class Venue(Sourced):
    """A place where sessions are held."""

    id: str = Field(pattern=SLUG)
    name: Text
    address: str | None = None
    region: Text | None = None


class Course(Sourced):
    """A course or sub-course trainees enrol in; ``id`` is unique across all editions.

    The roster import and announcement audiences (``course:ID``) refer to these ids.
    """

    id: str = Field(pattern=SLUG)
    name: Text
    aliases: list[str] = Field(default_factory=list)
    description: Text | None = None
    lecturers: list[Text] = Field(default_factory=list)
    target_note: Text | None = Field(default=None, description="Who the course is meant for, if narrower than the edition")
    format: Text | None = Field(default=None, description="How it is delivered: on-demand, Zoom, on site...")
    hours: TimeRange | None = Field(default=None, description="Daily clock times when every session day has the same hours")
    capacity: int | None = Field(default=None, ge=0)
    subcourses: list[Course] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)

    def walk(self) -> list[Course]:
        """This course followed by all its sub-courses, depth first."""
        found: list[Course] = [self]
        for sub in self.subcourses:
            found.extend(sub.walk())
        return found


class TeamRule(Sourced):
    """Applications made as a team (e.g. 医師1・看護師2・臨床工学技士1)."""

    text: Text
    standard_members: dict[str, int] = Field(default_factory=dict, description="Role -> usual count")
    required_roles: list[str] = Field(default_factory=list, description="Roles that must be present (at least one each)")
    flexible: Text | None = None


class RequirementKind(str, Enum):
    """The four 004-style requirement families, plus anything else."""

    WORK = "work"
    TRAINING = "training"
    EXPERIENCE = "experience"
    RECOMMENDATION = "recommendation"
    REGISTRATION = "registration"
    OTHER = "other"


class RequirementOption(Strict):
    """One alternative (ア, イ, ウ...) that satisfies a requirement."""

    label: str = Field(description="ア, イ, ウ...")
    text: Text
    notes: list[Text] = Field(default_factory=list)


class Requirement(Sourced):
    """One eligibility requirement; ``options`` are alternatives (any one suffices)."""

    id: str = Field(pattern=SLUG)
    kind: RequirementKind
    title: Text
    text: Text
    options: list[RequirementOption] = Field(default_factory=list)
    exceptions: list[Text] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)


class Eligibility(Sourced):
    """Who may attend: the target audience and, where given, formal requirements."""

    target: Text
    reference_date: When | None = Field(default=None, description="Day on which requirements must be met (基準日)")
    requirements: list[Requirement] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)


class CapacityShare(Strict):
    """Places for one course."""

    course_id: str
    places: int = Field(ge=0)


class AllocationMethod(str, Enum):
    """How places are allotted."""

    FIRST_COME = "first_come"
    SELECTION = "selection"
    NOT_STATED = "not_stated"


class Capacity(Sourced):
    """How many places and how they are allotted."""

    total: int | None = Field(default=None, ge=0)
    per_course: list[CapacityShare] = Field(default_factory=list)
    allocation: AllocationMethod = AllocationMethod.NOT_STATED
    closes_when_full: bool = False
    notes: list[Text] = Field(default_factory=list)


class Selection(Sourced):
    """How applicants are chosen when not simply first come."""

    method: Text
    priority_rules: list[Text] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)


class Document(Strict):
    """A document that must be submitted with (or as) the application."""

    id: str = Field(pattern=SLUG)
    name: Text
    required_when: Text | None = Field(default=None, description="Condition when only some applicants need it")
    form_code: str | None = Field(default=None, description="Form number, e.g. 届出様式 主-2")
    notes: list[Text] = Field(default_factory=list)


class DocumentExemption(Strict):
    """Who may omit (or send copies of) some documents."""

    who: Text
    documents: Text
    notes: list[Text] = Field(default_factory=list)


class Office(Strict):
    """A municipal office that accepts applications (別紙2 区市町村別申込先一覧)."""

    municipality: str
    department: str | None = None
    section: str | None = None
    unit: str | None = None
    postal_code: str | None = None
    address: str | None = None
    phone: str | None = None


class Application(Sourced):
    """How, when and where to apply."""

    period: Period | None = None
    deadline: Deadline | None = None
    method: Text
    url: str | None = None
    form: Text | None = Field(default=None, description="e.g. Googleフォーム")
    documents: list[Document] = Field(default_factory=list)
    document_exemptions: list[DocumentExemption] = Field(default_factory=list)
    documents_url: str | None = None
    submit_to: Text | None = None
    submit_offices: list[Office] = Field(default_factory=list, description="Where to submit, per municipality")
    confirmation: Text | None = Field(default=None, description="What the applicant receives after applying")
    correction: Text | None = Field(default=None, description="How to correct an application already sent")
    invalid_when: list[Text] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _deadline_matches_period(self) -> Application:
        if self.period is not None and self.deadline is not None and self.deadline.date != self.period.end:
            raise ValueError("deadline date differs from the end of the application period")
        return self

    def last_day(self) -> Deadline | None:
        """The closing deadline, whether given as a deadline or as the period's end."""
        if self.deadline is not None:
            return self.deadline
        if self.period is not None:
            return Deadline(date=self.period.end)
        return None


class DecisionNotice(Sourced):
    """When and how applicants learn whether they were accepted."""

    when: When | None = None
    method: Text
    if_not_received: Text | None = None
    notes: list[Text] = Field(default_factory=list)


class FeeStatus(str, Enum):
    """Whether a fee is charged; ``not_stated`` when the source says nothing."""

    PAID = "paid"
    FREE = "free"
    NOT_STATED = "not_stated"


class Payment(Strict):
    """How and by when a fee is paid."""

    method: Text
    notice: When | None = Field(default=None, description="When the payment notice (納入通知書) is sent")
    deadline: Deadline | None = None
    notes: list[Text] = Field(default_factory=list)


class Fee(Sourced):
    """The training fee."""

    status: FeeStatus
    amount_yen: int | None = Field(default=None, ge=0)
    text: Text
    payment: Payment | None = None
    refund: Text | None = None
    notes: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _amount_matches_status(self) -> Fee:
        if self.status is FeeStatus.PAID and self.amount_yen is None:
            raise ValueError("a paid fee needs amount_yen")
        if self.status is not FeeStatus.PAID and self.amount_yen not in (None, 0):
            raise ValueError(f"amount_yen given for a fee whose status is {self.status.value}")
        return self


class OnDemand(Sourced):
    """An on-demand viewing period for some courses."""

    course_ids: list[str]
    period: Period | None = None
    platform: Text | None = None
    notes: list[Text] = Field(default_factory=list)


class LiveStream(Sourced):
    """A live-streamed session: when (possibly only a tentative window), how long, which tool."""

    id: str = Field(pattern=SLUG)
    course_ids: list[str]
    when: When
    duration_minutes: int | None = Field(default=None, gt=0)
    hours: TimeRange | None = None
    tool: Text
    notes: list[Text] = Field(default_factory=list)


class Session(Sourced):
    """A scheduled course day (on site or online) with its venue.

    When ``hours`` is empty the course's own ``hours`` apply; ``course_ids``
    empty means every top-level course of the edition takes place that day.
    """

    id: str = Field(pattern=SLUG)
    label: Text
    date: When
    hours: TimeRange | None = None
    venue_id: str | None = None
    course_ids: list[str] = Field(default_factory=list)
    region: Text | None = None
    format: Text | None = Field(default=None, description="e.g. Zoom, 会場")
    subjects: list[str] = Field(default_factory=list, description="Curriculum subject ids covered that day")
    notes: list[Text] = Field(default_factory=list)


class Credentials(Sourced):
    """How and when trainees receive what they need to log in (URL, ID, password)."""

    items: list[Text]
    channel: Text
    timing: RelativeTiming | None = None
    if_not_received: Text | None = None


class SystemRequirements(Sourced):
    """The device and network requirements for online attendance."""

    pc_os: list[str] = Field(default_factory=list)
    browsers: list[str] = Field(default_factory=list)
    browser_notes: list[Text] = Field(default_factory=list)
    smartphone_os: list[str] = Field(default_factory=list)
    smartphone_notes: list[Text] = Field(default_factory=list)
    plugins: Text | None = None
    cpu: str | None = None
    memory: str | None = None
    bandwidth: Text | None = None
    device_rule: Text | None = None
    smartphones_allowed: bool | None = Field(default=None, description="None when the source does not say")
    connection_check: Text | None = None
    technical_support: Text | None = None
    network_provided_by: Text | None = None
    notes: list[Text] = Field(default_factory=list)


class CourseCondition(Strict):
    """Extra certificate conditions for some courses only."""

    course_ids: list[str]
    conditions: list[Text]


class Certificate(Sourced):
    """When the certificate (修了証) is issued."""

    name: Text
    conditions: list[Text]
    per_course: list[CourseCondition] = Field(default_factory=list)
    timing: Text | None = None
    revocation: list[Text] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)


class ScheduleChange(Strict):
    """Whether and why a trainee may move to another date."""

    policy: Text
    accepted_reasons: list[Text] = Field(default_factory=list)
    rejected_reasons: list[Text] = Field(default_factory=list)
    max_changes: int | None = Field(default=None, ge=0)
    how_to_apply: Text | None = None
    notes: list[Text] = Field(default_factory=list)


class Rules(Sourced):
    """Attendance and conduct rules."""

    absence: Text | None = None
    lateness: Text | None = None
    leaving_seat: Text | None = None
    recording: Text | None = None
    sns: Text | None = None
    photography_by_organiser: Text | None = None
    schedule_change: ScheduleChange | None = None
    course_change: Text | None = None
    cancellation_by_organiser: Text | None = None
    organiser_changes: Text | None = Field(default=None, description="Dates/venues the organiser may change")
    location: Text | None = Field(default=None, description="Where one may attend from (職場・自宅等)")
    privacy: Text | None = None
    other: list[Text] = Field(default_factory=list)


class CostsBorne(Sourced):
    """Costs trainees pay themselves (besides any fee)."""

    items: list[Text]
    notes: list[Text] = Field(default_factory=list, description="What the documents say about them, in their words")


class EducationTrainingBenefit(Sourced):
    """教育訓練給付金: whether the training qualifies and how to claim."""

    eligible: bool
    text: Text
    url: str | None = None


class EventAudience(str, Enum):
    """Who a dated event concerns."""

    PROSPECTIVE = "prospective"
    ENROLLED = "enrolled"


class MilestoneKind(str, Enum):
    """Kinds of dated events; reminders pick by kind."""

    APPLICATION_OPEN = "application_open"
    APPLICATION_DEADLINE = "application_deadline"
    CONSENT_FORM = "consent_form"
    DOCUMENT_SUBMISSION = "document_submission"
    DECISION_NOTICE = "decision_notice"
    FEE_PAYMENT_NOTICE = "fee_payment_notice"
    FEE_PAYMENT_DEADLINE = "fee_payment_deadline"
    COMPREHENSION_TEST = "comprehension_test"
    CASE_SUBMISSION = "case_submission"
    CREDENTIALS_DELIVERY = "credentials_delivery"
    ON_DEMAND_START = "on_demand_start"
    ON_DEMAND_END = "on_demand_end"
    LIVE_STREAM = "live_stream"
    COURSE_DAY = "course_day"
    OTHER = "other"


class Milestone(Sourced):
    """A dated event not already implied by another field (e.g. consent form, 書類相談期限)."""

    kind: MilestoneKind
    title: Text
    when: When
    audience: EventAudience
    course_ids: list[str] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)


class SessionTask(Sourced):
    """Something due before every session of some courses (e.g. 確認テスト 当日までに)."""

    kind: MilestoneKind
    title: Text
    days_before: int = Field(ge=0, description="0 = by the session day itself")
    course_ids: list[str] = Field(default_factory=list, description="Empty = every top-level course")
    notes: list[Text] = Field(default_factory=list)


class Subject(Sourced):
    """A curriculum subject (科目) shared by the courses of an edition."""

    id: str = Field(pattern=SLUG)
    number: str | None = Field(default=None, description="As numbered in the source, e.g. (1)")
    name: Text
    hours: float | None = Field(default=None, gt=0)
    kind: Text | None = Field(default=None, description="講義, 講義及び演習...")
    delivery: Text | None = Field(default=None, description="Zoom, 動画視聴 (on demand), 会場...")
    aim: Text | None = Field(default=None, description="目的: what the subject is for")
    contents: list[Text] = Field(
        default_factory=list,
        description="内容: what the subject covers, one item per line of the source's programme table "
                    "(trainees ask whether a subject takes up a theme: 災害, ヒヤリハット, OJT)",
    )
    notes: list[Text] = Field(default_factory=list)


class Fact(Sourced):
    """Any other fact worth answering (privacy, renewal system...), by topic."""

    topic: str = Field(pattern=SLUG)
    title: Text
    text: Text
    url: str | None = None


class Edition(Strict):
    """One year's edition of a training: one YAML file in ``data/editions/``."""

    id: str = Field(pattern=SLUG)
    training: TrainingInfo
    title: Text
    fiscal_year: int = Field(ge=2000, le=2100, description="Japanese fiscal year (令和5年度 -> 2023)")
    fiscal_year_label: str = Field(description="e.g. 令和5年度")
    source_files: list[str] = Field(min_length=1)
    summary: Text
    purpose: Text | None = None
    organisers: list[Organisation] = Field(default_factory=list)
    eligibility: Eligibility
    team: TeamRule | None = None
    courses: list[Course] = Field(min_length=1)
    capacity: Capacity | None = None
    selection: Selection | None = None
    application: Application
    decision_notice: DecisionNotice | None = None
    fee: Fee
    on_demand: list[OnDemand] = Field(default_factory=list)
    live_streams: list[LiveStream] = Field(default_factory=list)
    sessions: list[Session] = Field(default_factory=list)
    venues: list[Venue] = Field(default_factory=list)
    credentials: Credentials | None = None
    system_requirements: SystemRequirements | None = None
    certificate: Certificate | None = None
    rules: Rules | None = None
    costs_borne_by_trainee: CostsBorne | None = None
    education_training_benefit: EducationTrainingBenefit | None = None
    contacts: list[Contact] = Field(min_length=1)
    links: list[Link] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    session_tasks: list[SessionTask] = Field(default_factory=list)
    curriculum: list[Subject] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)

    def all_courses(self) -> list[Course]:
        """Every course and sub-course of the edition, depth first."""
        found: list[Course] = []
        for course in self.courses:
            found.extend(course.walk())
        return found

    def course(self, course_id: str) -> Course | None:
        """The course or sub-course with this id, if it belongs to this edition."""
        return next((c for c in self.all_courses() if c.id == course_id), None)

    def venue(self, venue_id: str) -> Venue | None:
        """The venue with this id, if listed."""
        return next((v for v in self.venues if v.id == venue_id), None)

    def contact(self, role: str) -> list[Contact]:
        """Contacts with this role (``secretariat``, ``consultation``...)."""
        return [c for c in self.contacts if c.role == role]


Course.model_rebuild()
