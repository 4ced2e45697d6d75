"""Same answer on the device (issue #3 item 7): every capture decodes under
real MicroPython (webassembly VM, 32-bit; unix port) to the byte-identical
JSON that CPython produces (keys are written in a fixed order on both, so
byte equality is stricter than equality after canonical ordering)."""

import json
import os
import sys

import pytest

import capture_data
from capture_data import CAPTURES, read_hex
from protocols.decoder import Reader, decode_apdu, decode_frame
from protocols.errors import HanError


def decode_capture(data):
    """The reading of one capture file: an HDLC frame (decode_frame: its own
    errors), several HDLC frames of one push (segments, general-block-transfer
    blocks) or a bare APDU (``0F``, or after the LLC header ``E6 E7 00``)."""
    if data[0] == 0x7E:
        n = (((data[1] << 8) | data[2]) & 0x7FF) + 2
        if n + 1 < len(data) and data[n - 1] == 0x7E and data[n] == 0x7E:
            rd = Reader(protocol="hdlc", max_frame=2049)
            out = rd.feed(data) + rd.flush()
            if out:
                return out[0]
        return decode_frame(data)
    return decode_apdu(data[3:] if data[:3] == b"\xe6\xe7\x00" else data)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import mpvm  # noqa: E402

VMS = ["wasm", "unix"]


def host_lines():
    # Every capture folder without keys or P1 telegrams, found by folder as
    # tests/mp/dump_readings.py finds them on the device.
    out = []
    for folder in capture_data.folders():
        if capture_data.kind(folder) not in ("plain", "malformed"):
            continue
        for name in capture_data.data_files(folder):
            if not name.endswith(".hex"):
                continue
            try:
                text = decode_capture(read_hex(os.path.join(CAPTURES, folder, name))).to_json()
            except HanError as e:
                text = "error " + e.kind
            out.append(folder + "/" + name + " " + text)
    # Every P1 telegram in its four line-end forms (dump_readings.p1_lines,
    # the same code run here on CPython).
    for folder in capture_data.folders_of("p1"):
        for name in capture_data.data_files(folder):
            with open(os.path.join(CAPTURES, folder, name), "rb") as f:
                data = f.read()
            for line in _dump().p1_lines(data):
                out.append(folder + "/" + name + " " + line)
    # Every ciphered capture, decrypted by the host's decryptor (hostlib.crypto,
    # the cryptography package) with its keys and without the authentication
    # key (dump_readings.keyed_lines; the device decrypts with protocols.security).
    from hostlib.crypto import Decryptor

    for folder in capture_data.folders_of("keyed"):
        with open(os.path.join(CAPTURES, folder, "keys.json")) as f:
            keys = json.load(f)
        names = [n for n in capture_data.data_files(folder) if n.endswith(".hex")]
        out.extend(_dump().keyed_lines(folder, names, keys, lambda rel: read_hex(os.path.join(CAPTURES, rel)),
                                       Decryptor))
    return out


def _dump():
    """tests/mp/dump_readings.py's helpers, imported on CPython without running its main()."""
    import types

    path = os.path.join(ROOT, "tests", "mp", "dump_readings.py")
    with open(path) as f:
        src = f.read()
    mod = types.ModuleType("dump_readings")
    sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
    exec(compile(src.replace("\nmain()\n", "\n"), path, "exec"), mod.__dict__)
    return mod


@pytest.mark.parametrize("vm", VMS)
def test_device_json_is_identical(vm):
    if os.environ.get("HANREADER_NO_MICROPYTHON") == "1":
        pytest.skip("HANREADER_NO_MICROPYTHON=1")
    libs = [
        (mpvm.PROTOCOLS_DIR, "/lib/protocols"),
        (os.path.join(ROOT, "tests", "mp"), "/lib"),
        (mpvm.CAPTURES_DIR, mpvm.VM_CAPTURES_DIR),
    ]
    r = mpvm.run(vm, os.path.join(ROOT, "tests", "mp", "dump_readings.py"), libs=libs, heap="512k", timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-3000:]
    device = r.stdout.decode().splitlines()
    host = host_lines()
    assert len(host) >= 50
    # The ciphered captures are in it, each reading saying whether it was
    # authenticated: SC 0x30 with the authentication key, without it, SC 0x20.
    by_name = dict(h.split(" ", 1) for h in host)
    kam = "encrypted/kamstrup-omnipower-dk-dlmsparser.hex"
    assert '"time": "2026-03-12T15:24:30", "authenticated": true, "registers": [' in by_name[kam]
    assert '"time": "2026-03-12T15:24:30", "authenticated": false, "registers": [' in by_name[kam + "#no-auth-key"]
    assert '"authenticated": false, "registers": [' in by_name["mbus/netznoe-kaifa-ma309m-sample.hex"]
    assert len(device) == len(host)
    for d, h in zip(device, host):
        assert d == h
    # And each line is valid JSON that parses to the same document.
    for d, h in zip(device, host):
        name, _, text = d.partition(" ")
        if name.endswith(".txt"):
            form, _, text = text.partition(" ")
            assert form in ("crlf", "crlf-nobreak", "lf", "lf-nobreak")
            if text.startswith("error"):
                continue
            # (a reading line: valid JSON, the same document as the host's)
            assert json.loads(text) == json.loads(h.partition(" ")[2].partition(" ")[2])
            continue
        if not text.startswith("error"):
            assert json.loads(text) == json.loads(h.partition(" ")[2])
