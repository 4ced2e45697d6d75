# protocols/meters/fluvius.py: Belgian e-MUCS P1 telegrams (/FLU5).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Belgian e-MUCS P1 telegrams (``/FLU5\\253769484_A``): the header is the
specification's, whatever the maker. Data only (docs/meters.md)."""

SOURCE = ("FLU is the e-MUCS P1 header of Fluvius (Belgium) for meters of several makers (the "
          "samples' ids are 1SAG...), and the FLAG id register's FLU is another company, so no "
          "manufacturer is named; unit_without_star: Fluvius values such as (000123.456kWh) (issue 20)")
