"""The shared MQTT messages (protocols/mqtt.py) are byte-identical on the
device and the host: tests/mp/dump_mqtt.py prints every message it makes for
the Aidon, Kaifa and Kamstrup streams on the webassembly VM (32-bit), the unix
port and CPython, and the outputs must be equal byte for byte. (The module's
own tests, tests/mp/test_mqtt_mp.py, run on all three via test_micropython.py.)
"""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import mpvm  # noqa: E402

DUMP = os.path.join(ROOT, "tests", "mp", "dump_mqtt.py")


def cpython_lines():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, "tests", "mp")]))
    r = subprocess.run([sys.executable, DUMP], capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout.decode().splitlines()


def test_cpython_dump_is_what_the_module_promises():
    lines = cpython_lines()
    topics = [line.split(" ", 2)[0] for line in lines]
    # Three bridges (one per vendor stream) and one named-meter bridge.
    assert topics.count("hanreader/bridge/dump-aidon/availability") == 2  # online, then offline
    assert "hanreader/meter/7359992891237028/state" in topics
    assert "home/han/meter/House_meter/state" in topics
    assert "ha/sensor/hanreader_bridge_named/free_heap/config" in topics
    n_configs = 0
    for line in lines:
        topic, retain, payload = line.split(" ", 2)
        if topic.endswith("/config"):
            n_configs += 1
            assert retain == "1"
            json.loads(payload)
        elif topic.endswith("/state"):
            assert retain == "0"
            assert json.loads(payload)["meter"]["manufacturer"] in ("Aidon", "Kaifa", "Kamstrup", "Iskraemeco")
        else:
            assert topic.endswith("/availability") and retain == "1" and payload in ("online", "offline")
    assert n_configs > 100


@pytest.mark.parametrize("vm", ["wasm", "unix"])
def test_device_messages_are_byte_identical(vm):
    if os.environ.get("HANREADER_NO_MICROPYTHON") == "1":
        pytest.skip("HANREADER_NO_MICROPYTHON=1")
    libs = [
        (mpvm.PROTOCOLS_DIR, "/lib/protocols"),
        (os.path.join(ROOT, "tests", "mp"), "/lib"),
        (mpvm.CAPTURES_DIR, mpvm.VM_CAPTURES_DIR),
    ]
    # 512k: the VM compiles every module from source (the meter index and
    # its engines, the P1 parser included); the device runs the precompiled .mpy.
    r = mpvm.run(vm, DUMP, libs=libs, heap="512k", timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-3000:]
    device = r.stdout.decode().splitlines()
    host = cpython_lines()
    assert len(device) == len(host) and len(host) > 150
    for d, h in zip(device, host):
        assert d == h


# Home Assistant's sensor rules, as its source states them
# (home-assistant/core homeassistant/components/sensor/const.py:
# DEVICE_CLASS_UNITS and DEVICE_CLASS_STATE_CLASSES; reactive_energy with
# varh/kvarh and kvar for reactive_power since 2025.6, architecture
# discussion #724): device class -> (units allowed, state classes allowed).
# Only the classes hanreader uses. A sensor without a device class may have
# any unit and any state class; a state class None is always allowed.
HA_RULES = {
    "power": ({"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"}, {"measurement"}),
    "reactive_power": ({"var", "kvar"}, {"measurement"}),
    "apparent_power": ({"VA"}, {"measurement"}),
    "energy": ({"J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"},
               {"total", "total_increasing"}),
    "reactive_energy": ({"varh", "kvarh"}, {"total", "total_increasing"}),
    "voltage": ({"V", "mV", "\u00b5V", "kV", "MV"}, {"measurement"}),
    "current": ({"A", "mA"}, {"measurement"}),
    "frequency": ({"Hz", "kHz", "MHz", "GHz"}, {"measurement"}),
    "power_factor": ({"%", None}, {"measurement"}),
    "duration": ({"d", "h", "min", "s", "ms"}, {"measurement", "total", "total_increasing"}),
    "data_size": ({"bit", "kbit", "Mbit", "Gbit", "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB",
                   "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}, {"measurement", "total", "total_increasing"}),
    "signal_strength": ({"dB", "dBm"}, {"measurement"}),
    "connectivity": ({None}, {None}),  # the bridge's binary_sensor
}


def ha_allows(dc, sc, unit):
    if dc is None:
        return True
    units, states = HA_RULES[dc]
    return unit in units and (sc is None or sc in states)


def test_every_sensor_hanreader_announces_is_allowed_by_home_assistant():
    """Every register of every capture, the dongle's diagnostics and the
    energy sensors: device class, state class and unit as Home Assistant's
    sensor rules allow them (a wrong pair is refused or logged by Home
    Assistant, and an energy sensor must have total/total_increasing to be
    offered in the Energy dashboard)."""
    import glob

    sys.path.insert(0, os.path.join(ROOT, "firmware"))
    from mqttout import DIAG

    from protocols import energy as E
    from protocols.decoder import Reader
    from protocols.hextext import hex_lines
    from protocols.mqtt import classes, ha_unit

    seen = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "captures", "*", "*.hex"))):
        rd = Reader(max_frame=4096)
        try:
            with open(path, "rb") as f:
                data = hex_lines(f)
        except ValueError:  # tests/captures/malformed: other tests' business
            continue
        for r in rd.feed(data):
            for reg in r.registers:
                dc, sc = classes(reg.name, reg.unit, reg.value)
                seen[(reg.name, reg.unit)] = (dc, sc, ha_unit(reg.unit))
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "captures", "p1", "*.txt"))):  # P1 telegrams
        rd = Reader(max_frame=4096)
        with open(path, "rb") as f:
            data = f.read()
        for r in rd.feed(data) + rd.flush():
            for reg in r.registers:
                dc, sc = classes(reg.name, reg.unit, reg.value)
                seen[(reg.name, reg.unit)] = (dc, sc, ha_unit(reg.unit))
    assert len(seen) >= 50, sorted(seen)
    bad = [(k, v) for k, v in seen.items() if not ha_allows(*v)]
    assert bad == []
    # The Energy dashboard's energy registers: class energy, total_increasing.
    assert seen[("active_energy_import", "Wh")] == ("energy", "total_increasing", "Wh")
    assert seen[("reactive_energy_import", "varh")] == ("reactive_energy", "total_increasing", "varh")
    for key, name, dc, sc, unit in DIAG:
        assert ha_allows(dc, sc, unit), key
    for obj, name, field, unit, dc, sc in E._SENSORS:
        assert ha_allows(dc, sc, unit), obj


def _slug_byte_by_byte(text):
    out = []
    for o in str(text).encode():
        out.append(chr(o) if 48 <= o <= 57 or 65 <= o <= 90 or 97 <= o <= 122 or o in (95, 45) else "_")
    return "".join(out) or "_"


def test_slug_returns_a_text_that_is_already_one_and_agrees_byte_by_byte():
    """slug() gives back a text that needs no change (a meter id, at every
    reading: nothing made on the dongle); any other is the byte-by-byte
    replacement, as before (h33)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from protocols.mqtt import slug

    ident = "7359992891237028"
    assert slug(ident) is ident
    assert slug("Kaifa MA304H3E") == "Kaifa_MA304H3E" and slug("") == "_" and slug("Zürich-1") == "Z__rich-1"
    assert slug(6970631409168767) == "6970631409168767"

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=20))
    def same(text):
        assert slug(text) == _slug_byte_by_byte(text)

    same()
