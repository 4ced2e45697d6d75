"""Every command in README.md and docs/*.md runs as written (issue 17 item 12).

What counts as a documented command:

* each line of a fenced ``sh``/``bash``/``console`` block (``# comments``
  stripped, ``\\`` continuations joined; an ``export``/``cd`` line is carried
  into the block's later lines, as in a shell), and each line of an
  indented code block that starts with a program (or ``echo``);
* each inline code span that is a command line: it starts with a program
  (``hanreader SUBCOMMAND``, ``tools/…``, ``./tools/…``, ``.venv/bin/…``,
  ``python``, ``pytest``, ``pip``, ``npm``, ``node``, ``make``,
  ``micropython``) and has arguments (a bare ``tools/bench`` names a file).

They run after the README's set-up (``tools/bootstrap``, then
``.venv/bin`` first on PATH as ``source .venv/bin/activate`` gives), in a
copy of the working tree (what they write never lands in the repository),
one after the other in the order of the page, with these stand-ins:

* a serial port (``/dev/ttyUSB0``, ``/dev/ttyACM0``, ``/dev/pts/N``): a pty
  that the simulator feeds; ``tcp://HOST:PORT``: the simulator's TCP server;
  ``mqtt://…``: a real mosquitto on 127.0.0.1;
* ``FILE``, ``CAPTURE``: a real capture (the Aidon list 2 of the digest).

A synopsis of ``hanreader`` (``[optional]``, ``a|b``, ``<placeholder>``,
``…``), and any ``hanreader`` command named in prose (an inline span: often a
fragment such as ``hanreader mqtt --energy``), runs as ``hanreader SUB
--help``: the subcommand must exist and know every option named. A command that runs until stopped
(``read``, ``demo``, a live ``simulate`` or ``mqtt``) gets SIGINT (Ctrl-C)
after a few seconds; it must not have ended with an error before, must
have said something, and must exit 0. No command may print a traceback.

RULES lists the few that cannot run here as written: each with what runs
instead and why. A failure names the page, the line and the command.
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["README.md"] + sorted("docs/" + n for n in os.listdir(os.path.join(ROOT, "docs")) if n.endswith(".md"))
CAPTURE = "tests/captures/aidon/doc-example-list2.hex"
SUBCOMMANDS = sorted(n[:-3] for n in os.listdir(os.path.join(ROOT, "hostlib", "cli"))
                     if n.endswith(".py") and not n.startswith("_"))
PROGRAM = re.compile(r"^(\./)?(tools/\S+|\.venv/bin/\S+|hanreader|python3?|pytest|pip|npm|node|make|micropython|mpremote"
                     r"|[A-Z_]+=\S+ micropython)(\s|$)")
SERVICE_SECONDS = 4.0  # how long a command that runs until Ctrl-C is left running
LIMIT = 120.0  # any other command must end by then

# (regex on the command as documented, action, why). Actions:
#   "skip"          not run (the reason says what covers it);
#   "help"          ``PROGRAM --help``, and every --option of the line is in its help;
#   "collect"       a pytest line: run with ``--collect-only -q`` (the suite runs the
#                   tests themselves); the files and -k expressions must select tests;
#   ("sub", a, b)   run with re.sub(a, b, command).
RULES = [
    (r"^\./tools/bootstrap$", "skip",
     "the set-up itself: this suite runs in the .venv it made; "
     "test_editable_install_is_quiet builds the package as it does"),
    (r"^pip install -e \.$", "skip", "what tools/bootstrap does (test_editable_install_is_quiet)"),
    (r"^pip install ", ("sub", r"^pip install ", "pip install --dry-run --no-deps --quiet "),
     "installs into the venv: a dry run resolves the same requirement"),
    (r"^npm ci$", "skip", "deletes and reinstalls node_modules/ (tools/bootstrap runs it); the VM it "
     "installs runs in tests/test_micropython.py"),
    (r"^make -C ", "skip", "needs a MicroPython source tree (docs/firmware.md, section 5); none here"),
    (r"^(\.venv/bin/)?mpremote ", "skip", "needs a board on USB"),
    (r"tools/deploy(?!.*--dry-run)", ("sub", r"(tools/deploy)", r"\1 --dry-run"),
     "would install on a connected board: --dry-run builds the same bundle"),
    (r"(-m pytest|^pytest)\b", "collect", "the suite runs these tests itself"),
    (r"tools/bench\b", "help", "minutes of measuring: tests/test_bench.py runs tools/bench --quick"),
    (r"tools/fuzz .*--inputs", "help", "hours: the short run (tools/fuzz) runs here and in tests/test_fuzz_campaign.py"),
    (r"tools/fw-mem", "help", "minutes of measuring on both VMs: tests/test_firmware.py takes the same figures"),
    (r"^cd /path/to/hanreader$", ("sub", r".*", "cd ."), "the checkout"),
    (r"^hanreader (dongle|host)-<", "skip", "an MQTT client id in prose, not a command"),
    (r"^python3 \.\.\./micropython$", "skip", "a path in prose, not a command"),
]


# -- extracting the commands ----------------------------------------------------------

def _strip_comment(line):
    """``cmd   # comment`` -> ``cmd`` (a ``#`` inside quotes stays)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def documented():
    """(page, line number, command, carried shell lines, inline, fenced block or None)
    of every documented command."""
    out = []
    for page in PAGES:
        with open(os.path.join(ROOT, page), encoding="utf-8") as f:
            lines = f.read().split("\n")
        fence = None
        block = 0
        indented = False  # inside an indented code block
        prev = ""  # the previous line outside fences ("" when blank)
        carried = []
        pending, start = "", 0
        for n, line in enumerate(lines, 1):
            s = line.strip()
            if s.startswith("```"):
                fence = None if fence is not None else s[3:].strip()
                block = n  # a fenced block's id: the line of its fence
                carried = []
                indented, prev = False, "x"
                continue
            if fence is not None:
                if fence not in ("sh", "bash", "console"):
                    continue
                body = _strip_comment(line)
                if not pending:
                    start = n
                if body.endswith("\\"):
                    pending += body[:-1].strip() + " "
                    continue
                cmd = (pending + body.strip()).strip()
                pending = ""
                if not cmd:
                    continue
                # two synopses on one line ("hanreader record PORT FILE    hanreader replay FILE")
                for part in re.split(r"\s{2,}(?=hanreader )", cmd):
                    out.append((page, start, part.strip(), tuple(carried), False, (page, block)))
                if re.match(r"^(export|cd) ", cmd):
                    carried.append(cmd)
                continue
            if line.startswith("    ") and s and (indented or not prev):
                # an indented code block: its shell lines (output and JSON lines are not)
                indented = True
                body = _strip_comment(line).strip()
                if PROGRAM.match(body) or body.startswith("echo "):
                    out.append((page, n, body, (), False, None))
                prev = line
                continue
            indented = indented and not s
            prev = s
            for m in re.finditer(r"(?<!`)`([^`\n]+)`(?!`)", line):
                span = m.group(1).strip()
                if PROGRAM.match(span) and " " in span:
                    out.append((page, n, span, (), True, None))
    return out


