# tests/test_energy_host.py: `hanreader energy` on simulated days (simulate --fast with faults),
# checked against the registers decoded independently; SQLite state across runs; options.
import datetime
import io
import json
import os
import subprocess
import sys

import pytest

import protocols
from hostlib import cli
from hostlib.energy import Accountant, host_zone, load_steps
from hostlib.simulator import FastFrames, Simulator, parse_fault
from protocols import energy as core

OSLO = core.zone("Europe/Oslo")


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = cli.main(argv)
    finally:
        sys.stdout, sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def simulate(kind, start, hours, faults=(), lists=(2, 3), seed=7):
    """(frames, FastFrames): ``hours`` simulated hours from local ``start``, plus the closing list."""
    ff = FastFrames(Simulator(kind, 3, seed=seed, start=start), OSLO, lists, [parse_fault(f) for f in faults])
    return list(ff.frames(duration=hours * 3600 + 15)), ff


def utc_hour(start_text):
    return int(datetime.datetime.fromisoformat(start_text).timestamp()) // 3600


def registers_by_hour(frames, ff):
    """UTC hour -> import register, decoded from each hourly list (its UTC time from the simulation)."""
    out = {}
    for f in frames:
        if f.list == ff.hourly:
            r = protocols.decode_frame(f.frame)
            out[(ff.start_u + int(f.t)) // 3600] = r["active_energy_import"]
    return out


@pytest.fixture(scope="module")
def autumn(tmp_path_factory):
    """Kaifa, 2026-10-24 00:00 to 10-27 00:00 local: the 25-hour day, a lost list 3
    (18:00 on the 25th) and a power cut of 3 hours (26th, 02:00-05:00)."""
    frames, ff = simulate("kaifa", datetime.datetime(2026, 10, 24), 73,
                          ["miss-list3@2026-10-25T18", "power-cut@2026-10-26T02:00+3h"])
    path = tmp_path_factory.mktemp("energy") / "autumn.bin"
    path.write_bytes(b"".join(f.frame for f in frames))
    code, out, err = run(["energy", "--json", str(path)])
    assert code == 0, err
    return frames, ff, json.loads(out), path


def test_json_shape(autumn):
    _frames, _ff, rep, _path = autumn
    assert sorted(rep) == ["days", "hours", "months", "tz"] and rep["tz"] == "Europe/Oslo"
    assert sorted(rep["hours"][0]) == ["export_wh", "import_wh", "source", "start"]
    assert sorted(rep["days"][0]) == ["date", "export_wh", "import_wh", "max_hour"]
    m = rep["months"][0]
    assert sorted(m) == ["capacity_wh", "export_wh", "import_wh", "month", "peaks", "step"]
    assert sorted(m["step"]) == ["from_wh", "index", "to_wh"]
    assert all(type(h["import_wh"]) is int for h in rep["hours"])
    assert rep["hours"][0]["start"] == "2026-10-24T00:00:00+02:00"


def test_hours_follow_the_registers(autumn):
    frames, ff, rep, _path = autumn
    regs = registers_by_hour(frames, ff)
    hours = [(utc_hour(h["start"]), h) for h in rep["hours"]]
    # one entry per UTC hour, in order, none twice
    assert [h for h, _ in hours] == list(range(hours[0][0], hours[0][0] + len(hours)))
    assert len(hours) == 72 + 1  # three local days, one of them 25 hours
    for h, x in hours:
        if h in regs and h + 1 in regs:
            assert x["source"] == "meter" and x["import_wh"] == regs[h + 1] - regs[h]
        else:
            assert x["source"] in ("estimated", "missing")
    # every span between two hourly lists sums to their difference
    known = sorted(regs)
    assert sum(x["import_wh"] for _h, x in hours) == regs[known[-1]] - regs[known[0]]
    for a, b in zip(known, known[1:]):
        assert sum(x["import_wh"] for h, x in hours if a <= h < b) == regs[b] - regs[a]


def test_the_missed_hour_and_the_power_cut(autumn):
    _frames, _ff, rep, _path = autumn
    src = {h["start"]: h["source"] for h in rep["hours"]}
    # list 3 of 18:00 lost: 17:00 and 18:00 are estimated from list 2's power
    assert src["2026-10-25T17:00:00+01:00"] == src["2026-10-25T18:00:00+01:00"] == "estimated"
    # the cut: 01:00 ends without its list 3; 02:00-04:00 the meter was off
    assert src["2026-10-26T01:00:00+01:00"] == "estimated"
    cut = [h for h in rep["hours"] if "2026-10-26T02" <= h["start"] < "2026-10-26T05"]
    assert [(h["source"], h["import_wh"]) for h in cut] == [("missing", 0)] * 3
    assert src["2026-10-26T05:00:00+01:00"] == "meter"


def test_the_25_hour_day(autumn):
    _frames, _ff, rep, _path = autumn
    day = [h for h in rep["hours"] if h["start"].startswith("2026-10-25")]
    assert len(day) == 25
    assert [h["start"][11:] for h in day[2:4]] == ["02:00:00+02:00", "02:00:00+01:00"]
    d = [x for x in rep["days"] if x["date"] == "2026-10-25"][0]
    assert d["import_wh"] == sum(h["import_wh"] for h in day)


def test_peaks_checked_by_hand(autumn):
    """The month's peaks: each day's largest non-missing hour, the three largest days."""
    _frames, _ff, rep, _path = autumn
    best = {}
    for h in rep["hours"]:
        if h["source"] == "missing":
            continue
        day = h["start"][:10]
        if day not in best or h["import_wh"] > best[day]["import_wh"]:
            best[day] = h
    top = sorted(best.values(), key=lambda h: -h["import_wh"])[:3]
    m = rep["months"][0]
    assert m["peaks"] == [{"start": h["start"], "import_wh": h["import_wh"]} for h in top]
    assert len({p["start"][:10] for p in m["peaks"]}) == 3
    total = sum(h["import_wh"] for h in top)
    assert m["capacity_wh"] == (2 * total + 3) // 6
    lo = max(s for s in core.DEFAULT_STEPS if 3 * s <= total)
    assert m["step"]["from_wh"] == lo and m["step"]["index"] == core.DEFAULT_STEPS.index(lo) + 1
    assert m["import_wh"] == sum(h["import_wh"] for h in rep["hours"])


def test_terminal_chart_marks_the_peaks(autumn):
    _frames, _ff, rep, path = autumn
    code, out, err = run(["energy", str(path)])
    assert code == 0
    lines = out.splitlines()
    marked = [x for x in lines if x.endswith("<- peak")]
    assert len(marked) == 3
    for p in rep["months"][0]["peaks"]:
        assert any(x.lstrip().startswith(p["start"][11:16]) and x.rstrip().endswith("%d Wh  <- peak" % p["import_wh"])
                   for x in marked)
    assert "2026-10: import" in out and "-> step" in out
    assert "  18:00~ " in out and "  02:00? " in out
    assert "73 hours (3 estimated, 3 missing)" in err


def test_state_folder_survives_a_restart_mid_hour(autumn, tmp_path):
    """Two runs on the two halves (cut at 13:37) give what one run gives."""
    frames, _ff, rep, _path = autumn
    k = next(i for i, f in enumerate(frames) if f.when >= datetime.datetime(2026, 10, 25, 13, 37))
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"".join(f.frame for f in frames[:k]))
    b.write_bytes(b"".join(f.frame for f in frames[k:]))
    state = tmp_path / "state"
    code, out1, _ = run(["energy", "--json", "--state", str(state), str(a)])
    assert code == 0 and len(json.loads(out1)["hours"]) == 24 + 14  # up to 13:00 on the 25th
    code, out2, _ = run(["energy", "--json", "--state", str(state), str(b)])
    assert code == 0 and json.loads(out2) == rep
    # the same file again: nothing is counted twice
    code, out3, err = run(["energy", "--json", "--state", str(state), str(b)])
    assert json.loads(out3) == rep
    assert (state / "energy.sqlite3").exists()


