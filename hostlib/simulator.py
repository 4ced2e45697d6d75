# hostlib/simulator.py: a meter emulator: real frames from a plausible household load.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Emulate an Aidon, Kaifa or Kamstrup meter's HAN port.

    from hostlib.simulator import Simulator
    sim = Simulator("kaifa", phases=3, seed=1)
    for f in sim.frames(count=3):
        print(f.t, f.list, f.frame.hex(), f.expected["active_power_import"])

Each ``SimFrame`` carries the frame's bytes (a complete HDLC frame, LLC
header, Data-Notification, the vendor's list layout of digest section 5)
and what a correct decoder must read from it (``expected``: register
name -> value, ``time``, ``meter``), so a test can compare the two.

Cadence (digest 1.4), aligned to the wall clock like the meters:

* Aidon: list 1 every 2.5 s, list 2 every 10 s (in place of a list 1),
  list 3 at xx:00:10 (in place of that list 2), values frozen at xx:00:00;
* Kaifa: the same, list 1 every 2 s (KFM_001; the 2016 draft said 2.5 s);
* Kamstrup: its list every 10 s at xx:xx:x0, the hourly list at xx:00:05.

The load profile is a household: a base load that follows the time of day,
appliances switching on and off at random (water heater, oven, kettle, heat
pump, EV charger), voltages that sag with the current, reactive power from
motors. Energy registers integrate the power. A seed makes it repeatable.

