# protocols/gcm.py: AES-128-GCM for DLMS ciphered APDUs, built on an AES-ECB primitive.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""AES-128-GCM (NIST SP 800-38D) as DLMS uses it (digest 3.3):

* nonce (IV) = system title (8) ‖ invocation counter (4);
* authenticated frames (SC bit 4): 12-byte tag, AAD = SC ‖ authentication key;
* encryption-only frames (SC 0x20/0x21): no tag, CTR from counter block 2.

    >>> g = GCM(bytes.fromhex("000102030405060708090A0B0C0D0E0F"))
    >>> iv = bytes.fromhex("4D4D4D0000BC614E01234567")
    >>> aad = bytes.fromhex("30D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
    >>> ct = bytes.fromhex("411312FF935A47566827C467BC")
    >>> g.decrypt(iv, ct, aad, bytes.fromhex("7D825C3BE4A77C3FCC056B6B")).hex()
    'c0010000080000010000ff0200'

Why this is hand-written: the device's MicroPython ``cryptolib`` offers
AES in ECB (and CBC/CTR on some builds) but no GCM, and there is no GCM in
micropython-lib either. GCM is CTR mode plus the GHASH polynomial MAC, both
of which need only the forward cipher, so this module builds them on
``cryptolib.aes(key, 1)`` (ECB): one ``encrypt`` call turns a buffer of all
the counter blocks into the whole keystream, and GHASH runs in Python with
Shoup's 4-bit tables (16 + 16 long ints, ~1 KiB), 32 table steps per block.
On the host ``hostlib.crypto`` uses the ``cryptography`` package instead.

Where ``cryptolib`` is missing (the webassembly VM; CPython) the pure-Python
``protocols.aes`` stands in, so the same tests run everywhere. Any object
with ``encrypt(in_buf, out_buf)`` over 16-byte blocks can be passed as the
``aes`` factory (tests pass one backed by ``cryptography``).

Allocation: buffers (counter blocks, keystream, GHASH scratch) are kept per
instance and grown only when a longer frame arrives; a decryption allocates
the plaintext and, in GHASH, the short-lived long ints of the table walk.
"""

try:
    from cryptolib import aes as _cryptolib_aes
except ImportError:  # webassembly VM, CPython: no cryptolib
    _cryptolib_aes = None

TAG_LEN = 12  # DLMS truncates the GCM tag to 12 bytes


def ecb_factory():
    """The AES-ECB constructor of this platform: ``cryptolib`` or the fallback."""
    if _cryptolib_aes is not None:
        return _ecb_cryptolib
    from .aes import AES  # only where cryptolib is missing

    return AES


def _ecb_cryptolib(key):
    return _cryptolib_aes(key, 1)  # 1 = MODE_ECB


def _r4():
    # Reduction terms for the 4 bits shifted out when multiplying by x^4:
    # bit b of the dropped nibble stands for x^(128 + 3 - b) = x^(3-b) * (1 + x + x^2 + x^7).
    r = []
    for n in range(16):
        v = 0
        for b in range(4):
            if n & (1 << b):
                v ^= (0xE1 << 120) >> (3 - b)
        r.append(v)
    return tuple(r)


_R4 = None


class GCM:
    """AES-128-GCM with one key. ``aes``: an ECB constructor (``key -> obj``
    with ``encrypt(in_buf, out_buf)``); default: ``cryptolib`` or ``protocols.aes``."""

    def __init__(self, key, aes=None):
        global _R4
        if len(key) != 16:
            raise ValueError("AES-128-GCM: expected a 16-byte key, found %d bytes" % len(key))
        if aes is None:
            aes = ecb_factory()
        self._ecb = aes(bytes(key))
        self._blk = bytearray(16)
        self._out = bytearray(16)
        self._ctr = bytearray(0)  # counter blocks
        self._ks = bytearray(0)  # keystream
        self._ecb.encrypt(self._blk, self._out)
        h = int.from_bytes(self._out, "big")
        # T[n] = N(n) * H, where int bit b of the nibble is the coefficient of x^(3-b);
        # multiplying by x is a right shift of the big-endian integer (with reduction).
        hx = [h]
        for _ in range(3):
            h = (h >> 1) ^ (0xE1 << 120) if h & 1 else h >> 1
            hx.append(h)  # hx[k] = H * x^k
        t = []
        for n in range(16):
            v = 0
            for b in range(4):
                if n & (1 << b):
                    v ^= hx[3 - b]
            t.append(v)
        self._t = tuple(t)
        if _R4 is None:
            _R4 = _r4()

    # -- CTR ---------------------------------------------------------------

    def _keystream(self, iv, n, first):
        """Fill self._ks with at least n keystream bytes from counter block ``first``."""
        nb = (n + 15) >> 4
        size = nb << 4
        if len(self._ctr) < size:
            self._ctr = bytearray(size)
            self._ks = bytearray(size)
        ctr = self._ctr
        o = 0
        c = first
        while o < size:
            ctr[o : o + 12] = iv
            ctr[o + 12] = (c >> 24) & 0xFF
            ctr[o + 13] = (c >> 16) & 0xFF
            ctr[o + 14] = (c >> 8) & 0xFF
            ctr[o + 15] = c & 0xFF
            c += 1
            o += 16
        if len(ctr) == size:
            self._ecb.encrypt(ctr, self._ks)
        else:
            self._ecb.encrypt(memoryview(ctr)[:size], memoryview(self._ks)[:size])
        return self._ks

    def ctr(self, iv, data, first=2):
        """``data`` XOR the keystream from counter block ``first`` (GCM data starts at 2)."""
        n = len(data)
        out = bytearray(n)
        if n:
            ks = self._keystream(iv, n, first)
            for i in range(n):
                out[i] = data[i] ^ ks[i]
        return out

    # -- GHASH -------------------------------------------------------------

    def _mul(self, y):
        """y * H in GF(2^128) (GCM bit order), Shoup's 4-bit method."""
        T = self._t
        R = _R4
        yb = y.to_bytes(16, "big")
        z = 0
        j = 15
        while j >= 0:
            b = yb[j]
            z = (z >> 4) ^ R[z & 15] ^ T[b & 15]
            z = (z >> 4) ^ R[z & 15] ^ T[b >> 4]
            j -= 1
        return z

    def _ghash_update(self, y, data):
        n = len(data)
        mv = memoryview(data)
        o = 0
        while o + 16 <= n:
            y = self._mul(y ^ int.from_bytes(mv[o : o + 16], "big"))
            o += 16
        if o < n:
            blk = self._blk
            k = n - o
            blk[0:k] = mv[o:n]
            for i in range(k, 16):
                blk[i] = 0
            y = self._mul(y ^ int.from_bytes(blk, "big"))
        return y

    def tag(self, iv, aad, ct):
        """The full 16-byte GCM tag of (aad, ct) under nonce ``iv``."""
        y = self._ghash_update(0, aad)
        y = self._ghash_update(y, ct)
        y = self._mul(y ^ ((len(aad) * 8) << 64 | (len(ct) * 8)))
        blk = self._blk
        blk[0:12] = iv
        blk[12] = 0
        blk[13] = 0
        blk[14] = 0
        blk[15] = 1
        self._ecb.encrypt(blk, self._out)
        s = y ^ int.from_bytes(self._out, "big")
        return s.to_bytes(16, "big")

    # -- AEAD --------------------------------------------------------------

    def encrypt(self, iv, plaintext, aad=b"", tag_len=TAG_LEN):
        """(ciphertext, tag); tag_len 0 gives encryption only. (Tests, simulators.)"""
        ct = self.ctr(iv, plaintext)
        if not tag_len:
            return ct, b""
        return ct, self.tag(iv, aad, ct)[:tag_len]

    def decrypt(self, iv, ciphertext, aad=None, tag=None):
        """Plaintext; with ``tag`` (and ``aad``) the tag is verified first.

        :raises ValueError: the tag does not verify.
        """
        if tag is not None:
            full = self.tag(iv, aad if aad is not None else b"", ciphertext)
            diff = 0
            for i in range(len(tag)):
                diff |= full[i] ^ tag[i]
            if diff or len(tag) < 4:
                raise ValueError("GCM tag mismatch")
        return self.ctr(iv, ciphertext)
