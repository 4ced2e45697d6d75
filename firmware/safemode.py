# safemode.py: a boot counter on flash; safe mode after repeated crashes at boot.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""``boot.py`` calls ``count()`` first thing; ``main.py`` starts the app
only if ``active()`` is False; the app calls ``clear()`` once it has run
``stable_s`` seconds.

A boot counts as bad unless the reset cause is power-on: the watchdog, a
crash that ends in ``machine.reset()`` and brown-outs all count. After
``safe_boots`` bad boots in a row the app is not started: the board stays
at the REPL so ``mpremote`` can fix the configuration. Leave safe mode with
``import safemode; safemode.clear()`` and a reset, or by power-cycling.
"""

import json

FILE = "bootcount"
_state = {"count": 0, "active": False}


def _limit():
    try:
        with open("hanreader.json") as f:
            v = json.load(f).get("safe_boots", 4)
        if type(v) is int and 2 <= v <= 20:
            return v
    except (OSError, ValueError, AttributeError):
        pass
    return 4


def count():
    """Count this boot; decide whether to enter safe mode. Returns the count."""
    try:
        import machine

        cause = machine.reset_cause()
        poweron = cause == machine.PWRON_RESET
    except (ImportError, AttributeError):
        poweron = True
    n = 0
    if not poweron:
        try:
            with open(FILE) as f:
                n = int(f.read().strip() or "0")
        except (OSError, ValueError):
            n = 0
    n += 1
    _write(n)
    _state["count"] = n
    _state["active"] = n > _limit()
    return n


def active():
    return _state["active"]


def boots():
    return _state["count"]


def clear():
    """The boot was good: restart counting."""
    _write(0)
    _state["count"] = 0


def _write(n):
    try:
        with open(FILE, "w") as f:
            f.write(str(n))
    except OSError:
        pass


def report():
    """The line printed instead of starting the app."""
    print('{"status": {"safe_mode": true, "boots": %d, "hint": "the app crashed at boot %d times in a row; '
          'fix hanreader.json with mpremote, then import safemode; safemode.clear() and reset"}}'
          % (_state["count"], _state["count"]))
