# tests/test_first_hour.py: issue 17 ("the first hour") and issue 11 item 3 (one path through hostlib):
# the Reading mapping, times and received_at, counters, asyncio on a pty, --auto with the shared
# detector, record --count for every protocol.
import asyncio
import collections.abc
import datetime
import json
import os
import sys
import threading

import pytest
import serial

import protocols
from hostlib import aio, sources
from hostlib.reader import HanReader, follow
from hostlib.recording import RecordingWriter
from hostlib.simulator import Simulator
from protocols.reading import Reading, local_offset, utc_text
from test_cli import run  # main([...]) in-process: (status, out, err)
from test_hostlib_io import AIDON_DOC, _pty_pair, _writer, sim_frames

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, "tests", "captures")
UTC = datetime.timezone.utc
START = datetime.datetime(2025, 1, 15, 13, 59, 0)


# -- item 1: a read-only mapping ------------------------------------------------------------------


def test_reading_is_a_read_only_mapping():
    r = protocols.decode_frame(AIDON_DOC)
    assert isinstance(r, collections.abc.Mapping)
    assert "voltage_l1" in r and "1-0:32.7.0.255" in r and "voltage_l3" not in r
    assert list(r) == ["list_version", "meter_id", "meter_type", "active_power_import", "active_power_export",
                       "reactive_power_import", "reactive_power_export", "current_l1", "voltage_l1"]
    assert len(r) == 9 and list(r.keys()) == list(r)
    assert dict(r) == {"list_version": "AIDON_V0001", "meter_id": "7359992890941742", "meter_type": "6515",
                       "active_power_import": 1362, "active_power_export": 0, "reactive_power_import": 996,
                       "reactive_power_export": 0, "current_l1": 9.3, "voltage_l1": 250.0}
    assert r.items()[3] == ("active_power_import", 1362) and r.values()[-1] == 250.0
    assert r["1-0:31.7.0.255"] == 9.3 and r.get("nothing", 7) == 7
    with pytest.raises(KeyError):
        r["nothing"]
    with pytest.raises(TypeError):
        r["voltage_l1"] = 1  # read-only
    reg = r.register("voltage_l1")
    assert (reg.obis, reg.unit, reg.raw, reg.scaler) == ("1-0:32.7.0.255", "V", 2500, -1)
    assert Reading.__doc__ and "mapping" in Reading.__doc__ and Reading.keys.__doc__


# -- item 2: timezone-aware time, received_at -------------------------------------------------------


def test_local_offset_follows_the_eu_rules():
    zi = pytest.importorskip("zoneinfo")
    try:
        oslo = zi.ZoneInfo("Europe/Oslo")
    except zi.ZoneInfoNotFoundError:
        pytest.skip("no time zone database")
    t = datetime.datetime(2023, 1, 1, 0, 30)
    while t.year < 2026:
        want = oslo.utcoffset(t.replace(fold=0)).total_seconds() // 60
        assert local_offset(t.year, t.month, t.day, t.hour, t.minute) == want, t
        t += datetime.timedelta(hours=7)
    assert local_offset(2024, 3, 31, 1, 59) == 60 and local_offset(2024, 3, 31, 3, 0) == 120
    assert local_offset(2024, 10, 27, 2, 30) == 120 and local_offset(2024, 10, 27, 3, 0) == 60


def test_meter_time_is_timezone_aware():
    # The meter sends local time without a deviation: the Central European convention.
    r = Reading(None, "2024-10-30T17:32:00", [])
    assert r.time == datetime.datetime(2024, 10, 30, 16, 32, tzinfo=UTC)
    assert r.time.utcoffset() == datetime.timedelta(hours=1)
    r = Reading(None, "2024-07-01T12:00:00", [])
    assert r.time.utcoffset() == datetime.timedelta(hours=2)
    # A meter that sends its deviation is read with it.
    r = Reading(None, "2021-09-27T09:47:15+02:00", [])
    assert r.time == datetime.datetime(2021, 9, 27, 7, 47, 15, tzinfo=UTC)


