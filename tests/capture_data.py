"""Loading the recorded captures in tests/captures/ (see each folder's README)."""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURES = os.path.join(HERE, "captures")
PLAIN_VENDORS = ("aidon", "kaifa", "kamstrup", "other")


def read_hex(path):
    """Bytes of a .hex capture: hex digits, white space, '#' comments (protocols.hextext, the one hex reader)."""
    from protocols.hextext import hex_lines

    with open(path, "rb") as f:
        return hex_lines(f)


def expected(folder):
    path = os.path.join(CAPTURES, folder, "expected.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def plain_cases():
    """(vendor/name, frame bytes, expected dict) for every plaintext HDLC capture."""
    cases = []
    for vendor in PLAIN_VENDORS:
        for name, exp in sorted(expected(vendor).items()):
            path = os.path.join(CAPTURES, vendor, name)
            cases.append((vendor + "/" + name, read_hex(path), exp))
    return cases


def malformed_cases():
    return [
        ("malformed/" + name, read_hex(os.path.join(CAPTURES, "malformed", name)), exp)
        for name, exp in sorted(expected("malformed").items())
    ]
