# hostlib/aio.py: asyncio variants: ``async for reading in ...``.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Readings in an asyncio program (Home Assistant integrations and the like).

    import asyncio
    from hostlib import aio

    async def main():
        async with await aio.open_reader("/dev/ttyUSB0") as reader:   # or "tcp://host:port"
            async for reading in reader:
                print(reading["active_power_import"], reader.counters)

    asyncio.run(main())

Serial ports go through ``pyserial-asyncio-fast`` (2400 8E1 by default,
as ``hostlib.open_serial``), ``tcp://`` through ``asyncio.open_connection``,
files through a small adapter. ``aio.follow(spec)`` is the reconnecting
variant (exponential backoff), as ``hostlib.reader.follow``.
"""

import asyncio

from .reader import HanReader
from .sources import (ConnectionFailed, SourceError, SourceLost, _serial_error,
                      open_file, parse_tcp_url)


class AsyncHanReader:
    """An ``asyncio.StreamReader`` (any byte stream) -> ``async for`` readings.

    ``reader_kw`` go to ``HanReader`` (``key``, ``auth_key``, ``on_reject``,
    ``format``, ...). The framer's counters: ``.counters``.
    End of stream ends the iteration; a lost connection raises SourceLost.
    """

    def __init__(self, stream, writer=None, name="stream", **reader_kw):
        self.stream = stream
        self.writer = writer
        self.name = name
        self.reader = HanReader(**reader_kw)
        self._pending = []

    @property
    def counters(self):
        return self.reader.counters

    def __aiter__(self):
        return self

    async def __anext__(self):
        while not self._pending:
            try:
                data = await self.stream.read(4096)
            except (ConnectionError, OSError) as e:
                raise SourceLost("%s: connection lost (%s)" % (self.name, e)) from None
            if not data:
                self._pending.extend(self.reader.flush())
                if self._pending:
                    break
                raise StopAsyncIteration
            self._pending.extend(self.reader.feed(data))
        return self._pending.pop(0)

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (OSError, ConnectionError):
                pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


class _FileStream:
    """A file Source as a minimal async stream (files are read at disk speed)."""

    def __init__(self, src):
        self.src = src

    async def read(self, n=4096):
        data = self.src.read()
        await asyncio.sleep(0)
        return data or b""


async def open_reader(spec, *, baudrate=2400, parity="E", bytesize=8, stopbits=1, **reader_kw):
    """Open ``spec`` (serial port, ``tcp://host:port``, or a file) -> AsyncHanReader."""
    if spec.startswith("tcp://"):
        host, port = parse_tcp_url(spec)
        try:
            r, w = await asyncio.open_connection(host, port)
        except ConnectionRefusedError:
            raise ConnectionFailed("%s: connection refused" % spec,
                                   "is the server (ser2net, the dongle) running?") from None
        except OSError as e:
            raise ConnectionFailed("%s: %s" % (spec, e.strerror or e)) from None
        return AsyncHanReader(r, w, spec, **reader_kw)
    import os

    if os.path.isfile(spec) or spec == "-":
        src = open_file(spec)
        return AsyncHanReader(_FileStream(src), None, spec, **reader_kw)
    import serial
    import serial_asyncio_fast

    try:
        r, w = await serial_asyncio_fast.open_serial_connection(
            url=spec, baudrate=baudrate, parity=parity, bytesize=bytesize, stopbits=stopbits)
    except serial.SerialException as e:
        raise _serial_error(spec, e) from None
    except OSError as e:
        raise _serial_error(spec, e) from None
    return AsyncHanReader(r, w, spec, **reader_kw)


async def follow(spec, *, initial_delay=1.0, max_delay=30.0, on_event=None, retry_first=False,
                 sleep=asyncio.sleep, **kw):
    """Readings from ``spec`` forever, reopening it with backoff when it is lost.

    An async generator: ``async for reading in aio.follow("tcp://..."):``.
    """
    ev = on_event or (lambda kind, msg: None)
    delay = initial_delay
    ok_once = False
    reader_kw = {k: v for k, v in kw.items() if k not in ("baudrate", "parity", "bytesize", "stopbits")}
    serial_kw = {k: v for k, v in kw.items() if k in ("baudrate", "parity", "bytesize", "stopbits")}
    hr = HanReader(**reader_kw)
    while True:
        try:
            ar = await open_reader(spec, **serial_kw)
        except SourceError as e:
            if not ok_once and not retry_first and not e.retryable:
                raise
            ev("retry", "%s; retrying in %.0f s" % (e.message, delay))
            await sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        ar.reader = hr  # counters survive reconnects
        ev("connected", "%s: %sconnected" % (spec, "re" if ok_once else ""))
        ok_once = True
        try:
            async for r in ar:
                delay = initial_delay
                yield r
            ev("ended", "%s: end of input" % spec)
            if not spec.startswith("tcp://") and ("/" not in spec or not spec.startswith("/dev/")):
                return  # a file: done
        except SourceLost as e:
            hr.reset_stream()
            ev("lost", "%s; reconnecting in %.0f s" % (e.message, delay))
        finally:
            await ar.close()
        await sleep(delay)
        delay = min(delay * 2, max_delay)
