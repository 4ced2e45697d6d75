"""Run every tests/mp/test_*.py on real MicroPython (and on CPython).

Each module runs as a script under tools/mpvm.py on the webassembly port
("wasm"), on the unix port ("unix", -X heapsize=64k unless the module's first
line says e.g. ``# mp-heap: 256k``) and on this CPython ("cpython"). It must
exit 0 and end with ``N passed, 0 failed`` (N >= 1).

A missing VM is a FAILURE, so CI cannot silently skip MicroPython. Set
HANREADER_NO_MICROPYTHON=1 to skip the wasm and unix runs instead.
See docs/micropython-testing.md.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

def _load_mpvm():
    # tools/ is not a package: load tools/mpvm.py by path.
    spec = importlib.util.spec_from_file_location("mpvm", REPO_ROOT / "tools" / "mpvm.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mpvm", mod)
    spec.loader.exec_module(mod)
    return mod


mpvm = sys.modules.get("mpvm") or _load_mpvm()

MP_DIR = REPO_ROOT / "tests" / "mp"
SUMMARY_RE = re.compile(rb"^(\d+) passed, (\d+) failed$")
HEAP_RE = re.compile(r"^#\s*mp-heap:\s*(\d+[kKmM]?)\s*$")
SKIP_ENV = "HANREADER_NO_MICROPYTHON"
TIMEOUT = float(os.environ.get("HANREADER_MP_TIMEOUT", "120"))


def mp_modules():
    return sorted(p for p in MP_DIR.glob("test_*.py") if p.is_file())


def requested_heap(path: Path):
    """Heap from a first-line ``# mp-heap: 256k`` comment, else None."""
    with open(path, encoding="utf-8") as f:
        first = f.readline()
    m = HEAP_RE.match(first.strip())
    return m.group(1) if m else None


def mp_libs():
    """What the VM gets: protocols (as package), tests/mp (top level), captures."""
    libs = []
    if mpvm.PROTOCOLS_DIR.is_dir():  # may not exist yet
        libs.append((mpvm.PROTOCOLS_DIR, "/lib/protocols"))
    libs.append((MP_DIR, "/lib"))
    if mpvm.CAPTURES_DIR.is_dir():
        libs.append((mpvm.CAPTURES_DIR, mpvm.VM_CAPTURES_DIR))
    return libs


def _show(b: bytes | None) -> str:
    return (b or b"").decode("utf-8", "replace")


@pytest.mark.parametrize("vm", ["wasm", "unix", "cpython"])
@pytest.mark.parametrize("module", mp_modules(), ids=lambda p: p.name)
def test_mp_module(module: Path, vm: str):
    if vm != "cpython" and os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: MicroPython runs disabled")
    reason = mpvm.missing_reason(vm)
    if reason:
        pytest.fail(
            f"MicroPython VM {vm!r} unavailable: {reason} (set {SKIP_ENV}=1 to skip)",
            pytrace=False,
        )

    heap = requested_heap(module)
    if heap is None and vm == "unix":
        heap = mpvm.DEFAULT_UNIX_HEAP
    rel = module.relative_to(REPO_ROOT)
    t0 = time.monotonic()
    timed_out = None
    try:
        r = mpvm.run(vm, module, libs=mp_libs(), heap=heap, timeout=TIMEOUT, cwd=REPO_ROOT)
    except subprocess.TimeoutExpired as e:
        timed_out = e
    if timed_out is not None:  # outside the except: no chained traceback
        pytest.fail(
            f"{rel} on {vm} timed out after {TIMEOUT}s (process group killed)\n"
            f"--- stdout ---\n{_show(timed_out.output)}\n"
            f"--- stderr ---\n{_show(timed_out.stderr)}",
            pytrace=False,
        )
    elapsed = time.monotonic() - t0

    lines = r.stdout.rstrip(b"\r\n").splitlines()
    last = lines[-1].strip() if lines else b""
    m = SUMMARY_RE.match(last)
    problem = None
    if r.returncode != 0:
        problem = f"exit code {r.returncode}"
    elif m is None:
        problem = "last line of stdout is not 'N passed, M failed'"
    elif int(m.group(2)) != 0:
        problem = f"{int(m.group(2))} test(s) failed"
    elif int(m.group(1)) < 1:
        problem = "no tests ran"
    if problem:
        pytest.fail(
            f"{rel} on {vm} (heap={heap}, {elapsed:.2f}s): {problem}\n"
            f"--- stdout ---\n{_show(r.stdout)}\n--- stderr ---\n{_show(r.stderr)}",
            pytrace=False,
        )
