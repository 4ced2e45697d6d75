"""The public API is typed (issue 17 item 3).

1. Every public function, method and class of the API an integrator uses
   (``hostlib.__all__``, the hostlib modules the docs name, and the
   ``protocols`` names: ``Reader``, ``Reading``, ``Register``, ``Meter``,
   the errors, ``energy``, ``mqtt.Messages``, ``security``, the decode
   helpers) has a hint on every parameter (but ``self``/``cls``) and on its
   return, found with ``inspect``.
2. mypy (a test dependency, configured in pyproject.toml) checks
   ``hostlib`` and ``protocols`` and finds no error.
"""

import importlib
import inspect
import os
import re
import subprocess
import sys
import types

import hostlib
import protocols

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Modules whose public names (no leading underscore, defined there) are API.
MODULES = [
    "hostlib.aio",
    "hostlib.crypto",
    "hostlib.decode",
    "hostlib.dongle",
    "hostlib.energy",
    "hostlib.hexinput",
    "hostlib.mqtt",
    "hostlib.reader",
    "hostlib.recording",
    "hostlib.simulator",
    "hostlib.sinks",
    "hostlib.sources",
    "protocols.apdu",
    "protocols.ciphering",
    "protocols.crc",
    "protocols.decoder",
    "protocols.energy",
    "protocols.errors",
    "protocols.hdlc",
    "protocols.mqtt",
    "protocols.reading",
    "protocols.security",
]
# Special methods that are part of what a class offers (not __repr__, __eq__).
DUNDERS = {"__init__", "__call__", "__iter__", "__next__", "__enter__", "__exit__", "__aenter__",
           "__aexit__", "__aiter__", "__anext__", "__getitem__", "__contains__", "__len__"}


def _functions(qual, obj):
    """(qualified name, function) for a function or each method of a class."""
    if inspect.isfunction(obj):
        yield qual, obj
        return
    for name, attr in vars(obj).items():
        if name.startswith("_") and name not in DUNDERS:
            continue
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if isinstance(attr, property):
            for part, fn in (("", attr.fget), (".setter", attr.fset)):
                if fn is not None:
                    yield "%s.%s%s" % (qual, name, part), fn
        elif inspect.isfunction(attr):
            yield "%s.%s" % (qual, name), attr


def public_api():
    """{qualified name: function} of the whole public API."""
    objs = {}
    for name in hostlib.__all__:
        obj = getattr(hostlib, name)
        objs["%s.%s" % (obj.__module__, obj.__qualname__)] = obj
    for name in protocols._LAZY:
        obj = getattr(protocols, name)
        objs["%s.%s" % (obj.__module__, obj.__qualname__)] = obj
    for modname in MODULES:
        mod = importlib.import_module(modname)
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != modname:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                objs["%s.%s" % (modname, name)] = obj
    out = {}
    for qual, obj in objs.items():
        for q, fn in _functions(qual, obj):
            out[q] = fn
    return out


def missing_hints(fn):
    """The parameters without a hint, and ``->`` for a missing return hint."""
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    miss = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    if sig.return_annotation is inspect.Signature.empty:
        miss.append("->")
    return miss


def test_the_walk_covers_the_api_named_in_issue_17():
    api = public_api()
    for q in ("hostlib.mqtt.MqttBridge.__init__", "hostlib.mqtt.MqttBridge.publish",
              "hostlib.mqtt.AsyncMqttBridge.flush", "hostlib.mqtt.parse_broker_url",
              "hostlib.mqtt.read_password", "hostlib.mqtt.MqttError.__init__",
              "hostlib.recording.RecordingWriter.write", "hostlib.recording.read_recording",
              "hostlib.dongle.DongleParser.feed", "hostlib.dongle.DongleStatus.get",
              "hostlib.reader.HanReader.counters", "hostlib.sources.SourceError.__init__",
              "hostlib.aio.open_reader", "protocols.decoder.Reader.__init__", "protocols.decoder.Reader.counters",
              "protocols.mqtt.Messages.reading", "protocols.reading.Reading.to_dict",
              "protocols.reading.Reading.write_json", "protocols.reading.Meter.to_dict",
              "protocols.reading.Register.json", "protocols.errors.HanError.__init__",
              "protocols.energy.Energy.feed", "protocols.security.make_decryptor",
              "protocols.reading.Reading.received_at.setter", "protocols.hdlc.parse_frame"):
        assert q in api, q
    # Every module named above contributes, and nothing private slips in.
    for modname in MODULES:
        assert any(q.startswith(modname + ".") for q in api), modname
    assert not [q for q in api if re.search(r"\._[a-z]", q)]
    assert len(api) > 200


def test_every_public_signature_is_hinted():
    bad = ["%s(%s)" % (q, ", ".join(m)) for q, fn in sorted(public_api().items()) for m in [missing_hints(fn)] if m]
    assert bad == [], "%d signatures without hints:\n  %s" % (len(bad), "\n  ".join(bad))


def test_missing_hints_finds_them():
    def bare(a, b: int = 1, *c, **d):
        return a

    def full(a: int, *c: str, **d: object) -> int:
        return a

    class K:
        def m(self, x) -> None:
            pass

    assert missing_hints(bare) == ["a", "c", "d", "->"]
    assert missing_hints(full) == []
    assert missing_hints(K.m) == ["x"]


def test_hostlib_all_is_what_it_exports():
    exported = sorted(n for n, v in vars(hostlib).items()
                      if not n.startswith("_") and not isinstance(v, types.ModuleType))
    assert sorted(hostlib.__all__) == exported


def test_mypy_finds_no_error(tmp_path):
    # Configured in pyproject.toml ([tool.mypy]: files = hostlib, protocols).
    r = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    sources = sum(1 for pkg in ("hostlib", "protocols") for _d, _s, files in os.walk(os.path.join(ROOT, pkg))
                  for f in files if f.endswith(".py"))
    assert r.stdout.strip() == "Success: no issues found in %d source files" % sources, r.stdout
