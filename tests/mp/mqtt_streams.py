# The capture streams the MQTT message tests feed (tests/mp/test_mqtt_mp.py on
# MicroPython and CPython, tests/mp/dump_mqtt.py for the byte parity check,
# tests/test_mqtt_*.py against a real broker). Not a test module itself.
#
# Each stream is what one bridge reads, in order: list 1 before the meter id
# is known (held), list 2 (id learned), list 1 again, list 3; the Kamstrup
# stream adds a second meter (its list 1 carries the id). Captures: see the
# README of each folder for the source of every frame.
import mptest
from protocols.decoder import Reader

STREAMS = {
    "aidon": ("aidon/elwiz-list1.hex", "aidon/elwiz-list2-6534.hex", "aidon/elwiz-list1.hex",
              "aidon/elwiz-list3-6534.hex"),
    "kaifa": ("kaifa/gh493-2.hex", "kaifa/elwiz-list2-ma304h4.hex", "kaifa/gh493-2.hex",
              "kaifa/elwiz-list3-ma304h4.hex"),
    "kamstrup": ("kamstrup/gh239-1.hex", "kamstrup/gh239-2.hex", "kamstrup/amshan-no-list1-1ph.hex",
                 "kamstrup/amshan-no-list2-1ph.hex"),
}
VENDORS = ("aidon", "kaifa", "kamstrup")


def readings(rel):
    """The readings of one capture file (decoded by the device's Reader)."""
    r = Reader()
    out = r.feed(mptest.read_hex(rel))
    r.flush()
    return out


def stream(vendor):
    """(file, reading) pairs of a vendor's stream, in order."""
    out = []
    for rel in STREAMS[vendor]:
        for rd in readings(rel):
            out.append((rel, rd))
    return out
