# protocols/meters/smarty.py: Luxembourg Smarty P1 telegrams (/Lux5).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Luxembourg Smarty DSMR 4.2 telegrams (the meter id on ``0-0:42.0.0``).
Data only (docs/meters.md)."""

SOURCE = ("Lux is the Luxembourg Smarty header (yottabytesolutions/meterlogger luxembourgTelegram) and "
          "in no manufacturer register: no manufacturer is named (the sample's id is SAG...)")
