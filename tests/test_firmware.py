"""The MicroPython firmware (issue #5), run without a board.

The unmodified app (firmware/, compiled by mpy-cross into the bundle a
board running stock MicroPython loads) runs on the MicroPython unix port
and on the webassembly VM with the fake ``machine`` of firmware/sim: its
UART delivers recorded captures through a bit-level serial model.

* every capture, alone and all of a folder concatenated with garbage, on
  both VMs: the reading lines equal the host's reading of the same bytes;
* detection finds each vendor's setting from every wrong start setting;
* 10,000 frames through the loop without heap growth;
* configuration commands: persisted, refused with clear messages, secrets
  never printed; safe mode after repeated bad boots;
* mpy-cross compiles every module for armv6m and xtensawin; the manifest
  names only files that exist.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FW = REPO / "firmware"
CAPTURES = REPO / "tests" / "captures"
BOARDS = REPO / "hardware" / "boards"
REPLAY = REPO / "tools" / "firmware-replay"
SAMPLE = FW / "sim" / "samples" / "aidon-list2.hex"
UNIX_HEAP = "256k"

sys.path.insert(0, str(FW / "sim"))
sys.path.insert(0, str(FW))
import bundle  # noqa: E402
import capture  # noqa: E402
import detect  # noqa: E402
import wire  # noqa: E402


def _load_mpvm():
    spec = importlib.util.spec_from_file_location("mpvm", REPO / "tools" / "mpvm.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mpvm", mod)
    spec.loader.exec_module(mod)
    return mod


mpvm = sys.modules.get("mpvm") or _load_mpvm()

# Each vendor's serial setting (digest 1.3) and a capture to detect it on.
VENDOR_SETTING = {"aidon": "2400-8E1", "kaifa": "2400-8E1", "kamstrup": "2400-8N1"}
SECRET = "00112233445566778899AABBCCDDEEFF"
SECRET2 = "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF"


def need(vm):
    reason = mpvm.missing_reason(vm)
    if reason:
        pytest.fail("MicroPython VM %r unavailable: %s" % (vm, reason), pytrace=False)


def all_captures():
    return sorted(p for p in CAPTURES.glob("*/*.hex"))


def folders():
    return sorted({p.parent.name for p in all_captures()})


def host_lines(data: bytes) -> list[str]:
    """The host's readings of a byte stream (the shared core on CPython),
    fed in the firmware's 512-byte reads."""
    from protocols.decoder import Reader

    r = Reader(max_frame=1024)
    out = []
    for i in range(0, len(data), 512):
        out += [x.to_json() for x in r.feed(data[i : i + 512])]
    return out


def readings(lines: list[str]) -> list[str]:
    return [ln for ln in lines if ln.startswith('{"meter": ')]


def garbage_concat(paths, seed):
    rnd = random.Random(seed)
    out = bytearray()
    for p in paths:
        n = rnd.randrange(1, 48)
        g = bytes(rnd.randrange(256) for _ in range(n))
        out += g + capture.load(str(p))
    out += bytes(rnd.randrange(256) for _ in range(17))
    return bytes(out)


# -- the VM runs: one process per VM for all in-process runs ------------------


def run_jobs(vm, runs, tmp: Path, timeout=240):
    """Run firmware/sim/jobs.py; {name: (rc, opens, lines)}."""
    need(vm)
    b = bundle.build(sim=True)
    if vm == "wasm":
        mapping = {str(CAPTURES): "/data/captures", str(tmp): "/data/tmp", str(BOARDS): "/data/boards"}
        libs = [(str(b), "/lib")] + [(k, v) for k, v in mapping.items()]
        vmpath = lambda p: next(v + str(p)[len(k):] for k, v in mapping.items() if str(p).startswith(k))
        flash, boards = "/flash", "/data/boards"
    else:
        libs = [(str(b), "/lib")]
        vmpath = str
        flash, boards = str(tmp / "flash"), str(BOARDS)
    jobs = {"flash": flash, "boards": boards, "linger_ms": 20, "runs": []}
    for r in runs:
        r = dict(r)
        r["capture"] = vmpath(r["capture"])
        jobs["runs"].append(r)
    jf = tmp / "jobs.json"
    jf.write_text(json.dumps(jobs))
    res = mpvm.run(vm, FW / "sim" / "jobs.py", [vmpath(jf)], libs=libs,
                   heap="512k" if vm == "unix" else None, timeout=timeout)
    assert res.returncode == 0, res.stderr.decode(errors="replace")[-3000:]
    out = {}
    cur = []
    for ln in res.stdout.decode().splitlines():
        if ln.startswith("### "):
            _, name, rc, opens = ln.split(" ", 3)
            out[name] = (int(rc), json.loads(opens), cur)
            cur = []
        else:
            cur.append(ln)
    return out


