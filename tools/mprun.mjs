#!/usr/bin/env node
// mprun.mjs: run a MicroPython script on the official webassembly port
// (npm @micropython/micropython-webassembly-pyscript, pinned in package.json).
//
//   node tools/mprun.mjs [--heap N] [--pystack N] [--lib DIR[:VFSDIR]]...
//                        [--stdin-file PATH|-] [--] script.py [args...]
//
//   --heap N          initial MicroPython heap, bytes or with k/m suffix
//                     (default 1m). The wasm heap GROWS on demand, so this is
//                     not a RAM cap; measure allocation with gc.mem_alloc().
//   --pystack N       Python stack in words (default 2048, the port default).
//   --lib DIR[:VFS]   copy DIR recursively (skipping __pycache__ and *.pyc)
//                     into the in-memory filesystem at VFS (default
//                     /lib/<basename of DIR>). May be repeated. /lib is on
//                     sys.path, so `--lib protocols` makes `import protocols`
//                     work and `--lib tests/mp:/lib` makes `import mptest` work.
//   --stdin-file P    the bytes of file P (or of the real stdin with `-`) are
//                     what the script reads from sys.stdin / sys.stdin.buffer.
//                     Without it, stdin is empty (immediate EOF).
//
// Semantics (kept close to the unix port's `micropython script.py`):
//   * stdout/stderr are written byte-exact to fds 1 and 2 (order preserved).
//   * sys.argv = [script, args...]; the script is also written into the
//     in-memory filesystem at its absolute host path, so __file__ and
//     tracebacks show the host path, and its folder replaces '' as sys.path[0]
//     (only the script itself is there: pass sibling modules with --lib).
//   * asyncio.run(coro) is replaced by a collector (this asyncio runs on the JS
//     event loop and has no run()); the collected coroutines are awaited in
//     order after the script body finishes. asyncio.run() returns None.
//   * exit code: SystemExit's code (None -> 0, non-int -> printed, 1); any
//     other uncaught exception -> traceback on stderr, exit 1; errors of the
//     runner itself (bad option, missing file) -> exit 2.
//   * Before printing an uncaught exception the runner releases any
//     micropython.heap_lock() still held: a MemoryError that escapes with the
//     heap locked otherwise makes node spin at 100% CPU forever. Still run
//     this under a timeout (tools/mpvm.py does).

import fs from "node:fs";
import path from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

function usage(msg) {
  if (msg) process.stderr.write(`mprun: ${msg}\n`);
  process.stderr.write(
    "usage: node tools/mprun.mjs [--heap N] [--pystack N] [--lib DIR[:VFSDIR]]... " +
      "[--stdin-file PATH|-] [--] script.py [args...]\n",
  );
  process.exit(2);
}

function parseSize(text, what) {
  const m = /^(\d+)([kKmM]?)$/.exec(String(text));
  if (!m) usage(`bad ${what}: ${text}`);
  const mult = { "": 1, k: 1024, K: 1024, m: 1048576, M: 1048576 }[m[2]];
  return Number(m[1]) * mult;
}

// ---- command line ---------------------------------------------------------
let heapsize = 1024 * 1024;
let pystack = 2048;
const libs = [];
let stdinFile = null;
let rest = process.argv.slice(2);
while (rest.length) {
  const a = rest[0];
  const needValue = () => {
    if (rest.length < 2) usage(`${a} needs a value`);
    const v = rest[1];
    rest = rest.slice(2);
    return v;
  };
  if (a === "--") {
    rest = rest.slice(1);
    break;
  } else if (a === "-h" || a === "--help") {
    usage();
  } else if (a === "--heap") {
    heapsize = parseSize(needValue(), "--heap");
  } else if (a === "--pystack") {
    pystack = parseSize(needValue(), "--pystack");
  } else if (a === "--lib") {
    const spec = needValue();
    const i = spec.lastIndexOf(":/");
    const host = i > 0 ? spec.slice(0, i) : spec;
    const vfs = i > 0 ? spec.slice(i + 1) : "/lib/" + path.basename(path.resolve(host));
    libs.push({ host, vfs: vfs.length > 1 ? vfs.replace(/\/+$/, "") : vfs });
  } else if (a === "--stdin-file") {
    stdinFile = needValue();
  } else if (a.startsWith("--")) {
    usage(`unknown option ${a}`);
  } else {
    break;
  }
}
if (!rest.length) usage("no script given");
const scriptArg = rest[0];
const scriptArgs = rest.slice(1);

let scriptSource;
try {
  scriptSource = fs.readFileSync(scriptArg);
} catch (e) {
  usage(`cannot read script ${scriptArg}: ${e.message}`);
}
let stdinBytes = new Uint8Array(0);
if (stdinFile !== null) {
  try {
    stdinBytes = fs.readFileSync(stdinFile === "-" ? 0 : stdinFile);
  } catch (e) {
    usage(`cannot read --stdin-file ${stdinFile}: ${e.message}`);
  }
}
for (const lib of libs) {
  let st;
  try {
    st = fs.statSync(lib.host);
  } catch (e) {
    usage(`--lib ${lib.host}: ${e.message}`);
  }
  if (!st.isDirectory()) usage(`--lib ${lib.host}: not a directory`);
}

