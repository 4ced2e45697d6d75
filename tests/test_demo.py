# tests/test_demo.py: the demo runs headless and shows live values; the dashboard renders.
import io
import re
import subprocess
import sys
import os

from rich.console import Console

import protocols
from hostlib.live import Dashboard, Trend, run_demo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_demo_headless_shows_live_values():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=False, width=120)
    dash, reader = run_demo(console, "kaifa", 3, duration=2.0, speed=20, history=120, seed=1,
                            snapshot_every=60)
    text = buf.getvalue()
    assert dash.readings > 60  # 2 min of history (~60 pushes) plus live ones
    c = reader.counters()
    assert c["accepted"] == dash.readings and c["rejected"] == 0
    # The final snapshot shows the last values the reader decoded.
    last = text[text.rindex("hanreader demo"):]
    u1 = dash.get("voltage_l1")
    i3 = dash.get("current_l3")
    assert "%.1f V" % u1 in last and "%.2f A" % i3 in last
    assert "Kaifa MA304H4" in last and "Per phase" in last and "Energy registers" in last
    assert re.search(r"[▁▂▃▄▅▆▇█]{10}", last)  # the trend chart has bars
    # The pre-sent history is drawn at the frames' own times: the trend's
    # samples span the two minutes sent, they are not piled on one instant.
    times = [t for t, _ in dash.trend.points]
    assert max(times) - min(times) >= 100
    assert sum(1 for c in dash.trend.columns(60) if c is not None) >= 20
    # Summary lines at most one a second, each stamped with its reading's own time: the
    # history sent at once is one line with a count, not one line per reading.
    stamps = re.findall(r"^(\d\d:\d\d:\d\d)  P\+ ", text, re.M)
    assert 1 <= len(stamps) <= 6 and len(set(stamps)) == len(stamps)
    assert "more since the last line" in text


def test_demo_live_screen_on_a_terminal():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=110, height=40)
    dash, _ = run_demo(console, "aidon", 1, duration=1.5, speed=30, history=60, seed=2)
    out = buf.getvalue()
    assert "\x1b[" in out  # a live, styled screen
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
    assert "Aidon 6515" in plain and "L1" in plain
    assert ("%.1f V" % dash.get("voltage_l1")) in plain


def test_cli_demo_headless_subprocess():
    p = subprocess.run([sys.executable, "-m", "hostlib.cli", "demo", "--headless", "--duration", "2",
                        "--speed", "20", "--history", "1", "--meter", "kamstrup"],
                       capture_output=True, cwd=ROOT, timeout=60)
    out = p.stdout.decode()
    assert p.returncode == 0, p.stderr.decode()
    assert "Kamstrup" in out and "Per phase" in out
    assert "demo ended:" in p.stderr.decode() and "Traceback" not in p.stderr.decode()


def test_dashboard_with_a_real_capture_and_trend():
    frame = bytes.fromhex(
        "7EA0D2410883138 2D6E6E7000F400000000001090202090601010002 81FF0A0B4149444F4E5F5630303031"
        "020209060000600100FF0A1037333539393932383930393431373432020209060000600107FF0A0436353135"
        "020309060100010700FF060000055202020F00161B020309060100020700FF060000000002020F00161B"
        "020309060100030700FF06000003E402020F00161D020309060100040700FF060000000002020F00161D"
        "0203090601001F0700FF10005D02020FFF1621020309060100200700FF1209C402020FFF1623E0C47E".replace(" ", ""))
    r = protocols.decode_frame(frame)
    t = [0.0]
    d = Dashboard(clock=lambda: t[0])
    for k in range(10):
        t[0] = k * 10.0
        d.update(r)
    buf = io.StringIO()
    Console(file=buf, width=100, force_terminal=False).print(d.render(100))
    s = buf.getvalue()
    assert "1 362 W" in s and "250.0 V" in s and "9.30 A" in s and "≈2 325 VA" in s
    tr = Trend(span=60, rows=2)
    tr.add(0, 100)
    tr.add(30, 200)
    tr.add(60, 400)
    cols = tr.columns(6)
    assert cols == [100, 100, 100, 200, 200, 400]
