"""The worker's batch: on SQLite, only as many events as recent batches decided within the lock budget.

A batch's transaction holds SQLite's one write lock, which every acknowledgement
of the webhook needs; ``BatchSize`` keeps that hold short. Without a budget
(PostgreSQL) the batch is always the largest allowed.
"""

from __future__ import annotations

from bot.line.batch_size import BatchSize


def test_without_a_budget_the_batch_is_always_the_largest():
    sizes = BatchSize(16, None)
    sizes.note(16, 10.0)
    assert sizes.next() == 16


def test_the_first_batch_is_the_largest_then_what_fits_the_budget():
    sizes = BatchSize(16, 0.025)
    assert sizes.next() == 16
    sizes.note(16, 0.16)  # 10 ms an event
    assert sizes.next() == 2


def test_slow_events_still_go_one_at_a_time_and_fast_ones_grow_the_batch_to_the_largest():
    sizes = BatchSize(16, 0.025)
    sizes.note(1, 0.5)
    assert sizes.next() == 1
    for _ in range(30):
        sizes.note(sizes.next(), 0.0001 * sizes.next())
    assert sizes.next() == 16
