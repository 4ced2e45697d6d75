"""Issue 19: DLMS pushes beyond the Nordic lists.

Positional layouts (Slovenian and Croatian Iskraemeco, Netz Burgenland's
Landis+Gyr E450, the Austrian IDIS push), self-describing Swiss pushes with
declared scalers, and a layout no declaration knows. The captures are in
tests/captures/{slovenia,croatia,swiss,austria} (sources in each README and
in each file's header); here every one is asserted whole (including
``layout``/``values``/``declared``), and the facts the issue names one by one.
"""

import json
import os
import subprocess
import sys

import pytest

import capture_data
import hostlib
from capture_data import CAPTURES, read_hex
from protocols import dialects
from protocols.apdu import DataNotification
from protocols.dialects import positional
from protocols.hdlc import build_frame

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDERS = ("slovenia", "croatia", "swiss", "austria")


def _cases():
    out = []
    for folder in FOLDERS:
        keys = {}
        if os.path.exists(os.path.join(CAPTURES, folder, "keys.json")):
            with open(os.path.join(CAPTURES, folder, "keys.json")) as f:
                keys = json.load(f)
        for name, exp in sorted(capture_data.expected(folder).items()):
            out.append((folder + "/" + name, exp, keys.get(name)))
    return out


CASES = _cases()


def _read(name, keys=None):
    kw = {} if keys is None else {"key": keys["key"], "auth_key": keys["auth_key"]}
    return hostlib.decode(read_hex(os.path.join(CAPTURES, name)), **kw)


def _dict(r):
    d = r.to_dict()
    for g in d["registers"]:
        g.pop("name")
    return d


def test_every_new_capture_is_here():
    assert len(CASES) == 17 + 2 + 2 + 13


@pytest.mark.parametrize("name,exp,keys", CASES, ids=[c[0] for c in CASES])
def test_capture_reads_whole(name, exp, keys):
    r = _read(name, keys)
    assert _dict(r) == exp
    assert json.loads(r.to_json()) == r.to_dict()


def _regs(r):
    return {g.name: g.value for g in r.registers}


def test_slovenian_lists():
    r = _read("slovenia/am550-ljubljana-gh615-1.hex")
    v = _regs(r)
    assert r.meter.manufacturer == "Iskraemeco" and r.meter.id == "ISK1030789375606"
    assert r.time_text == "2023-07-24T19:40:25+02:00"
    assert (v["active_power_import"], v["voltage_l1"], v["voltage_l3"], v["current_l3"]) == (1393, 237.9, 229.6, 5.97)
    # The per-phase powers add up to the total: the positions are right.
    assert v["active_power_import_l1"] + v["active_power_import_l2"] + v["active_power_import_l3"] == 1392
    assert v["device_id_4"] == "16820005"
    # Elektro Celje: another operator, another order, same count as list2.
    v = _regs(_read("slovenia/am550-celje-gh615-8.hex"))
    assert (v["voltage_l1"], v["current_l1"], v["active_power_import"], v["device_id_3"]) == (231.4, 4.51, 2399, "UP_3f")
    # 15-minute energies: tariffs add up to the totals.
    v = _regs(_read("slovenia/am550-ljubljana-gh615-2.hex"))
    assert v["active_energy_import"] == v["active_energy_import_t1"] + v["active_energy_import_t2"] == 52837
    assert v["active_energy_export"] == 177927 and v["tariff_indicator"] == "0001"
    # 1-phase lists: only what is sent (no L2/L3 registers invented).
    v = _regs(_read("slovenia/am550-ed121-gh869-8.hex"))
    assert (v["voltage_l1"], v["current_l1"], v["active_power_import"]) == (233.6, 2.78, 540)
    assert "voltage_l2" not in v and "current_l3" not in v
    v = _regs(_read("slovenia/am550-geni-gh869-6.hex"))
    assert v["active_energy_import"] == 12789950 and v["active_energy_export"] == 250


