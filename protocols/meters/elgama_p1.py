# protocols/meters/elgama_p1.py: Elgama P1 telegrams (/EGM5).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Elgama GAMA 150 P1 telegrams (Poland). Data only (docs/meters.md)."""

SOURCE = "FLAG id EGM: Elgama Elektronika, Lithuania (DLMS UA FLAG id register, as reproduced in wmbusmeters/wmbusmeters `src/manufacturers.h`)"
