"""Parse many messages in worker processes, each message under a time limit (`mail.timeout`).

A result is ("ok", ParsedMail) or ("error", the reason): a parser failure, a timeout or a dead
worker costs only the messages it held. The parser module is imported only when something is
parsed, so a run with nothing new never loads it.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any, Generic, TypeVar

from tix import messages as msg

Result = tuple[str, Any]  # ("ok", ParsedMail) | ("error", reason)
PART = 20  # messages a worker is given at a time: small, so the two finish about together
AHEAD = 6  # parts parsed or being parsed ahead of the caller (memory: AHEAD * PART messages)
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

    def parse_all(self, jobs: Iterable[tuple[T, bytes]]) -> Iterator[tuple[T, Result]]:
        """Each (tag, raw message) given back with its result, in order. Fewer than 16 messages
        are parsed inline; more on the worker processes, ahead of the caller."""
        source = iter(jobs)
        first = list(islice(source, 16))
        if first:
            import tix.mail.parse  # noqa: F401  once, here, before the workers fork
        if len(first) < 16 or (os.cpu_count() or 1) < 2:
            for tag, raw in chain(first, source):
                yield tag, _parse_job(self._job(raw), self.prepare)
            return
        if self._pool is None:
            self._pool = _Workers(min(os.cpu_count() or 2, 4), self.prepare)
        finished = False
        try:
            yield from self._pool.stream((tag, self._job(raw)) for tag, raw in chain(first, source))
            finished = True
        finally:
            if not finished:  # left midway: parts still in flight would answer the next call
                self.close()
                self._pool = None

    def _job(self, raw: bytes) -> tuple[bytes, list[str], int, float]:
        return raw, self.fallbacks, self.max_attachment, self.timeout

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

    def stream(self, jobs: Iterator[tuple[T, Any]]) -> Iterator[tuple[T, Result]]:
        """The jobs' results in order. Parts of PART jobs go to whichever worker is free, at most
        AHEAD parts ahead of the caller; between two of the caller's messages the workers that
        have answered are read and given their next part, so none waits for the slowest one
        or for the caller. A worker is sent a part only when it holds none: it is then reading,
        so no pipe fills both ways."""
        import select

        ahead: deque[_Part[T]] = deque()
        held: dict[int, _Part[T]] = {}  # worker number -> the part it is parsing
        idle = list(range(len(self._workers)))
        poller = select.poll()
        numbers: dict[int, int] = {}  # pipe fd -> worker number

        def watch(number: int) -> None:
            fd = self._workers[number][1].fileno()
            numbers[fd] = number
            poller.register(fd, select.POLLIN)

        def give() -> None:
            while idle and len(ahead) < AHEAD:
                part = list(islice(jobs, PART))
                if not part:
                    return
                number = idle.pop()
                try:
                    self._workers[number][1].send([job for _, job in part])
                except OSError:  # it died after its last answer was read: a fresh one parses the part
                    poller.unregister(self._workers[number][1].fileno())
                    numbers.pop(self._workers[number][1].fileno(), None)
                    self._restart(number)
                    watch(number)
                    self._workers[number][1].send([job for _, job in part])
                held[number] = _Part([tag for tag, _ in part])
                ahead.append(held[number])

        def take(timeout: int) -> None:
            for fd, _ in poller.poll(timeout):
                number = numbers.pop(fd)
                poller.unregister(fd)
                part = held.pop(number, None)
                try:
                    results = self._workers[number][1].recv()
                except (EOFError, OSError):  # the process died (killed, out of memory): its messages wait in quarantine
                    results = [("error", msg.parser_died())] * (len(part.tags) if part else 0)
                    self._restart(number)
                watch(number)
                if part is not None:  # a worker that held nothing (it died idle: its pipe closed) is in `idle` already
                    part.results = results
                    idle.append(number)

        for number in range(len(self._workers)):
            watch(number)
        give()
        while ahead:
            while ahead[0].results is None:
                take(-1)
                give()
            part = ahead.popleft()
            for tag, result in zip(part.tags, part.results or [], strict=True):
                take(0)
                give()
                yield tag, result

    def _restart(self, number: int) -> None:
        process, connection = self._workers[number]
        connection.close()
        process.join(1)
        self._workers[number] = self._start()

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


class _Part(Generic[T]):
    """Messages a worker was given: their tags, and its results once it sent them."""

    def __init__(self, tags: list[T]) -> None:
        self.tags = tags
        self.results: list[Result] | None = None


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
