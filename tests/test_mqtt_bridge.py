"""``hanreader mqtt`` and ``hostlib.mqtt`` against a real mosquitto on
127.0.0.1 (tests/mqtt_broker.py): discovery configs, states, availability,
password and TLS brokers, the broker going away and coming back, the bridge
killed, Home Assistant's ``online``, and the errors a user meets."""

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from mqtt_broker import Broker, Subscriber, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, "tests", "captures")
sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
import mqtt_streams  # noqa: E402  (the same streams the MicroPython tests use)

BRIDGE = "t"
AVAIL = "hanreader/bridge/t/availability"

# What Home Assistant's sensor documentation allows, per register of the
# Norwegian lists: (device_class, state_class, unit). Texts: no class, a
# diagnostic entity.
HA = {
    "active_power_import": ("power", "measurement", "W"),
    "active_power_export": ("power", "measurement", "W"),
    "reactive_power_import": ("reactive_power", "measurement", "var"),
    "reactive_power_export": ("reactive_power", "measurement", "var"),
    "current_l1": ("current", "measurement", "A"),
    "current_l2": ("current", "measurement", "A"),
    "current_l3": ("current", "measurement", "A"),
    "voltage_l1": ("voltage", "measurement", "V"),
    "voltage_l2": ("voltage", "measurement", "V"),
    "voltage_l3": ("voltage", "measurement", "V"),
    "active_energy_import": ("energy", "total_increasing", "Wh"),
    "active_energy_export": ("energy", "total_increasing", "Wh"),
    "reactive_energy_import": ("reactive_energy", "total_increasing", "varh"),
    "reactive_energy_export": ("reactive_energy", "total_increasing", "varh"),
    "list_version": (None, None, None),
    "meter_id": (None, None, None),
    "meter_type": (None, None, None),
    "clock": (None, None, None),
}
CONFIG_KEYS = {"name", "unique_id", "state_topic", "value_template", "availability_topic", "payload_available",
               "payload_not_available", "expire_after", "origin", "device"}


def env(**extra):
    e = dict(os.environ)
    e.pop("HANREADER_MQTT_PASSWORD", None)
    e.update(extra)
    return e


def cli(*args, **kw):
    return [sys.executable, "-m", "hostlib.cli"] + list(args)


def run_cli(*args, environ=None, timeout=60):
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=environ or env())


def stream_file(tmp_path, vendor):
    path = tmp_path / (vendor + ".hex")
    with open(path, "w") as f:
        for rel in mqtt_streams.STREAMS[vendor]:
            with open(os.path.join(CAPTURES, rel)) as g:
                f.write(g.read() + "\n")
    return str(path)


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("anon"))
    yield b
    b.stop()


@pytest.fixture
def sub(broker):
    s = Subscriber(broker)
    yield s
    s.close()


def configs_of(msgs):
    return [(t, json.loads(p)) for t, p, r in msgs if t.endswith("/config") and p]


# -- the captures, end to end -------------------------------------------------------


