# protocols/framing.py: what the stream framers (HDLC, M-Bus, P1) share.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The base of every streaming framer.

A framer owns one buffer, allocated once (``_init_buffer``), and is fed in
slices that fit it: ``feed`` copies as much as fits, lets the subclass's
``_scan(out)`` consume complete messages and compact the rest (``_drop``),
and repeats, so a megabyte chunk never grows memory. Counters are plain
attributes named in ``COUNTERS`` (reported, in that order, by
``counters()``); ``REJECTS`` names those that count rejected messages.
"""


class Framer:
    COUNTERS = ("accepted", "discarded")
    REJECTS = ()
    on_reject = None

    def _init_buffer(self, size):
        self._buf = bytearray(size)
        self._mv = memoryview(self._buf)
        self._n = 0  # bytes held
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
            i += k
            self._scan(out)
        return out

    def _scan(self, out):  # pragma: no cover (every framer has its own)
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
