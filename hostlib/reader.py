# hostlib/reader.py: any byte source in, readings out: the one read loop and reconnect loop.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The host's reader.

    from hostlib import HanReader, open_source

    with open_source("/dev/ttyUSB0") as src:
        reader = HanReader(src)
        for reading in reader:                 # forever on a port, to the end of a file
            print(reading["active_power_import"], reader.counters())

``HanReader`` wraps ``protocols.Reader`` (the device's code: framers,
APDU, dialects); ``counters()`` gives both readers' counters as a dict
(``accepted``, ``hcs_errors``, ``fcs_errors``, ``length_errors``,
``truncated``, ``decode_errors``, ... plus ``rejected``, ``protocol`` and
``bytes``). The core detects the protocol (HDLC, M-Bus, P1, bare APDUs);
``format="hdlc"`` (etc.) fixes it. With ``format="dongle"`` it parses the
dongle's JSON lines instead, and ``"auto"`` (the default) also accepts
those, whichever the stream turns out to be.

There is one read loop and one reconnect loop, ``chunks()``: ``read``,
``record``, the live view, ``HanReader.readings`` and the asyncio API all
run it. ``follow(opener)`` turns its chunks into readings, reopens a port
that disappears and comes back with exponential backoff (1 s, 2 s, 4 s ...
30 s), says so through ``on_event``, and says once when no frame has come
for ``silence`` seconds, and again when frames return.
"""

import time
from collections import deque
from typing import Any, Callable, Deque, Dict, Generator, Iterator, List, Optional, Tuple, Union

from protocols.decoder import Reader as _CoreReader
from protocols.errors import HanError
from protocols.framing import Framer
from protocols.reading import Reading

from .dongle import DongleParser, DongleStatus
from .sources import Source, SourceError, SourceLost

FORMATS = ("auto", "hdlc", "mbus", "p1", "apdu", "dongle")
_PRE_LOCK_KEEP = 64

_REJECT_COUNTERS = ("hcs_errors", "fcs_errors", "checksum_errors", "length_errors", "oversize",
                    "truncated", "format_errors", "decode_errors")

Opener = Callable[[], Source]
EventCallback = Callable[[str, str], Any]


class HanReader:
    """Bytes (fed, or read from ``source``) -> ``Reading`` objects.

    ``key``/``auth_key``: AES-128 keys (hex or bytes) for ciphered meters;
    or pass ``decrypt`` (a callable, see ``protocols.decoder``).
    ``on_reject(err)``: called with every rejected frame's ``HanError``
    (``err.kind``: ``hcs``, ``fcs``, ``length``, ``truncated``, ...).
    ``on_status(status)``: dongle status lines (``format`` dongle/auto).
    ``on_frame(frame)``: every verified frame, of any protocol.
    """

    def __init__(self, source: Optional[Source] = None, *, key: Union[str, bytes, None] = None,
                 auth_key: Union[str, bytes, None] = None, decrypt: Optional[Callable] = None,
                 on_reject: Optional[Callable[[HanError], Any]] = None,
                 on_status: Optional[Callable[[DongleStatus], Any]] = None,
                 on_frame: Optional[Callable[[Any], Any]] = None, format: str = "auto",
                 max_frame: int = 2049, keep_rejects: int = 20) -> None:
        if format not in FORMATS:
            raise ValueError("format must be one of %s" % ", ".join(FORMATS))
        if decrypt is None and key is not None:
            from .decode import _keyed_decryptor

            decrypt = _keyed_decryptor(key, auth_key)
        self.source = source
        self.user_on_reject = on_reject
        self.on_status = on_status
        self.format = format
        proto = format if format not in ("auto", "dongle") else "auto"
        # Rejects seen before the protocol locks: up to 64 per framer are
        # held and reported at the lock, or at flush() if nothing locked.
        self.core = _CoreReader(decrypt=decrypt, on_reject=self._reject, max_frame=max_frame,
                                on_frame=on_frame, protocol=proto, pending=_PRE_LOCK_KEEP)
        self.dongle = DongleParser() if format in ("dongle", "auto") else None
        self.rejects: Deque[HanError] = deque(maxlen=keep_rejects)  # the last rejected frames' errors
        self.bytes_in = 0
        self.last_reading_at: Optional[float] = None

    # -- counters ------------------------------------------------------------
    @property
    def framer(self) -> Framer:
        return self.core.framer

    def counters(self) -> Dict[str, Union[int, str, None]]:
        """All counters as a dict, as ``protocols.Reader.counters()`` gives
        them, plus ``rejected`` (their sum), ``protocol``, ``bytes`` and the
        dongle parser's (``dongle_readings`` ...)."""
        c = self.core.counters()
        d: Dict[str, Union[int, str, None]] = dict(c)
        d["rejected"] = sum(c.get(k, 0) for k in _REJECT_COUNTERS)
        d["protocol"] = self.core.protocol
        d["bytes"] = self.bytes_in
        if self.dongle is not None:
            for k, v in self.dongle.counters():
                d["dongle_" + k] = v
            d["readings"] = c["readings"] + self.dongle.readings
        return d

    def _reject(self, err):
        self.rejects.append(err)
        if self.user_on_reject is not None:
            self.user_on_reject(err)

    # -- feeding ---------------------------------------------------------------
    def feed(self, data: bytes, received: Optional[float] = None) -> List[Reading]:
        """Add bytes; return the readings they complete. ``received``: when
        they arrived (POSIX seconds), given to the readings as ``received_at``
        (a dongle's JSON line that carries its own keeps it)."""
        self.bytes_in += len(data)
        out = []
        if self.format != "dongle":
            out = self.core.feed(data)
        if self.dongle is not None:
            items = self.dongle.feed(data)
            out.extend(self._dongle_items(items))
            if self.format == "auto" and (self.core.readings or self.dongle.readings):
                # The stream has shown what it is: stop running the other parser.
                if self.dongle.readings and not self.core.readings:
                    self.format = "dongle"
                else:
                    self.format = "meter"
                    self.dongle = None
        if out:
            self.last_reading_at = time.monotonic()
            if received is not None:
                for r in out:
                    if r.received_text is None:  # a dongle's own receive time is kept
                        r.received_at = received
        return out

    def _dongle_items(self, items):
        out = []
        for it in items:
            if isinstance(it, DongleStatus):
                if self.on_status is not None:
                    self.on_status(it)
            else:
                out.append(it)
        return out

    def flush(self) -> List[Reading]:
        """End of input: report a frame left incomplete (``truncated``)."""
        out = []
        if self.format != "dongle":
            out = self.core.flush()  # frames found in what was left (a cut-short claim)
        if self.dongle is not None:
            out += self._dongle_items(self.dongle.flush())
        return out

    def reset_stream(self) -> None:
        """Forget a partial frame (after a reconnect); it is counted as truncated."""
        self.flush()

    # -- iteration -------------------------------------------------------------
    def __iter__(self) -> Iterator[Reading]:
        return self.readings()

    def readings(self, source: Optional[Source] = None) -> Iterator[Reading]:
        """Readings from ``source`` (default: the one given at creation) until it ends."""
        src = source or self.source
        if src is None:
            raise ValueError("no source: pass one, or use feed()")
        return follow(lambda: src, self, reconnect=False, close=False)


