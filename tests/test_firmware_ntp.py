# tests/test_firmware_ntp.py: the dongle's clock from NTP (issue 15 item 1): "Time from NTP once
# online, so that readings of meters that send no clock (Aidon list 1) can carry one."
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The unmodified firmware on the MicroPython unix port (tools/firmware-replay), a Pico W on the
simulator's access point. The simulator's ``ntptime`` (firmware/sim/fakenetwork.py) sets nothing
(the unix port's clock is right already) and fails while the access point is away, as a real
query would; the firmware's own code decides when to ask and what a reading carries.

Capture: tests/captures/aidon/elwiz-list1.hex (an Aidon 6534 list 1: no meter clock, 512 W;
source yusijs/elwiz, libs/ams/src/lib/aidon.spec.ts)."""

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import test_firmware as tf

REPO = Path(__file__).resolve().parent.parent
REPLAY = REPO / "tools" / "firmware-replay"
LIST1 = REPO / "tests" / "captures" / "aidon" / "elwiz-list1.hex"
WIFI = {"wifi_ssid": "home-ap", "wifi_password": "wifi-secret-7391"}


def run(settings, *args):
    tf.need("unix")
    cfg = {"status_s": 0, "board": "pico-w"}
    cfg.update(settings)
    cmd = [sys.executable, str(REPLAY), str(LIST1), "--wifi", "home-ap:wifi-secret-7391", "--passes", "4",
           "--gap-ms", "300", "--timeout", "90", "--set", json.dumps(cfg), *args]
    r = subprocess.run(cmd, capture_output=True, timeout=150)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    return [json.loads(ln) for ln in r.stdout.decode().splitlines()]


def readings(lines):
    return [x for x in lines if "meter" in x]


def when(text):
    return datetime.fromisoformat(text)


def test_once_ntp_has_set_the_clock_a_list_1_reading_carries_received_at():
    before = datetime.now(timezone.utc)
    lines = run(dict(WIFI), "--start-ms", "1500")
    after = datetime.now(timezone.utc)
    ntp = [x for x in lines if x.get("event") == "ntp"]
    assert len(ntp) == 1 and ntp[0]["state"] == "synchronised"
    rs = readings(lines)
    assert len(rs) == 4
    for r in rs:
        assert r["time"] is None  # the meter sends no clock in list 1
        assert [(g["name"], g["value"], g["unit"]) for g in r["registers"]] == [("active_power_import", 512, "W")]
        at = when(r["received_at"])
        assert at.utcoffset().total_seconds() == 0
        assert before.replace(microsecond=0) <= at <= after
    stamps = [when(r["received_at"]) for r in rs]
    assert stamps == sorted(stamps) and stamps[-1] > stamps[0]
    # The key sits right after "time" (docs/reading-schema.md), the rest of the line as on the host.
    assert list(rs[0]) == ["meter", "time", "received_at", "registers"]
    # The host's line for the same frame is the dongle's without received_at.
    host = tf.host_lines(tf.capture.load(str(LIST1)))
    assert json.dumps({k: v for k, v in rs[0].items() if k != "received_at"}) == host[0]


def test_without_ntp_or_before_the_clock_is_set_no_time_is_invented():
    # NTP turned off: no query, no received_at.
    lines = run(dict(WIFI, ntp=False), "--start-ms", "1500")
    assert not [x for x in lines if x.get("event") == "ntp"]
    assert len(readings(lines)) == 4 and all("received_at" not in r for r in readings(lines))
    # A Wi-Fi password the access point refuses: never online, the clock never set, and the
    # readings keep coming without a time of the dongle's own.
    lines = run(dict(WIFI, wifi_password="not-the-password"), "--start-ms", "1500")
    assert [x["state"] for x in lines if x.get("event") == "wifi"][:1] == ["down"]
    assert not [x for x in lines if x.get("event") == "ntp" and x.get("state") == "synchronised"]
    assert len(readings(lines)) == 4 and all("received_at" not in r for r in readings(lines))
