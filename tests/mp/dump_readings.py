# Prints "<folder>/<file> <reading JSON>" for every plaintext capture, one per
# line, so that tests/test_device_parity.py can compare the device's JSON with
# CPython's byte for byte. Not a test module itself (no test_ prefix).
# Captures are found by folder, as tests/capture_data.py finds them: every
# folder without a keys.json (ciphered) or .txt telegrams (P1), sorted; then
# every P1 telegram (.txt) in its four line-end forms (p1_forms), each read
# by a Reader (protocol detection, the framer, flush at the end). A .hex
# capture is one HDLC frame, the frames of one push, or a bare APDU (issue 19).
# Last, every ciphered capture (folders with a keys.json) decrypted with its
# published keys (keyed_lines: the device's protocols.security decryptor
# here, hostlib's on the host), and again without the authentication key
# where one is published: the JSON's "authenticated" (docs/security.md).
import gc
import json
import os

import mptest
from protocols.decoder import Reader, decode_apdu, decode_frame
from protocols.errors import HanError


def decode_capture(data):
    """The reading of one capture file: an HDLC frame (decode_frame: its own
    errors), several HDLC frames of one push (segments, general-block-transfer
    blocks) or a bare APDU (``0F``, or after the LLC header ``E6 E7 00``)."""
    if data[0] == 0x7E:
        n = (((data[1] << 8) | data[2]) & 0x7FF) + 2
        if n + 1 < len(data) and data[n - 1] == 0x7E and data[n] == 0x7E:
            rd = Reader(protocol="hdlc", max_frame=2049)
            out = rd.feed(data) + rd.flush()
            if out:
                return out[0]
        return decode_frame(data)
    return decode_apdu(data[3:] if data[:3] == b"\xe6\xe7\x00" else data)


def p1_forms(data):
    """(name, bytes): CR LF and LF line ends, each with and without the final line break."""
    crlf = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    lf = crlf.replace(b"\r\n", b"\n")
    return (("crlf", crlf), ("crlf-nobreak", crlf.rstrip(b"\r\n")), ("lf", lf), ("lf-nobreak", lf.rstrip(b"\n")))


def p1_lines(data):
    """The lines the device prints for one P1 capture: per form, each reading's
    JSON, or the kinds of what was rejected."""
    out = []
    for form, b in p1_forms(data):
        kinds = []
        r = Reader(on_reject=lambda e: kinds.append(e.kind))
        got = r.feed(b) + r.flush()
        texts = [x.to_json() for x in got]
        out.append(form + " " + (" ".join(texts) if texts else "error " + ",".join(kinds)))
        r = got = texts = None
        gc.collect()
    return out


def decode_keyed(data, dec):
    """The reading of one ciphered capture through ``dec`` (None: no key):
    a bare APDU (``DB``/``DC``), HDLC frames or M-Bus frames of one push."""
    if data[0] in (0xDB, 0xDC):
        return decode_apdu(data, dec)
    errors = []
    r = Reader(decrypt=dec, protocol="hdlc" if data[0] == 0x7E else "mbus", max_frame=2049,
               on_reject=errors.append)
    out = r.feed(data) + r.flush()
    if out:
        return out[0]
    raise errors[0]


def keyed_lines(folder, names, keys, read, make_decryptor):
    """(label, JSON or "error <kind>") for every capture of a keyed folder:
    with its keys, then (where an authentication key is published) with the
    key alone, labelled ``#no-auth-key``."""
    out = []
    for name in names:
        k = keys.get(name)
        runs = [("", None if k is None else make_decryptor(k["key"], k["auth_key"]))]
        if k is not None and k["auth_key"] is not None:
            runs.append(("#no-auth-key", make_decryptor(k["key"], None)))
        for label, dec in runs:
            try:
                text = decode_keyed(read(folder + "/" + name), dec).to_json()
            except HanError as e:
                text = "error " + e.kind
            out.append(folder + "/" + name + label + " " + text)
            text = dec = None
            gc.collect()
    return out


def main():
    base = mptest.captures_dir()
    for folder in sorted(os.listdir(base)):
        try:
            names = sorted(os.listdir(base + "/" + folder))
        except OSError:
            continue  # not a folder
        if "keys.json" in names or [n for n in names if n.endswith(".txt")]:
            continue
        for name in names:
            if not name.endswith(".hex"):
                continue
            try:
                text = decode_capture(mptest.read_hex(folder + "/" + name)).to_json()
            except HanError as e:
                text = "error " + e.kind
            print(folder + "/" + name + " " + text)
            text = None
            gc.collect()  # multi-frame pushes and long lists (issue 19): free before the next
    for folder in sorted(os.listdir(base)):
        try:
            names = sorted(os.listdir(base + "/" + folder))
        except OSError:
            continue
        if "keys.json" in names:
            continue
        for name in names:
            if name.endswith(".txt"):
                for line in p1_lines(mptest.read_data(folder + "/" + name)):
                    print(folder + "/" + name + " " + line)
    from protocols.security import make_decryptor

    for folder in sorted(os.listdir(base)):
        try:
            names = sorted(os.listdir(base + "/" + folder))
        except OSError:
            continue
        if "keys.json" not in names:
            continue
        keys = json.loads(mptest.read_data(folder + "/keys.json"))
        names = [n for n in names if n.endswith(".hex")]
        for line in keyed_lines(folder, names, keys, mptest.read_hex, make_decryptor):
            print(line)


main()
