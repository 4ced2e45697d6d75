"""P1 in every dialect met in the field (issue 20), the P1 findings of issue 12,
and one set of units across protocols.

* every capture of tests/captures/p1 that comes from a peer's tests
  (dsmr_parser's example telegrams, amsreader-firmware's P1 payloads) gives
  the values that peer's tests assert (tools/p1-peers.json);
* every capture, in each line-end form (CR LF, LF) and with and without its
  final line break, read as ``hanreader decode`` reads a file, gives the
  reading of expected.json (or is rejected with the same kind), for any
  chunking; telegrams back to back without a line break all come out;
* the CRC rules, the clock's format, the digit limit, a header in the
  middle of a line (the same decision for any chunking);
* a telegram saved as text, as hex and piped to stdin gives the same reading;
* the same quantity from a P1 telegram and from a DLMS list has the same
  unit and the same value;
* through the firmware on the unix port, every capture in every form gives
  the host's lines byte for byte.
"""

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

import capture_data
from capture_data import CAPTURES, read_hex
from protocols.crc import crc16_arc
from protocols.decoder import Reader, decode_frame
from protocols.errors import HanError
from protocols.p1 import P1Framer, decode_telegram, unit_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P1_DIR = os.path.join(CAPTURES, "p1")
EXPECTED = capture_data.expected("p1")
with open(os.path.join(ROOT, "tools", "p1-peers.json")) as f:
    PEERS = json.load(f)


def raw(name):
    with open(os.path.join(P1_DIR, name), "rb") as f:
        return f.read()


def forms(data):
    """The four line-end forms of a capture (as tests/mp/dump_readings.py makes them)."""
    crlf = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    lf = crlf.replace(b"\r\n", b"\n")
    return [("crlf", crlf), ("crlf-nobreak", crlf.rstrip(b"\r\n")), ("lf", lf), ("lf-nobreak", lf.rstrip(b"\n"))]


def stream(data, step=256):
    """(reading dicts, reject kinds) of ``data`` read like ``hanreader decode`` (Reader, flush)."""
    kinds = []
    r = Reader(on_reject=lambda e: kinds.append(e.kind), max_frame=2049)
    out = []
    for i in range(0, len(data), step):
        out += r.feed(data[i:i + step])
    out += r.flush()
    return [json.loads(x.to_json()) for x in out], kinds


def telegram(body):
    """A telegram with its CRC from the lines of ``body`` (str, CR LF added)."""
    t = ("\r\n".join(body) + "\r\n!").encode()
    return t + b"%04X\r\n" % crc16_arc(t)


def plain(regs):
    return [{k: v for k, v in r.items() if k != "name"} for r in regs]


# -- the peers' assertions ------------------------------------------------------------

PEER_CASES = sorted(n for n, e in EXPECTED.items() if "peer" in e)


def _quantity(value, unit):
    v = Decimal(str(value))
    u = unit_of(unit) if unit else None
    if u is None:
        return v, unit
    return v * 10 ** u[1], u[0]


@pytest.mark.parametrize("name", PEER_CASES)
def test_capture_gives_the_values_its_source_asserts(name):
    peer = EXPECTED[name]["peer"]
    if peer["repo"] == "ndokter/dsmr_parser":
        assert peer["commit"] == PEERS["dsmr_parser"]["commit"]
        asserts = PEERS["dsmr_parser"]["asserts"][peer["name"]]
        decoded = True
    else:
        assert peer["commit"] == PEERS["amsreader"]["commit"]
        p = PEERS["amsreader"]["payloads"][peer["path"]]
        asserts, decoded = p["asserts"], p["decoded"]
    readings, kinds = stream(raw(name))
    if decoded is not True:
        # amsreader's golden decode finds nothing (a cut telegram), or the
        # reporter redacted the id (the CRC cannot check): no reading, the kind said.
        assert readings == [] and kinds == [EXPECTED[name]["error"]]
        return
    assert len(readings) == 1
    regs = {r["obis"][: r["obis"].rindex(".")]: r for r in readings[0]["registers"]}
    checked = 0
    for obis, (want, unit) in asserts.items():
        got = regs[obis]
        if isinstance(got["value"], str):
            # dsmr_parser keeps hex-encoded ids as sent; hanreader decodes printable ones.
            want = str(want)
            hexed = None
            try:
                hexed = bytes.fromhex(want).decode("ascii")
            except ValueError:
                pass
            assert got["value"] in (want, hexed), (obis, got, want)
        else:
            assert _quantity(got["value"], got["unit"]) == _quantity(want, unit) or (
                unit is None and Decimal(str(got["value"])) == Decimal(str(want))), (obis, got, want, unit)
        checked += 1
    assert checked == len(asserts)