def test_a_list_without_clock_gets_received_at_and_its_json_carries_it():
    r = protocols.decode_frame(AIDON_DOC)  # list 2 of the Aidon document: no clock
    assert r.time is None and r.received_at is None and r.time_text is None
    plain = r.to_json()
    assert '"received_at"' not in plain  # unchanged where nothing is known (byte-identical to the device)
    r.received_at = 1730305920.25
    assert r.received_at == datetime.datetime(2024, 10, 30, 16, 32, 0, 250000, tzinfo=UTC)
    assert r.time == r.received_at  # no meter clock: the receive time
    line = r.to_json()
    assert line == plain.replace('"time": null, ', '"time": null, "received_at": "2024-10-30T16:32:00.250+00:00", ')
    assert json.loads(line)["received_at"] == "2024-10-30T16:32:00.250+00:00"
    # the dongle's line keeps its received_at
    from hostlib.dongle import parse_line

    back = parse_line(line)
    assert back.received_at == r.received_at and back.to_json() == line


def test_utc_text_is_exact():
    for t in (0, 1, 951782400.999, 1709251199.5, 4102444800.001):
        want = datetime.datetime.fromtimestamp(round(t, 3), UTC).isoformat(timespec="milliseconds")
        assert utc_text(t) == want
    assert utc_text(1709251200, 7) == "2024-03-01T00:00:00.007+00:00"


def test_recorded_timestamps_flow_into_received_at(tmp_path):
    # A year of list-1 frames (no clock) can be placed in time: the recording says when each came.
    frames = [f.frame for f in sim_frames("aidon", 3, 4)]
    path = str(tmp_path / "a.hanrec")
    with open(path, "w") as f:
        w = RecordingWriter(f, source="test", started="2025-06-01T10:00:00+02:00")
        for i, fr in enumerate(frames):
            w.write(fr, t=2.5 * i)
    base = datetime.datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    want = [base + datetime.timedelta(seconds=2.5 * i) for i in range(4)]
    src = sources.open_file(path)
    got = [r.received_at for r in HanReader(src)]
    assert got == want
    code, out, err = run(["replay", "--fast", "--json", path])
    assert code == 0
    assert [json.loads(x)["received_at"] for x in out.splitlines()] == [
        t.isoformat(timespec="milliseconds") for t in want]


# -- item 3: types, counters -------------------------------------------------------------------------


def test_counters_are_the_same_kind_in_the_core_and_the_host():
    core = protocols.Reader()
    core.feed(AIDON_DOC)
    host = HanReader()
    host.feed(AIDON_DOC)
    a, b = core.counters(), host.counters()
    assert type(a) is dict and type(b) is dict
    assert a["accepted"] == b["accepted"] == 1 and a["readings"] == b["readings"] == 1
    assert set(a) <= set(b)


def test_the_packages_ship_type_information():
    import typing

    import hostlib

    for pkg in ("hostlib", "protocols"):
        assert os.path.isfile(os.path.join(ROOT, pkg, "py.typed"))
    hints = typing.get_type_hints(HanReader.feed)
    assert hints["return"] == typing.List[Reading]
    assert typing.get_type_hints(hostlib.decode)["return"] is Reading
    assert typing.get_type_hints(protocols.Reader.feed)["return"] == typing.List[Reading]
    for f in (sources.open_source, follow, aio.open_reader, Reading.get, Reading.register):
        assert "return" in typing.get_type_hints(f), f


# -- item 4: the asyncio API on a pty ------------------------------------------------------------------


def test_aio_reads_a_pty_with_even_parity_like_the_sync_path():
    frames = sim_frames("kaifa", 3, 6)
    master, slave, path = _pty_pair()

    async def main():
        got = []
        reader = await aio.open_reader(path)  # 2400 8E1 by default: a pty has no parity
        async with reader:
            t = _writer(master, frames)
            async for r in reader:
                got.append(r)
                if len(got) == len(frames):
                    break
        t.join()
        return got, reader.counters()

    try:
        got, c = asyncio.run(main())
    finally:
        os.close(master)
        os.close(slave)
    assert [r["active_power_import"] for r in got] == [f.expected["active_power_import"] for f in frames]
    assert c["accepted"] == 6 and all(r.received_at is not None for r in got)


