# hostlib/sinks.py: where the simulator's frames go: a pty, a serial port, a TCP server.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The write ends of the host I/O, beside their read ends (``hostlib.sources``).

A sink is a callable ``sink(data: bytes)`` with ``close()``; ``Simulator.run``
and ``hanreader simulate`` write every frame into one. A plain binary file's
``write`` is a sink too (``hanreader simulate > frames.bin``).

* ``PtySink()``: a new pseudo-terminal pair, readers open ``.path``;
  ``PtySink(path)``: an existing pty or serial port (``sources``'s opener);
* ``TcpServerSink(port)``: a TCP server that sends every frame to every
  client (like ser2net); ``.url`` is ``tcp://HOST:PORT`` for
  ``hanreader read``.
"""

import os
import socket
import threading
from typing import Any, List, Optional, Union


class PtySink:
    """Write frames into a pseudo-terminal.

    ``PtySink()`` makes a new pty pair: the frames go into the master, a
    reader opens ``.path`` (the slave, e.g. ``/dev/pts/7``).
    ``PtySink(path)`` writes into an existing pty or serial port instead
    (e.g. one end of ``socat -d -d pty,raw,echo=0 pty,raw,echo=0``).
    Frames that nobody reads are dropped (``dropped``), as a meter would.
    """

    def __init__(self, path: Optional[str] = None, baudrate: int = 2400, parity: str = "N") -> None:
        import tty

        self.dropped = 0
        self.written = 0
        if path is None:
            self.master: Optional[int]
            self._slave: Optional[int]
            self.port: Any
            self.master, slave = os.openpty()
            tty.setraw(slave)
            self.path = os.ttyname(slave)
            self._slave = slave  # kept open so the master never sees EIO
            os.set_blocking(self.master, False)
            self.port = None
        else:
            from .sources import _open_port

            self.port, _ = _open_port(path, baudrate, parity, 8, 1, 0.5, write_timeout=0.5)
            self.path = path
            self.master = None
            self._slave = None

    def __call__(self, data: Union[bytes, bytearray, memoryview]) -> None:
        if self.master is not None:
            try:
                n = os.write(self.master, data)
                self.written += n
                if n < len(data):
                    self.dropped += 1
            except BlockingIOError:
                self.dropped += 1
        else:
            import serial

            try:
                self.port.write(data)
                self.written += len(data)
            except serial.SerialTimeoutException:
                self.dropped += 1

    def close(self) -> None:
        for fd in (self.master, self._slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self.port is not None:
            self.port.close()


class TcpServerSink:
    """A TCP server that sends every frame to every connected client (like ser2net)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind((host, port))
        self.server.listen(8)
        self.host, self.port = self.server.getsockname()[:2]
        self.clients: List[socket.socket] = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self._stop = False
        self.thread = threading.Thread(target=self._accept, name="sim-accept", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return "tcp://%s:%d" % (self.host, self.port)

    def _accept(self):
        while not self._stop:
            try:
                c, _addr = self.server.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.settimeout(2.0)
            with self.lock:
                self.clients.append(c)
            self.connected.set()

    def __call__(self, data: Union[bytes, bytearray, memoryview]) -> None:
        with self.lock:
            for c in list(self.clients):
                try:
                    c.sendall(data)
                except OSError:
                    self.clients.remove(c)
                    c.close()

    def close(self) -> None:
        self._stop = True
        try:
            self.server.close()
        except OSError:
            pass
        with self.lock:
            for c in self.clients:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.clients = []
