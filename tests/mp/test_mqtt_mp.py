# mp-heap: 512k
# protocols.mqtt (the shared MQTT / Home Assistant discovery messages) on real
# MicroPython and CPython: topics, identity across lists, the classes and units
# of every config, the state payload (the reading's own JSON), re-announcing,
# and configs made one at a time. (256k: the VM compiles the decoder from
# source; test_one_config_at_a_time measures what one config costs.)
import gc
import json

import mptest
import mqtt_streams
from protocols import mqtt
from protocols.mqtt import Messages

AIDON_ID = "7359992891237028"


def feed(m, vendor):
    """Feed a vendor's stream; the messages of each reading, as lists."""
    out = []
    for rel, rd in mqtt_streams.stream(vendor):
        out.append((rel, rd, list(m.reading(rd))))
    return out


def configs(msgs):
    return [(t, json.loads(p)) for t, p, r in msgs if t.endswith("/config")]


def states(msgs):
    return [(t, p) for t, p, r in msgs if t.endswith("/state")]


def test_topics_and_will():
    m = Messages("host-kitchen 1")
    assert m.availability_topic == "hanreader/bridge/host-kitchen_1/availability"
    assert m.will == ("hanreader/bridge/host-kitchen_1/availability", "offline")
    assert m.status_topic == "homeassistant/status"
    assert m.offline() == ("hanreader/bridge/host-kitchen_1/availability", "offline", True)
    first = list(m.connected())
    assert first[0] == ("hanreader/bridge/host-kitchen_1/availability", "online", True)
    # No meter yet: the bridge's own config only.
    assert len(first) == 2
    assert first[1][0] == "homeassistant/binary_sensor/hanreader_bridge_host-kitchen_1/connectivity/config"
    c = json.loads(first[1][1])
    assert c["device_class"] == "connectivity" and c["payload_on"] == "online" and c["payload_off"] == "offline"
    assert c["state_topic"] == m.availability_topic
    assert c["device"]["identifiers"] == ["hanreader_bridge_host-kitchen_1"]


def test_aidon_list1_waits_for_the_meter_id():
    m = Messages("b")
    steps = feed(m, "aidon")
    # 1: list 1 (no id): held, nothing published.
    assert steps[0][0] == "aidon/elwiz-list1.hex" and steps[0][2] == []
    # 2: list 2 brings the id: the held list 1 is published first, then list 2.
    rel, rd, msgs = steps[1]
    assert rd.meter.id == AIDON_ID and m.held is None
    st = states(msgs)
    assert [t for t, p in st] == ["hanreader/meter/%s/state" % AIDON_ID] * 2
    assert st[0][1] == steps[0][1].to_json() and st[1][1] == rd.to_json()
    cf = configs(msgs)
    # One config per register: list 1's power, then list 2's 12 others.
    objs = [t.split("/")[3] for t, c in cf]
    assert objs == ["active_power_import", "list_version", "meter_id", "meter_type", "active_power_export",
                    "reactive_power_import", "reactive_power_export", "current_l1", "current_l2", "current_l3",
                    "voltage_l1", "voltage_l2", "voltage_l3"], objs
    for t, c in cf:
        assert t.startswith("homeassistant/sensor/hanreader_%s/" % AIDON_ID)
        # The device block is complete even in the config made for list 1.
        assert c["device"] == {"identifiers": ["hanreader_" + AIDON_ID], "name": "Aidon 6534",
                               "manufacturer": "Aidon", "model": "6534", "serial_number": AIDON_ID,
                               "sw_version": "AIDON_V0001", "via_device": "hanreader_bridge_b"}, c["device"]
        assert c["unique_id"] == "hanreader_%s_%s" % (AIDON_ID, t.split("/")[3])
        assert c["availability_topic"] == "hanreader/bridge/b/availability"
        assert c["expire_after"] == 60
    # 3: list 1 again: same meter, no new config, the state only.
    rel, rd, msgs = steps[2]
    assert msgs == [("hanreader/meter/%s/state" % AIDON_ID, rd.to_json(), False)]
    # 4: list 3: the clock and the four energy registers are new.
    rel, rd, msgs = steps[3]
    objs = [t.split("/")[3] for t, c in configs(msgs)]
    assert objs == ["clock", "active_energy_import", "active_energy_export", "reactive_energy_import",
                    "reactive_energy_export"], objs
    assert states(msgs) == [("hanreader/meter/%s/state" % AIDON_ID, rd.to_json())]
    # One meter, one device.
    assert [x.key for x in m.meters] == [AIDON_ID]


