# protocols/meters/iskraemeco.py: Iskraemeco AM550 (Slovenia) and IE.5 (Croatia) positional lists.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Iskraemeco (engine ``positional``): structures of bare values in an
order each distribution operator configures; recognised by shape (element
count and the class of every element), never by values. Voltages in 0.1 V,
currents in 0.01 A, powers in W/var, energies in Wh/varh, the IE.5's power
factor in 0.001 (the index line's scalers).

Sources (values checked against each capture: the per-phase powers add up
to the total, tariff registers to their sum, U x I against P and Q):

* Slovenia, Elektro Ljubljana AM550 (list1: 1 s instantaneous, 18 values;
  list2: 15 min energies, 12 values), amsreader-firmware issues 615 and 956;
  Elektro Celje AM550 (list3, 12 values), issue 615 comment 40; AM550 ED1.21
  (list4 and list5: 9 values; list6: 10 values), issue 869. Position 1 is a
  device-ID object (``0.0.96.1.2/3.255``) the operator fills in (the same
  ``16820005`` on two different meters: it names the list, not the meter);
  the meter is named by its logical device name (position 0).
* Croatia, Elektra Zabok IE.5 (list7, 33 values), issue 1072 (the operator's
  OBIS table IE.5_P1_port_readout.xlsx and the decoded XML in comments 24
  and 43). Positions 1 and 2 are the push's time and date (octet-strings;
  the header's date-time is the reading's time); positions 28 to 32 (a
  double-long-unsigned, three arrays of one long-unsigned, a boolean) are
  not described there and are left out.
"""

LISTS = """
# Slovenia, Elektro Ljubljana: 1 s instantaneous (issues 615, 956)
list1 3
0.0.42.0.0.255 octet-string
0.0.96.1.3.255 octet-string
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.3.7.0.255 double-long-unsigned
1.0.4.7.0.255 double-long-unsigned
1.0.32.7.0.255 long-unsigned
1.0.52.7.0.255 long-unsigned
1.0.72.7.0.255 long-unsigned
1.0.31.7.0.255 long-unsigned
1.0.51.7.0.255 long-unsigned
1.0.71.7.0.255 long-unsigned
1.0.21.7.0.255 double-long-unsigned
1.0.41.7.0.255 double-long-unsigned
1.0.61.7.0.255 double-long-unsigned
1.0.22.7.0.255 double-long-unsigned
1.0.42.7.0.255 double-long-unsigned
1.0.62.7.0.255 double-long-unsigned
# Slovenia, Elektro Ljubljana: 15 min energies (issues 615, 956)
list2 1,3
0.0.42.0.0.255 octet-string
0.0.96.1.3.255 octet-string
0.0.96.3.10.255 enum
0.0.96.14.0.255 octet-string
1.0.1.8.0.255 double-long-unsigned
1.0.1.8.1.255 double-long-unsigned
1.0.1.8.2.255 double-long-unsigned
1.0.2.8.0.255 double-long-unsigned
1.0.2.8.1.255 double-long-unsigned
1.0.2.8.2.255 double-long-unsigned
1.0.3.8.0.255 double-long-unsigned
1.0.4.8.0.255 double-long-unsigned
# Slovenia, Elektro Celje (issue 615 comment 40)
list3 3
0.0.42.0.0.255 octet-string
0.0.96.1.2.255 octet-string
1.0.32.7.0.255 long-unsigned
1.0.52.7.0.255 long-unsigned
1.0.72.7.0.255 long-unsigned
1.0.31.7.0.255 long-unsigned
1.0.51.7.0.255 long-unsigned
1.0.71.7.0.255 long-unsigned
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.3.7.0.255 double-long-unsigned
1.0.4.7.0.255 double-long-unsigned
# Slovenia, AM550 ED1.21 1-phase (issue 869)
list4 1
0.0.42.0.0.255 octet-string
0.0.96.1.2.255 octet-string
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.3.7.0.255 double-long-unsigned
1.0.4.7.0.255 double-long-unsigned
1.0.32.7.0.255 long-unsigned
1.0.2.8.1.255 double-long-unsigned
1.0.2.8.2.255 double-long-unsigned
# Slovenia, AM550 (GEN-i; issue 869)
list5 1,3
0.0.42.0.0.255 octet-string
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.1.8.0.255 double-long-unsigned
1.0.1.8.1.255 double-long-unsigned
1.0.1.8.2.255 double-long-unsigned
1.0.2.8.0.255 double-long-unsigned
1.0.2.8.1.255 double-long-unsigned
1.0.2.8.2.255 double-long-unsigned
# Slovenia, AM550 ED1.21 1-phase, POW-P1 (issue 869)
list6 1
0.0.42.0.0.255 octet-string
0.0.96.1.2.255 octet-string
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.3.7.0.255 double-long-unsigned
1.0.4.7.0.255 double-long-unsigned
1.0.32.7.0.255 long-unsigned
1.0.31.7.0.255 long-unsigned
1.0.21.7.0.255 double-long-unsigned
1.0.22.7.0.255 double-long-unsigned
# Croatia, Elektra Zabok IE.5 (issue 1072)
list7 3
0.0.96.1.0.255 octet-string
- octet-string time
- octet-string date
1.0.1.8.0.255 double-long-unsigned
1.0.1.8.1.255 double-long-unsigned
1.0.1.8.2.255 double-long-unsigned
1.0.2.8.0.255 double-long-unsigned
1.0.2.8.1.255 double-long-unsigned
1.0.2.8.2.255 double-long-unsigned
1.0.5.8.0.255 double-long-unsigned
1.0.6.8.0.255 double-long-unsigned
1.0.7.8.0.255 double-long-unsigned
1.0.8.8.0.255 double-long-unsigned
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.13.7.0.255 long-unsigned
1.0.21.7.0.255 double-long-unsigned
1.0.41.7.0.255 double-long-unsigned
1.0.61.7.0.255 double-long-unsigned
1.0.22.7.0.255 double-long-unsigned
1.0.42.7.0.255 double-long-unsigned
1.0.62.7.0.255 double-long-unsigned
1.0.32.7.0.255 long-unsigned
1.0.52.7.0.255 long-unsigned
1.0.72.7.0.255 long-unsigned
1.0.31.7.0.255 long-unsigned
1.0.51.7.0.255 long-unsigned
1.0.71.7.0.255 long-unsigned
- double-long-unsigned
- array
- array
- array
- boolean
"""