@pytest.fixture(scope="module", params=["unix", "wasm"])
def corpus_run(request, tmp_path_factory):
    """Every capture alone and every folder concatenated with garbage."""
    vm = request.param
    tmp = tmp_path_factory.mktemp("fw-" + vm)
    runs, expect = [], {}
    for p in all_captures():
        name = "alone:%s/%s" % (p.parent.name, p.name)
        runs.append({"name": name, "capture": str(p)})
        expect[name] = host_lines(capture.load(str(p)))
    for i, folder in enumerate(folders()):
        data = garbage_concat(sorted((CAPTURES / folder).glob("*.hex")), seed=i)
        f = tmp / ("concat-%s.bin" % folder)
        f.write_bytes(data)
        name = "concat:" + folder
        runs.append({"name": name, "capture": str(f), "format": "raw"})
        expect[name] = host_lines(data)
    for vendor, setting in VENDOR_SETTING.items():
        cap = detect_capture(vendor)
        for start in detect.DEFAULT_ORDER:
            if start != setting:
                runs.append({"name": "detect:%s:%s" % (vendor, start), "capture": str(cap),
                             "meter": setting, "set": {"serial": start}})
                expect["detect:%s:%s" % (vendor, start)] = host_lines(capture.load(str(cap)))
    return vm, run_jobs(vm, runs, tmp), expect


def detect_capture(vendor):
    """The vendor's first capture with a reading."""
    for p in sorted((CAPTURES / vendor).glob("*.hex")):
        if host_lines(capture.load(str(p))):
            return p
    pytest.skip("no %s capture with a reading yet" % vendor)


def test_every_capture_alone_matches_the_host(corpus_run):
    vm, res, expect = corpus_run
    names = [n for n in expect if n.startswith("alone:")]
    assert len(names) == len(all_captures()) >= 1
    total = 0
    for name in names:
        rc, opens, lines = res[name]
        assert rc == 0, (vm, name, lines[-3:])
        assert readings(lines) == expect[name], (vm, name)
        total += len(expect[name])
    assert total >= 10  # the corpus is not empty of readings


def test_concatenated_with_garbage_matches_the_host(corpus_run):
    vm, res, expect = corpus_run
    for folder in folders():
        rc, opens, lines = res["concat:" + folder]
        assert rc == 0
        assert readings(lines) == expect["concat:" + folder], (vm, folder)


@pytest.mark.parametrize("vendor", sorted(VENDOR_SETTING))
def test_detection_finds_the_vendor_setting_from_every_wrong_start(corpus_run, vendor):
    vm, res, expect = corpus_run
    setting = VENDOR_SETTING[vendor]
    starts = [s for s in detect.DEFAULT_ORDER if s != setting]
    assert len(starts) == 7
    for start in starts:
        name = "detect:%s:%s" % (vendor, start)
        rc, opens, lines = res[name]
        assert rc == 0, (vm, name, opens)
        assert opens[0] == start and opens[-1] == setting, (vm, name, opens)
        locked = [json.loads(ln)["serial"] for ln in lines if ln.startswith('{"event": "locked"')]
        assert locked == [setting], (vm, name, locked)
        # Nothing decoded from the corrupted bytes, everything from the right ones.
        assert readings(lines) == expect[name], (vm, name)


# -- the documented command: boot.py -> main.py -> app.main() ------------------


def replay(*args, stdin=b"", heap=UNIX_HEAP, timeout=120):
    need("unix")
    cmd = [sys.executable, str(REPLAY), *map(str, args), "--heap", heap, "--timeout", str(timeout)]
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout + 30)