COMMANDS = documented()


def rule(cmd):
    for pat, action, why in RULES:
        if re.search(pat, cmd):
            return action, why
    return None, None


def synopsis(cmd, inline=False):
    """A hanreader synopsis: optional parts, alternatives, placeholders, or named in prose."""
    words = cmd.split()
    if words[0] not in ("hanreader", ".venv/bin/hanreader"):
        return False
    if inline:  # named in prose (`hanreader mqtt --energy`): the options are checked, not run
        return True
    return bool(re.search(r"\[|<|…|\.\.\.|[A-Za-z0-9]\|[A-Za-z0-9-]|\bPORT\b|\bSOURCE\b|\bHOST\b", cmd))


def options(cmd):
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])\b", cmd)))


# -- the stand-ins ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A copy of the working tree (tracked and untracked-not-ignored files), with the
    set-up's .venv and node_modules linked in."""
    dst = tmp_path_factory.mktemp("checkout")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for rel in files:
        src = os.path.join(ROOT, rel)
        if rel and os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dst, rel)) or str(dst), exist_ok=True)
            shutil.copy2(src, os.path.join(dst, rel))
    for link in (".venv", "node_modules"):
        if os.path.exists(os.path.join(ROOT, link)):
            os.symlink(os.path.join(ROOT, link), os.path.join(dst, link))
    return str(dst)


