# sim/fakesocket.py: a ``socket`` module whose TCP peer is a minimal MQTT broker, for memory probes.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Installed as ``sys.modules["socket"]`` by sim/memprobe.py (``mqtt`` mode)
on the webassembly VM, which has no sockets: the firmware's MQTT client
(umqtt.simple) connects, subscribes and publishes through it as through a
board's lwIP socket, and every byte written is counted and dropped. It
answers CONNECT with a CONNACK (accepted) and SUBSCRIBE with a SUBACK, and
has nothing else to read. The real-broker tests use the unix port's
sockets, never this."""

AF_INET = 2
SOCK_STREAM = 1
SOCK_DGRAM = 2

written = [0, 0]  # bytes, packets

# A broker far away (tests/mp/fw_mqtt_wait.py): ``latency_ms`` is the time
# a TCP handshake or an answer takes to come back. No clock runs: a
# blocking wait for it is added to ``waited_ms`` (or, beyond the socket's
# timeout, the timeout is, and OSError 110 raised, as on a board); an
# answer not waited for is there at the next loop pass (``tick()``).
# ``unbounded`` counts writes made while the socket had no timeout, and
# reads that wait for the network without one (a board would hang there
# until the watchdog resets it).
latency_ms = 0
waited_ms = 0
unbounded = 0
_socks = []


def tick():
    """A loop pass went by: every answer sent so far has arrived."""
    for s in _socks:
        s._fresh = 0


def _wait(sock, ms):
    global waited_ms
    t = sock._timeout
    if t is not None and ms > t * 1000:
        waited_ms += int(t * 1000)
        raise OSError(110)
    waited_ms += ms


def getaddrinfo(host, port, *a):
    return [(AF_INET, SOCK_STREAM, 0, "", (host, port))]


class socket:
    def __init__(self, *a):
        self._in = bytearray()
        self._subs = 0
        self._timeout = None  # blocking, no timeout (as a new socket)
        self._fresh = 0  # bytes at the front of _in still on their way
        _socks.append(self)

    def settimeout(self, t):
        self._timeout = t

    def setblocking(self, flag):
        self._timeout = None if flag else 0

    def connect(self, addr):
        if latency_ms:
            _wait(self, latency_ms)

    def _answer(self, data):
        if latency_ms:
            self._fresh = len(self._in) + len(data)
        self._in += data

    def write(self, data, n=None):
        global unbounded
        if self._timeout is None:
            unbounded += 1
        n = len(data) if n is None else n
        if n:
            b = data[0]
            if type(b) is str:  # umqtt writes topics and ids as str (a stream takes both)
                b = ord(b)
            if b == 0x10:
                self._answer(b"\x20\x02\x00\x00")
            elif b == 0x82:
                self._subs += 1
                self._answer(bytes((0x90, 3, self._subs >> 8, self._subs & 0xFF, 0)))
            if b & 0xF0 == 0x30:
                written[1] += 1
        written[0] += n
        return n

    def read(self, n):
        global unbounded
        if self._timeout is None and (self._fresh or not self._in):
            unbounded += 1  # waits for the network with no bound
        if self._fresh and latency_ms:
            if self._timeout == 0:
                return None  # not here yet
            _wait(self, latency_ms)
            self._fresh = 0
        if not self._in:
            if self._timeout != 0 and latency_ms:
                _wait(self, 3600000)  # nothing will come: the timeout, or an hour
            return None
        out = bytes(self._in[:n])
        self._in = self._in[n:]
        self._fresh = max(0, self._fresh - len(out))
        return out

    def close(self):
        pass