def test_croatian_ie5():
    r = _read("croatia/ie5-zabok-gh1072-3.hex")
    v = _regs(r)
    assert r.meter.id == "92029691" and r.time_text == "2025-12-03T15:53:30+01:00"
    assert (v["active_energy_import"], v["active_power_import"], v["power_factor"]) == (6844432, 499, 0.746)
    assert (v["voltage_l1"], v["voltage_l3"], v["current_l2"]) == (233.6, 235.5, 1.72)
    assert v["reactive_energy_q1"] == 1510658 and v["reactive_energy_q4"] == 1345708
    # 33 values: 3 identifiers/time, 25 named, 5 undescribed left out.
    assert len(r.registers) == 26


def test_swiss_capture_list_push_declares_its_scalers():
    r = _read("swiss/e450-gh934-1.hex")
    v = _regs(r)
    assert r.meter.manufacturer == "Landis+Gyr" and r.meter.id == "63316890"
    # Voltage raw 234 with the declared scaler 0 (amsreader's table: 23.4 V).
    assert (v["voltage_l1"], v["current_l1"], v["active_power_import"], v["active_energy_import"]) == (
        234, 0.49, 331, 4912257)
    assert "1-0:31.7.0.255" in r.declared and "1-0:32.7.0.255" in r.declared
    assert json.loads(r.to_json())["declared"][0] == "1-0:1.7.0.255"
    r = _read("swiss/e450-baden-gh740.hex")  # three GBT blocks, one push
    assert _regs(r)["active_energy_import"] == 2302502 and _regs(r)["current_l2"] == 1.05


def test_austrian_variant1_and_burgenland():
    with open(os.path.join(CAPTURES, "austria", "keys.json")) as f:
        keys = json.load(f)
    r = _read("austria/am550-kelag-gh787-1.hex", keys["am550-kelag-gh787-1.hex"])
    v = _regs(r)
    assert r.meter.manufacturer == "Iskraemeco"  # the FLAG id of the system title
    assert r.meter.id == "1121378381199" and r.time_text == "2024-05-07T21:11:17+02:00"
    assert v["push_setup"] == "0-6:25.9.0.255"
    assert (v["active_energy_import"], v["active_energy_export"], v["active_power_import"]) == (14370048, 420837, 9)
    assert r.authenticated is False  # suite 0 with security control 0x20: no tag
    r = _read("austria/e450-burgenland-gh501-2.hex", keys["e450-burgenland-gh501-2.hex"])
    v = _regs(r)
    assert r.authenticated is True and r.meter.id == "30137181"
    assert (v["voltage_l3"], v["current_l3"], v["active_power_import"], v["active_energy_import"]) == (237, 0.26, 29, 31358606)


def _variant1_plaintext():
    from hostlib.crypto import Decryptor
    from protocols.apdu import parse_apdu
    from protocols.decoder import Reader

    with open(os.path.join(CAPTURES, "austria", "keys.json")) as f:
        k = json.load(f)["am550-kelag-gh787-1.hex"]
    frames = []
    Reader(protocol="hdlc", on_frame=frames.append).feed(read_hex(os.path.join(CAPTURES, "austria", "am550-kelag-gh787-1.hex")))
    plain, _ = Decryptor(k["key"], None)(parse_apdu(frames[0].apdu))
    return plain


@pytest.mark.parametrize("src", [b"\x23", b"\x02\x23", b"\x00\x02\x00\x23"], ids=["1-byte", "2-byte", "4-byte"])
def test_variant1_with_hdlc_server_addresses_of_1_2_4_bytes(src):
    frame = build_frame(b"\xe6\xe7\x00" + _variant1_plaintext(), dest=b"\xcf", src=src)
    r = hostlib.decode(frame)
    assert r.meter.manufacturer is None and r.meter.id == "1121378381199"  # plaintext: no FLAG id
    assert _regs(r)["active_energy_import"] == 14370048


