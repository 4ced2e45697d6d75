# protocols/meters/landisgyr_p1.py: Landis+Gyr P1 telegrams (/LGF5).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Landis+Gyr E360 HAN-P1 telegrams (Sweden, Denmark). Data only (docs/meters.md)."""

SOURCE = ("FLAG id LGF: Landis+Gyr, Finland (DLMS UA FLAG id register, as reproduced in wmbusmeters/wmbusmeters `src/manufacturers.h`); UtilitechAS/amsreader-firmware "
          "src/decoder/src/IEC6205621.cpp reads LGF as Landis+Gyr")
