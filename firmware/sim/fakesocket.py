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


def getaddrinfo(host, port, *a):
    return [(AF_INET, SOCK_STREAM, 0, "", (host, port))]


class socket:
    def __init__(self, *a):
        self._in = bytearray()
        self._subs = 0

    def settimeout(self, t):
        pass

    def setblocking(self, flag):
        pass

    def connect(self, addr):
        pass

    def write(self, data, n=None):
        n = len(data) if n is None else n
        if n:
            b = data[0]
            if type(b) is str:  # umqtt writes topics and ids as str (a stream takes both)
                b = ord(b)
            if b == 0x10:
                self._in += b"\x20\x02\x00\x00"
            elif b == 0x82:
                self._subs += 1
                self._in += bytes((0x90, 3, self._subs >> 8, self._subs & 0xFF, 0))
            if b & 0xF0 == 0x30:
                written[1] += 1
        written[0] += n
        return n

    def read(self, n):
        if not self._in:
            return None
        out = bytes(self._in[:n])
        self._in = self._in[n:]
        return out

    def close(self):
        pass
