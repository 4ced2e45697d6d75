# protocols/framing.py: what the stream framers (HDLC, M-Bus, P1, bare APDUs) share.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The base of every streaming framer.

A framer owns one buffer, allocated once (``_init_buffer``), and is fed in
slices that fit it: ``feed`` copies as much as fits, lets the subclass's
``_scan(out, final)`` consume complete messages and compact the rest
(``_drop``), and repeats, so a megabyte chunk never grows memory. Counters
are plain attributes named in ``COUNTERS`` (reported, in that order, by
``counters()``); ``REJECTS`` names those that count rejected messages.

Byte accounting: every byte fed is either inside an accepted message or
counted in ``discarded`` (once the framer has decided about it; ``held()``
bytes are still undecided).

``flush()`` ends the input: ``_scan(out, True)`` judges what is left as if
no byte will follow (a message cut short is reported ``truncated`` and the
scan goes on from the byte after its start, so messages inside a length
that claimed too much are still found), and returns the messages found.

Positions: ``_fed`` counts the bytes fed; while ``_spans`` is a list (the
``Reader`` detecting the protocol, protocols/sniff.py) a framer records the
(start, end) of each message it returns, in its own byte count, so the
detector can compare framers by where their messages lie in the stream,
whatever the chunking.

Work per byte: a rejected candidate may cost a checksum over up to a
frame's length before the scan resumes one byte later; ``_afford`` keeps
the total of that wasted work below ``WORK`` bytes per byte scanned (plus
a burst of ``WORK_BURST``), so crafted input cannot cost more than a few
times a normal frame per byte. Real streams never come near the limit.
"""

# Names for the type hints, for type checkers only: MicroPython compiles this
# block away and ignores annotations. Before the first import, so that no
# function's bytecode changes (tools/fw-mem).
if False:
    from typing import Any, Callable  # noqa: F401

    from .errors import HanError  # noqa: F401

WORK = 4  # checksum bytes of rejected candidates allowed per byte of input
WORK_BURST = 8192  # and this many at once (four rejected 2 KB frames)


class Framer:
    COUNTERS = ("accepted", "discarded")  # type: tuple[str, ...]
    REJECTS = ()  # type: tuple[str, ...]
    on_reject = None  # type: Callable[[HanError], Any] | None
    _spans = None  # [(start, end)] of returned messages while tracked
    _seg_at = -1  # position of the first byte of a partial (segmented) message

    def _init_buffer(self, size):
        self._buf = bytearray(size)
        self._mv = memoryview(self._buf)
        self._n = 0  # bytes held
        self._fed = 0  # bytes fed in all
        self._credit = WORK_BURST
        self._credit_at = 0
        self.reset_counters()

    def reset_counters(self):
        for name in self.COUNTERS:
            setattr(self, name, 0)

    @property
    def rejected(self):
        total = 0
        for name in self.REJECTS:
            total += getattr(self, name)
        return total

    def counters(self):
        """The counters as (name, value) pairs, in a fixed order."""
        return [(name, getattr(self, name)) for name in self.COUNTERS]

    def feed(self, data):
        """Add bytes (any amount); return the messages completed by them."""
        out = []
        n = len(data)
        i = 0
        src = memoryview(data)
        room = len(self._buf)
        while i < n:
            k = room - self._n
            if k > n - i:
                k = n - i
            self._mv[self._n : self._n + k] = src[i : i + k]
            self._n += k
            self._fed += k
            i += k
            self._scan(out)
        return out

    def flush(self):
        """End of input: judge what is held (see the module doc); return the
        messages still found in it. The buffer is empty afterwards."""
        out = []
        self._scan(out, True)
        self.discarded += self._n  # (nothing is left by a final scan)
        self._n = 0
        self._end()
        return out

    def _end(self):
        """Subclasses: forget partial state at the end of input."""

    def _scan(self, out, final=False):  # pragma: no cover (every framer has its own)
        raise NotImplementedError

    def _reject(self, err):
        cb = self.on_reject
        if cb is not None:
            cb(err)

    def _hunt(self, marker, p):
        """Index of the next ``marker`` at or after ``p``, counting the bytes
        skipped as discarded; -1 (everything counted) when there is none."""
        n = self._n
        q = self._buf.find(marker, p, n)
        if q < 0:
            self.discarded += n - p
            return -1
        self.discarded += q - p
        return q

    def _drop(self, p):
        """Discard the first ``p`` bytes held, keeping the rest at the start."""
        if p:
            n = self._n
            self._mv[0 : n - p] = self._mv[p:n]
            self._n = n - p

    # -- positions and work ---------------------------------------------------

    def pos(self, i):
        """Position (in bytes fed) of buffer index ``i``."""
        return self._fed - self._n + i

    def _span(self, a, b):
        """The message just returned lay at buffer indexes [a, b)."""
        s = self._spans
        if s is not None:
            sa = self._seg_at
            s.append((sa if sa >= 0 else self.pos(a), self.pos(b)))

    def _afford(self, end, cost):
        """True if a check of ``cost`` bytes for a candidate ending at buffer
        index ``end`` fits the work budget (``_spend`` it if the check fails)."""
        at = self.pos(end)
        if at > self._credit_at:
            c = self._credit + WORK * (at - self._credit_at)
            self._credit = c if c < WORK_BURST else WORK_BURST
            self._credit_at = at
        return cost <= self._credit

    def _spend(self, cost):
        self._credit -= cost


# -- signatures: where M-Bus and P1 messages start (the framers and protocols/sniff.py)


def is_p1_header(buf, p, n):
    """True if buf[p:n] starts like a P1 telegram header ``/XXXZ`` (as far as
    it goes): three letters (FLAG id) and the baud-rate digit, or another
    printable byte but '/' (``/NWA-WARMTELINK``)."""
    if p >= n or buf[p] != 0x2F:
        return False
    for i in range(1, 4):
        if p + i >= n:
            return True
        c = buf[p + i]
        if not (0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A):
            return False
    if p + 4 < n:
        c = buf[p + 4]
        if c < 0x21 or c > 0x7E or c == 0x2F:  # the baud-rate digit (or '-')
            return False
    return True


def is_mbus_start(buf, p, n):
    """True if buf[p:n] holds an M-Bus long-frame start ``68 L L 68``."""
    return p + 4 <= n and buf[p] == 0x68 and buf[p + 3] == 0x68 and buf[p + 1] == buf[p + 2]
