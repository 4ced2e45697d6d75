"""Whether a ciphered push was authenticated is in the JSON reading (issue 19,
docs/security.md, docs/reading-schema.md): ``"authenticated": true`` when its
tag was verified with the authentication key, ``false`` when it was not (no
tag: security control 0x20/0x21; a tag but no authentication key given),
and no such key for a plaintext push. The same bytes on the device:
tests/test_device_parity.py decodes every ciphered capture with and without
its authentication key on MicroPython; MQTT: tests/mp/dump_mqtt.py.

Captures and keys: tests/captures/encrypted/README.md (Kamstrup Omnipower:
esphome-libs/dlms_parser test keys; Netz NOe Kaifa: the network operator's
published sample key; Stoen Kaifa: amsreader-firmware issue 905).
"""

import json
import os

import pytest

import hostlib
from capture_data import CAPTURES, plain_cases, read_hex
from hostlib.dongle import DongleLineError, DongleParser, parse_line
from protocols.apdu import parse_apdu
from protocols.mqtt import Messages

KAM = "kamstrup-omnipower-dk-dlmsparser.hex"  # one HDLC frame, SC 0x30, tag and both keys published
KAM_HEAD = ('{"meter": {"manufacturer": "Kamstrup", "id": "12343400", "type": null, '
            '"list_version": "Kamstrup_V0001"}, "time": "2026-03-12T15:24:30", ')
KAM_FIRST = '"registers": [{"obis": "1-1:0.2.129.255", "name": "list_version", "value": "Kamstrup_V0001", "unit": null}, '


def keys(folder, name):
    with open(os.path.join(CAPTURES, folder, "keys.json")) as f:
        return json.load(f)[name]


def capture(folder, name):
    return read_hex(os.path.join(CAPTURES, folder, name))


def kamstrup(auth_key=True):
    k = keys("encrypted", KAM)
    return hostlib.decode(capture("encrypted", KAM), key=k["key"], auth_key=k["auth_key"] if auth_key else None)


def test_sc30_frame_and_keys():
    data = capture("encrypted", KAM)
    c = parse_apdu(data[11:-3])  # the DB APDU after the HDLC header and LLC bytes, before FCS and flag
    assert c.security_control == 0x30 and len(c.auth_tag) == 12


def test_sc30_with_the_authentication_key_says_true():
    r = kamstrup()
    assert r.authenticated is True
    assert r.to_json().startswith(KAM_HEAD + '"authenticated": true, ' + KAM_FIRST)
    assert r.to_dict()["authenticated"] is True
    assert json.loads(r.to_json()) == r.to_dict()


def test_sc30_without_the_authentication_key_says_false():
    r = kamstrup(auth_key=False)
    assert r.authenticated is False
    assert r.to_json().startswith(KAM_HEAD + '"authenticated": false, ' + KAM_FIRST)
    assert json.loads(r.to_json()) == r.to_dict()
    # the registers are the same; the readings are not equal
    assert r.to_json().replace("false", "true", 1) == kamstrup().to_json()
    assert r != kamstrup()


def test_received_at_comes_first_then_authenticated():
    r = kamstrup()
    r.received_at = 1772362800.123
    assert r.to_json().startswith(
        KAM_HEAD + '"received_at": "2026-03-01T11:00:00.123+00:00", "authenticated": true, ' + KAM_FIRST)


# M-Bus frames: 68 L L 68 C A CI ..., DB 08 <system title> <length: 81 F8 / 82 0155> SC
@pytest.mark.parametrize("name, at, sc", [("netznoe-kaifa-ma309m-sample.hex", 21, 0x20),
                                          ("stoen-kaifa-ma309-gh905-1.hex", 22, 0x21)])
def test_encryption_only_says_false(name, at, sc):
    data = capture("encrypted", name)
    assert data[0] == 0x68 and data[9] == 0xDB and data[at] == sc
    k = keys("encrypted", name)
    assert k["auth_key"] is None
    r = hostlib.decode(data, key=k["key"])
    assert r.authenticated is False
    text = r.to_json()
    assert ', "authenticated": false, "registers": [{"obis": "0-0:1.0.0.255", "name": "clock", ' in text
    assert text.count('"authenticated"') == 1


def test_plaintext_readings_have_no_such_key():
    cases = [(name, data) for name, data, exp in plain_cases() if "registers" in exp]
    assert len(cases) >= 64
    for name, data in cases:
        r = hostlib.decode(data)
        assert r.authenticated is None, name
        assert '"authenticated"' not in r.to_json() and "authenticated" not in r.to_dict(), name
    with open(os.path.join(CAPTURES, "p1", "luxembourg-sagemcom-t210dr.txt"), "rb") as f:
        p1 = hostlib.decode(f.read())
    assert p1.authenticated is None and '"authenticated"' not in p1.to_json()


def test_dongle_lines_read_it_back():
    for auth in (True, False):
        line = kamstrup(auth).to_json()
        r = parse_line(line)
        assert r.authenticated is auth
        assert r.to_json() == line  # byte for byte
        assert r == kamstrup(auth)
    aidon = hostlib.decode(capture("aidon", "elwiz-list2-6534.hex"))
    r = parse_line(aidon.to_json())
    assert r.authenticated is None and r.to_json() == aidon.to_json()
    p = DongleParser()
    got = p.feed((kamstrup().to_json() + "\n" + kamstrup(False).to_json() + "\n").encode())
    assert [x.authenticated for x in got] == [True, False] and p.errors == 0


@pytest.mark.parametrize("bad", ['1', '"true"', 'null, "x": 0', '[]'])
def test_dongle_line_with_a_bad_authenticated(bad):
    line = kamstrup().to_json().replace('"authenticated": true', '"authenticated": ' + bad)
    if bad.startswith("null"):
        assert parse_line(line).authenticated is None  # null: as if absent
        return
    with pytest.raises(DongleLineError, match="'authenticated' must be true or false, found"):
        parse_line(line)


def test_mqtt_state_carries_it_and_no_sensor_is_announced():
    configs = {}
    states = {}
    for auth in (True, False):
        m = Messages("auth-test")
        msgs = list(m.reading(kamstrup(auth)))
        configs[auth] = [(t, p) for t, p, _ in msgs if t.endswith("/config")]
        states[auth] = [p for t, p, _ in msgs if t.endswith("/state")]
        assert states[auth] == [kamstrup(auth).to_json()]
    assert configs[True] == configs[False] and len(configs[True]) > 30
    for t, p in configs[True]:
        assert "authenticated" not in t and "authenticated" not in p


def test_mqtt_dump_has_the_ciphered_bridge():
    # tests/mp/dump_mqtt.py's lines, which tests/test_mqtt_messages.py
    # compares byte for byte with MicroPython's (webassembly VM, unix port).
    from test_mqtt_messages import cpython_lines

    lines = [line.split(" ", 2) for line in cpython_lines()]
    states = [p for t, _, p in lines if t == "hanreader/meter/12343400/state"]
    assert [s[: len(KAM_HEAD) + 27] for s in states] == [KAM_HEAD + '"authenticated": true, "reg',
                                                         KAM_HEAD + '"authenticated": false, "re']
    assert not [t for t, _, p in lines if t.endswith("/config") and "authenticated" in t + p]
