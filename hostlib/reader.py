# hostlib/reader.py: any byte source in, readings out; reconnect with backoff.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The host's reader.

    from hostlib import HanReader, open_source

    with open_source("/dev/ttyUSB0") as src:
        reader = HanReader(src)
        for reading in reader:                 # forever on a port, to the end of a file
            print(reading["active_power_import"], reader.counters)

``HanReader`` wraps ``protocols.Reader`` (the device's code: HDLC framer,
APDU, dialects) and exposes its counters (``accepted``, ``hcs_errors``,
``fcs_errors``, ``length_errors``, ``truncated``, ``decode_errors``, ...)
as a dict. The core detects the protocol (HDLC, M-Bus, P1, bare APDUs);
``format="hdlc"`` (etc.) fixes it. With ``format="dongle"`` it parses the
dongle's JSON lines instead, and ``"auto"`` (the default) also accepts
those, whichever the stream turns out to be.

``follow(opener)`` keeps reading across a port that disappears and comes
back: it reopens with exponential backoff (1 s, 2 s, 4 s ... 30 s) and
reports each event through ``on_event``.
"""

import time
from collections import deque

from protocols.decoder import Reader as _CoreReader

from .dongle import DongleParser, DongleStatus
from .sources import SourceError, SourceLost

FORMATS = ("auto", "hdlc", "mbus", "p1", "apdu", "dongle")
_PRE_LOCK_KEEP = 64

_REJECT_COUNTERS = ("hcs_errors", "fcs_errors", "checksum_errors", "length_errors", "oversize",
                    "truncated", "format_errors", "decode_errors")


class HanReader:
    """Bytes (fed, or read from ``source``) -> ``Reading`` objects.

    ``key``/``auth_key``: AES-128 keys (hex or bytes) for ciphered meters;
    or pass ``decrypt`` (a callable, see ``protocols.decoder``).
    ``on_reject(err)``: called with every rejected frame's ``HanError``
    (``err.kind``: ``hcs``, ``fcs``, ``length``, ``truncated``, ...).
    ``on_status(status)``: dongle status lines (``format`` dongle/auto).
    """

    def __init__(self, source=None, *, key=None, auth_key=None, decrypt=None, on_reject=None,
                 on_status=None, on_frame=None, format="auto", max_frame=2049, keep_rejects=20):
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
        self.rejects = deque(maxlen=keep_rejects)  # the last rejected frames' errors
        self.bytes_in = 0
        self.last_reading_at = None

    # -- counters ------------------------------------------------------------
    @property
    def framer(self):
        return self.core.framer

    @property
    def counters(self):
        """All counters as a dict (framer's, decode errors, readings, bytes)."""
        d = dict(self.core.counters())
        d["rejected"] = sum(d.get(k, 0) for k in _REJECT_COUNTERS)
        d["protocol"] = self.core.protocol
        d["bytes"] = self.bytes_in
        if self.dongle is not None:
            for k, v in self.dongle.counters():
                d["dongle_" + k] = v
            d["readings"] += self.dongle.readings
        return d

    def _reject(self, err):
        self.rejects.append(err)
        if self.user_on_reject is not None:
            self.user_on_reject(err)

    # -- feeding ---------------------------------------------------------------
    def feed(self, data):
        """Add bytes; return the readings they complete."""
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

    def flush(self):
        """End of input: report a frame left incomplete (``truncated``)."""
        out = []
        if self.format != "dongle":
            out = self.core.flush()  # frames found in what was left (a cut-short claim)
        if self.dongle is not None:
            out += self._dongle_items(self.dongle.flush())
        return out

    def reset_stream(self):
        """Forget a partial frame (after a reconnect); it is counted as truncated."""
        self.flush()

    # -- iteration -------------------------------------------------------------
    def __iter__(self):
        return self.readings()

    def readings(self, source=None):
        """Readings from ``source`` (default: the one given at creation) until it ends."""
        src = source or self.source
        if src is None:
            raise ValueError("no source: pass one, or use feed()")
        while True:
            data = src.read()
            if data is None:
                for r in self.flush():
                    yield r
                return
            if data:
                for r in self.feed(data):
                    yield r


def follow(opener, reader=None, *, initial_delay=1.0, max_delay=30.0, on_event=None,
           sleep=time.sleep, retry_first=False, stop=None):
    """Readings from ``opener()``'s source, reopening it when it is lost.

    ``opener``: a callable returning a Source (e.g.
    ``lambda: open_source("/dev/ttyUSB0")``). ``reader``: a HanReader
    (one is made if None); its counters survive reconnects.
    ``on_event(kind, message)``: ``"connected"``, ``"lost"``, ``"retry"``
    (with the delay in the message), ``"ended"``.
    ``retry_first``: keep trying when the very first open fails (otherwise
    that error is raised: a mistyped port name should fail at once).
    ``stop()``: return True to end (checked between reads).

    Files end the generator; live sources are reopened with exponential
    backoff starting at ``initial_delay`` and capped at ``max_delay``.
    """
    if reader is None:
        reader = HanReader()
    ev = on_event or (lambda kind, msg: None)
    delay = initial_delay
    connected_once = False
    while True:
        if stop is not None and stop():
            return
        try:
            src = opener()
        except SourceError as e:
            if not connected_once and not retry_first and not e.retryable:
                raise
            ev("retry", "%s; retrying in %.0f s" % (e.message, delay))
            sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        if connected_once:
            ev("connected", "%s: reconnected" % src.name)
        else:
            ev("connected", "%s: connected" % src.name)
        connected_once = True
        try:
            while True:
                if stop is not None and stop():
                    return
                data = src.read()
                if data is None:
                    for r in reader.flush():
                        yield r
                    ev("ended", "%s: end of input" % src.name)
                    return
                if data:
                    delay = initial_delay  # data flowed: the next loss starts over
                    for r in reader.feed(data):
                        yield r
        except SourceLost as e:
            reader.reset_stream()
            ev("lost", "%s; reconnecting in %.0f s" % (e.message, delay))
            sleep(delay)
            delay = min(delay * 2, max_delay)
        finally:
            src.close()
