# tests/test_hostlib_io.py: hostlib's I/O: hex input, recordings, dongle lines, sources,
# the reader, pty and TCP links end to end, a lossy link, and a 100,000-frame recording.
import datetime
import os
import random
import socket
import threading
import tracemalloc

import pytest
import serial

import protocols
from hostlib import dongle, hexinput, recording, sources
from hostlib.reader import HanReader, follow
from hostlib.simulator import Simulator
from hostlib.sinks import TcpServerSink

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, "tests", "captures")

# Digest 2.8: the Aidon document's list 2 frame (1362 W, 9.3 A, 250.0 V).
AIDON_DOC = bytes.fromhex(
    "7EA0D2410883138 2D6E6E7000F4000000000010902020906010100028 1FF0A0B4149444F4E5F563030303102020906"
    "0000600100FF0A1037333539393932383930393431373432020209060000600107FF0A04363531350203090601000107"
    "00FF060000055202020F00161B0203090601000207 00FF060000000002020F00161B020309060100030700FF06000003"
    "E402020F00161D020309060100040700FF060000000002020F00161D0203090601001F0700FF10005D02020F FF1621"
    "020309060100200700FF1209C402020FFF1623E0C47E".replace(" ", "")
)
START = datetime.datetime(2025, 1, 15, 13, 59, 0)


def sim_frames(kind="aidon", phases=3, n=20, seed=1, start=START):
    return list(Simulator(kind, phases, seed=seed, start=start).frames(count=n))


def reading_values(r):
    return {x.name: x.value for x in r.registers}


def test_doc_frame_is_the_digest_example():
    assert len(AIDON_DOC) == 212
    r = protocols.decode_frame(AIDON_DOC)
    assert r["active_power_import"] == 1362
    assert r["current_l1"] == 9.3 and r["voltage_l1"] == 250.0


# -- hex input ------------------------------------------------------------------

HEX_TEXT = b"""# a comment with UTF-8 \xe2\x80\x94 dash
7E A0 D2 41 08 83 13   # header
82d6 E6E700
  0F40000000 # tail comment
"""
HEX_BYTES = bytes.fromhex("7EA0D2410883138 2D6E6E7000F40000000".replace(" ", ""))


def test_hex_decoder_whole_and_every_split():
    assert hexinput.decode_hex(HEX_TEXT) == HEX_BYTES
    for cut in range(len(HEX_TEXT) + 1):
        d = hexinput.HexDecoder()
        got = d.feed(HEX_TEXT[:cut]) + d.feed(HEX_TEXT[cut:]) + d.finish()
        assert got == HEX_BYTES, cut


def test_hex_decoder_byte_by_byte_and_long_token():
    d = hexinput.HexDecoder()
    got = b"".join(d.feed(HEX_TEXT[i:i + 1]) for i in range(len(HEX_TEXT))) + d.finish()
    assert got == HEX_BYTES
    blob = os.urandom(50_000)
    text = blob.hex().encode()  # one 100,000-digit token, no white space
    d = hexinput.HexDecoder()
    out = b"".join(d.feed(text[i:i + 777]) for i in range(0, len(text), 777)) + d.finish()
    assert out == blob


@pytest.mark.parametrize("text, line, col, what", [
    (b"7E A0\nD2 4G 08\n", 2, 5, "'G' is not a hex digit"),
    (b"7E A0 D\n", 1, 7, "odd number of hex digits in 'D'"),
    (b"7E\n# x\n  ABC 7E\n", 3, 3, "odd number of hex digits in 'ABC'"),
])
def test_hex_errors_have_line_and_column(text, line, col, what):
    with pytest.raises(hexinput.HexError) as ei:
        hexinput.decode_hex(text)
    assert (ei.value.line, ei.value.column) == (line, col)
    assert what in str(ei.value)


def test_sniff():
    assert hexinput.sniff(HEX_TEXT) == hexinput.HEX
    assert hexinput.sniff(AIDON_DOC) == hexinput.RAW
    assert hexinput.sniff(b"# hanreader recording v1\n0.0 7E\n") == hexinput.RECORDING
    assert hexinput.sniff(b"7E A0 ZZ") == hexinput.HEX  # text: reported as bad hex, not decoded as raw


