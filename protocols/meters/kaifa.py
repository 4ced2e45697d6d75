# protocols/meters/kaifa.py: Kaifa MA105/MA304 (KFM_001; Norway and Sweden).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Kaifa (digest 5.2; KFM_001 OBIS list).

* Norway: a **structure of bare values**, no OBIS codes, no scaler-unit
  (engine ``values``): the element count picks the layout below (1, 9, 13,
  14, 18) and the position gives the OBIS code.
* Sweden: the same values **OBIS-coded**, ``OBIS, value`` pairs, the list
  version under ``1.0.0.2.129.255``: walked by OBIS, same implied scalers.
* Fixed scaling in both: current in mA, voltage in 0.1 V, power W/var,
  energy Wh/varh (the KFM_001 PDF says otherwise; every capture agrees with
  this, and so do amshan and amsreader-firmware).
* MA304T4 sends 64-bit energies (tag 0x15): the A-XDR walk takes any width.

Quirk ``three_wire_ul2``: 3-wire IT meters (type with ``H3`` or ``T3``,
MA304H3E, MA304T3) send UL2 as 0: not measured, left out.
"""

LISTS = """
list1 1,3
1.0.1.7.0.255 double-long-unsigned
list2 1
1.1.0.2.129.255 octet-string
0.0.96.1.0.255 octet-string
0.0.96.1.7.255 octet-string
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.3.7.0.255 double-long-unsigned
1.0.4.7.0.255 double-long-unsigned
1.0.31.7.0.255 double-long-unsigned
1.0.32.7.0.255 double-long-unsigned
list2 3
1.1.0.2.129.255 octet-string
0.0.96.1.0.255 octet-string
0.0.96.1.7.255 octet-string
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.3.7.0.255 double-long-unsigned
1.0.4.7.0.255 double-long-unsigned
1.0.31.7.0.255 double-long-unsigned
1.0.51.7.0.255 double-long-unsigned
1.0.71.7.0.255 double-long-unsigned
1.0.32.7.0.255 double-long-unsigned
1.0.52.7.0.255 double-long-unsigned
1.0.72.7.0.255 double-long-unsigned
list3 1 list2
0.0.1.0.0.255 octet-string
1.0.1.8.0.255 double-long-unsigned
1.0.2.8.0.255 double-long-unsigned
1.0.3.8.0.255 double-long-unsigned
1.0.4.8.0.255 double-long-unsigned
list3 3 list2
0.0.1.0.0.255 octet-string
1.0.1.8.0.255 double-long-unsigned
1.0.2.8.0.255 double-long-unsigned
1.0.3.8.0.255 double-long-unsigned
1.0.4.8.0.255 double-long-unsigned
"""



# The simulator: list 1 every 2 s (KFM_001; the 2016 draft said 2.5 s),
# list 2 every 10 s, the hourly list 3 at xx:00:10; "09 0C" header time.
SIMULATE = ("dest=01 src=0201 control=10 invoke=40000000 time=tagged id=6970631409168767 "
            "type1=MA105H2E type3=MA304H4 version=KFM_001 list1=2.0 list2=10 hourly=10")

SOURCE = "FLAG id KFM: Shenzhen Kaifa Technology, China (DLMS UA FLAG id register, as reproduced in wmbusmeters/wmbusmeters `src/manufacturers.h`)"
