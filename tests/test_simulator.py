# tests/test_simulator.py: the meter emulator builds real frames that decode to what it meant.
import datetime

import pytest

import protocols
from hostlib.simulator import LoadProfile, Simulator, encode_frame, encode_frame_lean
from hostlib.sinks import TcpServerSink

START = datetime.datetime(2025, 1, 15, 13, 59, 0)  # spans the top of the hour: lists 1, 2, 3


@pytest.mark.parametrize("kind", ["aidon", "kaifa", "kamstrup"])
@pytest.mark.parametrize("phases", [1, 3])
def test_every_frame_decodes_to_what_the_simulator_meant(kind, phases):
    sim = Simulator(kind, phases, seed=7, start=START)
    lists = set()
    for f in sim.frames(duration=100):
        r = protocols.decode_frame(f.frame)
        assert {x.name: x.value for x in r.registers} == f.expected
        assert [x.name for x in r.registers] == list(f.expected)
        assert r.time_text == f.time
        assert r.meter.to_dict() == f.meter
        lists.add(f.list)
    assert lists == ({1, 2} if kind == "kamstrup" else {1, 2, 3})


def test_frames_are_the_construct_declarations_output_and_match_the_lean_encoder():
    for kind in ("aidon", "kaifa", "kamstrup"):
        sim = Simulator(kind, 3, seed=1, start=START)
        for f in sim.frames(duration=80):
            body, header, _items, _t = sim.body(f.list, f.when)
            assert encode_frame(kind, header, body) == encode_frame_lean(kind, header, body)


def test_wire_details_per_vendor():
    a = next(Simulator("aidon", 1, seed=1, start=START).frames(count=1))
    k = next(Simulator("kaifa", 3, seed=1, start=START).frames(count=1))
    m = next(Simulator("kamstrup", 3, seed=1, start=START).frames(count=1))
    # Aidon: dest 41, src 08 83, UI 13, no header date-time.
    assert a.frame[3:6] == b"\x41\x08\x83" and a.frame[6] == 0x13
    assert a.frame[9:18] == bytes.fromhex("E6E7000F4000000000")
    # Kaifa: dest 01, src 02 01, control 10, "09 0C" date-time.
    assert k.frame[3:7] == b"\x01\x02\x01\x10"
    assert k.frame[9:19] == bytes.fromhex("E6E7000F40000000090C")
    # Kamstrup: dest 2B, src 21, 0C + date-time, list version first without OBIS.
    assert m.frame[3:6] == b"\x2b\x21\x13"
    assert m.frame[8:19] == bytes.fromhex("E6E7000F000000000C07E9")  # 0C, then the year 2025
    assert b"\x0a\x0eKamstrup_V0001" in m.frame
    # Kaifa list 1 is a structure of one double-long-unsigned.
    k1 = next(f for f in Simulator("kaifa", 3, seed=1, start=START).frames(count=3) if f.list == 1)
    assert k1.frame[-10:-4] == b"\x02\x01\x06" + k1.expected["active_power_import"].to_bytes(4, "big")[:3]


def _schedule(kind, minutes=3):
    sim = Simulator(kind, 3, seed=1, start=datetime.datetime(2025, 1, 15, 13, 59, 0))
    return [(f.when.strftime("%H:%M:%S.%f")[:-5], f.list) for f in sim.frames(duration=minutes * 60)]


def test_cadence():
    a = _schedule("aidon")
    assert a[:5] == [("13:59:00.0", 2), ("13:59:02.5", 1), ("13:59:05.0", 1), ("13:59:07.5", 1),
                     ("13:59:10.0", 2)]
    assert [w for w, lst in a if lst == 3] == ["14:00:10.0"]
    assert sum(1 for _, lst in a if lst == 2) == 19 - 1  # t = 0..180 s every 10 s, one is list 3
    k = _schedule("kaifa")
    assert k[:6] == [("13:59:00.0", 2), ("13:59:02.0", 1), ("13:59:04.0", 1), ("13:59:06.0", 1),
                     ("13:59:08.0", 1), ("13:59:10.0", 2)]
    assert [w for w, lst in k if lst == 3] == ["14:00:10.0"]
    m = _schedule("kamstrup")
    assert m[:3] == [("13:59:00.0", 1), ("13:59:10.0", 1), ("13:59:20.0", 1)]
    assert [w for w, lst in m if lst == 2] == ["14:00:05.0"]