# -- recordings ---------------------------------------------------------------------


def test_recording_roundtrip_and_pace(tmp_path):
    path = str(tmp_path / "r.hanrec")
    chunks = [(0.0, b"\x7e\xa0"), (0.25, b"\x01\x02"), (2.5, b"garbage"), (2.5, b"\x7e")]
    with recording.RecordingWriter(path, source="/dev/ttyUSB0 2400 8E1") as w:
        for t, c in chunks:
            w.write(c, t)
    text = open(path).read().splitlines()
    assert text[0] == "# hanreader recording v1"
    assert text[1] == "# source: /dev/ttyUSB0 2400 8E1"
    assert text[3] == "0.000000 7EA0"
    assert text[5] == "2.500000 67617262616765"
    assert list(recording.read_recording(path)) == chunks
    assert recording.read_metadata(path)["source"] == "/dev/ttyUSB0 2400 8E1"
    # Pace: a fake clock; replay sleeps exactly the recorded gaps (/ speed).
    now = [100.0]
    slept = []

    def sleep(d):
        slept.append(round(d, 6))
        now[0] += d

    out = list(recording.replay(recording.read_recording(path), speed=2.0, sleep=sleep,
                                clock=lambda: now[0]))
    assert out == [c for _, c in chunks]
    assert slept == [0.125, 1.125]
    assert list(recording.replay(iter(chunks), speed=None)) == [c for _, c in chunks]


def test_recording_errors(tmp_path):
    p = tmp_path / "bad.hanrec"
    p.write_text("# hanreader recording v1\n0.5 7E\n0.1 7E\n")
    with pytest.raises(recording.RecordingError, match="line 3: time 0.1 goes backwards"):
        list(recording.read_recording(str(p)))
    p.write_text("# hanreader recording v1\n0.5 7G\n")
    with pytest.raises(recording.RecordingError, match="line 2: bad hex"):
        list(recording.read_recording(str(p)))


# -- the dongle's JSON lines --------------------------------------------------------------


def test_dongle_lines_give_identical_readings():
    frames = sim_frames("kaifa", 3, 30) + sim_frames("aidon", 1, 10) + sim_frames("kamstrup", 3, 3)
    readings = [protocols.decode_frame(f.frame) for f in frames]
    stream = b"boot: hanreader dongle 0.1\r\n"
    for r in readings:
        stream += r.to_json().encode() + b"\n"
    stream += b'{"status": {"uptime": 3600, "frames": 1440, "fcs_errors": 2}}\n'
    p = dongle.DongleParser()
    rnd = random.Random(3)
    got = []
    i = 0
    while i < len(stream):
        k = rnd.randint(1, 300)
        got += p.feed(stream[i:i + k])
        i += k
    got += p.flush()
    assert isinstance(got[-1], dongle.DongleStatus) and got[-1]["fcs_errors"] == 2
    assert [g.to_json() for g in got[:-1]] == [r.to_json() for r in readings]
    assert got[:-1] == readings
    assert p.other_lines == 1 and p.readings == len(readings)


def test_hanreader_auto_detects_dongle_lines():
    r = protocols.decode_frame(AIDON_DOC)
    statuses = []
    hr = HanReader(format="auto", on_status=statuses.append)
    out = hr.feed(b'{"status": {"boot": true}}\n' + r.to_json().encode() + b"\n")
    assert [x.to_json() for x in out] == [r.to_json()]
    assert statuses[0]["boot"] is True
    assert hr.format == "dongle"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_dongle_line_with_a_number_that_is_not_finite(value):
    # Python's json reads these (no dongle writes them); they crashed the
    # parser with a TypeError (found by mypy, issue 17 item 3).
    good = protocols.decode_frame(AIDON_DOC).to_json()
    bad = good.replace('"value": 1362,', '"value": %s,' % value)
    assert bad != good
    with pytest.raises(dongle.DongleLineError) as e:
        dongle.parse_line(bad)
    assert str(e.value) == "register 1-0:1.7.0.255: expected a finite number, found %s" % value
    errors = []
    p = dongle.DongleParser(on_error=errors.append)
    got = p.feed((bad + "\n" + good + "\n").encode())
    assert [g.to_json() for g in got] == [good]  # the line is skipped, the next one read
    assert p.errors == 1 and [str(x) for x in errors] == [str(e.value)]
    hr = HanReader(format="dongle")
    assert [r.to_json() for r in hr.feed((bad + "\n" + good + "\n").encode())] == [good]
    assert hr.counters()["dongle_errors"] == 1


