# boot.py: runs first at every boot: count the boot for safe mode.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
import safemode

safemode.count()
del safemode  # boot.py's names stay in __main__: keep no module alive