def test_a_layout_is_recognised_by_shape_never_by_values():
    from protocols.dialects import generic  # noqa: F401

    body = (b"ISK1030789375606", b"16820005", 1393, 0, 0, 738, 2379, 2379, 2296, 103, 125, 597, 16, 51, 1325, 0, 0, 0)
    r = dialects.decode_notification(DataNotification(0, None, body))
    assert r.layout is None and _regs(r)["voltage_l1"] == 237.9
    # One element of another class: no declared layout has that shape.
    odd = body[:5] + (b"738",) + body[6:]
    r = dialects.decode_notification(DataNotification(0, None, odd))
    assert r.layout == "unknown" and r.signature == "oo" + "iii" + "o" + "i" * 12
    assert positional.signature(odd) == r.signature
    # A Variant 1 list whose first element is not a push setup's name.
    plain = list(dialects.decode_notification(DataNotification(0, None, (b"\x00\x06\x19\x09\x00\xff", b"1", b"\x15\x0b\x11\x00",
                 b"\x07\xe8\x05\x07\x02", 1, 2, 3, 4, 5, 6, b"", b""))).registers)
    assert [g.name for g in plain][:2] == ["push_setup", "meter_id"]
    r = dialects.decode_notification(DataNotification(0, None, (b"\x01\x00\x01\x08\x00\xff", b"1", b"\x15\x0b\x11\x00",
                                                                b"\x07\xe8\x05\x07\x02", 1, 2, 3, 4, 5, 6, b"", b"")))
    assert r.layout == "unknown"


def test_null_padded_positional_list_invents_no_zero():
    # The 1-phase 10-value list with the export power and the current null
    # (not measured): the layout still matches, those registers are left out.
    body = (b"ISK1020785766649", b"ISK85766649", 540, None, 0, 282, 2336, None, 540, 0)
    r = dialects.decode_notification(DataNotification(0, None, body), "ISK")
    assert r.layout is None
    assert [(g.name, g.value) for g in r.registers] == [
        ("logical_device_name", "ISK1020785766649"), ("device_id_3", "ISK85766649"), ("active_power_import", 540),
        ("reactive_power_import", 0), ("reactive_power_export", 282), ("voltage_l1", 233.6),
        ("active_power_import_l1", 540), ("active_power_export_l1", 0)]
    # A null logical device name: left out too, the meter then has no id.
    r = dialects.decode_notification(DataNotification(0, None, (None,) + body[1:]), None)
    assert r.meter.id is None and r.registers[0].name == "device_id_3" and len(r.registers) == 7


def test_variant1_time_from_date_and_time_positions_when_header_has_none():
    from protocols.apdu import parse_apdu

    dn = parse_apdu(_variant1_plaintext())
    r = dialects.decode_notification(DataNotification(dn.invoke_id, None, dn.body))
    assert r.time_text == "2024-05-07T21:11:17"