@pytest.mark.parametrize("vendor", mqtt_streams.VENDORS)
def test_captures_published(vendor, tmp_path, broker, sub):
    path = stream_file(tmp_path, vendor)
    dp = "hd" + vendor  # a discovery prefix per test: retained configs of other tests stay out
    r = run_cli("mqtt", path, "--broker", broker.url, "--fast", "--bridge-id", BRIDGE, "--topic-prefix",
                "hr" + vendor, "--discovery-prefix", dp)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    avail = "hr%s/bridge/t/availability" % vendor
    msgs = sub.wait_for(lambda m: (avail, "offline", False) in m)
    mine = [(t, p, rt) for t, p, rt in msgs if t.startswith(("hr" + vendor + "/", dp + "/"))]
    # Availability: online first, offline at the clean end.
    av = [p for t, p, rt in mine if t == avail]
    assert av == ["online", "offline"], av
    # Every state payload is `hanreader decode --json` of the same bytes, in order.
    d = run_cli("decode", "--json", path)
    assert d.returncode == 0
    decoded = d.stdout.splitlines()
    states = [(t, p) for t, p, rt in mine if t.endswith("/state")]
    assert [p for t, p in states] == decoded
    for (t, p) in states:
        mid = json.loads(p)["meter"]["id"]
        if mid is not None:
            assert t == "hr%s/meter/%s/state" % (vendor, mid)
    # Every discovery config: keys, classes, units, device block, unique ids.
    meters = {}
    for line in decoded:
        j = json.loads(line)
        if j["meter"]["id"]:
            meters[j["meter"]["id"]] = j["meter"]
    cfgs = configs_of(mine)
    seen = {}
    for topic, c in cfgs:
        if "/binary_sensor/" in topic:
            assert topic == "%s/binary_sensor/hanreader_bridge_t/connectivity/config" % dp
            assert c["device"]["identifiers"] == ["hanreader_bridge_t"]
            assert c["device"]["model"] == "host bridge" and c["device"]["manufacturer"] == "hanreader"
            continue
        _, kind, node, obj, _ = topic.split("/")
        assert kind == "sensor" and node.startswith("hanreader_")
        mid = node[len("hanreader_"):]
        meter = meters[mid]
        dc, sc, unit = HA[obj]
        assert (c.get("device_class"), c.get("state_class"), c.get("unit_of_measurement")) == (dc, sc, unit), obj
        extra = set(c) - CONFIG_KEYS
        want = {k for k, v in (("device_class", dc), ("state_class", sc), ("unit_of_measurement", unit)) if v}
        if sc is None:
            want.add("entity_category")
            assert c["entity_category"] == "diagnostic"
        assert extra == want, (obj, extra)
        assert c["unique_id"] == "hanreader_%s_%s" % (mid, obj)
        assert c["state_topic"] == "hr%s/meter/%s/state" % (vendor, mid)
        assert c["availability_topic"] == avail
        assert (c["payload_available"], c["payload_not_available"]) == ("online", "offline")
        assert c["expire_after"] == 60
        assert "'%s'" % obj in c["value_template"] and "value_json.registers" in c["value_template"]
        assert c["device"] == {"identifiers": ["hanreader_" + mid],
                               "name": "%s %s" % (meter["manufacturer"], meter["type"]),
                               "manufacturer": meter["manufacturer"], "model": meter["type"],
                               "serial_number": mid, "sw_version": meter["list_version"],
                               "via_device": "hanreader_bridge_t"}
        seen.setdefault(mid, {})[obj] = c["unique_id"]
    # One device per meter id, one config per register it sent in any list
    # (list 1 of Aidon/Kaifa joined the meter of list 2: no extra device).
    assert set(seen) == set(meters)
    for line in decoded:
        j = json.loads(line)
        mid = j["meter"]["id"] or list(meters)[0]
        for reg in j["registers"]:
            assert reg["name"] in seen[mid], (mid, reg["name"])
    assert len([1 for t, c in cfgs if "/sensor/" in t]) == sum(len(v) for v in seen.values())
    # Energy is there for the Energy dashboard.
    assert any(obj == "active_energy_import" for v in seen.values() for obj in v)
    # Retained: a subscriber that comes later gets every config and "offline".
    late = Subscriber(broker, topics=(dp + "/#", avail))
    try:
        kept = late.wait_for(lambda m: len(m) >= len(cfgs) + 1)
        kept = late.settle(0.3)
    finally:
        late.close()
    assert all(rt for t, p, rt in kept)
    assert sorted((t, json.loads(p)) for t, p, rt in kept if t != avail) == sorted(cfgs)
    assert (avail, "offline", True) in kept


