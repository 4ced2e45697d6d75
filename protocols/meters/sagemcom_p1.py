# protocols/meters/sagemcom_p1.py: Sagemcom P1 telegrams (/SAG5, /EST5).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Sagemcom P1 telegrams: ``/SAG5`` (Hungary, E.ON) and ``/EST5`` (T210-D-r,
Luxembourg and Austria; also sent ciphered). Data only (docs/meters.md)."""

SOURCE = ("FLAG id SAG: Sagemcom Energy Telecom, France (DLMS UA FLAG id register, as reproduced in wmbusmeters/wmbusmeters `src/manufacturers.h`); "
          "EST (not in that register): UtilitechAS/amsreader-firmware src/decoder/src/IEC6205621.cpp "
          "reads EST as Sagemcom, and ndokter/dsmr_parser's TELEGRAM_SAGEMCOM_T210_D_R is an /EST5 telegram")
