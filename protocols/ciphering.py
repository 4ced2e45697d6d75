# protocols/ciphering.py: the one ciphered-APDU builder (the inverse of the decryptors).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""``encrypt_apdu``: a ciphered DLMS APDU from a plaintext APDU, for the tests,
the simulator and the tools (tools/fuzz, tools/gcm_bench.py); the host's
``hostlib.crypto.encrypt_apdu`` is this with the ``cryptography`` package as
its AES-GCM engine. Sans-IO, runs on MicroPython. The firmware never loads
it: it only decrypts (``protocols.security``), and every module a device
imports costs heap, so the builder is kept apart.
"""

# Names for the type hints, for type checkers only: MicroPython compiles this
# block away and ignores annotations. Before the first import, so that no
# function's bytecode changes (tools/fw-mem).
if False:
    from typing import Any  # noqa: F401

from .axdr import encode_length
from .security import parse_key


def encrypt_apdu(key: "str | bytes | bytearray | memoryview", plaintext: "bytes | bytearray | memoryview", system_title: "bytes | bytearray | memoryview", counter: int,
                 security_control: int = 0x30, auth_key: "str | bytes | bytearray | memoryview | None" = None,
                 tag: int = 0xDB, gcm: "Any" = None) -> bytes:
    """The one ciphered-APDU builder (tests, the simulator, tools/fuzz,
    tools/gcm_bench.py): the inverse of ``apdu.parse_ciphered`` and a
    decryptor, ``tag 08 title length SC counter body``.

    ``body`` by the security control (digest 3.3; ``protocols.security``'s policy): 0x20
    set, the plaintext encrypted (AES-CTR from counter block 2, as GCM);
    0x10 set, a 12-byte GCM tag follows (AAD = SC || AK, and the plaintext
    itself when 0x20 is clear); neither, the plaintext as it is. ``auth_key``
    None with 0x10: sixteen zero bytes. ``gcm``: the AES-GCM engine, an object
    with ``encrypt(iv, plaintext, aad, tag_len) -> (ciphertext, tag)`` --
    by default ``protocols.gcm.GCM(key)``;
    ``hostlib.crypto.encrypt_apdu`` passes the ``cryptography`` package's.

    :raises ValueError: a bad key, or a system title that is not 8 bytes.
    """
    key = parse_key(key)  # type: ignore[assignment]  # (bytes, the same key)
    title = bytes(system_title)
    if len(title) != 8:
        raise ValueError("system title: expected 8 bytes, found %d" % len(title))
    ctr = bytes(((counter >> 24) & 0xFF, (counter >> 16) & 0xFF, (counter >> 8) & 0xFF, counter & 0xFF))
    iv = title + ctr
    if gcm is None:
        from .gcm import GCM

        gcm = GCM(key)
    sc = security_control
    plain = bytes(plaintext)
    if sc & 0x10:
        ak = parse_key(auth_key, "auth_key") or bytes(16)  # (None only when auth_key is None)
        aad = bytes((sc,)) + ak
        if sc & 0x20:
            ct, t = gcm.encrypt(iv, plain, aad, 12)
            body = bytes(ct) + bytes(t)
        else:
            body = plain + bytes(gcm.encrypt(iv, b"", aad + plain, 12)[1])
    elif sc & 0x20:
        body = bytes(gcm.encrypt(iv, plain, b"", 0)[0])
    else:
        body = plain
    return bytes((tag, 8)) + title + encode_length(5 + len(body)) + bytes((sc,)) + ctr + body
