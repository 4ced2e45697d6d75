# hostlib/aio.py: asyncio variants: ``async for reading in ...``, over the one read loop.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Readings in an asyncio program (Home Assistant integrations and the like).

    import asyncio
    from hostlib import aio

    async def main():
        async with await aio.open_reader("/dev/ttyUSB0") as reader:   # or "tcp://host:port", a file
            async for reading in reader:
                print(reading["active_power_import"], reader.counters())

    asyncio.run(main())

There is no second implementation of ports, sockets or files here: the
sources are ``hostlib.sources``' (``open_source``: the same pty handling,
errors and hints as the command line) and the loop is ``hostlib.reader``'s
``follow`` (the same reconnect loop, backoff and events), run on a worker
thread of its own so the event loop never blocks; the sources read with a
0.5 s timeout, so closing takes at most that long. ``aio.follow(spec)`` is
the reconnecting variant.
"""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator, Callable, Dict, Optional, Union

from protocols.reading import Reading

from .reader import HanReader, follow as _follow
from .sources import Source, open_source

_SOURCE_KW = ("baudrate", "parity", "bytesize", "stopbits", "auto", "timeout", "format", "speed")
_FOLLOW_KW = ("initial_delay", "max_delay", "on_event", "retry_first", "silence")


class AsyncHanReader:
    """Readings from a source (opened by ``opener``) as an async iterator.

    ``reader_kw`` go to ``HanReader`` (``key``, ``auth_key``, ``on_reject``,
    ``format``, ...); ``follow_kw`` to ``hostlib.reader.follow``
    (``reconnect``, ``on_event``, ``silence``, ...). The end of a file ends
    the iteration; a lost port raises ``SourceLost`` unless ``reconnect``.
    """

    def __init__(self, opener: Callable[[], Source], name: str = "source", *, reconnect: bool = False,
                 follow_kw: Optional[Dict[str, Any]] = None, **reader_kw: Any) -> None:
        self.name = name
        self.reader = HanReader(**reader_kw)
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="hanreader")
        self._gen = _follow(opener, self.reader, reconnect=reconnect, stop=self._stop.is_set,
                            sleep=self._stop.wait, **(follow_kw or {}))
        self._closed = False

    def counters(self) -> Dict[str, Union[int, str, None]]:
        """The reader's counters (``HanReader.counters()``)."""
        return self.reader.counters()

    def __aiter__(self) -> "AsyncHanReader":
        return self

    async def __anext__(self) -> Reading:
        if self._closed:
            raise StopAsyncIteration
        loop = asyncio.get_running_loop()
        r = await loop.run_in_executor(self._pool, next, self._gen, None)
        if r is None:
            raise StopAsyncIteration
        return r

    async def close(self) -> None:
        """Stop reading and close the source."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._pool, self._gen.close)
        finally:
            self._pool.shutdown(wait=False)

    async def __aenter__(self) -> "AsyncHanReader":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _split(kw):
    src = {k: v for k, v in kw.items() if k in _SOURCE_KW}
    fol = {k: v for k, v in kw.items() if k in _FOLLOW_KW}
    rest = {k: v for k, v in kw.items() if k not in _SOURCE_KW and k not in _FOLLOW_KW}
    return src, fol, rest


def _opener(spec, source_kw, first):
    def opener():
        if first:
            return first.pop()
        return open_source(spec, **source_kw)
    return opener


async def open_reader(spec: str, *, baudrate: int = 2400, parity: str = "E", **kw: Any) -> AsyncHanReader:
    """Open ``spec`` (serial port, ``tcp://host:port``, a file or ``-``) -> AsyncHanReader.

    The port is opened before this returns, so a wrong name fails here,
    with the same ``SourceError`` (and hint) as ``hostlib.open_source``.
    """
    source_kw, follow_kw, reader_kw = _split(kw)
    source_kw.update(baudrate=baudrate, parity=parity)
    loop = asyncio.get_running_loop()
    src = await loop.run_in_executor(None, lambda: open_source(spec, **source_kw))
    return AsyncHanReader(_opener(spec, source_kw, [src]), spec, follow_kw=follow_kw, **reader_kw)


async def follow(spec: str, *, baudrate: int = 2400, parity: str = "E", **kw: Any) -> AsyncIterator[Reading]:
    """Readings from ``spec`` forever, reopening it with backoff when it is lost.

    An async generator: ``async for reading in aio.follow("tcp://..."):``.
    Keyword arguments as ``open_reader`` plus ``hostlib.reader.follow``'s
    (``initial_delay``, ``max_delay``, ``on_event``, ``retry_first``, ``silence``).
    """
    source_kw, follow_kw, reader_kw = _split(kw)
    source_kw.update(baudrate=baudrate, parity=parity)
    ar = AsyncHanReader(_opener(spec, source_kw, []), spec, reconnect=True, follow_kw=follow_kw, **reader_kw)
    try:
        async for r in ar:
            yield r
    finally:
        await ar.close()
