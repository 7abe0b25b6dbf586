"""Parse many messages in worker processes, each message under a time limit (`mail.timeout`).

A result is ("ok", ParsedMail) or ("error", the reason): a parser failure, a timeout or a dead
worker costs only the messages it held. The parser module is imported only when something is
parsed, so a run with nothing new never loads it.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from tix import messages as msg

Result = tuple[str, Any]  # ("ok", ParsedMail) | ("error", reason)
T = TypeVar("T")


Prepare = Callable[[bytes, Any], Any]  # (raw, ParsedMail) -> ParsedMail.prepared


def _parse_job(job: tuple[bytes, list[str], int, float], prepare: Prepare | None = None) -> Result:
    """Parse one message under a time limit (runs in a worker process or inline), then let
    `prepare` add what the caller wants made of it on the same core."""
    from tix.mail.parse import parse

    raw, fallbacks, max_attachment, timeout = job

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            mail = parse(raw, fallbacks, max_attachment)
            if prepare is not None:
                mail.prepared = prepare(raw, mail)
            return "ok", mail
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except TimeoutError:
        return "error", msg.parse_timed_out(timeout)
    except Exception as exc:  # noqa: BLE001  any parser failure quarantines this message only
        return "error", msg.parse_failed(f"{type(exc).__name__}: {exc}")
    finally:
        signal.signal(signal.SIGALRM, previous)


class Parsers:
    """Parses lists of messages: a small list inline, a larger one on worker processes (started
    on first use, at most four) while the caller goes on with other work. `prepare`, given,
    runs on each parsed message where it was parsed (its result: `ParsedMail.prepared`)."""

    def __init__(self, fallbacks: list[str], max_attachment: int, timeout: float, prepare: Prepare | None = None) -> None:
        self.fallbacks, self.max_attachment, self.timeout = fallbacks, max_attachment, timeout
        self.prepare = prepare
        self._pool: _Workers | None = None

    def submit(self, raws: list[bytes]) -> _Parsing | _Done:
        """Start parsing; the result's `get()` gives a result per message, in order."""
        if raws:
            import tix.mail.parse  # noqa: F401  once, here, before the workers fork

        jobs = [(raw, self.fallbacks, self.max_attachment, self.timeout) for raw in raws]
        if len(jobs) < 16 or (os.cpu_count() or 1) < 2:
            return _Done([_parse_job(job, self.prepare) for job in jobs])
        if self._pool is None:
            self._pool = _Workers(min(os.cpu_count() or 2, 4), self.prepare)
        return self._pool.submit(jobs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


def _parser_loop(connection: Any, inherited: list[Any], prepare: Prepare | None) -> None:
    """A parser process: parse each list of jobs it is sent, send back the results. It ends when
    the importer does, even by kill -9 (its pipe closes), and never outlives it holding the
    helpdesk lock it inherited."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importer's to handle
    for other in inherited:  # the other workers' pipes: held here, they would never see the importer go
        other.close()
    _die_with_parent()
    while True:
        try:
            jobs = connection.recv()
        except (EOFError, OSError):
            return
        connection.send([_parse_job(job, prepare) for job in jobs])


class _Workers:
    """Parser processes fed and read by the importer's own thread. (multiprocessing.Pool's helper
    threads, pickling and unpickling beside it, made every SQLite query and file call of the
    filing wait for the GIL: a point query took ~120 µs instead of ~5.)"""

    def __init__(self, count: int, prepare: Prepare | None) -> None:
        import multiprocessing

        self.prepare = prepare  # inherited by each process at its fork, never pickled
        self._context = multiprocessing.get_context("fork")
        self._workers: list[tuple[Any, Any]] = []
        for _ in range(count):
            self._workers.append(self._start())

    def _start(self) -> tuple[Any, Any]:
        mine, theirs = self._context.Pipe()
        inherited = [connection for _, connection in self._workers]
        process = self._context.Process(target=_parser_loop, args=(theirs, inherited, self.prepare), daemon=True)
        process.start()
        theirs.close()
        return process, mine

    def submit(self, jobs: list[Any]) -> _Parsing:
        size = -(-len(jobs) // len(self._workers))
        parts = [jobs[i : i + size] for i in range(0, len(jobs), size)]
        for (_, connection), part in zip(self._workers, parts, strict=False):  # fewer parts than workers for a small chunk
            connection.send(part)
        return _Parsing(self, [len(part) for part in parts])

    def collect(self, sizes: list[int]) -> list[Result]:
        results: list[Result] = []
        for number, size in enumerate(sizes):
            process, connection = self._workers[number]
            try:
                results += connection.recv()
            except (EOFError, OSError):  # the process died (killed, out of memory): its messages wait in quarantine
                results += [("error", msg.parser_died())] * size
                connection.close()
                process.join(1)
                self._workers[number] = self._start()
        return results

    def close(self) -> None:
        for process, connection in self._workers:
            connection.close()
            process.terminate()
        for process, _ in self._workers:
            process.join(1)


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies (PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere the closed pipe ends it


class _Parsing:
    """A list being parsed; `get()` waits for its results, in the order of its jobs."""

    def __init__(self, workers: _Workers, sizes: list[int]) -> None:
        self.workers, self.sizes = workers, sizes

    def get(self) -> list[Result]:
        return self.workers.collect(self.sizes)


class _Done:
    """A list parsed inline, with the interface of _Parsing."""

    def __init__(self, results: list[Result]) -> None:
        self.results = results

    def get(self) -> list[Result]:
        return self.results


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """The items in lists of `size` (the last one shorter)."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
