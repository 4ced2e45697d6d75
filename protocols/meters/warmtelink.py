# protocols/meters/warmtelink.py: Warmtelink heat-meter P1 telegrams (/NWA-WARMTELINK).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Warmtelink (district heat, the Netherlands) P1 telegrams. Data only (docs/meters.md)."""

SOURCE = ("NWA is in no register we know of: no manufacturer is named; unpadded_crc: the CRC "
          "!B9F is not zero-padded (ndokter/dsmr_parser TELEGRAM_UNPADDED_CRC)")