# -- sources: errors a user meets ----------------------------------------------------------


def test_no_such_port():
    with pytest.raises(sources.PortNotFound) as ei:
        sources.open_serial("/dev/ttyDOESNOTEXIST0")
    assert "no such serial port" in str(ei.value)
    with pytest.raises(sources.PortNotFound):
        sources.open_source("/dev/ttyDOESNOTEXIST0")


def test_permission_denied_says_dialout(monkeypatch):
    def deny(*a, **k):
        raise serial.SerialException(13, "could not open port /dev/ttyUSB0: [Errno 13] Permission denied: '/dev/ttyUSB0'")

    monkeypatch.setattr(serial, "Serial", deny)
    with pytest.raises(sources.PermissionDenied) as ei:
        sources.open_serial("/dev/ttyUSB0")
    assert "permission denied" in str(ei.value)
    assert "usermod -aG dialout" in str(ei.value)


def test_tcp_refused_and_closed():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(sources.ConnectionFailed, match="connection refused"):
        sources.open_source("tcp://127.0.0.1:%d" % port)
    srv = TcpServerSink(0)
    try:
        src = sources.open_tcp(srv.url)
        srv.connected.wait(5)
        srv(b"\x7e")
        assert src.read() == b"\x7e"
        srv.close()
        with pytest.raises(sources.SourceLost, match="closed the connection"):
            while True:
                src.read()
    finally:
        srv.close()
    with pytest.raises(sources.SourceError, match="expected tcp://HOST:PORT"):
        sources.open_tcp("tcp://nohost")


def test_bad_hex_line_is_skipped_with_a_located_warning(tmp_path):
    p = tmp_path / "bad.hex"
    p.write_text("7E A0 D2\n41 X8\n08 83\n")
    said = []
    src = sources.open_file(str(p), on_warning=said.append)
    data = b""
    while True:
        d = src.read()
        if d is None:
            break
        data += d
    assert data == bytes.fromhex("7EA0D20883")
    assert said == ["%s: bad hex: line 2, column 4: 'X' is not a hex digit; line skipped" % p]
    assert src.bad_lines == 1 and src.warnings == said


# -- pty end to end ---------------------------------------------------------------------------


def _pty_pair():
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


def _writer(fd, frames, chunk_rnd=None):
    def run():
        for f in frames:
            data = f.frame
            if chunk_rnd is None:
                os.write(fd, data)
            else:
                i = 0
                while i < len(data):
                    k = chunk_rnd.randint(1, 64)
                    os.write(fd, data[i:i + k])
                    i += k
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("kind, phases", [("aidon", 3), ("kaifa", 1), ("kamstrup", 3)])
def test_pty_end_to_end(kind, phases):
    frames = sim_frames(kind, phases, 40)
    master, slave, path = _pty_pair()
    try:
        # 8E1 as for a real meter: a pty refuses parity, open_serial falls back to 8N1.
        src = sources.open_serial(path, parity="E", timeout=0.2)
        t = _writer(master, frames, random.Random(1))
        reader = HanReader(src)
        got = []
        for r in reader:
            got.append(r)
            if len(got) == len(frames):
                break
        t.join()
        src.close()
    finally:
        os.close(master)
        os.close(slave)
    assert [reading_values(r) for r in got] == [f.expected for f in frames]
    assert [r.time_text for r in got] == [f.time for f in frames]
    assert reader.counters()["accepted"] == len(frames)
    assert reader.counters()["rejected"] == 0


def test_pty_vanishing_mid_stream_is_source_lost():
    master, slave, path = _pty_pair()
    src = sources.open_serial(path, parity="N", timeout=0.2)
    os.write(master, AIDON_DOC)
    assert HanReader().feed(src.read()) == [] or True  # bytes flow
    os.close(master)
    os.close(slave)
    with pytest.raises(sources.SourceLost, match="disappeared"):
        for _ in range(50):
            src.read()
    src.close()