def test_replay_command_prints_the_dongle_lines(tmp_path):
    r = replay(SAMPLE, "--flash", tmp_path, "--passes", "2")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    status = json.loads(lines[0])["status"]
    assert status["version"] and status["serial"] == "2400-8E1" and status["board"] == "pico"
    assert readings(lines) == host_lines(capture.load(str(SAMPLE))) * 2
    assert all(json.loads(ln) is not None for ln in lines)  # every line is JSON
    saved = json.loads((tmp_path / "hanreader.json").read_text())
    assert saved["serial"] == "2400-8E1"


def test_replay_on_the_webassembly_vm():
    need("wasm")
    cmd = [sys.executable, str(REPLAY), str(SAMPLE), "--vm", "wasm", "--meter", "2400-8N1",
           "--set", '{"serial": "2400-8E1"}']
    r = subprocess.run(cmd, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert '{"event": "locked", "serial": "2400-8N1"}' in lines
    assert readings(lines) == host_lines(capture.load(str(SAMPLE)))


# One Aidon stream runs from about 144k (tools/firmware-replay --heap, 2026-11-22): the steady-state
# test runs with little room, so the GC works hard and any growth would show.
# h12 (issue 12): the chunk-invariant detection and the end-of-input rescan add about 3 KB kept after
# 1,000 frames (135,104 -> 138,080 B at --heap 160k, tools/firmware-replay --heap-every 1000), so 170k.
STEADY_HEAP = "170k"


def test_10000_frames_without_heap_growth(tmp_path):
    r = replay(SAMPLE, "--flash", tmp_path, "--passes", "10000", "--heap-every", "1000",
               "--stats", "--linger-ms", "100", heap=STEADY_HEAP, timeout=170)
    assert r.returncode == 0, r.stderr[-2000:]
    out = r.stdout.decode().splitlines()
    expected = host_lines(capture.load(str(SAMPLE)))[0]
    rd = readings(out)
    assert len(rd) == 10000 and set(rd) == {expected}
    sim = [json.loads(ln)["sim"] for ln in r.stderr.decode().splitlines() if ln.startswith('{"sim"')][-1]
    heap = sim["heap"]
    assert len(heap) == 10
    # After the first thousand frames (warm-up), gc.collect(); gc.mem_alloc()
    # only wobbles: the conservative GC may keep one dead reading (~2 KB)
    # alive through a stale stack word at a sample. The floor is flat: a
    # leak of one byte per frame would lift the last samples' minimum
    # above the first ones' maximum by 3,000 bytes.
    assert max(heap[1:]) - min(heap[1:]) <= 4096, heap
    assert min(heap[-4:]) - max(heap[1:5]) <= 256, heap


@pytest.mark.parametrize("commands", [False, True])
def test_boot_and_command_code_is_not_kept_in_the_heap(tmp_path, commands):
    # On a board running the .mpy bundle (and on the unix port) bytecode
    # lives in the heap: what runs once (config file, board profile, boot
    # counter) or rarely (commands, saving the config) is imported when
    # needed and forgotten. A Norwegian HDLC stream never loads the P1,
    # M-Bus or GCM code. Without commands the serial setting is preset, so
    # nothing but boot touches the config.
    stdin = b'{"cmd": "status"}\n{"set": {"raw": true}}\n' if commands else b""
    r = replay(SAMPLE, "--flash", tmp_path, "--passes", "2", "--stats", "--linger-ms", "300",
               "--set", '{"serial": "2400-8E1"}', stdin=stdin)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert ('{"ok": "set", "changed": ["raw"]}' in lines) == commands
    assert any(ln.startswith('{"raw": "7ea0d2') for ln in lines) == commands
    assert len(readings(lines)) == 2
    sim = [json.loads(ln)["sim"] for ln in r.stderr.decode().splitlines() if ln.startswith('{"sim"')][-1]
    mods = set(sim["modules"])
    assert {"app", "detect", "status", "protocols.decoder", "protocols.hdlc",
            "protocols.dialects.registers", "protocols.meters"} <= mods, mods
    left = mods & {"config", "board", "safemode", "commands", "protocols.p1", "protocols.mbus",
                   "protocols.gcm", "protocols.security", "protocols.declarations",
                   "protocols.dialects.values", "protocols.dialects.pairs",
                   "protocols.meters.aidon", "protocols.meters.kaifa", "protocols.meters.kamstrup",
                   "protocols.meters._layouts", "protocols.meters.catalog"}
    assert left == set(), left


def test_config_commands_persist_refuse_and_never_echo_secrets(tmp_path):
    cmds = [
        {"set": {"raw": True, "status_s": 30, "key": SECRET.lower(), "auth_key": SECRET2}},
        {"set": {"status_s": 3}},
        {"set": {"key": SECRET[:31]}},
        {"set": {"auth_key": SECRET[:30] + "ZZ"}},
        {"set": {"nosuch": 1}},
        {"set": {"raw": "yes"}},
        {"set": {"serial": "2400-7E1"}},
        {"cmd": "config"},
        {"cmd": "status"},
        {"cmd": "bogus"},
    ]
    stdin = "".join(json.dumps(c) + "\n" for c in cmds).encode()
    stdin += ("not json " + SECRET + "\n").encode()
    stdin += ('{"set": {"key": "' + "A" * 600 + '"}}\n').encode()
    r = replay(SAMPLE, "--flash", tmp_path, "--linger-ms", "600", stdin=stdin)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    answers = [json.loads(ln) for ln in lines if ln.startswith(('{"ok"', '{"error"', '{"config"'))]
    assert answers[0] == {"ok": "set", "changed": ["auth_key", "key", "raw", "status_s"]}
    errors = [a["error"] for a in answers if "error" in a]
    assert errors == [
        "status_s: expected an integer from 5 to 86400 (or 0 for off), found 3",
        "key: expected 32 hex digits (a 16-byte AES key), found 31 characters",
        "auth_key: expected 32 hex digits, found a non-hex character at position 31",
        'unknown setting "nosuch" (known: board, serial, autodetect, detect_order, dwell_s, '
        "redetect_s, status_s, raw, key, auth_key, uart, rx_pin, tx_pin, invert, wdt_s, "
        "stable_s, safe_boots, wifi_ssid, wifi_password, ntp, ntp_host, mqtt_broker, mqtt_port, mqtt_user, "
        "mqtt_password, mqtt_tls, mqtt_topic_prefix, mqtt_discovery_prefix, mqtt_discovery, bridge_id, diag_s, energy)",
        "raw: expected true or false, found a string",
        'serial: frame: expected 8N1, 8E1 or 8O1, found "7E1"',
        'cmd: expected "status", "config", "detect", "reset" or "help"',
        'not JSON: send one JSON object per line, e.g. {"cmd": "help"}',
        "command too long: at most 512 bytes per line",
    ]
    cfg = [a["config"] for a in answers if "config" in a][0]
    assert cfg["key"] == "<set>" and cfg["auth_key"] == "<set>" and cfg["raw"] is True
    for text in (r.stdout.decode(), r.stderr.decode()):
        for s in (SECRET, SECRET2, SECRET[:31], SECRET[:30]):
            assert s.lower() not in text.lower()
    stored = json.loads((tmp_path / "hanreader.json").read_text())
    assert stored["key"] == SECRET and stored["auth_key"] == SECRET2  # stored, upper case

    # A restart: the settings are back from flash.
    r2 = replay(SAMPLE, "--flash", tmp_path, "--linger-ms", "600",
                stdin=b'{"cmd": "config"}\n{"unset": ["key", "raw"]}\n')
    assert r2.returncode == 0, r2.stderr
    lines2 = r2.stdout.decode().splitlines()
    cfg2 = [json.loads(ln)["config"] for ln in lines2 if ln.startswith('{"config"')][0]
    assert cfg2["raw"] is True and cfg2["status_s"] == 30 and cfg2["key"] == "<set>"
    # Raw mode was on from boot: the whole verified frame, 7E to 7E, as hex.
    raw = [json.loads(ln)["raw"] for ln in lines2 if ln.startswith('{"raw"')]
    assert raw == [capture.load(str(SAMPLE)).hex()]
    assert '{"ok": "unset", "changed": ["key", "raw"]}' in lines2
    assert SECRET.lower() not in (r2.stdout + r2.stderr).decode().lower()
    stored = json.loads((tmp_path / "hanreader.json").read_text())
    assert "key" not in stored and "raw" not in stored and stored["auth_key"] == SECRET2


def test_safe_mode_after_repeated_bad_boots(tmp_path):
    for i in range(4):  # safe_boots = 4 bad boots are tolerated
        r = replay(SAMPLE, "--flash", tmp_path, "--reset-cause", "wdt")
        assert readings(r.stdout.decode().splitlines()), i
    r = replay(SAMPLE, "--flash", tmp_path, "--reset-cause", "wdt")
    lines = r.stdout.decode().splitlines()
    assert r.returncode == 0 and not readings(lines)
    assert json.loads(lines[0])["status"]["safe_mode"] is True
    r = replay(SAMPLE, "--flash", tmp_path)  # power-on: counting starts again
    assert readings(r.stdout.decode().splitlines())


# -- host-side units: the serial model and the detector -------------------------


def test_wire_model_is_exact_at_the_right_setting_and_corrupts_otherwise():
    data = capture.load(str(SAMPLE))
    for s in detect.DEFAULT_ORDER:
        assert wire.transcode(data, s, s) == data
    for meter in ("2400-8E1", "2400-8N1"):
        for reader in detect.DEFAULT_ORDER:
            if reader != meter:
                got = wire.transcode(data, meter, reader)
                assert got and got != data and data[10:60] not in got, (meter, reader)


def test_wire_8e1_read_as_8n1_keeps_bytes_until_a_zero_parity_bit():
    # 0x03 has even parity 0: the low parity bit becomes the next start bit.
    assert wire.transcode(b"\x01\x01", "2400-8E1", "2400-8N1")[0] == 0x01  # parity 1: fine
    got = wire.transcode(b"\x03\x55\x55", "2400-8E1", "2400-8N1")
    assert got[0] == 0x03 and got[1:] != b"\x55\x55"


def test_detector_dwell_budget_and_redetect():
    d = detect.Detector(["2400-8E1", "2400-8N1", "9600-8N1"], dwell_ms=1000, budget=100,
                        redetect_ms=5000, now=0)
    assert d.current == "2400-8E1" and d.poll(999) is None
    assert d.poll(1000) == "2400-8N1"
    d.bytes(100)
    assert d.poll(1001) == "9600-8N1"
    assert d.frame(1500) is True and d.frame(1600) is False and d.locked
    d.bytes(10**6)
    assert d.poll(6599) is None  # locked: bytes alone never switch
    assert d.poll(6600) == "2400-8E1" and not d.locked  # wraps around
    fixed = detect.Detector(start="115200-8N1-inv", auto=False)
    assert fixed.poll(10**9) is None


def test_rxbuf_holds_two_seconds_at_every_setting():
    for s in detect.DEFAULT_ORDER:
        baud = detect.parse(s)[0]
        per_s = baud / detect.char_bits(s)
        assert detect.rxbuf_size(s) >= 2 * per_s, s
    assert detect.rxbuf_size("2400-8E1") == 768  # 436 bytes in 2 s, + 25 %
    assert detect.rxbuf_size("115200-8N1") >= 23040


# -- building ---------------------------------------------------------------------


@pytest.mark.parametrize("march", ["armv6m", "xtensawin"])
def test_mpy_cross_compiles_every_module(march, tmp_path):
    mods = bundle.app_modules() + bundle.lib_modules() + bundle.protocol_modules()
    assert len(mods) >= 20
    names = {p.name for p in mods}
    assert {"simple.py", "net.py", "mqttout.py"} <= names  # the MQTT client and the Wi-Fi/MQTT modules
    for i, src in enumerate(mods):
        dst = tmp_path / ("%d.mpy" % i)
        bundle.compile_one(src, dst, march)
        head = dst.read_bytes()[:4]
        assert head[0:1] == b"M" and head[1] == 6, (src, head)


def test_manifest_names_only_files_that_exist():
    named = []

    def module(name, base_path=".", opt=None):
        named.append(Path(base_path) / name)

    def package(name, files=None, base_path=".", opt=None):
        p = Path(base_path) / name
        assert p.is_dir(), p
        named.extend(sorted(p / f for f in files) if files is not None else sorted(p.rglob("*.py")))

    env = {"include": lambda *a, **k: None, "metadata": lambda **k: None, "module": module,
           "package": package, "require": lambda *a, **k: None, "freeze": lambda *a, **k: None}
    old = os.getcwd()
    os.chdir(FW)
    try:
        exec(compile((FW / "manifest.py").read_text(), str(FW / "manifest.py"), "exec"), env)
    finally:
        os.chdir(old)
    assert named and all(p.is_file() for p in named), [p for p in named if not p.is_file()]
    frozen = {p.name for p in named if p.parent == FW}
    assert frozen == {p.name for p in bundle.app_modules()}  # the whole app, nothing else
    assert {p for p in named if FW / "lib" in p.parents} == set(bundle.lib_modules())  # umqtt.simple
    core = {p.resolve() for p in named if REPO / "protocols" in p.resolve().parents}
    assert core == {p.resolve() for p in bundle.protocol_modules()}  # the image's core is the bundle's
    assert REPO / "protocols" / "decoder.py" in core and REPO / "protocols" / "declarations.py" not in core


def test_deploy_dry_run_builds_a_bundle(tmp_path):
    r = subprocess.run([sys.executable, str(REPO / "tools" / "deploy"), "--dry-run", "--out", str(tmp_path / "b"),
                        "--board", "pico"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    b = tmp_path / "b"
    assert (b / "app.mpy").is_file() and (b / "main.py").is_file() and (b / "boot.py").is_file()
    assert (b / "protocols" / "decoder.mpy").is_file() and (b / "boards" / "pico.json").is_file()
    assert json.loads((b / "hanreader.json").read_text()) == {"board": "pico"}
    assert not (b / "sim").exists()


@pytest.mark.parametrize("mode", ["once", "always"])
def test_an_exhausted_heap_resets_the_board_and_a_passing_one_does_not(tmp_path, mode):
    # A MemoryError in the loop is reported and the loop goes on; the same
    # failure in 8 passes in a row (each after a collect) means a fragmented
    # or exhausted heap, and the app resets the board (counted by safemode)
    # instead of spinning for ever.
    need("unix")
    b = bundle.build(sim=True)
    res = mpvm.run("unix", REPO / "tests" / "mp" / "fw_oom.py",
                   [str(tmp_path / "flash"), str(SAMPLE), mode], libs=[(str(b), "/lib")],
                   heap=UNIX_HEAP, timeout=60)
    assert res.returncode == 0, res.stderr.decode(errors="replace")[-2000:]
    lines = res.stdout.decode().splitlines()
    faults = [json.loads(ln) for ln in lines if ln.startswith('{"event": "fault"')]
    assert faults[0] == {"event": "fault", "where": "loop",
                         "error": "MemoryError: memory allocation failed, allocating 576 bytes"}
    end = json.loads(lines[-1])
    if mode == "always":
        assert lines[-2] == '{"event": "reset", "why": "out of memory in 8 loop passes in a row"}'
        assert end == {"exit": 0, "calls": 8}
        assert "machine.reset()" in res.stderr.decode()
        assert readings(lines) == []
    else:
        assert not any('"reset"' in ln for ln in lines)
        assert readings(lines) == host_lines(capture.load(str(SAMPLE))) * 3
        assert end["exit"] == 0 and end["calls"] > 1  # the loop went on


def test_a_command_without_heap_gets_an_error_line_and_the_next_one_runs(tmp_path):
    need("unix")
    b = bundle.build(sim=True)
    res = mpvm.run("unix", REPO / "tests" / "mp" / "fw_oom.py",
                   [str(tmp_path / "flash"), str(SAMPLE), "command"], libs=[(str(b), "/lib")],
                   heap=UNIX_HEAP, timeout=60)
    assert res.returncode == 0, res.stderr.decode(errors="replace")[-2000:]
    assert res.stdout.decode().splitlines() == [
        '{"error": "out of memory: the command may not have run, send it again"}',
        '{"resident": false}',
        '{"error": "cmd: expected \\"status\\", \\"config\\", \\"detect\\", \\"reset\\" or \\"help\\""}',
    ]
