# tools/bench_mp.py: the MicroPython side of tools/bench (runs inside the VM).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Heap figures of the shared core on MicroPython; driven by tools/bench.

    micropython bench_mp.py heap FRAMES      # heap kept by imports
    micropython bench_mp.py alloc FRAMES     # bytes allocated per frame
    micropython bench_mp.py corpus FRAMES    # decode every frame (heap search)

FRAMES is a text file written by tools/bench, one frame a line:
``label hex``. (Frames are not passed on the command line: the unix port
aborts on very long arguments.) Output lines start with a keyword
(``HEAP``, ``ALLOC``, ``OK``) that tools/bench parses.
"""

import gc
import sys

from binascii import unhexlify


def frames(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                label, hx = line.split(" ", 1)
                out.append((label, unhexlify(hx)))
    return out


def heap(path):
    # Read the frame first, so its bytes are not counted as "kept".
    first = frames(path)[0][1]
    gc.collect()
    base = gc.mem_alloc()
    import protocols  # noqa: F401

    gc.collect()
    after_import = gc.mem_alloc()
    from protocols import decoder

    r = decoder.Reader()
    for reading in r.feed(first):
        reading.to_json()
    reading = None
    r = None
    gc.collect()
    after_decode = gc.mem_alloc()
    print("HEAP", base, after_import - base, after_decode - base, gc.mem_free())


class _Sink:
    """Where the dongle's JSON line goes (USB serial): the pieces are
    written and dropped, as ``sys.stdout.write`` does on a board."""

    def write(self, s):
        pass


def alloc(path):
    """Bytes allocated per frame, UART bytes to JSON line: ``Reader.feed``
    then ``Reading.write_json`` (what the firmware prints with)."""
    from protocols import decoder

    write = _Sink().write

    for label, f in frames(path):
        reader = decoder.Reader()
        # Warm up: the dialect modules are imported on first use; what is
        # measured is the steady state of a running reader.
        for reading in reader.feed(f):
            reading.write_json(write)
        reading = None
        gc.collect()
        gc.disable()
        a = gc.mem_alloc()
        n = 0
        for reading in reader.feed(f):
            reading.write_json(write)
            n += 1
        b = gc.mem_alloc()
        gc.enable()
        reading = None
        print("ALLOC", label, b - a, n)


def corpus(path):
    from protocols import decoder

    fr = frames(path)
    reader = decoder.Reader()
    n = 0
    for _label, f in fr:
        for reading in reader.feed(f):
            reading.to_json()
            n += 1
    print("OK", n, len(fr))
    if n != len(fr):
        sys.exit(1)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "heap":
        heap(path)
    elif mode == "alloc":
        alloc(path)
    elif mode == "corpus":
        corpus(path)
    else:
        print("unknown mode", mode)
        sys.exit(2)


main()