def test_month_filter_and_steps_file(autumn, tmp_path):
    _frames, _ff, rep, path = autumn
    steps = tmp_path / "steps.txt"
    steps.write_text("# my grid company\n0\n5\n50\n")
    code, out, err = run(["energy", "--json", "--month", "2026-10", "--steps", str(steps), str(path)])
    assert code == 0
    m = json.loads(out)["months"][0]
    assert m["peaks"] == rep["months"][0]["peaks"]
    cap = m["capacity_wh"]
    assert m["step"] == ({"index": 2, "from_wh": 5000, "to_wh": 50000} if cap >= 5000
                         else {"index": 1, "from_wh": 0, "to_wh": 5000})
    code, out, err = run(["energy", "--json", "--month", "2026-11", str(path)])
    assert json.loads(out) == {"tz": "Europe/Oslo", "hours": [], "days": [], "months": []}
    (tmp_path / "s.json").write_text("[0, 2, 5, 10]")
    assert load_steps(str(tmp_path / "s.json")) == (0, 2000, 5000, 10000)


@pytest.mark.parametrize("argv, msg", [
    (["--month", "2026-13"], "--month: expected YYYY-MM"),
    (["--tz", "Mars/Olympus"], "--tz: expected an IANA zone"),
    (["--steps", "/nonexistent/steps"], "--steps: cannot read"),
])
def test_bad_options(autumn, argv, msg):
    code, out, err = run(["energy"] + argv + [str(autumn[3])])
    assert code == 2 and msg in err and out == ""


