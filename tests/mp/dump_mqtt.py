# Prints every MQTT message (topic, retain flag, payload) the shared module
# makes for the streams of mqtt_streams.py, one per line, so that
# tests/test_mqtt_messages.py can compare MicroPython's bytes with CPython's.
# Not a test module itself (no test_ prefix).
import mptest
import mqtt_streams
from protocols.decoder import Reader, decode_frame
from protocols.mqtt import Messages


def show(msgs):
    for topic, payload, retain in msgs:
        print("%s %d %s" % (topic, 1 if retain else 0, payload))


def main():
    for vendor in mqtt_streams.VENDORS:
        m = Messages("dump-" + vendor, sw_version="0.1.0", expire_after=90)
        show(m.connected())
        for rel, rd in mqtt_streams.stream(vendor):
            show(m.reading(rd))
        show(m.message(m.status_topic, b"online"))
        show([m.offline()])
    # A P1 telegram (DSMR 5.0: kW/kWh sent, W/Wh read; a gas meter in m3 -> "m\u00b3").
    m = Messages("p1", sw_version="0.1.0")
    r = Reader()
    for rd in r.feed(mptest.read_data("p1/dsmr50-iskra-mt382.txt")):
        show(m.reading(rd))
    # A ciphered push (SC 0x30, Kamstrup Omnipower, published test keys): the
    # state says "authenticated": true, then false without the
    # authentication key; no sensor is announced for it.
    import json

    from protocols.security import make_decryptor

    keys = json.loads(mptest.read_data("encrypted/keys.json"))["kamstrup-omnipower-dk-dlmsparser.hex"]
    frame = mptest.read_hex("encrypted/kamstrup-omnipower-dk-dlmsparser.hex")
    m = Messages("ciphered", sw_version="0.1.0")
    for ak in (keys["auth_key"], None):
        show(m.reading(decode_frame(frame, make_decryptor(keys["key"], ak))))
    keys = frame = None
    m = Messages("named", topic_prefix="home/han", discovery_prefix="ha", meter_name="House meter")
    for rel, rd in mqtt_streams.stream("aidon"):
        show(m.reading(rd))
    show([m.add_sensor("House_meter", "running_hour_import", "Running hour import", "energy",
                       "{{ value_json.so_far_wh }}", "energy", "total", "Wh")])
    show(m.announce())
    show([m.bridge_sensor("free_heap", "Free heap", "home/han/bridge/named/diag", "{{ value_json.heap }}",
                          "data_size", "measurement", "B")])


main()
