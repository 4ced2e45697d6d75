# sim/capture.py: read a capture file: hex text with # comments, or raw bytes.
# Copyright (c) 2026 The hanreader contributors. MIT licence.


def load(path, fmt="auto"):
    """The capture's bytes. ``fmt``: "hex", "raw" or "auto" (hex if it parses).

    :raises OSError: unreadable file; ValueError: ``fmt="hex"`` and not hex.
    """
    with open(path, "rb") as f:
        data = f.read()
    if fmt == "raw":
        return data
    try:
        out = bytearray()
        for line in data.decode().split("\n"):
            i = line.find("#")
            if i >= 0:
                line = line[:i]
            line = "".join(line.split())
            if line:
                if len(line) % 2:
                    raise ValueError("odd number of hex digits")
                out += bytes.fromhex(line)
        return bytes(out)
    except (ValueError, UnicodeError) as e:
        if fmt == "hex":
            raise ValueError("%s: not hex text (%s)" % (path, e))
        return data
