# protocols/aes.py: pure-Python AES-128 forward cipher (ECB), a stand-in for cryptolib.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""AES-128 encryption only (FIPS 197), with ``cryptolib.aes(key, 1)``'s interface.

    >>> AES(bytes(range(16))).encrypt(bytes.fromhex("00112233445566778899aabbccddeeff")).hex()
    '69c4e0d86a7b0430d8cdb78070b4c55a'

Used ONLY where ``cryptolib`` is missing: the MicroPython webassembly VM
(so the device's GCM tests run there too) and CPython test runs of
``protocols.gcm``. The device firmware uses ``cryptolib`` (C, mbedtls or
axTLS) and the host uses the ``cryptography`` package; neither ever imports
this module. GCM needs only the forward cipher (CTR and GHASH's H), so there
is no decryption here.

Byte-oriented (S-box and xtime tables as ``bytes``), no 32-bit T-tables:
on a 32-bit MicroPython every value >= 2**30 is a heap-allocated long int,
so byte arithmetic allocates nothing per block.
"""


def _tables():
    # S-box from the multiplicative inverse in GF(2^8) and the affine map.
    exp = bytearray(256)
    log = bytearray(256)
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x ^= ((x << 1) ^ (0x1B if x & 0x80 else 0)) & 0xFF  # x *= 3
    sbox = bytearray(256)
    for i in range(256):
        inv = 0 if i == 0 else exp[(255 - log[i]) % 255]
        s = inv
        for _ in range(4):
            inv = ((inv << 1) | (inv >> 7)) & 0xFF
            s ^= inv
        sbox[i] = s ^ 0x63
    xt = bytearray(256)
    for i in range(256):
        xt[i] = ((i << 1) ^ (0x1B if i & 0x80 else 0)) & 0xFF
    return bytes(sbox), bytes(xt)


_SBOX, _XT = _tables()


class AES:
    """``AES(key)``: ``encrypt(in_buf[, out_buf])`` over whole 16-byte blocks (ECB)."""

    def __init__(self, key, mode=1):
        if len(key) != 16:
            raise ValueError("AES-128: expected a 16-byte key, found %d bytes" % len(key))
        if mode != 1:
            raise ValueError("only ECB (mode 1) is implemented")
        self._rk = self._expand(key)
        self._s = bytearray(16)
        self._t = bytearray(16)

    @staticmethod
    def _expand(key):
        S = _SBOX
        rk = bytearray(176)
        rk[0:16] = key
        rcon = 1
        for i in range(16, 176, 4):
            a = rk[i - 4]
            b = rk[i - 3]
            c = rk[i - 2]
            d = rk[i - 1]
            if i % 16 == 0:
                a, b, c, d = S[b] ^ rcon, S[c], S[d], S[a]
                rcon = _XT[rcon]
            rk[i] = rk[i - 16] ^ a
            rk[i + 1] = rk[i - 15] ^ b
            rk[i + 2] = rk[i - 14] ^ c
            rk[i + 3] = rk[i - 13] ^ d
        return bytes(rk)

    def encrypt(self, in_buf, out_buf=None):
        n = len(in_buf)
        if n % 16:
            raise ValueError("blksize % 16")
        if out_buf is None:
            out_buf = bytearray(n)
        for o in range(0, n, 16):
            self._block(in_buf, o, out_buf)
        return out_buf

    def _block(self, src, o, dst):
        S = _SBOX
        X = _XT
        rk = self._rk
        s = self._s
        t = self._t
        for i in range(16):
            s[i] = src[o + i] ^ rk[i]
        k = 16
        while k < 160:
            # SubBytes + ShiftRows (column-major state)
            t[0] = S[s[0]]
            t[1] = S[s[5]]
            t[2] = S[s[10]]
            t[3] = S[s[15]]
            t[4] = S[s[4]]
            t[5] = S[s[9]]
            t[6] = S[s[14]]
            t[7] = S[s[3]]
            t[8] = S[s[8]]
            t[9] = S[s[13]]
            t[10] = S[s[2]]
            t[11] = S[s[7]]
            t[12] = S[s[12]]
            t[13] = S[s[1]]
            t[14] = S[s[6]]
            t[15] = S[s[11]]
            # MixColumns + AddRoundKey
            c = 0
            while c < 16:
                a0 = t[c]
                a1 = t[c + 1]
                a2 = t[c + 2]
                a3 = t[c + 3]
                x = a0 ^ a1 ^ a2 ^ a3
                s[c] = a0 ^ x ^ X[a0 ^ a1] ^ rk[k + c]
                s[c + 1] = a1 ^ x ^ X[a1 ^ a2] ^ rk[k + c + 1]
                s[c + 2] = a2 ^ x ^ X[a2 ^ a3] ^ rk[k + c + 2]
                s[c + 3] = a3 ^ x ^ X[a3 ^ a0] ^ rk[k + c + 3]
                c += 4
            k += 16
        # Final round: no MixColumns.
        dst[o] = S[s[0]] ^ rk[160]
        dst[o + 1] = S[s[5]] ^ rk[161]
        dst[o + 2] = S[s[10]] ^ rk[162]
        dst[o + 3] = S[s[15]] ^ rk[163]
        dst[o + 4] = S[s[4]] ^ rk[164]
        dst[o + 5] = S[s[9]] ^ rk[165]
        dst[o + 6] = S[s[14]] ^ rk[166]
        dst[o + 7] = S[s[3]] ^ rk[167]
        dst[o + 8] = S[s[8]] ^ rk[168]
        dst[o + 9] = S[s[13]] ^ rk[169]
        dst[o + 10] = S[s[2]] ^ rk[170]
        dst[o + 11] = S[s[7]] ^ rk[171]
        dst[o + 12] = S[s[12]] ^ rk[172]
        dst[o + 13] = S[s[1]] ^ rk[173]
        dst[o + 14] = S[s[6]] ^ rk[174]
        dst[o + 15] = S[s[11]] ^ rk[175]
