"""A send killed with SIGKILL mid-way resumes: everyone gets the announcement, nobody twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bot.db.tables import DeliveryStatus
from bot.devtools.fake_line import FaultConfig
from tests.helpers import ACCESS_TOKEN, CHANNEL_SECRET, ECMO_TRAINING, add_users, ledger, received_counts

# 100 multicasts: more than the sender keeps in flight at once (twice its 32 threads), so
# the kill leaves both batches in flight and batches not yet sent (all pending, the whole
# ledger being written before the first request; re-sent by the resume with their keys).
USERS = 50_000
LATENCY_MS = 150


def accepted_multicasts(fake_line) -> int:  # type: ignore[no-untyped-def]
    return sum(r.accepted for r in fake_line.state.requests("/v2/bot/message/multicast"))


def start_announce(database_url: str, fake_line) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LINE_API_BASE_URL": fake_line.base_url,
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "KENSHU_SECRET_KEY": "test-secret-key",
        "KENSHU_DEMO": "0",
    }
    kenshu = Path(sys.executable).parent / "kenshu"
    command = [str(kenshu), "announce", "--audience", f"training:{ECMO_TRAINING}",
               "--text", "ライブ配信は明日10時からです。"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_send_killed_mid_way_resumes_without_duplicates_or_gaps(app, fake_line, database_url):
    fake_line.state.set_quota(None)
    users = add_users(app, USERS, training=ECMO_TRAINING)
    fake_line.state.faults.configure(FaultConfig(latency_ms=LATENCY_MS, paths=("/v2/bot/message/multicast",)))

    sending = start_announce(database_url, fake_line)
    deadline = time.monotonic() + 60
    while accepted_multicasts(fake_line) < 4 and sending.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    sending.send_signal(signal.SIGKILL)
    sending.wait(timeout=10)
    time.sleep(LATENCY_MS / 1000 * 4)  # let LINE finish the requests that were in flight

    assert sending.returncode == -signal.SIGKILL, sending.stdout.read() if sending.stdout else ""
    delivered_before = len(received_counts(fake_line))
    assert 0 < delivered_before < USERS

    resumed = app.test_cli_runner().invoke(args=["announce", "resume", "1"])

    assert resumed.exit_code == 0, resumed.output
    assert f"送信 {USERS}件  失敗 0件  対象外 0件" in resumed.output
    counts = received_counts(fake_line)
    assert [user for user, n in counts.items() if n > 1] == []
    assert set(users) - set(counts) == set()
    assert Counter(row.status for row in ledger(app, 1)) == Counter({DeliveryStatus.SENT: USERS})