def test_the_summary_counts_one_reading_and_one_rejected_frame(tmp_path, broker, sub):
    good = open(os.path.join(CAPTURES, "aidon", "elwiz-list3-6534.hex")).read()
    frame = mqtt_streams.mptest.read_hex("aidon/elwiz-list3-6534.hex")
    bad = bytearray(frame)
    bad[40] ^= 0x01  # one bit flipped inside the information field: the FCS fails
    path = tmp_path / "one.hex"
    path.write_text(good + "\n" + bytes(bad).hex() + "\n")
    r = run_cli("mqtt", str(path), "--broker", broker.url, "--fast", "--bridge-id", "one", "--topic-prefix", "one",
                "--discovery-prefix", "oneha")
    assert r.returncode == 0, r.stderr
    # the bridge's availability + connectivity config, 18 register configs, one state
    assert "hanreader: 1 reading published to %s (21 messages), 1 frame rejected\n" % broker.url[len("mqtt://"):] \
        in r.stderr, r.stderr


def test_no_discovery_and_meter_name(tmp_path, broker, sub):
    path = stream_file(tmp_path, "aidon")
    r = run_cli("mqtt", path, "--broker", broker.url, "--fast", "--bridge-id", "nd", "--topic-prefix", "nd",
                "--no-discovery", "--meter-name", "House", "--discovery-prefix", "ndha", "-q")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    msgs = sub.wait_for(lambda m: ("nd/bridge/nd/availability", "offline", False) in m)
    mine = [(t, p) for t, p, rt in msgs if t.startswith(("nd/", "ndha/"))]
    assert [t for t, p in mine] == ["nd/bridge/nd/availability"] + ["nd/meter/House/state"] * 4 + [
        "nd/bridge/nd/availability"]


def test_list_1_only_is_held_until_an_id_or_a_meter_name(tmp_path, broker, sub):
    # Issue 13: a meter's identity is its id, from its first list 2/3, or the
    # configured --meter-name. An Aidon list 1 alone tells no id: it is never
    # published under a made-up identity (that would be a second device of
    # the same meter once list 2 comes); the bridge says so at once, and a
    # file with nothing else ends in exit 1.
    path = tmp_path / "l1.hex"
    one = open(os.path.join(CAPTURES, "aidon", "elwiz-list1.hex")).read()
    path.write_text(one + "\n" + one + "\n")
    r = run_cli("mqtt", str(path), "--broker", broker.url, "--fast", "--bridge-id", "l1", "--topic-prefix", "l1",
                "--discovery-prefix", "l1ha")
    assert r.returncode == 1, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "meter id" in ln]
    assert said == [
        "hanreader: a reading without a meter id (list 1) is held until a list 2 or 3 tells the meter's id "
        "(Aidon and Kaifa send list 2 every 10 s); give --meter-name NAME to publish at once",
        "hanreader: nothing published: 2 readings without a meter id and no list 2 or 3 telling it "
        "(give --meter-name NAME)"]
    r2 = run_cli("mqtt", str(path), "--broker", broker.url, "--fast", "--bridge-id", "l1", "--topic-prefix", "l1",
                 "--discovery-prefix", "l1ha", "--meter-name", "House")
    assert r2.returncode == 0, r2.stderr
    assert "meter id" not in r2.stderr
    msgs = sub.wait_for(lambda m: [t for t, p, rt in m if t == "l1/bridge/l1/availability"].count("l1/bridge/l1/availability") >= 4)
    states = [t for t, p, rt in msgs if t.startswith("l1/meter/")]
    assert states == ["l1/meter/House/state"] * 2


# -- errors -----------------------------------------------------------------------------


def one_line_error(r, *words):
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def test_bad_url_and_refused(tmp_path):
    path = stream_file(tmp_path, "aidon")
    line = one_line_error(run_cli("mqtt", path, "--broker", "http://127.0.0.1:1883"), "bad broker URL", "hint:")
    assert "mqtt://HOST[:PORT]" in line
    one_line_error(run_cli("mqtt", path, "--broker", "mqtt://"), "no host", "hint:")
    line = one_line_error(run_cli("mqtt", path, "--broker", "mqtt://127.0.0.1:%d" % free_port()),
                          "refused the connection", "hint:")
    # A password in the URL is refused and not echoed.
    r = run_cli("mqtt", path, "--broker", "mqtt://han:s3cr3t-url@127.0.0.1:1883")
    one_line_error(r, "carries a password")
    assert "s3cr3t-url" not in r.stderr + r.stdout


