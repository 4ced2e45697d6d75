# protocols/obis.py: the OBIS registry: code -> snake_case name, unit, description.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""OBIS codes seen on HAN ports (digest section 6; Blue Book; DSMR 5.0.2 §7).

    >>> lookup(bytes((1, 0, 31, 7, 0, 255)))
    ('current_l1', 'A', 'Current L1 (RMS)')
    >>> to_str(bytes((1, 0, 31, 7, 0, 255)))
    '1-0:31.7.0.255'

Codes are matched on A, C, D and E: vendors differ in B (Aidon and Kaifa
send 0, Kamstrup 1) and HAN lists always use F = 255.

Sources: UtilitechAS/amsreader-firmware: src/OBIScodes.h and the Norwegian
vendor OBIS lists (doc/Norway/*OBIS*.pdf); DSMR 5.0.2 P1 companion standard
§7 (doc/Netherlands/Slimme_meter_15_a727fce1f1.pdf); Blue Book 13 excerpt.
"""

# One line per code: "A.C.D.E name unit description" (unit "-" = none; E "*"
# matches any E). Kept as one string rather than a tuple per row: on the
# device a string constant costs one object (none when frozen), where 80
# tuples of 7 cost about 20 KB of heap. Lookups are cached per code.
_TABLE = """
1.0.2.129 list_version - OBIS list version identifier
1.0.0.5 meter_id - Meter ID (GS1 number, Kamstrup)
1.0.0.1 meter_number - Meter number 1 (Kamstrup Denmark)
0.96.1.0 meter_id - Meter ID / serial number
0.96.1.1 equipment_id - Equipment identifier (DSMR)
0.96.1.7 meter_type - Meter type
1.96.1.1 meter_type - Meter type (Kamstrup)
1.96.1.0 meter_id - Meter serial number (electricity)
0.42.0.0 logical_device_name - COSEM logical device name
0.96.1.2 device_id_3 - Device ID 3 (Iskraemeco lists: a text the operator sets)
0.96.1.3 device_id_4 - Device ID 4 (Iskraemeco lists: a text the operator sets)
0.1.0.0 clock - Clock: local date and time
1.0.9.1 clock - Clock: local time (IEC 62056-21)
1.0.9.2 date - Clock: local date (IEC 62056-21)
0.25.9.0 push_setup - Push setup object
1.1.7.0 active_power_import W Active power import P+ (Q1+Q4)
1.2.7.0 active_power_export W Active power export P- (Q2+Q3)
1.3.7.0 reactive_power_import var Reactive power import Q+ (Q1+Q2)
1.4.7.0 reactive_power_export var Reactive power export Q- (Q3+Q4)
1.9.7.0 apparent_power_import VA Apparent power import S+
1.10.7.0 apparent_power_export VA Apparent power export S-
1.13.7.0 power_factor - Power factor, total
1.14.7.0 frequency Hz Supply frequency
1.21.7.0 active_power_import_l1 W Active power import L1
1.41.7.0 active_power_import_l2 W Active power import L2
1.61.7.0 active_power_import_l3 W Active power import L3
1.22.7.0 active_power_export_l1 W Active power export L1
1.42.7.0 active_power_export_l2 W Active power export L2
1.62.7.0 active_power_export_l3 W Active power export L3
1.23.7.0 reactive_power_import_l1 var Reactive power import L1
1.43.7.0 reactive_power_import_l2 var Reactive power import L2
1.63.7.0 reactive_power_import_l3 var Reactive power import L3
1.24.7.0 reactive_power_export_l1 var Reactive power export L1
1.44.7.0 reactive_power_export_l2 var Reactive power export L2
1.64.7.0 reactive_power_export_l3 var Reactive power export L3
1.31.7.0 current_l1 A Current L1 (RMS)
1.51.7.0 current_l2 A Current L2 (RMS)
1.71.7.0 current_l3 A Current L3 (RMS)
1.91.7.0 current_neutral A Current in the neutral conductor
1.32.7.0 voltage_l1 V Voltage L1 (phase-N; L1-L2 on 3-wire meters)
1.52.7.0 voltage_l2 V Voltage L2
1.72.7.0 voltage_l3 V Voltage L3
1.33.7.0 power_factor_l1 - Power factor L1
1.53.7.0 power_factor_l2 - Power factor L2
1.73.7.0 power_factor_l3 - Power factor L3
1.1.8.0 active_energy_import Wh Cumulative active energy import A+
1.2.8.0 active_energy_export Wh Cumulative active energy export A-
1.3.8.0 reactive_energy_import varh Cumulative reactive energy import R+
1.4.8.0 reactive_energy_export varh Cumulative reactive energy export R-
1.1.8.1 active_energy_import_t1 Wh Active energy import A+, tariff 1
1.1.8.2 active_energy_import_t2 Wh Active energy import A+, tariff 2
1.2.8.1 active_energy_export_t1 Wh Active energy export A-, tariff 1
1.2.8.2 active_energy_export_t2 Wh Active energy export A-, tariff 2
1.3.8.1 reactive_energy_import_t1 varh Reactive energy import R+, tariff 1
1.3.8.2 reactive_energy_import_t2 varh Reactive energy import R+, tariff 2
1.4.8.1 reactive_energy_export_t1 varh Reactive energy export R-, tariff 1
1.4.8.2 reactive_energy_export_t2 varh Reactive energy export R-, tariff 2
1.5.8.0 reactive_energy_q1 varh Cumulative reactive energy QI
1.6.8.0 reactive_energy_q2 varh Cumulative reactive energy QII
1.7.8.0 reactive_energy_q3 varh Cumulative reactive energy QIII
1.8.8.0 reactive_energy_q4 varh Cumulative reactive energy QIV
1.21.8.0 active_energy_import_l1 Wh Active energy import A+ L1
1.41.8.0 active_energy_import_l2 Wh Active energy import A+ L2
1.61.8.0 active_energy_import_l3 Wh Active energy import A+ L3
1.22.8.0 active_energy_export_l1 Wh Active energy export A- L1
1.42.8.0 active_energy_export_l2 Wh Active energy export A- L2
1.62.8.0 active_energy_export_l3 Wh Active energy export A- L3
1.81.7.* phase_angle ° Phase angle (E selects the pair)
1.0.2.8 dsmr_version - DSMR version
0.96.14.0 tariff_indicator - Tariff indicator (DSMR)
0.96.7.21 power_failures - Number of power failures (DSMR)
0.96.7.9 long_power_failures - Number of long power failures (DSMR)
1.99.97.0 power_failure_log - Power-failure event log (DSMR)
1.32.32.0 voltage_sags_l1 - Number of voltage sags L1 (DSMR)
1.52.32.0 voltage_sags_l2 - Number of voltage sags L2 (DSMR)
1.72.32.0 voltage_sags_l3 - Number of voltage sags L3 (DSMR)
1.32.36.0 voltage_swells_l1 - Number of voltage swells L1 (DSMR)
1.52.36.0 voltage_swells_l2 - Number of voltage swells L2 (DSMR)
1.72.36.0 voltage_swells_l3 - Number of voltage swells L3 (DSMR)
0.96.13.0 text_message - Text message (DSMR)
0.96.13.1 message_code - Message code (DSMR)
0.96.3.10 breaker_state - Breaker state (DSMR)
0.17.0.0 limiter_threshold W Limiter threshold (DSMR)
1.31.4.0 fuse_threshold_l1 A Fuse supervision threshold L1 (DSMR)
0.24.1.0 mbus_device_type - M-Bus sub-device type (DSMR)
0.24.2.* mbus_reading - M-Bus sub-meter reading with capture time (DSMR)
1.1.6.0 max_demand_import W Maximum demand, active import
"""

# Codes remembered per cache: a meter sends at most ~35; the host, which
# may decode a mixed corpus, keeps more.
from ._compat import MICROPYTHON

CACHE_SIZE = 48 if MICROPYTHON else 512
_CACHE = {}  # type: dict


def _find(key):
    i = _TABLE.find(key)
    if i < 0:
        return None
    j = _TABLE.find("\n", i + 1)
    parts = _TABLE[i + len(key) : j].split(" ", 2)
    return parts[0], (None if parts[1] == "-" else parts[1]), parts[2]


def lookup(code):
    """(name, unit, description) for a 6-byte OBIS code, or None if unknown."""
    if len(code) < 5:
        return None
    key = bytes(code)
    r = _CACHE.get(key)
    if r is not None or key in _CACHE:
        return r
    a = code[0]
    r = None
    if a <= 1:  # gas/water/heat media are not in this registry
        r = _find("\n%d.%d.%d.%d " % (a, code[2], code[3], code[4]))
        if r is None:
            r = _find("\n%d.%d.%d.* " % (a, code[2], code[3]))
    if len(_CACHE) >= CACHE_SIZE:
        _CACHE.clear()  # bounded: a stream never sends more distinct codes
    _CACHE[key] = r
    return r


_INFO = {}  # type: dict


def info(code):
    """(obis text, name, registry unit, JSON prefix) for a 6-byte code, cached.

    The JSON prefix ``{"obis": "…", "name": …, "value": `` is what every
    reading of this register starts with; caching it keeps the per-frame
    work (and, on the device, the per-frame heap) to the value itself.
    """
    key = code if type(code) is bytes else bytes(code)
    r = _INFO.get(key)
    if r is None:
        from .reading import _jstr

        hit = lookup(key)
        name = hit[0] if hit else None
        text = to_str(key)
        r = (text, name, hit[1] if hit else None,
             '{"obis": "%s", "name": %s, "value": ' % (text, _jstr(name)))
        if len(_INFO) >= CACHE_SIZE:
            _INFO.clear()
        _INFO[key] = r
    return r


def to_str(code):
    """``A-B:C.D.E.F`` for a 6-byte OBIS code."""
    return "%d-%d:%d.%d.%d.%d" % (code[0], code[1], code[2], code[3], code[4], code[5])


def from_str(text):
    """The 6-byte code for ``A-B:C.D.E.F``, ``A.B.C.D.E.F`` or ``A-B:C.D.E`` (F = 255).

    :raises ValueError: not an OBIS code.
    """
    t = text.replace("-", ".").replace(":", ".").replace("*", ".")
    parts = t.split(".")
    if len(parts) == 5:
        parts.append("255")
    if len(parts) != 6:
        raise ValueError("OBIS code: expected A-B:C.D.E[.F], found %r" % text)
    vals = [int(p) for p in parts]
    for v in vals:
        if not 0 <= v <= 255:
            raise ValueError("OBIS code: expected fields 0-255, found %r" % text)
    return bytes(vals)


def table():
    """Every registry row as (A, C, D, E, name, unit, description); E None = any."""
    rows = []
    for line in _TABLE.split("\n"):
        if line:
            code, name, unit, desc = line.split(" ", 3)
            a, c, d, e = code.split(".")
            rows.append((int(a), int(c), int(d), None if e == "*" else int(e), name,
                         None if unit == "-" else unit, desc))
    return rows


# Blue Book physical units (Table 4): enum N is the N-th word (1-based);
# "count" (255) and "other" (254) have no unit. One string, not a dict, to
# keep the device's heap free (see _TABLE).
_UNITS = (
    "a mo wk d h min s \u00b0 \u00b0C currency m m/s m3 m3 m3/h m3/h m3/d m3/d l kg N Nm Pa bar "
    "J J/h W VA var Wh VAh varh A C V V/m F \u03a9 \u03a9m2/m Wb T A/m H Hz 1/(Wh) 1/(varh) "
    "1/(VAh) V2h A2h kg/s S K 1/(V2h) 1/(A2h) 1/m3 % Ah"
)
_UNIT_CACHE = {}  # type: dict


def unit_of(enum):
    """Unit text for a Blue Book unit enum; None for count/other/unknown."""
    u = _UNIT_CACHE.get(enum)
    if u is not None or enum in _UNIT_CACHE:
        return u
    u = None
    if 1 <= enum <= 57:
        p = 0
        for _ in range(enum - 1):
            p = _UNITS.find(" ", p) + 1
        q = _UNITS.find(" ", p)
        u = _UNITS[p:] if q < 0 else _UNITS[p:q]
    _UNIT_CACHE[enum] = u
    return u