def test_every_peer_telegram_is_a_capture():
    names = {e["peer"].get("name") for e in EXPECTED.values() if "peer" in e}
    paths = {e["peer"].get("path") for e in EXPECTED.values() if "peer" in e}
    assert set(PEERS["dsmr_parser"]["asserts"]) <= names
    assert len(PEERS["dsmr_parser"]["asserts"]) == 13
    assert set(PEERS["amsreader"]["payloads"]) <= paths


# -- line-end forms, end of input, chunking ---------------------------------------------

ALL = sorted(EXPECTED)


@pytest.mark.parametrize("name", ALL)
def test_every_form_gives_the_expected_reading(name):
    exp = EXPECTED[name]
    for form, data in forms(raw(name)):
        for step in (1, 5, 256):
            readings, kinds = stream(data, step)
            if "error" in exp:
                assert readings == [] and kinds == [exp["error"]], (form, step, kinds)
                continue
            assert len(readings) == 1, (form, step, kinds)
            r = readings[0]
            assert (r["meter"], r["time"], plain(r["registers"])) == (exp["meter"], exp["time"], exp["registers"]), (
                form, step)


def test_telegrams_back_to_back_without_a_line_break():
    names = ["dsmr50-iskra-mt382.txt", "fluvius-be-emucs171.txt", "kamstrup-omnia-se-gh578-1.txt"]
    data = b"".join(raw(n).rstrip(b"\r\n") for n in names)  # "!6EEE/FLU5..." "!3AD7/KAM5..."
    for step in (1, 3, 64, 4096):
        readings, kinds = stream(data, step)
        assert kinds == []
        assert [plain(r["registers"]) for r in readings] == [EXPECTED[n]["registers"] for n in names]
    lf = b"".join(raw(n).replace(b"\r\n", b"\n").rstrip(b"\n") for n in names)
    assert len(stream(lf)[0]) == 3


def test_telegram_at_end_of_input_without_line_break():
    t = raw("kamstrup-omnia-se-gh578-1.txt").rstrip(b"\r\n")
    assert t.endswith(b"!1D66")
    f = P1Framer()
    assert f.feed(t) == []  # more CRC digits, or the line end, may follow
    assert f.flush() == [t] and f.accepted == 1 and f.truncated == 0
    for cut in (t[:-1], t[:-2]):  # "!1D6", "!1D": digits missing
        # Kamstrup is declared without unpadded_crc (protocols/meters): a short CRC is malformed ...
        f = P1Framer()
        assert f.feed(cut) == [] and f.flush() == []
        assert f.format_errors == 1 and f.checksum_errors == 0
        # ... an undeclared ident's is checked, and does not check.
        f = P1Framer()
        assert f.feed(cut.replace(b"/KAM5", b"/XYZ5")) == [] and f.flush() == []
        assert f.checksum_errors == 1


def test_lf_only_crc_is_checked_over_the_cr_lf_the_meter_sent():
    lf = raw("dsmr50-iskra-mt382.txt").replace(b"\r\n", b"\n")
    assert json.loads(decode_telegram(lf).to_json())["registers"] == json.loads(
        decode_telegram(raw("dsmr50-iskra-mt382.txt")).to_json())["registers"]
    bad = raw("dsmr50-iskra-mt382-badcrc.txt").replace(b"\r\n", b"\n")
    with pytest.raises(HanError) as ei:
        decode_telegram(bad)
    assert ei.value.kind == "checksum"


