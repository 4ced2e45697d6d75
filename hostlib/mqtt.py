# hostlib/mqtt.py: publish readings to an MQTT broker, with Home Assistant discovery.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Readings to MQTT (docs/home-assistant.md): the host side of the messages
that ``protocols.mqtt`` makes (the dongle sends the very same bytes).

    from hostlib import HanReader, open_source
    from hostlib.mqtt import MqttBridge

    with MqttBridge("mqtt://homeassistant.local", username="han",
                    password=os.environ["HANREADER_MQTT_PASSWORD"]) as bridge:
        for reading in HanReader(open_source("/dev/ttyUSB0")):
            bridge.publish(reading)          # never blocks, never raises for the broker

    # asyncio: the same, awaitable
    async with AsyncMqttBridge("mqtts://broker:8883", ca_file="ca.pem") as bridge:
        async for reading in AsyncHanReader(...):
            await bridge.publish(reading)

The first connection is checked: a bad URL, a refused connection, a wrong
user name or password, a TLS failure raise ``MqttError`` (one line for the
user, ``kind`` and ``hint``; the password is in no message). After that the
broker may come and go: the client reconnects with backoff (1 s doubling to
30 s), ``on_event`` hears ``lost`` once per outage and ``connected`` when it
is back, readings keep being accepted, only the latest state of each meter
and list is kept meanwhile (bounded), and on reconnection ``online``, every
discovery config and those states are published.

