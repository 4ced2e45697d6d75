# protocols/errors.py: the error family of the shared decoder core.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""One root error, narrow subclasses, each with a short machine-readable kind.

Every message says what was expected and what was found::

    try:
        decode_frame(data)
    except HanError as err:
        print(err.kind, err)     # "fcs  frame check sequence: expected 0xC4E0, found 0xC4E1"
"""


class HanError(Exception):
    """Root of every error raised by ``protocols``."""

    kind = "error"

    def __init__(self, message: "str", offset: "int | None" = None) -> None:
        super().__init__(message)
        # Byte offset in the input where the fault was found, when known.
        self.offset = offset

    @property
    def message(self) -> "str":
        return self.args[0]


class FrameError(HanError):
    """A transport frame (HDLC, M-Bus, P1) is malformed."""

    kind = "frame"


class ChecksumError(FrameError):
    kind = "checksum"


class HcsError(ChecksumError):
    """HDLC header check sequence mismatch."""

    kind = "hcs"


class FcsError(ChecksumError):
    """HDLC frame check sequence mismatch."""

    kind = "fcs"


class LengthError(FrameError):
    """A length field points where no frame can end."""

    kind = "length"


class TruncatedError(HanError):
    """The input ends before the structure it announced."""

    kind = "truncated"


class FormatError(HanError):
    """A fixed field (flag, format type, LLC header, constant) is wrong."""

    kind = "format"


class OversizeError(FrameError):
    """A frame is longer than the configured maximum."""

    kind = "oversize"


class ApduError(HanError):
    """The APDU is not one this reader understands."""

    kind = "apdu"


class UnsupportedTagError(HanError):
    """An A-XDR type tag that is not valid (or not supported) in DLMS."""

    kind = "tag"


class TooDeepError(HanError):
    """A-XDR nesting deeper than the configured limit."""

    kind = "depth"


class TooManyError(HanError):
    """An A-XDR array/structure announces more elements than allowed."""

    kind = "count"


class DecodeError(HanError):
    """The notification body does not fit the dialect that claimed it."""

    kind = "decode"


class EncryptedError(HanError):
    """A ciphered APDU arrived and no key is set (the missing key)."""

    kind = "encrypted"


class KeyError_(HanError):
    """The wrong key: the frame does not decrypt to an APDU with the key set
    (for a frame with a tag: the tag fails too, and the plaintext is not even
    the start of an APDU)."""

    kind = "key"


class AuthenticationError(HanError):
    """The authentication tag does not verify although the key decrypts the
    frame: the authentication key is wrong, or the frame was altered."""

    kind = "auth"


class UnauthenticatedError(HanError):
    """An authentication key is set and a frame carries no tag (security
    control without bit 4): refused, it could be a downgrade."""

    kind = "unauthenticated"


class ReplayError(HanError):
    """A frame counter went backwards (possible replay)."""

    kind = "replay"


# The public name; ``KeyError_`` avoids shadowing the builtin inside this module.
DecryptionError = KeyError_