class Meter:
    """The simulator on a pty and on a TCP server, at 20 times real time."""

    def __init__(self):
        from hostlib.simulator import Simulator
        from hostlib.sinks import PtySink, TcpServerSink

        self.pty = PtySink()
        self.tcp = TcpServerSink()
        self.stop = threading.Event()

        def both(data):
            self.pty(data)
            self.tcp(data)

        self.thread = threading.Thread(
            target=Simulator("aidon", phases=3, seed=7).run, args=(both,),
            kwargs=dict(speed=20.0, stop=self.stop), daemon=True)
        self.thread.start()

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.pty.close()
        self.tcp.close()


@pytest.fixture(scope="module")
def meter():
    m = Meter()
    yield m
    m.close()


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    from mqtt_broker import Broker

    b = Broker(tmp_path_factory.mktemp("broker"))  # started by its constructor
    yield b
    b.stop()


def stand_ins(cmd, meter, broker):
    cmd = re.sub(r"/dev/tty(USB|ACM)\d+|/dev/pts/\d+", lambda m: meter.pty.path, cmd)
    cmd = re.sub(r"tcp://[\d.]+:\d+", lambda m: meter.tcp.url, cmd)
    cmd = re.sub(r"mqtt://[\w.-]+(:(\d+|PORT))?", lambda m: broker.url, cmd)
    cmd = re.sub(r"(?<![\w/.-])(FILE|CAPTURE)(?![\w/.-])", CAPTURE, cmd)
    return cmd


def service(cmd):
    """Runs until stopped: read, demo (no --duration), a live simulate, mqtt from a port."""
    if re.search(r"\bhanreader demo\b", cmd):  # --duration 30 too: a few seconds of it are enough
        return True
    if re.search(r"\bhanreader read\b", cmd):
        return not re.search(r"--(duration|count)|\s-n\s", cmd)
    if re.search(r"\bhanreader simulate\b", cmd):
        return not re.search(r"--(count|until|duration)", cmd)
    if re.search(r"\bhanreader mqtt /dev/", cmd):
        return True
    return bool(re.search(r"tools/firmware-replay .*--broker", cmd))


# -- running ---------------------------------------------------------------------------

def environment(tree):
    env = dict(os.environ)
    venv_bin = os.path.join(tree, ".venv", "bin")
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = os.path.join(tree, ".venv")
    env.pop("PYTHONPATH", None)
    env["COLUMNS"] = "100"
    return env


