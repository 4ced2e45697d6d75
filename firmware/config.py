# config.py: the dongle's settings, a JSON file on flash, validated key by key.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Defaults here, overrides in ``hanreader.json`` on flash.

    cfg = Config.load()          # defaults + file (bad file entries ignored)
    changed = cfg.update({"raw": True})   # ValueError with a clear message
    cfg.save()                   # atomic: write a temporary file, rename

Secrets (``key``, ``auth_key`` and, later, Wi-Fi and MQTT passwords) are
stored like any value but never shown: ``public()`` masks them and no error
message ever contains a value of a secret key.
"""

import json
import os

from detect import DEFAULT_ORDER, parse

FILE = "hanreader.json"
_TMP = "hanreader.json.tmp"
MASK = "<set>"

# name: default. Order of ``KEYS`` is the order of ``public()`` output.
DEFAULTS = {
    "board": None,  # profile name (hardware/boards/<name>.json), None: by os.uname()
    "serial": None,  # detected or chosen setting, e.g. "2400-8E1"
    "autodetect": True,  # try other settings when ``serial`` yields no frame
    "detect_order": list(DEFAULT_ORDER),
    "dwell_s": 12,  # per setting while detecting
    "redetect_s": 60,  # without a verified frame before detecting again
    "status_s": 60,  # status line period, 0: only on request
    "raw": False,  # also print each verified frame as hex
    "key": None,  # AES-128 encryption key, 32 hex digits (secret)
    "auth_key": None,  # AES-128 authentication key, 32 hex digits (secret)
    "uart": None,  # overrides of the board profile
    "rx_pin": None,
    "tx_pin": None,
    "invert": None,  # None: the board's default
    "wdt_s": 8,  # watchdog timeout; 0: off (development only)
    "stable_s": 60,  # uptime after which a boot counts as good
    "safe_boots": 4,  # bad boots in a row before safe mode
    # Wi-Fi and MQTT (issue #15; boards with Wi-Fi: ESP32 family, Pico W)
    "wifi_ssid": None,  # None: no Wi-Fi (the network code is never loaded)
    "wifi_password": None,  # secret; None: an open network
    "ntp": True,  # set the clock from NTP once online (readings get received_at)
    "ntp_host": "pool.ntp.org",
    "mqtt_broker": None,  # host name or IP address; None: no MQTT
    "mqtt_port": 0,  # 0: 1883, or 8883 with mqtt_tls
    "mqtt_user": None,
    "mqtt_password": None,  # secret
    "mqtt_tls": False,  # TLS (certificate checked against mqtt_ca.pem on flash if present)
    "mqtt_topic_prefix": "hanreader",
    "mqtt_discovery_prefix": "homeassistant",
    "mqtt_discovery": True,  # Home Assistant discovery configs
    "bridge_id": None,  # this dongle in topics; None: "dongle-" + the board's unique id
    "diag_s": 60,  # diagnostics (uptime, heap, RSSI, ...) period on MQTT
}
KEYS = (
    "board",
    "serial",
    "autodetect",
    "detect_order",
    "dwell_s",
    "redetect_s",
    "status_s",
    "raw",
    "key",
    "auth_key",
    "uart",
    "rx_pin",
    "tx_pin",
    "invert",
    "wdt_s",
    "stable_s",
    "safe_boots",
    "wifi_ssid",
    "wifi_password",
    "ntp",
    "ntp_host",
    "mqtt_broker",
    "mqtt_port",
    "mqtt_user",
    "mqtt_password",
    "mqtt_tls",
    "mqtt_topic_prefix",
    "mqtt_discovery_prefix",
    "mqtt_discovery",
    "bridge_id",
    "diag_s",
)
# Settings the network code reads (App.set_network applies them).
NETWORK = KEYS[17:]
SECRETS = ("key", "auth_key", "wifi_password", "mqtt_password")


def is_secret(name):
    return name in SECRETS or name.endswith("_password") or name.endswith("_key")


def _kind(v):
    if v is None:
        return "null"
    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return "an integer"
    if t is float:
        return "a number"
    if t is str:
        return "a string"
    if t is list:
        return "a list"
    if t is dict:
        return "an object"
    return "a value"


def _int(name, v, lo, hi, zero=False):
    if type(v) is not int:
        raise ValueError("%s: expected an integer from %d to %d%s, found %s"
                         % (name, lo, hi, " (or 0 for off)" if zero else "", _kind(v)))
    if zero and v == 0:
        return v
    if v < lo or v > hi:
        raise ValueError("%s: expected an integer from %d to %d%s, found %d"
                         % (name, lo, hi, " (or 0 for off)" if zero else "", v))
    return v


def _bool(name, v, null=False):
    if type(v) is bool or (null and v is None):
        return v
    raise ValueError("%s: expected true or false%s, found %s" % (name, " or null" if null else "", _kind(v)))


def _hexkey(name, v):
    """32 hex digits; the message never contains the value (it is a secret)."""
    if v is None:
        return None
    if type(v) is not str:
        raise ValueError("%s: expected 32 hex digits (a 16-byte AES key) or null, found %s" % (name, _kind(v)))
    if len(v) != 32:
        raise ValueError("%s: expected 32 hex digits (a 16-byte AES key), found %d characters" % (name, len(v)))
    for i in range(32):
        if v[i] not in "0123456789abcdefABCDEF":
            raise ValueError("%s: expected 32 hex digits, found a non-hex character at position %d" % (name, i + 1))
    return v.upper()


def _pin(name, v):
    if v is None:
        return None
    if type(v) is int and 0 <= v <= 48:
        return v
    if type(v) is str and 0 < len(v) <= 8:
        return v  # named pins, e.g. "LED" on the Pico W
    raise ValueError("%s: expected a GPIO number from 0 to 48, a pin name or null, found %s" % (name, _kind(v)))


def _name(name, v, null=True):
    if v is None and null:
        return v
    if type(v) is not str or not 0 < len(v) <= 32:
        raise ValueError("%s: expected a name of 1 to 32 characters%s, found %s" % (name, " or null" if null else "", _kind(v)))
    for ch in v:
        if not (ch.isalpha() or ch.isdigit() or ch in "-_"):
            raise ValueError("%s: expected letters, digits, '-' and '_' only" % name)
    return v


def _text(name, v, lo, hi, null=True, what="characters"):
    """A text of ``lo``..``hi`` characters; the message never quotes it (it
    may be a secret)."""
    if v is None and null:
        return v
    if type(v) is not str:
        raise ValueError("%s: expected a text of %d to %d %s%s, found %s"
                         % (name, lo, hi, what, " or null" if null else "", _kind(v)))
    if not lo <= len(v) <= hi:
        raise ValueError("%s: expected a text of %d to %d %s%s, found %d characters"
                         % (name, lo, hi, what, " or null" if null else "", len(v)))
    for i in range(len(v)):
        if ord(v[i]) < 32 or v[i] == "\x7f":
            raise ValueError("%s: expected printable characters, found a control character at position %d"
                             % (name, i + 1))
    return v


def _host(name, v):
    v = _text(name, v, 1, 64)
    if v is not None:
        for ch in v:
            if not (ch.isalpha() or ch.isdigit() or ch in "-._:"):
                raise ValueError("%s: expected a host name or an IP address (letters, digits, '-', '.', ':')" % name)
    return v


def _prefix(name, v):
    v = _text(name, v, 1, 64, null=False)
    if "+" in v or "#" in v or v[0] == "/" or v[-1] == "/":
        raise ValueError("%s: expected topic levels like 'hanreader' (no '+', '#', leading or trailing '/')" % name)
    return v


def _setting(name, v, null=True):
    if v is None and null:
        return v
    try:
        parse(v)
    except ValueError as e:
        raise ValueError("%s: %s" % (name, e))
    return v


def validate(name, v):
    """The value to store for ``name`` or ValueError with a clear message."""
    if name == "board":
        return _name(name, v)
    if name == "serial":
        return _setting(name, v)
    if name == "autodetect" or name == "raw":
        return _bool(name, v)
    if name == "invert":
        return _bool(name, v, null=True)
    if name == "detect_order":
        if type(v) is not list or not 1 <= len(v) <= 16:
            raise ValueError("detect_order: expected a list of 1 to 16 settings, found %s" % _kind(v))
        seen = []
        for s in v:
            _setting("detect_order", s, null=False)
            if s in seen:
                raise ValueError("detect_order: %s is listed twice" % s)
            seen.append(s)
        return seen
    if name == "dwell_s":
        return _int(name, v, 3, 600)
    if name == "redetect_s":
        return _int(name, v, 10, 86400)
    if name == "status_s":
        return _int(name, v, 5, 86400, zero=True)
    if name == "key" or name == "auth_key":
        return _hexkey(name, v)
    if name == "uart":
        if v is None:
            return v
        return _int(name, v, 0, 2)
    if name == "rx_pin" or name == "tx_pin":
        return _pin(name, v)
    if name == "wdt_s":
        return _int(name, v, 2, 8, zero=True)
    if name == "stable_s":
        return _int(name, v, 10, 3600)
    if name == "safe_boots":
        return _int(name, v, 2, 20)
    if name == "wifi_ssid":
        return _text(name, v, 1, 32)
    if name == "wifi_password":
        return _text(name, v, 8, 63)  # WPA2: 8 to 63 characters
    if name == "ntp" or name == "mqtt_tls" or name == "mqtt_discovery":
        return _bool(name, v)
    if name == "ntp_host" or name == "mqtt_broker":
        return _host(name, v)
    if name == "mqtt_port":
        return _int(name, v, 1, 65535, zero=True)
    if name == "mqtt_user":
        return _text(name, v, 1, 64)
    if name == "mqtt_password":
        return _text(name, v, 1, 128)
    if name == "mqtt_topic_prefix" or name == "mqtt_discovery_prefix":
        return _prefix(name, v)
    if name == "bridge_id":
        return _name(name, v)
    if name == "diag_s":
        return _int(name, v, 10, 86400, zero=True)
    known = name if len(name) <= 32 else name[:32] + "..."
    raise ValueError("unknown setting \"%s\" (known: %s)" % (known, ", ".join(KEYS)))


class Config:
    """The settings: ``cfg["raw"]``, ``cfg.update({...})``, ``cfg.save()``."""

    def __init__(self, values=None, path=FILE):
        self.path = path
        self.values = {}
        for k in KEYS:
            d = DEFAULTS[k]
            self.values[k] = list(d) if type(d) is list else d
        self.problems = []  # messages about ignored file entries
        if values:
            for k in values:
                try:
                    self.values[k] = validate(k, values[k])
                except ValueError as e:
                    self.problems.append("%s: ignored (%s)" % (self.path, e))

    @classmethod
    def load(cls, path=FILE):
        try:
            f = open(path)
        except OSError:
            try:
                f = open(_TMP)  # power lost between remove and rename in save()
            except OSError:
                return cls(None, path)
        try:
            data = json.load(f)
        except ValueError:
            c = cls(None, path)
            c.problems.append("%s: not valid JSON, defaults used" % path)
            return c
        finally:
            f.close()
        if type(data) is not dict:
            c = cls(None, path)
            c.problems.append("%s: expected a JSON object, defaults used" % path)
            return c
        return cls(data, path)

    @classmethod
    def of(cls, values, path=FILE):
        """A Config over an existing settings dict (shared, not copied)."""
        c = cls(None, path)
        c.values = values
        return c

    def __getitem__(self, name):
        return self.values[name]

    def update(self, changes):
        """Validate every change first, then apply all; return the changed names."""
        if type(changes) is not dict or not changes:
            raise ValueError("set: expected an object of settings, e.g. {\"set\": {\"raw\": true}}")
        new = {}
        for k in changes:
            new[k] = validate(k, changes[k])
        changed = []
        for k in sorted(new):
            if self.values.get(k) != new[k]:
                self.values[k] = new[k]
                changed.append(k)
        return changed

    def reset(self, names):
        """Back to the defaults for ``names``; return the changed names."""
        if type(names) is str:
            names = [names]
        if type(names) is not list or not names:
            raise ValueError("unset: expected a setting name or a list of names")
        for k in names:
            if type(k) is not str or k not in DEFAULTS:
                raise ValueError("unset: unknown setting %s (known: %s)" % (_kind(k) if type(k) is not str else '"%s"' % k[:32], ", ".join(KEYS)))
        changes = {}
        for k in names:
            d = DEFAULTS[k]
            changes[k] = list(d) if type(d) is list else d
        changed = []
        for k in sorted(changes):
            if self.values[k] != changes[k]:
                self.values[k] = changes[k]
                changed.append(k)
        return changed

    def save(self):
        save(self.values, self.path)

    def public(self):
        """JSON text of every setting, in ``KEYS`` order, secrets masked."""
        parts = []
        for k in KEYS:
            v = self.values[k]
            if is_secret(k) and v is not None:
                v = MASK
            parts.append('"%s": %s' % (k, json.dumps(v)))
        return "{" + ", ".join(parts) + "}"


def save(values, path=FILE):
    """Write the values that differ from the defaults, atomically."""
    out = {}
    for k in KEYS:
        if values[k] != DEFAULTS[k]:
            out[k] = values[k]
    with open(_TMP, "w") as f:
        json.dump(out, f)
    try:
        os.remove(path)
    except OSError:
        pass
    os.rename(_TMP, path)
