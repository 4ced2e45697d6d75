# tests/test_firmware_replay_stop.py: Ctrl-C on `tools/firmware-replay` (docs/firmware.md runs it
# with --broker until stopped) ends it as every hanreader command ends: exit 0, no traceback.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Ctrl-C reaches the whole foreground process group, the MicroPython child included.

Before the fix the tool printed a Python ``KeyboardInterrupt`` traceback and exited 1
whenever Ctrl-C came before the capture was done (tests/test_docs.py met it on a loaded
machine)."""

import os
import signal
import subprocess
import sys
import time

from mqtt_broker import Broker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "firmware", "sim", "samples", "aidon-list2.hex")


def test_ctrl_c_stops_a_broker_run_with_exit_0_and_no_traceback(tmp_path):
    b = Broker(tmp_path)
    try:
        p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "firmware-replay"), SAMPLE,
                              "--passes", "100000", "--broker", b.url],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        # Wait for the first reading on USB (the firmware is running and publishing), then Ctrl-C.
        first = b""
        deadline = time.monotonic() + 120
        while b'"meter"' not in first and time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            first = line
        assert b'"meter"' in first, "no reading before the deadline: %r" % first
        os.killpg(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=60)
        out, err = first + out, err.decode("utf-8", "replace")
        assert p.returncode == 0, err
        assert "Traceback" not in err and b"Traceback" not in out
        assert err.strip().endswith("firmware-replay: stopped")
        assert b'{"event": "stopped"}' in out
    finally:
        b.stop()
