"""tools/rp2-heap (issue 12 item 13): the emulator plan feeds exactly the
frames asked for, and the summary reads the probes, readings and status
line of a harness result. The emulated run itself needs a MicroPython
image that may not be committed (docs/benchmarks.md has its figures)."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "tools", "rp2-heap")


def _run(*args):
    p = subprocess.run([sys.executable, TOOL, *args], capture_output=True, timeout=60, check=True)
    return json.loads(p.stdout)


def test_plan_feeds_every_frame_once():
    plan = _run("plan", "--frames", "1200", "--batch", "500", "--every", "100")
    feeds = [s for s in plan["steps"] if s["type"] == "feed"]
    assert [s["label"] for s in feeds] == ["frames 1-500", "frames 501-1000", "frames 1001-1200"]
    with open(os.path.join(ROOT, "firmware", "sim", "samples", "aidon-list2.hex")) as f:
        frame = "".join(line.split("#")[0] for line in f).replace(" ", "").replace("\n", "")
    assert frame.startswith("7EA0D2") and frame.endswith("7E") and len(frame) == 2 * 0xD4
    assert sum(len(s["hex"]) for s in feeds) == 1200 * len(frame)
    assert all(s["baud"] == 0 for s in feeds)
    probe = plan["steps"][2]
    assert probe["type"] == "exec_nowait" and "N[0] % 100 == 0" in probe["code"]
    assert plan["steps"][-1]["type"] == "status"


def test_summary_of_a_result(tmp_path):
    lines = [{"t": 0, "line": '{"probe": 0, "free": 218624, "alloc": 27264}'}]
    for n in range(1, 9):
        lines.append({"t": n, "line": '{"meter": {"manufacturer": "Aidon"}, "registers": []}'})
        lines.append({"t": n, "line": '{"probe": %d, "free": %d, "alloc": 1}' % (n * 10, 211000 - n * 100)})
    lines.append({"t": 9, "line": '{"status": {"frames": 8, "readings": 8, "lost_readings": 0, "free_heap": 5}}'})
    path = tmp_path / "out.json"
    path.write_text(json.dumps({"lines": lines, "errors": [], "sim_s": 9.0, "wall_s": 20}))
    out = _run("summary", str(path))
    assert out["readings_printed"] == 8
    assert out["status"]["readings"] == 8 and out["status"]["lost_readings"] == 0
    assert out["free_by_quarter"][0] == [210800, 210900] and out["free_by_quarter"][3] == [210200, 210300]
    assert out["slope_bytes_per_1000_readings"] == -10000.0