def run(script, tree, is_service, stdin=None):
    p = subprocess.Popen(["bash", "-o", "pipefail", "-c", script], cwd=tree, env=environment(tree),
                         stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(stdin, timeout=SERVICE_SECONDS if is_service else LIMIT)
        ended = True
    except subprocess.TimeoutExpired:
        ended = False
        os.killpg(p.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
    return ended, p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def _id(c):
    return "%s:%d:%s" % (c[0], c[1], c[2][:60])


@pytest.mark.parametrize("doc", COMMANDS, ids=_id)
def test_documented_command_runs(doc, tree, meter, broker):
    # The block's earlier commands first, when this one runs without them (``-k``): a
    # block is a session (``simulate ... > days.bin`` then ``energy days.bin``).
    for prior in COMMANDS[: COMMANDS.index(doc)]:
        if prior[5] is not None and prior[5] == doc[5] and prior[:2] not in _DONE and not service(prior[2]):
            _run_documented(prior, tree, meter, broker)
    _run_documented(doc, tree, meter, broker)


_DONE = set()  # (page, line) of the commands run in this session's copy of the tree


def _run_documented(doc, tree, meter, broker):
    page, line, cmd, carried, inline, _block = doc
    _DONE.add((page, line))
    where = "%s:%d: `%s`" % (page, line, cmd)
    parts = [p.strip() for p in cmd.split("&&")]
    for part in parts:
        action, why = rule(part)
        if action == "skip":
            continue
        if action == "help" or (action is None and synopsis(part, inline)):
            _check_help(part, tree, where)
            continue
        if action == "collect":
            part = part + " --collect-only -q"
        elif isinstance(action, tuple):
            part = re.sub(action[1], action[2], part, count=1)
        part = re.sub(r"\s*\[[^]]*\]", "", part)  # another program's optional arguments: left out
        real = stand_ins(part, meter, broker)
        script = "\n".join(list(carried) + [real])
        stdin = None
        if re.search(r"\bhanreader decode\b", real) and not re.search(r"\|\s*\S*hanreader decode", real) \
                and not re.search(r"decode\b.*\s[\w./-]+\.(hex|bin|txt)\b", real):
            with open(os.path.join(ROOT, CAPTURE), "rb") as f:
                stdin = f.read()  # `hanreader decode --json` in prose: a capture on stdin
        is_service = service(real)
        ended, rc, out, err = run(script, tree, is_service, stdin)
        shown = "%s\n  ran: %s\n  exit status %s%s\n  stdout: %s\n  stderr: %s" % (
            where, real, rc, "" if ended else " after Ctrl-C", out[-1500:], err[-1500:])
        assert "Traceback (most recent call last)" not in err + out, "traceback from " + shown
        if is_service and ended:
            assert rc == 0, "ended on its own with an error: " + shown
        assert rc == 0, shown
        assert out.strip() or err.strip() or not is_service, "said nothing: " + shown


def _check_help(cmd, tree, where):
    words = cmd.split()
    prog = words[0]
    if prog in ("hanreader", ".venv/bin/hanreader"):
        subs = [s for s in words[1].split("|")]
        for s in subs:
            assert s in SUBCOMMANDS, "%s: no subcommand %r (have: %s)" % (where, s, ", ".join(SUBCOMMANDS))
        targets = [[prog, s] for s in subs]
    else:
        # the program and its script: ".venv/bin/python tools/bench --seconds 8" -> up to the first option
        head = []
        for w in words:
            if w.startswith("-"):
                break
            head.append(w)
        targets = [head]
    for t in targets:
        ended, rc, out, err = run(" ".join(map(shlex.quote, t)) + " --help", tree, False)
        assert rc == 0 and "Traceback" not in err, "%s: `%s --help` failed (%s): %s" % (where, " ".join(t), rc, err[-800:])
        missing = [o for o in options(cmd) if not re.search(r"(?<![\w-])%s\b" % re.escape(o), out)]
        if len(targets) > 1:  # "decode|read --key": each option in one of them at least
            continue
        assert not missing, "%s: `%s --help` does not know %s" % (where, " ".join(t), ", ".join(missing))


def test_the_extraction_finds_the_known_commands():
    cmds = [c[2] for c in COMMANDS]
    assert "./tools/bootstrap && .venv/bin/hanreader demo --duration 30" in cmds  # README's first block
    assert "hanreader read /dev/ttyUSB0 --auto" in cmds  # docs/host.md block, comment stripped
    assert "tools/firmware-replay FILE" in cmds  # README inline
    assert any(c.startswith("python tools/mpvm.py --vm wasm --lib protocols --lib tests/mp:/lib --lib") for c in cmds)
    assert "hanreader record PORT FILE" in cmds and "hanreader replay FILE" in cmds
    assert all(not c.startswith("#") for c in cmds)
    assert "tools/bench" not in cmds  # a file named in prose is not a command


# -- the set-up itself -----------------------------------------------------------------

def _pip(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


# The one kind of line allowed: this machine's pip configuration names an
# extra index folder that does not exist (/etc/pip.conf, not the project's).
MACHINE = re.compile(r"^WARNING: Location 'file://\S+' is ignored: it is neither a file nor a directory\.$")


def test_editable_install_is_quiet(tmp_path):
    # What tools/bootstrap runs (pip install -e), into a scratch prefix: no warning,
    # deprecation or notice from the build (issue 17 item 13: setuptools' licence
    # deprecations, then its editable-install notice, were ~130 lines).
    # A scratch venv, never this one (pip install --prefix would uninstall ours first).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True, timeout=120)
    r = _pip("--python", str(tmp_path / "venv" / "bin" / "python"), "install", "--quiet", "--no-deps", "-e", ".")
    assert r.returncode == 0, r.stderr
    noise = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.strip() and not MACHINE.match(ln)]
    assert noise == [], "pip install -e . printed:\n" + "\n".join(noise)
    # ... and a wheel still holds the two packages only
    r = _pip("wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "wheel"), ".")
    assert r.returncode == 0, r.stderr
    import zipfile

    (whl,) = (tmp_path / "wheel").glob("*.whl")
    names = zipfile.ZipFile(whl).namelist()
    assert sorted(set(n.split("/")[0] for n in names)) == ["hanreader-0.1.0.dist-info", "hostlib", "protocols"]
    assert "protocols/cs.py" not in names and "protocols/py.typed" in names


def test_tools_run_as_documented_without_the_venv_on_path(tmp_path):
    # README: `tools/firmware-replay FILE`; docs/firmware.md: `tools/deploy --board pico`.
    # Started by whatever python3 the PATH has (the shebang), they re-run under .venv.
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if ".venv" not in p) or "/usr/bin:/bin"
    env.pop("VIRTUAL_ENV", None)
    env.pop("HANREADER_VENV_REEXEC", None)
    r = subprocess.run(["tools/deploy", "--dry-run", "--board", "pico", "--out", str(tmp_path / "b")], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert r.stdout.startswith("bundle %s: " % (tmp_path / "b")), r.stdout
    assert (tmp_path / "b" / "protocols" / "decoder.mpy").is_file()
    assert not (tmp_path / "b" / "protocols" / "cs.mpy").exists()  # the test engine is not shipped
    r = subprocess.run(["tools/firmware-replay", CAPTURE], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert '"name": "active_power_import", "value": 1362, "unit": "W"' in r.stdout


# -- docs/design.md says what the code is ------------------------------------------------

def _design():
    with open(os.path.join(ROOT, "docs", "design.md"), encoding="utf-8") as f:
        return f.read()


def test_design_names_only_modules_that_exist():
    text = _design()
    names = set(re.findall(r"`([\w/.]+\.(?:py|mjs)|[\w]+/)`", text))
    names |= set(re.findall(r"(?<![\w`])((?:protocols|hostlib|firmware|tools|tests)/[\w/.]+\.py)", text))
    assert len(names) > 40
    bases = ["", "protocols", "hostlib", "hostlib/cli", "firmware", "protocols/dialects", "protocols/meters"]
    missing = [n for n in sorted(names) if not any(os.path.exists(os.path.join(ROOT, b, n)) for b in bases)]
    assert missing == [], "docs/design.md names modules that do not exist: %s" % missing
    for gone in ("protocols/framer.py", "`framer.py`", "protocols/cs.py", "HdlcFramer(max_frame=2048)"):
        assert gone not in text


def test_design_error_kinds_are_the_raised_ones():
    import protocols.errors as E

    rows = re.findall(r"^\| (`[^|]+`) \| (`[^|]+`) \|", _design(), re.M)
    documented = {}
    for kinds, classes in rows:
        for k, c in zip(re.findall(r"`([\w-]+)`", kinds), re.findall(r"`(\w+)`", classes)):
            documented[c] = k
    assert documented, "no kind table in docs/design.md"
    source = ""
    for folder in ("protocols", "hostlib"):
        for dirpath, _dirs, files in os.walk(os.path.join(ROOT, folder)):
            for n in files:
                if n.endswith(".py") and n != "errors.py":
                    with open(os.path.join(dirpath, n), encoding="utf-8") as f:
                        source += f.read()
    raised = {}
    for name in dir(E):
        cls = getattr(E, name)
        if isinstance(cls, type) and issubclass(cls, E.HanError) and cls is not E.HanError:
            names = [n for n in dir(E) if getattr(E, n) is cls]
            if any(re.search(r"\b%s\(" % n, source) for n in names):
                raised[cls.__name__] = cls.kind
    for c, k in documented.items():
        cls = getattr(E, c)
        assert cls.kind == k, "docs/design.md: %s has kind %r, not %r" % (c, cls.kind, k)
        assert cls.__name__ in raised, "docs/design.md lists %s (%s), which nothing raises" % (c, k)
    listed = {getattr(E, c).__name__ for c in documented}
    assert set(raised) <= listed, "raised but not in docs/design.md: %s" % sorted(set(raised) - listed)


@pytest.mark.parametrize("vm", ["unix", "wasm"])
def test_micropython_testing_example_module_passes(vm, tmp_path):
    # docs/micropython-testing.md's "Writing a test module" runs as written, on both VMs.
    from test_micropython import mp_libs, mpvm

    with open(os.path.join(ROOT, "docs", "micropython-testing.md"), encoding="utf-8") as f:
        block = re.search(r"```python\n(.*?)```", f.read(), re.S).group(1)
    script = tmp_path / "test_example.py"
    script.write_text(block)
    r = mpvm.run(vm, str(script), libs=mp_libs(), heap="256k", timeout=120)
    out = r.stdout.decode()
    assert r.returncode == 0 and out.splitlines()[-1] == "3 passed, 0 failed", out + r.stderr.decode()


# -- the Python examples -----------------------------------------------------------------

def python_blocks():
    out = []
    for page in PAGES:
        with open(os.path.join(ROOT, page), encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"```python\n(.*?)```", text, re.S):
            out.append((page, text[: m.start()].count("\n") + 2, m.group(1)))
    return out


# Blocks that are not programs (page, first line of code -> why); the README's first
# block is run by tests/test_readme.py, the example test module by the test above.
NOT_PROGRAMS = {
    "for chunk in chunks:": "a fragment: `chunks` stands for the caller's data",
    'LISTS = """': "a declaration's data, shortened with ...",
    "def hdlc_frame(c, crc=crc16_x25):": "the shape of a declaration, shortened with ...",
    "# mp-heap: 256k": "a MicroPython test module (test_micropython_testing_example_module_passes)",
}
# What a block prints first, where the page says so in its comments.
PRINTS = {
    ("docs/host.md", 'print(reading["active_power_import"], reading.register("active_power_import").unit)'):
        "1362 W",
    ("docs/host.md", "print(item)"): "DongleStatus({'uptime': 5})",
    ("README.md", 'print(reading["active_power_import"], "W")'): None,  # test_readme.py checks it
}


@pytest.mark.parametrize("block", python_blocks(), ids=lambda b: "%s:%d" % (b[0], b[1]))
def test_documented_python_runs(block, tree, meter, broker):
    page, line, code = block
    where = "%s:%d" % (page, line)
    if any(k in code for k in NOT_PROGRAMS):
        return
    real = stand_ins(code, meter, broker)
    live = meter.pty.path in real  # reads a port: runs until Ctrl-C
    env = environment(tree)
    env["HANREADER_MQTT_PASSWORD"] = "not used: the test broker is anonymous"
    p = subprocess.Popen([os.path.join(tree, ".venv", "bin", "python"), "-c", real], cwd=tree, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=SERVICE_SECONDS if live else LIMIT)
        ended = True
    except subprocess.TimeoutExpired:
        ended = False
        os.killpg(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=20)
    out, err = out.decode(), err.decode()
    if ended:
        assert p.returncode == 0, "%s: the example fails:\n%s" % (where, err[-2000:])
    else:  # a loop over a live port: Ctrl-C ends it, and it printed readings before
        assert "KeyboardInterrupt" in err and (out.strip() or "print(" not in code), \
            "%s: %s\n%s" % (where, out[-500:], err[-2000:])
    for (pg, stmt), first in PRINTS.items():
        if pg == page and stmt in code and first is not None:
            assert out.splitlines()[0] == first, "%s: prints %r, the page says %r" % (where, out.splitlines()[0], first)


def test_command_tables_name_real_options():
    # A table row whose first cell is `SUB ...` (docs/host.md's command table): every option
    # named in the row's code spans is in `hanreader SUB --help` (spans of other programs aside).
    rows = []
    for page in PAGES:
        with open(os.path.join(ROOT, page), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                m = re.match(r"^\| `(\w+)[ `]", line)
                if m and m.group(1) in SUBCOMMANDS:
                    rows.append((page, n, m.group(1), line))
    assert len(rows) >= 6
    helps = {}
    for page, n, sub, line in rows:
        if sub not in helps:
            helps[sub] = subprocess.run([sys.executable, "-m", "hostlib.cli", sub, "--help"], cwd=ROOT,
                                        capture_output=True, text=True, timeout=60).stdout
        spans = [s for s in re.findall(r"`([^`]+)`", line) if not re.match(r"(socat|mpremote|screen)\b", s)]
        opts = sorted(set(o for s in spans for o in options(s)))
        missing = [o for o in opts if not re.search(r"(?<![\w-])%s\b" % re.escape(o), helps[sub])]
        assert missing == [], "%s:%d: `hanreader %s` has no %s" % (page, n, sub, ", ".join(missing))
