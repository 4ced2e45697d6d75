"""Every recorded capture decodes to its asserted values (issue #3).

The expected values live beside the captures (tests/captures/<vendor>/
expected.json), taken from each source's own annotations and the vendor
documents; see each folder's README for the sources.
"""

import pytest

import hostlib
import capture_data
from capture_data import malformed_cases, plain_cases
from protocols import obis
from protocols.errors import HanError

PLAIN = plain_cases()
MALFORMED = malformed_cases()


def test_corpus_size():
    # At least 25 real frames, covering all three Norwegian vendors.
    assert len(PLAIN) >= 25
    vendors = {name.split("/")[0] for name, _, _ in PLAIN}
    assert {"aidon", "kaifa", "kamstrup"} <= vendors


def test_every_capture_is_tested():
    # Captures are found by folder (tests/capture_data.py): each folder has
    # a kind its tests load, and each data file its expected entry, so a
    # folder or file that nothing would read fails here, never silently.
    seen = 0
    for folder in capture_data.folders():
        k = capture_data.kind(folder)
        assert k in ("plain", "malformed", "keyed", "p1"), folder
        files = capture_data.data_files(folder)
        assert set(capture_data.expected(folder)) == set(files), folder
        seen += len(files)
    loaded = len(PLAIN) + len(MALFORMED) + len(capture_data.keyed_cases())
    p1 = sum(len(capture_data.data_files(f)) for f in capture_data.folders_of("p1"))
    assert loaded + p1 == seen


def test_a_new_folder_is_found(tmp_path, monkeypatch):
    # A folder no list names: its frames are plain cases at once.
    import shutil

    for folder in ("kaifa", "aidon"):
        shutil.copytree(capture_data.os.path.join(capture_data.CAPTURES, folder), tmp_path / ("x" + folder))
    monkeypatch.setattr(capture_data, "CAPTURES", str(tmp_path))
    names = [c[0] for c in capture_data.plain_cases()]
    assert "xkaifa/gh180-1.hex" in names and "xaidon/elwiz-list1.hex" in names
    assert len(names) == 30


@pytest.mark.parametrize("name,frame,exp", PLAIN, ids=[c[0] for c in PLAIN])
def test_capture_decodes_to_expected(name, frame, exp):
    r = hostlib.decode(frame)
    assert r.meter.to_dict() == exp["meter"]
    assert r.time_text == exp["time"]
    got = [(g.obis, g.value, g.unit) for g in r.registers]
    want = [(e["obis"], e["value"], e["unit"]) for e in exp["registers"]]
    assert got == want
    # Types matter too: integers stay integers, scaled values are floats.
    for g, e in zip(r.registers, exp["registers"]):
        assert type(g.value) is type(e["value"]), (g.obis, g.value, e["value"])
        # Names come from the registry, matched on A, C, D, E.
        info = obis.lookup(obis.from_str(g.obis))
        assert g.name == (info[0] if info else None)


@pytest.mark.parametrize("name,frame,exp", PLAIN, ids=[c[0] for c in PLAIN])
def test_capture_json_round_trip(name, frame, exp):
    import json

    r = hostlib.decode(frame)
    assert json.loads(r.to_json()) == r.to_dict()


@pytest.mark.parametrize("name,frame,exp", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_rejected_with_kind(name, frame, exp):
    with pytest.raises(HanError) as info:
        hostlib.decode(frame)
    assert info.value.kind == exp["kind"], str(info.value)