def test_a_state_folder_that_cannot_be_used_is_one_line_not_an_internal_error(autumn, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    bad = str(blocker / "state")  # below a file: no folder can be made there
    for argv in (["energy", "--state", bad, str(autumn[3])], ["read", "--live", "--state", bad, str(autumn[3])]):
        code, out, err = run(argv)
        assert code == 1, (argv, err)
        assert err == "hanreader: --state %s: cannot keep the energy state there: [Errno 20] Not a directory: %r\n" % (
            bad, bad), argv


def test_bad_steps_files(tmp_path):
    for text, msg in (("[0, 5, 2]", "increasing"), ("[1, 5]", "start at 0"), ("0\nfive\n", "line 2"),
                      ('{"a": 1}', "JSON list")):
        p = tmp_path / "s"
        p.write_text(text)
        with pytest.raises(ValueError) as e:
            load_steps(str(p))
        assert msg in str(e.value)


def test_aidon_recording_estimates_with_receive_times(tmp_path):
    """Aidon's lists 1/2 carry no time: from a recording they are integrated on
    the receive times, so a lost list 3 gives estimated hours; from bare
    frames there is no clock for them and the span is marked missing."""
    rec = tmp_path / "aidon.hanrec"
    raw = tmp_path / "aidon.bin"
    p = subprocess.run([sys.executable, "-m", "hostlib.cli", "simulate", "--meter", "aidon", "--fast",
                        "--lists", "2,3", "--seed", "2", "--start", "2026-01-05T10:00", "--until",
                        "2026-01-05T16:01", "--fault", "miss-list3@2026-01-05T13", "--record", str(rec)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0, p.stderr
    frames, ff = simulate("aidon", datetime.datetime(2026, 1, 5, 10), 6, ["miss-list3@2026-01-05T13"], seed=2)
    raw.write_bytes(b"".join(f.frame for f in frames))
    code, out, err = run(["energy", "--json", str(rec)])
    by_rec = json.loads(out)["hours"]
    code, out, err = run(["energy", "--json", str(raw)])
    by_raw = json.loads(out)["hours"]
    assert [h["source"] for h in by_rec] == ["meter", "meter", "estimated", "estimated", "meter", "meter"]
    assert [h["source"] for h in by_raw] == ["meter", "meter", "missing", "missing", "meter", "meter"]
    regs = registers_by_hour(frames, ff)
    h0 = utc_hour(by_rec[0]["start"])
    assert by_rec[2]["import_wh"] + by_rec[3]["import_wh"] == regs[h0 + 4] - regs[h0 + 2]
    assert sum(h["import_wh"] for h in by_rec) == sum(h["import_wh"] for h in by_raw)
    # the same run without the fault tells the true hours: the estimate, from
    # list 2's power every 10 s, is within 2 % of them
    whole, ff2 = simulate("aidon", datetime.datetime(2026, 1, 5, 10), 6, seed=2)
    true = registers_by_hour(whole, ff2)
    for k in (2, 3):
        want = true[h0 + k + 1] - true[h0 + k]
        assert abs(by_rec[k]["import_wh"] - want) <= 0.02 * want, (k, by_rec[k], want)


def test_simulate_fast_lists_and_faults(tmp_path):
    frames, ff = simulate("kamstrup", datetime.datetime(2026, 3, 29, 0, 30), 4, lists=(2,))
    assert {f.list for f in frames} == {2} and len(frames) == 4  # Kamstrup's hourly list only
    # the meter's clock jumps from 01:00 to 03:00 on the spring day
    assert [protocols.decode_frame(f.frame)["clock"] for f in frames] == [
        "2026-03-29T01:00:00", "2026-03-29T03:00:00", "2026-03-29T04:00:00", "2026-03-29T05:00:00"]
    for bad, msg in (("cut@2026-01-01T00", "KIND@TIME"), ("power-cut@yesterday", "local time"),
                     ("reboot@2026-01-01T00+5x", "duration")):
        with pytest.raises(ValueError) as e:
            parse_fault(bad)
        assert msg in str(e.value)
    code, out, err = run(["simulate", "--fast", "--lists", "4", "--count", "1"])
    assert code == 2 and "--lists" in err
    code, out, err = run(["simulate", "--lists", "2", "--count", "1"])
    assert code == 2 and "need --fast" in err


def test_fast_frames_decode_to_the_simulated_values():
    """The patched templates carry the load and the registers as the simulator has them."""
    sim = Simulator("aidon", 3, seed=4, start=datetime.datetime(2026, 2, 1, 9, 59, 50))
    ff = FastFrames(sim, OSLO)
    n = 0
    for f in ff.frames(count=60):
        r = protocols.decode_frame(f.frame)
        assert r["active_power_import"] == int(round(sim.profile.power))
        if f.list != 1:
            assert r["voltage_l2"] == round(sim.profile.u[1], 1) and r["current_l3"] == round(sim.profile.i[2], 1)
        if f.list == 3:
            assert r["active_energy_import"] == sim.frozen[0] // 10 * 10
            assert r["clock"] == "2026-02-01T10:00:00"
        n += 1
    assert n == 60


def test_accountant_in_memory_and_zone():
    acct = Accountant(None, host_zone("Europe/Oslo"))
    assert acct.report() == {"tz": "Europe/Oslo", "hours": [], "days": [], "months": []}
    acct.close()
    assert host_zone("America/New_York").utcoffset(core.seconds(2026, 7, 1)) == -4 * 3600


def test_every_command_of_the_energy_page_runs(tmp_path):
    """docs/energy.md: each line of its ```sh blocks runs (hanreader = this checkout's CLI)."""
    import os
    import re

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    text = open(os.path.join(root, "docs", "energy.md")).read()
    lines = [x for b in re.findall(r"```sh\n(.*?)```", text, re.S) for x in b.splitlines() if x.strip()]
    assert len(lines) == 6
    env = dict(os.environ, PYTHONPATH=root)
    for line in lines:
        cmd = line.replace("hanreader ", "%s -m hostlib.cli " % sys.executable, 1)
        p = subprocess.run(cmd, shell=True, cwd=tmp_path, env=env, capture_output=True, timeout=120)
        assert p.returncode == 0, (line, p.stderr[-500:])
        if "energy" in line and "--json" in line:
            rep = json.loads(p.stdout)
            assert rep["months"] and rep["hours"]
    week = json.loads(subprocess.run([sys.executable, "-m", "hostlib.cli", "energy", "--json", "week.bin"],
                                     cwd=tmp_path, env=env, capture_output=True, timeout=60).stdout)
    # the cut: three hours missing, then the meter again
    cut = [h for h in week["hours"] if "2026-10-24T03" <= h["start"] < "2026-10-24T06"]
    assert [h["source"] for h in cut] == ["missing"] * 3
    days = [d["date"] for d in week["days"]]
    assert len([h for h in week["hours"] if h["start"].startswith("2026-10-25")]) == 25 and days[-1] == "2026-10-26"


def test_live_view_shows_running_hour_peaks_and_step():
    """The dashboard (demo, live views) with an Energy: fed Kaifa frames of two hours and a half."""
    from rich.console import Console

    from hostlib.live import Dashboard

    frames, ff = simulate("kaifa", datetime.datetime(2026, 1, 5, 16), 2.5, lists=(2, 3), seed=5)
    clock = {"t": 0}
    dash = Dashboard(clock=lambda: clock["t"], energy=core.Energy(OSLO), utc=lambda: None)
    for f in frames:
        clock["t"] = f.t
        dash.update(protocols.decode_frame(f.frame))
    m = dash.energy.month()
    r = dash.energy.running()
    regs = registers_by_hour(frames, ff)
    h0 = core.seconds(2026, 1, 5, 15) // 3600  # 16:00 local
    closed = [(regs[h + 1] - regs[h], -h) for h in (h0, h0 + 1)]
    wh, neg_h = max(closed)
    assert m["peaks"] == [(-neg_h, wh)]  # one day so far: its largest hour
    console = Console(width=140, record=True, force_terminal=False)
    console.print(dash.render(140))
    text = console.export_text()
    assert "This hour and the month's capacity step" in text
    assert "%.2f kWh" % (r["so_far_wh"] / 1000.0) in text and "%.2f kWh" % (r["projection_wh"] / 1000.0) in text
    wh, hour = m["peaks"][0][1], m["peaks"][0][0]
    assert "%.2f (%s)" % (wh / 1000.0, core.hour_iso(OSLO, hour)[5:16].replace("T", " ")) in text
    assert "step %d" % m["step"][0] in text and "%.2f kWh" % (r["margin_wh"] / 1000.0) in text
    assert r["hour"] == core.seconds(2026, 1, 5, 17) // 3600  # 18:00 local = 17:00 UTC
    assert "month's peaks (top 3 days)" in text
    # a capacity of the single largest day (an Energy with top=1) says "1 day"
    dash1 = Dashboard(clock=lambda: clock["t"], energy=core.Energy(OSLO, top=1), utc=lambda: None)
    for f in frames:
        dash1.update(protocols.decode_frame(f.frame))
    console = Console(width=140, record=True, force_terminal=False)
    console.print(dash1.render(140))
    assert "month's peaks (top 1 day) %.2f" % (wh / 1000.0) in console.export_text()


def test_read_live_shows_the_running_hour_projection_peaks_and_step(tmp_path):
    """`hanreader read --live` (issue 14 item 2) shows what `demo` shows: the
    running hour, its projection, the margin, the month's peaks and step,
    from the same accounting (here a file: a pipe gets the final snapshot)."""
    frames, ff = simulate("kaifa", datetime.datetime(2026, 1, 5, 0), 6.5, faults=["miss-list3@2026-01-05T02"])
    path = tmp_path / "k.bin"
    path.write_bytes(b"".join(f.frame for f in frames))
    r = subprocess.run([sys.executable, "-m", "hostlib.cli", "read", str(path), "--live"], capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, COLUMNS="110"))
    assert r.returncode == 0, r.stderr
    want = core.Energy(OSLO)
    rd = protocols.decoder.Reader()
    for f in frames:
        for x in rd.feed(f.frame):
            want.feed(x)
    run_ = want.running()
    m = want.month()
    shown = r.stdout.splitlines()
    i = shown.index("This hour and the month's capacity step", len(shown) - 40)
    assert shown[i + 1].strip() == "running hour %.2f kWh   projected %.2f kWh   margin %.2f kWh" % (
        run_["so_far_wh"] / 1000.0, run_["projection_wh"] / 1000.0, run_["margin_wh"] / 1000.0)
    i_, lo, hi = m["step"]
    peaks = ", ".join("%.2f (%s)" % (wh / 1000.0, core.hour_iso(OSLO, h)[5:16].replace("T", " "))
                      for h, wh in m["peaks"])
    assert shown[i + 2].strip() == "average / step %.2f kWh, step %d (%g-%g kWh)   month's peaks (top 3 days) %s" % (
        m["capacity_wh"] / 1000.0, i_, lo / 1000.0, hi / 1000.0, peaks)
    assert run_["so_far_wh"] > 0 and m["peaks"] and len(m["peaks"]) == 1
    # --state belongs to --live
    code, out, err = run(["read", str(path), "--state", str(tmp_path)])
    assert code == 2 and "--state needs --live" in err


@pytest.mark.parametrize("name", ["Europe/Oslo", "Australia/Adelaide", "Australia/Lord_Howe", "America/St_Johns"])
def test_host_zones_agree_with_zoneinfo_around_their_changes(name):
    """hostlib.energy's zoneinfo zone keeps offsets per quarter hour: right
    to the second around the changes of zones that move at half past the
    hour (a cache per hour was wrong there for 30 minutes twice a year)."""
    import zoneinfo

    zi = zoneinfo.ZoneInfo(name)
    z = host_zone(name)
    for y, m, d in ((2026, 3, 28), (2026, 4, 4), (2026, 10, 3), (2026, 10, 24), (2026, 3, 7), (2026, 11, 1)):
        t0 = int(datetime.datetime(y, m, d, tzinfo=datetime.timezone.utc).timestamp())
        for t in range(t0, t0 + 2 * 86400, 300):
            want = int(datetime.datetime.fromtimestamp(t, zi).utcoffset().total_seconds())
            assert z.utcoffset(t) == want, (name, t)


def test_reactive_hours_follow_the_registers(autumn):
    """Issue 14: each hour's reactive energy too (R+ and R-), from the hourly list's registers:
    a meter hour is the difference of two hourly values, a span without them sums to it."""
    frames, ff, rep, _path = autumn
    regs = {}
    for f in frames:
        if f.list == ff.hourly:
            r = protocols.decode_frame(f.frame)
            regs[(ff.start_u + int(f.t)) // 3600] = (r["reactive_energy_import"], r["reactive_energy_export"])
    acct = Accountant(None, host_zone("Europe/Oslo"))
    try:
        for f in frames:
            acct.feed(protocols.decode_frame(f.frame), now=ff.start_u + f.t)
        hours = {row[0]: row for row in acct.store.hours()}
    finally:
        acct.close()
    assert len(hours) == 73 and all(row[3] is not None and row[4] is not None for row in hours.values())
    meter = [h for h in hours if h in regs and h + 1 in regs]
    assert len(meter) == 73 - 6
    for h in meter:
        assert hours[h][3:6] == (regs[h + 1][0] - regs[h][0], regs[h + 1][1] - regs[h][1], "meter")
    assert max(hours[h][3] for h in meter) > 0  # the simulated meter uses reactive energy
    known = sorted(regs)
    for a, b in zip(known, known[1:]):
        for q in (0, 1):
            assert sum(hours[h][3 + q] for h in range(a, b)) == regs[b][q] - regs[a][q]