def chunks(opener: Opener, *, reconnect: bool = True, initial_delay: float = 1.0, max_delay: float = 30.0,
           on_event: Optional[EventCallback] = None, sleep: Callable[[float], Any] = time.sleep,
           retry_first: bool = False, stop: Optional[Callable[[], bool]] = None,
           on_lost: Optional[Callable[[], Any]] = None,
           close: bool = True) -> Generator[Tuple[Source, bytes], None, None]:
    """The read loop and the reconnect loop: ``(source, data)`` for every read.

    ``data`` is ``b""`` when nothing arrived within the source's timeout (so
    a caller can look at the clock), never None: the end of a file ends the
    generator (after an ``"ended"`` event). ``source.received`` is the time
    the chunk arrived. A lost live source is reopened with ``opener()``,
    with exponential backoff from ``initial_delay`` up to ``max_delay``
    (``reconnect=False``: ``SourceLost`` is raised instead); ``on_lost()``
    is called first. Events ``on_event(kind, message)``: ``connected``,
    ``lost``, ``retry``, ``ended``. ``retry_first``: keep trying when the
    very first open fails (otherwise its error is raised: a mistyped port
    name fails at once). ``stop()``: True ends the loop (checked between reads).
    """
    ev = on_event or (lambda kind, msg: None)
    delay = initial_delay
    connected_once = False
    while True:
        if stop is not None and stop():
            return
        try:
            src = opener()
        except SourceError as e:
            if not reconnect or (not connected_once and not retry_first and not e.retryable):
                raise
            ev("retry", "%s; retrying in %.0f s" % (e.message, delay))
            sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        ev("connected", "%s: %sconnected" % (src.name, "re" if connected_once else ""))
        connected_once = True
        try:
            while True:
                if stop is not None and stop():
                    return
                data = src.read()
                if data is None:
                    ev("ended", "%s: end of input" % src.name)
                    return
                if data:
                    delay = initial_delay  # data flowed: the next loss starts over
                yield src, data
        except SourceLost as e:
            if on_lost is not None:
                on_lost()
            if not reconnect:
                raise
            ev("lost", "%s; reconnecting in %.0f s" % (e.message, delay))
            sleep(delay)
            delay = min(delay * 2, max_delay)
        finally:
            if close:
                src.close()


