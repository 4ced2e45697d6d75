# protocols/sniff.py: the Reader's protocol detection (loaded while detecting only).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""How ``protocols.decoder.Reader`` finds the protocol of a stream (its class
doc gives the rules). Kept apart so that a device forgets this code once
the stream is locked (``Reader._lock`` drops the module; a relock imports it
again): every function takes the Reader.

While detecting, every framer records where its messages lie
(``Framer._spans``: (start, end) in its own byte count, made stream
positions with the framer's ``origin``), and the messages are held
(``_Run.held``) until a decision that does not depend on the chunking.
"""

from .apdu import Ciphered, parse_apdu
from .decoder import HDLC, MBUS, P1, RAW, _Run, decode_apdu
from .errors import HanError
from .framing import is_mbus_start, is_p1_header


def is_ciphered_start(buf, p, n):
    """True if buf[p:n] holds ``DB 08`` or ``DC 08`` (a ciphered APDU)."""
    return p + 2 <= n and (buf[p] == 0xDB or buf[p] == 0xDC) and buf[p + 1] == 8


def find_signature(buf, kind, p=0):
    """Index of the first complete signature of ``kind`` (``"mbus"``,
    ``"p1"``, ``"apdu"``) at or after ``p`` in ``buf``, or -1. (The framers
    check the same with framing.is_mbus_start / is_p1_header.)"""
    n = len(buf)
    if kind == "apdu":
        i = buf.find(b"\x08", p + 1)
        while i > 0:
            if is_ciphered_start(buf, i - 1, n):
                return i - 1
            i = buf.find(b"\x08", i + 1)
        return -1
    marker, test, size = (b"\x68", is_mbus_start, 4) if kind == "mbus" else (b"/", is_p1_header, 5)
    i = buf.find(marker, p)
    while 0 <= i <= n - size:
        if test(buf, i, n):
            return i
        i = buf.find(marker, i + 1)
    return -1


def _held_from(fr):
    """Position of the first byte ``fr`` has not decided yet (a partial
    segmented message included)."""
    p = fr._fed - fr._n
    sa = fr._seg_at
    if 0 <= sa < p:
        return sa
    return p


def _valid_sc(m):
    """True if bare APDU ``m`` is a ciphered APDU with a security control
    byte of a real suite (encryption and/or authentication, no compression)."""
    try:
        a = parse_apdu(m)
    except HanError:
        return False
    return isinstance(a, Ciphered) and bool(a.security_control & 0x30) and not a.security_control & 0x40


def detect(rd, primary, at):
    """(Re)start detection at stream position ``at``; ``primary`` (the
    framer locked so far, or a new HDLC one) keeps running and is the one
    whose counters show meanwhile. The HDLC framer (the Nordic case) runs
    from the start; the others are created, and their modules imported,
    only once their signature shows up in the stream (see ``sniff``): a
    dongle on a Norwegian meter never pays the heap for M-Bus, P1 or GCM
    code."""
    rd.protocol = None
    rd._pending = {}
    rd._primary = primary
    rd._snap = _base_of(primary, at)
    primary.fr._spans = []
    primary.held = []
    runs = [primary]
    if primary.proto != HDLC:
        h = _Run(HDLC, None, at)
        h.fr = rd._make(HDLC, h)
        h.fr._spans = []
        runs.append(h)
    rd._runs = runs
    rd.framer = primary.fr
    rd._detect_at = at
    rd._quiet = 0
    rd._tail = b""


def _base_of(run, at):
    """What ``run``'s counters stand for if another framer wins the
    detection starting at ``at``: its counters now, and the bytes it holds
    undecided (nobody else will count them)."""
    if at == 0:
        return None
    c = dict(run.fr.counters())
    c["discarded"] = c.get("discarded", 0) + run.fr._n
    return c


def sniff(rd, data, start):
    """Start the framer of every protocol whose signature is in ``data`` (or
    spans the previous chunk's end): ``68 L L 68``, ``/XXX5``, ``DB 08``; a
    stream that begins like a bare APDU (``0F``, ``DB 08``, ``E6 E7 00``)
    starts the bare-APDU framer at once."""
    tail = rd._tail
    # bytes: a memoryview has no find() on MicroPython (only while detecting)
    buf = tail + bytes(data) if tail or type(data) is not bytes else data
    for proto in (MBUS, P1, RAW):
        started = False
        for run in rd._runs:
            if run.proto == proto:
                started = True
        if started:
            continue
        anchored = proto == RAW and start == 0 and len(buf) and buf[0] in (0x0F, 0xDB, 0xDC, 0xE6)
        i = 0 if anchored else find_signature(buf, proto)
        if i >= 0:
            run = _Run(proto, None, start - len(tail) + i if i < len(tail) else start)
            run.fr = rd._make(proto, run, anchored)
            run.fr._spans = []
            rd._runs.append(run)
            if i < len(tail):
                take(run, run.fr.feed(tail[i:]))  # the signature began in the last chunk
    rd._tail = bytes(buf[-5:]) if len(buf) >= 5 else bytes(buf)


def take(run, msgs):
    """Hold ``msgs`` of ``run`` with their stream positions."""
    if not msgs:
        return
    fr = run.fr
    spans = fr._spans or []
    fr._spans = []
    o = run.origin
    held = run.held
    for k in range(len(msgs)):
        if k < len(spans):
            a, b = spans[k]
            a += o
            b += o
        else:  # (a framer that does not report spans: its end so far)
            a = b = o + fr._fed
        held.append([a, b, msgs[k], None])


def decide(rd, final):
    """The run that wins the detection, or None (not yet)."""
    best = None
    raw = None
    for run in rd._runs:
        if run.proto == RAW:
            raw = run
        elif run.held:
            if best is None or run.held[0][1] < best.held[0][1]:
                best = run
    if raw is None:
        return best
    held = raw.held
    while held:
        a, e, m, res = held[0]
        if best is not None and best.held[0][1] <= e:
            return best  # a checked message ends first
        nxt = held[1] if len(held) > 1 else None
        upto = e if nxt is None else nxt[1]
        for run in rd._runs:
            if run.proto != RAW:
                for h in run.held:
                    if h[0] < upto:
                        return run  # a checked message claims these bytes
                if not final and run.origin + _held_from(run.fr) < upto:
                    return None  # it has not judged them yet
        if not _good(rd, held[0]):
            held.pop(0)
            continue
        if nxt is None:
            # One bare APDU: it wins alone only at the end of the input.
            return raw if final and best is None else best
        if nxt[0] == e and _good(rd, nxt):
            return raw  # two back to back: a stream of bare APDUs
        held.pop(0)
    return best


def _good(rd, h):
    """Bare APDU ``h`` decodes, or is a real ciphered APDU that does not (no
    key, wrong key: reported once the stream locks)."""
    res = h[3]
    if res is None:
        try:
            res = h[3] = (True, decode_apdu(h[2], rd.decrypt))
        except HanError as err:
            try:
                err.__traceback__ = None  # (CPython: no cycle through this frame)
            except (AttributeError, TypeError):
                pass
            res = h[3] = (False, err)
    return res[0] or res[1].kind in ("encrypted", "key", "auth", "unauthenticated", "replay") and _valid_sc(h[2])


def settle(rd, final, out):
    """Lock on the winner, if any, and decode its held messages into ``out``."""
    win = decide(rd, final)
    if win is None:
        return False
    held = win.held
    win.held = []
    rd._lock(win)
    for a, b, m, res in held:
        rd._handle(win.proto, (m,), out, res)
    return True


def feed(rd, data, start, out):
    sniff(rd, data, start)
    for run in rd._runs:
        take(run, run.fr.feed(data))
    settle(rd, False, out)


def flush(rd, out):
    for run in rd._runs:
        take(run, run.fr.flush())
    if not settle(rd, True, out):
        pending = rd._pending
        # Nothing locked: report the first protocol's rejects (HDLC's first),
        # so a stream of broken frames does not pass in silence.
        rd._pending = {}
        if pending:
            for proto in (HDLC, MBUS, P1, RAW):
                if pending.get(proto):
                    if rd.on_reject is not None:
                        for e in pending[proto]:
                            rd.on_reject(e)
                    break
        for run in rd._runs:
            run.held = []
