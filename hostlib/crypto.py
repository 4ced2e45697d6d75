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

from typing import Union

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from protocols.security import BaseDecryptor, parse_key  # noqa: F401 (re-exported)
from protocols.ciphering import encrypt_apdu as _encrypt_apdu

_CTR2 = b"\x00\x00\x00\x02"


class Decryptor(BaseDecryptor):
    """Decrypt general-glo/ded-ciphering APDUs with the ``cryptography`` package."""

    def __init__(self, key: Union[str, bytes, bytearray, memoryview],
                 auth_key: Union[str, bytes, bytearray, memoryview, None] = None, check_replay: bool = True) -> None:
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


class _HostGCM:
    """The ``gcm`` engine of ``protocols.ciphering.encrypt_apdu`` on the ``cryptography`` package."""

    def __init__(self, key):
        self.key = key

    def encrypt(self, iv, plaintext, aad=b"", tag_len=12):
        if not tag_len:
            e = Cipher(algorithms.AES(self.key), modes.CTR(bytes(iv) + _CTR2)).encryptor()
            return e.update(bytes(plaintext)) + e.finalize(), b""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        out = AESGCM(self.key).encrypt(bytes(iv), bytes(plaintext), bytes(aad))
        return out[:-16], out[-16:][:tag_len]


def encrypt_apdu(key: Union[str, bytes, bytearray, memoryview], plaintext: Union[bytes, bytearray, memoryview],
                 system_title: Union[bytes, bytearray, memoryview], counter: int, security_control: int = 0x30,
                 auth_key: Union[str, bytes, bytearray, memoryview, None] = None, tag: int = 0xDB) -> bytes:
    """``protocols.ciphering.encrypt_apdu`` (the one ciphered-APDU builder) with
    the ``cryptography`` package as its AES-GCM engine."""
    return _encrypt_apdu(key, plaintext, system_title, counter, security_control, auth_key, tag,
                         gcm=_HostGCM(parse_key(key)))