# -- CRC rules ---------------------------------------------------------------------------


def test_unpadded_crc_accepted_only_when_it_checks():
    t = raw("nwa-warmtelink-unpadded-crc.txt")
    assert t.endswith(b"!B9F\r\n") and crc16_arc(t[: t.index(b"!") + 1]) == 0x0B9F
    assert decode_telegram(t)["0-1:24.2.1.255"] == 240.86
    with pytest.raises(HanError) as ei:
        decode_telegram(t.replace(b"!B9F", b"!B9E"))
    assert ei.value.kind == "checksum"
    with pytest.raises(HanError) as ei:
        decode_telegram(t.replace(b"!B9F", b"!0B9F0"))  # five digits
    assert ei.value.kind == "format"
    with pytest.raises(HanError) as ei:
        decode_telegram(t.replace(b"!B9F", b"!B9X"))
    assert ei.value.kind == "format"


def test_dsmr4_and_later_require_a_crc():
    t = raw("dsmr50-iskra-mt382.txt")
    no_crc = t.replace(b"!6EEE", b"!")
    with pytest.raises(HanError) as ei:
        decode_telegram(no_crc)
    assert ei.value.kind == "format" and "CRC" in str(ei.value)
    readings, kinds = stream(no_crc)
    assert readings == [] and kinds == ["format"]
    # DSMR 2.2 (no version line) has none, and is read.
    assert len(stream(raw("dsmr22-iskra-mt382.txt"))[0]) == 1


def test_once_a_stream_has_shown_crcs_a_telegram_without_is_rejected():
    with_crc = raw("kamstrup-omnia-se-gh578-1.txt")
    without = raw("iskra-am550-si-gh1037-1.txt")  # a bare "!": Slovenian AM550
    f = P1Framer()
    assert len(f.feed(without + with_crc)) == 2
    assert f.feed(without) == [] and f.format_errors == 1 and f.no_crc == 2
    f.flush()
    assert len(f.feed(without)) == 1  # a new input starts afresh


# -- values ------------------------------------------------------------------------------


def test_clock_that_is_no_time_is_a_format_error():
    # issue 12: "0-0:1.0.0(hello)" must not give the time "hello".
    t = telegram(["/KAM5", "", "0-0:1.0.0(hello)", "1-0:1.7.0(0001.453*kW)"])
    with pytest.raises(HanError) as ei:
        decode_telegram(t)
    assert ei.value.kind == "format" and "hello" in str(ei.value)
    readings, kinds = stream(t)
    assert readings == [] and kinds == ["format"]
    # The shape of a time but no date (a meter's "unset"): null, as documented.
    r = decode_telegram(telegram(["/KAM5", "", "0-0:1.0.0(632525252525W)", "1-0:1.7.0(0001.453*kW)"]))
    assert r.time_text is None and r["clock"] is None and r["active_power_import"] == 1453


def test_numbers_of_more_than_40_digits_are_a_format_error():
    ok = decode_telegram(telegram(["/KAM5", "", "1-0:1.8.0(%s*Wh)" % ("9" * 40)]))
    assert ok["1-0:1.8.0.255"] == 10**40 - 1
    with pytest.raises(HanError) as ei:
        decode_telegram(telegram(["/KAM5", "", "1-0:1.8.0(%s*Wh)" % ("9" * 41)]))
    assert ei.value.kind == "format"


