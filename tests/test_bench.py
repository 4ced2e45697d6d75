"""tools/bench --quick keeps working (issue #6). Nothing here is about speed:
the bench must complete, exit 0 and print every row of its table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH = REPO_ROOT / "tools" / "bench"

HOST_ROWS = (
    "host: hanreader (Reader + to_json)",
    "host: amshan (HdlcFrameReader + AutoDecoder)",
    "host: dlms-cosem (frame + APDU + A-XDR)",
    "host: slow path (construct declarations)",
    "host: hanreader / amshan",
    "host: readings equal to the slow path",
    "host: amshan fields equal",
)
DECODE_ROWS = (": wall", ": peak RSS")
DEVICE_ROWS = (
    "device wasm (32-bit): heap kept after import protocols",
    "device wasm (32-bit): kept after decoder + 1 frame",
    "device unix (64-bit): heap kept after import protocols",
    "device unix (64-bit): kept after decoder + 1 frame",
    "device wasm: allocated per aidon list 2 frame",
    "device wasm: allocated per kaifa list 2 frame",
    "device wasm: allocated per kamstrup list 2 frame",
    "device unix (64-bit): smallest -X heapsize",
)
TARGET_ROWS = (
    "host >= 20x amshan, readings equal to the slow path",
    "decode streams in < 100 MB peak RSS",
    "device <= 8 KB allocated per list-2 frame",
    "unix port runs the corpus at -X heapsize=64k",
)


def _have(mod):
    import importlib.util

    return importlib.util.find_spec(mod) is not None


@pytest.fixture(scope="module")
def quick_output():
    if not (_have("han") and _have("dlms_cosem") and _have("construct")):
        pytest.skip("amshan, dlms-cosem and construct are needed by tools/bench")
    r = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
        env=dict(os.environ),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_bench_is_executable():
    assert os.access(BENCH, os.X_OK)
    with open(BENCH) as f:
        assert f.readline().startswith("#!")


def test_quick_prints_host_and_decode_rows(quick_output):
    lines = quick_output.splitlines()
    for row in HOST_ROWS:
        assert any(line.startswith(row) for line in lines), row
    for suffix in DECODE_ROWS:
        assert any(line.startswith(("hanreader decode", "Reader over file")) and suffix in line for line in lines), suffix


def test_quick_prints_device_rows(quick_output):
    if os.environ.get("HANREADER_NO_MICROPYTHON") == "1":
        pytest.skip("HANREADER_NO_MICROPYTHON=1")
    lines = quick_output.splitlines()
    for row in DEVICE_ROWS:
        assert any(line.startswith(row) for line in lines), row


def test_quick_prints_every_target_with_a_verdict(quick_output):
    lines = quick_output.splitlines()
    for row in TARGET_ROWS:
        hit = [line for line in lines if line.startswith(row)]
        assert hit, row
        assert hit[0].rstrip().endswith(("PASS", "FAIL", "n/a")), hit[0]


def test_quick_decode_run_decoded_every_frame(quick_output):
    # 2,000 frames in, 2,000 decoded (the --stats summary), exit 0.
    rss = [line for line in quick_output.splitlines() if ": peak RSS" in line]
    assert rss and "2,000 frames decoded, exit 0" in rss[0], rss