def test_password_broker(tmp_path):
    secret = "Pa55-w0rd-%d" % os.getpid()
    b = Broker(tmp_path, password=secret)
    path = stream_file(tmp_path, "kamstrup")
    try:
        s = Subscriber(b, username="han", password=secret)
        try:
            # Right password, from the environment and from a file.
            r = run_cli("mqtt", path, "--broker", b.url, "--username", "han", "--fast", "--bridge-id", "pw",
                        environ=env(HANREADER_MQTT_PASSWORD=secret))
            assert r.returncode == 0, r.stderr
            pwfile = tmp_path / "pw"
            pwfile.write_text(secret + "\n")
            r2 = run_cli("mqtt", path, "--broker", b.url, "--username", "han", "--fast", "--bridge-id", "pw2",
                         "--password-file", str(pwfile), "--client-id", "my-bridge-42")
            assert r2.returncode == 0, r2.stderr
            msgs = s.wait_for(lambda m: ("hanreader/bridge/pw2/availability", "offline", False) in m)
            states = [p for t, p, rt in msgs if t == "hanreader/meter/5706567331323526/state"]
            assert len(states) == 4  # list 2 and 3, twice
        finally:
            s.close()
        # Wrong password, no password: one line, exit 1, the password nowhere.
        r3 = run_cli("mqtt", path, "--broker", b.url, "--username", "han", "--fast",
                     environ=env(HANREADER_MQTT_PASSWORD="wrong-" + secret))
        line = one_line_error(r3, "refused the login", "hint:", "HANREADER_MQTT_PASSWORD")
        r4 = run_cli("mqtt", path, "--broker", b.url, "--fast")
        one_line_error(r4, "refused the login")
        for r in (r, r2, r3, r4):
            assert secret not in r.stdout + r.stderr
        # The password on the command line is refused, and not echoed.
        for argv in (["--password", secret], ["--password=" + secret]):
            r5 = run_cli("mqtt", path, "--broker", b.url, *argv)
            assert r5.returncode == 2
            assert secret not in r5.stdout + r5.stderr
            assert "never taken on the command line" in r5.stderr
        with open(os.path.join(b.folder, "mosquitto.log"), "rb") as f:
            log = f.read()
        assert secret.encode() not in log
        # The client ids: the default (hanreader-<bridge id>) and --client-id.
        assert b" as hanreader-pw (" in log and b" as my-bridge-42 (" in log
    finally:
        b.stop()


def test_no_stray_secret_is_echoed_by_a_usage_error(capsys):
    """A password typed where it does not belong (a stray word, an
    abbreviated --password, a value for another option) is never repeated
    by argparse's usage error: the option names are, the values are not."""
    from hostlib.cli import main

    secret = "Hunter2-s3cret"
    cases = [
        (["mqtt", "f.hex", secret], "unrecognized arguments: 1 value (not shown: it may be a secret)"),
        (["mqtt", "f.hex", "--pass=" + secret], "ambiguous option: --pass=... could match"),
        (["mqtt", "f.hex", "--pw=" + secret], "unrecognized arguments: --pw=..."),
        (["mqtt", "f.hex", "--count", secret], "argument -n/--count: expected a number"),
        (["mqtt", "f.hex", "--input-format", secret], "argument --input-format: invalid choice (choose from"),
        (["mqtt", "f.hex", "--password", secret], "never taken on the command line"),
        (["mqtt", "f.hex", "--username", "han", secret, "x"], "unrecognized arguments: 2 values"),
        (["mqt", secret], "invalid choice (choose from"),
    ]
    for argv, want in cases:
        assert main(argv) == 2, argv
        out, errs = capsys.readouterr()
        assert secret not in out + errs, (argv, errs)
        assert want in errs, (argv, errs)
    # Values that are not secrets still say what was wrong.
    assert main(["mqtt", "f.hex", "--count", "-3"]) == 2
    assert "expected a positive number, found '-3'" in capsys.readouterr()[1]