def test_energy_integrates_the_power_and_list3_is_frozen_on_the_hour():
    sim = Simulator("aidon", 3, seed=3, start=datetime.datetime(2025, 1, 15, 11, 59, 0))
    l3 = []
    p = []
    for f in sim.frames(duration=2 * 3600 + 70):
        if f.when.hour == 12:
            p.append(f.expected["active_power_import"])
        if f.list == 3:
            l3.append(f)
    assert [f.expected["clock"] for f in l3] == ["2025-01-15T12:00:00", "2025-01-15T13:00:00",
                                                 "2025-01-15T14:00:00"]
    e = [f.expected["active_energy_import"] for f in l3]
    assert e[0] < e[1] < e[2]
    mean_w = sum(p) / len(p)
    # One hour of energy is the mean power over that hour (10 Wh resolution).
    assert abs((e[1] - e[0]) - mean_w) < 0.1 * mean_w + 20, (e, mean_w)


def test_profile_is_plausible():
    prof = LoadProfile(3, seed=5)
    t = datetime.datetime(2025, 1, 15, 0, 0, 0)
    ps, us = [], []
    for i in range(0, 24 * 3600, 30):
        prof.step(t + datetime.timedelta(seconds=i), 30)
        ps.append(prof.power)
        us.extend(prof.u)
        assert all(abs(prof.i[k] * prof.u[k] - (prof.p[k] ** 2 + prof.q[k] ** 2) ** 0.5) < 1e-6 for k in range(3))
    assert 150 < min(ps) < 1000 and 2000 < max(ps) < 20000
    assert 220 < min(us) and max(us) < 240
    assert LoadProfile.base_load(19) > 3 * LoadProfile.base_load(3)


def test_seed_repeats_and_run_paces_with_a_fake_clock():
    a = [f.frame for f in Simulator("kaifa", 3, seed=9, start=START).frames(count=20)]
    b = [f.frame for f in Simulator("kaifa", 3, seed=9, start=START).frames(count=20)]
    assert a == b
    now = [0.0]
    slept = []

    def sleep(d):
        slept.append(d)
        now[0] += d

    got = []
    n = Simulator("aidon", 3, seed=1, start=START).run(got.append, speed=10, count=5,
                                                       clock=lambda: now[0], sleep=sleep)
    assert n == 5 and len(got) == 5
    assert now[0] == pytest.approx(4 * 2.5 / 10)  # 5 frames 2.5 s apart at 10x
    now[0] = 0.0
    got.clear()
    Simulator("aidon", 3, seed=1, start=START).run(got.append, speed=1, count=5, lead=10.0,
                                                   clock=lambda: now[0], sleep=sleep)
    assert now[0] == 0.0  # all within the lead: sent at once


def test_tcp_server_sink_broadcasts():
    import socket

    srv = TcpServerSink(0)
    try:
        c1 = socket.create_connection((srv.host, srv.port))
        c2 = socket.create_connection((srv.host, srv.port))
        while len(srv.clients) < 2:
            srv.connected.wait(1)
        srv(b"\x7e\x01")
        assert c1.recv(10) == b"\x7e\x01" and c2.recv(10) == b"\x7e\x01"
        c1.close()
        c2.close()
    finally:
        srv.close()


@pytest.mark.parametrize("kind", ["aidon", "kaifa", "kamstrup"])
def test_encrypted_meter_frames_decode_to_the_plaintext_readings(kind):
    # Simulator(key=..., auth_key=...): the APDU ciphered by the one builder (hostlib.crypto.encrypt_apdu).
    import hostlib
    from protocols.apdu import parse_apdu
    from protocols.hdlc import parse_frame

    key, ak = bytes(range(16)), bytes(range(0xD0, 0xE0))
    plain = list(Simulator(kind, 3, seed=5, start=START).frames(count=12))
    sim = Simulator(kind, 3, seed=5, start=START, key=key, auth_key=ak)
    ciphered = list(sim.frames(count=12))
    flag = {"aidon": b"AID", "kaifa": b"KFM", "kamstrup": b"KAM"}[kind]
    for n, (p, c) in enumerate(zip(plain, ciphered)):
        apdu = parse_apdu(parse_frame(c.frame).apdu)
        assert (apdu.security_control, apdu.invocation_counter) == (0x30, n + 1)
        assert apdu.system_title[:3] == flag and len(apdu.auth_tag) == 12
        got = hostlib.decode(c.frame, key=key, auth_key=ak)
        want = hostlib.decode(p.frame)
        assert want.authenticated is None and got.authenticated is True
        # the same reading, and the JSON says the tag was verified (docs/security.md)
        head, sep, regs = want.to_json().partition(', "registers": [')
        assert got.to_json() == head + ', "authenticated": true' + sep + regs
        assert c.expected == p.expected
    with pytest.raises(protocols.HanError) as e:
        hostlib.decode(ciphered[0].frame)
    assert e.value.kind == "encrypted"
    with pytest.raises(protocols.HanError) as e:
        hostlib.decode(ciphered[0].frame, key=key, auth_key=bytes(16))
    assert e.value.kind == "auth"
