# Prints "<folder>/<file> <reading JSON>" for every plaintext capture, one per
# line, so that tests/test_device_parity.py can compare the device's JSON with
# CPython's byte for byte. Not a test module itself (no test_ prefix).
# Captures are found by folder, as tests/capture_data.py finds them: every
# folder without a keys.json (ciphered) or .txt telegrams (P1), sorted; then
# every P1 telegram (.txt) in its four line-end forms (p1_forms), each read
# by a Reader (protocol detection, the framer, flush at the end). A .hex
# capture is one HDLC frame, the frames of one push, or a bare APDU (issue 19).
import gc
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


main()
