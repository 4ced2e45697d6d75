# hostlib/recording.py: the recording format: raw bytes with receive timestamps.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Record what a port sends, exactly as it arrived, and play it back.

The format (``*.hanrec``; plain text, UTF-8, one chunk per line)::

    # hanreader recording v1
    # source: /dev/ttyUSB0 2400 8E1
    # started: 2026-03-01T12:00:00.123456+01:00
    0.000000 7EA0D2410883138
    0.052113 2D6E6E7000F40000000000109...
    2.503880 7EA0...

* line 1 is the magic ``# hanreader recording v1`` (how ``decode`` and
  ``replay`` recognise the file);
* other lines starting with ``#`` are comments (metadata: ``key: value``);
  empty lines are ignored;
* a data line is ``SECONDS HEX``: the receive time in seconds since the
  start of the recording (a decimal number, non-decreasing), one space,
  then the bytes of that read, in hex (upper case, no spaces). Chunks are
  kept as the port delivered them, so a replay reproduces the timing and
  the chunking a reader saw, including garbage and broken frames.

Reading is streamed line by line: a recording of any length replays in
constant memory.
"""

import os
import time
from typing import IO, Any, Callable, Dict, Iterable, Iterator, Mapping, Optional, TextIO, Tuple, Union

MAGIC = "# hanreader recording v1"


class RecordingError(ValueError):
    kind = "recording"

    def __init__(self, message: str, line: Optional[int] = None) -> None:
        ValueError.__init__(self, ("line %d: " % line if line else "") + message)
        self.line = line


class RecordingWriter:
    """Write a recording to a text file object (or a path).

    ``write(data, t=None)``: ``t`` is seconds since the start; by default
    the time since the writer was created (``time.monotonic``).
    """

    def __init__(self, fileobj: Union[str, TextIO], source: Optional[str] = None, started: Optional[str] = None,
                 flush: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self._own = False
        if isinstance(fileobj, str):
            fileobj = open(fileobj, "w", encoding="utf-8", newline="\n")
            self._own = True
        self.f = fileobj
        self.clock = clock
        self.t0 = clock()
        self.flush_each = flush
        self.chunks = 0
        self.bytes = 0
        self._last = 0.0
        if started is None:
            import datetime

            started = datetime.datetime.now().astimezone().isoformat()
        self.f.write(MAGIC + "\n")
        if source:
            self.f.write("# source: %s\n" % source)
        self.f.write("# started: %s\n" % started)
        if self.flush_each:
            self.f.flush()

    def write(self, data: Union[bytes, bytearray, memoryview], t: Optional[float] = None) -> None:
        if not data:
            return
        if t is None:
            t = self.clock() - self.t0
        if t < self._last:
            t = self._last
        self._last = t
        self.f.write("%.6f %s\n" % (t, bytes(data).hex().upper()))
        self.chunks += 1
        self.bytes += len(data)
        if self.flush_each:
            self.f.flush()

    def close(self) -> None:
        try:
            self.f.flush()
        finally:
            if self._own:
                self.f.close()

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_recording(fileobj: Union[str, IO[str], IO[bytes], Iterable[str], Iterable[bytes]], check_magic: bool = True,
                   meta: Optional[Dict[str, str]] = None) -> Iterator[Tuple[float, bytes]]:
    """Yield ``(seconds, bytes)`` for each data line of a recording.

    ``fileobj``: a text or binary file object (any iterable of lines), or a path. Streams: memory
    does not grow with the file. ``meta``: a dict that gets the ``key:
    value`` comments (``source``, ``started``) as they are read.
    """
    own = isinstance(fileobj, str)
    f: Any = open(fileobj, "rb") if isinstance(fileobj, str) else fileobj
    try:
        first = True
        last = 0.0
        for n, line in enumerate(f, 1):
            if isinstance(line, bytes):
                line = line.decode("utf-8", "replace")
            if first:
                first = False
                if line.startswith("\ufeff"):
                    line = line[1:]
                if check_magic and line.rstrip("\r\n") != MAGIC:
                    raise RecordingError("not a hanreader recording: expected %r first" % MAGIC, n)
                continue
            line = line.strip()
            if not line:
                continue
            if line[0] == "#":
                if meta is not None:
                    k, sep, v = line[1:].partition(":")
                    if sep:
                        meta.setdefault(k.strip(), v.strip())
                continue
            t, sep, hx = line.partition(" ")
            try:
                secs = float(t)
            except ValueError:
                raise RecordingError("expected 'SECONDS HEX', found %r" % line[:40], n) from None
            if secs != secs or secs < last - 1e-6:
                raise RecordingError("time %s goes backwards (previous %.6f)" % (t, last), n)
            last = secs
            try:
                data = bytes.fromhex(hx)
            except ValueError:
                raise RecordingError("bad hex after the time: %r" % hx[:40], n) from None
            yield secs, data
    finally:
        if own:
            f.close()


def replay(chunks: Iterable[Tuple[float, bytes]], speed: Optional[float] = 1.0,
           sleep: Callable[[float], Any] = time.sleep, clock: Callable[[], float] = time.monotonic) -> Iterator[bytes]:
    """Yield the chunks of ``read_recording`` at the recorded pace.

    ``speed``: 1.0 = as recorded, 10 = ten times faster; ``None`` or 0 =
    as fast as possible.
    """
    if not speed:
        for _t, data in chunks:
            yield data
        return
    start = None
    for t, data in chunks:
        if start is None:
            start = clock() - t / speed
        delay = start + t / speed - clock()
        if delay > 0:
            sleep(delay)
        yield data


def started_seconds(meta: Optional[Mapping[str, str]]) -> Optional[float]:
    """POSIX seconds of a recording's ``started`` comment (None if absent or
    not an ISO time; a time without offset is taken as this machine's local time)."""
    import datetime

    text = meta.get("started") if meta else None
    if not text:
        return None
    try:
        t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.astimezone()
    return t.timestamp()


def read_metadata(path: Union[str, "os.PathLike[str]"]) -> Dict[str, str]:
    """The ``key: value`` comments at the head of a recording, as a dict."""
    meta = {}
    with open(path, "rb") as f:
        for i, raw in enumerate(f):
            line = raw.decode("utf-8", "replace").strip()
            if i == 0:
                continue
            if not line.startswith("#"):
                break
            k, sep, v = line[1:].partition(":")
            if sep:
                meta[k.strip()] = v.strip()
    return meta
