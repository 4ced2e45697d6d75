# protocols/apduframer.py: bare APDUs in a byte stream (no transport framing).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Bare APDUs back to back, without HDLC or M-Bus around them: the Luxembourg
Smarty's ciphered telegrams, and dumps as users paste them into issues and
vendors print them (optionally after the LLC header ``E6 E7 00``).

* A ciphered APDU ``DB|DC 08 title(8) len SC counter …`` carries its length:
  it is hunted anywhere in the stream.
* A plaintext Data-Notification ``0F …`` has no length field: it is
  delimited by parsing its A-XDR body, only where an APDU may begin (the
  start of the input, right after an accepted APDU) and only at the end of
  the input (``flush``), when the whole of it is known. So a ``0F`` byte in
  the middle of other traffic never costs a parse.

There is no checksum: the GCM tag, or a plaintext that decodes, is the only
check, which is why ``protocols.decoder.Reader`` lets this framer win the
protocol detection only where no framer with a checksum claims the bytes.
Messages are the APDU bytes (the LLC header dropped).
"""

from .apdu import data_notification_at
from .errors import FormatError, HanError, OversizeError, TruncatedError
from .framing import Framer


def _llc(buf, p, n):
    return p + 3 <= n and buf[p] == 0xE6 and buf[p + 1] == 0xE7 and buf[p + 2] == 0


class ApduFramer(Framer):
    """``feed(chunk)`` returns APDUs (bytes); ``flush()`` the plaintext one at
    the end. ``anchored``: the first byte fed may begin an APDU."""

    COUNTERS = ("accepted", "oversize", "truncated", "format_errors", "discarded")
    REJECTS = ("oversize", "truncated", "format_errors")

    def __init__(self, max_frame=4096, on_reject=None, chunk=512, anchored=True):
        self.max_frame = max_frame
        self.on_reject = on_reject
        self._anchor = anchored
        self._init_buffer(max_frame + chunk)

    def _fail(self, err):
        self.discarded += 1
        self._reject(err)

    def _scan(self, out, final=False):
        buf = self._buf
        mv = self._mv
        n = self._n
        p = 0
        while True:
            if self._anchor and p < n:
                q = p + 3 if _llc(buf, p, n) else p
                if q < n and buf[q] == 0x0F or q == n and q > p or n - p < 3 and buf[p] == 0xE6:
                    if not final:
                        if n < len(buf):
                            break  # a plaintext APDU: delimited at the end of input
                    else:
                        try:
                            _, e = data_notification_at(bytes(mv[:n]), q)
                        except HanError:
                            e = -1
                        if e > 0:
                            out.append(bytes(mv[q:e]))
                            self.accepted += 1
                            if self._spans is not None:
                                self._span(p, e)
                            p = e
                            continue
                self._anchor = False
            # A ciphered APDU: hunt DB 08 / DC 08.
            q = buf.find(b"\xdb\x08", p, n)
            q2 = buf.find(b"\xdc\x08", p, n)
            if q < 0 or 0 <= q2 < q:
                q = q2
            if q < 0:
                k = n
                if not final and n > p and (buf[n - 1] == 0xDB or buf[n - 1] == 0xDC):
                    k = n - 1  # may begin one
                self.discarded += k - p
                p = k
                break
            s = q - 3 if q - 3 >= p and _llc(buf, q - 3, n) else q
            self.discarded += s - p
            p = s
            if n - q < 12:
                if not final:
                    break
                self.discarded += q - p
                self.truncated += 1
                self._fail(TruncatedError("input ends inside a ciphered APDU", q))
                p = q + 1
                continue
            self.discarded += q - p  # an LLC header: given back if the APDU is accepted
            b = buf[q + 10]
            if b < 0x80:
                ln, hl = b, 1
            elif b == 0x81 or b == 0x82:
                hl = 1 + (b & 0x7F)
                ln = buf[q + 11] if b == 0x81 else (buf[q + 11] << 8) | buf[q + 12]
            else:
                self.format_errors += 1
                self._fail(FormatError("ciphered APDU: length byte 0x%02X" % b, q))
                p = q + 1
                continue
            total = 10 + hl + ln
            if total > self.max_frame or ln < 5:
                if ln < 5:
                    self.format_errors += 1
                    self._fail(FormatError("ciphered APDU: length %d leaves no room for SC and counter" % ln, q))
                else:
                    self.oversize += 1
                    self._fail(OversizeError("ciphered APDU of %d bytes" % total, q))
                p = q + 1
                continue
            if n - q < total:
                if not final:
                    self.discarded -= q - p  # undecided again
                    break
                self.truncated += 1
                self._fail(
                    TruncatedError("input ends inside a ciphered APDU: %d of %d bytes" % (n - q, total), q)
                )
                p = q + 1
                continue
            out.append(bytes(mv[q : q + total]))
            self.accepted += 1
            self.discarded -= q - p
            if self._spans is not None:
                self._span(p, q + total)
            p = q + total
            self._anchor = True
        self._drop(p)
