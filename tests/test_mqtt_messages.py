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
            assert json.loads(payload)["meter"]["manufacturer"] in ("Aidon", "Kaifa", "Kamstrup", "ISk")
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
