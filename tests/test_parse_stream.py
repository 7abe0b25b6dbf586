"""The import's parse workers (mail/workers.Parsers.parse_all): results in the caller's order,
the workers fed part by part as they answer, and a bounded read-ahead."""

from __future__ import annotations

from collections.abc import Iterator

from conftest import make_eml

from tix.mail.workers import AHEAD, PART, Parsers


def _mail(count: int) -> list[tuple[int, bytes]]:
    # sizes that differ a lot, so one worker's part takes much longer than the other's
    return [(n, make_eml(subject=f"Question {n}", message_id=f"<q{n}@x>", body="Dzień dobry.\n" * (1 + (n % 7) * 400)))
            for n in range(count)]  # fmt: skip


def test_every_result_comes_back_with_its_own_message_in_order() -> None:
    parsers = Parsers(["cp1250"], 10 << 20, 30.0)
    try:
        got = list(parsers.parse_all(_mail(150)))
        assert parsers._pool is not None  # worker processes, not inline
        assert [tag for tag, _ in got] == list(range(150))
        assert all(status == "ok" and mail.subject == f"Question {tag}" for tag, (status, mail) in got)
        small = list(parsers.parse_all(_mail(5)))  # a few: inline, the workers kept for the next long run
        assert [mail.subject for _, (_, mail) in small] == [f"Question {n}" for n in range(5)]
    finally:
        parsers.close()


def test_the_workers_read_only_a_bounded_way_ahead_of_the_caller() -> None:
    pulled = 0

    def jobs() -> Iterator[tuple[int, bytes]]:
        nonlocal pulled
        for tag, raw in _mail(300):
            pulled += 1
            yield tag, raw

    parsers = Parsers(["cp1250"], 10 << 20, 30.0)
    try:
        most = 0
        for consumed, _ in enumerate(parsers.parse_all(jobs()), start=1):
            most = max(most, pulled - consumed)
        assert consumed == pulled == 300
        assert most <= (AHEAD + 1) * PART  # memory stays flat however long the run
    finally:
        parsers.close()


def test_a_run_left_midway_leaves_nothing_to_confuse_the_next() -> None:
    parsers = Parsers(["cp1250"], 10 << 20, 30.0)
    try:
        for tag, _ in parsers.parse_all(_mail(100)):
            if tag == 30:
                break
        again = list(parsers.parse_all(_mail(60)))
        assert [mail.subject for _, (_, mail) in again] == [f"Question {n}" for n in range(60)]
    finally:
        parsers.close()


def test_a_worker_that_dies_holding_nothing_is_replaced_and_no_message_is_lost_or_reordered() -> None:
    import os
    import signal
    import time

    parsers = Parsers(["cp1250"], 10 << 20, 30.0)
    try:
        got = []
        for tag, result in parsers.parse_all(_mail(200)):
            got.append((tag, result[0], result[1].subject if result[0] == "ok" else result[1]))
            if tag < 30:
                time.sleep(0.02)  # the workers run ahead and wait, holding nothing
            if tag == 30:
                assert parsers._pool is not None
                os.kill(parsers._pool._workers[0][0].pid, signal.SIGKILL)
                time.sleep(0.3)
        assert got == [(n, "ok", f"Question {n}") for n in range(200)]  # each its own message's result
    finally:
        parsers.close()