def test_fluvius_values_without_star_and_units_in_any_spelling():
    r = decode_telegram(telegram([
        "/FLU5\\253769484_A", "",
        "1-0:1.8.1(000123.456kWh)", "1-0:1.7.0(01.234kW)", "1-0:3.8.0(00000000.916*kVArh)",
        "1-0:4.7.0(0000.321*kvar)", "1-0:9.7.0(0000.5*kVA)", "0-1:24.2.3(200512134558S)(00112.384m3)",
        "1-0:32.7.0(234.7V)",
    ]))
    got = [(x.obis, json.loads(x.json())["value"], x.unit) for x in r.registers]
    assert got == [
        ("1-0:1.8.1.255", 123456, "Wh"), ("1-0:1.7.0.255", 1234, "W"), ("1-0:3.8.0.255", 916, "varh"),
        ("1-0:4.7.0.255", 321, "var"), ("1-0:9.7.0.255", 500, "VA"), ("0-1:24.2.3.255", 112.384, "m3"),
        ("1-0:32.7.0.255", 234.7, "V"),
    ]
    assert r.register("0-1:24.2.3.255").time == "2020-05-12T13:45:58+02:00"


def test_exact_decimal_conversion():
    # 52185.7825309 kWh is 52185782.5309 Wh: written from the integer, no binary rounding.
    r = decode_telegram(raw("easymeter-q3d-b1024.txt"))
    reg = r.register("1-0:1.8.0.255")
    assert (reg.raw, reg.scaler, reg.unit) == (521857825309, -4, "Wh")
    assert '"value": 52185782.5309, "unit": "Wh"' in r.to_json()
    kw = decode_telegram(raw("dsmr50-iskra-mt382.txt")).register("active_power_import")
    assert (kw.raw, kw.scaler, kw.value, type(kw.value)) == (244, 0, 244, int)  # 00.244 kW
    wh = decode_telegram(raw("luxembourg-sagemcom-t210dr.txt")).register("1-0:1.8.0.255")
    assert (wh.value, wh.unit) == (6545766, "Wh")  # integers stay integers


def test_event_log_and_buffers_give_their_count():
    r = decode_telegram(raw("dsmr42-kaifa.txt"))
    assert r["power_failure_log"] == 3  # (3)(0-0:96.7.19)(ts)(s)(ts)(s)(ts)(s)
    t = ["/ISk5\\2MT382-1000", "", "1-3:0.2.8(50)", "1-0:99.97.0()", "0-1:96.1.0()"]
    r = decode_telegram(telegram(t))
    assert r["power_failure_log"] == 0 and r["0-1:96.1.0.255"] == ""
    assert decode_telegram(raw("fluvius-be-emucs171.txt"))["0-0:98.1.0.255"] == 3


def test_a_quantity_sent_empty_is_left_out_and_a_text_sent_empty_is_kept():
    # ``()`` in the captures is always a text (messages, M-Bus ids: kept as "").
    # A measured quantity sent empty is not sent: no "" voltage that MQTT would
    # announce as a voltage sensor, no invented zero (docs/reading-schema.md).
    t = ["/ISk5\\2MT382-1000", "", "1-3:0.2.8(50)", "0-0:96.13.0()", "1-0:32.7.0()", "1-0:31.7.0(001*A)"]
    r = decode_telegram(telegram(t))
    assert [(g.obis, g.value, g.unit) for g in r.registers] == [
        ("1-3:0.2.8.255", "50", None), ("0-0:96.13.0.255", "", None), ("1-0:31.7.0.255", 1, "A")]


def test_control_byte_in_the_header_line_only():
    t = raw("iskra-ie5-control-byte.txt")
    assert t.startswith(b"/ISk5\x02MIE5T-200\r\n")
    assert len(stream(t)[0]) == 1
    bad = t.replace(b"1-0:1.8.1(", b"1-0:1.8.1\x02(")
    readings, kinds = stream(bad)
    assert readings == [] and "format" in kinds


