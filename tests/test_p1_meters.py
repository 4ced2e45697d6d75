"""P1 meters as declarations (protocols/meters, issue 20 "each declared once"):
the manufacturer a P1 ident names, the quirks a dialect is allowed
(protocols.p1framer.QUIRKS), adding a P1 meter as one index line; and two
P1/OBIS values that were silently wrong (an unset capture time read as
2070, the limiter threshold's registry unit kW)."""

import json
import os

import pytest

from capture_data import CAPTURES
from protocols import meters, obis, p1framer
from protocols.crc import crc16_arc
from protocols.decoder import Reader
from protocols.dialects.base import to_register
from protocols.errors import HanError
from protocols.p1 import P1Framer, decode_telegram

P1_DIR = os.path.join(CAPTURES, "p1")


def raw(name):
    with open(os.path.join(P1_DIR, name), "rb") as f:
        return f.read()


def telegram(body, crc="%04X"):
    """A telegram from the lines of ``body`` (CR LF added), its CRC written with ``crc``
    (None: a bare '!')."""
    t = ("\r\n".join(body) + "\r\n!").encode()
    return t + (b"" if crc is None else (crc % crc16_arc(t)).encode()) + b"\r\n"


def stream(data):
    kinds = []
    r = Reader(on_reject=lambda e: kinds.append(e.kind))
    out = r.feed(data) + r.flush()
    return out, kinds


def kind_of(data):
    with pytest.raises(HanError) as ei:
        decode_telegram(data)
    return ei.value.kind, str(ei.value)


@pytest.fixture(autouse=True)
def fresh_idents(monkeypatch):
    monkeypatch.setattr(p1framer, "_DECLARED", {})


def test_the_p1_ident_names_the_declared_manufacturer():
    # (ident -> name: the declarations, sources in docs/meters.md)
    cases = {
        "dsmr22-iskra-mt382.txt": "Iskraemeco",  # /ISk5: FLAG id ISK
        "iskra-am550-si-gh1037-1.txt": "Iskraemeco",  # /ISK9
        "easymeter-q3d-a1004.txt": "EasyMeter",  # /ESY5
        "lg-e360-se-gh382-1.txt": "Landis+Gyr",  # /LGF5
        "sagemcom-hu-eon.txt": "Sagemcom",  # /SAG5
        "luxembourg-sagemcom-t210dr.txt": "Sagemcom",  # /EST5 (amsreader-firmware's reading)
        "dsmr42-kaifa.txt": "Kaifa",
        "kamstrup-omnia-se-gh578-1.txt": "Kamstrup",
        "aidon-6534-se-95cb.txt": "Aidon",
        # declared with no manufacturer, or not a maker's id: the ident as sent
        "fluvius-be-emucs171.txt": "FLU",
        "luxembourg-lux5.txt": "Lux",
        "nwa-warmtelink-unpadded-crc.txt": "NWA",
    }
    for name, want in cases.items():
        assert decode_telegram(raw(name)).meter.manufacturer == want, name
    # An undeclared ident stays as sent.
    t = telegram(["/XYZ5 test", "", "1-0:1.7.0(00.244*kW)"])
    assert decode_telegram(t).meter.manufacturer == "XYZ"


def test_crc_optional_a_declared_meter_without_it_must_send_a_crc():
    t = raw("kamstrup-omnia-se-gh578-1.txt")
    bare = t.replace(b"!1D66", b"!")
    assert bare != t
    kind, text = kind_of(bare)
    assert kind == "format" and "crc_optional" in text
    readings, kinds = stream(bare)
    assert readings == [] and kinds == ["format"]
    # The same telegram from an ident nobody declared: read (a meter not yet met).
    other = bare.replace(b"/KAM5", b"/XYZ5")
    assert decode_telegram(other)["1-0:1.7.0.255"] == decode_telegram(t)["1-0:1.7.0.255"]
    readings, kinds = stream(other)
    assert len(readings) == 1 and kinds == []
    # Declared with crc_optional: Iskraemeco's DSMR 2.2 and EasyMeter (no CRC as captured).
    for name in ("dsmr22-iskra-mt382.txt", "easymeter-q3d-b1024.txt", "iskra-am550-si-gh1037-1.txt"):
        readings, kinds = stream(raw(name))
        assert len(readings) == 1 and kinds == [], name