``run(sink, speed=...)`` paces the frames in real time (``speed=1``), sped
up (``speed=60``: a minute per second), or as fast as possible (``None``).
The sinks it writes into (a pty, a serial port, a TCP server) are in
``hostlib.sinks``, beside the sources; a binary file's ``write`` is one too.
"""

import datetime
import math
import random
import struct as _struct
import time
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from protocols import axdr, obis
from protocols.declarations import tag_of
from protocols.meters import catalog as meters
from protocols.cosem import DateTime
from protocols.hdlc import build_frame
from protocols.meters._layouts import List as DeclaredList


KINDS = tuple(meters.simulated())  # every declared meter with a ``SIMULATE`` profile

# -- A-XDR values and the one build step --------------------------------------
# A value is a (type, content) pair, the type an A-XDR name (``declarations.tag_of``);
# ``encode_frame`` is the only function that turns them into bytes (with the
# construct declarations); ``encode_frame_lean`` does the same by hand, for
# the tests to compare.

NULL = ("null-data", None)

# A typed value: (A-XDR type name, content).
Typed = Tuple[str, Any]


def typed(name: str, x: Any) -> Typed:
    """A typed value; texts become bytes, numbers ints."""
    if name in ("visible-string", "utf8-string") and type(x) is str:
        x = x.encode("ascii")
    elif name == "octet-string":
        x = bytes(x.encode("ascii") if type(x) is str else x)
    elif name not in ("array", "structure", "null-data"):
        x = int(x)
    return (name, x)


def arr(items: Iterable[Typed]) -> Typed:
    return ("array", list(items))


def struct(items: Iterable[Typed]) -> Typed:
    return ("structure", list(items))


def octets(b: Union[bytes, bytearray, memoryview]) -> Typed:
    return ("octet-string", bytes(b))


def encode_axdr(v: Typed, out: bytearray) -> bytearray:
    """Append the A-XDR encoding of a typed value to bytearray ``out``."""
    t, x = v
    tag = tag_of(t)
    out.append(tag)
    if tag == axdr.NULL:
        pass
    elif tag == axdr.ARRAY or tag == axdr.STRUCTURE:
        out += axdr.encode_length(len(x))
        for e in x:
            encode_axdr(e, out)
    elif tag in (axdr.OCTET_STRING, axdr.VISIBLE_STRING, axdr.UTF8_STRING):
        out += axdr.encode_length(len(x))
        out += x
    else:
        out += _struct.pack(axdr.FIXED[tag][0], x)
    return out


def sim_profile(kind: str) -> Dict[str, Any]:
    """The simulation profile of meter ``kind`` (its declaration's ``SIMULATE``)."""
    decl = meters.declaration(kind)
    p = dict(kv.split("=", 1) for kv in decl.SIMULATE.split())
    return dict(
        manufacturer=meters.entry(kind).manufacturer,
        dest=bytes.fromhex(p["dest"]), src=bytes.fromhex(p["src"]), control=int(p["control"], 16),
        invoke_id=bytes.fromhex(p["invoke"]), time=p["time"], id=p["id"],
        types={1: p["type1"], 3: p["type3"]}, list_version=p["version"],
        list1=float(p["list1"]), list2=None if p["list2"] == "-" else float(p["list2"]),
        hourly=float(p["hourly"]),
    )


def encode_frame(kind: str, header_time: Optional[bytes], body: Typed) -> bytes:
    """The one build step: a complete HDLC frame for ``body`` (a typed value).

    Built with the construct declarations (``protocols/declarations.py``,
    run with the real ``construct``), as the design asks: the simulator's
    frames are the declarations' output, not a second hand-written encoder.
    ``header_time``: the Data-Notification's date-time as 12 bytes, or None.
    The profile's ``time=tagged`` writes it with the extra ``09`` tag (Kaifa,
    digest 3.1), ``octets`` as a plain octet-string.
    """
    import construct

    from protocols import declarations as d

    decl = d.build(construct)
    m = sim_profile(kind)
    if header_time is None:
        form, dt = 0x00, None
    else:
        form, dt = (0x09 if m["time"] == "tagged" else 0x0C), d.datetime_fields(header_time)
    apdu = decl.data_notification.build(
        d.notification(_declared(body), int.from_bytes(m["invoke_id"], "big"), dt, form)
    )
    return decl.hdlc_frame.build(
        d.frame(b"\xe6\xe7\x00" + apdu, m["dest"], m["src"], m["control"])
    )


def _declared(v):
    """A typed value in the declarations' buildable form."""
    from protocols import declarations as d

    t, x = v
    if t in ("array", "structure"):
        return d.typed(tag_of(t), *[_declared(e) for e in x])
    if t in ("visible-string", "utf8-string"):
        x = x.decode("ascii")
    return d.from_typed((t, x))


def encode_frame_lean(kind: str, header_time: Optional[bytes], body: Typed) -> bytes:
    """The same frame by hand (A-XDR bytes + ``hdlc.build_frame``): a cross-check."""
    m = sim_profile(kind)
    apdu = bytearray(b"\x0f")
    apdu += m["invoke_id"]
    if header_time is None:
        apdu.append(0)
    else:
        if m["time"] == "tagged":
            apdu.append(0x09)
        apdu.append(len(header_time))
        apdu += header_time
    encode_axdr(body, apdu)
    return build_frame(b"\xe6\xe7\x00" + bytes(apdu), dest=m["dest"], src=m["src"],
                       control=m["control"])


def cosem_datetime(dt: datetime.datetime, deviation: Optional[int] = None, status: int = 0) -> bytes:
    """12-byte COSEM date-time of a datetime; ``deviation`` None: not specified."""
    return DateTime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, None, deviation,
                    status, dt.isoweekday()).to_bytes()


def scaled(raw: int, scaler: Optional[int]) -> Union[int, float]:
    """What a decoder reports for raw × 10^scaler (as Register.value does)."""
    if not scaler:
        return raw
    if scaler > 0:
        return raw * 10**scaler
    return raw / 10 ** (-scaler)


# Register name -> (key into Simulator.values(), phase index).
_SOURCES = {
    "active_power_import": ("p_imp", None), "active_power_export": ("p_exp", None),
    "reactive_power_import": ("q_imp", None), "reactive_power_export": ("q_exp", None),
    "current_l1": ("i", 0), "current_l2": ("i", 1), "current_l3": ("i", 2),
    "voltage_l1": ("u", 0), "voltage_l2": ("u", 1), "voltage_l3": ("u", 2),
    "active_energy_import": ("e", 0), "active_energy_export": ("e", 1),
    "reactive_energy_import": ("e", 2), "reactive_energy_export": ("e", 3),
}


def unit_enum(unit: Optional[str]) -> int:
    """The Blue Book unit enum of a unit text (``obis.unit_of``'s inverse)."""
    for n in range(1, 58):
        if obis.unit_of(n) == unit:
            return n
    raise ValueError("unit: expected a Blue Book unit, found %r" % (unit,))


