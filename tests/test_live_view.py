# tests/test_live_view.py: `hanreader read --live` for any source, rendered in a virtual terminal (pyte)
# at 80x24 and 120x40: everything fits, the trend is scaled to the data, times are labelled.
import datetime
import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading

import pytest

pyte = pytest.importorskip("pyte")

from hostlib.recording import RecordingWriter  # noqa: E402
from hostlib.simulator import Simulator  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _recording(path):
    frames = list(Simulator("kaifa", 3, seed=7, start=datetime.datetime(2025, 1, 15, 13, 50)).frames(count=60))
    with open(path, "w") as f:
        w = RecordingWriter(f, source="test", started="2025-01-15T13:50:00+01:00")
        for i, fr in enumerate(frames):
            w.write(fr.frame, t=2.0 * i)
    return frames


def _screen(cols, rows, argv, raw=False):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    seen = bytearray()

    def drain():
        while True:
            try:
                b = os.read(master, 65536)
            except OSError:
                return
            if not b:
                return
            seen.extend(b)

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    p = subprocess.run([sys.executable, "-m", "hostlib.cli"] + argv, cwd=ROOT, stdin=slave, stdout=slave,
                       stderr=subprocess.PIPE, env=env, timeout=120)
    os.close(slave)
    t.join(5)
    os.close(master)
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    stream.feed(bytes(seen))
    lines = [line.rstrip() for line in screen.display]
    return (p, lines, bytes(seen)) if raw else (p, lines)


@pytest.mark.parametrize("cols, rows", [(80, 24), (120, 40)])
def test_read_live_fits_the_terminal(tmp_path, cols, rows):
    path = str(tmp_path / "k.hanrec")
    frames = _recording(path)
    p, lines = _screen(cols, rows, ["read", "--live", path])
    assert p.returncode == 0, p.stderr.decode()
    text = "\n".join(lines)
    last = [ln for ln in lines if ln.strip()]
    # The bottom is on screen: counters and how to quit, on the last line used.
    assert "Ctrl-C to quit" in last[-1] and "readings 60" in last[-1]
    # The header on one line, the times labelled for what they are.
    assert lines[0].startswith("hanreader  Kaifa MA304H4")
    assert "meter clock 2025-01-15 " in text and "(+01:00)" in text and "received " in text
    assert "real time" not in text
    # Per-phase values on their rows, not wrapped.
    f = [fr.expected for fr in frames if "voltage_l3" in fr.expected][-1]
    l3 = [ln for ln in lines if ln.split()[:1] == ["Per"] or " L3 " in " " + ln + " "]
    assert any(("%.1f V" % f["voltage_l3"]) in ln and ("%.2f A" % f["current_l3"]) in ln for ln in l3)
    # The trend spans the data's range: its rows are not mostly solid blocks.
    chart = [ln for ln in lines if any(c in ln for c in "▁▂▃▄▅▆▇")]
    assert chart
    solid = [ln for ln in lines if ln.count("█") > 0.9 * (cols - 12)]
    assert len(solid) <= 1
    assert len([ln for ln in lines if ln.strip()]) <= rows


def test_piped_demo_does_not_print_its_history_line_by_line():
    p = subprocess.run([sys.executable, "-m", "hostlib.cli", "demo", "--duration", "2", "--speed", "20",
                        "--history", "2", "--meter", "aidon"], cwd=ROOT, capture_output=True, timeout=60)
    out = p.stdout.decode()
    assert p.returncode == 0
    import re

    lines = re.findall(r"^(\d\d:\d\d:\d\d)  P\+ .*$", out, re.M)
    assert 1 <= len(lines) <= 10  # not one per history reading (about 50 of them)
    assert "more since the last line" in out
