"""Screenshots of the console for the README, taken in the system Chromium by Playwright.

Run: ``.venv/bin/python scripts/console_screenshots.py [FOLDER]`` (default ``docs``): a demo app on a throwaway SQLite
database with a few hundred followers and one send, the fake LINE API behind it,
the console served on a free port; writes ``console-dashboard.png`` and
``console-composer.png`` into the folder given.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bot import clock  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.db import migrate  # noqa: E402
from bot.db.tables import LineUser, Subscription  # noqa: E402
from bot.devtools.fake_line import FakeLine  # noqa: E402
from bot.devtools.web_server import serving  # noqa: E402
from bot.secretariat import announcements, staff  # noqa: E402
from bot.secretariat.audit import Actor  # noqa: E402
from bot.services import Services  # noqa: E402

EMAIL, PASSWORD = "demo-admin@example.jp", "screenshots only 1234"


def _seed(services: Services) -> None:
    now = clock.now()
    trainings = sorted(services.knowledge.trainings)
    with services.db.session() as session:
        session.execute(insert(LineUser), [{"line_user_id": f"U{n:032x}", "created_at": now,
                                            "status": "blocked" if n % 25 == 0 else "active"} for n in range(420)])
        ids = session.scalars(select(LineUser.id)).all()
        session.execute(insert(Subscription), [{"user_id": uid, "training_id": trainings[n % len(trainings)],
                                                "created_at": now} for n, uid in enumerate(ids)])
    staff.create_user(services, Actor("screenshots"), EMAIL, PASSWORD, "admin")
    draft = announcements.prepare(services, f"training:{trainings[0]}", "受講決定通知を本日発送しました。")
    announcements.send(services, announcements.create(services, draft, note=f"console: {EMAIL}"))


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as scratch, FakeLine.running() as fake:
        url = f"sqlite:///{Path(scratch) / 'shots.db'}"
        migrate.upgrade(url)
        app = create_app({"KENSHU_DEMO": True, "DATABASE_URL": url, "LINE_API_BASE_URL": fake.base_url,
                          "KENSHU_CONSOLE_HTTP": True, "KENSHU_DISPATCH": "inline", "KENSHU_LOG_LEVEL": "WARNING"})
        _seed(Services.of(app))
        with serving(app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            page = browser.new_page(locale="ja-JP", viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/console/login")
            page.get_by_label("メールアドレス").fill(EMAIL)
            page.get_by_label("パスワード").fill(PASSWORD)
            page.get_by_role("button", name="ログイン").click()
            page.get_by_role("heading", name="ダッシュボード").wait_for()
            page.screenshot(path=str(folder / "console-dashboard.png"), full_page=True)
            page.goto(f"{base}/console/announcements/")
            page.get_by_label("配信先").select_option(index=1)
            page.get_by_label("本文").fill("【ECMO研修】ライブ配信の日程が決まりました。\n詳しくはメールをご確認ください。")
            page.get_by_test_id("preview-bubble").filter(has_text="ライブ配信").wait_for()
            page.wait_for_timeout(500)  # the reach panel's htmx swap settles
            page.screenshot(path=str(folder / "console-composer.png"))
            browser.close()
        Services.of(app).db.engine.dispose()
    print(f"wrote {folder}/console-dashboard.png and console-composer.png")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