class SimFrame:
    """One push: ``t`` seconds after the simulation start, at ``when``."""

    __slots__ = ("t", "when", "list", "frame", "expected", "time", "meter")

    def __init__(self, t: float, when: datetime.datetime, list_no: int, frame: bytes,
                 expected: Optional[Dict[str, Any]], time_: Optional[str], meter: Optional[Dict[str, Any]]) -> None:
        self.t = t
        self.when = when
        self.list = list_no
        self.frame = frame
        self.expected = expected  # register name -> value, in list order
        self.time = time_  # the reading's expected ``time``
        self.meter = meter  # the reading's expected ``meter`` dict

    def __repr__(self):
        return "SimFrame(t=%.1f, list %d, %d bytes)" % (self.t, self.list, len(self.frame))


# -- the household ----------------------------------------------------------------

# name, power W, phase (0-2; None = all three), starts per hour, minutes on, reactive share
_APPLIANCES = (
    ("water heater", 2000, 0, 1.5, 25, 0.0),
    ("oven", 2200, 1, 0.25, 40, 0.05),
    ("kettle", 2000, 2, 1.0, 3, 0.0),
    ("heat pump", 1400, None, 1.2, 20, 0.35),
    ("dishwasher", 1800, 1, 0.2, 30, 0.1),
    ("ev charger", 7200, None, 0.08, 90, 0.02),
)


class LoadProfile:
    """A household's load, advanced in time steps; deterministic for a seed."""

    def __init__(self, phases: int = 3, seed: Optional[int] = None, energy_import: Optional[int] = None) -> None:
        self.phases = phases
        self.rng = random.Random(seed)
        self.on: Dict[str, float] = {}  # appliance -> seconds left
        r = self.rng
        self.energy: List[float] = [
            energy_import if energy_import is not None else r.randint(8_000_000, 40_000_000),
            r.randint(0, 50_000),
            r.randint(1_000_000, 6_000_000),
            r.randint(500_000, 3_000_000),
        ]  # A+ Wh, A- Wh, R+ varh, R- varh (floats while integrating)
        self.energy = [float(e) for e in self.energy]
        self.drift = r.uniform(0, 2 * math.pi)
        self.now: Optional[datetime.datetime] = None
        self.p = [0.0] * 3
        self.q = [0.0] * 3
        self.u = [230.0] * 3
        self.i = [0.0] * 3

    @staticmethod
    def base_load(hour: float) -> float:
        """Watts for a fractional hour of day: night, a morning and an evening peak."""
        m = math.exp(-((hour - 7.5) ** 2) / 1.5)
        e = math.exp(-((hour - 19.0) ** 2) / 5.0)
        return 280.0 + 900.0 * m + 1500.0 * e

    def step(self, when: datetime.datetime, dt: float) -> None:
        """Advance to ``when`` (dt seconds after the last step); update the values."""
        r = self.rng
        self.now = when
        for name, _pw, _ph, rate, minutes, _q in _APPLIANCES:
            left = self.on.get(name)
            if left is not None:
                left -= dt
                if left <= 0:
                    del self.on[name]
                else:
                    self.on[name] = left
            elif r.random() < rate * dt / 3600.0:
                self.on[name] = r.uniform(0.5, 1.5) * minutes * 60.0
        hour = when.hour + when.minute / 60.0 + when.second / 3600.0
        base = self.base_load(hour) * (1.0 + r.gauss(0, 0.03))
        split = (0.45, 0.30, 0.25)
        p = [base * s for s in split]
        q = [0.18 * base * s + 25.0 for s in split]
        for name, pw, ph, _rate, _m, qs in _APPLIANCES:
            if name in self.on:
                if ph is None:
                    for k in range(3):
                        p[k] += pw / 3.0
                        q[k] += qs * pw / 3.0
                else:
                    p[ph] += pw
                    q[ph] += qs * pw
        if self.phases == 1:
            p = [sum(p), 0.0, 0.0]
            q = [sum(q), 0.0, 0.0]
        slow = math.sin(self.drift + when.timestamp() / 900.0)
        u = []
        cur = []
        for k in range(3):
            s = math.hypot(p[k], q[k])
            uk = 231.5 + 2.0 * slow + r.gauss(0, 0.3)
            ik = s / uk
            uk -= 0.04 * ik
            u.append(uk)
            cur.append(s / uk)
        self.p, self.q, self.u, self.i = p, q, u, cur
        tot_p = sum(p)
        tot_q = sum(q)
        self.energy[0] += tot_p * dt / 3600.0
        self.energy[2] += tot_q * dt / 3600.0

    @property
    def power(self) -> float:
        return sum(self.p)

    @property
    def reactive(self) -> float:
        return sum(self.q)


