# hostlib/hexinput.py: hex text or raw bytes? and a streaming hex-text decoder.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Input sniffing and hex text, for ``hanreader decode`` and file sources.

A capture arrives either as the raw bytes of the serial line or as a hex
dump that a person pasted from a forum post or an issue::

    # Aidon 6515, list 2
    7E A0 D2 41 08 83 13 82 D6   # header
    E6 E7 00 0F ...

``sniff(head)`` tells them apart from the first few KiB: printable text is
hex (and reported as bad hex if it is not), anything else is raw bytes; a
file that starts with the recording magic is a recording
(``hostlib.recording``).

``HexDecoder`` turns hex text fed in chunks of any size into bytes, in
constant memory: white space and line breaks anywhere between bytes,
``#`` comments to the end of the line, upper or lower case. Every
white-space separated token must hold whole bytes (an even number of
digits): ``7E A0`` and ``7EA0`` are fine, ``7 EA0`` is an error, so a
dropped digit is reported instead of shifting every following byte.
Errors carry the line and column.
"""

import re

from .recording import MAGIC as _REC_MAGIC

RAW = "raw"
HEX = "hex"
RECORDING = "recording"

_HEXDIGITS = b"0123456789abcdefABCDEF"
_WS = b" \t\r\n\f\v"
_PRINTABLE = bytes(range(0x20, 0x7F)) + _WS
# A maximal run of hex digits of odd length (a token missing a digit).
_ODD = re.compile(rb"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2})*[0-9A-Fa-f](?![0-9A-Fa-f])")
_MAX_CARRY = 8192


class HexError(ValueError):
    """Hex text that is not hex: ``line`` and ``column`` are 1-based."""

    kind = "hex"

    def __init__(self, message, line=None, column=None):
        where = ""
        if line is not None:
            where = "line %d, column %d: " % (line, column) if column else "line %d: " % line
        ValueError.__init__(self, where + message)
        self.line = line
        self.column = column


def sniff(head):
    """``RAW``, ``HEX`` or ``RECORDING`` for the first bytes of an input.

    Text made only of printable ASCII and white space is hex (a frame's
    raw bytes always hold non-printable ones: the format byte ``A0``..``AF``
    after the ``7E`` flag). An empty input counts as hex (nothing to decode).
    """
    head = bytes(head)
    stripped = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if stripped.startswith(_REC_MAGIC.encode()):
        return RECORDING
    # Comments may hold anything (UTF-8 prose); the rest must be printable.
    text = b"\n".join(line.split(b"#", 1)[0] for line in head.split(b"\n"))
    if not text.translate(None, _PRINTABLE):
        return HEX
    return RAW


class HexDecoder:
    """Streaming hex text -> bytes. ``feed(chunk) -> bytes``; ``finish()`` at the end."""

    def __init__(self):
        self._in_comment = False
        self._carry = b""  # a token cut by the chunk boundary
        self._carry_line = 1
        self._carry_col = 1
        self.line = 1  # line of the next byte to be read
        self.col = 1
        self.bytes_out = 0

    def feed(self, chunk):
        chunk = bytes(chunk)
        out = []
        pos = 0
        n = len(chunk)
        while pos < n:
            if self._in_comment:
                nl = chunk.find(b"\n", pos)
                if nl < 0:
                    return self._emit(out)
                self._in_comment = False
                self._end_token(out)
                self.line += 1
                self.col = 1
                pos = nl + 1
                continue
            h = chunk.find(b"#", pos)
            seg = chunk[pos:] if h < 0 else chunk[pos:h]
            self._segment(seg, out, comment_follows=h >= 0)
            if h < 0:
                break
            self._in_comment = True
            self.col += 1
            pos = h + 1
        return self._emit(out)

    def _emit(self, out):
        data = b"".join(out)
        self.bytes_out += len(data)
        return data

    def _end_token(self, out):
        if self._carry:
            tok = self._carry
            self._carry = b""
            if len(tok) % 2:
                raise HexError(
                    "odd number of hex digits in %r (a digit is missing or extra)" % _short(tok),
                    self._carry_line,
                    self._carry_col,
                )
            out.append(bytes.fromhex(tok.decode("ascii")))

    def _segment(self, seg, out, comment_follows):
        if not seg:
            if comment_follows:
                self._end_token(out)
            return
        bad = seg.translate(None, _HEXDIGITS + _WS)
        if bad:
            i = seg.find(bad[:1])
            line, col = self._position(seg, i)
            ch = bad[:1]
            shown = repr(chr(ch[0])) if 0x20 <= ch[0] < 0x7F else "byte 0x%02X" % ch[0]
            raise HexError("%s is not a hex digit (hex input: digits, white space and # comments)"
                           % shown, line, col)
        # Where tokens start/end relative to the carry.
        start_line, start_col = self.line, self.col
        nl = seg.count(b"\n")
        if nl:
            self.line += nl
            self.col = len(seg) - seg.rfind(b"\n")
        else:
            self.col += len(seg)
        if self._carry:
            if seg[:1] in (b" ", b"\t", b"\r", b"\n", b"\f", b"\v"):
                self._end_token(out)
                line0, col0 = start_line, start_col
            else:
                seg = self._carry + seg
                line0, col0 = self._carry_line, self._carry_col
                self._carry = b""
        else:
            line0, col0 = start_line, start_col
        # Keep a token that may continue in the next chunk.
        tail = b""
        if not comment_follows and seg and seg[-1:] not in (b" ", b"\t", b"\r", b"\n", b"\f", b"\v"):
            cut = len(seg)
            while cut > 0 and seg[cut - 1] not in _WS:
                cut -= 1
            tail = seg[cut:]
            seg = seg[:cut]
            tl, tc = _advance(line0, col0, seg)
            if len(tail) > _MAX_CARRY:
                # One endless token (a hex dump without white space): emit whole bytes.
                k = len(tail) - (len(tail) % 2) - 2
                seg += tail[:k]
                tail = tail[k:]
                tc += k
            self._carry_line, self._carry_col = tl, tc
        m = _ODD.search(seg)
        if m:
            line, col = _advance(line0, col0, seg[: m.start()])
            raise HexError(
                "odd number of hex digits in %r (a digit is missing or extra)" % _short(m.group()),
                line,
                col,
            )
        if seg:
            out.append(bytes.fromhex(seg.decode("ascii")))
        self._carry = tail

    def _position(self, seg, i):
        # Position of seg[i]; with a carried token the column is still right
        # because the carry is not part of seg here.
        return _advance(self.line, self.col, seg[:i])

    def finish(self):
        """End of input: the last token must be complete. Returns its bytes."""
        out = []
        self._end_token(out)
        return self._emit(out)


def _advance(line, col, text):
    nl = text.count(b"\n")
    if nl:
        return line + nl, len(text) - text.rfind(b"\n")
    return line, col + len(text)


def _short(tok):
    s = tok.decode("ascii", "replace")
    return s if len(s) <= 20 else s[:17] + "..."


def decode_hex(text):
    """Whole hex text (str or bytes, comments allowed) -> bytes."""
    if isinstance(text, str):
        text = text.encode("ascii", "replace")
    d = HexDecoder()
    return d.feed(text) + d.finish()