def test_unknown_layout_reading_and_cli(tmp_path):
    path = os.path.join(CAPTURES, "slovenia", "am550-ed121-gh869-3.hex")
    r = hostlib.decode(read_hex(path))
    d = json.loads(r.to_json())
    assert d["layout"] == "unknown" and d["signature"] == "oiii" and d["registers"] == []
    assert d["values"] == [{"type": "octet-string", "value": "84605887"}, {"type": "integer", "value": 0},
                           {"type": "integer", "value": 7924641}, {"type": "integer", "value": 0}]
    assert d["time"] == "2024-11-22T20:45:00+01:00"
    cmd = [sys.executable, "-m", "hostlib.cli", "decode", "--json", path]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 1
    assert json.loads(p.stdout) == d
    lines = [ln for ln in p.stderr.splitlines() if "unknown layout" in ln]
    assert lines == ["hanreader: unknown layout: a list of 4 values (signature oiii) that no meter declaration "
                     "describes; its values are in the reading by position (docs/adding-a-meter.md, section 5: "
                     "from a signature to a declaration)"]
    assert "no frame in a known layout" in p.stderr
    # With one frame in a known layout beside it: status 0, the diagnostic still given.
    both = tmp_path / "both.hex"
    both.write_bytes(read_hex(os.path.join(CAPTURES, "slovenia", "am550-ljubljana-gh615-1.hex")).hex().encode()
                     + b"\n" + read_hex(path).hex().encode() + b"\n")
    p = subprocess.run(cmd[:-1] + [str(both)], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert [json.loads(x).get("layout") for x in p.stdout.splitlines()] == [None, "unknown"]
    assert "signature oiii" in p.stderr


def test_peer_corpus_tool_counts_a_corpus(tmp_path):
    # The tool on a miniature of amsreader-firmware's layout: two payloads of
    # the golden table (one right, one whose golden value is wrong on purpose)
    # and one keyed payload.
    pay = tmp_path / "test" / "payloads"
    (pay / "iskraemeco").mkdir(parents=True)
    (pay / "landis-gyr").mkdir()
    (pay / "kaifa").mkdir()
    (tmp_path / "test" / "test_decoder").mkdir()
    src = os.path.join(CAPTURES, "slovenia", "am550-ljubljana-gh615-1.hex")
    (pay / "iskraemeco" / "gh615-1.hex").write_bytes(read_hex(src).hex().encode())
    (pay / "iskraemeco" / "gh615-3.hex").write_bytes(read_hex(src).hex().encode())
    (pay / "iskraemeco" / "README.md").write_text("> key `00000000000000000000000000000000`\n")
    (pay / "landis-gyr" / "README.md").write_text("EK=00 AK=00\n")
    (pay / "kaifa" / "README.md").write_text("x\n")
    (pay / "manifest.json").write_text(json.dumps([{"file": "iskraemeco/gh615-1.hex", "manufacturer": "iskraemeco"},
                                                   {"file": "iskraemeco/gh615-3.hex", "manufacturer": "iskraemeco"}]))
    (tmp_path / "test" / "test_decoder" / "expected_unencrypted.h").write_text(
        '  { "test/payloads/iskraemeco/gh615-1.hex", 1, 4,8, 1393,0, 237.90,237.90,229.60, 1.03,1.25,5.97, 0.000, "16820005" },\n'
        '  { "test/payloads/iskraemeco/gh615-3.hex", 1, 4,8, 1394,0, 237.90,237.90,229.60, 1.03,1.25,5.97, 0.000, "16820005" },\n')
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "peer-corpus"), str(tmp_path), "--only-plain"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "plaintext: 1/2 right (iskraemeco 1/2)"


# -- issue 19 item 4: one security policy, each cause its own kind ---------------------------------

def _keys(folder):
    with open(os.path.join(CAPTURES, folder, "keys.json")) as f:
        return json.load(f)


def _apdu_of(data):
    """The ciphered APDU of a capture (HDLC or M-Bus frames)."""
    from protocols.decoder import Reader

    frames = []
    Reader(protocol="hdlc" if data[0] == 0x7E else "mbus", max_frame=2049, on_frame=frames.append).feed(data)
    return frames[0].apdu if data[0] == 0x7E else b"".join(f.apdu for f in frames)


def _suite_31():
    """Suite 1 (SC 0x31, tag): no public capture, so the Burgenland E450 plaintext
    (issue 501) ciphered here with its published keys, system title and counter."""
    from hostlib.crypto import Decryptor, encrypt_apdu
    from protocols.apdu import parse_apdu

    k = _keys("austria")["e450-burgenland-gh501-2.hex"]
    c = parse_apdu(_apdu_of(read_hex(os.path.join(CAPTURES, "austria", "e450-burgenland-gh501-2.hex"))))
    plain, _ = Decryptor(k["key"], k["auth_key"])(c)
    return (encrypt_apdu(k["key"], plain, c.system_title, c.invocation_counter, security_control=0x31,
                         auth_key=k["auth_key"]), k)