def test_open_serial_auto_detects_on_a_pty():
    master, slave, path = _pty_pair()
    stop = threading.Event()

    def feed():
        while not stop.is_set():
            try:
                os.write(master, AIDON_DOC)
            except OSError:
                return
            stop.wait(0.05)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        tried = []
        src = sources.open_serial(path, auto=True, probe_seconds=5,
                                  on_probe=lambda b, p: tried.append((b, p)))
        assert tried[0] == (2400, "E")
        assert src.detected in sources.AUTO_SETTINGS
        first = src.read()  # the probe's bytes are not lost
        assert protocols.Reader().feed(first)[0]["active_power_import"] == 1362
        src.close()
    finally:
        stop.set()
        t.join()
        os.close(master)
        os.close(slave)


# -- TCP end to end -----------------------------------------------------------------------------


def test_tcp_end_to_end():
    frames = sim_frames("kamstrup", 1, 30)
    srv = TcpServerSink(0)
    try:
        src = sources.open_source(srv.url)
        assert srv.connected.wait(5)
        for f in frames:
            srv(f.frame)
        reader = HanReader(src)
        got = []
        for r in reader:
            got.append(r)
            if len(got) == len(frames):
                break
        src.close()
    finally:
        srv.close()
    assert [reading_values(r) for r in got] == [f.expected for f in frames]
    assert [r.meter.to_dict() for r in got] == [f.meter for f in frames]


# -- reconnect with backoff -----------------------------------------------------------------------


class _Dropping(sources.Source):
    def __init__(self, chunks, lose=True):
        self.chunks = list(chunks)
        self.lose = lose
        self.name = "fake"

    def read(self, size=4096):
        if self.chunks:
            return self.chunks.pop(0)
        if self.lose:
            raise sources.SourceLost("fake: the device disappeared (unplugged?)")
        return None


def test_follow_reconnects_with_backoff():
    frames = [f.frame for f in sim_frames("aidon", 3, 6)]
    half = frames[2][:20]
    plan = [
        _Dropping([frames[0], frames[1], half]),  # lost mid-frame
        sources.PortNotFound("fake: no such serial port"),  # still unplugged
        sources.PortNotFound("fake: no such serial port"),
        _Dropping([frames[3], frames[4]]),
        _Dropping([frames[5]], lose=False),  # then the end (as a file would)
    ]

    def opener():
        x = plan.pop(0)
        if isinstance(x, Exception):
            raise x
        return x

    events, slept = [], []
    reader = HanReader()
    got = list(follow(opener, reader, on_event=lambda k, m: events.append(k), sleep=slept.append))
    assert len(got) == 5  # frame 2 was cut by the loss
    assert [e for e in events] == ["connected", "lost", "retry", "retry", "connected", "lost",
                                   "connected", "ended"]
    assert slept == [1.0, 2.0, 4.0, 1.0]  # backoff doubles, resets after data flowed
    assert reader.counters()["truncated"] == 1


def test_follow_first_open_failure_raises():
    def opener():
        raise sources.PortNotFound("x: no such serial port")

    with pytest.raises(sources.PortNotFound):
        list(follow(opener))


# -- a lossy link ---------------------------------------------------------------------------------


