# protocols/detect.py: serial settings of the HAN port and their automatic detection (sans-IO).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Which baud rate, parity and polarity the meter uses, found by trying.

The meters push without being asked and the UARTs report no parity or
framing errors to MicroPython, so the only trustworthy sign of the right
setting is a frame whose HCS and FCS verify. ``Detector`` is sans-IO: the
app tells it how many bytes arrived, when a verified frame arrived and what
time it is; it says when to switch to the next setting.

    >>> d = Detector(["2400-8E1", "2400-8N1"], start="2400-8N1")
    >>> d.current
    '2400-8N1'
    >>> d.poll(now_ms)        # None, or the new setting name to open
    >>> d.frame(now_ms)       # True the first time: locked, save it

Setting names: ``BAUD-8P1`` with P in N/E/O, and a ``-inv`` suffix for an
inverted RX line (P1/H1 ports, digest 1.2). Detection order (digest 1.3):
2400 8E1 (Aidon, Kaifa), 2400 8N1 (Kamstrup), 9600 8N1 (Kamstrup CCC),
115200 8N1 (P1/H1), then the same four inverted.

The dongle's firmware (firmware/detect.py adds the UART specifics) and the
host's ``hanreader read --auto`` (``hostlib.sources.open_serial(auto=True)``)
run this same detector; a "verified frame" is any frame of any protocol
(HDLC, M-Bus, P1) that the core ``Reader`` delivers.
"""

DEFAULT_ORDER = (
    "2400-8E1",
    "2400-8N1",
    "9600-8N1",
    "115200-8N1",
    "2400-8E1-inv",
    "2400-8N1-inv",
    "9600-8N1-inv",
    "115200-8N1-inv",
)

_BAUDS = (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


def parse(name):
    """(baud, bits, parity, stop, inverted) of a setting name; ValueError if bad.

    ``parity`` is None, 0 (even) or 1 (odd), as ``machine.UART`` takes it.
    """
    if not isinstance(name, str):
        raise ValueError("expected a setting name such as \"2400-8E1\"")
    parts = name.split("-")
    inv = False
    if len(parts) == 3 and parts[2] == "inv":
        inv = True
        parts = parts[:2]
    if len(parts) != 2 or len(parts[1]) != 3:
        raise ValueError("expected BAUD-8P1 or BAUD-8P1-inv (e.g. \"2400-8E1\"), found %s" % _short(name))
    try:
        baud = int(parts[0])
    except ValueError:
        baud = 0
    if baud not in _BAUDS:
        raise ValueError("baud rate: expected one of %s, found %s" % (_BAUDS, _short(parts[0])))
    f = parts[1]
    if f[0] != "8" or f[2] != "1" or f[1] not in "NEO":
        raise ValueError("frame: expected 8N1, 8E1 or 8O1, found %s" % _short(f))
    parity = None if f[1] == "N" else (0 if f[1] == "E" else 1)
    return baud, 8, parity, 1, inv


def _short(s):
    s = str(s)
    return '"' + (s if len(s) <= 24 else s[:24] + "...") + '"'


def char_bits(name):
    """Bits on the wire per character (start + data + parity + stop)."""
    baud, bits, parity, stop, inv = parse(name)
    return 1 + bits + (0 if parity is None else 1) + stop


class Detector:
    """Cycle through ``order`` until a setting yields a verified frame.

    * While detecting, a setting is given ``dwell_ms`` (one push interval
      plus margin: list 2 and Kamstrup push every 10 s), or ``budget``
      bytes without a verified frame, whichever comes first: a stream of
      that many bytes at the right setting always holds a whole frame.
    * The first setting tried (the saved one) gets ``first_dwell_ms``.
    * Locked: after ``redetect_ms`` without a verified frame, detection
      starts again from the next setting.
    * ``auto=False``: stay on ``start`` for ever (a fixed setting).
    """

    def __init__(
        self,
        order=DEFAULT_ORDER,
        start=None,
        dwell_ms=12000,
        budget=2304,
        redetect_ms=60000,
        first_dwell_ms=None,
        auto=True,
        now=0,
    ):
        order = list(order)
        if start is not None and start not in order:
            order.insert(0, start)
        if not order:
            raise ValueError("detection order is empty")
        self.order = order
        self.index = order.index(start) if start is not None else 0
        self.dwell_ms = dwell_ms
        self.budget = budget
        self.redetect_ms = redetect_ms
        self.auto = auto
        self.locked = False
        self.switches = 0
        self._since = now
        self._last_frame = now
        self._bytes = 0
        self._dwell = first_dwell_ms if first_dwell_ms else dwell_ms

    @property
    def current(self):
        return self.order[self.index]

    def bytes(self, n):
        """``n`` bytes arrived at the current setting."""
        self._bytes += n

    def frame(self, now):
        """A verified frame arrived; True when this locks the setting."""
        self._last_frame = now
        if self.locked:
            return False
        self.locked = True
        return True

    def restart(self, now):
        """Detect again from the next setting (e.g. on request); returns it."""
        return self._next(now)

    def poll(self, now):
        """None, or the name of the setting to switch to now."""
        if not self.auto:
            return None
        if self.locked:
            if _ticks_diff(now, self._last_frame) >= self.redetect_ms:
                return self._next(now)
            return None
        if self._bytes >= self.budget or _ticks_diff(now, self._since) >= self._dwell:
            return self._next(now)
        return None

    def _next(self, now):
        self.locked = False
        self.index = (self.index + 1) % len(self.order)
        self.switches += 1
        self._since = now
        self._last_frame = now
        self._bytes = 0
        self._dwell = self.dwell_ms
        return self.current


try:
    from time import ticks_diff as _ticks_diff  # type: ignore[attr-defined]  # MicroPython's
except ImportError:  # CPython (host tests)

    def _ticks_diff(a, b):
        return a - b
