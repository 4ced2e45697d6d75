# Prints "<vendor>/<file> <reading JSON>" for every plaintext capture, one per
# line, so that tests/test_device_parity.py can compare the device's JSON with
# CPython's byte for byte. Not a test module itself (no test_ prefix).
import os

import mptest
from protocols.decoder import decode_frame
from protocols.errors import HanError


def main():
    base = mptest.captures_dir()
    for vendor in ("aidon", "kaifa", "kamstrup", "other", "malformed"):
        try:
            names = sorted(os.listdir(base + "/" + vendor))
        except OSError:
            continue
        for name in names:
            if not name.endswith(".hex"):
                continue
            try:
                text = decode_frame(mptest.read_hex(vendor + "/" + name)).to_json()
            except HanError as e:
                text = "error " + e.kind
            print(vendor + "/" + name + " " + text)


main()