# -- the simulator -----------------------------------------------------------------


class Simulator:
    """Frames of one meter: ``kind`` aidon|kaifa|kamstrup, ``phases`` 1|3."""

    def __init__(self, kind: str = "aidon", phases: int = 3, seed: Optional[int] = None,
                 start: Optional[datetime.datetime] = None, profile: Optional[LoadProfile] = None,
                 key: Union[str, bytes, None] = None, auth_key: Union[str, bytes, None] = None) -> None:
        kind = kind.lower()
        if kind not in KINDS:
            raise ValueError("meter must be one of %s, found %r" % (", ".join(KINDS), kind))
        if phases not in (1, 3):
            raise ValueError("phases must be 1 or 3, found %r" % (phases,))
        self.kind = kind
        self.phases = phases
        self.cfg = sim_profile(kind)
        entry = meters.entry(kind)
        self.engine = entry.engine
        self.lists = meters.lists(meters.declaration(kind))
        self.scalers = entry.scalers
        self.quirks = entry.quirks
        self.hourly = max(x.number for x in self.lists)
        if start is None:
            start = datetime.datetime.now().replace(microsecond=0)
        if start.tzinfo is not None:
            start = start.replace(tzinfo=None)
        self.start = start.replace(microsecond=0)
        self.profile = profile or LoadProfile(phases, seed)
        self.frozen: Optional[List[int]] = None  # energies at the last full hour
        self.sent = 0
        self.current_time = self.start  # the time of the last frame made (for the demo view)
        # ``key``: the meter encrypts (general-glo-ciphering, digest 3.3), with a tag when
        # ``auth_key`` is given (security control 0x30, else 0x20); the system title is the
        # declaration's FLAG id and the meter id's last 5 digits, the frame counter counts up.
        from protocols.security import parse_key

        self.key = parse_key(key, "key")
        self.auth_key = parse_key(auth_key, "auth_key")
        if self.auth_key is not None and self.key is None:
            raise ValueError("auth_key: needs a key")
        self.system_title = entry.flag_ids[0].encode("ascii") + bytes.fromhex(
            ("%010d" % (int(self.cfg["id"]) % 10**10)))
        self.invocation_counter = 1

    @property
    def meter_type(self) -> str:
        return self.cfg["types"][self.phases]

    def schedule(self, when: datetime.datetime) -> Optional[int]:
        """The list sent at ``when`` (a datetime on a 0.5 s tick), or None."""
        sec = when.second + when.microsecond / 1e6
        cfg = self.cfg
        if when.minute == 0 and sec == cfg["hourly"]:
            return self.hourly
        if cfg["list2"] and sec % cfg["list2"] == 0:
            return 2
        if (sec * 10) % int(cfg["list1"] * 10) == 0:
            return 1
        return None

    def frames(self, count: Optional[int] = None, duration: Optional[float] = None) -> Iterator[SimFrame]:
        """Generate SimFrames in time order (``count`` frames / ``duration`` s, or forever)."""
        tick = datetime.timedelta(seconds=0.5)
        when = self.start
        t = 0.0
        made = 0
        prof = self.profile
        prof.step(when, 0.0)
        while True:
            if duration is not None and t > duration:
                return
            if when.minute == 0 and when.second == 0 and when.microsecond == 0:
                self.frozen = [int(e) for e in prof.energy]
            lst = self.schedule(when)
            if lst is not None:
                f = self.make(lst, when, t)
                self.current_time = when
                made += 1
                self.sent += 1
                yield f
                if count is not None and made >= count:
                    return
            when += tick
            t += 0.5
            prof.step(when, 0.5)

    # -- list contents ---------------------------------------------------------
    def values(self) -> Dict[str, Any]:
        """Raw register values now, by name, in the vendors' shared vocabulary."""
        p = self.profile
        return dict(
            p_imp=int(round(p.power)), p_exp=0,
            q_imp=int(round(p.reactive)), q_exp=0,
            i=p.i, u=p.u,
        )

    def layout(self, lst: int) -> DeclaredList:
        """The declared ``meters.List`` sent as list number ``lst`` by this variant."""
        for x in self.lists:
            if x.number == lst and self.phases in x.phases:
                return x
        raise ValueError("%s declares no list %d for %d phases" % (self.kind, lst, self.phases))

    def cipher(self, frame: bytes) -> bytes:
        """``frame`` (a plaintext HDLC frame) with its APDU ciphered by the one
        builder (``hostlib.crypto.encrypt_apdu``), the next frame counter."""
        from protocols.hdlc import parse_frame

        from .crypto import encrypt_apdu

        if self.key is None:
            raise ValueError("cipher: this meter has no key (Simulator(key=...))")
        m = self.cfg
        apdu = encrypt_apdu(self.key, parse_frame(frame).apdu, self.system_title, self.invocation_counter,
                            0x30 if self.auth_key is not None else 0x20, self.auth_key)
        self.invocation_counter += 1
        return build_frame(b"\xe6\xe7\x00" + apdu, dest=m["dest"], src=m["src"], control=m["control"])

    def make(self, lst: int, when: datetime.datetime, t: float, cipher: bool = True) -> SimFrame:
        body, header_time, items, time_ = self.body(lst, when)
        frame = encode_frame(self.kind, header_time, body)
        if cipher and self.key is not None:
            frame = self.cipher(frame)
        expected = {}
        for name, value in items:
            expected[name] = value
        cfg = self.cfg
        if "meter_id" not in expected:
            meter = dict(manufacturer=cfg["manufacturer"], id=None, type=None, list_version=None)
        else:
            meter = dict(manufacturer=cfg["manufacturer"], id=cfg["id"], type=self.meter_type,
                         list_version=cfg["list_version"])
        return SimFrame(t, when, lst, frame, expected, time_, meter)

    def _hour(self, when):
        h = when.replace(minute=0, second=0, microsecond=0)
        energies = self.frozen if self.frozen is not None else [int(e) for e in self.profile.energy]
        return h, energies

    def body(self, lst: int,
             when: datetime.datetime) -> Tuple[Typed, Optional[bytes], List[Tuple[str, Any]], Optional[str]]:
        """List ``lst`` at ``when``, as the declaration lays it out: (typed body,
        header date-time bytes or None, [(register name, expected value)],
        the reading's expected time)."""
        v = self.values()
        cfg = self.cfg
        items = []
        elems = []
        time_ = None
        header = None
        if cfg["time"] != "none":
            header = cosem_datetime(when)
            time_ = when.isoformat()
        for code, typ, bare in self.layout(lst).items:
            name = obis.lookup(code)[0]
            scaler = None
            if name == "clock":
                h, _e = self._hour(when)
                dev = 0 if "zero_is_local" in self.quirks else None
                value = octets(cosem_datetime(h, dev))
                shown = h.isoformat()
                if time_ is None:
                    time_ = shown
            elif name in ("list_version", "meter_id", "meter_type"):
                shown = {"list_version": cfg["list_version"], "meter_id": cfg["id"],
                         "meter_type": self.meter_type}[name]
                value = typed(typ, shown)
            else:
                scaler = meters.implied_scaler(self.scalers, code) or 0
                key, k = _SOURCES[name]
                if key == "e":
                    raw = self._hour(when)[1][k] // 10 ** max(scaler, 0)
                elif k is None:
                    raw = v[key]
                else:
                    raw = int(round(v[key][k] * 10 ** (-scaler)))
                value = typed(typ, raw)
                shown = scaled(raw, scaler)
            items.append((name, shown))
            if self.engine == "registers":
                if scaler is None:
                    elems.append(struct([octets(code), value]))
                else:
                    su = struct([("integer", scaler), ("enum", unit_enum(obis.lookup(code)[1]))])
                    elems.append(struct([octets(code), value, su]))
            elif self.engine == "pairs" and not bare:
                elems.append(octets(code))
                elems.append(value)
            else:
                elems.append(value)
        body = arr(elems) if self.engine == "registers" else struct(elems)
        return body, header, items, time_

    # -- pacing ------------------------------------------------------------------
    def run(self, sink: Callable[[bytes], Any], speed: Optional[float] = 1.0, count: Optional[int] = None,
            duration: Optional[float] = None, stop: Any = None, lead: float = 0.0,
            clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Any] = time.sleep,
            on_frame: Optional[Callable[[SimFrame], Any]] = None, frames: Optional[Iterable[SimFrame]] = None) -> int:
        """Send frames to ``sink(bytes)``, paced.

        ``speed``: 1 = real time, 60 = a minute per second, None/0 = as fast
        as possible. ``duration``: simulated seconds. ``lead``: simulated
        seconds sent at once before real-time pacing starts (history for a
        live view). ``stop``: a threading.Event (or callable) that ends the run.
        Returns the number of frames sent.
        """
        is_set = (stop.is_set if hasattr(stop, "is_set") else stop) if stop is not None else None
        t0 = clock()
        n = 0
        if frames is None:  # ``frames``: another generator of SimFrames (FastFrames)
            frames = self.frames(count=count, duration=duration)
        for f in frames:
            if is_set is not None and is_set():
                break
            if speed:
                target = t0 + (f.t - lead) / speed
                while True:
                    delay = target - clock()
                    if delay <= 0:
                        break
                    if is_set is not None and is_set():
                        return n
                    sleep(min(delay, 0.25))
            sink(f.frame)
            n += 1
            if on_frame is not None:
                on_frame(f)
        return n


