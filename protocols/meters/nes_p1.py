# protocols/meters/nes_p1.py: NES P1 telegrams (/NES5).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""NES 83335 P1 telegrams (Denmark, ``/NES5:83335-3E``). Data only (docs/meters.md)."""

SOURCE = ("NES 83335 (Denmark) per UtilitechAS/amsreader-firmware issue #712 and its test/payloads/nes/"
          "README.md; the FLAG id register's NES is another company (NORA ELK, Turkey: wmbusmeters/"
          "wmbusmeters src/manufacturers.h), so no manufacturer is named; long_clock: its clock is "
          "0-0:1.0.0(20240111 09:35:00)")