def test_tls_broker(tmp_path):
    b = Broker(tmp_path, tls=True)
    path = stream_file(tmp_path, "kaifa")
    c = b.certs
    try:
        s = Subscriber(b, tls=c)
        try:
            r = run_cli("mqtt", path, "--broker", b.url, "--ca-file", c["ca"], "--client-cert", c["client_cert"],
                        "--client-key", c["client_key"], "--fast", "--bridge-id", "tls")
            assert r.returncode == 0, r.stderr
            msgs = s.wait_for(lambda m: ("hanreader/bridge/tls/availability", "offline", False) in m)
            assert len([1 for t, p, rt in msgs if t == "hanreader/meter/6970631409038480/state"]) == 4
        finally:
            s.close()
        # Without our CA: the certificate cannot be verified.
        line = one_line_error(run_cli("mqtt", path, "--broker", b.url, "--fast"), "TLS", "hint:", "--ca-file")
        assert "certificate verify failed" in line
        # TLS files on a plain URL, a CA file that is not there.
        one_line_error(run_cli("mqtt", path, "--broker", "mqtt://127.0.0.1:%d" % b.port, "--ca-file", c["ca"]),
                       "need an mqtts://")
        one_line_error(run_cli("mqtt", path, "--broker", b.url, "--ca-file", str(tmp_path / "nope.pem")),
                       "cannot load the TLS files")
    finally:
        b.stop()


# -- live: a TCP source the test feeds frame by frame ----------------------------------


