# tests/test_energy_mqtt.py: `hanreader mqtt --energy` against a real mosquitto (tests/mqtt_broker.py):
# the running hour, projection, capacity average, step and margin as Home Assistant sensors.
import datetime
import json
import os
import subprocess
import sys

import pytest

from hostlib.simulator import FastFrames, Simulator
from mqtt_broker import Broker, Subscriber
from protocols import energy as core

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("energy-mqtt"))
    yield b
    b.stop()


def cli(*args):
    env = dict(os.environ)
    env.pop("HANREADER_MQTT_PASSWORD", None)
    return subprocess.run([sys.executable, "-m", "hostlib.cli"] + list(args), capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)


def test_energy_sensors_published(broker, tmp_path):
    ff = FastFrames(Simulator("kaifa", 3, seed=11, start=datetime.datetime(2026, 2, 2, 16)),
                    core.zone("Europe/Oslo"), (2, 3))
    path = tmp_path / "kaifa.bin"
    path.write_bytes(b"".join(f.frame for f in ff.frames(duration=3 * 3600 + 15)))
    sub = Subscriber(broker, topics=("he/#", "hde/#"))
    try:
        r = cli("mqtt", str(path), "--broker", broker.url, "--fast", "--energy", "--bridge-id", "e",
                "--topic-prefix", "he", "--discovery-prefix", "hde", "-q")
        assert r.returncode == 0, r.stderr
        msgs = sub.wait_for(lambda m: ("he/bridge/e/availability", "offline", False) in m)
    finally:
        sub.close()
    meter = "6970631409168767"
    cfgs = {t.split("/")[3]: json.loads(p) for t, p, rt in msgs
            if t.startswith("hde/sensor/hanreader_%s/" % meter) and t.endswith("/config")}
    want = {"energy_this_hour": ("energy", "total_increasing", "Wh", "so_far_wh"),
            "energy_this_hour_projected": ("energy", None, "Wh", "projection_wh"),
            "capacity_average": ("energy", None, "Wh", "capacity_wh"),
            "capacity_step": (None, None, None, "step"),
            "capacity_margin": ("energy", None, "Wh", "margin_wh")}
    for obj, (dc, sc, unit, field) in want.items():
        c = cfgs[obj]
        assert (c.get("device_class"), c.get("state_class"), c.get("unit_of_measurement")) == (dc, sc, unit)
        assert c["state_topic"] == "he/meter/%s/energy" % meter
        assert c["value_template"] == "{{ value_json.%s }}" % field
        assert c["unique_id"] == "hanreader_%s_%s" % (meter, obj)
        # the same device as the meter's register sensors
        assert c["device"] == cfgs["active_power_import"]["device"]
        assert c["availability_topic"] == "he/bridge/e/availability"
    states = [json.loads(p) for t, p, rt in msgs if t == "he/meter/%s/energy" % meter]
    assert states and all(not rt for t, p, rt in msgs if t.endswith("/energy"))
    assert list(states[-1]) == ["hour", "so_far_wh", "projection_wh", "capacity_wh", "step", "step_from_wh",
                                "step_to_wh", "margin_wh", "month"]
    # the last state came with the last hour's close: the month's figures as `hanreader energy` gives them
    e = cli("energy", "--json", str(path))
    month = json.loads(e.stdout)["months"][0]
    last = states[-1]
    assert last["hour"] == "2026-02-02T19:00:00+01:00" and last["month"] == "2026-02"
    assert last["capacity_wh"] == month["capacity_wh"]
    assert (last["step"], last["step_from_wh"], last["step_to_wh"]) == (
        month["step"]["index"], month["step"]["from_wh"], month["step"]["to_wh"])
    cap_hours = [h["import_wh"] for h in json.loads(e.stdout)["hours"]]
    assert last["capacity_wh"] == max(cap_hours)  # one day: its largest hour
    nxt = month["step"]["to_wh"]
    # one day so far: the running hour alone reaches the next step at its threshold
    assert last["margin_wh"] == nxt - last["so_far_wh"]


def test_energy_option_errors():
    r = cli("mqtt", "x.bin", "--broker", "mqtt://127.0.0.1:1", "--energy", "--tz", "Mars/Olympus")
    assert r.returncode == 2 and "--tz" in r.stderr