def follow(opener: Opener, reader: Optional[HanReader] = None, *, initial_delay: float = 1.0,
           max_delay: float = 30.0, on_event: Optional[EventCallback] = None,
           sleep: Callable[[float], Any] = time.sleep, retry_first: bool = False,
           stop: Optional[Callable[[], bool]] = None, reconnect: bool = True, silence: Optional[float] = None,
           clock: Callable[[], float] = time.monotonic, close: bool = True) -> Generator[Reading, None, None]:
    """Readings from ``opener()``'s source, reopening it when it is lost.

    ``opener``: a callable returning a Source (e.g.
    ``lambda: open_source("/dev/ttyUSB0")``). ``reader``: a HanReader
    (one is made if None); its counters survive reconnects. The loop and
    its arguments are ``chunks()``'s. ``silence``: seconds without a
    reading after which ``on_event("silent", ...)`` is said once, and
    ``on_event("resumed", ...)`` when readings return.
    Files end the generator (after the reader's flush).
    """
    if reader is None:
        reader = HanReader()
    user_ev = on_event or (lambda kind, msg: None)
    ended = []

    def ev(kind, msg):
        if kind == "ended":
            ended.append(msg)
        user_ev(kind, msg)

    last = clock()
    quiet = False
    name = "?"
    for src, data in chunks(opener, reconnect=reconnect, initial_delay=initial_delay, max_delay=max_delay,
                            on_event=ev, sleep=sleep, retry_first=retry_first, stop=stop,
                            on_lost=reader.reset_stream, close=close):
        name = src.name
        if data:
            out = reader.feed(data, getattr(src, "received", None))
            if out:
                now = clock()
                if quiet:
                    ev("resumed", "%s: frames again after %s" % (name, _duration(now - last)))
                    quiet = False
                last = now
                for r in out:
                    yield r
        if silence is not None and not quiet and clock() - last >= silence:
            quiet = True
            ev("silent", "%s: no frame for %s (is the meter connected and sending?)" % (name, _duration(silence)))
    if ended:  # the end of a file (not a stop): a frame left incomplete is reported
        for r in reader.flush():
            yield r


def _duration(s):
    s = int(round(s))
    if s < 120:
        return "%d s" % s
    if s < 7200:
        return "%d min %02d s" % (s // 60, s % 60)
    return "%d h %02d min" % (s // 3600, s % 3600 // 60)
