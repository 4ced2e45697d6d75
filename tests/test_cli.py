# tests/test_cli.py: the hanreader command: decode, read, record, replay, simulate; exit codes.
import datetime
import io
import json
import os
import subprocess
import sys
import threading

import pytest

import protocols
from hostlib import cli
from hostlib.simulator import FastFrames, Simulator
from hostlib.sinks import TcpServerSink

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, "tests", "captures")
MALFORMED = os.path.join(CAPTURES, "malformed")
START = datetime.datetime(2025, 1, 15, 13, 59, 0)
DOC_HEX = os.path.join(CAPTURES, "aidon", "doc-example-list2.hex")


def run(argv, stdin=b""):
    """main([...]) in-process with captured stdout/stderr: (status, out, err)."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        code = cli.main(argv)
    finally:
        sys.stdout, sys.stderr, sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def sub(args, stdin=b"", timeout=60):
    p = subprocess.run([sys.executable, "-m", "hostlib.cli"] + args, input=stdin, capture_output=True,
                       timeout=timeout, cwd=ROOT)
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode()


def doc_frame():
    from hostlib.hexinput import decode_hex

    return decode_hex(open(DOC_HEX, "rb").read())


def test_decode_hex_file_json_equals_to_json():
    code, out, err = run(["decode", "--json", DOC_HEX])
    assert code == 0
    assert out.splitlines() == [protocols.decode_frame(doc_frame()).to_json()]


def test_decode_table_output():
    code, out, err = run(["decode", DOC_HEX])
    assert code == 0
    assert out.startswith("Aidon 6515 id 7359992890941742 (AIDON_V0001) time -\n")
    assert "  current_l1             1-0:31.7.0.255                9.3 A\n" in out
    assert "1 frame decoded, 0 rejected" in err


def test_decode_raw_stdin_with_garbage_between_frames():
    frames = [f.frame for f in Simulator("kaifa", 3, seed=2, start=START).frames(count=12)]
    blob = b"\x00\xff noise \x7e\x7e"
    for i, f in enumerate(frames):
        blob += f + os.urandom(i * 7).replace(b"\x7e", b"\x00")
    code, out, err = sub(["decode", "--json", "-"], stdin=blob)
    assert code == 0, err
    assert out.splitlines() == [protocols.decode_frame(f).to_json() for f in frames]
    assert "Traceback" not in err


def test_decode_hex_with_comments_and_many_frames(tmp_path):
    frames = [f.frame for f in Simulator("kamstrup", 1, seed=2, start=START).frames(count=4)]
    text = "# four Kamstrup frames\n"
    for f in frames:
        h = f.hex().upper()
        text += "# frame\n" + "\n".join(" ".join(h[i:i + 2] for i in range(j, min(j + 32, len(h)), 2))
                                        for j in range(0, len(h), 32)) + "  # end\n\nGARBAGE?\n"[:7] + "\n"
    p = tmp_path / "k.hex"
    p.write_text(text)
    code, out, err = run(["decode", "--json", str(p)])
    assert code == 0, err
    assert [json.loads(x) for x in out.splitlines()] == [json.loads(protocols.decode_frame(f).to_json()) for f in frames]


def _malformed():
    return sorted(json.load(open(os.path.join(MALFORMED, "expected.json"))).items())


@pytest.mark.parametrize("name, info", _malformed())
def test_decode_reports_malformed_frames_with_their_kind(name, info):
    code, out, err = run(["decode", "--json", os.path.join(MALFORMED, name)])
    first = [l for l in err.splitlines() if "rejected frame" in l][0]
    assert first.startswith("hanreader: rejected frame at byte 0: %s: " % info["kind"])
    assert "Traceback" not in err
    if name in ("length-long.hex", "missing-close.hex"):
        assert code == 0 and len(out.splitlines()) == 1  # the intact frame after it
    else:
        assert code == 1 and out == ""


def test_decode_exit_codes_and_errors(tmp_path):
    bad = tmp_path / "bad.hex"
    bad.write_text("7E A0 D2\n41 0G 83\n")
    code, out, err = run(["decode", str(bad)])
    # The bad line is skipped with its place; nothing decodes: status 1, with the summary.
    assert code == 1 and "bad hex: line 2, column 5: 'G' is not a hex digit; line skipped" in err
    assert "0 frames decoded" in err and "1 bad line of hex skipped" in err
    assert run(["decode", "--frobnicate"])[0] == 2
    assert run([])[0] == 2
    code, out, err = run(["decode", "--key", "00112233", DOC_HEX])
    assert code == 2 and "expected 16 bytes" in err
    code, out, err = run(["decode", str(tmp_path / "missing.hex")])
    assert code == 1 and "no such file" in err
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    code, out, err = run(["decode", str(empty)])
    assert code == 1 and "no frame found" in err


def test_errors_users_meet_never_traceback():
    code, out, err = sub(["read", "/dev/ttyNOSUCH9", "--no-reconnect"])
    assert code == 1 and "no such serial port" in err and "Traceback" not in err
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    code, out, err = sub(["read", "tcp://127.0.0.1:%d" % port])
    assert code == 1 and "connection refused" in err and "Traceback" not in err


def _serve(frames, srv):
    def go():
        srv.connected.wait(10)
        for f in frames:
            srv(f.frame)
    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t


def test_read_tcp_json_and_reconnect_message():
    frames = list(Simulator("aidon", 3, seed=4, start=START).frames(count=8))
    srv = TcpServerSink(0)
    try:
        t = _serve(frames, srv)
        code, out, err = run(["read", srv.url, "--json", "--count", "8"])
        t.join()
    finally:
        srv.close()
    assert code == 0, err
    # Live readings carry the time they were received; the rest is the decoder's JSON.
    assert [_without_received(x) for x in out.splitlines()] == [
        protocols.decode_frame(f.frame).to_json() for f in frames]
    got = [datetime.datetime.fromisoformat(json.loads(x)["received_at"]) for x in out.splitlines()]
    now = datetime.datetime.now(datetime.timezone.utc)
    assert all(datetime.timedelta(0) <= now - t < datetime.timedelta(seconds=60) for t in got)
    assert got == sorted(got)
    assert "%s: connected" % srv.url in err


def _without_received(line):
    """A JSON line without its "received_at" (which is after "time"): the decoder's bytes."""
    import re

    new, n = re.subn(r', "received_at": "[^"]*"', "", line, count=1)
    assert n == 1, line
    return new