def _short_crc_telegram(ident):
    """A telegram from ``ident`` whose CRC is below 0x1000, written with 3 digits."""
    for w in range(1000):
        body = ["/%s5 test" % ident, "", "1-0:1.7.0(%06.3f*kW)" % (w / 1000)]
        t = ("\r\n".join(body) + "\r\n!").encode()
        if crc16_arc(t) < 0x1000:
            return telegram(body, "%X"), w
    raise AssertionError("no short CRC found")


def test_unpadded_crc_only_where_declared_or_undeclared():
    t, w = _short_crc_telegram("NWA")  # warmtelink: declared unpadded_crc
    assert len(t.split(b"!")[1].strip()) == 3 and decode_telegram(t)["1-0:1.7.0.255"] == w
    t, w = _short_crc_telegram("XYZ")  # undeclared
    assert decode_telegram(t)["1-0:1.7.0.255"] == w
    t, w = _short_crc_telegram("KFM")  # Kaifa: declared without it
    kind, text = kind_of(t)
    assert kind == "format" and "unpadded_crc" in text
    readings, kinds = stream(t)
    assert readings == [] and kinds == ["format"]


def test_unit_without_star_only_where_declared_or_undeclared():
    line = "1-0:1.8.1(000123.456kWh)"
    for ident, want in (("FLU5\\253769484_A", (123456, "Wh")), ("XYZ5", (123456, "Wh")),
                        ("KAM5", ("000123.456kWh", None))):
        r = decode_telegram(telegram(["/" + ident, "", line])).register("1-0:1.8.1.255")
        assert (r.value, r.unit) == want, ident


def test_a_new_p1_meter_is_one_index_line(monkeypatch):
    t = telegram(["/TST5 meter", "", "1-0:1.7.0(00.244*kW)"], crc=None)
    r = decode_telegram(t)
    assert r.meter.manufacturer == "TST" and r["1-0:1.7.0.255"] == 244
    monkeypatch.setattr(meters, "_INDEX", meters._INDEX + "testp1 TestMakers - - TST p1 - -\n")
    monkeypatch.setattr(p1framer, "_DECLARED", {})
    assert kind_of(t)[0] == "format"  # declared without crc_optional: a CRC is required
    monkeypatch.setattr(meters, "_INDEX", meters._INDEX.replace("TST p1 - -", "TST p1 crc_optional -"))
    monkeypatch.setattr(p1framer, "_DECLARED", {})
    r = decode_telegram(t)
    assert r.meter.manufacturer == "TestMakers" and r["1-0:1.7.0.255"] == 244


def test_unset_mbus_capture_time_1970_is_null():
    # dsmr_parser TELEGRAM_V5_TWO_MBUS: channel 1 "0-1:24.2.1(700101010000W)(00000000)".
    r = decode_telegram(raw("dsmr50-iskra-am550-two-mbus.txt"))
    ch1 = r.register("0-1:24.2.1.255")
    assert ch1.time is None and ch1.value == 0
    assert json.loads(ch1.json())["time"] is None
    assert r.register("0-2:24.2.1.255").time == "2020-04-26T22:30:01+02:00"
    # The same date as a clock: null too (documented in docs/reading-schema.md).
    t = telegram(["/KAM5", "", "0-0:1.0.0(700101010000W)", "0-1:24.2.1(700101000000)(00012.345*m3)"])
    r = decode_telegram(t)
    assert r.time_text is None and r["clock"] is None
    assert r.register("0-1:24.2.1.255").time is None and r["0-1:24.2.1.255"] == 12.345
    # Any other date is read as 20YY, as before.
    t = telegram(["/KAM5", "", "0-0:1.0.0(700102010000W)"])
    assert decode_telegram(t)["clock"] == "2070-01-02T01:00:00+01:00"


