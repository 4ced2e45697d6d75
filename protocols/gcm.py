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
Shoup's 4-bit tables, 32 table steps per block, on 128-bit values split into
five small-int limbs (tables: 16 x 5 + 16 small ints; see the comment above ``_r4``).
On the host ``hostlib.crypto`` uses the ``cryptography`` package instead.

Where ``cryptolib`` is missing (the webassembly VM; CPython) the pure-Python
``protocols.aes`` stands in, so the same tests run everywhere. Any object
with ``encrypt(in_buf, out_buf)`` over 16-byte blocks can be passed as the
``aes`` factory (tests pass one backed by ``cryptography``).

Allocation: buffers (counter blocks, keystream, GHASH state and scratch) are
kept per instance and grown only when a longer frame arrives; a decryption
allocates only the plaintext (GHASH and the tag check allocate nothing, also
on 32-bit MicroPython; ``tag()`` allocates its 16-byte result).
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


# GHASH state and tables as five small ints ("limbs") of the 128-bit value,
# most significant first: bits 112..127 (16 bits), then four limbs of 28 bits
# (84..111, 56..83, 28..55, 0..27). Why limbs: on a 32-bit MicroPython an int
# >= 2**30 is a heap-allocated long int, so the textbook 128-bit-int GHASH
# allocates a new object for every shift and XOR (about 130 KB of garbage per
# 447-byte frame). A limb is always < 2**28 and every intermediate value below
# stays < 2**30, so the table walk runs on small ints only and allocates
# nothing (small ints are stored unboxed, so the lists and tuples holding the
# state and tables are read and written without allocating either). 28 bits
# is the widest multiple of 4 (nibbles must not straddle limbs) below 30, so a
# 4-bit step costs 5 limb updates (16-bit limbs would need 8); the 16-bit top
# limb holds the whole reduction term, so only it is touched by R4. Limb <->
# byte conversion happens once per block (input) and once per tag (output).


def _r4():
    # Reduction terms (top limb) for the 4 bits shifted out when multiplying by x^4:
    # bit b of the dropped nibble stands for x^(128 + 3 - b) = x^(3-b) * (1 + x + x^2 + x^7),
    # i.e. (0xE1 << 120) >> (3 - b) in the 128-bit int, which lies in bits 117..127.
    r = []
    for n in range(16):
        v = 0
        for b in range(4):
            if n & (1 << b):
                v ^= 0xE100 >> (3 - b)
        r.append(v)
    return tuple(r)


_R4 = _r4()


