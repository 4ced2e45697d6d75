# protocols/mbus.py: wired M-Bus long frames carrying DLMS (EN 13757-2/-3), and GBT reassembly.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""M-Bus long frames as Austrian and Polish meters push them (digest 7.3)::

    68 | L | L | 68 | C | A | CI | STSAP | DTSAP | APDU segment … | CS | 16

* L counts C … the last APDU byte; CS is their 8-bit sum; CI bits 3-0 are
  the segment number, bit 4 (FIN) marks the last segment, bits 7-5 are 0.
* Sagemcom T210-D quirk: its 257-byte first segment is sent with L = 01
  (257 mod 256). An L below the 5 fixed header bytes means L + 256.

    >>> frames = parse_frames(data)               # every frame of a capture
    >>> apdu = reassemble(frames)                 # the DLMS APDU (DB …)

``MbusFramer`` does the same on a byte stream, with HdlcFramer-style
counters. (General-block-transfer reassembly, whatever the transport, is
``protocols.gbt.GbtAssembler``.)
"""

from .framing import Framer, is_mbus_start
from .errors import (
    ChecksumError,
    FormatError,
    LengthError,
    OversizeError,
    TruncatedError,
)

_START = 0x68
_STOP = 0x16
_HDR = 5  # C, A, CI, STSAP, DTSAP


class MbusFrame:
    """One verified long frame: ``control``, ``address``, ``ci``, ``stsap``,
    ``dtsap``, ``data`` (the APDU segment)."""

    __slots__ = ("control", "address", "ci", "stsap", "dtsap", "data", "size")

    def __init__(self, control, address, ci, stsap, dtsap, data, size):
        self.control = control
        self.address = address
        self.ci = ci
        self.stsap = stsap
        self.dtsap = dtsap
        self.data = data
        self.size = size  # bytes on the wire

    @property
    def segment(self):
        return self.ci & 0x0F

    @property
    def last(self):
        return bool(self.ci & 0x10)

    def __repr__(self):
        return "MbusFrame(C=0x%02X, CI=0x%02X, segment %d%s, %d bytes)" % (
            self.control,
            self.ci,
            self.segment,
            " FIN" if self.last else "",
            len(self.data),
        )


class MbusMessage:
    """A reassembled DLMS APDU (``apdu``) and the number of frames it took."""

    __slots__ = ("apdu", "segments", "raw")

    def __init__(self, apdu, segments, raw=None):
        self.apdu = apdu
        self.segments = segments
        self.raw = raw  # the frames' bytes as received, with keep_raw


def frame_length(l_byte):
    """Body length (C … last data byte) for an L byte, with the Sagemcom overflow rule."""
    return l_byte + 256 if l_byte < _HDR else l_byte


def parse_frame(buf, p=0):
    """(MbusFrame, next offset) for the long frame at ``buf[p]``.

    :raises FormatError (start/stop bytes, L mismatch, not a DLMS CI),
        TruncatedError, ChecksumError.
    """
    n = len(buf)
    if n - p < 4:
        raise TruncatedError("M-Bus frame: expected 68 L L 68, input ends", p)
    if buf[p] != _START or buf[p + 3] != _START:
        raise FormatError(
            "M-Bus long frame: expected 68 L L 68, found %02X %02X %02X %02X"
            % (buf[p], buf[p + 1], buf[p + 2], buf[p + 3]),
            p,
        )
    if buf[p + 1] != buf[p + 2]:
        raise LengthError(
            "M-Bus frame: the two L bytes differ (0x%02X, 0x%02X)" % (buf[p + 1], buf[p + 2]), p
        )
    ln = frame_length(buf[p + 1])
    end = p + 4 + ln  # CS
    if end + 2 > n:
        raise TruncatedError(
            "M-Bus frame: L = %d announces %d bytes, %d follow" % (ln, ln + 6, n - p), p
        )
    return _finish(buf, p, ln), end + 2


def _checksum(buf, a, b):
    s = 0
    for i in range(a, b):
        s += buf[i]
    return s & 0xFF


def _finish(buf, p, ln):
    end = p + 4 + ln
    if buf[end + 1] != _STOP:
        raise FormatError(
            "M-Bus frame: expected the stop byte 0x16 after L = %d bytes, found 0x%02X"
            % (ln, buf[end + 1]),
            end + 1,
        )
    cs = _checksum(buf, p + 4, end)
    if cs != buf[end]:
        raise ChecksumError(
            "M-Bus checksum: expected 0x%02X, found 0x%02X" % (cs, buf[end]), end
        )
    ci = buf[p + 6]
    if ci & 0xE0:
        raise FormatError(
            "M-Bus frame: CI 0x%02X is not a DLMS segment (expected bits 7-5 = 0)" % ci, p + 6
        )
    return MbusFrame(
        buf[p + 4], buf[p + 5], ci, buf[p + 7], buf[p + 8], bytes(buf[p + 9 : end]), ln + 6
    )


def parse_frames(data):
    """Every long frame of ``data`` (back to back), in order."""
    out = []
    p = 0
    n = len(data)
    while p < n:
        f, p = parse_frame(data, p)
        out.append(f)
    return out


def reassemble(frames):
    """The APDU carried by ``frames`` (segments 0, 1, … with FIN on the last).

    :raises FormatError: a segment out of order, or no FIN.
    """
    parts = []
    expect = 0
    for f in frames:
        if f.segment != expect & 0x0F:
            raise FormatError(
                "M-Bus segments: expected segment %d, found %d" % (expect & 0x0F, f.segment), 0
            )
        parts.append(f.data)
        expect += 1
        if f.last:
            return b"".join(parts)
    raise TruncatedError("M-Bus segments: no final (FIN) segment", 0)


class MbusFramer(Framer):
    """Streaming long-frame framer: ``feed(chunk)`` returns ``MbusMessage`` s.

    * hunts for ``68 L L 68``; checks the stop byte and the checksum;
    * reassembles segments (CI segment number, FIN bit); a gap abandons the
      partial message (counted in ``format_errors``);
    * after a failure it rescans from the byte after the failed start byte;
    * fixed buffer of ``max_frame`` (one frame at most 261 bytes on the
      wire, 266 with the Sagemcom L overflow) plus one read chunk; messages up to ``max_msdu``.

    Counters: ``accepted`` (messages), ``segments`` (frames), ``checksum_errors``,
    ``length_errors``, ``format_errors``, ``oversize``, ``truncated``, ``discarded``.
    """

    def __init__(self, max_frame=266, max_msdu=4096, on_reject=None, chunk=256, keep_raw=False):
        self.max_frame = max_frame
        self.keep_raw = keep_raw  # messages carry their frames' bytes (``raw``)
        self._raw = None
        self.max_msdu = max_msdu
        self.on_reject = on_reject
        self._seg = None
        self._expect = 0
        self._count = 0
        self._broken = False
        self.segments = 0
        self._init_buffer(max_frame + chunk)

    COUNTERS = (
        "accepted",
        "segments",
        "checksum_errors",
        "length_errors",
        "oversize",
        "truncated",
        "format_errors",
        "discarded",
    )
    REJECTS = ("checksum_errors", "length_errors", "format_errors", "oversize", "truncated")

    def _end(self):
        if self._seg is not None:
            self.truncated += 1
            self._reject(TruncatedError("input ends before the final M-Bus segment", 0))
        self._seg = None
        self._seg_at = -1

    def _fail(self, p, err):
        self.discarded += 1
        self._broken = True  # the next segments of this message are no news
        self._reject(err)

    def _scan(self, out, final=False):
        buf = self._buf
        n = self._n
        p = 0
        while True:
            q = self._hunt(b"\x68", p)
            if q < 0:
                p = n
                break
            p = q
            if n - p < 4:
                if final:
                    self.discarded += n - p
                    p = n
                break
            if not is_mbus_start(buf, p, n):
                self.discarded += 1
                p += 1
                continue
            ln = frame_length(buf[p + 1])
            if ln + 6 > self.max_frame:
                self.oversize += 1
                self._fail(p, OversizeError("M-Bus frame of %d bytes" % (ln + 6), p))
                p += 1
                continue
            if n - p < ln + 6:
                if not final:
                    break
                # The input ends inside it: look for frames inside its claim.
                self.truncated += 1
                self._fail(
                    p,
                    TruncatedError(
                        "input ends inside an M-Bus frame: %d of %d bytes" % (n - p, ln + 6), p
                    ),
                )
                p += 1
                continue
            if buf[p + ln + 5] == _STOP and not self._afford(p + ln + 6, ln):
                self.format_errors += 1
                self._fail(
                    p,
                    FormatError(
                        "M-Bus frame of %d bytes not checked: too many rejected frames overlap here"
                        % (ln + 6),
                        p,
                    ),
                )
                p += 1
                continue
            try:
                f = _finish(buf, p, ln)
            except ChecksumError as e:
                self._spend(ln)
                self.checksum_errors += 1
                self._fail(p, e)
                p += 1
                continue
            except FormatError as e:
                self.format_errors += 1
                self._fail(p, e)
                p += 1
                continue
            self.segments += 1
            if f.segment == 0:
                self._seg_at = self.pos(p)
            if self.keep_raw:
                if f.segment == 0:
                    self._raw = bytearray()
                if self._raw is not None:
                    self._raw += self._mv[p : p + ln + 6]
            m = self._assemble(f)
            if m is not None:
                if self.keep_raw and self._raw is not None:
                    m.raw = bytes(self._raw)
                    self._raw = None
                self.accepted += 1
                out.append(m)
                if self._spans is not None:
                    self._span(p, p + ln + 6)
            if self._seg is None:
                self._seg_at = -1
            p += ln + 6
        self._drop(p)

    def _assemble(self, f):
        seg = f.segment
        if seg == 0:
            self._broken = False
            if self._seg is not None:
                self.format_errors += 1
                self._reject(FormatError("M-Bus segments: a new message before the FIN segment", 0))
            if f.last:
                self._seg = None
                return MbusMessage(f.data, 1)
            self._seg = bytearray(f.data)
            self._expect = 1
            self._count = 1
            return None
        if self._seg is None and self._broken:
            return None  # the rest of a message whose first segment was rejected
        if self._seg is None or seg != self._expect & 0x0F:
            self.format_errors += 1
            self._reject(
                FormatError(
                    "M-Bus segments: expected segment %d, found %d"
                    % ((self._expect & 0x0F) if self._seg is not None else 0, seg),
                    0,
                )
            )
            self._seg = None
            return None
        self._seg += f.data
        self._expect += 1
        self._count += 1
        if len(self._seg) > self.max_msdu:
            self.oversize += 1
            self._reject(OversizeError("M-Bus message exceeds %d bytes" % self.max_msdu, 0))
            self._seg = None
            return None
        if f.last:
            m = MbusMessage(bytes(self._seg), self._count)
            self._seg = None
            return m
        return None
