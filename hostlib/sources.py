# hostlib/sources.py: byte sources: serial ports, TCP, files, recordings.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Where the bytes come from.

Every source has the same small interface::

    src = open_source("/dev/ttyUSB0")        # or "tcp://192.168.1.20:3001", "capture.hex", "-"
    data = src.read()     # bytes; b"" when nothing arrived within the timeout;
                          # None at the end of a file
    src.close()

* ``open_serial(port, baudrate=2400, parity="E")``: pyserial, 8E1 at
  2400 baud by default (Aidon, Kaifa); ``parity="N"`` for Kamstrup;
  ``auto=True`` tries 2400 8E1, 2400 8N1, 9600 8N1 and 115200 8N1 until a
  frame of any protocol (HDLC, M-Bus, P1) verifies. pyserial URLs (``rfc2217://``, ``socket://``,
  ``loop://``) work too.
* ``open_tcp(host, port)`` / ``"tcp://host:port"``: ser2net, network dongles.
* ``open_file(path)``: raw bytes, hex text (``#`` comments) or a recording,
  detected from the content; ``"-"`` is standard input.

Failures raise ``SourceError`` with a message meant for the user (no such
port, permission denied and how to fix it, connection refused, ...);
``SourceLost`` (a subclass) when an open source goes away mid-stream: a
caller may reopen it (``hostlib.reader.follow`` does, with backoff).
"""

import errno
import os
import socket
import sys
import time
from typing import Any, BinaryIO, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .hexinput import HEX, JSONL, P1TEXT, RAW, RECORDING, HexDecoder, sniff

DEFAULT_BAUDRATE = 2400
DEFAULT_PARITY = "E"
# What auto-detection tries, in order (digest 1.3): Aidon/Kaifa, Kamstrup,
# some DIY dongles and converters, Swedish/Finnish RJ12 ports.
AUTO_SETTINGS = ((2400, "E"), (2400, "N"), (9600, "N"), (115200, "N"))
# Long enough for a Kamstrup (one push every 10 s) to send a whole frame.
AUTO_PROBE_SECONDS = 12.0
# Bytes without a verified frame after which a setting is given up: twice the
# largest frame or telegram, so a whole one is always inside (the firmware,
# with its smaller buffers, uses protocols.detect's default of 2304).
AUTO_PROBE_BYTES = 8192

_PARITY_NAMES = {"N": "none", "E": "even", "O": "odd", "M": "mark", "S": "space"}


class SourceError(Exception):
    """A source cannot be opened or read. ``str(err)`` is for the user."""

    kind = "io"
    retryable = False

    def __init__(self, message: str, hint: Optional[str] = None) -> None:
        Exception.__init__(self, message)
        self.message = message
        self.hint = hint

    def __str__(self):
        return self.message + ("\n  hint: " + self.hint if self.hint else "")


class PortNotFound(SourceError):
    kind = "not-found"


class PermissionDenied(SourceError):
    kind = "permission"


class ConnectionFailed(SourceError):
    kind = "connection"


class SourceLost(SourceError):
    """An open source went away (unplugged, peer closed); it may come back."""

    kind = "lost"
    retryable = True


def settings_text(baudrate: int, parity: str, bytesize: int = 8, stopbits: float = 1) -> str:
    return "%d %d%s%s" % (baudrate, bytesize, parity, stopbits)


class Source:
    """Base class: ``read() -> bytes | b"" (timeout) | None (end)``."""

    name = "?"
    live = True  # False for files: no reconnecting, no timing
    # When the last chunk read was received (POSIX seconds), or None when
    # unknown (a file without timestamps): readings get it as received_at.
    received: Optional[float] = None

    def read(self, size: int = 4096) -> Optional[bytes]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[bytes]:
        """The chunks until the end of the source (files) or forever (live)."""
        while True:
            data = self.read()
            if data is None:
                return
            if data:
                yield data

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.name)


# -- serial ---------------------------------------------------------------


def _serial_error(port, exc):
    """A SourceError with a helpful message for a pyserial/OS error."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code is None and exc.args and isinstance(exc.args[0], int):
        code = exc.args[0]
    if code == errno.ENOENT or "No such file" in text or "could not open port" in text and "2]" in text:
        hint = _list_ports_hint()
        return PortNotFound("%s: no such serial port" % port, hint)
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        user = os.environ.get("USER") or "$USER"
        return PermissionDenied(
            "%s: permission denied" % port,
            "add yourself to the group that owns the port, then log out and in again:\n"
            "        sudo usermod -aG dialout %s   (Arch/Fedora: uucp)\n"
            "  or check the owner with: ls -l %s" % (user, port),
        )
    if code == errno.ENOTTY or "Inappropriate ioctl" in text:
        return SourceError("%s: not a serial port (a device without serial line settings)" % port,
                           "give a serial port (/dev/ttyUSB0, /dev/serial/by-id/...), tcp://HOST:PORT or a file")
    if code == errno.EBUSY or "busy" in text.lower():
        return SourceError("%s: port is busy (another program has it open?)" % port,
                           "close it there (ModemManager, a serial monitor, Home Assistant) and retry")
    if code in (errno.ENXIO, errno.ENODEV, errno.EIO) or "disconnected" in text or "readiness to read" in text:
        return SourceLost("%s: the device disappeared (unplugged?)" % port)
    return SourceError("%s: %s" % (port, text))


def _list_ports_hint():
    try:
        from serial.tools import list_ports

        ports = [p.device for p in list_ports.comports()]
    except Exception:  # pragma: no cover - depends on the system
        ports = []
    if ports:
        return "serial ports on this machine: " + ", ".join(sorted(ports))
    return "no serial ports found: is the dongle plugged in? (try: ls /dev/serial/by-id/)"


def is_pty(port: str) -> bool:
    """True for a pseudo-terminal (they ignore parity, see the toolchain doc)."""
    try:
        st = os.stat(port)
    except (OSError, TypeError, ValueError):
        return False
    major = os.major(st.st_rdev)
    return 136 <= major <= 143 or port.startswith("/dev/pts/") or port == "/dev/ptmx"


class SerialSource(Source):
    """A pyserial port. ``settings`` names what it runs at (``2400 8E1``)."""

    def __init__(self, ser: Any, port: str, timeout: Optional[float]) -> None:
        self.ser = ser
        self.port = port
        self.name = port
        self.timeout = timeout
        self._pending = b""
        self.parity_ignored = False

    @property
    def settings(self) -> str:
        s = self.ser
        return settings_text(s.baudrate, s.parity, s.bytesize, s.stopbits)

    def read(self, size: int = 4096) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            self.received = time.time()
            return data
        import serial

        try:
            data = self.ser.read(1)
            if data:
                self.received = time.time()
                waiting = self.ser.in_waiting
                if waiting:
                    data += self.ser.read(min(waiting, size))
            return data
        except serial.SerialException as e:
            raise _serial_error(self.port, e) from None
        except OSError as e:
            raise _serial_error(self.port, e) from None
        except TypeError:
            # pyserial raises TypeError on some platforms when the fd vanishes.
            raise SourceLost("%s: the device disappeared (unplugged?)" % self.port) from None

    def write(self, data: Union[bytes, bytearray, memoryview]) -> int:
        import serial

        try:
            return self.ser.write(data)
        except serial.SerialTimeoutException:
            return 0
        except (serial.SerialException, OSError) as e:
            raise _serial_error(self.port, e) from None

    def close(self) -> None:
        try:
            self.ser.close()
        except Exception:
            pass


def _open_port(port, baudrate, parity, bytesize, stopbits, timeout, write_timeout=None):
    """Open one pyserial port; fall back to parity N on a pty (which refuse E)."""
    import termios

    import serial

    kw = dict(baudrate=baudrate, parity=parity, bytesize=bytesize, stopbits=stopbits,
              timeout=timeout, write_timeout=write_timeout)
    if parity not in _PARITY_NAMES:
        raise SourceError("parity must be one of N, E, O, M, S; found %r" % parity)
    if parity != "N" and "://" not in port and is_pty(port):
        # A pty has no parity (the kernel drops it on the first open and
        # refuses it on the next): open 8N1 up front, the bytes are the same.
        try:
            return serial.Serial(port, **dict(kw, parity="N")), True
        except serial.SerialException as e:
            raise _serial_error(port, e) from None
        except OSError as e:
            raise _serial_error(port, e) from None
    try:
        if "://" in port:
            return serial.serial_for_url(port, **kw), False
        return serial.Serial(port, exclusive=True, **kw), False
    except (termios.error, ValueError) as e:
        if parity != "N" and is_pty(port):
            # A pty has no parity: open it 8N1 (the bytes are the same).
            s = serial.Serial(port, **dict(kw, parity="N"))
            return s, True
        raise SourceError("%s: cannot use %s: %s" % (port, settings_text(baudrate, parity, bytesize, stopbits), e))
    except serial.SerialException as e:
        cause = e.__context__ if isinstance(e.__context__, termios.error) else None
        if cause is not None and parity != "N" and is_pty(port):
            return serial.Serial(port, **dict(kw, parity="N")), True
        raise _serial_error(port, e) from None
    except OSError as e:
        raise _serial_error(port, e) from None


def open_serial(port: str, baudrate: int = DEFAULT_BAUDRATE, parity: str = DEFAULT_PARITY, bytesize: int = 8,
                stopbits: int = 1, timeout: float = 0.5, auto: bool = False,
                probe_seconds: float = AUTO_PROBE_SECONDS,
                settings: Sequence[Union[Tuple[int, str], str]] = AUTO_SETTINGS,
                on_probe: Optional[Callable[[int, str], None]] = None,
                clock: Callable[[], float] = time.monotonic) -> "SerialSource":
    """Open a serial port as a Source.

    ``baudrate``/``parity``/``bytesize``/``stopbits``: the line settings
    (2400 8E1 by default; Kamstrup sends 8N1: ``parity="N"``).
    ``auto=True``: try ``settings`` in turn (``(baud, parity)`` pairs or
    setting names such as ``"115200-8N1"``) with the firmware's detector
    (``protocols.detect.Detector``): each is given ``probe_seconds`` or
    ``AUTO_PROBE_BYTES`` bytes, and the first on which a frame of any
    protocol verifies (HDLC, M-Bus, P1) is kept; the bytes of that probe are
    not lost (the reader gets them first). ``on_probe(baudrate, parity)`` is
    called before each try.

    :raises SourceError: ``PortNotFound``, ``PermissionDenied``, or no
        setting produced a frame (auto mode).
    """
    if not auto:
        ser, ignored = _open_port(port, baudrate, parity, bytesize, stopbits, timeout)
        src = SerialSource(ser, port, timeout)
        src.parity_ignored = ignored
        return src
    return _detect(port, timeout, probe_seconds, settings, on_probe, clock)


def _setting_name(s):
    return s if isinstance(s, str) else "%d-8%s1" % (s[0], s[1])


def _detect(port, timeout, probe_seconds, settings, on_probe, clock):
    """``--auto``: the firmware's sans-IO ``Detector`` (protocols/detect.py)
    steps through the settings; a setting is kept at its first verified
    frame of any protocol (HDLC, M-Bus, P1)."""
    from protocols.decoder import Reader
    from protocols.detect import Detector, parse

    names = [_setting_name(s) for s in settings]
    ms = lambda: int(clock() * 1000)  # noqa: E731
    det = Detector(names, dwell_ms=int(probe_seconds * 1000), budget=AUTO_PROBE_BYTES, now=ms())
    tried = []
    while len(tried) < len(names):
        name = det.current
        baud, _bits, par, _stop, _inv = parse(name)
        par = "N" if par is None else ("E" if par == 0 else "O")
        if on_probe is not None:
            on_probe(baud, par)
        try:
            ser, ignored = _open_port(port, baud, par, 8, 1, timeout)
        except SourceError as e:
            if isinstance(e, (PortNotFound, PermissionDenied)):
                raise
            tried.append("%s (%s)" % (settings_text(baud, par), e.message))
            det.restart(ms())
            continue
        src = SerialSource(ser, port, timeout)
        src.parity_ignored = ignored
        verified = []
        core = Reader(protocol="auto", max_frame=2049, on_frame=verified.append, pending=0)
        got = bytearray()
        switched = None
        try:
            while switched is None:
                data = src.read()
                now = ms()
                if data:
                    if len(got) < 65536:
                        got += data
                    det.bytes(len(data))
                    core.feed(data)
                    if verified and det.frame(now):
                        src._pending = bytes(got)
                        src.detected = (baud, par)
                        src.detected_protocol = core.protocol
                        return src
                switched = det.poll(now)
        except SourceError:
            src.close()
            raise
        src.close()
        tried.append(settings_text(baud, par) + (" (%d bytes, no valid frame)" % len(got) if got else " (silent)"))
    raise SourceError(
        "%s: no valid frame at any setting; tried %s" % (port, ", ".join(tried)),
        "check the wiring and that the grid company has opened the HAN port",
    )


# -- TCP ----------------------------------------------------------------------


class SocketSource(Source):
    """A connected stream socket (TCP, or one end of a socketpair)."""

    def __init__(self, sock: socket.socket, name: str, timeout: Optional[float] = 0.5) -> None:
        self.sock = sock
        self.name = name
        self.timeout = timeout
        sock.settimeout(timeout)

    def read(self, size: int = 4096) -> bytes:
        try:
            data = self.sock.recv(size)
        except socket.timeout:
            return b""
        except OSError as e:
            raise SourceLost("%s: connection lost (%s)" % (self.name, e.strerror or e)) from None
        if not data:
            raise SourceLost("%s: the peer closed the connection" % self.name)
        self.received = time.time()
        return data

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def parse_tcp_url(url: str) -> Tuple[str, int]:
    """``tcp://host:port`` -> (host, port)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    rest = rest.rstrip("/")
    host, sep, port = rest.rpartition(":")
    if not sep or not host:
        raise SourceError("%s: expected tcp://HOST:PORT" % url)
    host = host.strip("[]")
    try:
        p = int(port)
        if not 0 < p < 65536:
            raise ValueError
    except ValueError:
        raise SourceError("%s: %r is not a TCP port number" % (url, port)) from None
    return host, p


def open_tcp(host: str, port: Optional[int] = None, timeout: float = 0.5,
             connect_timeout: float = 5.0) -> "SocketSource":
    """Connect to ``host:port`` (or a ``tcp://host:port`` URL) and return a Source."""
    if port is None:
        host, port = parse_tcp_url(host)
    name = "tcp://%s:%d" % (host, port)
    try:
        sock = socket.create_connection((host, port), timeout=connect_timeout)
    except ConnectionRefusedError:
        raise ConnectionFailed(
            "%s: connection refused" % name,
            "is the server (ser2net, the dongle) running and listening on port %d?" % port,
        ) from None
    except socket.gaierror as e:
        raise ConnectionFailed("%s: unknown host (%s)" % (name, e.strerror)) from None
    except socket.timeout:
        raise ConnectionFailed("%s: no answer within %.0f s" % (name, connect_timeout)) from None
    except OSError as e:
        raise ConnectionFailed("%s: %s" % (name, e.strerror or e)) from None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    return SocketSource(sock, name, timeout)


# -- files --------------------------------------------------------------------


class FileSource(Source):
    """Raw bytes from a binary file object."""

    live = False

    def __init__(self, f: BinaryIO, name: str, own: bool = True, chunk: int = 65536) -> None:
        self.f = f
        self.name = name
        self.own = own
        self.chunk = chunk
        self.position = 0  # input bytes consumed (for progress bars)
        self.format = RAW
        self._read1 = getattr(f, "read1", f.read)
        self._eof = False

    def _raw(self, size):
        if self._eof:
            return b""  # a terminal's end of input is said once: never read past it
        try:
            # read1: what is there (a pipe or a terminal need not fill the size)
            data = self._read1(size)
        except OSError as e:
            raise SourceError("%s: %s" % (self.name, e.strerror or e)) from None
        if not data:
            self._eof = True
        self.position += len(data)
        return data

    def read(self, size: Optional[int] = None) -> Optional[bytes]:
        data = self._raw(size or self.chunk)
        return data if data else None

    def close(self) -> None:
        if self.own:
            try:
                self.f.close()
            except OSError:
                pass


class HexFileSource(FileSource):
    """Hex text decoded as it is read. A bad line is skipped with a warning
    (``on_warning(message)``, and kept in ``warnings``, the first 100), so
    one typo costs the frame it is in, not the file."""

    def __init__(self, f: BinaryIO, name: str, own: bool = True, chunk: int = 65536, head: bytes = b"",
                 on_warning: Optional[Callable[[str], Any]] = None) -> None:
        FileSource.__init__(self, f, name, own, chunk)
        self.format = HEX
        self.warnings: List[str] = []
        self.on_warning = on_warning
        self.hex = HexDecoder(on_error=self._bad_line)
        self._head = head
        self._done = False

    @property
    def bad_lines(self) -> int:
        return self.hex.bad_lines

    def _bad_line(self, e):
        msg = "%s: bad hex: %s; line skipped" % (self.name, e)
        if len(self.warnings) < 100:
            self.warnings.append(msg)
        if self.on_warning is not None:
            self.on_warning(msg)

    def read(self, size: Optional[int] = None) -> Optional[bytes]:
        while not self._done:
            if self._head:
                text, self._head = self._head, b""
            else:
                text = self._raw(size or self.chunk)
            if not text:
                self._done = True
                data = self.hex.finish()
            else:
                data = self.hex.feed(text)
            if data:
                return data
        return None


class RecordingSource(FileSource):
    """The chunks of a recording, at the recorded pace (``speed``) or at once."""

    def __init__(self, f: BinaryIO, name: str, own: bool = True, speed: Optional[float] = None,
                 head: bytes = b"") -> None:
        FileSource.__init__(self, f, name, own)
        self.format = RECORDING
        from .recording import read_recording, replay

        self._lines = _Lines(self, head)
        self.meta: Dict[str, str] = {}
        self._t: List[float] = []
        self._t0: Union[float, None, bool] = False  # False: the header's start time not read yet
        self._it = replay(self._timed(read_recording(self._lines, meta=self.meta)), speed)

    def _timed(self, chunks):
        # Remember each chunk's time, for ``received``.
        for t, data in chunks:
            self._t.append(t)
            yield t, data

    def read(self, size: Optional[int] = None) -> Optional[bytes]:
        from .recording import RecordingError, started_seconds

        try:
            data = next(self._it)
            t = self._t.pop() if self._t else None
            if self._t0 is False:
                self._t0 = started_seconds(self.meta)  # the header is read by now
            self.received = None if t is None or self._t0 is None else self._t0 + t
            return data
        except StopIteration:
            return None
        except RecordingError as e:
            raise SourceError("%s: bad recording: %s" % (self.name, e)) from None


class _Lines:
    """Line iterator over a FileSource that keeps ``position`` up to date."""

    def __init__(self, src, head):
        self.src = src
        self.head = head

    def __iter__(self):
        buf = self.head
        while True:
            nl = buf.find(b"\n")
            while nl < 0:
                more = self.src._raw(65536)
                if not more:
                    if buf:
                        yield buf
                    return
                buf += more
                nl = buf.find(b"\n")
            yield buf[: nl + 1]
            buf = buf[nl + 1 :]


def open_file(path: str, format: str = "auto", speed: Optional[float] = None,
              on_warning: Optional[Callable[[str], None]] = None) -> "FileSource":
    """A file (or ``"-"``: standard input) as a Source.

    ``format``: ``"auto"`` (detected by content from the first 4 KiB: a
    recording, a P1 telegram as text, the dongle's JSON lines, hex text or
    raw bytes), or one of ``"raw"``, ``"hex"``, ``"recording"``, ``"p1"``,
    ``"json"`` to override; ``src.format`` says which. P1 text and JSON
    lines are passed on as the bytes they are (the reader knows them).
    ``speed``: for recordings, replay at the recorded pace times ``speed``;
    None = as fast as possible. ``on_warning(message)``: a bad line of hex
    text, which is skipped (see ``HexFileSource``).
    """
    if path == "-":
        f = sys.stdin.buffer
        name = "<stdin>"
        own = False
    else:
        name = path
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            raise PortNotFound("%s: no such file" % path) from None
        except PermissionError:
            raise PermissionDenied("%s: permission denied" % path) from None
        except IsADirectoryError:
            raise SourceError("%s: is a directory" % path) from None
        except OSError as e:
            raise SourceError("%s: %s" % (path, e.strerror or e)) from None
        own = True
    head = b""
    format_given = format
    if format == "auto":
        try:
            head = _read_head(f, 4096)
        except OSError as e:
            raise SourceError("%s: %s" % (name, e.strerror or e)) from None
        format = sniff(head)
    src: FileSource
    if format == RECORDING:
        src = RecordingSource(f, name, own, speed, head)
    elif format == HEX:
        src = HexFileSource(f, name, own, head=head, on_warning=on_warning)
    elif format in (RAW, P1TEXT, JSONL):
        src = FileSource(f, name, own)
        if head:
            src = _Prefixed(src, head)
        src.format = format
    else:
        raise SourceError("unknown input format %r (auto, raw, hex, recording, p1, json)" % format)
    src.position = len(head)
    if format_given == "auto" and not head:
        src._eof = True
    return src


def _read_head(f, size):
    """Up to ``size`` bytes to sniff: what a pipe or terminal has given so far
    (at least one read), or the file's first ``size`` bytes."""
    read1 = getattr(f, "read1", None)
    if read1 is None:
        return f.read(size)
    head = read1(size)
    while head and len(head) < size and not f.isatty() and _is_regular(f):
        more = read1(size - len(head))
        if not more:
            break
        head += more
    return head


def _is_regular(f):
    import stat

    try:
        return stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, AttributeError, ValueError):
        return False


class _Prefixed(FileSource):
    def __init__(self, inner, head):
        FileSource.__init__(self, inner.f, inner.name, inner.own, inner.chunk)
        self._head = head

    def read(self, size=None):
        if self._head:
            data, self._head = self._head, b""
            return data
        return FileSource.read(self, size)


class IterSource(Source):
    """Chunks from any iterable of bytes (tests, custom transports)."""

    live = False

    def __init__(self, chunks: Iterable[bytes], name: str = "<iter>") -> None:
        self._it = iter(chunks)
        self.name = name

    def read(self, size: int = 4096) -> Optional[bytes]:
        try:
            return next(self._it)
        except StopIteration:
            return None


def open_source(spec: str, *, baudrate: int = DEFAULT_BAUDRATE, parity: str = DEFAULT_PARITY, auto: bool = False,
                timeout: float = 0.5, format: str = "auto", speed: Optional[float] = None, **serial_kw: Any) -> Source:
    """Open what ``spec`` names: ``tcp://host:port``, a pyserial URL, a serial
    port, a file or ``-`` (standard input)."""
    if not isinstance(spec, str):
        raise SourceError("expected a port, URL or file name, found %r" % (spec,))
    if spec.startswith("tcp://"):
        return open_tcp(spec, timeout=timeout)
    if "://" in spec:
        return open_serial(spec, baudrate, parity, timeout=timeout, auto=auto, **serial_kw)
    if spec == "-":
        return open_file(spec, format, speed)
    if os.path.isfile(spec):
        return open_file(spec, format, speed)
    if spec.startswith("/dev/") or spec.upper().startswith("COM") or os.path.exists(spec):
        return open_serial(spec, baudrate, parity, timeout=timeout, auto=auto, **serial_kw)
    if os.path.exists(os.path.dirname(spec) or "."):
        raise PortNotFound("%s: no such file or serial port" % spec, _list_ports_hint())
    raise PortNotFound("%s: no such file or serial port" % spec)