def _suite(sc):
    if sc == 0x31:
        return _suite_31()
    folder, name = {0x20: ("austria", "am550-kelag-gh787-1.hex"),
                    0x21: ("encrypted", "stoen-kaifa-ma309-gh905-1.hex"),
                    0x30: ("austria", "e450-burgenland-gh501-2.hex")}[sc]
    return read_hex(os.path.join(CAPTURES, folder, name)), _keys(folder)[name]


WRONG = "0F0E0D0C0B0A09080706050403020100"


@pytest.mark.parametrize("sc", [0x20, 0x21, 0x30, 0x31], ids=["sc20", "sc21", "sc30", "sc31"])
def test_each_security_suite_right_wrong_missing_key_and_tampering(sc):
    from protocols.apdu import parse_apdu
    from protocols.errors import HanError

    data, k = _suite(sc)
    assert parse_apdu(_apdu_of(data) if data[0] != 0xDB else data).security_control == sc

    def kind(**kw):
        with pytest.raises(HanError) as ei:
            hostlib.decode(data, **kw)
        return ei.value.kind

    tagged = sc & 0x10 == 0x10
    r = hostlib.decode(data, key=k["key"], auth_key=k["auth_key"])  # right key(s)
    assert r.registers and r.layout is None
    assert r.authenticated is (tagged and k["auth_key"] is not None)
    assert kind() == "encrypted"  # missing key
    assert kind(key=WRONG, auth_key=k["auth_key"]) == "key"  # wrong key
    if tagged:
        assert kind(key=k["key"], auth_key=WRONG) == "auth"  # wrong authentication key
        apdu = bytearray(_apdu_of(data) if data[0] == 0x7E else data)
        apdu[-1] ^= 0x01  # a tampered tag (the last byte of the APDU)
        raw = build_frame(b"\xe6\xe7\x00" + bytes(apdu)) if data[0] == 0x7E else bytes(apdu)
        with pytest.raises(HanError) as ei:
            hostlib.decode(bytes(raw), key=k["key"], auth_key=k["auth_key"])
        assert ei.value.kind == "auth"
        r = hostlib.decode(data, key=k["key"])  # no authentication key: decrypted, not authenticated
        assert r.authenticated is False and r.registers
    else:
        # No tag to tamper with: an authentication key makes such a frame a possible downgrade.
        assert kind(key=k["key"], auth_key=WRONG) == "unauthenticated"


# -- issue 19 item 5: bare APDUs through the CLI ------------------------------------------------

@pytest.mark.parametrize("name", ["slovenia/am550-geni-gh869-6.hex", "slovenia/am550-ed121-gh869-8.hex",
                                  "croatia/ie5-zabok-gh1072-4.hex"])