# -- --fast, --lists and faults ---------------------------------------------------------
# (kept apart from the frame building above: it only uses Simulator.make's
# frames, schedule() and values(), whatever the layouts are declared with)

FAULT_KINDS = ("miss-list3", "power-cut", "reboot")


def parse_fault(text: str) -> Tuple[str, datetime.datetime, int]:
    """``KIND@LOCAL-TIME[+DURATION]`` -> (kind, naive local datetime, seconds).

    ``miss-list3@2026-01-10T14``: the hourly list of 14:00 is not sent;
    ``power-cut@2026-01-12T03:00+3h``: no frames and no consumption for 3 h;
    ``reboot@2026-01-15T12:20+90s``: the meter sends nothing for 90 s (its
    registers go on counting). Durations: ``s``, ``m`` or ``h``; defaults:
    1 h for a power cut, 60 s for a reboot."""
    kind, sep, rest = text.partition("@")
    if not sep or kind not in FAULT_KINDS:
        raise ValueError("fault: expected KIND@TIME[+DURATION] with KIND one of %s, found %r"
                         % (", ".join(FAULT_KINDS), text))
    when, plus, dur = rest.partition("+")
    if len(when) == 13:  # YYYY-MM-DDTHH
        when += ":00"
    try:
        at = datetime.datetime.fromisoformat(when)
    except ValueError:
        raise ValueError("fault %r: expected a local time like 2026-01-12T03:00, found %r" % (text, when)) from None
    secs = {"miss-list3": 0, "power-cut": 3600, "reboot": 60}[kind]
    if plus:
        unit = dur[-1:]
        try:
            secs = int(float(dur[:-1]) * {"s": 1, "m": 60, "h": 3600}[unit])
        except (KeyError, ValueError):
            raise ValueError("fault %r: expected a duration like 90s, 5m or 3h, found %r" % (text, dur)) from None
    return kind, at, secs