def test_classes_and_units_as_home_assistant_allows():
    m = Messages("b")
    msgs = []
    for rel, rd, out in feed(m, "aidon"):
        msgs.extend(out)
    by = {}
    for t, c in configs(msgs):
        by[t.split("/")[3]] = c
    want = {
        "active_power_import": ("power", "measurement", "W"),
        "reactive_power_export": ("reactive_power", "measurement", "var"),
        "current_l2": ("current", "measurement", "A"),
        "voltage_l3": ("voltage", "measurement", "V"),
        "active_energy_import": ("energy", "total_increasing", "Wh"),
        "active_energy_export": ("energy", "total_increasing", "Wh"),
        "reactive_energy_import": ("reactive_energy", "total_increasing", "varh"),
    }
    for obj in want:
        c = by[obj]
        got = (c.get("device_class"), c.get("state_class"), c.get("unit_of_measurement"))
        assert got == want[obj], (obj, got)
        assert "entity_category" not in c
    for obj in ("meter_id", "meter_type", "list_version", "clock"):
        c = by[obj]
        assert c["entity_category"] == "diagnostic"
        for k in ("device_class", "state_class", "unit_of_measurement"):
            assert k not in c, (obj, k)
    assert by["current_l1"]["name"] == "Current L1"
    assert by["active_energy_import"]["name"] == "Active energy import"
    t = by["voltage_l1"]["value_template"]
    assert t == "{% for r in value_json.registers if r.name == 'voltage_l1' %}{{ r.value }}{% endfor %}", t
    t = by["clock"]["value_template"]
    assert t.endswith("{% else %}{{ this.state }}{% endfor %}"), t
    # The helper itself: frequency, apparent power, power factor, VAh, texts.
    assert mqtt.classes("frequency", "Hz", 50.0) == ("frequency", "measurement")
    assert mqtt.classes("apparent_power_import", "VA", 10) == ("apparent_power", "measurement")
    assert mqtt.classes("power_factor", None, 0.9) == ("power_factor", "measurement")
    assert mqtt.classes("x", "VAh", 5) == (None, "total_increasing")
    assert mqtt.classes("meter_id", None, "7359") == (None, None)
    assert mqtt.classes(None, None, 7) == (None, "measurement")
    # Canonical units as they are (P1 readings too: protocols/p1.canonical);
    # only m3 is spelled as Home Assistant's symbol; cumulative stays cumulative.
    assert mqtt.ha_unit("varh") == "varh" and mqtt.ha_unit("var") == "var" and mqtt.ha_unit("W") == "W"
    assert mqtt.ha_unit("m3") == "m\u00b3"
    assert mqtt.classes("reactive_energy_import", "varh", 1500) == ("reactive_energy", "total_increasing")
    assert mqtt.classes("reactive_power_export_l2", "var", 100) == ("reactive_power", "measurement")
    assert mqtt.classes("mbus_reading", "m3", 12.5) == (None, "total_increasing")
    assert mqtt.classes("apparent_energy_import", "kVAh", 3.0) == (None, "total_increasing")
    assert mqtt.classes("meter_number", None, 123) == (None, None)
    assert mqtt.classes("breaker_state", None, 1) == (None, None)


def test_kaifa_and_kamstrup_identity():
    m = Messages("b")
    steps = feed(m, "kaifa")
    assert steps[0][2] == []  # Kaifa list 1: no id, held
    keys = []
    for rel, rd, msgs in steps[1:]:
        for t, p in states(msgs):
            keys.append(t.split("/")[2])
    assert keys == ["6970631409038480"] * 4, keys  # held list 1, list 2, list 1, list 3
    m = Messages("b")
    steps = feed(m, "kamstrup")
    keys = [states(msgs)[0][0].split("/")[2] for rel, rd, msgs in steps]
    # Kamstrup's list 1 carries the id: never held; two meters, two devices.
    assert keys == ["5706567331323526", "5706567331323526", "5705705705705702", "5705705705705702"], keys
    assert [x.key for x in m.meters] == ["5706567331323526", "5705705705705702"]
    c = configs(steps[1][2])
    assert c, "list 3 adds energy registers"
    for t, cfg in c:
        assert cfg["device"]["model"] == "6841131BN245101092"
        assert cfg["device"]["manufacturer"] == "Kamstrup"


def test_held_reading_is_only_the_latest():
    m = Messages("b")
    l1 = mqtt_streams.readings("aidon/elwiz-list1.hex")[0]
    l2 = mqtt_streams.readings("aidon/elwiz-list2-6534.hex")[0]
    assert list(m.reading(l1)) == [] and list(m.reading(l1)) == []
    assert m.dropped == 1
    out = list(m.reading(l2))
    assert len(states(out)) == 2  # one held list 1, then list 2


def test_meter_name_is_the_identity_of_every_reading():
    m = Messages("b", meter_name="House meter")
    steps = feed(m, "aidon")
    assert steps[0][2] != []  # list 1 is not held: the name is known
    for rel, rd, msgs in steps:
        for t, p in states(msgs):
            assert t == "hanreader/meter/House_meter/state"
    last = configs(steps[-1][2])
    assert last[0][1]["device"]["name"] == "House meter"
    assert last[0][1]["device"]["serial_number"] == AIDON_ID
    assert last[0][1]["unique_id"].startswith("hanreader_House_meter_")
    # List 2 told the type: list 1's config was sent again with the model.
    objs = [t.split("/")[3] for t, c in configs(steps[1][2])]
    assert objs[0] == "active_power_import" and objs.count("active_power_import") == 1
    assert configs(steps[1][2])[0][1]["device"]["model"] == "6534"


