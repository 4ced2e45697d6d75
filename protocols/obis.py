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

# (A, C, D, E) -> name, unit, description. E = None matches any E (the
# DSMR M-Bus channel objects use E for the reading number).
_TABLE = (
    # A, C, D, E, name, unit, description
    (1, 0, 2, 129, "list_version", None, "OBIS list version identifier"),
    (1, 0, 0, 5, "meter_id", None, "Meter ID (GS1 number, Kamstrup)"),
    (1, 0, 0, 1, "meter_number", None, "Meter number 1 (Kamstrup Denmark)"),
    (0, 96, 1, 0, "meter_id", None, "Meter ID / serial number"),
    (0, 96, 1, 1, "equipment_id", None, "Equipment identifier (DSMR)"),
    (0, 96, 1, 7, "meter_type", None, "Meter type"),
    (1, 96, 1, 1, "meter_type", None, "Meter type (Kamstrup)"),
    (1, 96, 1, 0, "meter_id", None, "Meter serial number (electricity)"),
    (0, 42, 0, 0, "logical_device_name", None, "COSEM logical device name"),
    (0, 1, 0, 0, "clock", None, "Clock: local date and time"),
    (1, 0, 9, 1, "clock", None, "Clock: local time (IEC 62056-21)"),
    (1, 0, 9, 2, "date", None, "Clock: local date (IEC 62056-21)"),
    (0, 25, 9, 0, "push_setup", None, "Push setup object"),
    (1, 1, 7, 0, "active_power_import", "W", "Active power import P+ (Q1+Q4)"),
    (1, 2, 7, 0, "active_power_export", "W", "Active power export P- (Q2+Q3)"),
    (1, 3, 7, 0, "reactive_power_import", "var", "Reactive power import Q+ (Q1+Q2)"),
    (1, 4, 7, 0, "reactive_power_export", "var", "Reactive power export Q- (Q3+Q4)"),
    (1, 9, 7, 0, "apparent_power_import", "VA", "Apparent power import S+"),
    (1, 10, 7, 0, "apparent_power_export", "VA", "Apparent power export S-"),
    (1, 13, 7, 0, "power_factor", None, "Power factor, total"),
    (1, 14, 7, 0, "frequency", "Hz", "Supply frequency"),
    (1, 21, 7, 0, "active_power_import_l1", "W", "Active power import L1"),
    (1, 41, 7, 0, "active_power_import_l2", "W", "Active power import L2"),
    (1, 61, 7, 0, "active_power_import_l3", "W", "Active power import L3"),
    (1, 22, 7, 0, "active_power_export_l1", "W", "Active power export L1"),
    (1, 42, 7, 0, "active_power_export_l2", "W", "Active power export L2"),
    (1, 62, 7, 0, "active_power_export_l3", "W", "Active power export L3"),
    (1, 23, 7, 0, "reactive_power_import_l1", "var", "Reactive power import L1"),
    (1, 43, 7, 0, "reactive_power_import_l2", "var", "Reactive power import L2"),
    (1, 63, 7, 0, "reactive_power_import_l3", "var", "Reactive power import L3"),
    (1, 24, 7, 0, "reactive_power_export_l1", "var", "Reactive power export L1"),
    (1, 44, 7, 0, "reactive_power_export_l2", "var", "Reactive power export L2"),
    (1, 64, 7, 0, "reactive_power_export_l3", "var", "Reactive power export L3"),
    (1, 31, 7, 0, "current_l1", "A", "Current L1 (RMS)"),
    (1, 51, 7, 0, "current_l2", "A", "Current L2 (RMS)"),
    (1, 71, 7, 0, "current_l3", "A", "Current L3 (RMS)"),
    (1, 91, 7, 0, "current_neutral", "A", "Current in the neutral conductor"),
    (1, 32, 7, 0, "voltage_l1", "V", "Voltage L1 (phase-N; L1-L2 on 3-wire meters)"),
    (1, 52, 7, 0, "voltage_l2", "V", "Voltage L2"),
    (1, 72, 7, 0, "voltage_l3", "V", "Voltage L3"),
    (1, 33, 7, 0, "power_factor_l1", None, "Power factor L1"),
    (1, 53, 7, 0, "power_factor_l2", None, "Power factor L2"),
    (1, 73, 7, 0, "power_factor_l3", None, "Power factor L3"),
    (1, 1, 8, 0, "active_energy_import", "Wh", "Cumulative active energy import A+"),
    (1, 2, 8, 0, "active_energy_export", "Wh", "Cumulative active energy export A-"),
    (1, 3, 8, 0, "reactive_energy_import", "varh", "Cumulative reactive energy import R+"),
    (1, 4, 8, 0, "reactive_energy_export", "varh", "Cumulative reactive energy export R-"),
    (1, 1, 8, 1, "active_energy_import_t1", "Wh", "Active energy import A+, tariff 1"),
    (1, 1, 8, 2, "active_energy_import_t2", "Wh", "Active energy import A+, tariff 2"),
    (1, 2, 8, 1, "active_energy_export_t1", "Wh", "Active energy export A-, tariff 1"),
    (1, 2, 8, 2, "active_energy_export_t2", "Wh", "Active energy export A-, tariff 2"),
    (1, 21, 8, 0, "active_energy_import_l1", "Wh", "Active energy import A+ L1"),
    (1, 41, 8, 0, "active_energy_import_l2", "Wh", "Active energy import A+ L2"),
    (1, 61, 8, 0, "active_energy_import_l3", "Wh", "Active energy import A+ L3"),
    (1, 22, 8, 0, "active_energy_export_l1", "Wh", "Active energy export A- L1"),
    (1, 42, 8, 0, "active_energy_export_l2", "Wh", "Active energy export A- L2"),
    (1, 62, 8, 0, "active_energy_export_l3", "Wh", "Active energy export A- L3"),
    (1, 81, 7, None, "phase_angle", "\u00b0", "Phase angle (E selects the pair)"),
    (1, 0, 2, 8, "dsmr_version", None, "DSMR version"),
    (0, 96, 14, 0, "tariff_indicator", None, "Tariff indicator (DSMR)"),
    (0, 96, 7, 21, "power_failures", None, "Number of power failures (DSMR)"),
    (0, 96, 7, 9, "long_power_failures", None, "Number of long power failures (DSMR)"),
    (1, 99, 97, 0, "power_failure_log", None, "Power-failure event log (DSMR)"),
    (1, 32, 32, 0, "voltage_sags_l1", None, "Number of voltage sags L1 (DSMR)"),
    (1, 52, 32, 0, "voltage_sags_l2", None, "Number of voltage sags L2 (DSMR)"),
    (1, 72, 32, 0, "voltage_sags_l3", None, "Number of voltage sags L3 (DSMR)"),
    (1, 32, 36, 0, "voltage_swells_l1", None, "Number of voltage swells L1 (DSMR)"),
    (1, 52, 36, 0, "voltage_swells_l2", None, "Number of voltage swells L2 (DSMR)"),
    (1, 72, 36, 0, "voltage_swells_l3", None, "Number of voltage swells L3 (DSMR)"),
    (0, 96, 13, 0, "text_message", None, "Text message (DSMR)"),
    (0, 96, 13, 1, "message_code", None, "Message code (DSMR)"),
    (0, 96, 3, 10, "breaker_state", None, "Breaker state (DSMR)"),
    (0, 17, 0, 0, "limiter_threshold", "kW", "Limiter threshold (DSMR)"),
    (1, 31, 4, 0, "fuse_threshold_l1", "A", "Fuse supervision threshold L1 (DSMR)"),
    (0, 24, 1, 0, "mbus_device_type", None, "M-Bus sub-device type (DSMR)"),
    (0, 24, 2, None, "mbus_reading", None, "M-Bus sub-meter reading with capture time (DSMR)"),
    (1, 1, 6, 0, "max_demand_import", "W", "Maximum demand, active import"),
)

