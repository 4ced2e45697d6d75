# commands.py: the one-line JSON commands on USB serial.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Imported by ``App.command`` for each command line and forgotten after
it: commands are rare, so their code (and ``config``'s validation) does
not stay in the heap.

    {"set": {"raw": true}}       {"unset": ["raw"]}       {"cmd": "status"}

Every line gets exactly one answer line: ``{"ok": ...}`` or
``{"error": "..."}``. Secrets are never echoed: a line that is not JSON is
refused without quoting it, and ``config`` masks keys.
"""

import json
import time

import config
import status

from app import _MAX_LINE as MAX_LINE  # noqa: E402  (app is loaded: it imports us)


def run(app, line):
    """Run one command line for ``app``; print exactly one answer line."""
    try:
        app.emit(_command(app, line))
    except ValueError as e:
        app.emit(status.obj([("error", str(e))]))


def _command(app, line):
    if line is None:
        raise ValueError("command too long: at most %d bytes per line" % MAX_LINE)
    try:
        cmd = json.loads(line)
    except ValueError:
        # Never echo the line: it may hold a key.
        raise ValueError('not JSON: send one JSON object per line, e.g. {"cmd": "help"}')
    if type(cmd) is not dict or len(cmd) != 1:
        raise ValueError('expected an object with one member: "set", "unset" or "cmd"')
    for verb in cmd:
        arg = cmd[verb]
    cfg = config.Config.of(app.cfg)
    if verb == "set":
        return _changed(app, cfg, "set", cfg.update(arg))
    if verb == "unset":
        return _changed(app, cfg, "unset", cfg.reset(arg))
    if verb == "cmd":
        if arg == "status":
            return status.status_line(app)
        if arg == "config":
            return status.obj([("config", status.Raw(cfg.public()))])
        if arg == "detect":
            new = app.detector.restart(time.ticks_ms())
            app._try_open(new)
            return status.obj([("ok", "detect"), ("serial", new)])
        if arg == "reset":
            import machine

            app.emit(status.obj([("ok", "reset")]))
            time.sleep_ms(100)
            machine.reset()
        if arg == "help":
            return status.obj([("ok", "help"), ("commands", [
                '{"set": {"NAME": VALUE, ...}}', '{"unset": ["NAME", ...]}',
                '{"cmd": "status"}', '{"cmd": "config"}', '{"cmd": "detect"}',
                '{"cmd": "reset"}']), ("settings", list(config.KEYS))])
        raise ValueError('cmd: expected "status", "config", "detect", "reset" or "help"')
    raise ValueError('unknown command "%s": expected "set", "unset" or "cmd"' % str(verb)[:32])


def _changed(app, cfg, verb, changed):
    if changed:
        cfg.save()
        _apply(app, changed)
    pairs = [("ok", verb), ("changed", changed)]
    if "wdt_s" in changed:
        pairs.append(("note", "wdt_s takes effect at the next boot"))
    return status.obj(pairs)


def _apply(app, changed):
    for k in ("board", "serial", "autodetect", "detect_order", "dwell_s",
              "redetect_s", "uart", "rx_pin", "tx_pin", "invert"):
        if k in changed:
            app._setup_board()
            app._try_open(app.detector.current)
            break
    if "key" in changed or "auth_key" in changed:
        app.reader.decrypt = app._decryptor()
    if "raw" in changed:
        # Frames keep their received bytes only while raw mode is on.
        keep = bool(app.cfg["raw"])
        app.reader.keep_raw = keep
        app.reader.framer.keep_raw = keep
