# protocols/meters/iskra_p1.py: Iskraemeco P1 telegrams (/ISk5, /ISK5, /ISK9).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Iskraemeco's P1 telegrams: MT382 (DSMR 2.2, 3, 5), AM550 (DSMR 5, and the
Slovenian AM550 ending in a bare ``!``), IE.5. Data only (docs/meters.md)."""

SOURCE = ("FLAG id ISK: Iskraemeco, Slovenia (DLMS UA FLAG id register, as reproduced in wmbusmeters/wmbusmeters `src/manufacturers.h`); "
          "crc_optional: DSMR 2.2/3 MT382 (ndokter/dsmr_parser TELEGRAM_V2_2, TELEGRAM_V3) and the "
          "Slovenian AM550 (UtilitechAS/amsreader-firmware test/payloads/iskraemeco/gh1037-1.txt) send no CRC")