_INDEX = None


def _index():
    global _INDEX
    if _INDEX is None:
        d = {}
        for row in _TABLE:
            key = (row[0], row[1], row[2], row[3])
            if key not in d:
                d[key] = row
        _INDEX = d
    return _INDEX


def lookup(code):
    """(name, unit, description) for a 6-byte OBIS code, or None if unknown."""
    if len(code) < 5:
        return None
    idx = _index()
    a = code[0]
    if a > 1:  # gas/water/heat media: not in this registry
        return None
    row = idx.get((a, code[2], code[3], code[4]))
    if row is None:
        row = idx.get((a, code[2], code[3], None))
        if row is None:
            return None
    return row[4], row[5], row[6]


def name_of(code):
    r = lookup(code)
    return None if r is None else r[0]


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
    """Every registry row: (A, C, D, E, name, unit, description)."""
    return _TABLE


# Blue Book physical units (Table 4), enum -> unit text; None for "count"
# (255) and "other" (254).
UNITS = {
    1: "a",
    2: "mo",
    3: "wk",
    4: "d",
    5: "h",
    6: "min",
    7: "s",
    8: "\u00b0",
    9: "\u00b0C",
    10: "currency",
    11: "m",
    12: "m/s",
    13: "m3",
    14: "m3",
    15: "m3/h",
    16: "m3/h",
    17: "m3/d",
    18: "m3/d",
    19: "l",
    20: "kg",
    21: "N",
    22: "Nm",
    23: "Pa",
    24: "bar",
    25: "J",
    26: "J/h",
    27: "W",
    28: "VA",
    29: "var",
    30: "Wh",
    31: "VAh",
    32: "varh",
    33: "A",
    34: "C",
    35: "V",
    36: "V/m",
    37: "F",
    38: "\u03a9",
    39: "\u03a9m2/m",
    40: "Wb",
    41: "T",
    42: "A/m",
    43: "H",
    44: "Hz",
    45: "1/(Wh)",
    46: "1/(varh)",
    47: "1/(VAh)",
    48: "V2h",
    49: "A2h",
    50: "kg/s",
    51: "S",
    52: "K",
    53: "1/(V2h)",
    54: "1/(A2h)",
    55: "1/m3",
    56: "%",
    57: "Ah",
}


def unit_of(enum):
    """Unit text for a Blue Book unit enum; None for count/other/unknown."""
    return UNITS.get(enum)
