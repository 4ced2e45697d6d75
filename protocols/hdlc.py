# protocols/hdlc.py: HDLC frame format type 3 (IEC 62056-46), parse, build and stream.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""HDLC as HAN meters push it (digest section 2)::

    7E | A S LLL(11 bits) | dest(1-4) | src(1-4) | ctrl | HCS(2, LE) | info | FCS(2, LE) | 7E

No byte stuffing: a frame ends where its 11-bit length says, never at the
first ``7E`` inside it.

    >>> f = parse_frame(build_frame(bytes.fromhex("E6E7000F40000000000101...")))
    >>> f.apdu[:1]
    b'\\x0f'

``HdlcFramer`` turns a byte stream, fed in chunks of any size, into verified
frames (segmented frames reassembled), counting everything it rejects. Its
buffer has a fixed capacity, allocated once: feeding never grows memory.
"""

# Names for the type hints, for type checkers only: MicroPython compiles this
# block away and ignores annotations. Before the first import, so that no
# function's bytecode changes (tools/fw-mem).
if False:
    from typing import Any, Callable  # noqa: F401

    from .errors import HanError  # noqa: F401

from ._compat import const
from .crc import crc16_x25
from .framing import Framer
from .errors import (
    FcsError,
    FormatError,
    HcsError,
    LengthError,
    OversizeError,
    TruncatedError,
)

_FLAG = const(0x7E)
MAX_FRAME = const(2049)  # 11-bit length + 2 flags
_MIN_LENGTH = const(9)  # format(2) + dest(1) + src(1) + ctrl(1) + HCS(2) + FCS(2)
_LLC_CMD = const(0xE6)


class Frame:
    """One verified HDLC frame (or a reassembled MSDU of several).

    ``info`` is the information field; ``apdu`` the same without the LLC
    header ``E6 E7 00`` (left as is when a meter sends none).
    """

    __slots__ = ("segmented", "dest", "src", "control", "info", "raw", "segments")

    def __init__(self, segmented: bool, dest: int, src: int, control: int, info: bytes,
                 raw: "bytes | None" = None, segments: int = 1) -> None:
        self.segmented = segmented
        self.dest = dest
        self.src = src
        self.control = control
        self.info = info
        self.raw = raw
        self.segments = segments

    @property
    def apdu(self) -> bytes:
        return strip_llc(self.info)

    def __repr__(self):
        return "Frame(dest=%d, src=%d, control=0x%02X, segmented=%s, info=%d bytes)" % (
            self.dest,
            self.src,
            self.control,
            self.segmented,
            len(self.info),
        )


def strip_llc(info: bytes) -> bytes:
    """The APDU inside an information field: drop ``E6|FF  E6|E7  00`` if present."""
    if (
        len(info) >= 3
        and (info[0] == _LLC_CMD or info[0] == 0xFF)
        and (info[1] == 0xE7 or info[1] == _LLC_CMD)
        and info[2] == 0
    ):
        return info[3:]
    return info


def _address(buf, p, end, what):
    """Read a variable-length address at ``p``; return (value, next position).

    Bit 0 of each byte set marks the last byte; 1, 2 or 4 bytes (digest 2.3).
    """
    v = 0
    q = p
    while q < end:
        b = buf[q]
        v = (v << 7) | (b >> 1)
        q += 1
        if b & 1:
            if q - p == 3:
                raise FormatError(
                    "%s address: expected 1, 2 or 4 bytes, found 3" % what, p
                )
            return v, q
        if q - p == 4:
            break
    if q >= end:
        raise LengthError("%s address runs past the header" % what, p)
    raise FormatError(
        "%s address: expected a last byte (bit 0 set) within 4 bytes, found none" % what, p
    )


def _header(buf, p, end):
    """Parse the header of the frame whose opening flag is at ``p``.

    Returns (length, segmented, dest, src, control, info_start) and checks
    the HCS. ``end`` bounds what may be read. Raises HanError subclasses.
    """
    fmt = (buf[p + 1] << 8) | buf[p + 2]
    if fmt >> 12 != 0xA:
        raise FormatError(
            "frame format: expected type 0xA, found 0x%X (bytes %02X %02X)"
            % (fmt >> 12, buf[p + 1], buf[p + 2]),
            p,
        )
    length = fmt & 0x7FF
    hend = p + 1 + length  # position of the closing flag
    if hend > end:
        hend = end
    dest, q = _address(buf, p + 3, hend, "destination")
    src, q = _address(buf, q, hend, "source")
    if q + 5 > p + 1 + length:
        raise LengthError(
            "frame length %d is too short for its %d-byte header" % (length, q - p + 4), p
        )
    if q + 3 > end:
        raise TruncatedError("input ends inside the header", p)
    control = buf[q]
    q += 1
    got = buf[q] | (buf[q + 1] << 8)
    want = crc16_x25(memoryview(buf)[p + 1 : q])
    if got != want:
        raise HcsError(
            "header check sequence: expected 0x%04X, found 0x%04X" % (want, got), p
        )
    return length, bool(fmt & 0x0800), dest, src, control, q + 2


def parse_frame(data: "bytes | bytearray | memoryview") -> Frame:
    """Parse and verify exactly one frame ``7E … 7E``; return a Frame.

    :raises FormatError: no opening/closing flag, wrong format type;
    :raises TruncatedError: the data ends before the frame's length;
    :raises LengthError: the length field disagrees with the data;
    :raises HcsError, FcsError: checksum mismatch.
    """
    n = len(data)
    if n < 3:
        raise TruncatedError("expected at least 3 bytes of frame, found %d" % n, 0)
    if data[0] != _FLAG:
        raise FormatError("opening flag: expected 0x7E, found 0x%02X" % data[0], 0)
    length, seg, dest, src, control, q = _header(data, 0, n)
    if length < _MIN_LENGTH:
        raise LengthError("frame length %d is below the minimum of 9" % length, 0)
    if length + 2 > n:
        raise TruncatedError(
            "frame length %d needs %d bytes, input has %d" % (length, length + 2, n), 0
        )
    if data[length + 1] != _FLAG:
        raise LengthError(
            "closing flag: expected 0x7E after %d bytes, found 0x%02X"
            % (length + 1, data[length + 1]),
            length + 1,
        )
    if length + 2 != n:
        raise LengthError(
            "frame length %d means %d bytes, input has %d" % (length, length + 2, n), 0
        )
    return _finish(data, 0, length, seg, dest, src, control, q)


def _finish(buf, p, length, seg, dest, src, control, q):
    fend = p + length - 1  # first FCS byte
    got = buf[fend] | (buf[fend + 1] << 8)
    want = crc16_x25(memoryview(buf)[p + 1 : fend])
    if got != want:
        raise FcsError("frame check sequence: expected 0x%04X, found 0x%04X" % (want, got), p)
    return Frame(seg, dest, src, control, bytes(memoryview(buf)[q:fend]), None)


def encode_address(value: int, size: int = 1) -> bytes:
    """Encode an HDLC address of ``size`` bytes (1, 2 or 4)."""
    out = bytearray(size)
    for i in range(size - 1, -1, -1):
        out[i] = (value & 0x7F) << 1
        value >>= 7
    out[size - 1] |= 1
    return bytes(out)


def build_frame(info: "bytes | bytearray | memoryview", dest: bytes = b"\x41", src: bytes = b"\x08\x83", control: int = 0x13,
                segmented: bool = False) -> bytes:
    """Build one frame around ``info`` (LLC header included by the caller).

    ``dest`` and ``src`` are encoded address bytes (see ``encode_address``).
    """
    length = 2 + len(dest) + len(src) + 1 + 2 + len(info) + 2
    if length > 0x7FF:
        raise OversizeError("frame length %d exceeds the 11-bit maximum 2047" % length)
    hdr = bytearray()
    hdr.append(0xA0 | (0x08 if segmented else 0) | (length >> 8))
    hdr.append(length & 0xFF)
    hdr += dest
    hdr += src
    hdr.append(control)
    c = crc16_x25(hdr)
    hdr.append(c & 0xFF)
    hdr.append(c >> 8)
    hdr += info
    c = crc16_x25(hdr)
    hdr.append(c & 0xFF)
    hdr.append(c >> 8)
    return b"\x7e" + bytes(hdr) + b"\x7e"


class HdlcFramer(Framer):
    """Streaming HDLC framer: ``feed(chunk)`` returns the verified frames.

    * hunts for ``7E``; requires format type ``A``; checks the HCS as soon as
      the header is in, the FCS and the closing flag when the frame is;
    * after any failure it rescans from the byte after the failed frame's
      opening flag, so a bad length field never makes it skip good frames;
    * reassembles segmented (S = 1) frames into one Frame whose ``info`` is
      the whole MSDU (LLC header kept once, at the start);
    * its buffer has a fixed capacity of ``max_frame`` plus one read chunk;
      feeding a megabyte is processed in slices;
    * counters: ``accepted`` (frames returned), ``segments``, ``hcs_errors``,
      ``fcs_errors``, ``length_errors``, ``format_errors``, ``oversize``,
      ``truncated``, ``discarded`` (bytes thrown away), ``rejected`` (sum).

    ``on_reject`` (optional) is called with the HanError of every rejected
    frame, e.g. to report it.
    """

    def __init__(self, max_frame: int = 1024, max_msdu: int = 8192, on_reject: "Callable[[HanError], Any] | None" = None,
                 chunk: int = 512, keep_raw: bool = False) -> None:
        if max_frame > MAX_FRAME:
            max_frame = MAX_FRAME
        if max_frame < _MIN_LENGTH + 2:
            raise ValueError("max_frame must be at least 11")
        self.max_frame = max_frame
        self.max_msdu = max_msdu
        self.on_reject = on_reject
        # keep_raw: give each Frame its bytes as received (``raw``), e.g. for
        # a raw dump; off by default, it costs a copy per frame.
        self.keep_raw = keep_raw
        self._chunk = chunk
        self._flag = -1  # position of an accepted frame's closing flag, or -1
        self._seg = None  # reassembly buffer (bytearray) or None
        self._seg_count = 0
        self.segments = 0
        self._init_buffer(max_frame + chunk)

    COUNTERS = (
        "accepted",
        "hcs_errors",
        "fcs_errors",
        "length_errors",
        "oversize",
        "truncated",
        "format_errors",
        "discarded",
    )
    REJECTS = ("hcs_errors", "fcs_errors", "length_errors", "oversize", "truncated")

    def reset_counters(self) -> None:
        Framer.reset_counters(self)
        self.segments = 0

    def _end(self):
        self._flag = -1
        if self._seg is not None:
            self._seg = None
            self._seg_at = -1
            self.truncated += 1
            self._reject(TruncatedError("input ends before the last segment of a segmented message", 0))

    def _scan(self, out, final=False):
        """Consume what is held; ``final``: no byte will follow (flush)."""
        buf = self._buf
        p = 0
        n = self._n
        while True:
            q = buf.find(b"\x7e", p, n)
            if q < 0:
                self.discarded += n - p
                self._flag = -1
                p = n
                break
            if q > p:
                self.discarded += q - p
                self._flag = -1
            p = q
            if n - p < 3:
                if final:
                    self._cut(p, n)  # a flag and at most one byte: no frame
                    p = n
                break
            if buf[p + 1] >> 4 != 0xA:
                # Not an opening flag: idle fill after a frame, or garbage.
                # Every byte outside an accepted frame is counted, flags too;
                # the closing flag of the frame before belongs to it.
                if self._flag != p:
                    self.discarded += 1
                self._flag = -1
                p += 1
                continue
            length = ((buf[p + 1] << 8) | buf[p + 2]) & 0x7FF
            if length < _MIN_LENGTH:
                self.length_errors += 1
                self._fail(p, LengthError("frame length %d is below the minimum of 9" % length, p))
                p += 1
                continue
            # The header: at most 2 + 4 + 4 + 1 + 2 bytes after the flag.
            need = p + 14
            if need > p + length + 1:
                need = p + length + 1
            if n < need:
                if not final:
                    break
                self._truncated(p, n, length)
                p += 1
                continue
            try:
                hdr = _header(buf, p, n)
            except HcsError as e:
                self.hcs_errors += 1
                self._fail(p, e)
                p += 1
                continue
            except (LengthError, FormatError) as e:
                if isinstance(e, LengthError):
                    self.length_errors += 1
                else:
                    self.format_errors += 1
                self._fail(p, e)
                p += 1
                continue
            except TruncatedError:
                if not final:
                    break  # wait for the rest of the header
                self._truncated(p, n, length)
                p += 1
                continue
            if length + 2 > self.max_frame:
                # Checked after the HCS: only a real header is an oversize frame.
                self.oversize += 1
                self._fail(
                    p,
                    OversizeError(
                        "frame length %d exceeds the maximum of %d bytes"
                        % (length + 2, self.max_frame),
                        p,
                    ),
                )
                p += 1
                continue
            end = p + length + 1  # closing flag
            if end >= n:
                if not final:
                    break  # wait for the whole frame
                # The input ends inside it: look for frames inside its claim.
                self._truncated(p, n, length)
                p += 1
                continue
            if buf[end] != _FLAG:
                self.length_errors += 1
                self._fail(
                    p,
                    LengthError(
                        "frame length %d: expected the closing flag 0x7E at byte %d, found 0x%02X"
                        % (length, length + 1, buf[end]),
                        p,
                    ),
                )
                p += 1
                continue
            if not self._afford(end, length):
                # A run of rejected frames has cost more than WORK checksum
                # bytes per byte of input: skip this candidate unchecked.
                self.format_errors += 1
                self._fail(
                    p,
                    FormatError(
                        "frame of %d bytes not checked: too many rejected frames overlap here"
                        % (length + 2),
                        p,
                    ),
                )
                p += 1
                continue
            try:
                f = _finish(buf, p, length, hdr[1], hdr[2], hdr[3], hdr[4], hdr[5])
            except FcsError as e:
                self._spend(length)
                self.fcs_errors += 1
                self._fail(p, e)
                p += 1
                continue
            if self.keep_raw:
                f.raw = bytes(self._mv[p : end + 1])
            # Accepted: the closing flag may open the next frame.
            if f.segmented and self._seg is None:
                self._seg_at = self.pos(p)
            f = self._assemble(f)
            if f is not None:
                self.accepted += 1
                out.append(f)
                if self._spans is not None:
                    self._span(p, end + 1)
                self._seg_at = -1
            elif self._seg is None:
                self._seg_at = -1
            p = end
            self._flag = end
        self._drop(p)
        if self._flag >= 0:
            self._flag -= p
        if p == 0 and self._n == len(buf):
            # Full buffer and nothing consumed cannot happen (capacity is
            # max_frame + chunk and every frame is at most max_frame), but
            # never let the framer stall: drop the first byte.
            self.discarded += 1
            self._drop(1)

    def _cut(self, p, n):
        """Final: the bytes p..n (no frame) are discarded, except a closing flag."""
        self.discarded += n - p - (1 if self._flag == p else 0)
        self._flag = -1

    def _truncated(self, p, n, length):
        self.truncated += 1
        self._fail(
            p,
            TruncatedError(
                "input ends inside a frame: %d of %d bytes" % (n - p, length + 2), p
            ),
        )

    def _fail(self, p, err):
        if self._flag != p:
            self.discarded += 1  # the opening flag (a closing one belongs to its frame)
        self._flag = -1
        if self._seg is not None:
            self._seg = None  # a bad frame breaks a segmented sequence
            self._seg_at = -1
        self._reject(err)

    def _assemble(self, f):
        """Reassemble segmented frames (digest 2.7); return a Frame when complete."""
        seg = self._seg
        if f.segmented:
            self.segments += 1
            if seg is None:
                self._seg = bytearray(f.info)
                self._seg_src = f.src
                self._seg_count = 1
            elif f.src != self._seg_src:
                # Address change: abandon the old sequence, start a new one.
                self._seg = bytearray(f.info)
                self._seg_src = f.src
                self._seg_count = 1
            else:
                seg += f.info
                self._seg_count += 1
            if len(self._seg) > self.max_msdu:
                self.oversize += 1
                self._seg = None
                self._reject(
                    OversizeError("segmented message exceeds %d bytes" % self.max_msdu)
                )
            return None
        if seg is not None:
            self._seg = None
            if f.src == self._seg_src:
                seg += f.info
                self.segments += 1
                return Frame(False, f.dest, f.src, f.control, bytes(seg), None, self._seg_count + 1)
        return f
