"""docs/home-assistant.md says what the code does: its example state payload
and discovery config are what protocols.mqtt makes for that capture, and
every command on the page (the shell lines, the systemd unit's ExecStart,
the Python example) runs against a real mosquitto, with the dongle's port
replaced by the capture streams and the broker's address by the test's."""

import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from mqtt_broker import Broker, Subscriber

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "home-assistant.md")
sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
import mqtt_streams  # noqa: E402


def doc():
    with open(DOC, encoding="utf-8") as f:
        return f.read()


def pairs(text):
    """JSON with key order kept (lists of pairs), to compare order too."""
    return json.loads(text, object_pairs_hook=lambda kv: [(k, v) for k, v in kv])


def made_messages():
    from protocols import __version__
    from protocols.mqtt import Messages

    m = Messages("host-raspberrypi", sw_version=__version__, bridge_model="host bridge")
    out = {}
    for rel, rd in mqtt_streams.stream("aidon"):
        for topic, payload, retain in m.reading(rd):
            out.setdefault(rel, []).append((topic, payload))
    return out


def test_examples_are_real_output():
    text = doc()
    made = made_messages()
    blocks = re.findall(r"<!-- (state|config): (\S+)(?: (\S+))? -->\n```json\n(.*?)```", text, re.S)
    assert [b[0] for b in blocks] == ["state", "config"]
    for kind, rel, obj, body in blocks:
        msgs = made[rel]
        if kind == "state":
            topic, payload = [x for x in msgs if x[0].endswith("/state")][-1]
            assert "`%s`" % topic in text
        else:
            topic, payload = [x for x in msgs if x[0].endswith("/%s/config" % obj)][0]
            assert "`%s`" % topic in text
        assert pairs(body) == pairs(payload)


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    b = Broker(tmp_path_factory.mktemp("docs"))
    yield b
    b.stop()


def stream_file(tmp_path):
    path = tmp_path / "aidon.hex"
    with open(path, "w") as f:
        for rel in mqtt_streams.STREAMS["aidon"]:
            with open(os.path.join(ROOT, "tests", "captures", rel)) as g:
                f.write(g.read() + "\n")
    return str(path)


def commands():
    text = doc()
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        out.extend(line for line in block.splitlines() if line.strip())
    for line in re.findall(r"^ExecStart=(.*)$", text, re.M):
        out.append(line)
    return out


def test_every_command_runs(tmp_path, broker):
    cmds = commands()
    assert len(cmds) == 4, cmds
    sub = Subscriber(broker)
    env = dict(os.environ)
    src = stream_file(tmp_path)
    ran = 0
    try:
        for line in cmds:
            argv = shlex.split(line)
            if argv[0] == "export":
                k, _, v = argv[1].partition("=")
                env[k] = v
                continue
            assert os.path.basename(argv[0]) == "hanreader" and argv[1] == "mqtt", line
            argv = [sys.executable, "-m", "hostlib.cli"] + [
                broker.url if a == "mqtt://homeassistant.local" else (src if a == "/dev/ttyACM0" else a)
                for a in argv[1:]]
            if "--fast" not in argv:
                argv.append("--fast")
            n = len(sub.messages)
            r = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
            assert r.returncode == 0, (line, r.stderr)
            assert env.get("HANREADER_MQTT_PASSWORD", "\0") not in r.stdout + r.stderr
            sub.wait_for(lambda m: any(t.endswith("/state") for t, p, rt in m[n:]))
            ran += 1
    finally:
        sub.close()
    assert ran == 3


def test_python_example_runs(tmp_path, broker):
    text = doc()
    block = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(block) == 1
    code = block[0].replace("mqtt://homeassistant.local", broker.url).replace("/dev/ttyACM0", stream_file(tmp_path))
    sub = Subscriber(broker)
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                           env=dict(os.environ, HANREADER_MQTT_PASSWORD="x"))
        assert r.returncode == 0, r.stderr
        msgs = sub.wait_for(lambda m: len([1 for t, p, rt in m if t.endswith("/state")]) == 4)
        assert [json.loads(p)["meter"]["manufacturer"] for t, p, rt in msgs if t.endswith("/state")] == ["Aidon"] * 4
    finally:
        sub.close()
