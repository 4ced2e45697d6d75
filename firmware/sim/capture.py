# sim/capture.py: a capture file as the simulated meter's byte source.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Captures are hex text (``#`` comments, any white space) or raw bytes.

``Source`` reads a raw file in pieces, so the simulator holds none of a
capture in the MicroPython heap: the heap the firmware is measured in
(``-X heapsize``) is the firmware's own, whatever the capture's size.
A hex capture is first converted, a line at a time, into a raw file
(``to_raw``). ``load`` (the whole capture as bytes) is for the host.
"""


def _hexline(line):
    # The one hex reader (protocols/hextext.py); its errors are ValueErrors.
    return _hex_line()(line)


def _hex_line():
    import sys

    # Imported from the import path proper, not from the current directory
    # (""): the simulator changes into the flash folder afterwards, and a
    # package found through "" would then lose its submodules.
    had = "" in sys.path
    if had:
        sys.path.remove("")
    try:
        from protocols.hextext import hex_line
    finally:
        if had:
            sys.path.insert(0, "")
    return hex_line


def _is_text(head):
    # Bytes from 0x80 count as text: comments in UTF-8 ("§", "ø"); a binary
    # capture shows control bytes at once, and text that is not hex stays raw.
    for b in head:
        if b < 32 and b not in (9, 10, 13) or b == 127:
            return False
    return True


def to_raw(path, fmt, out):
    """Path of a raw file with the capture's bytes: ``path`` itself for a
    raw capture, else ``out``, written from the hex text a line at a time.

    ``fmt``: "hex", "raw" or "auto" (hex if the file is text that parses).
    :raises OSError: unreadable file; ValueError: ``fmt="hex"`` and not hex.
    """
    if fmt == "raw":
        return path
    with open(path, "rb") as f:
        head = f.read(512)
        if fmt == "auto" and not _is_text(head):
            return path
        f.seek(0)
        try:
            with open(out, "wb") as o:
                while True:
                    line = f.readline()
                    if not line:
                        break
                    o.write(_hexline(line))
        except (ValueError, UnicodeError) as e:
            if fmt == "hex":
                raise ValueError("%s: not hex text (%s)" % (path, e))
            return path
    return out


class Source:
    """A raw capture file, read where asked: ``read_at(pos, buf)`` for the
    UART, ``src[i]`` and ``len(src)`` for the bit-level wire model."""

    def __init__(self, path):
        self.f = open(path, "rb")
        self.size = self.f.seek(0, 2)
        self._win = bytearray(64)
        self._mv = memoryview(self._win)
        self._at = 0
        self._have = 0

    def __len__(self):
        return self.size

    def __getitem__(self, i):
        k = i - self._at
        if k < 0 or k >= self._have:
            if i < 0 or i >= self.size:
                raise IndexError("capture index out of range")
            self._at = i
            self.f.seek(i)
            self._have = self.f.readinto(self._win)
            k = 0
        return self._win[k]

    def read_at(self, pos, buf, mv=None):
        """Copy the bytes from ``pos`` into ``buf`` (``mv``: a memoryview of
        it, to read a short tail without allocating); return the count."""
        n = self.size - pos
        if n <= 0:
            return 0
        self.f.seek(pos)
        if n >= len(buf):
            return self.f.readinto(buf)
        return self.f.readinto((mv or memoryview(buf))[:n])

    def close(self):
        self.f.close()


def open_capture(path, fmt="auto", scratch=None):
    """A ``Source`` over the capture at ``path`` (hex converted into ``scratch``)."""
    return Source(to_raw(path, fmt, scratch or path + ".bin"))


def load(path, fmt="auto"):
    """The capture's bytes (host side: the tests compare against them)."""
    with open(path, "rb") as f:
        data = f.read()
    if fmt == "raw" or (fmt == "auto" and not _is_text(data[:512])):
        return data
    try:
        return b"".join(_hexline(ln) for ln in data.split(b"\n"))
    except (ValueError, UnicodeError) as e:
        if fmt == "hex":
            raise ValueError("%s: not hex text (%s)" % (path, e))
        return data
