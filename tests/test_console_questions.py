"""質問ログ in the console: the waiting questions grouped by entry, paged by SQL; assigning and marking handled
through the use cases; roles, CSRF and the audit log; the week's most asked topics."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import yaml
from flask import Flask
from sqlalchemy import insert, select

from bot import clock
from bot.db.tables import AskedQuestion, AuditEntry, ConsoleUser
from bot.devtools.local_line import LocalLine
from bot.services import Services
from tests.helpers import follow, persona_user, signed_in


def _ask(app: Flask, text: str, candidates: tuple[str, ...] = (), *, kind: str = "did_you_mean",
         tapped: str | None = None, entry_id: str | None = None, at: datetime | None = None,
         user_id: int | None = None) -> int:
    """A logged question, written as ``log_question`` writes it (and a tap corrects it); its id."""
    with Services.of(app).db.session() as session:
        return session.execute(insert(AskedQuestion).returning(AskedQuestion.id), [{
            "line_user_id": user_id, "text": text, "locale": "ja", "kind": kind, "entry_id": entry_id,
            "probability": 0.3, "candidates": list(candidates), "tapped": tapped,
            "topic": tapped or entry_id or (candidates[0] if candidates else None),
            "asked_at": at or clock.now()}]).scalar_one()


def _row(app: Flask, question_id: int) -> AskedQuestion:
    with Services.of(app).db.session() as session:
        row = session.get(AskedQuestion, question_id)
        assert row is not None
        return row


def _group(page: str, heading: str) -> str:
    """The card of the group whose heading starts with ``heading``."""
    return next(card for card in page.split('<section class="card review-group">')[1:]
                if card.split("</h2>")[0].strip().startswith(f"<h2>{heading}"))


def test_questions_are_grouped_by_what_was_tapped_else_the_best_entry_with_titles_and_counts(
        app: Flask, line: LocalLine) -> None:
    hanako = follow(line, "hanako")
    with Services.of(app).db.session() as session:
        user = persona_user(session, hanako)
        user.display_name = "山田花子"
        user_id = user.id
    earlier = clock.now() - timedelta(hours=3)
    _ask(app, "受講票は届きますか", ("login-details", "fee"), at=earlier, user_id=user_id)
    _ask(app, "受講票はいつ届く", ("login-details",))
    _ask(app, "URLはどこ", ("fee", "login-details"), tapped="login-details")  # the tap wins over the model
    _ask(app, "お金はいくら", ("fee",))
    _ask(app, "天気は", kind="out_of_scope")
    answered = _ask(app, "受講料は", ("fee",), kind="answer", entry_id="fee")

    page = signed_in(app, "viewer").client.get("/console/questions/").get_data(as_text=True)

    assert "確認待ち 5件" in page
    login = _group(page, "受講URL・IDの案内")
    assert "3件" in login and "受講票は届きますか" in login and "受講票はいつ届く" in login and "URLはどこ" in login
    assert "受講料<br>受講URL・IDの案内" in login  # what the bot offered, as titles, best first
    url_row = next(row for row in login.split("<tr") if "URLはどこ" in row)
    assert "受講URL・IDの案内</td>" in url_row.split("</td>", 3)[3] + "</td>"  # the tap, as a title
    assert "お金はいくら" in _group(page, "受講料") and "天気は" in _group(page, "候補の項目なし")
    assert page.index("受講票は届きますか") < min(page.index("お金はいくら"), page.index("天気は"))  # largest first
    assert f'data-question="{answered}"' not in page  # answered outright: not for review
    assert "山田花子" not in page and hanako.line_user_id not in page  # nobody is named
    assert "例文に追加" not in page and "対応済みにする" not in page  # a viewer acts on nothing


def test_groups_are_paged_by_sql_and_a_group_lists_its_newest_questions(app: Flask) -> None:
    entries = [e.id for e in Services.of(app).knowledge.faq.entries][:23]
    now = clock.now()
    for n, entry_id in enumerate(entries):
        _ask(app, f"質問{n}", (entry_id,), at=now - timedelta(minutes=n))
    for n in range(7):
        _ask(app, f"締切の質問{n}", ("application-period",), at=now - timedelta(hours=1, minutes=n))
    client = signed_in(app, "viewer").client

    first = client.get("/console/questions/").get_data(as_text=True)
    third = client.get("/console/questions/?page=3").get_data(as_text=True)

    assert "確認待ち 30件" in first and "1 / 3" in first
    assert first.count('class="card review-group"') == 10 and third.count('class="card review-group"') == 3
    deadline = _group(first, "申込の締切")  # 8 questions: the largest group, first
    assert first.index("申込の締切") < first.index("質問1")
    assert deadline.count("<tr data-question") == 5 and "ほか 3件" in deadline
    assert "締切の質問3" in deadline and "締切の質問4" not in deadline  # the newest five


def test_a_sender_assigns_a_question_and_the_example_lands_in_the_data_and_the_audit_log(
        review_app: Flask, own_data: Path) -> None:
    question_id = _ask(review_app, "ECT研修 受講票は届きますか", ("login-details", "fee"))
    other = _ask(review_app, "ECT研修 受講票はいつ届く", ("login-details",))
    unguessed = _ask(review_app, "天気は", kind="out_of_scope")
    clerk = signed_in(review_app, "sender")
    page = clerk.client.get("/console/questions/").get_data(as_text=True)

    def options(of: int) -> str:
        return page.split(f'name="entry_id" required aria-label="質問 #{of} のFAQ項目">')[1].split("</select>")[0]

    assert '<option value="login-details" selected>' in options(question_id)  # the group's entry, offered first
    assert options(unguessed).count("selected") == 1  # no guess: the prompt, never whichever entry is first
    assert '<option value="" disabled selected>FAQ項目を選んでください</option>' in options(unguessed)

    done = clerk.post(f"/console/questions/{question_id}/assign", {"entry_id": "login-details", "page": "1"},
                      follow_redirects=True).get_data(as_text=True)

    assert f"質問 #{question_id} を「受講URL・IDの案内」の例文に追加しました" in done
    examples = yaml.safe_load((own_data / "faq" / "examples" / "reviewed.yaml").read_text(encoding="utf-8"))
    assert examples["examples"]["login-details"] == ["ECT研修 受講票は届きますか"]
    row = _row(review_app, question_id)
    assert (row.assigned_entry_id, row.handled_by) == ("login-details", "sender@example.jp")
    assert f'data-question="{question_id}"' not in done and f'data-question="{other}"' in done  # off the queue
    with Services.of(review_app).db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "question_review")).one()
        assert (entry.actor, entry.target, entry.detail) == ("sender@example.jp", f"question #{question_id}",
                                                             "assigned to login-details")
        assert "受講票" not in str(vars(entry))
    again = clerk.post(f"/console/questions/{question_id}/assign", {"entry_id": "fee"}, follow_redirects=True)
    assert f"質問 #{question_id} はすでに例文に追加済みか、対応済みです。" in again.get_data(as_text=True)
    unknown = clerk.post(f"/console/questions/{other}/assign", {"entry_id": "no-such-entry"}, follow_redirects=True)
    assert "no-such-entry" in unknown.get_data(as_text=True) and _row(review_app, other).handled_at is None


def test_marking_handled_takes_a_question_off_the_queue_and_the_dashboard_count(app: Flask) -> None:
    question_id = _ask(app, "あいうえお", ("fee",))
    _ask(app, "受講料は", ("fee",))
    clerk = signed_in(app, "admin")
    assert "確認待ちの質問：2件</a>" in clerk.client.get("/console/").get_data(as_text=True)

    done = clerk.post(f"/console/questions/{question_id}/handle", {"page": "1"},
                      follow_redirects=True).get_data(as_text=True)

    assert f"質問 #{question_id} を対応済みにしました。" in done and "確認待ち 1件" in done
    row = _row(app, question_id)
    assert row.handled_by == "admin@example.jp" and row.handled_at is not None and row.assigned_entry_id is None
    assert "確認待ちの質問：1件</a>" in clerk.client.get("/console/").get_data(as_text=True)
    with Services.of(app).db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "question_review")).one()
        assert (entry.target, entry.detail) == (f"question #{question_id}", "handled")


def test_a_viewer_cannot_act_even_with_a_forged_post_and_a_post_without_the_token_is_refused(app: Flask) -> None:
    question_id = _ask(app, "受講票は届きますか", ("login-details",))
    viewer = signed_in(app, "viewer")
    assert viewer.post(f"/console/questions/{question_id}/handle").status_code == 403
    assert viewer.post(f"/console/questions/{question_id}/assign", {"entry_id": "fee"}).status_code == 403
    sender = signed_in(app, "sender")
    assert sender.client.post(f"/console/questions/{question_id}/handle").status_code == 400  # no CSRF token
    assert _row(app, question_id).handled_at is None
    with Services.of(app).db.session() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "question_review")).all() == []


def test_the_most_asked_topics_of_the_week_count_answers_and_taps_not_older_questions(app: Flask) -> None:
    now = clock.now()
    for n in range(3):
        _ask(app, f"受講料{n}", ("fee",), kind="answer", entry_id="fee")
    _ask(app, "払い方", ("fee", "payment"), tapped="payment")
    _ask(app, "支払い", ("payment",), kind="answer", entry_id="payment")
    for n in range(5):
        _ask(app, f"先月の締切{n}", ("application-period",), kind="answer", entry_id="application-period",
             at=now - timedelta(days=8))
    _ask(app, "天気は", ("fee",), kind="out_of_scope")  # a guess only: no topic

    page = signed_in(app, "viewer").client.get("/console/questions/").get_data(as_text=True)

    topics = page.split('id="top-topics"')[1].split("</section>")[0]
    assert "直近7日間に多かった質問" in topics
    assert [cell.split("</td>")[0] for cell in topics.split("<tr><td>")[1:]] == ["受講料", "支払い方法"]
    assert "3件" in topics and "2件" in topics and "申込の締切" not in topics


def test_the_page_reads_in_english_for_a_clerk_who_chose_it(app: Flask) -> None:
    _ask(app, "受講票は届きますか", ("login-details",))
    clerk = signed_in(app, "sender")
    with Services.of(app).db.session() as session:
        session.scalars(select(ConsoleUser).where(ConsoleUser.email == "sender@example.jp")).one().locale = "en"
    page = clerk.client.get("/console/questions/").get_data(as_text=True)
    assert "Question log" in page and "Login details (URL, ID)" in page and "Add as example" in page


def test_a_deleted_trainees_questions_leave_the_log(app: Flask, line: LocalLine) -> None:
    hanako = follow(line, "hanako")
    with Services.of(app).db.session() as session:
        user_id = persona_user(session, hanako).id
    _ask(app, "私の電話番号は090-0000-0000です", ("contact",), user_id=user_id)
    clerk = signed_in(app, "sender")
    assert "090-0000-0000" in clerk.client.get("/console/questions/").get_data(as_text=True)

    clerk.post(f"/console/trainees/{user_id}/delete")

    page = clerk.client.get("/console/questions/").get_data(as_text=True)
    assert "090-0000-0000" not in page and "確認待ちの質問はありません。" in page


def test_a_suggested_entry_no_longer_in_the_data_leaves_the_select_at_its_prompt() -> None:
    from bot.console.views.questions import _entry_options

    options = _entry_options([("fee", "受講料"), ("venue", "会場")], "エントリーを選んでください")
    assert 'value="" disabled selected' in options("an-entry-removed-from-data")
    assert 'value="" disabled selected' not in options("venue") and 'value="venue" selected' in options("venue")
