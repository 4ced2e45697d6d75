# protocols/mqtt.py: the MQTT messages (state, availability, Home Assistant discovery), sans-IO.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""What the host bridge (``hanreader mqtt``) and the dongle publish: the same
topics and the same payload bytes, made here from readings, with no I/O.

    from protocols.mqtt import Messages

    m = Messages("host-kitchen")                # bridge id: one per bridge
    will_topic, will_payload = m.will           # set as the client's last will (retained)
    for topic, payload, retain in m.connected():     # after every CONNACK
        client.publish(topic, payload, retain=retain)
    client.subscribe(m.status_topic)            # "homeassistant/status"
    for reading in readings:
        for topic, payload, retain in m.reading(reading):
            client.publish(topic, payload, retain=retain)
    # a message on m.status_topic:  for msg in m.message(topic, payload): publish

Every method that makes messages is a generator: each discovery config is
built when asked for and can be sent and dropped before the next one is
made (the dongle never holds them all). Payloads are ``str`` (UTF-8 on the
wire).

Topics (docs/home-assistant.md):

* ``<topic_prefix>/meter/<meter>/state``: one payload per reading, the
  reading schema JSON (``Reading.to_json()``, the very line
  ``hanreader decode --json`` prints and the dongle writes on USB);
  not retained.
* ``<topic_prefix>/bridge/<bridge>/availability``: ``online`` / ``offline``,
  retained; ``offline`` is the last will.
* ``<discovery_prefix>/sensor/hanreader_<meter>/<object>/config``: one
  retained Home Assistant discovery config per register a meter sends,
  ``<discovery_prefix>/binary_sensor/hanreader_bridge_<bridge>/connectivity/config``
  for the bridge itself (the device the meters are ``via_device`` of).

Meter identity (``<meter>``): the meter id (list 2/3), or the configured
``meter_name`` for every reading. A reading without an id (list 1 of Aidon
and Kaifa) joins the meter last seen with an id from the same manufacturer;
before any is known, the latest such reading is held (one, bounded) and
published as soon as the id arrives: a meter never becomes two devices.
"""

# Names for the type hints, for type checkers only: MicroPython compiles this
# block away and ignores annotations. Before the first import, so that no
# function's bytecode changes (tools/fw-mem).
if False:
    from typing import Any, Iterator  # noqa: F401

    from .reading import Reading  # noqa: F401

from ._compat import MICROPYTHON
from .reading import _jstr_new

# Meters remembered (configs re-announced on reconnect and on Home
# Assistant's "online"): a dongle reads one meter; a host bridge may carry a
# few. Registers per meter: the longest lists have ~35.
MAX_METERS = 4 if MICROPYTHON else 64
MAX_REGISTERS = 64

ONLINE = "online"
OFFLINE = "offline"

# Home Assistant's sensor rules (developers' docs "Sensor entity", user docs
# "Sensor" device classes, checked 2026-12): unit -> (device_class,
# state_class). Energy units are totals that only grow (total_increasing:
# the Energy dashboard accepts energy sensors in Wh/kWh with state class
# total or total_increasing); the rest are measurements. Units Home
# Assistant has no device class for (VAh, degrees) keep their unit and get
# no device class.
_CLASSES = {  # type: dict[str | None, tuple[str | None, str | None]]
    "W": ("power", "measurement"),
    "var": ("reactive_power", "measurement"),
    "VA": ("apparent_power", "measurement"),
    "Wh": ("energy", "total_increasing"),
    "varh": ("reactive_energy", "total_increasing"),
    "VAh": (None, "total_increasing"),
    "V": ("voltage", "measurement"),
    "A": ("current", "measurement"),
    "Hz": ("frequency", "measurement"),
    "%": (None, "measurement"),
}
# Registers without a unit that still are numbers with a known class.
_NAMED = {  # type: dict[str | None, tuple[str | None, str | None]]
    "power_factor": ("power_factor", "measurement"),
    "power_factor_l1": ("power_factor", "measurement"),
    "power_factor_l2": ("power_factor", "measurement"),
    "power_factor_l3": ("power_factor", "measurement"),
    "power_failures": (None, "total_increasing"),
    "long_power_failures": (None, "total_increasing"),
    "voltage_sags_l1": (None, "total_increasing"),
    "voltage_sags_l2": (None, "total_increasing"),
    "voltage_sags_l3": (None, "total_increasing"),
    "voltage_swells_l1": (None, "total_increasing"),
    "voltage_swells_l2": (None, "total_increasing"),
    "voltage_swells_l3": (None, "total_increasing"),
    # Numbers that are codes or identifiers, not quantities: diagnostic.
    "meter_number": (None, None),
    "breaker_state": (None, None),
    "mbus_device_type": (None, None),
    "power_failure_log": (None, None),
}
# Readings come in the schema's canonical units (docs/reading-schema.md,
# P1 included: protocols/p1.canonical), so no value is converted here; only
# the symbol of a cubic metre is spelled as Home Assistant's unit lists have it.
_UNITS = {"m3": "m\u00b3"}  # type: dict[str | None, str | None]


def ha_unit(unit: "str | None") -> "str | None":
    """A register's unit as Home Assistant spells it (``m3`` -> ``m³``)."""
    return _UNITS.get(unit, unit)