def test_lossy_link_loses_no_intact_frame_and_counts_every_bad_one():
    rnd = random.Random(42)
    frames = sim_frames("aidon", 3, 120) + sim_frames("kaifa", 3, 120) + sim_frames("kamstrup", 1, 40)
    rnd.shuffle(frames)
    stream = bytearray()
    intact, damaged = [], 0
    for f in frames:
        data = bytearray(f.frame)
        what = rnd.random()
        if what < 0.15:  # drop 1-3 bytes inside the frame
            for _ in range(rnd.randint(1, 3)):
                del data[rnd.randrange(1, len(data) - 1)]
            damaged += 1
        elif what < 0.30:  # flip a bit inside the frame
            i = rnd.randrange(1, len(data) - 1)
            data[i] ^= 1 << rnd.randrange(8)
            damaged += 1
        else:
            intact.append(f)
        if rnd.random() < 0.2:  # a burst of line noise before the frame
            stream += bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 80)))
        stream += data
    # Through a real socket, in chunks of random size with random small pauses.
    a, b = socket.socketpair()

    def send():
        i = 0
        while i < len(stream):
            k = rnd.randint(1, 700)
            a.sendall(stream[i:i + k])
            i += k
            if rnd.random() < 0.05:
                threading.Event().wait(rnd.random() / 500)
        a.close()

    t = threading.Thread(target=send, daemon=True)
    t.start()
    rejects = []
    src = sources.SocketSource(b, "lossy", timeout=2.0)
    reader = HanReader(on_reject=rejects.append)
    got = []
    try:
        while True:
            try:
                data = src.read()
            except sources.SourceLost:
                break
            got += reader.feed(data)
    finally:
        got += reader.flush()
        t.join()
        src.close()
    assert [reading_values(r) for r in got] == [f.expected for f in intact]
    c = reader.counters()
    assert c["accepted"] == len(intact)
    assert c["rejected"] == len(rejects)  # every rejected frame was reported
    assert c["rejected"] >= damaged  # and every damaged frame was rejected
    assert {e.kind for e in rejects} <= {"hcs", "fcs", "length", "truncated", "format", "oversize",
                                         "decode", "tag", "apdu", "count", "depth"}


# -- 100,000 frames from a recording, in constant memory -------------------------------------------


def test_recording_of_100k_frames_replays_in_constant_memory(tmp_path):
    # Real frames, repeated: mostly list 1 (as on the wire: three of four
    # Aidon pushes are list 1) so that the test stays fast under tracemalloc.
    aidon = sim_frames("aidon", 3, 12)
    kaifa = sim_frames("kaifa", 3, 6)
    ones = [f for f in aidon + kaifa if f.list == 1][:9]
    mix = ones + [next(f for f in aidon if f.list == 2)]
    path = str(tmp_path / "big.hanrec")
    n = 100_000
    with open(path, "w") as fh:
        w = recording.RecordingWriter(fh, source="test", flush=False)
        for i in range(n):
            w.write(mix[i % 10].frame, i * 2.5)
        w.close()
    size = os.path.getsize(path)
    assert size > 10_000_000
    src = sources.open_file(path)
    assert src.format == "recording"
    reader = HanReader(src)
    count = 0
    window = 10_000  # traced: the last 10,000 frames (tracing all 100,000 takes ~15 s)
    peak = current = None
    try:
        for r in reader:
            count += 1
            if count == n - window:
                tracemalloc.start()
            assert r.registers
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        src.close()
    assert count == n
    c = reader.counters()
    assert c["accepted"] == n and c["rejected"] == 0 and c["readings"] == n
    # Nothing grows per frame: over 10,000 frames (~1.3 MB of recording
    # text) the traced peak stays small and almost nothing is left held.
    assert peak < 300_000, peak
    assert current < 50_000, current


# -- asyncio ------------------------------------------------------------------------------------------


def test_aio_tcp_and_file():
    import asyncio

    from hostlib import aio

    frames = sim_frames("kaifa", 3, 10)
    srv = TcpServerSink(0)

    async def over_tcp():
        reader = await aio.open_reader(srv.url)
        got = []
        async with reader:
            await asyncio.get_running_loop().run_in_executor(None, srv.connected.wait, 5)
            for f in frames:
                srv(f.frame)
            async for r in reader:
                got.append(r)
                if len(got) == len(frames):
                    break
        return got, reader.counters()

    try:
        got, counters = asyncio.run(over_tcp())
    finally:
        srv.close()
    assert [reading_values(r) for r in got] == [f.expected for f in frames]
    assert counters["accepted"] == len(frames)

    async def from_file():
        return [r async for r in await aio.open_reader(os.path.join(CAPTURES, "aidon", "doc-example-list2.hex"))]

    rs = asyncio.run(from_file())
    assert [r["active_power_import"] for r in rs] == [1362]

    async def refused():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        await aio.open_reader("tcp://127.0.0.1:%d" % port)

    with pytest.raises(sources.ConnectionFailed, match="refused"):
        asyncio.run(refused())
