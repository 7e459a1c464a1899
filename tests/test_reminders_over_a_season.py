"""A whole season replayed through the clock's path: what each persona receives, in order.

The season runs from application opening to its last reminder; the bot's clock
jumps from one planned send to the next (no sleeping). Personas: subscribed but
not enrolled, enrolled and linked, enrolled but not linked, blocked midway.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from bot.clock import JST, system_now
from bot.db.tables import Enrolment
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.services import Services
from tests.helpers import Persona, enrol, follow, persona_user, replay, run_cli, subscribe, unfollow


def jst(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def texts(fake: FakeLine, line_user_id: str) -> list[str]:
    return fake.state.texts_to(line_user_id)


def link(app: Flask, persona: Persona, edition_id: str, application_no: str) -> None:
    with Services.of(app).db.session() as session:
        enrolment = session.scalar(select(Enrolment).filter_by(edition_id=edition_id, application_no=application_no))
        enrolment.user_id, enrolment.linked_at = persona_user(session, persona).id, system_now()


def test_nanchisei_season(app: Flask, line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch,
                          tmp_path: Path) -> None:
    prospect = follow(line, "prospect")
    linked = follow(line, "linked")
    unlinked = follow(line, "unlinked")
    blocker = follow(line, "blocker")
    for persona in (prospect, linked, unlinked, blocker):
        subscribe(app, persona, "nanchisei-tokyo")
    seen_at_start = {p.name: len(texts(fake_line, p.line_user_id)) for p in (prospect, linked, unlinked, blocker)}

    portal_csv = tmp_path / "portal.csv"
    portal_csv.write_bytes("申込番号,URL,ID,パスワード\n"
                           "A-001,https://portal.example.jp/login,clz-0001,Pw-linked-1\n"
                           "A-002,https://portal.example.jp/login,clz-0002,Pw-unlinked-2\n"
                           "A-003,https://portal.example.jp/login,ect-0003,Pw-blocker-3\n".encode("cp932"))

    def roster_arrives() -> None:
        enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-advanced", "A-001")
        enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-advanced", "A-002")
        enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-ect-intermediate", "A-003")
        link(app, linked, "nanchisei-tokyo-r5", "A-001")
        link(app, blocker, "nanchisei-tokyo-r5", "A-003")
        run_cli(app, "credentials", "import", str(portal_csv), "--edition", "nanchisei-tokyo-r5")

    def live_date_decided() -> None:
        run_cli(app, "reminders", "set-date",
                "nanchisei-tokyo-r5/live_stream/clozapine-advanced-live/nanchisei-tokyo-r5-clozapine-advanced",
                "2023-10-28T18:00")
        run_cli(app, "credentials", "set-shared", "--edition", "nanchisei-tokyo-r5",
                "--target", "clozapine-advanced-live", "--url", "https://zoom.example/j/81234567890",
                "--id", "812 3456 7890", "--password", "kz2023", "--tool", "Zoom")

    fired = replay(app, monkeypatch, jst("2023-05-15T09:00"), jst("2024-02-29T23:59"), [
        (jst("2023-07-10T12:00"), roster_arrives),
        (jst("2023-09-01T12:00"), lambda: unfollow(app, blocker)),
        (jst("2023-10-02T12:00"), live_date_decided),
    ])

    deadline = "難治性精神疾患研修の申込締切は令和5年6月30日（金）です。まだの方はお早めにお申し込みください。"
    consent = "難治性精神疾患研修：同意書の送信期限（募集締切期日）は令和5年6月30日（金）です。お忘れなくご対応ください。"
    application_season = [deadline, deadline, consent, deadline]
    rules = ("・研修受講時には、1人に1台の機器（PC・スマートフォン・タブレット等）をご準備ください。\n"
             "・研修画面をビデオカメラ等で録画することは禁止です。\n"
             "この参加情報は他の方と共有しないでください。")
    opens = "難治性精神疾患研修のオンデマンド配信は令和5年8月1日（火）に始まります。"

    def portal(login: str, password: str) -> str:
        return ("【参加情報】\nツール：研修ポータルサイト\nURL：https://portal.example.jp/login\n"
                f"ID：{login}\nパスワード：{password}\n開始：令和5年8月1日（火）\n{rules}")

    live = "難治性精神疾患研修のライブ配信は令和5年10月28日（土） 18:00に始まります。"
    zoom = ("【参加情報】\nツール：Zoom\nURL：https://zoom.example/j/81234567890\nID：812 3456 7890\n"
            f"パスワード：kz2023\n開始：令和5年10月28日（土） 18:00\n{rules}")
    closes = "難治性精神疾患研修のオンデマンド配信は令和6年2月29日（木）で終了します。期間内に視聴を終えてください。"

    def received(persona: Persona) -> list[str]:
        return texts(fake_line, persona.line_user_id)[seen_at_start[persona.name]:]

    assert received(prospect) == application_season
    assert received(unlinked) == application_season  # still a prospect to the bot: never any joining details
    assert received(blocker) == application_season + [opens, portal("ect-0003", "Pw-blocker-3")]
    assert received(linked) == application_season + [
        opens, portal("clz-0001", "Pw-linked-1"),
        live, zoom,  # the evening before
        live, zoom,  # one hour before
        closes, closes,  # a week before and the day before the end of viewing
    ]
    assert [at.strftime("%m-%d %H:%M") for at, job in fired if job.startswith("reminder:nanchisei")] == [
        "06-23 10:00", "06-29 10:00", "06-29 10:00", "06-30 08:00", "07-25 10:00", "07-25 10:00",
        "10-27 19:00", "10-28 17:00", "02-22 10:00", "02-22 10:00", "02-28 10:00", "02-28 10:00",
    ]


def test_shunin_caremanager_season(app: Flask, line: LocalLine, fake_line: FakeLine,
                                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prospect = follow(line, "prospect")
    online = follow(line, "online")  # course A (Zoom), linked
    unlinked = follow(line, "unlinked")  # course B, never links
    onsite = follow(line, "onsite")  # course D (on site), linked, blocks the bot in November
    personas = (prospect, online, unlinked, onsite)
    for persona in personas:
        subscribe(app, persona, "shunin-caremanager")
    seen_at_start = {p.name: len(texts(fake_line, p.line_user_id)) for p in personas}
    leaf_csv = tmp_path / "leaf.csv"
    leaf_csv.write_bytes("受付番号,対象,ID,パスワード,ツール\n"
                         "S-01,on-demand,leaf-a01,Leaf-online-1,Leaf\n"
                         "S-02,on-demand,leaf-b02,Leaf-unlinked-2,Leaf\n"
                         "S-04,on-demand,leaf-d04,Leaf-onsite-4,Leaf\n".encode("utf-8-sig"))

    def decisions_sent() -> None:
        enrol(app, "shunin-caremanager-r5", "shunin-caremanager-r5-a", "S-01")
        enrol(app, "shunin-caremanager-r5", "shunin-caremanager-r5-b", "S-02")
        enrol(app, "shunin-caremanager-r5", "shunin-caremanager-r5-d", "S-04")
        link(app, online, "shunin-caremanager-r5", "S-01")
        link(app, onsite, "shunin-caremanager-r5", "S-04")
        run_cli(app, "credentials", "import", str(leaf_csv), "--edition", "shunin-caremanager-r5")
        run_cli(app, "credentials", "set-shared", "--edition", "shunin-caremanager-r5",
                "--target", "shunin-caremanager-r5-a", "--url",
                "https://zoom.example/j/90000000001", "--id", "900 0000 0001", "--password", "cm2023", "--tool", "Zoom")

    fired = replay(app, monkeypatch, jst("2023-06-01T09:00"), jst("2024-02-27T23:59"), [
        (jst("2023-09-01T12:00"), decisions_sent),
        (jst("2023-11-01T12:00"), lambda: unfollow(app, onsite)),
    ])
    deadline = "主任ケアマネ研修の申込締切は令和5年6月30日（金）です。まだの方はお早めにお申し込みください。"
    fee = "主任ケアマネ研修：受講料の納付期限は令和5年9月28日（木）です。お忘れなくご対応ください。"
    pc_rule = ("・オンライン研修コースは、Zoomに接続しながら同時にGoogleドライブ内の事例をパソコン上で読み込みます。"
               "これらの操作が可能なパソコンと受講環境を準備してください。\nこの参加情報は他の方と共有しないでください。")

    def leaf(day: str, login: str, password: str) -> list[str]:
        return [f"主任ケアマネ研修のオンデマンド配信は{day}に始まります。",
                f"【参加情報】\nツール：Leaf\nID：{login}\nパスワード：{password}\n開始：{day}\n{pc_rule}"]

    def course_day(day: str, label: str) -> list[str]:
        reminder = f"主任ケアマネ研修の次の研修日は{day} 9:30開始です。\n{label}"
        zoom = ("【参加情報】\nツール：Zoom\nURL：https://zoom.example/j/90000000001\nID：900 0000 0001\n"
                f"パスワード：cm2023\n開始：{day} 9:30\n{pc_rule}")
        return [reminder, zoom] * 2  # the evening before and one hour before

    closes = "主任ケアマネ研修のオンデマンド配信は令和5年10月29日（日）で終了します。期間内に視聴を終えてください。"
    a_days = [
        ("令和5年10月30日（月）", "Aコース 10月30日（月） (6) 地域援助技術（コミュニティソーシャルワーク）"),
        ("令和5年11月9日（木）", "Aコース 11月9日（木） (7) ケアマネジメントに必要な医療との連携及び多職種協働の実現"),
        ("令和5年11月18日（土）", "Aコース 11月18日（土） (8) 対人援助者監督指導（スーパービジョン）1"),
        ("令和5年11月27日（月）", "Aコース 11月27日（月） (8) 対人援助者監督指導（スーパービジョン）2"),
        ("令和5年12月5日（火）", "Aコース 12月5日（火） (8) 対人援助者監督指導（スーパービジョン）3"),
        ("令和5年12月22日（金）", "Aコース 12月22日（金） (9) 個別事例を通じた介護支援専門員に対する指導・支援の展開1"),
        ("令和6年1月13日（土）", "Aコース 1月13日（土） (9) 個別事例を通じた介護支援専門員に対する指導・支援の展開2"),
        ("令和6年1月20日（土）", "Aコース 1月20日（土） (9) 個別事例を通じた介護支援専門員に対する指導・支援の展開3"),
        ("令和6年2月1日（木）", "Aコース 2月1日（木） (9) 個別事例を通じた介護支援専門員に対する指導・支援の展開4"),
    ]

    def received(persona: Persona) -> list[str]:
        return texts(fake_line, persona.line_user_id)[seen_at_start[persona.name]:]

    assert received(prospect) == [deadline] * 3
    assert received(unlinked) == [deadline] * 3
    # On site: the Leaf login, then day-before reminders without any Zoom link; nothing after blocking.
    assert received(onsite) == [deadline] * 3 + [fee] * 3 + leaf("令和5年10月19日（木）", "leaf-d04", "Leaf-onsite-4") + [
        "主任ケアマネ研修の次の研修日は令和5年10月19日（木） 9:30開始です。\n"
        "Dコース 10月19日（木） 研修オリエンテーション・(1) 主任介護支援専門員の役割と視点"]
    expected_online = [deadline] * 3 + [fee] * 3 + leaf("令和5年10月11日（水）", "leaf-a01", "Leaf-online-1")
    expected_online += course_day("令和5年10月11日（水）",
                                  "Aコース 10月11日（水） 研修オリエンテーション・(1) 主任介護支援専門員の役割と視点")
    expected_online += [closes, closes]
    for day, label in a_days:
        expected_online += course_day(day, label)
    assert received(online) == expected_online
    # One job per (event, rule): 3 application + 3 fee + 4 on-demand openings + 8 closings + 40 course days x 2.
    assert len([job for _, job in fired if job.startswith("reminder:shunin")]) == 98