def classes(name: "str | None", unit: "str | None", value: "Any") -> "tuple[str | None, str | None]":
    """(device_class, state_class) Home Assistant allows for a register, or
    (None, None) for a text or a code (diagnostic: no state class)."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return None, None
    c = _NAMED.get(name)
    if c is not None:
        return c
    c = _CLASSES.get(ha_unit(unit))
    if c is not None:
        return c
    if unit == "m3" or (name is not None and "_energy" in name):
        return None, "total_increasing"  # a cumulative register (gas/water volume, energy in another unit)
    return None, "measurement"


def slug(text: "object") -> str:
    """``text`` made safe for a topic level and a discovery id: letters,
    digits, ``_`` and ``-`` kept, anything else ``_`` (never empty)."""
    text = str(text)
    for c in text:  # already a slug (a meter id, every reading): itself, nothing made
        if not ("a" <= c <= "z" or "0" <= c <= "9" or "A" <= c <= "Z" or c == "_" or c == "-"):
            break
    else:
        if text:
            return text
    out = []
    for o in text.encode():
        if 48 <= o <= 57 or 65 <= o <= 90 or 97 <= o <= 122 or o == 95 or o == 45:
            out.append(chr(o))
        else:
            out.append("_")
    return "".join(out) or "_"


def label(name: str) -> str:
    """A register name as Home Assistant shows it: ``current_l1`` -> ``Current L1``."""
    words = name.split("_")
    out = []
    for i, w in enumerate(words):
        if len(w) == 2 and w[0] in "lt" and w[1] in "0123456789":
            w = w.upper()
        elif i == 0:
            w = w[:1].upper() + w[1:]
        out.append(w)
    return " ".join(out)


def _check_prefix(what, p):
    if not p or "+" in p or "#" in p or p.startswith("/") or p.endswith("/"):
        raise ValueError("%s: expected topic levels like 'hanreader', found %r" % (what, p))
    return p


class _Meter:
    """What the bridge knows of one meter: identity, device facts, registers."""

    __slots__ = ("key", "manufacturer", "id", "type", "list_version", "regs", "device", "extra")

    def __init__(self, key):
        self.key = key
        self.manufacturer = None
        self.id = None
        self.type = None
        self.list_version = None
        # (object id, name or None, obis, unit, device class, state class);
        # name None: the template matches the OBIS code.
        self.regs = []
        self.device = None  # the device block's JSON, made once per set of facts
        # Derived sensors on this meter's device (add_sensor): (object id,
        # name, topic suffix, template, device class, state class, unit).
        self.extra = []

    def learn(self, meter):
        """Merge the facts a reading carries; True if any changed."""
        changed = False
        for attr in ("manufacturer", "id", "type", "list_version"):
            v = getattr(meter, attr)
            if v is not None and v != getattr(self, attr):
                setattr(self, attr, v)
                changed = True
        if changed:
            self.device = None
        return changed

    def find(self, name, obis):
        for r in self.regs:
            if r[2] == obis:
                return r
        return None


class Messages:
    """The messages of one bridge (host process or dongle).

    ``bridge_id``: unique per bridge (the host uses ``host-<hostname>``, the
    dongle its board id); ``bridge_model``: e.g. ``host bridge``, ``Pico W``;
    ``sw_version``: hanreader's version. ``meter_name``: if set, the
    identity of every reading (a bridge that reads one meter).
    ``expire_after``: seconds without a reading after which Home Assistant
    shows the sensors unavailable (any state message restarts the clock).
    ``discovery=False``: state and availability only.
    """

    def __init__(self, bridge_id: "object", topic_prefix: str = "hanreader", discovery_prefix: str = "homeassistant",
                 discovery: bool = True, meter_name: "str | None" = None, expire_after: "int | None" = 60,
                 sw_version: "str | None" = None, bridge_model: str = "hanreader bridge") -> None:
        self.bridge = slug(bridge_id)
        self.topic_prefix = _check_prefix("topic prefix", topic_prefix)
        self.discovery_prefix = _check_prefix("discovery prefix", discovery_prefix)
        self.discovery = discovery
        self.meter_name = meter_name
        self.expire_after = int(expire_after) if expire_after else 0
        self.sw_version = sw_version
        self.bridge_model = bridge_model
        self.availability_topic = "%s/bridge/%s/availability" % (topic_prefix, self.bridge)
        self.status_topic = discovery_prefix + "/status"
        self.will = (self.availability_topic, OFFLINE)
        self.meters = []  # type: list[_Meter]  # _Meter, oldest first (bounded: MAX_METERS)
        self._by_maker = {}  # type: dict[str | None, str]  # manufacturer -> key of the meter last seen with an id
        self.held = None  # type: Reading | None  # the latest reading waiting for its meter's id
        self.dropped = 0  # readings replaced while held (never published)
        self.skipped_registers = 0  # registers beyond MAX_REGISTERS (no config)
        self._bridge_device = None  # type: str | None
        self._common_text = None  # type: str | None

    # -- topics -----------------------------------------------------------------
    def state_topic(self, key: str) -> str:
        return "%s/meter/%s/state" % (self.topic_prefix, key)

    def config_topic(self, key: str, obj: str) -> str:
        return "%s/sensor/hanreader_%s/%s/config" % (self.discovery_prefix, key, obj)

    # -- events -----------------------------------------------------------------
    def connected(self) -> "Iterator[tuple[str, str, bool]]":
        """After every (re)connection: ``online`` and every config again
        (a restarted broker without persistence forgot the retained ones)."""
        yield (self.availability_topic, ONLINE, True)
        for msg in self.announce():
            yield msg

    def offline(self) -> "tuple[str, str, bool]":
        """What a bridge that stops cleanly sends before disconnecting."""
        return (self.availability_topic, OFFLINE, True)

    def message(self, topic: str, payload: "str | bytes | bytearray") -> "Iterator[tuple[str, str, bool]]":
        """A received message: Home Assistant's ``online`` on the status
        topic brings every config again; anything else, nothing."""
        if isinstance(payload, (bytes, bytearray)):
            payload = bytes(payload).decode()
        if topic == self.status_topic and payload == ONLINE:
            for msg in self.announce():
                yield msg

    def announce(self) -> "Iterator[tuple[str, str, bool]]":
        """Every discovery config: the bridge's, then each meter's registers."""
        if not self.discovery:
            return
        yield self.bridge_config()
        for m in self.meters:
            for r in m.regs:
                yield self._config(m, r)
            for e in m.extra:
                yield self._extra_config(m, e)

    def reading(self, reading: "Reading", state: "str | bytes | None" = None) -> "Iterator[tuple[str, str | bytes, bool]]":
        """The messages for one reading: configs of registers (or meters)
        not announced yet, then the state. ``state``: the reading's JSON
        text when the caller has it already (the dongle publishes the line
        it printed: bytes, the same text), else it is made here."""
        key = self._identify(reading)
        if key is None:
            if self.held is not None:
                self.dropped += 1
            self.held = reading
            return
        held = self.held
        if held is not None and held.meter.manufacturer == reading.meter.manufacturer:
            self.held = None
            # The device block of the held reading's configs already carries
            # what this reading tells (type, version).
            self._meter(key).learn(reading.meter)
            for msg in self._publish(key, held):
                yield msg
        for msg in self._publish(key, reading, state):
            yield msg

    # -- sensors derived from readings (energy accounting, ...) ------------------------
    def meter_key(self, reading: "Reading") -> "str | None":
        """The identity (``<meter>`` in topics) a reading is published under,
        or None while it is unknown (list 1 before any id)."""
        return self._identify(reading)

    def topic(self, key: str, suffix: str) -> str:
        """``<topic_prefix>/meter/<key>/<suffix>``: where a derived sensor's state goes."""
        return "%s/meter/%s/%s" % (self.topic_prefix, key, suffix)

    def add_sensor(self, key: str, obj: str, name: str, suffix: str, value_template: "str | None",
                   device_class: "str | None" = None, state_class: "str | None" = None,
                   unit: "str | None" = None) -> "tuple[str, str, bool] | None":
        """A sensor on meter ``key``'s device whose state is published (by the
        caller) on ``topic(key, suffix)``, e.g. the running hour's energy.
        Remembered with the meter: announced again with its configs. Returns
        its config message (topic, payload, True); None with discovery off."""
        m = self._meter(key)
        e = (slug(obj), name, suffix, value_template, device_class, state_class, unit)
        for i in range(len(m.extra)):
            if m.extra[i][0] == e[0]:
                m.extra[i] = e
                break
        else:
            if len(m.extra) + len(m.regs) >= MAX_REGISTERS:
                self.skipped_registers += 1
                return None
            m.extra.append(e)
        if not self.discovery:
            return None
        return self._extra_config(m, e)

    def _extra_config(self, m, e):
        obj, name, suffix, tpl, dc, sc, unit = e
        parts = [
            '{"name": ', _jstr_new(name),
            ', "unique_id": ', _jstr_new("hanreader_%s_%s" % (m.key, obj)),
            ', "state_topic": ', _jstr_new(self.topic(m.key, suffix)),
            ', "value_template": ', _jstr_new(tpl),
        ]
        if dc is not None:
            parts.append(', "device_class": ' + _jstr_new(dc))
        if sc is not None:
            parts.append(', "state_class": ' + _jstr_new(sc))
        if unit is not None:
            parts.append(', "unit_of_measurement": ' + _jstr_new(unit))
        parts.append(self._common())
        parts.append(', "device": ')
        parts.append(self._device(m))
        parts.append("}")
        return (self.config_topic(m.key, obj), "".join(parts), True)

    # -- identity -----------------------------------------------------------------
    def _identify(self, reading):
        if self.meter_name:
            return slug(self.meter_name)
        m = reading.meter
        if m.id:
            key = slug(m.id)
            self._by_maker[m.manufacturer] = key
            return key
        return self._by_maker.get(m.manufacturer)

    def _meter(self, key):
        for m in self.meters:
            if m.key == key:
                return m
        m = _Meter(key)
        if len(self.meters) >= MAX_METERS:
            old = self.meters.pop(0)
            for k in list(self._by_maker):
                if self._by_maker[k] == old.key:
                    del self._by_maker[k]
        self.meters.append(m)
        return m

    def _publish(self, key, reading, state=None):
        m = self._meter(key)
        changed = m.learn(reading.meter)
        if self.discovery:
            if changed and m.regs:
                # The device block changed (type or version learned): every
                # config of this meter carries it.
                for r in m.regs:
                    yield self._config(m, r)
                for e in m.extra:
                    yield self._extra_config(m, e)
            for reg in reading.registers:
                if m.find(reg.name, reg.obis) is not None:
                    continue
                if len(m.regs) >= MAX_REGISTERS:
                    self.skipped_registers += 1
                    continue
                r = self._register(m, reg)
                m.regs.append(r)
                yield self._config(m, r)
        yield (self.state_topic(key), reading.to_json() if state is None else state, False)

    def _register(self, m, reg):
        name = reg.name
        obj = slug(name) if name else None
        if obj is not None:
            for r in m.regs:
                if r[0] == obj:  # a second register of that name (another E)
                    obj = None
                    break
        if obj is None:
            obj = "obis_" + slug(reg.obis)
            name = None
        dc, sc = classes(reg.name, reg.unit, reg.value)
        return (obj, name, reg.obis, ha_unit(reg.unit), dc, sc)

    # -- payloads ------------------------------------------------------------------
    def _device(self, m):
        d = m.device
        if d is None:
            d = m.device = self._make_device(m)
        return d

    def _make_device(self, m):
        parts = ['{"identifiers": [', _jstr_new("hanreader_" + m.key), ']']
        if self.meter_name:
            name = self.meter_name
        else:
            name = " ".join([x for x in (m.manufacturer, m.type) if x]) or ("meter " + m.key)
        parts.append(', "name": ' + _jstr_new(name))
        if m.manufacturer:
            parts.append(', "manufacturer": ' + _jstr_new(m.manufacturer))
        if m.type:
            parts.append(', "model": ' + _jstr_new(m.type))
        if m.id:
            parts.append(', "serial_number": ' + _jstr_new(m.id))
        if m.list_version:
            parts.append(', "sw_version": ' + _jstr_new(m.list_version))
        parts.append(', "via_device": ' + _jstr_new("hanreader_bridge_" + self.bridge) + "}")
        return "".join(parts)

    def _common(self):
        """The keys every config shares (availability, origin), made once."""
        c = self._common_text
        if c is None:
            c = self._common_text = ', "availability_topic": %s, "payload_available": "online", "payload_not_available": "offline"%s' % (
                _jstr_new(self.availability_topic), self._origin())
        return c

    def _config(self, m, r):
        obj, name, obis, unit, dc, sc = r
        if name is not None:
            match = "r.name == '%s'" % name
            title = label(name)
        else:
            match = "r.obis == '%s'" % obis
            title = "OBIS " + obis
        # Registers a list does not carry render an empty text, which Home
        # Assistant ignores for numeric sensors (the state is kept); a text
        # sensor keeps its state through ``this.state``.
        tpl = "{% for r in value_json.registers if " + match + " %}{{ r.value }}"
        tpl += "{% endfor %}" if sc is not None else "{% else %}{{ this.state }}{% endfor %}"
        parts = [
            '{"name": ', _jstr_new(title),
            ', "unique_id": ', _jstr_new("hanreader_%s_%s" % (m.key, obj)),
            ', "state_topic": ', _jstr_new(self.state_topic(m.key)),
            ', "value_template": ', _jstr_new(tpl),
        ]
        if dc is not None:
            parts.append(', "device_class": "%s"' % dc)
        if sc is not None:
            parts.append(', "state_class": "%s"' % sc)
        else:
            parts.append(', "entity_category": "diagnostic"')
        if unit is not None:
            parts.append(', "unit_of_measurement": ' + _jstr_new(unit))
        if self.expire_after:
            parts.append(', "expire_after": %d' % self.expire_after)
        parts.append(self._common())
        parts.append(', "device": ')
        parts.append(self._device(m))
        parts.append("}")
        return (self.config_topic(m.key, obj), "".join(parts), True)

    def bridge_device(self) -> str:
        d = self._bridge_device
        if d is None:
            d = '{"identifiers": [%s], "name": %s, "manufacturer": "hanreader", "model": %s' % (
                _jstr_new("hanreader_bridge_" + self.bridge), _jstr_new("hanreader " + self.bridge),
                _jstr_new(self.bridge_model))
            if self.sw_version:
                d += ', "sw_version": ' + _jstr_new(self.sw_version)
            d += "}"
            self._bridge_device = d
        return d

    def bridge_config(self) -> "tuple[str, str, bool]":
        """The bridge's own entity (connected or not), which makes the device
        the meters are ``via_device`` of."""
        topic = "%s/binary_sensor/hanreader_bridge_%s/connectivity/config" % (self.discovery_prefix, self.bridge)
        payload = ('{"name": "Connectivity", "unique_id": %s, "state_topic": %s, "payload_on": "online", '
                   '"payload_off": "offline", "device_class": "connectivity", "entity_category": "diagnostic"%s'
                   ', "device": %s}') % (
            _jstr_new("hanreader_bridge_%s_connectivity" % self.bridge), _jstr_new(self.availability_topic),
            self._origin(), self.bridge_device())
        return (topic, payload, True)

    def _origin(self):
        """Home Assistant's ``origin``: what published the config."""
        if self.sw_version:
            return ', "origin": {"name": "hanreader", "sw_version": %s}' % _jstr_new(self.sw_version)
        return ', "origin": {"name": "hanreader"}'

    def bridge_sensor(self, obj: str, name: str, state_topic: str, value_template: "str | None" = None,
                      device_class: "str | None" = None, state_class: "str | None" = None,
                      unit: "str | None" = None, diagnostic: bool = True) -> "tuple[str, str, bool]":
        """A discovery config for one of the bridge's own sensors (the
        dongle's uptime, free heap, RSSI, ...): (topic, payload, True)."""
        obj = slug(obj)
        parts = [
            '{"name": ', _jstr_new(name),
            ', "unique_id": ', _jstr_new("hanreader_bridge_%s_%s" % (self.bridge, obj)),
            ', "state_topic": ', _jstr_new(state_topic),
        ]
        if value_template:
            parts.append(', "value_template": ' + _jstr_new(value_template))
        if device_class:
            parts.append(', "device_class": ' + _jstr_new(device_class))
        if state_class:
            parts.append(', "state_class": ' + _jstr_new(state_class))
        if unit:
            parts.append(', "unit_of_measurement": ' + _jstr_new(unit))
        if diagnostic:
            parts.append(', "entity_category": "diagnostic"')
        parts.append(self._common())
        parts.append(', "device": ' + self.bridge_device() + "}")
        return ("%s/sensor/hanreader_bridge_%s/%s/config" % (self.discovery_prefix, self.bridge, obj),
                "".join(parts), True)