@pytest.mark.parametrize("protocol", ["auto", "apdu"])
def test_hanreader_decode_reads_a_bare_apdu(name, protocol):
    data = read_hex(os.path.join(CAPTURES, name))
    assert data[0] == 0x0F or data[:3] == b"\xe6\xe7\x00"  # a Data-Notification, or after E6 E7 00
    p = subprocess.run([sys.executable, "-m", "hostlib.cli", "decode", "--json", "--protocol", protocol,
                        os.path.join(CAPTURES, name)], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert [json.loads(x) for x in p.stdout.splitlines()] == [hostlib.decode(data).to_dict()]
    if name.endswith("gh1072-4.hex"):
        assert b"\x7e" in data  # a 0x7E byte inside the APDU is no HDLC flag
        assert json.loads(p.stdout)["registers"][1]["value"] == 7088218


# -- issue 19 item 6: the end of a recording ---------------------------------------------------

def test_a_recording_ending_inside_a_long_claimed_frame_keeps_the_frames_inside_the_claim(tmp_path):
    from protocols.decoder import Reader

    a = read_hex(os.path.join(CAPTURES, "slovenia", "am550-ljubljana-gh615-1.hex"))
    b = read_hex(os.path.join(CAPTURES, "slovenia", "am550-ljubljana-gh615-3.hex"))
    # The first 20 bytes of a frame whose header (HCS valid) claims 615 bytes,
    # then two whole frames, then the end of the input: 282 bytes in all.
    opener = build_frame(b"\xe6\xe7\x00" + bytes(600), dest=b"\xcf", src=b"\x02\x23")[:20]
    data = opener + a + b
    assert (((data[1] << 8) | data[2]) & 0x7FF) + 2 == 615 > len(data)
    r = Reader()
    out = r.feed(data)
    assert out == []  # inside the claim: nothing is known yet
    out = r.flush()
    assert [x["active_power_import"] for x in out] == [1393, 968]
    assert r.counters()["truncated"] == 1
    assert hostlib.decode(data)["active_power_import"] == 1393
    f = tmp_path / "cut.bin"
    f.write_bytes(data)
    p = subprocess.run([sys.executable, "-m", "hostlib.cli", "decode", "--json", str(f)],
                       capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0
    assert [json.loads(x)["registers"][2]["value"] for x in p.stdout.splitlines()] == [1393, 968]
    assert "truncated: input ends inside a frame: 282 of 615 bytes" in p.stderr


# -- issue 19 item 3 through a dongle: its line of an unknown layout is no empty reading -------------

def _extra_lines():
    """The JSON line of every capture whose reading has an unknown layout or declared scalers."""
    out = []
    for name, exp, keys in CASES:
        if "layout" in exp or "declared" in exp:
            out.append((name, _read(name, keys).to_json()))
    return out


def test_dongle_lines_keep_the_unknown_layout_and_the_declared_scalers(tmp_path):
    from hostlib.dongle import DongleParser, parse_line

    lines = _extra_lines()
    # slovenia: the three 4-value lists no document describes; swiss: the two capture-list pushes.
    assert sorted(n for n, _ in lines) == ["slovenia/am550-ed121-gh869-3.hex", "slovenia/am550-ed121-gh869-4.hex",
                                           "slovenia/am550-geni-gh869-7.hex", "swiss/e450-baden-gh740.hex",
                                           "swiss/e450-gh934-1.hex"]
    for name, line in lines:
        r = parse_line(line)
        assert r.to_json() == line, name  # byte for byte (the layout and values were dropped before)
    r = parse_line(dict(lines)["slovenia/am550-ed121-gh869-3.hex"])
    assert (r.layout, r.signature, r.registers) == ("unknown", "oiii", [])
    assert r.positions == [("octet-string", "84605887"), ("integer", 0), ("integer", 7924641), ("integer", 0)]
    assert parse_line(dict(lines)["swiss/e450-gh934-1.hex"]).declared[:2] == ["1-0:1.7.0.255", "1-1:1.8.0.255"]
    # hanreader decode of the dongle's lines: the diagnostic and the exit status of the frames themselves.
    f = tmp_path / "dongle.log"
    f.write_text(dict(lines)["slovenia/am550-ed121-gh869-3.hex"] + "\n")
    p = subprocess.run([sys.executable, "-m", "hostlib.cli", "decode", "--json", str(f)],
                       capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 1 and p.stdout == f.read_text()
    assert "signature oiii" in p.stderr and "no frame in a known layout: 1 frame" in p.stderr
    # Nested values, a float, a null, unprintable bytes: the device's JSON read back as written.
    body = (b"\x01\x02", (7, (b"ab", None)), 2.5, None)
    line = dialects.decode_notification(DataNotification(0, None, body)).to_json()
    assert '"values": [{"type": "octet-string", "value": "0102"}, {"type": "structure", "value": [7, ["ab", null]]}' \
           ', {"type": "float", "value": 2.5}, {"type": "null-data", "value": null}]' in line
    got = DongleParser().feed(line.encode() + b"\n")
    assert [x.to_json() for x in got] == [line]


@pytest.mark.parametrize("edit,msg", [
    (('"signature": "oiii"', '"signature": 4'), "'layout' and 'signature' must be texts"),
    (('{"type": "integer", "value": 0}', '0'), "a value of an unknown layout must be an object"),
])
def test_dongle_line_with_a_bad_unknown_layout(edit, msg):
    from hostlib.dongle import DongleLineError, parse_line

    line = dict(_extra_lines())["slovenia/am550-ed121-gh869-3.hex"].replace(*edit)
    with pytest.raises(DongleLineError, match=msg):
        parse_line(line)
    line = dict(_extra_lines())["swiss/e450-gh934-1.hex"].replace('"declared": ["1-0:1.7.0.255"', '"declared": [1')
    with pytest.raises(DongleLineError, match="'declared' must be a list of OBIS codes"):
        parse_line(line)


# -- issue 19 item 1: Wiener Netze's infrared push and the IM350s (Variant 1 with and without the empty strings) --

def test_wiener_netze_infrared_push_is_not_taken_for_the_slovenian_9_value_list():
    keys = _keys("austria")
    r = _read("austria/am550-wienernetze-ir.hex", keys["am550-wienernetze-ir.hex"])
    assert r.layout is None and r.meter.manufacturer == "Iskraemeco" and r.meter.id is None
    assert [(g.name, g.value, g.unit) for g in r.registers] == [
        ("clock", "2023-04-13T11:26:23+02:00", None), ("active_energy_import", 20870819, "Wh"),
        ("active_energy_export", 0, "Wh"), ("reactive_energy_import", 96027, "varh"),
        ("reactive_energy_export", 1216, "varh"), ("active_power_import", 0, "W"), ("active_power_export", 0, "W"),
        ("reactive_power_import", 0, "var"), ("reactive_power_export", 0, "var")]
    # The same shape (an octet-string and eight double-long-unsigned) with a
    # textual device name is still the Slovenian list (issue 869).
    clock = b"\x07\xe7\x04\x0d\x03\x0b\x1a\x17\x00\xff\x88\x80"
    ints = (20870819, 0, 96027, 1216, 0, 0, 0, 0)
    r = dialects.decode_notification(DataNotification(0, None, (clock,) + ints), "ISK")
    assert r.registers[0].name == "clock" and "logical_device_name" not in _regs(r)
    r = dialects.decode_notification(DataNotification(0, None, (b"ISK1020785766649",) + ints), "ISK")
    assert r.registers[0].name == "logical_device_name" and r.meter.id == "ISK1020785766649"
    # A binary octet-string where a declaration wants a text identifier and
    # no other layout fits: unknown, not a device name of binary bytes.
    r = dialects.decode_notification(DataNotification(0, None, (b"\x01\x02\x03",) + ints), "ISK")
    assert r.layout == "unknown" and r.signature == "o" + "i" * 8


def test_siemens_im350_variant1_and_the_wels_list_without_the_empty_strings():
    keys = _keys("austria")
    r = _read("austria/im350-shrdzm-variant1.hex", keys["im350-shrdzm-variant1.hex"])
    v = _regs(r)
    assert (r.meter.manufacturer, r.meter.id, r.time_text) == ("SMS", "2221202033801", "2021-03-07T14:55:39+01:00")
    assert (v["push_setup"], v["active_energy_import"], v["reactive_energy_export"], v["active_power_import"]) == (
        "0-6:25.9.0.255", 2946830, 2116972, 79)
    r = _read("austria/im350-wels-shrdzm-list2.hex", keys["im350-wels-shrdzm-list2.hex"])
    v = _regs(r)
    assert r.layout is None and r.meter.id == "18037098" and r.time_text == "2021-05-19T10:08:23+02:00"
    assert (v["active_energy_import"], v["reactive_energy_import"], v["reactive_energy_export"],
            v["active_power_import"], v["active_power_export"]) == (3531997, 392120, 282666, 146, 0)
