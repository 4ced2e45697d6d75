# protocols/meters/landisgyr.py: Landis+Gyr E450 pushes outside the Nordic lists.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Landis+Gyr (engine ``positional``).

* **Netz Burgenland** (Austria) E450 (list1, 14 values, no OBIS codes):
  voltages L1-L3 (1 V), currents L1-L3 (0.01 A), active power import and
  export (W), active energy import and export (Wh), three values the
  source does not describe (left out), the meter number. Source:
  amsreader-firmware issue 501 (the decrypted breakdown in the thread and
  the keys of comment 9; payloads ``landis-gyr/gh501-1/2.hex``).
* **Swiss VSE push configurations** (E450/E570): self-describing pushes
  (the capture-object list first, then the values; issues 740 and 934)
  that capture register values without their scaler-units. The scalers are
  this declaration's (the index line: currents in 0.01 A, voltages in 1 V,
  powers in W, energies in Wh, as the captures' totals confirm; amsreader
  issue 949 shows the voltage read as 23.4 V when divided by ten), and the
  reading lists those registers in ``declared``. Quirk ``vse_push``: a
  plaintext capture-list push (no FLAG id) is read with these scalers.
"""

LISTS = """
# Netz Burgenland E450 (issue 501)
list1 3
1.0.32.7.0.255 long-unsigned
1.0.52.7.0.255 long-unsigned
1.0.72.7.0.255 long-unsigned
1.0.31.7.0.255 long-unsigned
1.0.51.7.0.255 long-unsigned
1.0.71.7.0.255 long-unsigned
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.1.8.0.255 double-long-unsigned
1.0.2.8.0.255 double-long-unsigned
- long-unsigned
- long-unsigned
- long-unsigned
0.0.96.1.0.255 octet-string
"""
