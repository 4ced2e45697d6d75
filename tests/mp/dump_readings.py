# Prints "<folder>/<file> <reading JSON>" for every plaintext capture, one per
# line, so that tests/test_device_parity.py can compare the device's JSON with
# CPython's byte for byte. Not a test module itself (no test_ prefix).
# Captures are found by folder, as tests/capture_data.py finds them: every
# folder without a keys.json (ciphered) or .txt telegrams (P1), sorted.
import os

import mptest
from protocols.decoder import decode_frame
from protocols.errors import HanError


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
                text = decode_frame(mptest.read_hex(folder + "/" + name)).to_json()
            except HanError as e:
                text = "error " + e.kind
            print(folder + "/" + name + " " + text)


main()
