"""The firmware's App API (issue 11 item 4) and its answers under pressure (issue 12 item 13).

* ``commands.py`` never imports ``app.py`` and uses only the App's public
  API (no ``app._private`` reach-in);
* the core's Reader has separate callbacks: framing rejects on
  ``on_reject``, verified messages that do not decode on ``on_error``;
* raw mode works for every protocol: HDLC, M-Bus (encrypted) and P1, and
  each raw line decodes on the host to the very reading the dongle printed;
* a configuration command whose flash save fails still gets exactly one
  answer, saying what was applied and that it was not saved, and a key set
  that way is in use.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FW = REPO / "firmware"
CAPTURES = REPO / "tests" / "captures"

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_firmware as tf  # noqa: E402

AIDON = CAPTURES / "aidon" / "doc-example-list2.hex"
MBUS = CAPTURES / "mbus" / "netznoe-kaifa-ma309m-sample.hex"
MBUS_KEY = json.loads((CAPTURES / "mbus" / "keys.json").read_text())[MBUS.name]["key"]
P1 = CAPTURES / "p1" / "dsmr50-iskra-mt382.txt"


def _imports(path):
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            out.add(node.module)
    return out


def test_commands_never_import_the_app_and_use_only_its_public_api():
    assert "app" not in _imports(FW / "commands.py")
    src = (FW / "commands.py").read_text()
    # No private attribute of the App, and no reaching through it into the reader's framers.
    assert re.findall(r"app\._\w+", src) == []
    assert re.findall(r"app\.reader\b", src) == []
    app_src = (FW / "app.py").read_text()
    for name in ("def reopen(self)", "def redetect(self)", "def set_raw(self, on)", "def set_decryption(self)"):
        assert name in app_src


def test_reader_reports_framing_rejects_and_decode_errors_through_separate_callbacks():
    from protocols.decoder import Reader

    import capture  # firmware/sim (test_firmware put it on the path)

    frame = capture.load(str(MBUS))
    rejects, errors = [], []
    r = Reader(on_reject=rejects.append, on_error=errors.append)
    # The M-Bus capture is encrypted: without a key every message verifies and fails to decode.
    assert r.feed(frame) == []
    assert [e.kind for e in errors] and {e.kind for e in errors} == {"encrypted"}
    assert rejects == []
    # A broken checksum is a framing reject, never a decode error.
    bad = bytearray(capture.load(str(AIDON)))
    bad[-3] ^= 0xFF  # inside the FCS
    rejects.clear()
    errors.clear()
    r2 = Reader(on_reject=rejects.append, on_error=errors.append)
    assert r2.feed(bytes(bad)) == []
    r2.flush()
    assert [e.kind for e in rejects] == ["fcs"] and errors == []
    # Without on_error, decode errors go to on_reject as before (host callers).
    both = []
    r3 = Reader(on_reject=both.append)
    r3.feed(frame)
    assert {e.kind for e in both} == {"encrypted"}


@pytest.fixture(scope="module")
def raw_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fw-raw")
    runs = [
        {"name": "hdlc", "capture": str(AIDON), "set": {"raw": True}},
        {"name": "mbus", "capture": str(MBUS), "set": {"raw": True, "key": MBUS_KEY}},
        {"name": "mbus-nokey", "capture": str(MBUS), "set": {"raw": True}},
        {"name": "p1", "capture": str(P1), "meter": "115200-8N1",
         "set": {"raw": True, "serial": "115200-8N1"}},
    ]
    return tf.run_jobs("unix", runs, tmp)


def _pairs(lines):
    """(raw bytes, the reading line that follows it) for every raw line."""
    out = []
    for i, ln in enumerate(lines):
        if ln.startswith('{"raw": '):
            nxt = None
            for later in lines[i + 1:]:
                if not later.startswith(('{"event": "locked"', '{"event": "detect"')):
                    nxt = later
                    break
            out.append((bytes.fromhex(json.loads(ln)["raw"]), nxt))
    return out


def test_raw_mode_on_hdlc_prints_whole_frames_that_decode_to_the_reading(raw_runs):
    from hostlib.decode import decode

    rc, _, lines = raw_runs["hdlc"]
    assert rc == 0
    pairs = _pairs(lines)
    assert len(pairs) == 1
    raw, reading = pairs[0]
    assert raw == tf.capture.load(str(AIDON))  # 7E ... 7E, as received
    assert decode(raw).to_json() == reading


def test_raw_mode_on_mbus_prints_each_message_even_when_it_cannot_be_decoded(raw_runs):
    from protocols.decoder import decode_apdu
    from protocols.security import make_decryptor

    rc, _, lines = raw_runs["mbus"]
    assert rc == 0
    pairs = _pairs(lines)
    want = tf.readings(lines)
    assert len(pairs) == len(want) >= 1
    from protocols import mbus

    for raw, reading in pairs:
        assert raw[:1] == b"\x68"  # the M-Bus frames as received (the framer keeps them in raw mode)
        apdu = mbus.reassemble(mbus.parse_frames(raw))
        assert apdu[:2] == b"\xdb\x08"
        assert decode_apdu(apdu, make_decryptor(MBUS_KEY, None)).to_json() == reading
    # Without the key: the raw lines still come, each followed by its decode_error line.
    rc, _, lines = raw_runs["mbus-nokey"]
    pairs = _pairs(lines)
    assert len(pairs) == len(want) and [p[0] for p in pairs] == [p[0] for p in _pairs(raw_runs["mbus"][2])]
    assert all(json.loads(n)["event"] == "decode_error" and json.loads(n)["kind"] == "encrypted" for _, n in pairs)


def test_raw_mode_on_p1_prints_the_telegram(raw_runs):
    from protocols.p1 import decode_telegram

    rc, _, lines = raw_runs["p1"]
    assert rc == 0
    pairs = _pairs(lines)
    assert len(pairs) == 1
    raw, reading = pairs[0]
    assert raw.startswith(b"/ISk5") and raw.rstrip().endswith(b"\r\n!" + raw.rstrip()[-4:])
    assert decode_telegram(raw).to_json() == reading


# -- issue 12 item 13: under pressure, nothing lost in silence -----------------------------------


def pressure(tmp_path, capture_path, mode, *extra):
    tf.need("unix")
    b = tf.bundle.build(sim=True)
    res = tf.mpvm.run("unix", REPO / "tests" / "mp" / "fw_pressure.py",
                      [str(tmp_path / "flash"), str(capture_path), mode, *extra], libs=[(str(b), "/lib")],
                      heap=tf.UNIX_HEAP, timeout=60)
    assert res.returncode == 0, res.stderr.decode(errors="replace")[-2000:]
    return res.stdout.decode().splitlines()


def test_a_key_set_when_the_flash_cannot_save_is_applied_and_the_answer_says_not_saved(tmp_path):
    lines = pressure(tmp_path, MBUS, "nosave", MBUS_KEY)
    assert lines[0] == ('{"ok": "set", "changed": ["key"], "saved": false, '
                        '"error": "not saved (flash error 21): in use until the next boot"}')
    assert lines[1] == '{"ok": "unset", "changed": []}'
    assert MBUS_KEY not in "\n".join(lines) and MBUS_KEY.lower() not in "\n".join(lines)
    # The key is in use: the encrypted M-Bus push decodes (the same push again would be a replay).
    rd = tf.readings(lines)
    assert rd == _mbus_readings() and len(rd) == 1 and '"id": "181220000009"' in rd[0]
    st = json.loads(lines[-1])["status"]
    assert st["decrypt"] == "on" and st["decode_errors"] == 0


def _mbus_readings():
    from protocols.decoder import Reader
    from protocols.security import make_decryptor

    r = Reader(decrypt=make_decryptor(MBUS_KEY, None))
    data = tf.capture.load(str(MBUS))
    out = []
    for i in range(0, len(data), 512):
        out += [x.to_json() for x in r.feed(data[i:i + 512])]
    return out


def test_every_reading_lost_to_memory_errors_is_counted_in_the_status_line(tmp_path):
    lines = pressure(tmp_path, tf.SAMPLE, "decode")
    rd = tf.readings(lines)
    st = json.loads(lines[-1])["status"]
    # 9 pushes: every third decode met MemoryError.
    assert len(rd) == 6 and set(rd) == set(tf.host_lines(tf.capture.load(str(tf.SAMPLE))))
    assert st["lost_readings"] == 3 and st["out_of_memory"] == 3
    assert len(rd) + st["lost_readings"] == 9
    faults = [json.loads(ln) for ln in lines if ln.startswith('{"event": "fault"')]
    assert faults and faults[0]["error"] == "MemoryError: memory allocation failed, allocating 2048 bytes"


def test_the_status_line_is_written_in_pieces_with_the_same_text():
    """The periodic status line is written piece by piece (no whole line in
    the heap: at a low heap it is the line that could not be built, issue 12
    item 13); it is the very text of the command's answer, and a line cut by
    MemoryError still ends."""
    import types

    sys.path.insert(0, str(REPO / "firmware"))
    import status

    reader = types.SimpleNamespace(status=lambda: ("ok", None), protocol="hdlc")
    app = types.SimpleNamespace(
        reader=reader, counters=lambda: {"accepted": 7, "fcs_errors": 1, "readings": 6}, uptime_s=lambda: 42,
        board={"name": "pico"}, detector=types.SimpleNamespace(current="2400-8E1", locked=True), lost_readings=0,
        out_of_memory=0, uart_bytes=1234, faults=0, cfg={"raw": False}, decrypt_state="off", boots=1,
        unknown_layout="oiii", energy=None,
        net=types.SimpleNamespace(status_pairs=lambda: [("wifi", "up"), ("rssi", -61), ("mqtt", "up")]))
    pieces = []
    status.write_status(app, pieces.append)
    line = status.status_line(app)
    assert "".join(pieces) == line + "\n"
    d = json.loads(line)["status"]
    assert (d["frames"], d["checksum_errors"], d["layout"], d["wifi"], d["rssi"]) == (7, 1, "unknown-layout oiii",
                                                                                      "up", -61)
    assert len(pieces) > 40 and max(len(p) for p in pieces) < 40  # pieces, not the line

    def failing(p, n=[0]):
        n[0] += 1
        if n[0] == 9:
            raise MemoryError
        pieces.append(p)

    pieces.clear()
    try:
        status.write_status(app, failing)
    except MemoryError:
        pass
    assert pieces[-1] == "\n" and "".join(pieces[:-1]) == line[:len("".join(pieces[:-1]))]