def test_no_discovery_sends_state_and_availability_only():
    m = Messages("b", discovery=False, topic_prefix="x/y")
    out = []
    for rel, rd, msgs in feed(m, "aidon"):
        out.extend(msgs)
    assert out and all(t == "x/y/meter/%s/state" % AIDON_ID for t, p, r in out)
    assert list(m.connected()) == [("x/y/bridge/b/availability", "online", True)]
    assert list(m.message("homeassistant/status", "online")) == []


def test_home_assistant_online_brings_every_config_again():
    m = Messages("b", discovery_prefix="ha")
    before = []
    for rel, rd, msgs in feed(m, "aidon"):
        before.extend([x for x in msgs if x[0].endswith("/config")])
    again = list(m.message("ha/status", b"online"))
    assert again[0][0] == "ha/binary_sensor/hanreader_bridge_b/connectivity/config"
    assert sorted(again[1:]) == sorted(before)  # same topics, same bytes
    assert all(r is True for t, p, r in again)
    assert list(m.message("ha/status", b"offline")) == []
    assert list(m.message("other/status", b"online")) == []
    re = list(m.connected())
    assert re[0] == ("hanreader/bridge/b/availability", "online", True) and re[1:] == again


def test_one_config_at_a_time():
    m = Messages("b")
    rds = [rd for rel, rd in mqtt_streams.stream("aidon")]
    for rd in rds:
        for x in m.reading(rd):
            pass
    gen = m.announce()
    # A generator: nothing is made before it is asked for.
    assert not isinstance(gen, (list, tuple))
    first = next(gen)
    assert first[0].endswith("/connectivity/config")
    sizes = []
    cost = []

    def one():
        sizes.append(len(next(gen)[1]))

    for i in range(18):
        n = mptest.alloc_bytes(one)
        if n is not None:
            cost.append(n)
    assert len(sizes) == 18 and max(sizes) < 1000, sizes
    # What making one config costs on the device: a few times its length,
    # never all 18 (~14 KB) at once.
    if cost:
        print("bytes allocated per config: max %d (payload <= %d)" % (max(cost), max(sizes)))
        assert max(cost) < 4608, cost
    try:
        next(gen)
    except StopIteration:
        pass
    else:
        raise AssertionError("18 registers, 18 configs")


def test_bounded_meters_and_registers():
    m = Messages("b")
    rd = mqtt_streams.readings("aidon/elwiz-list2-6534.hex")[0]
    for i in range(mqtt.MAX_METERS + 2):
        rd.meter.id = "m%d" % i
        for x in m.reading(rd):
            pass
    assert len(m.meters) == mqtt.MAX_METERS
    assert m.meters[-1].key == "m%d" % (mqtt.MAX_METERS + 1)
    assert m.meters[0].key == "m2"
    gc.collect()


def test_bad_prefixes_and_slugs():
    for bad in ("", "a/+", "a/#", "/a", "a/"):
        e = mptest.assert_raises(ValueError, Messages, "b", bad)
        assert "topic prefix" in str(e)
    mptest.assert_raises(ValueError, Messages, "b", "ok", "ha/#")
    assert mqtt.slug("1-0:31.7.0.255") == "1-0_31_7_0_255"
    assert mqtt.slug("Måler 1") == "M__ler_1"  # UTF-8 bytes, each replaced
    assert mqtt.slug("") == "_"
    assert mqtt.label("active_energy_import_t1") == "Active energy import T1"


def test_derived_sensors_join_the_meter_device():
    m = Messages("b")
    rds = [rd for rel, rd in mqtt_streams.stream("aidon")]
    assert m.meter_key(rds[0]) is None  # list 1, id not known yet
    for rd in rds:
        for x in m.reading(rd):
            pass
    key = m.meter_key(rds[0])
    assert key == AIDON_ID
    t, p, r = m.add_sensor(key, "running_hour_import", "Running hour import", "energy",
                           "{{ value_json.running.so_far_wh }}", "energy", "total", "Wh")
    assert t == "homeassistant/sensor/hanreader_%s/running_hour_import/config" % AIDON_ID and r is True
    c = json.loads(p)
    assert c["state_topic"] == m.topic(key, "energy") == "hanreader/meter/%s/energy" % AIDON_ID
    assert (c["device_class"], c["state_class"], c["unit_of_measurement"]) == ("energy", "total", "Wh")
    assert c["device"]["identifiers"] == ["hanreader_" + AIDON_ID] and c["device"]["model"] == "6534"
    assert c["unique_id"] == "hanreader_%s_running_hour_import" % AIDON_ID
    # Announced again with the meter's configs; replaced, not doubled, when added again.
    m.add_sensor(key, "running_hour_import", "Running hour import", "energy", "{{ 1 }}")
    again = [x for x in m.announce() if x[0] == t]
    assert len(again) == 1 and json.loads(again[0][1])["value_template"] == "{{ 1 }}"


if __name__ == "__main__":
    mptest.main(globals())
