"""A real mosquitto for the tests (Debian package, /usr/sbin/mosquitto),
started on 127.0.0.1 on a free port, anonymous, with a password file or with
TLS (a CA, server and client certificates made here with ``cryptography``),
and a paho subscriber that records what the broker delivers."""

import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import paho.mqtt.client as paho
import pytest


def mosquitto_path():
    return shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _wait_port(port, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not listen on %d" % port)


class Broker:
    """One mosquitto process; ``stop()`` and ``start()`` again on the same port."""

    def __init__(self, folder, password=None, user="han", tls=False, client_cert=True):
        exe = mosquitto_path()
        if exe is None:
            pytest.fail("mosquitto is not installed (tools/bootstrap installs it as root: apt-get install mosquitto)",
                        pytrace=False)
        self.exe = exe
        self.folder = str(folder)
        self.port = free_port()
        self.user = user
        self.password = password
        self.certs = None
        lines = ["listener %d 127.0.0.1" % self.port, "persistence false"]
        if os.geteuid() == 0:
            # Started as root, mosquitto becomes user "mosquitto", who cannot
            # read the test's private folder: stay who we are.
            lines.append("user root")
        if password is None:
            lines.append("allow_anonymous true")
        else:
            pw = os.path.join(self.folder, "passwd")
            with open(pw, "w") as f:
                f.write("")
            tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
            subprocess.run([tool, "-b", pw, user, password], check=True, capture_output=True)
            os.chmod(pw, 0o600)
            lines += ["allow_anonymous false", "password_file " + pw]
        if tls:
            self.certs = make_certs(self.folder)
            lines += ["allow_anonymous true", "cafile " + self.certs["ca"], "certfile " + self.certs["server_cert"],
                      "keyfile " + self.certs["server_key"],
                      # client_cert=False: any client that trusts the CA (the dongle has no client certificate)
                      "require_certificate %s" % ("true" if client_cert else "false")]
        self.conf = os.path.join(self.folder, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None
        self.start()

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("mqtts" if self.certs else "mqtt", self.port)

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            # A second process would lose the first one's handle and outlive the tests.
            raise RuntimeError("mosquitto on port %d is already running" % self.port)
        self.log = open(os.path.join(self.folder, "mosquitto.log"), "ab")
        self.proc = subprocess.Popen([self.exe, "-c", self.conf], stdout=self.log, stderr=subprocess.STDOUT)
        _wait_port(self.port)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        self.log.close()


class Subscriber:
    """A paho client subscribed to ``#``: ``messages`` is a list of
    (topic, payload text, retain flag), in arrival order."""

    def __init__(self, broker, topics=("#",), username=None, password=None, tls=None):
        self.messages = []
        self.cond = threading.Condition()
        self.ready = threading.Event()
        c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="test-sub-%d" % free_port())
        if username:
            c.username_pw_set(username, password)
        if tls:
            c.tls_set(ca_certs=tls["ca"], certfile=tls["client_cert"], keyfile=tls["client_key"])

        def on_connect(client, userdata, flags, rc, props=None):
            for t in topics:
                client.subscribe(t, qos=1)

        def on_subscribe(client, userdata, mid, rcs, props=None):
            self.ready.set()

        def on_message(client, userdata, msg):
            with self.cond:
                self.messages.append((msg.topic, msg.payload.decode("utf-8"), bool(msg.retain)))
                self.cond.notify_all()

        c.on_connect = on_connect
        c.on_subscribe = on_subscribe
        c.on_message = on_message
        c.connect("127.0.0.1", broker.port, keepalive=10)
        c.loop_start()
        self.client = c
        assert self.ready.wait(10), "subscriber did not subscribe"

    def wait_for(self, pred, timeout=15.0):
        """Wait until pred(messages) is true; return the messages."""
        end = time.monotonic() + timeout
        with self.cond:
            while not pred(self.messages):
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out; got %d messages: %r" % (
                        len(self.messages), [(t, p[:60], r) for t, p, r in self.messages[-10:]]))
                self.cond.wait(left)
            return list(self.messages)

    def settle(self, quiet=0.5, timeout=15.0):
        """Wait until no message arrived for ``quiet`` seconds; return them all."""
        end = time.monotonic() + timeout
        n = -1
        while time.monotonic() < end:
            with self.cond:
                m = len(self.messages)
            if m == n:
                break
            n = m
            time.sleep(quiet)
        return list(self.messages)

    def publish(self, topic, payload, retain=False):
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def make_certs(folder):
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(path, data):
        with open(os.path.join(folder, path), "wb") as f:
            f.write(data)
        return os.path.join(folder, path)

    def pem_key(k):
        return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                               serialization.NoEncryption())

    ca_key = key()
    ca = (x509.CertificateBuilder().subject_name(name("hanreader test CA")).issuer_name(name("hanreader test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))

    def leaf(cn, usage, san=None):
        k = key()
        b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca.subject).public_key(k.public_key())
             .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
             .not_valid_after(now + datetime.timedelta(days=2))
             .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
        if san:
            b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return k, b.sign(ca_key, hashes.SHA256())

    sk, sc = leaf("127.0.0.1", ExtendedKeyUsageOID.SERVER_AUTH,
                  [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    ck, cc = leaf("hanreader client", ExtendedKeyUsageOID.CLIENT_AUTH)
    pem = serialization.Encoding.PEM
    return {
        "ca": write("ca.pem", ca.public_bytes(pem)),
        "server_cert": write("server.pem", sc.public_bytes(pem)),
        "server_key": write("server.key", pem_key(sk)),
        "client_cert": write("client.pem", cc.public_bytes(pem)),
        "client_key": write("client.key", pem_key(ck)),
    }
