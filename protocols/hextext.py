# protocols/hextext.py: the one reader of hex text captures (host, tests, the firmware's simulator).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Hex text, as people paste captures into issues and forum posts, to bytes.

    >>> hex_line(b"7E A0 D2 41  # header")
    b'~\\xa0\\xd2A'
    >>> hex_line(b"0x7E,0xA0, 0xD2")     # C arrays, Python lists
    b'~\\xa0\\xd2'
    >>> hex_line(b"7e:a0:d2")            # colon- or dash-separated dumps
    b'~\\xa0\\xd2'

One line at a time (``hex_line``), so a reader of any size of file holds a
line, not the file, and a bad line can be skipped with its position. The
rules: ``#`` starts a comment to the end of the line; bytes are separated
by white space, ``,``, ``;``, ``:`` or ``-`` (or not at all: ``7EA0D2``);
a ``0x``/``0X`` prefix is allowed before a byte, and then exactly two
digits follow (``0x7EA0`` is refused: a 16-bit number or two bytes?);
brackets ``[ ] { }`` around a list are ignored. Every token must hold
whole bytes (an even number of digits), so a dropped digit is reported
instead of shifting every following byte.

MicroPython-safe (no ``re``): the firmware's simulator and the MicroPython
tests read captures with it too.
"""

_DIGITS = b"0123456789abcdefABCDEF"
_SEPS = b" \t\r\n\f\v,;:-[]{}"


class HexLineError(ValueError):
    """A line that is not hex: ``column`` (1-based) and what is wrong there."""

    kind = "hex"

    def __init__(self, message, column):
        super().__init__(message)
        self.message = message
        self.column = column


def _shown(b):
    if 0x20 <= b < 0x7F:
        return repr(chr(b))
    return "byte 0x%02X" % b


def hex_line(line, start=0):
    """The bytes of one line of hex text (bytes or str, without or with its
    line break). ``start``: the column offset of ``line`` in its line (for
    pieces of a very long line).

    :raises HexLineError: a character that is not hex or a separator, an odd
        number of digits in a token, ``0x`` not followed by two digits.
    """
    if isinstance(line, str):
        line = line.encode("utf-8")
    c = line.find(b"#")
    if c >= 0:
        line = line[:c]
    out = bytearray()
    n = len(line)
    i = 0
    while i < n:
        b = line[i]
        if b in _SEPS:
            i += 1
            continue
        j = i
        while j < n and line[j] not in _SEPS:
            j += 1
        tok = line[i:j]
        col = start + i + 1
        if tok[:2] in (b"0x", b"0X"):
            digits = tok[2:]
            if len(digits) != 2:
                raise HexLineError("expected two hex digits after 0x, found %r" % _text(tok), col)
            col += 2
        else:
            digits = tok
        for k in range(len(digits)):
            if digits[k] not in _DIGITS:
                raise HexLineError("%s is not a hex digit" % _shown(digits[k]), col + k)
        if len(digits) % 2:
            raise HexLineError("odd number of hex digits in %r (a digit is missing or extra)" % _text(tok), col)
        out += bytes.fromhex(digits.decode())
        i = j
    return bytes(out)


def _text(tok):
    s = tok.decode("utf-8", "replace") if hasattr(tok, "decode") else str(tok)
    return s if len(s) <= 20 else s[:17] + "..."


def hex_lines(lines, on_error=None):
    """The bytes of an iterable of lines; ``on_error(line_number, err)`` is
    called for a bad line (which is then skipped), or the error is raised
    (with ``.line`` set) when ``on_error`` is None."""
    out = bytearray()
    num = 0
    for line in lines:
        num += 1
        try:
            out += hex_line(line)
        except HexLineError as e:
            e.line = num
            if on_error is None:
                raise
            on_error(num, e)
    return bytes(out)
