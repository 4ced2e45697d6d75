# mqttout.py: the dongle's MQTT publisher (issue #15), stepped from the main loop.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""What the dongle publishes: exactly the messages of ``protocols.mqtt``
(the host bridge's, byte for byte: state, availability with last will,
Home Assistant discovery) plus the dongle's own diagnostics as Home
Assistant diagnostic entities on its bridge device.

The client is micropython-lib's ``umqtt.simple`` (vendored unmodified in
``lib/umqtt/simple.py``). Why it and not the others, for flaky Wi-Fi and a
small heap:

* ``umqtt.robust`` retries inside ``publish`` with ``time.sleep`` until the
  broker is back: the UART loop would stall for as long as the outage
  lasts and the watchdog would reset the board;
* Peter Hinch's ``mqtt_as`` is the sturdiest asyncio client, but it runs
  the Wi-Fi itself (we need it for NTP and status too), holds an outgoing
  queue and several tasks, and its bytecode is about four times
  ``umqtt.simple``'s (which matters on an ESP32 without PSRAM running the
  ``.mpy`` bundle);
* ``umqtt.simple`` does one thing per call on one socket with a timeout,
  so every blocking wait is bounded (``TIMEOUT_S``) and all the sturdiness
  is ours, in this file: the loop owns the schedule (reconnect with
  backoff, never more than one connect per loop pass), a failed write
  drops the connection at once (no retry loops), and while the broker is
  away only the latest reading is kept (bounded memory) and published
  when it is back, after ``online`` and every discovery config again.

Messages go out at QoS 0: a QoS 1 publish would wait for the broker's
PUBACK inside the loop. Retained messages (availability, configs) are sent
again after every reconnection and when Home Assistant says ``online``,
so a lost one comes back. The last will (``offline``, retained) is QoS 1.
"""

import gc
import time

import status
from protocols.mqtt import Messages

TIMEOUT_S = 1.5  # socket timeout: the longest one wait for the broker may block the loop
CONNECT_TIMEOUT_S = 1.0  # the connect step waits twice (TCP handshake, CONNACK): 2 s at most
KEEPALIVE_S = 60
_BACKOFF_MS = (1000, 60000)
_REFUSED_MS = 60000  # wait after the broker refused the login (it will again)
_CONNACK = {
    1: "unacceptable protocol version",
    2: "client id rejected",
    3: "server unavailable",
    4: "bad user name or password: check mqtt_user and mqtt_password",
    5: "not authorised: check mqtt_user and mqtt_password",
}

# The dongle's own sensors: (key in the diagnostics JSON, name, device class,
# state class, unit). Home Assistant's sensor rules: a duration in s and a
# data size in B are measurements (uptime restarts at a reset:
# total_increasing), signal strength in dBm; counters only grow.
DIAG = (
    ("uptime_s", "Uptime", "duration", "total_increasing", "s"),
    ("free_heap", "Free heap", "data_size", "measurement", "B"),
    ("rssi", "Wi-Fi RSSI", "signal_strength", "measurement", "dBm"),
    ("frames", "Frames accepted", None, "total_increasing", None),
    ("checksum_errors", "Checksum errors", None, "total_increasing", None),
    ("lost_readings", "Readings lost", None, "total_increasing", None),
    ("serial", "Serial setting", None, None, None),
    ("version", "Firmware version", None, None, None),
)


def bridge_id(cfg):
    """The configured ``bridge_id``, else ``dongle-`` + the board's unique id."""
    if cfg["bridge_id"]:
        return cfg["bridge_id"]
    import machine

    try:
        uid = machine.unique_id()
    except Exception:
        uid = b"\x00"
    return "dongle-" + "".join("%02x" % b for b in uid)


_live = None  # the running publisher (for idle())


def idle():
    """True when nothing waits to be published (the simulator ends a replay
    only then): no publisher, or connected with no reading held."""
    m = _live
    return m is None or (m.client is not None and m.pending is None)


