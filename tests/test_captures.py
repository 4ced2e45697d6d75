"""Every recorded capture decodes to its asserted values (issue #3).

The expected values live beside the captures (tests/captures/<vendor>/
expected.json), taken from each source's own annotations and the vendor
documents; see each folder's README for the sources.
"""

import pytest

import hostlib
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
