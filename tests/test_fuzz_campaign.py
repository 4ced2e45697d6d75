"""tools/fuzz's short mode in CI (issue 12): a few thousand structure-aware
inputs on CPython and a few hundred inside MicroPython (the unix port), with
0 exceptions other than HanError, valid JSON, the same readings for any
chunking, and no intact frame lost on a lossy link. The long runs and their
figures: docs/fuzzing.md, docs/benchmarks.md."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "tools", "fuzz")


def _run(*args):
    p = subprocess.run([sys.executable, FUZZ, "--quiet", *args], capture_output=True, timeout=600, cwd=ROOT)
    out = json.loads(p.stdout)
    return p.returncode, out, p.stderr.decode()


def _check(rc, out, err):
    assert out["non_han_errors"] == 0, (out["by_type"], out["examples"])
    assert out["bad_json"] == 0 and out["chunking_differences"] == 0
    assert out["lossy_intact_lost"] == 0 and out["lossy_intact_frames"] > 0
    assert rc == 0, err


def test_short_fuzz_run_on_cpython():
    rc, out, err = _run("--inputs", "3000", "--seed", "11")
    assert out["inputs"] == 3000 and out["interpreter"] == "cpython"
    _check(rc, out, err)


@pytest.mark.skipif(os.environ.get("HANREADER_NO_MICROPYTHON") == "1", reason="HANREADER_NO_MICROPYTHON=1")
def test_short_fuzz_run_inside_micropython():
    rc, out, err = _run("--vm", "unix", "--inputs", "400", "--seed", "12", "--heap", "2m")
    assert out["inputs"] == 400 and out["interpreter"] == "micropython"
    _check(rc, out, err)
    # what stays allocated between inputs (after a collect) is far below the cap
    assert 0 < out["peak_heap"] < 1024 * 1024