class GCM:
    """AES-128-GCM with one key. ``aes``: an ECB constructor (``key -> obj``
    with ``encrypt(in_buf, out_buf)``); default: ``cryptolib`` or ``protocols.aes``."""

    def __init__(self, key, aes=None):
        if len(key) != 16:
            raise ValueError("AES-128-GCM: expected a 16-byte key, found %d bytes" % len(key))
        if aes is None:
            aes = ecb_factory()
        self._ecb = aes(bytes(key))
        self._blk = bytearray(16)
        self._out = bytearray(16)
        self._ctr = bytearray(0)  # counter blocks
        self._ks = bytearray(0)  # keystream
        self._y = [0, 0, 0, 0, 0]  # GHASH state (limbs)
        self._x = [0, 0, 0, 0, 0]  # GHASH scratch: state XOR block (limbs)
        self._ecb.encrypt(self._blk, self._out)
        # H in limbs; H * x is a right shift of the 128-bit value by one bit,
        # with the reduction 0xE1 << 120 (top limb 0xE100) if a 1 fell out.
        o = self._out
        h = self._limbs(o, 0, [0, 0, 0, 0, 0])
        hx = [tuple(h)]  # hx[k] = H * x^k
        for _ in range(3):
            c = h[4] & 1
            h[4] = (h[4] >> 1) | ((h[3] & 1) << 27)
            h[3] = (h[3] >> 1) | ((h[2] & 1) << 27)
            h[2] = (h[2] >> 1) | ((h[1] & 1) << 27)
            h[1] = (h[1] >> 1) | ((h[0] & 1) << 27)
            h[0] = (h[0] >> 1) ^ (0xE100 if c else 0)
            hx.append(tuple(h))
        # T[n] = N(n) * H, where int bit b of the nibble n is the coefficient
        # of x^(3-b); stored per limb: self._t[i][n] is limb i of T[n].
        t = ([], [], [], [], [])
        for n in range(16):
            for i in range(5):
                v = 0
                for b in range(4):
                    if n & (1 << b):
                        v ^= hx[3 - b][i]
                t[i].append(v)
        self._t = tuple(tuple(c) for c in t)

    @staticmethod
    def _limbs(d, o, out):
        """The 16 bytes d[o:o+16] (big-endian) as limbs into ``out``."""
        out[0] = (d[o] << 8) | d[o + 1]
        out[1] = (d[o + 2] << 20) | (d[o + 3] << 12) | (d[o + 4] << 4) | (d[o + 5] >> 4)
        out[2] = ((d[o + 5] & 15) << 24) | (d[o + 6] << 16) | (d[o + 7] << 8) | d[o + 8]
        out[3] = (d[o + 9] << 20) | (d[o + 10] << 12) | (d[o + 11] << 4) | (d[o + 12] >> 4)
        out[4] = ((d[o + 12] & 15) << 24) | (d[o + 13] << 16) | (d[o + 14] << 8) | d[o + 15]
        return out

    # -- CTR ---------------------------------------------------------------

    def _keystream(self, iv, n, first):
        """Fill self._ks with at least n keystream bytes from counter block ``first``."""
        nb = (n + 15) >> 4
        size = nb << 4
        if len(self._ctr) < size:
            # Both allocated before either is kept: a MemoryError between the
            # two must not leave a counter buffer longer than the keystream.
            ctr = bytearray(size)
            ks = bytearray(size)
            self._ctr = ctr
            self._ks = ks
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

    def _ghash_blocks(self, d, o, end):
        """Y = (Y ^ block) * H for each whole 16-byte block of d[o:end]
        (GCM bit order), Shoup's 4-bit method on limbs: allocation-free."""
        T0, T1, T2, T3, T4 = self._t
        R = _R4
        y = self._y
        x = self._x
        while o < end:
            # X = Y ^ block, as limbs
            x[0] = y[0] ^ ((d[o] << 8) | d[o + 1])
            x[1] = y[1] ^ ((d[o + 2] << 20) | (d[o + 3] << 12) | (d[o + 4] << 4) | (d[o + 5] >> 4))
            x[2] = y[2] ^ (((d[o + 5] & 15) << 24) | (d[o + 6] << 16) | (d[o + 7] << 8) | d[o + 8])
            x[3] = y[3] ^ ((d[o + 9] << 20) | (d[o + 10] << 12) | (d[o + 11] << 4) | (d[o + 12] >> 4))
            x[4] = y[4] ^ (((d[o + 12] & 15) << 24) | (d[o + 13] << 16) | (d[o + 14] << 8) | d[o + 15])
            # Z = X * H: the nibbles of X from the least significant one (the
            # coefficient of x^124..x^127) up; per nibble Z = Z * x^4 + N * H.
            z0 = z1 = z2 = z3 = z4 = 0
            j = 4
            while j >= 0:
                v = x[j]
                c = 7 if j else 4
                while c:
                    n = v & 15
                    r = z4 & 15
                    z4 = ((z4 >> 4) | ((z3 & 15) << 24)) ^ T4[n]
                    z3 = ((z3 >> 4) | ((z2 & 15) << 24)) ^ T3[n]
                    z2 = ((z2 >> 4) | ((z1 & 15) << 24)) ^ T2[n]
                    z1 = ((z1 >> 4) | ((z0 & 15) << 24)) ^ T1[n]
                    z0 = (z0 >> 4) ^ R[r] ^ T0[n]
                    v >>= 4
                    c -= 1
                j -= 1
            y[0] = z0
            y[1] = z1
            y[2] = z2
            y[3] = z3
            y[4] = z4
            o += 16

    def _ghash_update(self, data):
        n = len(data)
        whole = n & ~15
        if whole:
            self._ghash_blocks(data, 0, whole)
        if whole < n:
            blk = self._blk
            for i in range(16):
                blk[i] = data[whole + i] if whole + i < n else 0
            self._ghash_blocks(blk, 0, 16)

    def _tag(self, iv, aad, ct):
        """The full GCM tag of (aad, ct) under nonce ``iv``, left in self._out."""
        y = self._y
        y[0] = y[1] = y[2] = y[3] = y[4] = 0
        self._ghash_update(aad)
        self._ghash_update(ct)
        # length block: bit lengths of aad and ct, 64 bits each, big-endian
        blk = self._blk
        a = len(aad) * 8
        c = len(ct) * 8
        i = 7
        while i >= 0:
            blk[i] = a & 0xFF
            blk[8 + i] = c & 0xFF
            a >>= 8
            c >>= 8
            i -= 1
        self._ghash_blocks(blk, 0, 16)
        blk[0:12] = iv
        blk[12] = 0
        blk[13] = 0
        blk[14] = 0
        blk[15] = 1
        out = self._out
        self._ecb.encrypt(blk, out)  # E(K, J0)
        # S = Y ^ E(K, J0): the limbs of Y back to bytes
        v = y[0]
        out[0] ^= v >> 8
        out[1] ^= v & 0xFF
        v = y[1]
        out[2] ^= v >> 20
        out[3] ^= (v >> 12) & 0xFF
        out[4] ^= (v >> 4) & 0xFF
        w = (v & 15) << 4
        v = y[2]
        out[5] ^= w | (v >> 24)
        out[6] ^= (v >> 16) & 0xFF
        out[7] ^= (v >> 8) & 0xFF
        out[8] ^= v & 0xFF
        v = y[3]
        out[9] ^= v >> 20
        out[10] ^= (v >> 12) & 0xFF
        out[11] ^= (v >> 4) & 0xFF
        w = (v & 15) << 4
        v = y[4]
        out[12] ^= w | (v >> 24)
        out[13] ^= (v >> 16) & 0xFF
        out[14] ^= (v >> 8) & 0xFF
        out[15] ^= v & 0xFF
        return out

    def tag(self, iv, aad, ct):
        """The full 16-byte GCM tag of (aad, ct) under nonce ``iv``."""
        return bytes(self._tag(iv, aad, ct))

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
            full = self._tag(iv, aad if aad is not None else b"", ciphertext)
            diff = 0
            for i in range(len(tag)):
                diff |= full[i] ^ tag[i]
            if diff or len(tag) < 4:
                raise ValueError("GCM tag mismatch")
        return self.ctr(iv, ciphertext)
