"""Loading the recorded captures in tests/captures/ (see each folder's README).

Captures are found by folder: every folder below tests/captures is one of
these kinds, told by its content (no list of folder names to keep up):

* ``keyed``: it has a ``keys.json`` (ciphered frames, HDLC or M-Bus, the keys
  per file; tests/test_crypto.py);
* ``p1``: it holds ``.txt`` telegrams (tests/test_p1.py);
* ``malformed``: every expected entry is an error ``{"kind": ..., "from": ...}``;
* ``plain``: plaintext pushes (``.hex``: an HDLC frame, the frames of one
  push, or a bare APDU; ``hdlc_frames()`` gives the single frames) with
  their expected readings
  (tests/test_captures.py, tests/test_device_parity.py).

``tests/test_captures.py::test_every_capture_is_tested`` checks that every
data file of every folder has its expected entry, so a capture can never
be skipped silently.
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURES = os.path.join(HERE, "captures")
DATA_ENDINGS = (".hex", ".txt")


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


def folders():
    """Every capture folder, sorted."""
    return sorted(n for n in os.listdir(CAPTURES) if os.path.isdir(os.path.join(CAPTURES, n)))


def data_files(folder):
    """The capture files of ``folder`` (``.hex`` frames, ``.txt`` telegrams), sorted."""
    return sorted(n for n in os.listdir(os.path.join(CAPTURES, folder)) if n.endswith(DATA_ENDINGS))


def kind(folder):
    """``keyed``, ``p1``, ``malformed`` or ``plain`` (see the module's doc)."""
    names = os.listdir(os.path.join(CAPTURES, folder))
    if "keys.json" in names:
        return "keyed"
    if any(n.endswith(".txt") for n in names):
        return "p1"
    exp = expected(folder)
    if exp and all("kind" in e and "registers" not in e for e in exp.values()):
        return "malformed"
    return "plain"


def folders_of(k):
    return [f for f in folders() if kind(f) == k]


def plain_cases():
    """(folder/name, frame bytes, expected dict) for every plaintext HDLC capture."""
    cases = []
    for folder in folders_of("plain"):
        for name, exp in sorted(expected(folder).items()):
            cases.append((folder + "/" + name, read_hex(os.path.join(CAPTURES, folder, name)), exp))
    return cases


def is_one_hdlc_frame(data):
    """True for one whole HDLC frame (a plain capture may also be several
    frames of one push or a bare APDU, issue 19)."""
    return len(data) >= 3 and data[0] == 0x7E and (((data[1] << 8) | data[2]) & 0x7FF) + 2 == len(data)


def hdlc_frames():
    """The plain captures that are one HDLC frame each (bytes), in plain_cases order."""
    return [f for _, f, _ in plain_cases() if is_one_hdlc_frame(f)]


def malformed_cases():
    return [
        (folder + "/" + name, read_hex(os.path.join(CAPTURES, folder, name)), exp)
        for folder in folders_of("malformed")
        for name, exp in sorted(expected(folder).items())
    ]


def keyed_cases():
    """(folder, name, expected dict, keys dict or None) for every ciphered capture."""
    out = []
    for folder in folders_of("keyed"):
        with open(os.path.join(CAPTURES, folder, "keys.json")) as f:
            keys = json.load(f)
        for name, exp in sorted(expected(folder).items()):
            out.append((folder, name, exp, keys.get(name)))
    return out
