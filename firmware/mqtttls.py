# mqtttls.py: TLS to the MQTT broker (mqtt_tls), loaded only when it is on (issue #15).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""``context()``: what ``umqtt.simple.MQTTClient(ssl=...)`` is given when
``mqtt_tls`` is set: it wraps the socket with an ``ssl.SSLContext`` and
keeps the plain socket, whose timeout bounds every TLS read and write (the
SSL socket of MicroPython has no ``settimeout``). The broker's certificate
is checked against ``mqtt_ca.pem`` on flash when that file exists."""

CA_FILE = "mqtt_ca.pem"


class Tls:
    """What ``MQTTClient(ssl=...)`` is given: it wraps the socket with the
    context and keeps the plain socket (``raw``) for its timeout."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.raw = None

    def wrap_socket(self, sock, server_hostname=None):
        self.raw = sock
        return self.ctx.wrap_socket(sock, server_hostname=server_hostname)


def _context():
    """The TLS context of ``mqtt_tls``: the broker's certificate checked
    against ``mqtt_ca.pem`` on flash when that file exists (one CA
    certificate, PEM or DER), else encrypted without checking the broker."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        with open(CA_FILE, "rb") as f:
            data = f.read()
    except OSError:
        ctx.verify_mode = ssl.CERT_NONE  # encrypted, broker not verified (no mqtt_ca.pem)
        return ctx
    # The certificate in DER: some ports' mbedTLS parse no PEM (the unix
    # port's: "invalid cert"), every one parses DER.
    ctx.load_verify_locations(cadata=_der(data))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def _der(data):
    """The first certificate of PEM text as DER bytes (DER is returned as is)."""
    start = data.find(b"-----BEGIN CERTIFICATE-----")
    if start < 0:
        return data
    end = data.find(b"-----END CERTIFICATE-----", start)
    if end < 0:
        raise ValueError("%s: a PEM certificate without its END line" % CA_FILE)
    import binascii

    body = data[start + 27:end]
    return binascii.a2b_base64(body.replace(b"\r", b"").replace(b"\n", b"").replace(b" ", b""))


def context():
    """A ``Tls`` over the context of ``mqtt_ca.pem`` (ValueError/OSError if unusable)."""
    return Tls(_context())
