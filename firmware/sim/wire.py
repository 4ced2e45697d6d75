# sim/wire.py: a bit-level model of an asynchronous serial line and receiver.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The meter's bytes become levels on a wire at the meter's setting; a
receiver at the dongle's setting samples that wire. A wrong setting
therefore corrupts bytes the way a real UART does, it never just drops
them:

* wrong baud rate: bits are sampled at the wrong places;
* wrong parity: 8E1 read as 8N1 takes the parity bit for the stop bit;
  when it is 0 (a framing error) the receiver, which starts a character on
  the first low level it sees, takes the rest of that bit for the next
  start bit, so the following bytes are shifted; 8N1 read as 8E1 samples
  the next start bit as its stop bit and then starts half a bit late;
* wrong polarity: idle reads as a break (0x00 with framing errors) and
  data bits come out inverted and misaligned.

Parity and framing errors are not reported (the MicroPython UART drivers
deliver the byte and drop the error flags), so the receiver yields every
byte it assembles.

Time is an integer count of 1/3686400 s (115200 x 32): every supported
baud rate divides it, so bit edges and the receiver's 16x checks are exact.

    >>> rx = Receiver(Wire(data, "2400-8E1"), "2400-8N1")
    >>> n = rx.read(buf)      # up to len(buf) bytes; 0 at the end of the data
"""

UNIT = 3686400  # 115200 x 32


def parse(name):
    """(baud, parity, inverted); parity None, 0 even, 1 odd."""
    parts = name.split("-")
    inv = len(parts) == 3 and parts[2] == "inv"
    baud = int(parts[0])
    p = parts[1][1]
    parity = None if p == "N" else (0 if p == "E" else 1)
    if UNIT % baud:
        raise ValueError("baud rate %d does not divide %d" % (baud, UNIT))
    return baud, parity, inv


def _ones(b):
    n = 0
    while b:
        n += b & 1
        b >>= 1
    return n


class Wire:
    """The line as the meter drives it: ``level(t)`` is 1 (mark) or 0."""

    def __init__(self, data, setting):
        baud, parity, inv = parse(setting)
        self.data = data
        self.T = UNIT // baud
        self.parity = parity
        self.nbits = 10 if parity is None else 11
        self.inv = 1 if inv else 0
        self.end = len(data) * self.nbits * self.T

    def level(self, t):
        if t < 0 or t >= self.end:
            return 1 ^ self.inv  # idle is mark
        b = t // self.T
        c = b // self.nbits
        i = b - c * self.nbits
        if i == 0:
            v = 0  # start bit
        elif i <= 8:
            v = (self.data[c] >> (i - 1)) & 1
        elif i == 9 and self.parity is not None:
            v = (_ones(self.data[c]) & 1) ^ self.parity  # even: total ones even
        else:
            v = 1  # stop bit
        return v ^ self.inv


class Receiver:
    """A UART receiver at ``setting`` sampling ``wire``.

    It checks the line 16 times per bit; the first low check after the
    previous stop-bit sample starts a character (level-triggered, no
    start-bit validation), whose bits are then sampled at mid-bit. So after
    a framing error a low stop bit runs straight into the next start, as
    the parity bit of 8E1 does when read as 8N1.
    """

    def __init__(self, wire, setting):
        baud, parity, inv = parse(setting)
        self.wire = wire
        self.T = UNIT // baud
        self.step = self.T // 16 or 1
        self.nbits = 10 if parity is None else 11
        self.inv = 1 if inv else 0
        self.t = -self.step  # time of the last check (the previous stop-bit sample)
        self.framing_errors = 0

    def _lvl(self, t):
        return self.wire.level(t) ^ self.inv

    def _start(self):
        """Time a start bit is seen, or -1 at the end of the data."""
        w = self.wire
        step = self.step
        t0 = self.t
        t = t0 + step
        while t < w.end:
            if self._lvl(t) == 0:
                return t
            # The line keeps its level until the meter's next bit edge:
            # jump to the first check at or after it.
            edge = (t // w.T + 1) * w.T
            t = t0 + (edge - t0 + step - 1) // step * step
        return -1

    def read(self, buf):
        """Fill ``buf`` with received bytes; return the count (0: data over)."""
        T = self.T
        n = 0
        size = len(buf)
        while n < size:
            s = self._start()
            if s < 0:
                break
            c = s + T // 2  # mid start bit
            v = 0
            for k in range(8):
                if self._lvl(c + (k + 1) * T):
                    v |= 1 << k
            stop = c + (self.nbits - 1) * T
            if self._lvl(stop) == 0:
                self.framing_errors += 1
            self.t = stop
            buf[n] = v
            n += 1
        return n


def transcode(data, meter, reader):
    """Every byte a receiver at ``reader`` gets from ``data`` sent at ``meter``."""
    rx = Receiver(Wire(data, meter), reader)
    out = bytearray()
    buf = bytearray(256)
    while True:
        n = rx.read(buf)
        if not n:
            return bytes(out)
        out += buf[:n]
