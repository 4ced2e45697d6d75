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


def test_shards_together_are_the_whole_run(tmp_path):
    """--shard K/N runs inputs i with i % N == K (each input its own
    generator), so the shards merged (--merge) count exactly what the
    unsharded run counts: a long run can be split across processes."""
    rc, whole, err = _run("--inputs", "900", "--seed", "13")
    parts = []
    for k in (0, 1, 2):
        out = str(tmp_path / ("s%d.json" % k))
        _run("--inputs", "900", "--seed", "13", "--shard", "%d/3" % k, "--out", out)
        parts.append(out)
    rc2, merged, err2 = _run("--merge", *parts)
    for key in ("inputs", "bytes", "readings", "han_errors", "non_han_errors", "bad_json",
                "lossy_intact_frames", "lossy_intact_lost", "chunking_differences"):
        assert merged[key] == whole[key], key
    assert whole["inputs"] == 900 and whole["bytes"] > 100000
    assert merged["shards"] == ["0/3 [0, 900]", "1/3 [0, 900]", "2/3 [0, 900]"] and merged["finished"] is True
    # A shard stopped part way goes on from its last input: ranges merge the same.
    a, b = str(tmp_path / "a.json"), str(tmp_path / "b.json")
    _run("--inputs", "900", "--seed", "13", "--shard", "1/3", "--stop", "400", "--out", a)
    with open(a) as f:
        last = json.load(f)["last_index"]
    assert last == 397
    _run("--inputs", "900", "--seed", "13", "--shard", "1/3", "--start", str(last + 3), "--out", b)
    rc3, again, err3 = _run("--merge", parts[0], a, b, parts[2])
    for key in ("inputs", "bytes", "readings", "han_errors", "lossy_intact_frames"):
        assert again[key] == whole[key], key
    assert again["finished"] is True
    assert merged["sampling"]["reader_random_chunks_compared"] == "1 in 8 inputs"
    _check(rc2, merged, err2)


def test_replay_gives_the_input_an_example_names():
    """An example's last field is its input's index: --replay rebuilds that
    input (the same bytes on every run with the seed)."""
    def replay(seed, i):
        p = subprocess.run([sys.executable, FUZZ, "--seed", str(seed), "--replay", str(i)], capture_output=True,
                           timeout=60, cwd=ROOT)
        return json.loads(p.stdout)

    out = replay(13, 5)
    # (the bytes, and which kind input 5 is, depend on the seed corpus, tests/captures:
    # a new capture changes them)
    assert out["input"] == 5 and out["kind"] in ("hdlc", "mbus", "apdu", "p1") and len(out["hex"]) >= 20
    assert replay(13, 5) == out and replay(14, 5)["hex"] != out["hex"]


def test_remeasure_times_the_slowest_inputs_again(tmp_path):
    """--remeasure: a run's slowest inputs (its JSON) timed again, best of
    --rounds, over a baseline taken the same way."""
    out = str(tmp_path / "run.json")
    _run("--inputs", "600", "--seed", "15", "--out", out)
    with open(out) as f:
        run = json.load(f)
    p = subprocess.run([sys.executable, FUZZ, "--remeasure", out, "--rounds", "3"], capture_output=True, timeout=120,
                       cwd=ROOT)
    again = json.loads(p.stdout)
    assert again["rounds"] == 3 and again["baseline_us_per_byte"] > 0
    assert len(again["worst_us_per_byte"]) == min(5, len(run["slow_inputs"])) > 0
    assert {n for _, n, _ in again["worst_us_per_byte"]} <= {n for _, n, _, _ in run["slow_inputs"]}
    assert again["worst_ratio"] > 0