def test_limiter_threshold_is_in_watts():
    # The registry unit applies to a DLMS register sent without scaler-unit: W,
    # the canonical unit of power (docs/reading-schema.md), as P1's kW becomes.
    code = obis.from_str("0-0:17.0.0")
    assert obis.lookup(code)[:2] == ("limiter_threshold", "W")
    reg = to_register(code, 16500, None, None)
    assert (reg.name, reg.value, reg.unit) == ("limiter_threshold", 16500, "W")
    # P1 (dsmr_parser TELEGRAM_V2_2 "0-0:17.0.0(0999.00*kW)"): 999 kW = 999000 W.
    r = decode_telegram(raw("dsmr22-iskra-mt382.txt")).register("0-0:17.0.0.255")
    assert (r.name, r.value, r.unit) == ("limiter_threshold", 999000, "W")


def test_nes_clock_written_yyyymmdd_hh_mm_ss_is_read_long_clock():
    # Regression: amsreader-firmware test/payloads/nes/gh712-1.hex @ a88a0beb (issue #712),
    # saved as tests/captures/p1/nes-83335-dk-gh712-1.txt, was read before the P1 framer
    # rewrite (its clock kept as text) and then rejected as a `format` error.
    t = raw("nes-83335-dk-gh712-1.txt")
    assert t.startswith(b"/NES5:83335-3E\r\n") and b"\r\n0-0:1.0.0(20240111 09:35:00)\r\n" in t
    r = decode_telegram(t)
    assert (r.meter.manufacturer, r.time_text, r["clock"]) == ("NES", "2024-01-11T09:35:00", "2024-01-11T09:35:00")
    imp = r.register("1-0:1.8.0.255")
    assert (imp.value, imp.unit) == (36273, "Wh")  # 00036.273*kWh
    assert (r["1-0:1.7.0.255"], r["1-0:4.8.0.255"], r["1-0:32.7.0.255"], r["1-0:31.7.0.255"]) == (193, 27954, 237.2, 1.3)
    readings, kinds = stream(t)
    assert len(readings) == 1 and kinds == []
    assert readings[0].time.isoformat() == "2024-01-11T09:35:00+01:00"  # no offset sent: CET (reading-schema)

    def clock(ident, text):
        return decode_telegram(telegram(["/%s5" % ident, "", "0-0:1.0.0(%s)" % text, "1-0:1.7.0(0000.193*kW)"]))

    # A meter declared without long_clock is held to YYMMDDhhmmss[SW]; an undeclared ident may use it.
    with pytest.raises(HanError) as ei:
        clock("KAM", "20240111 09:35:00")
    assert ei.value.kind == "format" and "20240111 09:35:00" in str(ei.value)
    assert clock("XYZ", "20240111 09:35:00")["clock"] == "2024-01-11T09:35:00"
    assert clock("NES", "240111093500W")["clock"] == "2024-01-11T09:35:00+01:00"
    # The shape but no date: null; not the shape: still `format` for NES.
    for text in ("20241311 09:35:00", "20240230 09:35:00", "20240111 24:00:00", "00000111 09:35:00",
                 "19700101 00:00:00"):
        r = clock("NES", text)
        assert r["clock"] is None and r.time_text is None, text
    assert clock("NES", "20240229 23:59:59")["clock"] == "2024-02-29T23:59:59"
    for text in ("hello", "2024-01-11 09:35:00", "20240111 09:35", "20240111T09:35:00", "2024011a 09:35:00"):
        with pytest.raises(HanError) as ei:
            clock("NES", text)
        assert ei.value.kind == "format", text
