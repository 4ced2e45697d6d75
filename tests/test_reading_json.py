"""The JSON writer of protocols/reading.py: its caches and number formatting.

``Reading.to_json`` keeps per-meter heads, texts and unit tails in caches;
these tests check that a cache never changes what is printed, and that the
integer arithmetic of scaled numbers prints what ``json.dumps`` prints.
"""

import json

from hypothesis import given
from hypothesis import strategies as st

from protocols.reading import Meter, Reading, Register, _jnum


def reading(list_version, registers=()):
    return Reading(Meter("Acme", "1", None, list_version), None, list(registers))


def test_head_cache_tells_equal_keys_of_different_types_apart():
    # 0 == False == 0.0 as dict keys: each must still print as itself.
    for lv in (0, False, 0.0, "0", None, 1, True, 1.0):
        got = json.loads(reading(lv).to_json())["meter"]["list_version"]
        assert got == lv and type(got) is type(lv)


def test_separators_and_units():
    regs = [
        Register("1-0:1.7.0.255", "active_power_import", 1362, 0, "W", None),
        Register("1-0:32.7.0.255", "voltage_l1", 2303, -1, "V", None),
        Register("0-0:96.1.0.255", "meter_id", 'a"b\\c', None, None, None),
    ]
    text = reading("V1", regs).to_json()
    assert json.loads(text)["registers"] == [r.to_dict() for r in regs]
    assert text == json.dumps(json.loads(text))
    assert reading("V1").to_json().endswith('"registers": []}')


@given(st.integers(-(10**12), 10**12), st.integers(-6, 6))
def test_scaled_integers_print_as_json_dumps(raw, scaler):
    if scaler >= 0:
        assert _jnum(raw, scaler) == json.dumps(raw * 10**scaler)
        return
    value = raw / 10**-scaler
    # The magnitudes meters send: exact in a double, and printed by
    # json.dumps without an exponent (it writes 1e-05 below 1e-4).
    if abs(raw) < 2**53 // 10**6 and (raw == 0 or abs(value) >= 1e-4):
        assert _jnum(raw, scaler) == json.dumps(value)
