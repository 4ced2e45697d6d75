# hostlib/hexinput.py: hex text or raw bytes? and a streaming hex-text decoder.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Input sniffing and hex text, for ``hanreader decode`` and file sources.

A capture arrives as the raw bytes of the serial line, as a hex dump that a
person pasted from a forum post or an issue, as the text of a P1 telegram
saved from a terminal, or as the dongle's JSON lines::

    # Aidon 6515, list 2
    7E A0 D2 41 08 83 13 82 D6   # header
    E6 E7 00 0F ...

``sniff(head)`` tells them apart by content, from the first few KiB:
the recording magic (``hostlib.recording``), a P1 telegram (a ``/XXX5``
header line or ``1-0:1.8.0(...)`` data lines), JSON lines (a line starting
with ``{``), other printable text (hex), anything else raw bytes.

``HexDecoder`` turns hex text fed in chunks of any size into bytes, in
constant memory, a line at a time with ``protocols.hextext.hex_line`` (the
one hex reader: ``#`` comments, white space, ``,``/``:``/``-`` separators,
``0x`` prefixes). A bad line raises ``HexError`` (line and column), or,
with ``on_error``, is reported and skipped so the rest of the file is
still read.
"""

from typing import Any, Callable, List, Optional, Union

from protocols.hextext import HexLineError, hex_line

from .recording import MAGIC as _REC_MAGIC

RAW = "raw"
HEX = "hex"
RECORDING = "recording"
P1TEXT = "p1"  # a P1 telegram as text: passed on as the bytes it is
JSONL = "json"  # the dongle's JSON lines: passed on as they are

FORMATS = ("auto", RAW, HEX, RECORDING, P1TEXT, JSONL)

_WS = b" \t\r\n\f\v"
_PRINTABLE = bytes(range(0x20, 0x7F)) + _WS
# A line longer than this is decoded in pieces (a dump without line breaks).
_MAX_CARRY = 8192


class HexError(ValueError):
    """Hex text that is not hex: ``line`` and ``column`` are 1-based."""

    kind = "hex"

    def __init__(self, message: str, line: Optional[int] = None, column: Optional[int] = None) -> None:
        where = ""
        if line is not None:
            where = "line %d, column %d: " % (line, column) if column else "line %d: " % line
        ValueError.__init__(self, where + message)
        self.line = line
        self.column = column
        self.message = message


def _is_p1(text):
    for line in text.split(b"\n")[:64]:
        line = line.strip()
        if line[:1] == b"/" and len(line) >= 5 and line[1:4].isalpha():
            return True  # /ISk5\2MT382-1000, /KFM5KAIFA-METER, /ELL5\253833635_A
        k = line.find(b"(")
        if 0 < k and b":" in line[:k] and b"." in line[:k] and line[:1].isdigit() and line.endswith(b")"):
            return True  # 1-0:1.8.1(000004.426*kWh)
    return False


def sniff(head: Union[bytes, bytearray, memoryview]) -> str:
    """``RAW``, ``HEX``, ``RECORDING``, ``P1TEXT`` or ``JSONL`` for the first bytes of an input.

    Text made only of printable ASCII and white space (comments may hold
    anything) is a P1 telegram, JSON lines or hex; a frame's raw bytes
    always hold non-printable ones (the format byte ``A0``..``AF`` after the
    ``7E`` flag). An empty input counts as hex (nothing to decode).
    """
    head = bytes(head)
    stripped = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if stripped.startswith(_REC_MAGIC.encode()):
        return RECORDING
    text = b"\n".join(line.split(b"#", 1)[0] for line in head.split(b"\n"))
    printable = not text.translate(None, _PRINTABLE)
    if stripped.startswith(b"{"):
        return JSONL
    if _is_p1(text):  # comments (which may quote anything) left out
        return P1TEXT
    if printable:
        return HEX
    return RAW


class HexDecoder:
    """Streaming hex text -> bytes. ``feed(chunk) -> bytes``; ``finish()`` at the end.

    ``on_error(err)``: a bad line is reported (a ``HexError`` with its line
    and column) and skipped; without it the error is raised.
    """

    def __init__(self, on_error: Optional[Callable[[HexError], Any]] = None) -> None:
        self.on_error = on_error
        self._buf = bytearray()
        self._col = 1  # column of _buf[0] in its line
        self._skip = False  # the rest of the current line is skipped (bad, or a comment)
        self.line = 1  # line number of _buf[0]
        self.bytes_out = 0
        self.bad_lines = 0

    def feed(self, chunk: Union[bytes, bytearray, memoryview]) -> bytes:
        buf = self._buf
        buf += chunk
        out: List[bytes] = []
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl < 0:
                break
            self._piece(bytes(buf[start:nl]), out)
            start = nl + 1
            self.line += 1
            self._col = 1
            self._skip = False
        del buf[:start]
        if len(buf) > _MAX_CARRY and not self._skip:
            self._partial(out)
        elif self._skip:
            del buf[:]
        return self._emit(out)

    def _partial(self, out):
        """A long line without a break: decode what is complete, keep the last token."""
        buf = self._buf
        h = buf.find(b"#")
        if h >= 0:  # the rest of the line is a comment
            self._piece(bytes(buf[:h]), out)
            self._skip = True
            del buf[:]
            return
        cut = len(buf)
        while cut > 0 and buf[cut - 1] not in b" \t\r\f\v,;:-[]{}":
            cut -= 1
        if cut == 0:  # one endless token: whole bytes of it now
            cut = len(buf) - (len(buf) % 2) - 2
        self._piece(bytes(buf[:cut]), out)
        del buf[:cut]
        self._col += cut

    def _piece(self, text, out):
        if self._skip:
            return
        try:
            out.append(hex_line(text, self._col - 1))
        except HexLineError as e:
            err = HexError(e.message, self.line, e.column)
            self.bad_lines += 1
            self._skip = True
            if self.on_error is None:
                raise err from None
            self.on_error(err)

    def _emit(self, out):
        data = b"".join(out)
        self.bytes_out += len(data)
        return data

    def finish(self) -> bytes:
        """End of input: the last line (without a line break) is decoded too."""
        out: List[bytes] = []
        if self._buf:
            self._piece(bytes(self._buf), out)
            del self._buf[:]
        return self._emit(out)


def decode_hex(text: Union[str, bytes, bytearray, memoryview],
               on_error: Optional[Callable[[HexError], Any]] = None) -> bytes:
    """Whole hex text (str or bytes, comments allowed) -> bytes."""
    if isinstance(text, str):
        text = text.encode("utf-8", "replace")
    d = HexDecoder(on_error)
    return d.feed(text) + d.finish()