def test_aio_follow_retries_a_vanished_pty():
    frames = sim_frames("aidon", 3, 3)
    master, slave, path = _pty_pair()
    events = []
    writer = []

    def on_event(kind, msg):
        events.append((kind, msg))
        if kind == "connected" and not writer:
            writer.append(_writer(master, frames))  # the port flushes its input when opened

    async def main():
        got = []
        gen = aio.follow(path, on_event=on_event, initial_delay=0.05, max_delay=0.1)
        try:
            async for r in gen:
                got.append(r)
                if len(got) == len(frames):
                    writer[0].join()
                    os.close(master)  # the pty vanishes
                    os.close(slave)
                    break
            # The same generator, the same reader, goes on retrying (the sync path's behaviour).
            ar_task = asyncio.ensure_future(gen.__anext__())
            for _ in range(200):
                await asyncio.sleep(0.05)
                if [k for k, _ in events].count("retry") >= 2:
                    break
            ar_task.cancel()
            try:
                await ar_task  # cancelling it closes the reader (stop, close the port)
            except (asyncio.CancelledError, StopAsyncIteration):
                pass
        finally:
            await gen.aclose()
        return got

    got = asyncio.run(asyncio.wait_for(main(), 30))
    assert [r["active_power_import"] for r in got] == [f.expected["active_power_import"] for f in frames]
    kinds = [k for k, _ in events]
    assert kinds[0] == "connected" and "lost" in kinds and kinds.count("retry") >= 2, events
    assert any("disappeared" in m for k, m in events if k == "lost")


# -- issue 11 item 3: --auto runs the shared detector, for every protocol -----------------------------


class _FakeMeterPort:
    """A serial port on which a meter sends ``stream`` at one setting; any other
    setting delivers the line's bytes mangled (as a UART at the wrong speed does)."""

    setting = None
    stream = b""
    opened = []

    def __init__(self, port, baudrate=9600, bytesize=8, parity="N", stopbits=1, timeout=None,
                 write_timeout=None, exclusive=None):
        self.baudrate, self.parity, self.bytesize, self.stopbits = baudrate, parity, bytesize, stopbits
        self.pos = 0
        type(self).opened.append((baudrate, parity))
        self.right = (baudrate, parity) == type(self).setting

    @property
    def in_waiting(self):
        return 255

    def read(self, n):
        s = type(self).stream
        out = bytearray()
        for _ in range(n):
            b = s[self.pos % len(s)]
            self.pos += 1
            out.append(b if self.right else (b * 37 + 11) & 0xFF)
        return bytes(out)

    def close(self):
        pass


def _p1_capture():
    with open(os.path.join(CAPTURES, "p1", "dsmr50-iskra-mt382.txt"), "rb") as f:
        return f.read()


def _mbus_capture():
    from hostlib.hexinput import decode_hex

    with open(os.path.join(CAPTURES, "mbus", "netznoe-kaifa-ma309m-sample.hex"), "rb") as f:
        return decode_hex(f.read())


@pytest.mark.parametrize("setting, stream, protocol", [
    ((115200, "N"), _p1_capture(), "p1"),
    ((2400, "E"), _mbus_capture(), "mbus"),
    ((9600, "N"), AIDON_DOC, "hdlc"),
])
def test_auto_finds_every_protocol_at_its_setting(monkeypatch, setting, stream, protocol):
    monkeypatch.setattr(_FakeMeterPort, "setting", setting)
    monkeypatch.setattr(_FakeMeterPort, "stream", stream)
    monkeypatch.setattr(_FakeMeterPort, "opened", [])
    monkeypatch.setattr(serial, "Serial", _FakeMeterPort)
    probes = []
    src = sources.open_serial("/dev/ttyFAKE0", auto=True, on_probe=lambda b, p: probes.append((b, p)))
    assert src.detected == setting and src.detected_protocol == protocol
    order = [(2400, "E"), (2400, "N"), (9600, "N"), (115200, "N")]
    assert probes == order[:order.index(setting) + 1]
    reader = HanReader()
    for _ in range(100):
        reader.feed(src.read())
        if reader.counters()["accepted"]:
            break
    assert reader.core.protocol == protocol and reader.counters()["accepted"] >= 1


def test_auto_detection_is_protocols_detector():
    import protocols.detect as d

    assert sources._detect.__code__.co_names.count("Detector") >= 1
    assert d.Detector.__module__ == "protocols.detect"
    sys.path.insert(0, os.path.join(ROOT, "firmware"))
    try:
        import detect as fw
    finally:
        sys.path.pop(0)
    assert fw.Detector is d.Detector  # the firmware runs the same class