// ---- byte-exact output ------------------------------------------------------
// The VM calls us once per byte. Collect bytes into one buffer tagged with its
// fd; flush on newline, when full, when the other stream writes (so the
// stdout/stderr interleaving is kept) and at exit.
const outBuf = Buffer.alloc(8192);
let outLen = 0;
let outFd = 1;
function flushOut() {
  let off = 0;
  while (off < outLen) off += fs.writeSync(outFd, outBuf, off, outLen - off);
  outLen = 0;
}
function writeByte(fd, bytes) {
  for (const b of bytes) {
    if (fd !== outFd) {
      flushOut();
      outFd = fd;
    }
    outBuf[outLen++] = b;
    if (b === 10 || outLen === outBuf.length) flushOut();
  }
}
function finish(code) {
  flushOut();
  process.exit(code);
}

// ---- start the VM -----------------------------------------------------------
let stdinPos = 0;
const mp = await loadMicroPython({
  heapsize,
  pystack,
  linebuffer: false,
  // null = EOF. Passing a function also stops emscripten from reading the
  // real stdin through its TTY layer (which decodes it as UTF-8).
  stdin: () => (stdinPos < stdinBytes.length ? stdinBytes[stdinPos++] : null),
  stdout: (b) => writeByte(1, b),
  stderr: (b) => writeByte(2, b),
});

function copyTree(hostDir, vfsDir) {
  mp.FS.mkdirTree(vfsDir);
  for (const ent of fs.readdirSync(hostDir, { withFileTypes: true })) {
    const hp = path.join(hostDir, ent.name);
    const vp = (vfsDir === "/" ? "" : vfsDir) + "/" + ent.name;
    const st = fs.statSync(hp); // follows symlinks
    if (st.isDirectory()) {
      if (ent.name === "__pycache__") continue;
      copyTree(hp, vp);
    } else if (st.isFile()) {
      if (ent.name.endsWith(".pyc")) continue;
      mp.FS.writeFile(vp, fs.readFileSync(hp));
    }
  }
}
for (const lib of libs) copyTree(lib.host, lib.vfs);

const scriptPath = path.resolve(scriptArg);
mp.FS.mkdirTree(path.dirname(scriptPath));
mp.FS.writeFile(scriptPath, scriptSource);

mp.globals.set("_mprun_argv", JSON.stringify([scriptArg, ...scriptArgs]));
mp.globals.set("_mprun_file", scriptPath);
mp.globals.set("_mprun_dir", path.dirname(scriptPath));

// Everything that can raise runs inside this Python try, so SystemExit and
// tracebacks are handled by MicroPython itself (sys.print_exception).
const BOOT = `
import sys, json, micropython
try:
    import asyncio as _mprun_asyncio
except ImportError:
    _mprun_asyncio = None
_mprun_coros = []
def _mprun_asyncio_run(coro, *args, **kw):
    _mprun_coros.append(coro)
if _mprun_asyncio is not None:
    _mprun_asyncio.run = _mprun_asyncio_run
sys.argv.clear()
sys.argv.extend(json.loads(_mprun_argv))
if sys.path and sys.path[0] == '':
    sys.path[0] = _mprun_dir
else:
    sys.path.insert(0, _mprun_dir)
def _mprun_unlock_heap():
    micropython.heap_lock()
    depth = micropython.heap_unlock()
    while depth > 0:
        depth = micropython.heap_unlock()
_mprun_rc = 0
try:
    __file__ = _mprun_file
    with open(_mprun_file) as _mprun_f:
        _mprun_src = _mprun_f.read()
    _mprun_code = compile(_mprun_src, _mprun_file, 'exec')
    del _mprun_src, _mprun_f
    exec(_mprun_code, globals())
    while _mprun_coros:
        await _mprun_coros.pop(0)
except SystemExit as _mprun_e:
    _mprun_unlock_heap()
    _mprun_c = _mprun_e.args[0] if _mprun_e.args else None
    if _mprun_c is None:
        _mprun_rc = 0
    elif isinstance(_mprun_c, int):
        _mprun_rc = _mprun_c
    else:
        print(_mprun_c, file=sys.stderr)
        _mprun_rc = 1
except BaseException as _mprun_e:
    _mprun_unlock_heap()
    sys.print_exception(_mprun_e, sys.stderr)
    _mprun_rc = 1
`;

try {
  await mp.runPythonAsync(BOOT);
} catch (e) {
  // Only reached if the bootstrap itself fails.
  flushOut();
  process.stderr.write(`mprun: ${e && e.stack ? e.stack : e}\n`);
  finish(1);
}
const rc = mp.globals.get("_mprun_rc");
finish(typeof rc === "number" ? rc : 1);