def test_mbus_channels_have_their_own_time():
    r = decode_telegram(raw("dsmr50-iskra-am550-two-mbus.txt"))
    gas = r.registers[-1]
    assert (gas.obis, gas.value, gas.unit, gas.time) == ("0-2:24.2.1.255", 246.138, "m3", "2020-04-26T22:30:01+02:00")
    assert json.loads(gas.json())["time"] == "2020-04-26T22:30:01+02:00"
    heat = decode_telegram(raw("nwa-warmtelink-unpadded-crc.txt")).register("0-1:24.2.1.255")
    assert (heat.value, heat.unit, heat.time) == (240.86, "GJ", "2026-02-15T20:05:23+01:00")


# -- a header in the middle of a line (issue 12, tools/fuzz) --------------------------------


def test_header_in_the_middle_of_a_line_is_judged_the_same_for_any_chunking():
    good = raw("kamstrup-omnia-se-gh578-1.txt")
    # A telegram cut short mid-line, the next one starting right there.
    cut = good[:200]
    for data in (cut + good, good[:60] + b"x/KAM5" + good[5:], b"1-0:1.8.0(/KAM5" + good):
        results = set()
        for step in range(1, 12):
            f = P1Framer()
            out = []
            for i in range(0, len(data), step):
                out += f.feed(data[i:i + step])
            out += f.flush()
            results.add((tuple(out), tuple(f.counters())))
        assert len(results) == 1, data[:80]
        out = results.pop()[0]
        assert out == (good,)


# -- a P1 file however it is saved (issue 20 item 2) ----------------------------------------


def _cli(args, stdin=None):
    return subprocess.run([sys.executable, "-m", "hostlib.cli", "decode", *args, "--json"], input=stdin,
                          capture_output=True, cwd=ROOT, timeout=60)


def test_text_hex_and_stdin_of_a_telegram_give_the_same_reading(tmp_path):
    t = raw("fluvius-be-emucs171.txt")
    text = tmp_path / "telegram.txt"
    text.write_bytes(t.replace(b"\r\n", b"\n"))  # saved from a terminal: LF line ends
    hexf = tmp_path / "telegram.hex"
    hexf.write_text("\n".join(t[i:i + 16].hex(" ") for i in range(0, len(t), 16)) + "\n")
    rawf = tmp_path / "telegram.bin"
    rawf.write_bytes(t)
    runs = [_cli([str(text)]), _cli([str(hexf)]), _cli([str(rawf)]), _cli(["-"], stdin=t)]
    for r in runs:
        assert r.returncode == 0, r.stderr
    outs = [r.stdout for r in runs]
    assert outs[0] == outs[1] == outs[2] == outs[3]
    got = json.loads(outs[0].decode().splitlines()[0])
    assert plain(got["registers"]) == EXPECTED["fluvius-be-emucs171.txt"]["registers"]
    # --format stays an override: the text read as hex is an error, not a reading.
    bad = _cli([str(text), "--format", "hex"])
    assert bad.returncode == 1


def test_amsreader_hex_dump_text_and_stdin_give_the_same_reading(tmp_path):
    # amsreader-firmware keeps P1 telegrams as one line of upper-case hex bytes
    # (test/payloads/nes/gh712-1.hex @ a88a0beb): read as it is, it is the telegram.
    t = raw("nes-83335-dk-gh712-1.txt")
    hexf = tmp_path / "gh712-1.hex"
    hexf.write_text(" ".join("%02X" % b for b in t))
    assert hexf.read_text().startswith("2F 4E 45 53 35 3A 38 33 33 33 35 2D 33 45 0D 0A 0D 0A 30 2D")
    runs = [_cli([os.path.join(P1_DIR, "nes-83335-dk-gh712-1.txt")]), _cli([str(hexf)]), _cli(["-"], stdin=t)]
    assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    got = json.loads(runs[0].stdout.decode().splitlines()[0])
    assert (got["time"], plain(got["registers"])) == ("2024-01-11T09:35:00", EXPECTED["nes-83335-dk-gh712-1.txt"]["registers"])


# -- one set of units across protocols -------------------------------------------------------