def test_record_count_counts_p1_telegrams(tmp_path):
    from hostlib.sinks import TcpServerSink

    tele = _p1_capture()
    srv = TcpServerSink(0)
    path = str(tmp_path / "p1.hanrec")

    def serve():
        srv.connected.wait(10)
        for _ in range(3):
            srv(tele)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        code, out, err = run(["record", srv.url, path, "--count", "3", "--duration", "20"])
    finally:
        t.join()
        srv.close()
    assert code == 0, err
    assert "(3 frames ok, 0 rejected)" in err
    code, out, err = run(["decode", "--json", path])
    assert code == 0 and len(out.splitlines()) == 3


# -- item 5: the progress bar goes to stderr only ---------------------------------------------------


def _sub(args, **kw):
    import subprocess

    return subprocess.run([sys.executable, "-m", "hostlib.cli"] + args, cwd=ROOT, **kw)


def test_redirected_readings_with_a_progress_bar_on_a_terminal(tmp_path):
    import subprocess

    frames = [f.frame for f in sim_frames("kamstrup", 3, 20)]
    blob = b"".join(frames) * 150  # 3,000 frames, > 1 MiB as hex text
    big = tmp_path / "big.hex"
    big.write_text("\n".join(blob[i:i + 32].hex() for i in range(0, len(blob), 32)) + "\n")
    assert big.stat().st_size > (1 << 20)
    master, slave = os.openpty()
    seen = bytearray()

    def drain():
        while True:
            try:
                b = os.read(master, 4096)
            except OSError:
                return
            if not b:
                return
            seen.extend(b)

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as f:
        p = subprocess.run([sys.executable, "-m", "hostlib.cli", "decode", "--json", "--stats", str(big)],
                           cwd=ROOT, stdout=f, stderr=slave, stdin=subprocess.DEVNULL, timeout=120,
                           env=dict(os.environ, COLUMNS="100"))
    os.close(slave)
    t.join(5)
    os.close(master)
    lines = out.read_text().splitlines()
    want = [protocols.decode_frame(fr).to_json() for fr in frames] * 150
    assert p.returncode == 0
    assert lines == want  # every reading in the file, none on the terminal
    term = seen.decode("utf-8", "replace")
    assert '{"meter"' not in term
    assert "3000 frames decoded, 0 rejected" in term


# -- item 6 (and issue 20 item 2): every input kind by its content ----------------------------------


def _values(line):
    d = json.loads(line)
    return d["meter"], d["time"], [(r["obis"], r["value"], r["unit"]) for r in d["registers"]]


def test_every_input_kind_is_detected_by_content(tmp_path):
    p1 = os.path.join(CAPTURES, "p1", "dsmr50-iskra-mt382.txt")
    text = open(p1, "rb").read()
    want = protocols.Reader().feed(text)[0].to_json()
    hexfile = tmp_path / "p1.hex"
    hexfile.write_text(text.hex(" ") + "\n")
    raw = tmp_path / "p1.bin"
    raw.write_bytes(text)
    for argv, stdin in ((["decode", "--json", p1], b""), (["decode", "--json", "-"], text),
                        (["decode", "--json", str(hexfile)], b""), (["decode", "--json", str(raw)], b""),
                        (["read", "--json", p1], b""), (["replay", "--fast", "--json", p1], b"")):
        code, out, err = run(argv, stdin)
        assert code == 0, (argv, err)
        assert out.splitlines() == [want], argv
    assert sources.open_file(p1).format == "p1"
    assert [r.to_json() for r in HanReader(sources.open_file(p1))] == [want]
    # The dongle's JSON lines, saved to a file, with a status line and a boot message.
    frames = [f.frame for f in sim_frames("aidon", 3, 3)]
    readings = [protocols.decode_frame(f) for f in frames]
    log = tmp_path / "dongle.log"
    log.write_text('{"status": {"uptime_s": 5}}\n' + "".join(r.to_json() + "\n" for r in readings))
    code, out, err = run(["decode", "--json", str(log)])
    assert code == 0 and out.splitlines() == [r.to_json() for r in readings], err
    assert sources.open_file(str(log)).format == "json"
    # Raw bytes and hex text of HDLC frames, as before.
    rawf = tmp_path / "f.bin"
    rawf.write_bytes(b"".join(frames))
    code, out, err = run(["decode", "--json", str(rawf)])
    assert code == 0 and out.splitlines() == [r.to_json() for r in readings]


# -- item 7: hex tolerance ---------------------------------------------------------------------------


def _hex_lines(frames, form="{} "):
    lines = []
    for f in frames:
        for i in range(0, len(f), 16):
            lines.append(" ".join(form.format("%02X" % b) for b in f[i:i + 16]).strip())
    return lines


