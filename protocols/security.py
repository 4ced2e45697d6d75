# protocols/security.py: the device's decryptor for ciphered APDUs, keys and replay tracking.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Decrypt ``Ciphered`` APDUs (digest 3.3) on the device.

    >>> dec = make_decryptor("36C66639E48A8CA4D6BC8B282A793BBB")
    >>> reading = decode_apdu(apdu, dec)        # protocols.decoder

``make_decryptor(key, auth_key=None, aes=None)`` returns a callable
``(Ciphered) -> (plaintext, authenticated)``, the hook of
``protocols.decoder.decode_apdu`` and ``Reader``. The security policy (one
place; docs/design.md, "Security policy"):

* no key set: ``decode_apdu`` raises ``EncryptedError`` (kind ``encrypted``);
* SC 0x30/0x31 (a 12-byte tag) and an authentication key given: the tag is
  verified (AAD = SC ‖ AK); ``authenticated`` is True. A mismatch is told
  apart by the plaintext: if the key still decrypts the frame to the start
  of an APDU (``looks_like_apdu``: a data-notification, a block, a DSMR
  telegram, or another xDLMS APDU such as the Green Book vector's
  get-request), ``AuthenticationError`` (kind ``auth``: the authentication
  key is wrong, or the frame was altered); if not, ``DecryptionError``
  (kind ``key``: the key is wrong). A verified plaintext that is an xDLMS
  APDU other than a data-notification is ``apdu`` (named in the message);
* a tag but no authentication key: decrypted by CTR without verification,
  ``authenticated`` False (the reading says so);
* an authentication key given and a frame without a tag (SC 0x20/0x21,
  or a tag stripped and the SC changed): refused, ``UnauthenticatedError``
  (kind ``unauthenticated``), since it could be a downgrade;
* no tag and no authentication key (SC 0x20/0x21, encryption only): CTR;
  ``authenticated`` False. A wrong key then shows as a plaintext that is no
  APDU, which ``decode_apdu`` reports as ``DecryptionError`` (``key``); a
  plaintext that starts like an APDU but is cut short or malformed is a
  damaged frame, reported as such (``truncated``, ``format`` …).
* frame counters: per system title, a counter that does not increase raises
  ``ReplayError`` (kind ``replay``). A counter is remembered only once the
  frame proved genuine (tag verified, or ``decode_apdu`` parsed the
  plaintext and called ``confirm``), so a forged frame cannot block the
  meter's real ones.