def test_same_quantity_from_p1_and_dlms_has_the_same_unit_and_value():
    dlms = decode_frame(read_hex(os.path.join(CAPTURES, "aidon", "elwiz-list3-6534.hex")))
    lines = ["/ADN9 6534", ""]
    want = []
    for reg in dlms.registers:
        if reg.unit not in ("W", "var", "Wh", "varh", "V", "A") or not isinstance(reg.value, (int, float)):
            continue
        v = Decimal(json.loads(reg.json())["value"].__repr__())
        if reg.unit in ("W", "var", "Wh", "varh"):
            text = "%s*k%s" % (format(v / 1000, ".3f"), {"var": "VAr", "varh": "VArh"}.get(reg.unit, reg.unit))
        else:
            text = "%s*%s" % (format(v, "f"), reg.unit)
        lines.append("%s(%s)" % (reg.obis[:-4], text))
        want.append(json.loads(reg.json()))
    assert len(want) >= 10
    p1 = decode_telegram(telegram(lines))
    got = [json.loads(r.json()) for r in p1.registers]
    assert got == want
    assert [type(g["value"]) for g in got] == [type(w["value"]) for w in want]


# -- through the firmware on the unix port ---------------------------------------------------


def test_firmware_on_the_unix_port_prints_the_host_lines(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import test_firmware as tf

    # CRC-less telegrams first: after one with a CRC they are rejected (as on the host).
    names = sorted(EXPECTED, key=lambda n: (decode_crc(raw(n)) is not None, n))
    runs = []
    expect = {}
    for form in ("crlf", "crlf-nobreak", "lf", "lf-nobreak"):
        data = b"".join(dict(forms(raw(n)))[form] for n in names) + b"\r\n"
        f = tmp_path / ("p1-%s.bin" % form)
        f.write_bytes(data)
        runs.append({"name": form, "capture": str(f), "format": "raw", "meter": "115200-8N1",
                     "set": {"serial": "115200-8N1"}})
        expect[form] = tf.host_lines(data)
        assert len(expect[form]) >= 20
    res = tf.run_jobs("unix", runs, tmp_path)
    for form in expect:
        rc, _, lines = res[form]
        assert rc == 0
        assert tf.readings(lines) == expect[form], form


def decode_crc(data):
    """The hex digits after the telegram's '!' (None: a bare '!')."""
    if b"\n!" not in data:
        return None  # a cut telegram
    k = data.index(b"\n!") + 2
    e = k
    while e < len(data) and data[e:e + 1] not in (b"\r", b"\n"):
        e += 1
    return data[k:e] or None


def test_the_invalid_telegrams_the_sources_test_are_rejected():
    # dsmr_parser's test_checksum_invalid (a value line removed: the CRC no
    # longer checks) and test_checksum_missing (the "!CRC" line removed).
    by_name = {e["peer"]["name"]: n for n, e in EXPECTED.items() if "peer" in e and "name" in e["peer"]}
    dp = PEERS["dsmr_parser"]
    assert len(dp["invalid"]) == len(dp["missing_crc"]) == 3
    for tel, line in dp["invalid"].items():
        t = raw(by_name[tel])
        bad = t.replace(line.encode(), b"", 1)
        assert bad != t
        with pytest.raises(HanError) as ei:
            decode_telegram(bad)
        assert ei.value.kind == "checksum"
        assert stream(bad) == ([], ["checksum"])
        cut = t.replace(dp["missing_crc"][tel].encode(), b"", 1)
        assert b"\n!" not in cut
        with pytest.raises(HanError) as ei:
            decode_telegram(cut)
        assert ei.value.kind == "truncated"
        assert stream(cut) == ([], ["truncated"])


def test_the_table_output_shows_a_channels_capture_time():
    from hostlib.cli._common import format_reading

    text = format_reading(decode_telegram(raw("dsmr50-iskra-mt382.txt")))
    line = [ln for ln in text.splitlines() if "0-1:24.2.1.255" in ln][0]
    assert line.split() == ["mbus_reading", "0-1:24.2.1.255", "0.107", "m3", "at", "2017-01-02T16:10:05+01:00"]