def test_a_typo_costs_one_frame_not_the_file(tmp_path):
    frames = [f.frame for f in sim_frames("kaifa", 3, 20)]
    lines = _hex_lines(frames)
    k = len(lines) // 2
    lines[k] = lines[k][:7] + "O" + lines[k][8:]  # the letter O for a zero
    p = tmp_path / "typo.hex"
    p.write_text("\n".join(lines) + "\n")
    code, out, err = run(["decode", "--json", str(p)])
    assert code == 0
    assert len(out.splitlines()) == 19
    assert "%s: bad hex: line %d, column 8: 'O' is not a hex digit; line skipped" % (p, k + 1) in err


def test_a_cut_last_line_prints_the_summary_and_exits_0(tmp_path):
    frames = [f.frame for f in sim_frames("aidon", 3, 5)]
    text = "\n".join(_hex_lines(frames))
    p = tmp_path / "cut.hex"
    p.write_text(text[:-1])  # the last line cut in a byte, no line break
    code, out, err = run(["decode", str(p)])
    assert code == 0
    assert out.count("Aidon") == 4
    assert "4 frames decoded, 1 rejected (truncated 1), 1 bad line of hex skipped" in err


@pytest.mark.parametrize("form, sep", [("0x{}", ","), ("{}", ":"), ("0x{}", ", "), ("{}", "-")])
def test_hex_in_the_forms_people_paste(tmp_path, form, sep):
    frames = [f.frame for f in sim_frames("kamstrup", 1, 2)]
    body = "\n".join(sep.join(form.format("%02x" % b) for b in f) for f in frames)
    p = tmp_path / "forms.hex"
    p.write_text(body + "\n")
    code, out, err = run(["decode", "--json", str(p)])
    assert code == 0, err
    assert out.splitlines() == [protocols.decode_frame(f).to_json() for f in frames]


# -- item 8: random bytes, keys ------------------------------------------------------------------------


def test_security_byte_f8_is_a_format_error_not_a_missing_key():
    from protocols.errors import FormatError

    apdu = bytes.fromhex("DB08") + b"ABCDEFGH" + bytes((0x15, 0xF8)) + bytes(4) + bytes(16)
    with pytest.raises(FormatError) as ei:
        protocols.decode_apdu(apdu)
    assert ei.value.kind == "format" and "security control 0xF8" in str(ei.value)
    assert "key" not in str(ei.value)
    rng = __import__("random").Random(17)
    blob = bytes(rng.getrandbits(8) for _ in range(300_000))
    blob += apdu * 3
    code, out, err = run(["decode", "-"], blob)
    assert code == 1 and "0 frames decoded" in err
    # No message suggests that a key would help with them (before: "security 0xF8): no key is set").
    assert not [line for line in err.splitlines() if "0xF8" in line and "key" in line]


def test_a_key_for_a_plaintext_meter_is_mentioned_once():
    frames = b"".join(f.frame for f in sim_frames("aidon", 3, 3))
    code, out, err = run(["decode", "--key", "00112233445566778899AABBCCDDEEFF", "-"], frames)
    assert code == 0
    assert err.count("--key given, but this meter sends plaintext") == 1


def test_a_bad_key_is_never_echoed():
    secret = "0011223344556677889900aabbccddeZ"
    code, out, err = run(["decode", "--key", secret, "-"], b"")
    assert code == 2 and secret not in err and secret.upper() not in err and "eZ" not in err
    code, out, err = run(["decode", "--auth-key", "S3CR3T", "--key", "00" * 16, "-"], b"")
    assert code == 2 and "S3CR3T" not in err


# -- item 9: read says when data stops, and when it returns ---------------------------------------------


def test_follow_says_once_when_frames_stop_and_when_they_return():
    frames = [f.frame for f in sim_frames("aidon", 3, 3)]
    t = [0.0]

    class Quiet(sources.Source):
        name = "meter"
        plan = [frames[0], b"", b"", b"", b"", frames[1], b"", frames[2], None]

        def read(self, size=4096):
            t[0] += 10.0
            return self.plan.pop(0)

    events = []
    got = list(follow(lambda: Quiet(), on_event=lambda k, m: events.append((k, m)), silence=30,
                      clock=lambda: t[0]))
    assert len(got) == 3
    assert [k for k, _ in events] == ["connected", "silent", "resumed", "ended"]
    assert events[1][1] == "meter: no frame for 30 s (is the meter connected and sending?)"
    assert events[2][1] == "meter: frames again after 50 s"  # 50 s after the last frame