class FrameServer:
    """A TCP server (the meter side of tcp://) the test writes frames to."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.url = "tcp://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.conn = None
        self.accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.conn, _ = self.sock.accept()
        self.accepted.set()

    def send(self, rel):
        assert self.accepted.wait(10), "the bridge did not connect to the source"
        self.conn.sendall(mqtt_streams.mptest.read_hex(rel))

    def close(self):
        if self.conn:
            self.conn.close()
        self.sock.close()


def start_bridge(broker, source, *extra):
    return subprocess.Popen(cli("mqtt", source, "--broker", broker.url, "--bridge-id", BRIDGE, *extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env())


def stop_bridge(p, sig=signal.SIGTERM):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        out, errs = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        out, errs = p.communicate()
    return p.returncode, out, errs


L2 = "aidon/elwiz-list2-6534.hex"
L3 = "aidon/elwiz-list3-6534.hex"
L1 = "aidon/elwiz-list1.hex"
STATE = "hanreader/meter/7359992891237028/state"


def test_broker_restart_mid_stream(tmp_path):
    b = Broker(tmp_path)
    src = FrameServer()
    p = start_bridge(b, src.url)
    try:
        s = Subscriber(b)
        src.send(L2)
        s.wait_for(lambda m: any(t == STATE for t, pl, r in m))
        s.close()
        b.stop()
        # The broker is away: readings go on; only the latest of each list is kept.
        time.sleep(0.5)
        for rel in (L2, L1, L2, L3, L1, L2):
            src.send(rel)
            time.sleep(0.1)
        time.sleep(1.5)
        assert p.poll() is None, "the bridge stopped with the broker"
        b.start()
        s = Subscriber(b)
        # Back: online, the configs again, then the 3 kept states (one per list).
        msgs = s.wait_for(lambda m: len([1 for t, pl, r in m if t == STATE]) >= 3, timeout=40)
        states = [json.loads(pl) for t, pl, r in msgs if t == STATE]
        assert [len(x["registers"]) for x in states[:3]] == [18, 1, 13], "list 3, list 1, list 2 (by age)"
        assert (AVAIL, "online", True) in msgs or (AVAIL, "online", False) in msgs
        assert any(t.endswith("/active_energy_import/config") for t, pl, r in msgs)
        # And the next reading arrives as it comes.
        src.send(L3)
        s.wait_for(lambda m: len([1 for t, pl, r in m if t == STATE]) >= 4)
        s.close()
    finally:
        code, out, errs = stop_bridge(p)
        src.close()
        b.stop()
    assert code == 0, errs
    assert errs.count("lost the broker") == 1, errs
    assert errs.count("reconnected to the broker") == 1 and "3 states kept while away sent" in errs, errs
    assert "Traceback" not in errs


def test_killed_bridge_leaves_offline_and_ha_online_reannounces(tmp_path):
    b = Broker(tmp_path)
    src = FrameServer()
    p = start_bridge(b, src.url, "--discovery-prefix", "kha")
    s = Subscriber(b)
    try:
        src.send(L2)
        src.send(L3)
        msgs = s.wait_for(lambda m: len([1 for t, pl, r in m if t == STATE]) >= 2)
        first = sorted((t, pl) for t, pl, r in msgs if t.startswith("kha/") and t.endswith("/config"))
        assert len(first) == 1 + 18  # the bridge + every register of lists 2 and 3
        # Home Assistant restarts and says "online": every config comes again.
        n = len(msgs)
        s.publish("kha/status", "online")
        msgs = s.wait_for(lambda m: len([1 for t, pl, r in m[n:] if t.endswith("/config")]) >= len(first))
        again = sorted((t, pl) for t, pl, r in msgs[n:] if t.startswith("kha/") and t.endswith("/config"))
        assert again == first
        # "offline" from Home Assistant brings nothing.
        n = len(s.settle(0.3))
        s.publish("kha/status", "offline")
        assert [t for t, pl, r in s.settle(0.5)[n:]] == ["kha/status"]
        # Killed without a word: the broker publishes the last will.
        p.send_signal(signal.SIGKILL)
        p.wait(10)
        s.wait_for(lambda m: (AVAIL, "offline", False) in m)
    finally:
        s.close()
        stop_bridge(p)
        src.close()
        b.stop()


# -- the library ------------------------------------------------------------------------


def test_library_sync_and_asyncio(broker, sub):
    from hostlib.mqtt import AsyncMqttBridge, MqttBridge, MqttError

    readings = [rd for rel, rd in mqtt_streams.stream("kamstrup")]
    events = []
    with MqttBridge(broker.url, bridge_id="lib", topic_prefix="lib",
                    on_event=lambda k, m: events.append(k)) as bridge:
        for rd in readings[:2]:
            bridge.publish(rd)
        # Something that is not a reading: said once, and the publishing goes on.
        bridge.publish(object())
        bridge.publish(object())
        for rd in readings[2:]:
            bridge.publish(rd)
        assert bridge.flush(10)
        assert bridge.errors == 2
    assert events == ["connected", "error"]
    msgs = sub.wait_for(lambda m: ("lib/bridge/lib/availability", "offline", False) in m)
    got = [pl for t, pl, r in msgs if t.startswith("lib/meter/")]
    assert got == [rd.to_json() for rd in readings]

    async def main():
        async with AsyncMqttBridge(broker.url, bridge_id="alib", topic_prefix="alib") as ab:
            assert ab.connected
            for rd in readings:
                await ab.publish(rd)
            assert await ab.flush()

    asyncio.run(main())
    msgs = sub.wait_for(lambda m: ("alib/bridge/alib/availability", "offline", False) in m)
    assert [pl for t, pl, r in msgs if t.startswith("alib/meter/")] == [rd.to_json() for rd in readings]
    # Extras (e.g. the energy sensors): their configs at connection, their
    # messages after each reading's own.
    class Counter:
        def __init__(self, msgs):
            self.msgs = msgs
            self.n = 0

        def reading(self, rd):
            key = self.msgs.meter_key(rd)
            self.n += 1
            yield (self.msgs.topic(key, "count"), str(self.n), False)

        def announce(self):
            yield ("xha/sensor/x/count/config", '{"name": "count"}', True)

    with MqttBridge(broker.url, bridge_id="ext", topic_prefix="ext", discovery_prefix="xha",
                    extras=[Counter]) as bridge:
        for rd in readings:
            bridge.publish(rd)
        assert bridge.flush(10)
        sub.publish("xha/status", "online")  # Home Assistant is back: the extras' configs too
        sub.wait_for(lambda m: [t for t, pl, r in m].count("xha/sensor/x/count/config") == 2)
    msgs = sub.wait_for(lambda m: ("ext/bridge/ext/availability", "offline", False) in m)
    mine = [(t, pl) for t, pl, r in msgs if t.startswith("ext/meter/") or t == "xha/sensor/x/count/config"]
    assert mine[0] == ("xha/sensor/x/count/config", '{"name": "count"}')
    assert [pl for t, pl in mine if t.endswith("/count")] == ["1", "2", "3", "4"]
    assert [t for t, pl in mine[1:3]] == ["ext/meter/5706567331323526/state", "ext/meter/5706567331323526/count"]
    with pytest.raises(MqttError) as e:
        MqttBridge("mqtt://127.0.0.1:%d" % free_port()).connect()
    assert e.value.kind == "refused"
    with pytest.raises(MqttError) as e:
        MqttBridge("mqtt://x", topic_prefix="a/#")
    assert e.value.kind == "url"


# -- other inputs: the dongle's USB lines, encrypted meters ---------------------------------


def test_dongle_usb_lines_are_published_as_they_are(tmp_path, broker, sub):
    # The dongle prints the reading JSON on USB; the bridge reads those lines
    # (here over tcp://) and publishes the very same bytes as states.
    path = stream_file(tmp_path, "kaifa")
    lines = run_cli("decode", "--json", path).stdout.splitlines()
    assert len(lines) == 4
    src = FrameServer()
    p = subprocess.Popen(cli("mqtt", src.url, "--broker", broker.url, "--bridge-id", "usb", "--topic-prefix", "usb",
                             "--discovery-prefix", "usbha"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env())
    try:
        assert src.accepted.wait(10)
        src.conn.sendall(("\n".join(lines) + "\n").encode())
        msgs = sub.wait_for(lambda m: len([1 for t, pl, r in m if t.startswith("usb/meter/")]) >= 4)
    finally:
        code, out, errs = stop_bridge(p)
        src.close()
    states = [pl for t, pl, r in msgs if t.startswith("usb/meter/")]
    # A live source: the bridge adds when it received each line (the reading
    # schema's optional received_at, right after "time"); the rest is the
    # dongle's line byte for byte.
    stamp = re.compile(r', "received_at": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00"')
    assert all(len(stamp.findall(pl)) == 1 for pl in states), states[0]
    assert [stamp.sub("", pl) for pl in states] == lines
    assert code == 0, errs


def test_a_file_of_dongle_lines_is_published_and_its_status_is_json(tmp_path, broker, sub):
    # A file of the dongle's USB lines (saved with `cat /dev/ttyACM0 > f`):
    # `mqtt` reads it as `read` does: readings published byte for byte,
    # the dongle's status lines said on stderr as JSON, not a Python dict.
    path = stream_file(tmp_path, "kaifa")
    lines = run_cli("decode", "--json", path).stdout.splitlines()
    status = {"version": "0.1.0", "frames": 4, "wifi": None, "raw": False}
    usb = tmp_path / "usb.jsonl"
    usb.write_text("\n".join(lines[:2] + [json.dumps({"status": status})] + lines[2:]) + "\n")
    r = run_cli("mqtt", str(usb), "--broker", broker.url, "--fast", "--bridge-id", "jl", "--topic-prefix", "jl",
                "--discovery-prefix", "jlha")
    assert r.returncode == 0, r.stderr
    msgs = sub.wait_for(lambda m: ("jl/bridge/jl/availability", "offline", False) in m)
    assert [pl for t, pl, rt in msgs if t.startswith("jl/meter/") and t.endswith("/state")] == lines
    said = [ln for ln in r.stderr.splitlines() if ln.startswith("hanreader: dongle status: ")]
    assert len(said) == 1
    assert json.loads(said[0][len("hanreader: dongle status: "):]) == status
    assert "4 readings published" in r.stderr


def test_a_recording_is_published_with_its_timestamps(tmp_path, broker, sub):
    # Issue 13: `mqtt` reads anything `read` reads, a recording too: the states are
    # `decode --json` of the recording, received_at from its timestamps.
    from hostlib.recording import RecordingWriter

    path = str(tmp_path / "aidon.hanrec")
    with open(path, "w") as f:
        w = RecordingWriter(f, source="test", started="2026-01-05T17:00:00+01:00")
        for i, rel in enumerate(mqtt_streams.STREAMS["aidon"]):
            w.write(mqtt_streams.mptest.read_hex(rel), t=2.5 * i)
    r = run_cli("mqtt", path, "--broker", broker.url, "--fast", "--bridge-id", "rec", "--topic-prefix", "rec",
                "--discovery-prefix", "recha")
    assert r.returncode == 0, r.stderr
    msgs = sub.wait_for(lambda m: ("rec/bridge/rec/availability", "offline", False) in m)
    states = [pl for t, pl, rt in msgs if t == "rec/meter/7359992891237028/state"]
    assert states == run_cli("decode", "--json", path).stdout.splitlines()
    assert [json.loads(pl)["received_at"] for pl in states] == [
        "2026-01-05T16:00:00.000+00:00", "2026-01-05T16:00:02.500+00:00", "2026-01-05T16:00:05.000+00:00",
        "2026-01-05T16:00:07.500+00:00"]


def test_encrypted_meter_with_keys(tmp_path, broker, sub):
    keys = json.load(open(os.path.join(CAPTURES, "encrypted", "keys.json")))
    # A ciphered push in a known layout (issue 19: the dlms-cosem example, one
    # unnamed octet-string, is now an unknown layout and decode exits 1).
    name = "kamstrup-omnipower-dk-dlmsparser.hex"
    k = keys[name]
    path = os.path.join(CAPTURES, "encrypted", name)
    args = ["--key", k["key"], "--auth-key", k["auth_key"]]
    d = run_cli("decode", "--json", path, *args)
    assert d.returncode == 0, d.stderr
    want = d.stdout.splitlines()
    r = run_cli("mqtt", path, "--broker", broker.url, "--fast", "--bridge-id", "enc", "--topic-prefix", "enc",
                "--discovery-prefix", "encha", "--meter-name", "ciphered", *args)
    assert r.returncode == 0, r.stderr
    msgs = sub.wait_for(lambda m: ("enc/bridge/enc/availability", "offline", False) in m)
    assert [pl for t, pl, rt in msgs if t == "enc/meter/ciphered/state"] == want
    for secret in (k["key"], k["auth_key"], k["key"].lower()):
        assert secret not in r.stdout + r.stderr


def test_serial_port(broker, sub):
    # A serial port (a pty carrying a Kamstrup's frames): -n ends after two readings.
    from hostlib.sinks import PtySink

    pty = PtySink()
    p = subprocess.Popen(cli("mqtt", pty.path, "--broker", broker.url, "--bridge-id", "ser", "--topic-prefix", "ser",
                             "--discovery-prefix", "serha", "--parity", "N", "-n", "2"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env())
    try:
        seen = []
        while True:  # the bridge says when the port is open
            line = p.stderr.readline()
            seen.append(line)
            assert line, seen
            if line.strip().endswith(pty.path + ": connected"):
                break
        for rel in mqtt_streams.STREAMS["kamstrup"][:2]:
            pty(mqtt_streams.mptest.read_hex(rel))
            time.sleep(0.1)
        code = p.wait(20)
        errs = "".join(seen) + p.stderr.read()
    finally:
        if p.poll() is None:
            stop_bridge(p)
        pty.close()
    assert code == 0, errs
    msgs = sub.wait_for(lambda m: ("ser/bridge/ser/availability", "offline", False) in m)
    states = [json.loads(pl) for t, pl, r in msgs if t.startswith("ser/meter/")]
    assert [len(s["registers"]) for s in states] == [13, 18]
    assert "2 readings published" in errs
