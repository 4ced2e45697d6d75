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


def test_energy_state_survives_a_bridge_restart(broker, tmp_path):
    """`--energy --state DIR` keeps the accounting in DIR/energy.sqlite3 (as
    `hanreader energy` does): a bridge stopped mid-hour and started again
    on the rest of the stream publishes the very energy state a bridge that
    never stopped publishes, and the same hours are stored."""
    import sqlite3

    ff = FastFrames(Simulator("kaifa", 3, seed=5, start=datetime.datetime(2026, 2, 2, 16)),
                    core.zone("Europe/Oslo"), (2, 3))
    frames = [f.frame for f in ff.frames(duration=4 * 3600 + 15)]
    cut = len(frames) * 5 // 8  # 18:30, mid-hour
    parts = {"a": frames[:cut], "b": frames[cut:], "all": frames}
    for k, v in parts.items():
        (tmp_path / (k + ".bin")).write_bytes(b"".join(v))
    meter = "6970631409168767"

    def run(name, state, bridge):
        sub = Subscriber(broker, topics=("hs%s/#" % bridge,))
        try:
            r = cli("mqtt", str(tmp_path / (name + ".bin")), "--broker", broker.url, "--fast", "--energy", "--state",
                    str(state), "--bridge-id", bridge, "--topic-prefix", "hs" + bridge, "--discovery-prefix",
                    "hsd" + bridge, "-q")
            assert r.returncode == 0, r.stderr
            msgs = sub.wait_for(lambda m: ("hs%s/bridge/%s/availability" % (bridge, bridge), "offline", False) in m)
        finally:
            sub.close()
        return [json.loads(p) for t, p, rt in msgs if t == "hs%s/meter/%s/energy" % (bridge, meter)]

    run("a", tmp_path / "s1", "r1")
    restarted = run("b", tmp_path / "s1", "r2")
    straight = run("all", tmp_path / "s2", "r3")
    assert restarted[-1] == straight[-1]
    assert restarted[-1]["hour"] == "2026-02-02T20:00:00+01:00"
    # the month's average needs the hours before the restart: 16:00 to 19:00 closed
    hours = [sqlite3.connect(str(tmp_path / d / "energy.sqlite3")).execute("SELECT * FROM hours ORDER BY h").fetchall()
             for d in ("s1", "s2")]
    assert hours[0] == hours[1] and len(hours[0]) == 4
    assert restarted[-1]["capacity_wh"] == max(h[1] for h in hours[0])
    # a fresh state on the second half alone: 19:00's list 3 only anchors,
    # 20:00's closes hour 19, the only one it knows
    alone = run("b", tmp_path / "s3", "r4")
    fresh = sqlite3.connect(str(tmp_path / "s3" / "energy.sqlite3")).execute("SELECT * FROM hours").fetchall()
    assert fresh == [hours[0][-1]]
    assert alone[-1]["capacity_wh"] == fresh[0][1]
    r = cli("mqtt", "x.bin", "--broker", broker.url, "--state", str(tmp_path))
    assert r.returncode == 2 and "--state needs --energy" in r.stderr


def test_energy_option_errors():
    r = cli("mqtt", "x.bin", "--broker", "mqtt://127.0.0.1:1", "--energy", "--tz", "Mars/Olympus")
    assert r.returncode == 2 and "--tz" in r.stderr
