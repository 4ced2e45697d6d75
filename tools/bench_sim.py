#!/usr/bin/env python3
# tools/bench_sim.py: how fast `hanreader simulate --fast` makes frames (issue #14: >= 20,000/s).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Frames per second of the simulator's two generators, in this one process:

* the paced generator ``Simulator.frames()``: every frame built by the
  construct declarations, the load stepped every half second (the peer);
* ``FastFrames.frames()`` (``simulate --fast``): per-list templates built
  once by the same declarations, values and FCS patched in.

For each meter (3-phase, all lists) it runs each generator for --seconds
(best of --rounds), checks that the fast frames decode, and prints frames/s
and the ratio fast/paced.

    .venv/bin/python tools/bench_sim.py              # about 20 s
    .venv/bin/python tools/bench_sim.py --quick      # a few seconds
"""

import argparse
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _venv  # noqa: E402  (re-run under .venv/bin/python when started by another Python)

_venv.ensure(__name__, __file__)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import protocols  # noqa: E402
from hostlib.simulator import KINDS, FastFrames, Simulator  # noqa: E402

START = datetime.datetime(2026, 1, 5, 9, 30)


def rate(make_iter, seconds):
    it = make_iter()
    n = 0
    t0 = time.perf_counter()
    end = t0 + seconds
    while True:
        for _ in range(500):
            next(it)
        n += 500
        t = time.perf_counter()
        if t >= end:
            return n / (t - t0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="per generator and round (default 2)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="0.5 s, 1 round")
    a = ap.parse_args(argv)
    if a.quick:
        a.seconds, a.rounds = 0.5, 1
    print("%-9s %14s %14s %8s" % ("meter", "paced frames/s", "--fast frames/s", "ratio"))
    worst = None
    for kind in KINDS:
        ff = FastFrames(Simulator(kind, 3, seed=1, start=START))
        for f in ff.frames(count=2000):  # every fast frame decodes
            protocols.decode_frame(f.frame)
        paced = max(rate(lambda: Simulator(kind, 3, seed=1, start=START).frames(), a.seconds / 4)
                    for _ in range(a.rounds))
        fast = max(rate(lambda: FastFrames(Simulator(kind, 3, seed=1, start=START)).frames(), a.seconds)
                   for _ in range(a.rounds))
        worst = fast if worst is None else min(worst, fast)
        print("%-9s %14.0f %14.0f %7.1fx" % (kind, paced, fast, fast / paced))
    print("slowest --fast: %.0f frames/s (target >= 20,000): %s" % (worst, "met" if worst >= 20000 else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