def test_read_reports_a_closed_peer_and_exits_without_reconnect():
    frames = list(Simulator("kaifa", 1, seed=4, start=START).frames(count=3))
    srv = TcpServerSink(0)
    t = _serve(frames, srv)

    def close_later():
        t.join()
        import time as _t
        _t.sleep(0.2)  # let the bytes drain before closing (not an assertion)
        srv.close()

    threading.Thread(target=close_later, daemon=True).start()
    code, out, err = run(["read", srv.url, "--json", "--no-reconnect"])
    assert code == 1 and "closed the connection" in err and "Traceback" not in err
    assert len(out.splitlines()) == 3


def test_record_replay_decode_roundtrip(tmp_path):
    frames = list(Simulator("kamstrup", 3, seed=5, start=START).frames(count=5))
    srv = TcpServerSink(0)
    path = str(tmp_path / "k.hanrec")
    try:
        t = _serve(frames, srv)
        code, out, err = run(["record", srv.url, path, "--count", "5"])
        t.join()
    finally:
        srv.close()
    assert code == 0, err
    assert open(path).readline() == "# hanreader recording v1\n"
    want = [protocols.decode_frame(f.frame).to_json() for f in frames]
    code, out, err = run(["replay", "--fast", "--json", path])
    assert code == 0 and [_without_received(x) for x in out.splitlines()] == want
    replayed = out.splitlines()
    code, out, err = run(["decode", "--json", path])
    # The recording's timestamps are the readings' received_at, in replay and decode alike.
    assert code == 0 and out.splitlines() == replayed


def test_simulate_to_stdout_pipes_into_decode():
    code, raw, err = sub(["simulate", "--meter", "kaifa", "--phases", "1", "--fast", "--count", "15",
                          "--seed", "3", "--start", START.isoformat()])
    assert code == 0 and "sent 15 frames" in err
    # --fast: the template generator (hostlib.simulator.FastFrames, meter clock in Europe/Oslo)
    want = [f.frame for f in FastFrames(Simulator("kaifa", 1, seed=3, start=START)).frames(count=15)]
    p = subprocess.run([sys.executable, "-m", "hostlib.cli", "simulate", "--meter", "kaifa", "--phases", "1",
                        "--fast", "--count", "15", "--seed", "3", "--start", START.isoformat()],
                       capture_output=True, cwd=ROOT, timeout=60)
    assert p.stdout == b"".join(want)
    code, out, err = sub(["decode", "--json"], stdin=p.stdout)
    assert out.splitlines() == [protocols.decode_frame(f).to_json() for f in want]


def test_simulate_into_a_pty_and_read_it():
    """hanreader simulate --pty, then hanreader read on the printed pty."""
    proc = subprocess.Popen([sys.executable, "-m", "hostlib.cli", "simulate", "--meter", "aidon", "--pty",
                             "--speed", "50", "--seed", "1"], stderr=subprocess.PIPE, cwd=ROOT)
    try:
        path = None
        for line in proc.stderr:
            line = line.decode()
            if "hanreader read " in line:
                path = line.split("hanreader read ")[1].strip()
                break
        assert path and path.startswith("/dev/pts/")
        code, out, err = sub(["read", path, "--json", "--count", "4"])
        assert code == 0, err
        rs = [json.loads(x) for x in out.splitlines()]
        assert len(rs) == 4 and all(r["meter"]["manufacturer"] == "Aidon" for r in rs)
        assert "a pty has no parity" in err
    finally:
        proc.terminate()
        proc.wait(10)


def test_replay_resends_the_recorded_bytes(tmp_path):
    # replay --raw / --tcp: the recorded chunks, byte for byte, through the one read loop.
    from hostlib.recording import RecordingWriter

    frames = [f.frame for f in Simulator("aidon", 3, seed=2, start=START).frames(count=4)]
    path = str(tmp_path / "r.hanrec")
    with open(path, "w") as fh:
        w = RecordingWriter(fh, source="test")
        for k, f in enumerate(frames):
            w.write(f[:7], t=k)  # chunks as a port delivers them
            w.write(f[7:], t=k + 0.01)
    code, out, err = sub(["replay", "--fast", "--raw", path])
    assert code == 0, err
    assert out.encode("latin-1") == b"".join(frames)
    srv_port = __import__("mqtt_broker").free_port()
    p = subprocess.Popen([sys.executable, "-m", "hostlib.cli", "replay", "--fast", "--tcp", str(srv_port),
                          "--wait-client", path], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    import socket
    import time

    got = b""
    for _ in range(100):
        try:
            c = socket.create_connection(("127.0.0.1", srv_port), 1)
            break
        except OSError:
            time.sleep(0.1)
    c.settimeout(10)
    while len(got) < len(b"".join(frames)):
        chunk = c.recv(65536)
        if not chunk:
            break
        got += chunk
    c.close()
    p.wait(30)
    assert got == b"".join(frames) and p.returncode == 0, p.stderr.read()
