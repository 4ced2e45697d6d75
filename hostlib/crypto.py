# hostlib/crypto.py: the host's decryptor for ciphered DLMS APDUs (the `cryptography` package).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""``Decryptor(key, auth_key=None)``: ``decryptor(ciphered) -> (plaintext, authenticated)``.

    >>> dec = Decryptor("36C66639E48A8CA4D6BC8B282A793BBB")
    >>> hostlib.decode(frames, key=..., auth_key=...)   # builds one of these

Same policy, errors and frame-counter tracking as the device's
``protocols.security.Decryptor`` (it shares ``BaseDecryptor``); only the
AES engine differs: here it is the ``cryptography`` package (OpenSSL), with
no hand-written AES. GCM with the 12-byte DLMS tag uses ``modes.GCM(iv,
tag, min_tag_length=12)``; encryption-only frames and frames whose tag
cannot be verified (no authentication key) use AES-CTR from counter block 2.

Keys: bytes or hex text (32 hex digits; spaces, ``:`` and ``-`` ignored);
anything else raises ``ValueError`` naming the key.
"""

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from protocols.security import BaseDecryptor, parse_key  # noqa: F401 (re-exported)

_CTR2 = b"\x00\x00\x00\x02"


class Decryptor(BaseDecryptor):
    """Decrypt general-glo/ded-ciphering APDUs with the ``cryptography`` package."""

    def __init__(self, key, auth_key=None, check_replay=True):
        BaseDecryptor.__init__(self, key, auth_key, check_replay)
        self._aes = algorithms.AES(self.key)

    def _gcm_decrypt(self, iv, ct, aad, tag):
        d = Cipher(self._aes, modes.GCM(iv, bytes(tag), min_tag_length=len(tag))).decryptor()
        d.authenticate_additional_data(bytes(aad))
        out = d.update(bytes(ct))
        try:
            return out + d.finalize()
        except InvalidTag:
            raise ValueError("GCM tag mismatch") from None

    def _ctr(self, iv, ct):
        d = Cipher(self._aes, modes.CTR(bytes(iv) + _CTR2)).decryptor()
        return d.update(bytes(ct)) + d.finalize()


def encrypt_apdu(key, plaintext, system_title, counter, security_control=0x30, auth_key=None, tag=0xDB):
    """Build a ciphered APDU (tests, the simulator): ``DB 08 title len SC counter ct [tag]``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = parse_key(key)
    title = bytes(system_title)
    if len(title) != 8:
        raise ValueError("system title: expected 8 bytes, found %d" % len(title))
    iv = title + counter.to_bytes(4, "big")
    if security_control & 0x10:
        ak = parse_key(auth_key, "auth_key") if auth_key is not None else bytes(16)
        aad = bytes((security_control,)) + ak
        if security_control & 0x20:
            out = AESGCM(key).encrypt(iv, bytes(plaintext), aad)
            body = out[:-16] + out[-16:-4]
        else:
            out = AESGCM(key).encrypt(iv, b"", aad + bytes(plaintext))
            body = bytes(plaintext) + out[:12]
    else:
        e = Cipher(algorithms.AES(key), modes.CTR(iv + _CTR2)).encryptor()
        body = e.update(bytes(plaintext)) + e.finalize()
    ln = 5 + len(body)
    if ln < 0x80:
        lb = bytes((ln,))
    elif ln < 0x100:
        lb = bytes((0x81, ln))
    else:
        lb = bytes((0x82, ln >> 8, ln & 0xFF))
    return bytes((tag, 8)) + title + lb + bytes((security_control,)) + counter.to_bytes(4, "big") + body