Client: paho-mqtt 2.x, the Eclipse reference client: kept up to date, MQTT
3.1.1 and 5, TLS with client certificates, last will, and reconnection with
backoff in its own network thread. aiomqtt (the asyncio client) is itself a
wrapper around paho; using paho directly gives one code path for the sync and
the asyncio API (``publish`` only queues, so the asyncio side never blocks
its loop), and no second dependency.
"""

import os
import queue
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Literal, Optional, Tuple, Union, cast
from urllib.parse import urlsplit

from protocols import __version__
from protocols.mqtt import Messages
from protocols.reading import Reading

if TYPE_CHECKING:
    from protocols.energy import Energy

    from .energy import Accountant

PASSWORD_ENV = "HANREADER_MQTT_PASSWORD"
DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
# States kept while the broker is away: the latest per meter and list
# (keyed by the number of registers: a meter's lists differ in length).
MAX_PENDING = 64
# Readings waiting for the publisher thread (a burst from a file replay);
# beyond this, publish() waits for room rather than grow without bound.
QUEUE_SIZE = 1000
# Longest wait for the publisher thread to take up a new connection.
READY_TIMEOUT = 120


class MqttError(Exception):
    """The broker cannot be used. ``str(err)`` is one line for the user."""

    def __init__(self, kind: str, message: str, hint: Optional[str] = None) -> None:
        Exception.__init__(self, message)
        self.kind = kind  # url, refused, dns, timeout, auth, tls, io
        self.message = message
        self.hint = hint

    def __str__(self):
        return self.message + ("; hint: " + self.hint if self.hint else "")


def parse_broker_url(url: str) -> Tuple[str, int, bool, Optional[str]]:
    """``mqtt://HOST[:PORT]`` or ``mqtts://HOST[:PORT]`` -> (host, port, tls, username or None).

    A password in the URL is refused (it would show in process lists and
    shell histories): give it through the environment or a file.
    """
    hint = "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (TLS), e.g. mqtt://192.168.1.10:1883"
    try:
        u = urlsplit(url)
        port = u.port
    except ValueError:
        raise MqttError("url", "bad broker URL %r" % _no_secret(url), hint) from None
    if u.scheme not in DEFAULT_PORTS:
        raise MqttError("url", "bad broker URL %r: unknown scheme %r" % (_no_secret(url), u.scheme), hint)
    if u.password is not None:
        raise MqttError("url", "the broker URL carries a password: it is never taken on the command line",
                        "set %s or use --password-file" % PASSWORD_ENV)
    if not u.hostname:
        raise MqttError("url", "bad broker URL %r: no host" % _no_secret(url), hint)
    if u.path not in ("", "/") or u.query or u.fragment:
        raise MqttError("url", "bad broker URL %r: a broker URL has no path" % _no_secret(url), hint)
    return u.hostname, port or DEFAULT_PORTS[u.scheme], u.scheme == "mqtts", u.username or None


def _no_secret(url):
    """The URL without any user-info part (which could hold a password)."""
    s = str(url)
    at = s.rfind("@")
    if at < 0:
        return s
    scheme = s.find("://")
    return (s[: scheme + 3] if scheme >= 0 else "") + "***@" + s[at + 1 :]


def read_password(file: Optional[str] = None, env: str = PASSWORD_ENV) -> Optional[str]:
    """The password from ``file`` (first line) or else the environment, or None."""
    if file:
        try:
            with open(file, encoding="utf-8") as f:
                line = f.readline()
        except OSError as e:
            raise MqttError("io", "cannot read the password file %s: %s" % (file, e.strerror or e)) from None
        return line.rstrip("\r\n")
    return os.environ.get(env) or None


def default_bridge_id() -> str:
    return "host-" + (socket.gethostname().split(".")[0] or "unknown")


class MqttBridge:
    """Publishes readings (state, availability, discovery) to one broker.

    ``broker``: ``mqtt://HOST[:PORT]`` or ``mqtts://HOST[:PORT]``.
    ``username``/``password``: the login (the password is never logged).
    ``ca_file``, ``cert_file``, ``key_file``: TLS: the broker's CA (default:
    the system's), a client certificate and its key.
    ``client_id``: the MQTT client id (default ``hanreader-<bridge id>``).
    ``bridge_id``: names the bridge in topics (default ``host-<hostname>``).
    ``topic_prefix``, ``discovery_prefix``, ``discovery``, ``meter_name``,
    ``expire_after``: see ``protocols.mqtt.Messages``.
    ``on_event(kind, message)``: ``connected``, ``lost`` (once per outage),
    ``reconnected``, ``error`` (once: something could not be published).
    ``extras``: more publishers beside the readings' own messages (e.g. the
    energy accounting's sensors): factories called once with this bridge's
    ``protocols.mqtt.Messages``, each returning an object with generators
    ``reading(reading)`` (after each reading's messages) and ``announce()``
    (on every connection and on Home Assistant's ``online``), both of
    ``(topic, payload, retain)``.
    """

    def __init__(self, broker: str = "mqtt://localhost", *, username: Optional[str] = None,
                 password: Optional[str] = None, ca_file: Optional[str] = None, cert_file: Optional[str] = None,
                 key_file: Optional[str] = None, client_id: Optional[str] = None, bridge_id: Optional[str] = None,
                 topic_prefix: str = "hanreader", discovery_prefix: str = "homeassistant", discovery: bool = True,
                 meter_name: Optional[str] = None, expire_after: Optional[int] = 60, keepalive: int = 30,
                 connect_timeout: float = 10.0, on_event: Optional[Callable[[str, str], Any]] = None,
                 extras: Iterable[Callable[[Messages], Any]] = (),
                 energy: "Union[Energy, Accountant, None]" = None) -> None:
        import paho.mqtt.client as paho  # here: importing hostlib does not need paho

        self.host, self.port, self.tls, url_user = parse_broker_url(broker)
        self.where = "%s:%d" % (self.host, self.port)
        if (cert_file or key_file or ca_file) and not self.tls:
            raise MqttError("url", "--ca-file, --client-cert and --client-key need an mqtts:// broker URL",
                            "use mqtts://%s:8883" % self.host)
        self.username = username or url_user
        self.connect_timeout = connect_timeout
        self.keepalive = keepalive
        self.on_event = on_event or (lambda kind, message: None)
        self.bridge_id = bridge_id or default_bridge_id()
        try:
            self.msgs = Messages(self.bridge_id, topic_prefix=topic_prefix, discovery_prefix=discovery_prefix,
                                 discovery=discovery, meter_name=meter_name, expire_after=expire_after,
                                 sw_version=__version__, bridge_model="host bridge")
        except ValueError as e:
            raise MqttError("url", str(e)) from None
        self.extras = [make(self.msgs) for make in extras]
        # ``energy``: the running hour, the month's capacity average, step and
        # margin as sensors too (docs/energy.md), published as an extra. A
        # protocols.energy.Energy (in memory), or a hostlib.energy.Accountant,
        # whose hours and state are kept in SQLite (a restart loses nothing).
        self.energy = None
        if energy is not None:
            from protocols.energy import EnergySensors

            core = cast("Energy", getattr(energy, "energy", energy))
            feeder = energy if core is not energy else None
            self.energy = EnergySensors(self.msgs, core, feed=feeder is None)
            self.extras.append(_Timed(self.energy, feeder))
        self.client_id = client_id or ("hanreader-" + self.msgs.bridge)
        self._paho = paho
        c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=True,
                        protocol=paho.MQTTv311)
        topic, payload = self.msgs.will
        c.will_set(topic, payload, qos=1, retain=True)
        if self.username is not None or password is not None:
            c.username_pw_set(self.username or "", password)
        if self.tls:
            try:
                c.tls_set(ca_certs=ca_file, certfile=cert_file, keyfile=key_file,
                          cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
            except (OSError, ssl.SSLError, ValueError) as e:
                raise MqttError("tls", "cannot load the TLS files: %s" % _ssl_text(e),
                                "--ca-file is the broker's CA in PEM; --client-cert/--client-key a PEM pair") from None
        c.reconnect_delay_set(1, 30)
        c.max_queued_messages_set(QUEUE_SIZE)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        self.client = c
        self._events: "queue.Queue[Tuple[Any, ...]]" = queue.Queue(QUEUE_SIZE)
        self._first = threading.Event()
        self._ready = threading.Event()
        self._first_rc = None
        self.connected = False
        self._ever = False
        self._lost_said = False
        self.pending: Dict[Tuple[str, int], Tuple[str, Any, bool]] = {}  # (state topic, registers) -> payload, insertion order = age
        self.published = 0
        self.dropped_states = 0
        self.errors = 0  # events the publisher could not handle (reported once)
        self._last_info = None
        self._worker: Optional[threading.Thread] = None
        self._closing = False
        self._idle = threading.Condition()
        self._busy = 0

    # -- connection -----------------------------------------------------------------
    def connect(self) -> "MqttBridge":
        """Connect (raises ``MqttError`` if the broker cannot be used) and
        start publishing. Later losses are survived."""
        c = self.client
        try:
            c.connect(self.host, self.port, keepalive=self.keepalive)
        except ssl.SSLError as e:
            raise MqttError("tls", "TLS with the broker at %s failed: %s" % (self.where, _ssl_text(e)),
                            "give the broker's CA with --ca-file (and a client certificate if it asks for one)") from None
        except ConnectionRefusedError:
            raise MqttError("refused", "the broker at %s refused the connection" % self.where,
                            "is the broker running and listening on that port?") from None
        except socket.gaierror as e:
            raise MqttError("dns", "cannot resolve the broker host %r: %s" % (self.host, e.strerror or e),
                            "check the host name in --broker") from None
        except (socket.timeout, TimeoutError):
            raise MqttError("timeout", "no answer from the broker at %s" % self.where,
                            "check the address and any firewall") from None
        except OSError as e:
            raise MqttError("io", "cannot connect to the broker at %s: %s" % (self.where, e.strerror or e),
                            "check the address in --broker") from None
        self._worker = threading.Thread(target=self._work, name="hanreader-mqtt", daemon=True)
        self._worker.start()
        c.loop_start()
        if not self._first.wait(self.connect_timeout):
            self._stop_loop()
            raise MqttError("timeout", "the broker at %s did not answer the MQTT connect within %g s"
                            % (self.where, self.connect_timeout),
                            "is it an MQTT port (mqtts:// for a TLS port)?")
        rc = self._first_rc
        if rc is not None and rc.is_failure:
            self._stop_loop()
            text = str(rc)
            if rc.value in (4, 5, 134, 135):  # bad user name or password / not authorised
                raise MqttError("auth", "the broker at %s refused the login: %s" % (self.where, text.lower()),
                                "check --username and the password (%s or --password-file)" % PASSWORD_ENV)
            raise MqttError("refused", "the broker at %s refused the connection: %s" % (self.where, text.lower()))
        # Return once the publisher thread has sent online and the configs:
        # ``connected`` is then True. This is a hand-off between our own
        # threads, not a wait for the network, so it is not cut short by
        # connect_timeout (a loaded machine may take seconds to schedule
        # the thread); the bound only keeps a wedged thread from hanging us.
        if not self._ready.wait(READY_TIMEOUT):
            self._stop_loop()
            raise MqttError("timeout", "connected to the broker at %s, but the publisher thread did not start "
                            "within %d s" % (self.where, READY_TIMEOUT), "is the machine overloaded?")
        return self

    def _stop_loop(self):
        try:
            self.client.disconnect()
        except Exception:  # noqa: BLE001 - best effort
            pass
        self.client.loop_stop()
        self._closing = True
        self._put(("stop",))

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        if not self._first.is_set():
            self._first_rc = rc
            self._first.set()
            if rc.is_failure:
                return
        elif rc.is_failure:
            return
        self._put(("connected",))

    def _on_disconnect(self, client, userdata, flags, rc, properties=None):
        self._put(("lost", str(rc)))

    def _on_message(self, client, userdata, msg):
        self._put(("message", msg.topic, bytes(msg.payload)))

    def _put(self, item):
        try:
            self._events.put(item, timeout=5)
        except queue.Full:  # the publisher is stuck: lose the event, not the process
            pass

    # -- publishing -------------------------------------------------------------------
    def publish(self, reading: Reading) -> None:
        """Queue one reading (never blocks long, never raises for the broker)."""
        with self._idle:
            self._busy += 1
        self._events.put(("reading", reading))

    def _send(self, msg, qos):
        topic, payload, retain = msg
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        self._last_info = info
        self.published += 1
        return info

    def _work(self):
        while True:
            ev = self._events.get()
            kind = ev[0]
            try:
                if kind == "stop":
                    return
                if kind == "reading":
                    self._reading(ev[1])
                elif kind == "connected":
                    try:
                        self._connected()
                    finally:
                        self._ready.set()  # connect() returns even if a config could not be sent
                elif kind == "lost":
                    self._lost(ev[1])
                elif kind == "message":
                    if self.connected:
                        n = 0
                        for msg in self.msgs.message(ev[1], ev[2]):
                            n += 1
                            self._send(msg, 1)
                        if n:  # Home Assistant is back: the extras' configs too
                            for x in self.extras:
                                for msg in x.announce():
                                    self._send(msg, 1)
            except Exception as e:  # noqa: BLE001 - one bad event must not stop the publishing
                self.errors += 1
                if self.errors == 1:
                    self.on_event("error", "could not publish (%s: %s); going on" % (type(e).__name__, e))
            finally:
                if kind == "reading":
                    with self._idle:
                        self._busy -= 1
                        self._idle.notify_all()

    def _reading(self, reading):
        for msg in self._reading_messages(reading):
            if self.connected:
                self._send(msg, 1 if msg[2] else 0)
            elif not msg[2]:
                # Offline: the configs are sent again on reconnection; of the
                # states only the latest per meter and list is kept.
                # (The extras' states: the latest per topic.)
                key = (msg[0], len(reading.registers) if msg[0].endswith("/state") else 0)
                if key in self.pending:
                    del self.pending[key]
                    self.dropped_states += 1
                elif len(self.pending) >= MAX_PENDING:
                    del self.pending[next(iter(self.pending))]
                    self.dropped_states += 1
                self.pending[key] = msg

    def _reading_messages(self, reading):
        for msg in self.msgs.reading(reading):
            yield msg
        for x in self.extras:
            for msg in x.reading(reading):
                yield msg

    def _connected(self):
        self.connected = True
        self.client.subscribe(self.msgs.status_topic, qos=1)
        for msg in self.msgs.connected():
            self._send(msg, 1)
        for x in self.extras:
            for msg in x.announce():
                self._send(msg, 1)
        pending = list(self.pending.values())
        self.pending.clear()
        for msg in pending:
            self._send(msg, 0)
        self._ready.set()
        if not self._ever:
            self._ever = True
            self.on_event("connected", "connected to the broker at %s" % self.where)
        elif self._lost_said:
            self._lost_said = False
            self.on_event("reconnected", "reconnected to the broker at %s (%d state%s kept while away sent)"
                          % (self.where, len(pending), "" if len(pending) == 1 else "s"))

    def _lost(self, why):
        was = self.connected
        self.connected = False
        if self._closing or not self._ever:
            return
        if was and not self._lost_said:
            self._lost_said = True
            self.on_event("lost", "lost the broker at %s (%s); reconnecting with backoff, readings go on and "
                          "the latest state of each meter is kept" % (self.where, why.lower()))

    # -- the end ----------------------------------------------------------------------
    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued reading is handed to the socket (``--fast``)."""
        end = time.monotonic() + timeout
        with self._idle:
            while self._busy and time.monotonic() < end:
                self._idle.wait(0.1)
        info = self._last_info
        if info is not None and self.connected:
            try:
                info.wait_for_publish(max(0.1, end - time.monotonic()))
            except (RuntimeError, ValueError):
                pass
        return not self._busy

    def close(self, timeout: float = 5.0) -> None:
        """Send ``offline`` (retained), disconnect, stop the threads."""
        if self._worker is None:
            return
        self.flush(timeout)
        self._closing = True
        if self.connected:
            try:
                info = self.client.publish(*self.msgs.offline()[:2], qos=1, retain=True)
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                pass
        try:
            self.client.disconnect()
        except Exception:  # noqa: BLE001 - best effort at the end
            pass
        self.client.loop_stop()
        self._put(("stop",))
        self._worker.join(timeout)
        self._worker = None
        self.connected = False

    def __enter__(self) -> "MqttBridge":
        if self._worker is None:
            self.connect()
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        self.close()
        return False


class _Timed:
    """An extra whose ``reading`` also takes the receive time (EnergySensors)."""

    def __init__(self, inner, feeder=None):
        self.inner = inner
        self.feeder = feeder  # an Accountant fed first (it stores hours and state), or None

    def reading(self, reading):
        # The reading's own receive time when it has one (a recording's
        # timestamps, a live source), else now.
        now = None if getattr(reading, "received_at", None) is not None else time.time()
        if self.feeder is not None:
            self.feeder.feed(reading, now)
        return self.inner.reading(reading, now)

    def announce(self):
        # EnergySensors' configs are remembered by Messages.add_sensor and
        # come again with the meter's: nothing more to say here.
        a = getattr(self.inner, "announce", None)
        return a() if a is not None else iter(())


class AsyncMqttBridge:
    """``MqttBridge`` for asyncio code: ``await connect()``, ``await
    publish(reading)`` (only queues: never blocks the loop), ``await close()``,
    or ``async with``. Same arguments as ``MqttBridge``."""

    def __init__(self, broker: str = "mqtt://localhost", **kwargs: Any) -> None:
        self.bridge = MqttBridge(broker, **kwargs)

    @property
    def connected(self) -> bool:
        return self.bridge.connected

    @property
    def msgs(self) -> Messages:
        return self.bridge.msgs

    async def connect(self) -> "AsyncMqttBridge":
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, self.bridge.connect)
        return self

    async def publish(self, reading: Reading) -> None:
        self.bridge.publish(reading)

    async def flush(self, timeout: float = 10.0) -> bool:
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, self.bridge.flush, timeout)

    async def close(self, timeout: float = 5.0) -> None:
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, self.bridge.close, timeout)

    async def __aenter__(self) -> "AsyncMqttBridge":
        return await self.connect()

    async def __aexit__(self, *exc: object) -> Literal[False]:
        await self.close()
        return False


def _ssl_text(e):
    """An ssl error in a few words (``certificate verify failed: ...``)."""
    reason = getattr(e, "verify_message", None) or getattr(e, "reason", None) or getattr(e, "strerror", None)
    text = str(reason or e)
    if getattr(e, "verify_message", None) and getattr(e, "reason", None):
        text = "%s: %s" % (str(e.reason).replace("_", " ").lower(), e.verify_message)
    return text.splitlines()[0] if text else type(e).__name__
