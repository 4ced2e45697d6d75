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

# commands.py never imports app.py (no import cycle): it is given the App
# and uses only its public API: cfg, emit, reopen(), redetect(),
# set_raw(on), set_decryption(), detector.current.


def run(app, line):
    """Run one command line for ``app``; print exactly one answer line."""
    try:
        app.emit(_command(app, line))
    except ValueError as e:
        app.emit(status.obj([("error", str(e))]))
    except MemoryError:
        raise  # App.command answers it
    except Exception as e:
        # Still exactly one answer; the type only (a message could quote a value).
        app.emit(status.obj([("error", "command failed: %s" % type(e).__name__)]))


def _command(app, line):
    if line is None:
        raise ValueError("command too long: at most %d bytes per line" % status.MAX_LINE)
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
            new = app.redetect()
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
    # Applied first, saved after: a setting (a key) is in use even when the
    # flash cannot take it, and the one answer line says so.
    saved = None
    if changed:
        _apply(app, changed)
        try:
            cfg.save()
        except OSError as e:
            saved = "not saved (flash error %s): in use until the next boot" % (e.args[0] if e.args else e)
    pairs = [("ok", verb), ("changed", changed)]
    if saved is not None:
        pairs.append(("saved", False))
        pairs.append(("error", saved))
    if "wdt_s" in changed:
        pairs.append(("note", "wdt_s takes effect at the next boot"))
    return status.obj(pairs)


def _apply(app, changed):
    for k in ("board", "serial", "autodetect", "detect_order", "dwell_s",
              "redetect_s", "uart", "rx_pin", "tx_pin", "invert"):
        if k in changed:
            app.reopen()
            break
    if "key" in changed or "auth_key" in changed:
        app.set_decryption()
    if "raw" in changed:
        app.set_raw(app.cfg["raw"])
    for k in config.NETWORK:
        if k in changed:
            app.set_network()
            break
