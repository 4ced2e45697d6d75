"""The meter declarations (protocols/meters): one place per meter, and all
that derives from it (decoder, simulator, CLI choices, docs/meters.md)."""

import os
import subprocess
import sys
import types

import pytest

from protocols import axdr, dialects, meters, obis, p1framer
from protocols.meters import catalog
from protocols.apdu import DataNotification
from protocols.declarations import tag_of
from protocols.dialects import generic, pairs, positional, registers, values

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINES = {"registers": registers, "values": values, "pairs": pairs, "generic": generic,
           "positional": positional, "p1": p1framer}


def test_docs_meters_page_is_generated_from_the_declarations():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "meters-doc")],
                         capture_output=True, text=True, check=True).stdout
    with open(os.path.join(ROOT, "docs", "meters.md")) as f:
        assert f.read() == out, "docs/meters.md is stale: run tools/meters-doc > docs/meters.md"
    assert "| `kaifa` | Kaifa | KFM | `KFM…` | KFM | `values` |" in out


def test_every_meter_module_is_declared_and_every_declaration_is_sound():
    here = os.path.join(ROOT, "protocols", "meters")
    modules = sorted(n[:-3] for n in os.listdir(here) if n.endswith(".py") and n != "__init__.py")
    modules = [m for m in modules if not m.startswith("_") and m != "catalog"]
    assert set(modules) <= set(catalog.names()), "a meter module without its _INDEX line is never used"
    assert catalog.names()[:3] == ["aidon", "kaifa", "kamstrup"]
    for e in catalog.entries():
        eng = ENGINES[e.engine]
        decl = catalog.declaration(e.name)
        assert set(e.quirks) <= set(eng.QUIRKS), e.name
        if e.engine == "p1":  # a P1 dialect: its P1 idents, the source of its name, no lists
            assert e.p1_idents and not e.flag_ids and not e.list_versions and e.source, e.name
        for lst in catalog.lists(decl):
            assert lst.number >= 1 and set(lst.phases) <= {1, 3}, (e.name, lst)
            for code, typ, extra in lst.items:
                tag_of(typ)  # a Blue Book type name
                if code is None:  # a position the layout's document leaves undescribed
                    assert e.engine == "positional" and extra in (False, "date", "time"), (e.name, lst.name)
                    continue
                assert obis.lookup(code) is not None, (e.name, lst.name, obis.to_str(code))
                assert tag_of(typ) in (axdr.OCTET_STRING, axdr.VISIBLE_STRING) or typ in (
                    "double-long-unsigned", "long-unsigned", "long", "long64-unsigned", "double-long",
                    "enum")
        for k, s in e.scalers.items():
            assert -9 <= s <= 9, (e.name, k)


def test_recognition_lookups():
    def name(col, v):
        f = meters.find(col, v)
        return f[0] if f else None

    assert name(3, b"KFM_001") == "kaifa"
    assert name(3, "Kamstrup_V0001") == "kamstrup"
    assert name(3, "AIDON_H0001") == "aidon"
    assert name(3, "kamstrup_v0001") is None and name(-3, "kamstrup_v0001") == "kamstrup"
    assert name(3, b"\xff\xfe") is None and name(3, b"") is None
    assert name(3, True) is None and name(2, 7) is None  # not texts: no meter, no crash
    assert name(2, "adn") == "aidon" and name(2, "KFM") == "kaifa" and name(2, "LGZ") == "landisgyr" and name(2, "XYZ") is None
    assert name(4, "LGZ") is None  # P1 idents "~": none
    assert name(4, "KFM") == "kaifa" and name(4, "ISk") == name(4, "ISK") == "iskra_p1"  # the P1 row, not iskraemeco's "~"
    assert name(4, "Lux") == "smarty" and name(4, "XYZ") is None
    assert name(5, "pairs") == "kamstrup"
    assert meters.find(2, "KAM")[1] == "Kamstrup"
    assert dialects.meter(3, b"KFM_001") is dialects.meter(3, "KFM_002") is dialects.meter(2, "kfm")
    assert meters.find(0, "kaifa")[:6] == ["kaifa", "Kaifa", "KFM", "KFM", "-", "values"]
    with pytest.raises(KeyError) as info:
        catalog.entry("elster")
    assert "expected one of aidon, kaifa, kamstrup" in str(info.value)


def test_axdr_type_names_are_the_one_tag_table():
    assert tag_of("double-long-unsigned") == 6 and tag_of("octet_string") == 9
    assert all(tag_of(axdr.tag_name(t)) == t for t in range(28) if axdr.tag_name(t) != "?")
    with pytest.raises(ValueError):
        tag_of("?")


def test_cli_meter_choices_are_the_simulated_declarations():
    from hostlib import simulator

    assert catalog.simulated() == list(simulator.KINDS) == ["aidon", "kaifa", "kamstrup"]
    r = subprocess.run([sys.executable, "-m", "hostlib.cli", "simulate", "--meter", "elster"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "choose from 'aidon', 'kaifa', 'kamstrup'" in r.stderr


@pytest.fixture
def new_meter(monkeypatch):
    """A meter declared the documented way (an _INDEX line and a data module), nothing else."""
    mod = types.ModuleType("protocols.meters.testmeter")
    mod.LISTS = """
list2 3
1.1.0.2.129.255 octet-string
1.0.1.7.0.255 double-long-unsigned
1.0.31.7.0.255 long-unsigned
1.0.32.7.0.255 long-unsigned
"""
    monkeypatch.setitem(sys.modules, "protocols.meters.testmeter", mod)
    monkeypatch.setattr(meters, "_INDEX", meters._INDEX + "testmeter TestMeters TST TST_ - values - 31.7:-2,32.7:-1\n")
    monkeypatch.setattr(dialects, "_CTX", {})
    monkeypatch.setattr(dialects, "_SEEN", {0: {}, 2: {}, 3: {}, 5: {}})
    monkeypatch.setattr(dialects, "_SEEN_B", {})
    return mod


def test_a_new_positional_meter_is_one_declaration(new_meter):
    # By its list version ...
    body = (b"TST_V0001", 1500, 523, 2301)
    r = dialects.decode_notification(DataNotification(0, None, body))
    assert r.meter.manufacturer == "TestMeters" and r.meter.list_version == "TST_V0001"
    assert [(g.name, g.value, g.unit) for g in r.registers] == [
        ("list_version", "TST_V0001", None), ("active_power_import", 1500, "W"),
        ("current_l1", 5.23, "A"), ("voltage_l1", 230.1, "V")]
    # ... and, with no version, by the FLAG id of a ciphered frame's system title.
    r = dialects.decode_notification(DataNotification(0, None, (b"\x01", 1500, 523, 2301)), "TST")
    assert [g.value for g in r.registers][1:] == [1500, 5.23, 230.1]
    assert "testmeter" in catalog.names()
    # Without the declaration the same list is only generic values.
    r = dialects.decode_notification(DataNotification(0, None, (b"\x01", 1500, 523, 2301)), "XYZ")
    assert r.meter.manufacturer == "XYZ" and not any(g.name == "current_l1" for g in r.registers)