def _paused_meter(run_client, pause):
    """A meter on tcp:// that sends one frame, says nothing for ``pause`` s, then
    sends another; ``run_client(url)`` runs the command that reads it."""
    import time

    from hostlib.sinks import TcpServerSink

    frames = sim_frames("kaifa", 1, 2)
    srv = TcpServerSink(0)

    def serve():
        srv.connected.wait(30)
        srv(frames[0].frame)
        time.sleep(pause)
        srv(frames[1].frame)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        return run_client(srv.url)
    finally:
        th.join()
        srv.close()


def test_read_reports_silence_on_stderr():
    code, out, err = _paused_meter(lambda url: run(["read", url, "--count", "2", "--silence", "1", "--json"]), 1.6)
    assert code == 0, err
    assert err.count("no frame for 1 s") == 1 and err.count("frames again after") == 1


def test_read_live_shows_silence_in_the_view_not_on_stderr():
    # Item 9: "say so once on stderr (and in the live view)": the view shows it (stderr would
    # scribble over the screen) until frames return.
    from test_live_view import _screen

    p, lines, seen = _paused_meter(
        lambda url: _screen(80, 24, ["read", "--live", url, "--count", "2", "--silence", "1"], raw=True), 2.5)
    assert p.returncode == 0, p.stderr.decode()
    assert b"no frame for 1 s (is the meter connected and sending?)" in seen
    assert b"no frame for" not in p.stderr and not any("no frame for" in ln for ln in lines)  # gone again


# -- item 11: the small things ------------------------------------------------------------------------


def test_record_does_not_overwrite_without_force(tmp_path):
    p = tmp_path / "keep.hanrec"
    p.write_text("precious\n")
    code, out, err = run(["record", "tcp://127.0.0.1:1", str(p)])
    assert code == 1 and "exists" in err and "--force" in err
    assert p.read_text() == "precious\n"


def test_decode_on_a_terminal_says_it_reads_stdin():
    import subprocess

    master, slave = os.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "hostlib.cli", "decode"], cwd=ROOT, stdin=slave,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.write(master, b"\x04")  # Ctrl-D: end of input
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
        os.close(slave)
    assert b"reading standard input" in err and proc.returncode == 1


def test_small_errors_have_the_right_status_and_words():
    code, out, err = run(["read", "tcp://127.0.0.1"])
    assert code == 2 and "expected tcp://HOST:PORT" in err
    code, out, err = run(["read", "/dev/null", "--no-reconnect"])
    assert code == 1 and "not a serial port" in err and "ioctl" not in err
    p = _sub(["simulate", "--meter", "aidon", "--fast", "--count", "1", "--hex"], capture_output=True, timeout=60)
    assert b"simulating an Aidon" in p.stderr and b"sent 1 frame\n" in p.stderr
    code, out, err = run(["decode", "-"], sim_frames("aidon", 3, 1)[0].frame)
    assert "1 frame decoded" in err


def test_counts_agree_with_their_number():
    # "1 readings, 1 hours", "1 frames rejected": every summary says 1 thing, 2 things.
    one = os.path.join(CAPTURES, "aidon", "elwiz-list3-6534.hex")
    code, out, err = run(["energy", one])
    assert code == 0 and err == "hanreader: 1 reading, 0 hours (0 estimated, 0 missing)\n"


def test_dongle_status_lines_print_as_json():
    r = protocols.decode_frame(AIDON_DOC)
    stream = ('{"status": {"uptime_s": 5, "locked": true, "serial": "2400-8E1"}}\n' + r.to_json() + "\n").encode()
    code, out, err = run(["read", "-", "--json"], stream)
    assert code == 0
    assert 'dongle status: {"uptime_s": 5, "locked": true, "serial": "2400-8E1"}' in err


def test_ctrl_c_ends_decode_like_the_end_of_input():
    import signal
    import subprocess
    import time

    proc = subprocess.Popen([sys.executable, "-m", "hostlib.cli", "decode", "--json", "--stats", "-"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(sim_frames("aidon", 3, 2)[0].frame)
    proc.stdin.flush()
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert len(out.splitlines()) == 1 and b"1 frame decoded" in err and b"Traceback" not in err