class FastFrames:
    """The simulator's frames at >= 20,000 a second (``hanreader simulate --fast``).

    Each list's frame is built once by ``Simulator.make`` (the declarations);
    the positions of the values that change (powers, currents, voltages,
    energies, the header time and the hourly clock) and their scale are
    found by changing one value at a time; then every frame is that template
    with the values packed in and the FCS recomputed. The load is advanced
    from frame to frame (not every half second), so the frames differ from
    a paced run with the same seed, and are repeatable for a seed.

    The meter's clock follows ``zone`` (daylight saving included; ``start``
    is local time there). ``lists``: the list numbers sent (default all);
    ``faults``: ``parse_fault`` tuples. Yields SimFrames whose ``expected``
    and ``time`` are None (decode them to check).
    """

    def __init__(self, sim: Simulator, zone: Any = None, lists: Optional[Iterable[int]] = None,
                 faults: Iterable[Tuple[str, datetime.datetime, int]] = ()) -> None:
        from protocols import energy as core

        self.sim = sim
        self.zone = zone if zone is not None else core.zone("Europe/Oslo")
        self.lists = set(lists) if lists else None
        self.hourly = getattr(sim, "hourly", 2 if sim.kind == "kamstrup" else 3)
        self.start_u = self._utc(sim.start)
        self.faults = []
        for kind, at, secs in faults:
            u = self._utc(at)
            self.faults.append((kind, u, u + secs))
        self.pattern = self._pattern()
        self.templates: Dict[int, Tuple[bytearray, List[Any], List[int], datetime.datetime]] = {}
        for lst in set(x[1] for x in self.pattern):
            self._template(lst)

    def _utc(self, dt):
        from protocols import energy as core

        local = core.seconds(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)
        c = core.local_candidates(self.zone, local)
        return c[0] if c else local - self.zone.utcoffset(local - 86400)

    def _local(self, u):
        off = self.zone.utcoffset(u)
        return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=u + off)

    def _pattern(self):
        """(half-seconds into the hour, list) of one hour, in order."""
        ref = datetime.datetime(2026, 1, 5, 10)
        out = []
        for k in range(7200):
            lst = self.sim.schedule(ref + datetime.timedelta(seconds=k * 0.5))
            if lst is not None and (self.lists is None or lst in self.lists):
                out.append((k, lst))
        return out

    # -- templates ------------------------------------------------------------------
    def _probe(self, lst, vals, frozen, when):
        sim = self.sim
        kept = sim.frozen, sim.sent
        sim.values = lambda: vals  # the builders read values() and frozen
        sim.frozen = frozen
        try:
            return sim.make(lst, when, 0.0, cipher=False).frame
        finally:
            del sim.values
            sim.frozen, sim.sent = kept

    def _template(self, lst):
        t = self.templates.get(lst)
        if t is not None:
            return t
        import struct as st

        base = dict(p_imp=1000, p_exp=2000, q_imp=3000, q_exp=4000, i=[1.0, 2.0, 3.0], u=[230.0, 231.0, 232.0])
        frozen = [10000000, 20000000, 30000000, 40000000]
        when = datetime.datetime(2026, 1, 5, 10, 0, 10) if lst == self.hourly else datetime.datetime(2026, 1, 5, 10, 7, 20)
        ref = self._probe(lst, base, frozen, when)
        recipe = []

        def diff(other, name, index, delta, width_hint):
            pos = [k for k in range(len(ref)) if ref[k] != other[k] and k < len(ref) - 3]
            if not pos:
                return
            # the value field: from the changed bytes back to its A-XDR tag
            end = pos[-1] + 1
            for width, fmt in width_hint:
                start = end - width
                if start <= pos[0] and ref[start - 1] in fmt[1]:
                    a = st.unpack(fmt[0], ref[start:end])[0]
                    b = st.unpack(fmt[0], other[start:end])[0]
                    recipe.append((start, st.Struct(fmt[0]), name, index, (b - a) / delta))
                    return
            raise ValueError("simulate --fast: cannot place %s in list %d" % (name, lst))

        ints = ((4, (">I", (0x06,))), (4, (">i", (0x05,))), (2, (">H", (0x12,))), (2, (">h", (0x10,))),
                (8, (">Q", (0x15,))), (1, (">B", (0x11, 0x16))), (1, (">b", (0x0F,))))
        for name in ("p_imp", "p_exp", "q_imp", "q_exp"):
            v = dict(base)
            v[name] = base[name] + 7
            diff(self._probe(lst, v, frozen, when), name, None, 7, ints)
        for name, delta in (("i", 0.5), ("u", 1.0)):
            for k in range(3):
                v = dict(base)
                v[name] = list(base[name])
                v[name][k] += delta
                diff(self._probe(lst, v, frozen, when), name, k, delta, ints)
        for k in range(4):
            f = list(frozen)
            f[k] += 1000
            diff(self._probe(lst, base, f, when), "e", k, 1000, ints)
        # date-times: 12-byte fields whose year..second bytes change with the time
        later = self._probe(lst, base, frozen, when + datetime.timedelta(days=400, hours=5, minutes=3, seconds=7))
        times = []
        k = 0
        while k < len(ref) - 12:
            if ref[k:k + 2] == bytes((when.year >> 8, when.year & 0xFF)) and ref[k + 2] == when.month and \
                    ref[k + 3] == when.day and later[k:k + 2] != ref[k:k + 2]:
                times.append(k)
                k += 12
            else:
                k += 1
        t = (bytearray(ref), recipe, times, when)
        self.templates[lst] = t
        return t

    # -- frames --------------------------------------------------------------------------
    def _advance(self, u, when):
        """Move the load to UTC second ``u`` (False while the power is cut)."""
        prof = self.sim.profile
        for a, b in self._cuts:
            if self._last < a <= u:  # consume up to the cut, then nothing
                prof.step(self._local(a), a - self._last)
                self._last = a
            if a <= self._last < b:
                if u < b:
                    return False
                self._last = b
        if u > self._last:
            prof.step(when, u - self._last)
            self._last = u
        return True

    def frames(self, count: Optional[int] = None, duration: Optional[float] = None) -> Iterator[SimFrame]:
        from protocols.crc import crc16_x25

        sim = self.sim
        prof = sim.profile
        hour_u = self.start_u - self.start_u % 3600
        start_half = (self.start_u - hour_u) * 2
        self._last = self.start_u
        prof.step(self._local(self.start_u), 0.0)
        sim.frozen = [int(e) for e in prof.energy]
        made = 0
        t0 = self.start_u
        self._cuts = [(a, b) for kind, a, b in self.faults if kind == "power-cut"]
        quiet = [(a, b) for kind, a, b in self.faults if kind == "reboot"]
        missed = set(a - a % 3600 for kind, a, b in self.faults if kind == "miss-list3")
        while True:
            local_hour = self._local(hour_u)
            # freeze the registers at the full hour (what the hourly list sends)
            if hour_u >= self._last and self._advance(hour_u, local_hour):
                sim.frozen = [int(e) for e in prof.energy]
            for half, lst in self.pattern:
                if half < start_half:
                    continue
                u2 = hour_u * 2 + half
                if duration is not None and u2 * 0.5 - t0 > duration:
                    return
                when = local_hour + datetime.timedelta(seconds=half * 0.5)
                if not self._advance(u2 // 2, when):
                    continue
                u = u2 // 2
                if lst == self.hourly and hour_u in missed:
                    continue
                if any(a <= u < b for a, b in quiet):
                    continue
                yield self._frame(lst, when, u2 * 0.5 - t0, crc16_x25)
                made += 1
                if count is not None and made >= count:
                    return
            start_half = 0
            hour_u += 3600

    def _frame(self, lst, when, t, crc):
        buf, recipe, times, _ref_when = self._template(lst)
        sim = self.sim
        v = sim.values()
        e = sim.frozen
        for pos, packer, name, index, scale in recipe:
            if name == "e":
                x = e[index]
                raw = int(x) // int(round(1 / scale)) if scale < 1 else int(round(x * scale))
            elif index is None:
                raw = int(round(v[name] * scale))
            else:
                arr_ = v[name]
                if index >= len(arr_):
                    continue
                raw = int(round(arr_[index] * scale))
            packer.pack_into(buf, pos, raw)
        if times:
            for k in times:
                # the header time is the push's; a clock inside list 3 is its hour
                dt = when if k < 40 or lst != self.hourly else when.replace(minute=0, second=0)
                # year..second from the one date-time codec; the template keeps
                # its hundredths, deviation and status bytes
                buf[k:k + 8] = cosem_datetime(dt)[:8]
        fcs = crc(memoryview(buf)[1:-3])
        buf[-3] = fcs & 0xFF
        buf[-2] = fcs >> 8
        out = bytes(buf) if sim.key is None else sim.cipher(buf)
        return SimFrame(t, when, lst, out, None, None, None)


# The sinks (a pty, a TCP server) live beside the sources, in hostlib/sinks.py;
# re-exported here for code that imported them from the simulator.
from .sinks import PtySink, TcpServerSink  # noqa: E402,F401