class Mqtt:
    """``state``: ``waiting`` (no Wi-Fi, or backoff), ``up``, ``refused``."""

    def __init__(self, app, net):
        global _live
        _live = self
        c = app.cfg
        self.app = app
        self.net = net
        self.host = c["mqtt_broker"]
        self.tls = c["mqtt_tls"]
        self.port = c["mqtt_port"] or (8883 if self.tls else 1883)
        self.user = c["mqtt_user"]
        self._password = c["mqtt_password"]
        self.msgs = Messages(bridge_id(c), topic_prefix=c["mqtt_topic_prefix"],
                             discovery_prefix=c["mqtt_discovery_prefix"], discovery=c["mqtt_discovery"],
                             sw_version=status.VERSION, bridge_model=app.board.get("name") or "dongle")
        self.client_id = "hanreader-" + self.msgs.bridge
        self.diag_topic = "%s/bridge/%s/diagnostics" % (self.msgs.topic_prefix, self.msgs.bridge)
        self.diag_ms = c["diag_s"] * 1000
        self.state = "waiting"
        self.client = None
        self._joining = None  # connected, not yet subscribed (the next loop pass does it)
        self.pending = None  # the latest reading not yet published (offline)
        self.published = 0
        self.replaced = 0  # readings replaced while offline (never published)
        self.connects = 0
        self.errors = 0
        self.oom = 0  # readings not published: out of memory while their messages were made
        self._esens = None  # protocols.energy.EnergySensors, with energy on
        self.line = Line()  # the app's last printed reading (the state payload)
        self._announce = False
        self._ms = _BACKOFF_MS[0]
        self._due = time.ticks_ms()
        self._ping = self._due
        self._diag = self._due
        self._said = None

    # -- events on USB ------------------------------------------------------------

    def _say(self, pairs, key=None):
        if key is not None:
            if key == self._said:
                return
            self._said = key
        self.app.event("mqtt", pairs)

    # -- the connection -------------------------------------------------------------

    def down(self, now):
        """Wi-Fi is down: drop the connection (the socket is dead anyway)."""
        j = self._joining
        if j is not None:
            self._joining = None
            _close(j)
        if self.client is not None:
            self._drop(now, "Wi-Fi down", quiet=True)

    def step(self, now):
        if self.client is None:
            j = self._joining
            if j is not None:
                self._joined(now, j)
            elif time.ticks_diff(now, self._due) >= 0:
                self._connect(now)
            return
        try:
            self._poll(now)
        except MemoryError:
            raise  # while making a message: nothing half sent, the connection stays (the app counts it)
        except Exception as e:
            self._drop(now, _text(e))

    def _connect(self, now):
        from umqtt.simple import MQTTClient, MQTTException

        ssl = None
        if self.tls:
            try:
                import mqtttls  # only with mqtt_tls: a dongle without TLS never loads it

                ssl = mqtttls.context()
            except (ValueError, OSError) as e:  # mqtt_ca.pem is not a certificate this port can read
                self.errors += 1
                self.state = "refused"
                self._due = time.ticks_add(now, _REFUSED_MS)
                self._say([("state", "refused"), ("broker", "%s:%d" % (self.host, self.port)),
                           ("error", "TLS: %s unusable (%s): put the broker's CA certificate there, PEM or DER"
                            % ("mqtt_ca.pem", e)), ("retry_s", _REFUSED_MS // 1000)], "tls-ca")
                return
        c = MQTTClient(self.client_id, self.host, self.port, user=self.user, password=self._password,
                       keepalive=KEEPALIVE_S, ssl=ssl)
        topic, payload = self.msgs.will
        c.set_last_will(topic, payload, retain=True, qos=1)
        c.set_callback(self._on_message)
        try:
            c.connect(timeout=CONNECT_TIMEOUT_S)
        except MQTTException as e:
            code = e.args[0] if e.args else 0
            _close(c)
            self.errors += 1
            self.state = "refused"
            self._due = time.ticks_add(now, _REFUSED_MS)
            self._say([("state", "refused"), ("broker", "%s:%d" % (self.host, self.port)),
                       ("error", "the broker refused the connection (code %s: %s)"
                        % (code, _CONNACK.get(code, "unknown"))), ("retry_s", _REFUSED_MS // 1000)],
                      "refused %s" % code)
            return
        except ValueError as e:
            _close(c)
            self.errors += 1
            if not self.tls:
                self._wait(now, _text(e))
                return
            # mbedTLS refused the broker's certificate: it will again.
            self.state = "refused"
            self._due = time.ticks_add(now, _REFUSED_MS)
            why = " ".join(str(e).split())
            self._say([("state", "refused"), ("broker", "%s:%d" % (self.host, self.port)),
                       ("error", "TLS: the broker's certificate was refused (%s): check %s and mqtt_broker "
                        "(the name or address in the certificate)" % (why, "mqtt_ca.pem")),
                       ("retry_s", _REFUSED_MS // 1000)], "tls " + why)
            return
        except Exception as e:
            _close(c)
            self.errors += 1
            self._wait(now, _text(e))
            return
        # Connected. The subscription waits for the broker again (its SUBACK):
        # at the next loop pass, so that no pass waits for the broker more than
        # the connect's two waits (TCP handshake and CONNACK, CONNECT_TIMEOUT_S
        # each): the UART buffer holds 2 s.
        self._joining = c

    def _joined(self, now, c):
        """The loop pass after the connect: subscribe to Home Assistant's
        status (one wait for the SUBACK, TIMEOUT_S), then announce."""
        self._joining = None
        try:
            c.subscribe(self.msgs.status_topic)
            # umqtt's wait_msg left the socket blocking with no timeout:
            # every later read and write is bounded by TIMEOUT_S again.
            self._raw(c).settimeout(TIMEOUT_S)
        except Exception as e:
            _close(c)
            self.errors += 1
            self._wait(now, _text(e))
            return
        self.client = c
        self.state = "up"
        self.connects += 1
        self._ms = _BACKOFF_MS[0]
        self._said = None
        self._ping = time.ticks_add(now, KEEPALIVE_S * 500)
        self._say([("state", "connected"), ("broker", "%s:%d" % (self.host, self.port)),
                   ("client_id", self.client_id)])
        try:
            self._send_all(self.msgs.connected())
            self._send_all(self._diag_configs())
            self._diagnostics(now)
            r = self.pending
            if r is not None:
                self.pending = None
                self._send_all(self.msgs.reading(r))
        except MemoryError:
            # Connected, some configs not sent: all of them again at the next pass.
            self._announce = True
            raise
        except Exception as e:
            self._drop(now, _text(e))

    def _wait(self, now, why):
        self.state = "waiting"
        wait = self._ms
        self._ms = min(self._ms * 2, _BACKOFF_MS[1])
        self._due = time.ticks_add(now, wait)
        self._say([("state", "down"), ("broker", "%s:%d" % (self.host, self.port)), ("error", why),
                   ("retry_s", wait // 1000)], why)

    def _drop(self, now, why, quiet=False):
        c = self.client
        self.client = None
        _close(c)
        if quiet:
            self.state = "waiting"
            self._due = now
            return
        self._wait(now, why)

    def _poll(self, now):
        c = self.client
        # Incoming: Home Assistant's "online", PINGRESP. check_msg leaves the
        # socket blocking without a timeout: put the timeout back.
        raw = self._raw(c)
        while _io(c.check_msg) is not None:
            raw.settimeout(TIMEOUT_S)
        raw.settimeout(TIMEOUT_S)
        if self._announce:
            self._announce = False
            try:
                self._send_all(self.msgs.announce())
            except MemoryError:
                self._announce = True  # again at the next pass (retained: what went out stays)
                raise
        if time.ticks_diff(now, self._ping) >= 0:
            self._ping = time.ticks_add(now, KEEPALIVE_S * 500)
            _io(c.ping)
        if self.diag_ms and time.ticks_diff(now, self._diag) >= 0:
            self._diagnostics(now)

    @staticmethod
    def _raw(c):
        """The TCP socket under the client: with TLS the plain one under the
        SSL socket (which has no ``settimeout``; TLS reads and writes go
        through the plain socket, so its timeout bounds them too)."""
        raw = getattr(c.ssl, "raw", None)  # mqtttls.Tls
        return raw if raw is not None else c.sock

    def _on_message(self, topic, payload):
        if topic == self.msgs.status_topic.encode() and payload == b"online":
            self._announce = True

    # -- publishing -------------------------------------------------------------------

    def _send_all(self, msgs):
        # One message made at a time (a discovery config is ~0.8 KB): sent
        # and dropped before the next is built.
        # A MemoryError while a message is made leaves the connection whole
        # (nothing of it was written); one inside the client is _Broken.
        c = self.client
        for topic, payload, retain in msgs:
            _io(c.publish, topic, payload, retain)
            self.published += 1
            payload = None

    def reading(self, r, line=None):
        """Publish a reading now, or keep it (the latest only) until connected.
        ``line``: ``self.line`` holding the reading's JSON text as just
        printed on USB (the state payload is those bytes), or None."""
        if self.client is None:
            if self.pending is not None:
                self.replaced += 1
            self.pending = r
            return
        try:
            self._send_all(self.msgs.reading(r, None if line is None else line.text()))
            if self.app.energy is not None:
                self._send_all(self._energy(r))
        except MemoryError:
            # Made in part, nothing half sent: the connection stays, this
            # reading is not published (the next one comes in 2 to 10 s).
            self.oom += 1
            raise
        except Exception as e:
            self.pending = r
            self._drop(time.ticks_ms(), _text(e))

    def _energy(self, r):
        """With ``energy`` on: the running hour, its projection, the month's
        capacity average, step and margin as sensors of the meter's device,
        the very messages of ``hanreader mqtt --energy`` (protocols.energy.
        EnergySensors over the dongle's accounting, fed before this)."""
        e = self.app.energy.energy
        s = self._esens
        if s is None or s.energy is not e:
            from protocols.energy import EnergySensors

            s = self._esens = EnergySensors(self.msgs, e, feed=False)
        return s.reading(r)

    def _diag_configs(self):
        m = self.msgs
        if not m.discovery:
            return
        for key, name, dc, sc, unit in DIAG:
            yield m.bridge_sensor(key, name, self.diag_topic, "{{ value_json.%s }}" % key, dc, sc, unit)

    def _diagnostics(self, now):
        self._diag = time.ticks_add(now, self.diag_ms or 3600000)
        a = self.app
        cnt = a.counters()
        gc.collect()
        payload = status.obj([
            ("uptime_s", a.uptime_s()),
            ("free_heap", gc.mem_free()),
            ("rssi", self.net.wifi.rssi()),
            ("frames", cnt.get("accepted", 0)),
            ("checksum_errors", cnt.get("hcs_errors", 0) + cnt.get("fcs_errors", 0) + cnt.get("checksum_errors", 0)),
            ("lost_readings", a.lost_readings),
            ("serial", a.detector.current),
            ("version", status.VERSION),
        ])
        _io(self.client.publish, self.diag_topic, payload, True)
        self.published += 1

    def status_pairs(self):
        return [("mqtt", self.state), ("mqtt_published", self.published), ("mqtt_connects", self.connects)]

    def close(self):
        global _live
        if _live is self:
            _live = None
        _close(self._joining)
        self._joining = None
        c = self.client
        self.client = None
        if c is not None:
            try:
                t, p, r = self.msgs.offline()
                c.publish(t, p, r)
                c.disconnect()
            except Exception:
                pass
            _close(c)


class Line:
    """The last reading's JSON text, as the app writes it to USB, in one
    buffer kept from reading to reading (made at the first, grown to the
    longest line, never shrunk): the state payload is these bytes, not a
    second ``to_json()`` (its pieces and the joined text: about 2.4 KB a
    Kaifa list 2 on 32 bits). ``n`` counts the lines started; ``whole`` is
    the number of the last one written to its end (a MemoryError may cut one)."""

    def __init__(self):
        self.buf = None
        self.n = 0
        self.whole = 0
        self.out = None
        self.write = self._write  # bound once: write_json calls it per piece

    def start(self, out):
        if self.buf is None:
            self.buf = bytearray(_LINE)
        self.buf[:] = b""  # empty, the room kept
        self.out = out
        self.n += 1

    def _write(self, s):
        self.out(s)
        self.buf.extend(s)  # a str's bytes (MicroPython's bytearray takes any buffer)

    def done(self):
        self.whole = self.n
        self.out = None

    def text(self):
        """The last line's bytes, or None if it was cut."""
        return self.buf if self.whole == self.n else None


_LINE = 2048  # Line's first room (a Kaifa list 2 with its receive time: about 1.4 KB)


class _Broken(Exception):
    """Out of memory inside the MQTT client: a packet may be half written or
    half read, so the stream is broken and the connection must go."""


def _io(fn, *args):
    try:
        return fn(*args)
    except MemoryError:
        raise _Broken("out of memory in the middle of an MQTT packet")


def _close(c):
    try:
        if c is not None and c.sock is not None:
            c.sock.close()
    except Exception:
        pass


def _text(e):
    """An exception as a short text (never holds a password: ours are not in messages)."""
    if isinstance(e, OSError) and e.args:
        n = e.args[0]
        return "connection error (OSError %s%s)" % (n, _ERRNO.get(n, ""))
    return "%s: %s" % (type(e).__name__, e)


_ERRNO = {-1: ": connection closed", 103: ": connection aborted", 104: ": connection reset",
          110: ": timed out", 111: ": connection refused", 113: ": no route to host",
          116: ": timed out", 128: ": not connected", 32: ": broken pipe", -2: ": host not found",
          -202: ": host not found", 11: ": timed out"}
