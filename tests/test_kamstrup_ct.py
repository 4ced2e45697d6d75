"""Kamstrup's Danish push list sends no meter type: a CT meter's currents
(0.001 A) are told from a direct meter's (0.01 A) by the phases' own power,
voltage, current and power factor (quirk ``ct_milliamp_by_power``,
protocols/dialects/pairs.py; tests/captures/kamstrup/README.md).

Capture: tests/captures/kamstrup/gh216-1.hex (UtilitechAS/amsreader-firmware
test/payloads/kamstrup/gh216-1.hex, issue #216: a CT installation, 250 A
fuse). The variants below change the bytes of its APDU (no HDLC, so no FCS
to redo) to what a direct meter would send.
"""

import os

from capture_data import CAPTURES, read_hex
from protocols.decoder import decode_apdu, decode_frame

FRAME = read_hex(os.path.join(CAPTURES, "kamstrup", "gh216-1.hex"))
APDU = FRAME[11:-3]  # after 7E A1CB 2B 21 13 <HCS> E6 E7 00, before <FCS> 7E


def pair(c, raw, typ=b"\x06"):
    """The bytes of OBIS 1-1:C.7.0.255 and its value (double-long-unsigned or long-unsigned)."""
    n = 4 if typ == b"\x06" else 2
    return b"\x09\x06\x01\x01" + bytes((c,)) + b"\x07\x00\xff" + typ + raw.to_bytes(n, "big")


def currents(r):
    return [r[k] for k in ("current_l1", "current_l2", "current_l3")]


def test_the_ct_capture_reads_milliamps():
    assert APDU[0] == 0x0F and APDU[-1] == 0xEC
    r = decode_frame(FRAME)
    assert r.meter.type is None
    assert currents(r) == [90.999, 93.955, 92.645]
    assert [r["voltage_l1"], r["power_factor_l1"], r["1-1:22.7.0.255"]] == [233, 0.02, 448]


def test_a_direct_meter_keeps_centiamps():
    # The same phases with currents a tenth as large on the wire: at 0.01 A
    # they are the same ~91 A, and P = U x I x PF holds at 0.01 A.
    apdu = APDU
    for c, ct, direct in ((31, 90999, 9100), (51, 93955, 9396), (71, 92645, 9265)):
        assert pair(c, ct) in apdu
        apdu = apdu.replace(pair(c, ct), pair(c, direct))
    assert currents(decode_apdu(apdu)) == [91.0, 93.96, 92.65]


def test_one_phase_that_fits_centiamps_decides():
    # Phase 3 at 10x the power (10040 W): P/(U x I) at 0.01 A = 0.047, its PF 0.04.
    apdu = APDU.replace(pair(62, 1004), pair(62, 10040))
    assert currents(decode_apdu(apdu)) == [909.99, 939.55, 926.45]


def test_phases_under_100_w_do_not_count():
    apdu = APDU
    for c, w in ((22, 448), (42, 1133), (62, 1004)):
        apdu = apdu.replace(pair(c, w), pair(c, 99))
    assert currents(decode_apdu(apdu)) == [909.99, 939.55, 926.45]  # nothing to tell: as declared
