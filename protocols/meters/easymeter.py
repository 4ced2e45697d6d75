# protocols/meters/easymeter.py: EasyMeter P1 telegrams (/ESY5).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""EasyMeter Q3D P1 telegrams (``1-0:1.8.0*255(...)``, the meter id on
``0-0:96.1.255``). Data only (docs/meters.md)."""

SOURCE = ("FLAG id ESY: EasyMeter (DLMS UA FLAG id register, as reproduced in wmbusmeters/wmbusmeters `src/manufacturers.h`); "
          "crc_optional: the Q3D sends no CRC (ndokter/dsmr_parser TELEGRAM_ESY5Q3DB1024_V304, "
          "TELEGRAM_ESY5Q3DA1004_V304)")