The host's ``hostlib.crypto.Decryptor`` derives from ``BaseDecryptor`` and
swaps the AES engine for the ``cryptography`` package; behaviour and errors
are the same.
"""

# Names for the type hints, for type checkers only: MicroPython compiles this
# block away and ignores annotations. Before the first import, so that no
# function's bytecode changes (tools/fw-mem).
if False:
    from typing import Any, Callable  # noqa: F401

    from .apdu import Ciphered  # noqa: F401

from .apdu import looks_like_apdu  # noqa: F401 (policy helper, re-exported)
from .errors import AuthenticationError, DecryptionError, ReplayError, UnauthenticatedError


def parse_key(key: "str | bytes | bytearray | memoryview | None", what: str = "key") -> "bytes | None":
    """16 key bytes from bytes or hex text (spaces, ``:`` and ``-`` allowed).

    :raises ValueError: not 16 bytes / not hex, with a message naming ``what``.
    """
    if key is None:
        return None
    if isinstance(key, str):
        t = key.strip()
        if t[:2] in ("0x", "0X"):
            t = t[2:]
        for ch in " :-_":
            t = t.replace(ch, "")
        if len(t) != 32:
            raise ValueError(
                "%s: expected 16 bytes as 32 hex digits, found %d characters" % (what, len(t))
            )
        try:
            return bytes.fromhex(t)
        except ValueError:
            raise ValueError("%s: expected 32 hex digits, found a non-hex character" % what)
    if isinstance(key, (bytes, bytearray, memoryview)):
        b = bytes(key)
        if len(b) != 16:
            raise ValueError("%s: expected 16 bytes (AES-128), found %d" % (what, len(b)))
        return b
    raise TypeError("%s: expected bytes or hex text, found %s" % (what, type(key).__name__))


class BaseDecryptor:
    """Key handling, tag policy and frame-counter tracking; subclasses supply
    ``_gcm_decrypt(iv, ct, aad, tag)`` (raises ValueError on a tag mismatch)
    and ``_ctr(iv, ct)``."""

    if False:  # type checkers only (MicroPython compiles this away): what subclasses supply
        def _gcm_decrypt(self, iv: bytes, ct: bytes, aad: bytes, tag: bytes) -> bytes: ...

        def _ctr(self, iv: bytes, ct: bytes) -> bytes: ...

    def __init__(self, key: "str | bytes | bytearray | memoryview",
                 auth_key: "str | bytes | bytearray | memoryview | None" = None, check_replay: bool = True) -> None:
        self.key = parse_key(key, "key")  # type: bytes  # type: ignore[assignment]  # (None: raised below)
        if self.key is None:
            raise ValueError("key: an encryption key is required")
        self.auth_key = parse_key(auth_key, "auth_key")
        self.check_replay = check_replay
        self._last = {}  # type: dict[bytes, int]  # system title -> last genuine counter
        self.replays = 0
        self.tag_errors = 0

    def reset(self) -> None:
        """Forget every frame counter (e.g. after a meter was replaced)."""
        self._last = {}

    def last_counter(self, system_title: "bytes | bytearray | memoryview") -> "int | None":
        return self._last.get(bytes(system_title))

    def __call__(self, c: "Ciphered") -> "tuple[bytes, bool]":
        title = c.system_title
        counter = c.invocation_counter
        if self.check_replay:
            last = self._last.get(title)
            if last is not None and counter <= last:
                self.replays += 1
                raise ReplayError(
                    "frame counter of %s went %s: %d after %d (possible replay)"
                    % (
                        title.hex().upper(),
                        "backwards" if counter < last else "nowhere (repeated)",
                        counter,
                        last,
                    ),
                    0,
                )
        iv = title + bytes(
            ((counter >> 24) & 0xFF, (counter >> 16) & 0xFF, (counter >> 8) & 0xFF, counter & 0xFF)
        )
        sc = c.security_control
        tag = c.auth_tag
        if tag is None and self.auth_key is not None:
            raise UnauthenticatedError(
                "the frame from %s (counter %d, security control 0x%02X) carries no "
                "authentication tag although an authentication key is set: refused "
                "(remove the authentication key if this meter does not authenticate)"
                % (title.hex().upper(), counter, sc),
                0,
            )
        if not c.encrypted:
            # Authentication only (SC 0x10): the "ciphertext" is the plaintext.
            if tag is not None and self.auth_key is not None:
                aad = bytes((sc,)) + self.auth_key + c.ciphertext
                try:
                    self._gcm_decrypt(iv, b"", aad, tag)
                except ValueError:
                    self.tag_errors += 1
                    raise AuthenticationError(self._tag_message(c, "the authentication key"), 0)
                self.confirm(c)
                return c.ciphertext, True
            return c.ciphertext, False
        if tag is not None and self.auth_key is not None:
            aad = bytes((sc,)) + self.auth_key
            try:
                plain = self._gcm_decrypt(iv, c.ciphertext, aad, tag)
            except ValueError:
                self.tag_errors += 1
                if looks_like_apdu(self._ctr(iv, c.ciphertext)):
                    raise AuthenticationError(self._tag_message(c, "the authentication key"), 0)
                raise DecryptionError(self._tag_message(c, "the key"), 0)
            self.confirm(c)
            return plain, True
        return self._ctr(iv, c.ciphertext), False

    def confirm(self, c: "Ciphered") -> None:
        """Record ``c``'s counter as genuine (``decode_apdu`` calls this once
        the plaintext parsed)."""
        if self.check_replay:
            last = self._last.get(c.system_title)
            if last is None or c.invocation_counter > last:
                self._last[c.system_title] = c.invocation_counter

    @staticmethod
    def _tag_message(c, which):
        if which == "the key":
            why = "and it does not decrypt to an APDU: the key is wrong (or the frame is damaged)"
        else:
            why = "although the key decrypts it: the authentication key is wrong, or the frame was altered"
        return "authentication tag of the frame from %s (counter %d) does not verify, %s" % (
            c.system_title.hex().upper(),
            c.invocation_counter,
            why,
        )


class Decryptor(BaseDecryptor):
    """The device's decryptor: ``protocols.gcm`` on ``cryptolib`` (or the
    pure-Python AES where cryptolib is missing). ``aes``: an ECB constructor
    to use instead (tests)."""

    def __init__(self, key: "str | bytes | bytearray | memoryview",
                 auth_key: "str | bytes | bytearray | memoryview | None" = None,
                 aes: "Callable[[bytes], Any] | None" = None, check_replay: bool = True) -> None:
        BaseDecryptor.__init__(self, key, auth_key, check_replay)
        from .gcm import GCM

        self._gcm = GCM(self.key, aes)

    def _gcm_decrypt(self, iv, ct, aad, tag):
        return self._gcm.decrypt(iv, ct, aad, tag)

    def _ctr(self, iv, ct):
        return self._gcm.ctr(iv, ct)


def make_decryptor(key: "str | bytes | bytearray | memoryview",
                   auth_key: "str | bytes | bytearray | memoryview | None" = None,
                   aes: "Callable[[bytes], Any] | None" = None, check_replay: bool = True) -> "Decryptor":
    """``(Ciphered) -> (plaintext, authenticated)`` for ``decode_apdu``/``Reader``."""
    return Decryptor(key, auth_key, aes, check_replay)
