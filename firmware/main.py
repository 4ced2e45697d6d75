# main.py: start the hanreader app, unless safe mode is on.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Runs after boot.py. An exception that escapes the app ends in a reset
(counted by safemode); after ``safe_boots`` of them the REPL stays free."""

import safemode

if safemode.active():
    safemode.report()
else:
    del safemode  # the app keeps the boot count and forgets the module
    import app

    app.main()
