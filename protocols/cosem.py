# protocols/cosem.py: COSEM date-time, date, time and bit-string values.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""COSEM date and time (Blue Book 4.1.6.1; digest 3.2).

    >>> dt = DateTime.from_bytes(bytes.fromhex("07E5091B01092F0F00FF8880"))
    >>> dt.isoformat()
    '2021-09-27T09:47:15+02:00'

Deviation: meters follow *UTC = local + deviation* (CET sends -60), so the
ISO offset is the negated deviation. ``0x8000`` means "not specified", and
so do the 0xFF values of every other field.
"""

from ._compat import const
from .errors import FormatError, TruncatedError

_UNSPEC_DEVIATION = const(-32768)


class DateTime:
    """A COSEM date-time (12 bytes). Unspecified fields are None."""

    __slots__ = (
        "year",
        "month",
        "day",
        "weekday",
        "hour",
        "minute",
        "second",
        "hundredths",
        "deviation",
        "status",
    )

    def __init__(
        self,
        year,
        month,
        day,
        hour=0,
        minute=0,
        second=0,
        hundredths=None,
        deviation=None,
        status=None,
        weekday=None,
    ):
        self.year = year
        self.month = month
        self.day = day
        self.weekday = weekday
        self.hour = hour
        self.minute = minute
        self.second = second
        self.hundredths = hundredths
        self.deviation = deviation
        self.status = status

    @classmethod
    def from_bytes(cls, b, pos=0):
        if len(b) - pos < 12:
            raise TruncatedError(
                "date-time: expected 12 bytes, found %d" % (len(b) - pos), pos
            )
        y = (b[pos] << 8) | b[pos + 1]
        dev = (b[pos + 9] << 8) | b[pos + 10]
        if dev >= 0x8000:
            dev -= 0x10000
        mo, d, wd, h, mi, se, hu = b[pos + 2 : pos + 9]
        st = b[pos + 11]
        return cls(
            None if y == 0xFFFF else y,
            None if mo == 0xFF else mo,
            None if d == 0xFF else d,
            None if h == 0xFF else h,
            None if mi == 0xFF else mi,
            None if se == 0xFF else se,
            None if hu == 0xFF else hu,
            None if dev == _UNSPEC_DEVIATION else dev,
            None if st == 0xFF else st,
            None if wd == 0xFF else wd,
        )

    def to_bytes(self):
        def v(x):
            return 0xFF if x is None else x

        y = 0xFFFF if self.year is None else self.year
        d = 0x8000 if self.deviation is None else self.deviation & 0xFFFF
        return bytes(
            (
                y >> 8,
                y & 0xFF,
                v(self.month),
                v(self.day),
                v(self.weekday),
                v(self.hour),
                v(self.minute),
                v(self.second),
                v(self.hundredths),
                d >> 8,
                d & 0xFF,
                v(self.status),
            )
        )

    def is_plausible(self):
        """True if every field is in range or "not specified" (digest 4.1)."""
        m, d = self.month, self.day
        return (
            (m is None or 1 <= m <= 12 or m in (0xFD, 0xFE))
            and (d is None or 1 <= d <= 31 or d in (0xFD, 0xFE))
            and (self.hour is None or self.hour <= 23)
            and (self.minute is None or self.minute <= 59)
            and (self.second is None or self.second <= 60)
            and (self.hundredths is None or self.hundredths <= 99)
            and (self.deviation is None or -720 <= self.deviation <= 720)
        )

    def isoformat(self, offset=True):
        """``YYYY-MM-DDTHH:MM:SS[+HH:MM]``, or None if no concrete date is given.

        The offset is written only when ``offset`` is true and the deviation is
        specified. Unspecified seconds count as 0; the weekday is ignored.
        """
        y, mo, d, h, mi = self.year, self.month, self.day, self.hour, self.minute
        if y is None or mo is None or d is None or h is None or mi is None:
            return None
        if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and y <= 9999):
            return None  # (ISO 8601 and JSON readers know four-digit years only)
        s = self.second or 0
        if s > 59:
            return None
        if offset and self.deviation is not None:
            off = -self.deviation
            sign = "+"
            if off < 0:
                sign = "-"
                off = -off
            return "%04d-%02d-%02dT%02d:%02d:%02d%s%02d:%02d" % (
                y, mo, d, h, mi, s, sign, off // 60, off % 60
            )
        return "%04d-%02d-%02dT%02d:%02d:%02d" % (y, mo, d, h, mi, s)

    def __eq__(self, other):
        return isinstance(other, DateTime) and self.to_bytes() == other.to_bytes()

    def __hash__(self):
        return hash(self.to_bytes())

    def __repr__(self):
        return "DateTime(%r)" % (self.isoformat() or self.to_bytes().hex())


class Date:
    """A COSEM date (5 bytes: year(2) month day weekday)."""

    __slots__ = ("raw",)

    def __init__(self, raw):
        if len(raw) != 5:
            raise FormatError("date: expected 5 bytes, found %d" % len(raw))
        self.raw = bytes(raw)

    def isoformat(self):
        y = (self.raw[0] << 8) | self.raw[1]
        m, d = self.raw[2], self.raw[3]
        if y == 0xFFFF or not (1 <= m <= 12) or not (1 <= d <= 31):
            return None
        return "%04d-%02d-%02d" % (y, m, d)

    def __eq__(self, other):
        return isinstance(other, Date) and self.raw == other.raw

    def __hash__(self):
        return hash(self.raw)

    def __repr__(self):
        return "Date(%s)" % self.raw.hex()


class Time:
    """A COSEM time (4 bytes: hour minute second hundredths)."""

    __slots__ = ("raw",)

    def __init__(self, raw):
        if len(raw) != 4:
            raise FormatError("time: expected 4 bytes, found %d" % len(raw))
        self.raw = bytes(raw)

    def isoformat(self):
        h, m, s = self.raw[0], self.raw[1], self.raw[2]
        if h > 23 or m > 59:
            return None
        return "%02d:%02d:%02d" % (h, m, 0 if s == 0xFF else s)

    def __eq__(self, other):
        return isinstance(other, Time) and self.raw == other.raw

    def __hash__(self):
        return hash(self.raw)

    def __repr__(self):
        return "Time(%s)" % self.raw.hex()


class BitString:
    """An A-XDR bit-string: ``nbits`` bits, MSB first, in ``data``."""

    __slots__ = ("nbits", "data")

    def __init__(self, nbits, data):
        self.nbits = nbits
        self.data = bytes(data)

    def __eq__(self, other):
        return (
            isinstance(other, BitString)
            and self.nbits == other.nbits
            and self.data == other.data
        )

    def __hash__(self):
        return hash((self.nbits, self.data))

    def __repr__(self):
        return "BitString(%d, %s)" % (self.nbits, self.data.hex())
