# protocols/meters/kamstrup.py: Kamstrup Omnipower (Kamstrup_V0001; Norway, Denmark, Sweden).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Kamstrup (digest 5.3; HAN-NVE interface description rev 3.1).

A **structure of alternating OBIS and value** (engine ``pairs``); the
first element is the list version ``Kamstrup_V0001`` without its OBIS code
(``bare``). Newer 1-phase firmware pads missing objects with ``00 00`` (two
nulls), skipped. The Danish "DLMS push 1" list (65 elements) uses the same
pairs and scalers, with the meter number as an integer. No scaler-unit on
the wire; the implied scalers (its index line): current 0.01 A, voltage 1 V,
power W/var, energy 10 Wh/varh (Norway), power factor 0.01.

Quirks, each decided per frame from the meter type (the value of
``1.1.96.1.1.255``) or the value itself:

* ``ct_milliamp``: CT meters (type prefix ``685``) send current in 0.001 A;
* ``one_wh_variants``: type variant digits ``245`` (Sweden) and ``240``
  (Switzerland) send energy in 1 Wh (amsreader-firmware issue #239;
  ``...BN243...`` Norway and Finland, ``BN143`` Denmark keep 10 Wh);
* ``centivolt_above_1000``: a raw voltage above 1000 cannot be volts: 0.01 V
  (Swedish units, Bornholm Omnipower);
* ``ct_milliamp_by_power``: the Danish push list sends no meter type; its
  per-phase power, voltage, current and power factor tell a CT meter's
  0.001 A: at 0.01 A, P/(U x I) would be a tenth of the sent PF on every
  loaded phase (amsreader-firmware issue #216: a CT installation, 3 x ~91 A,
  agreeing with sqrt(P^2 + Q^2) = 63.4 kVA; read at 0.01 A, 910 A behind a
  250 A fuse). Kamstrup's documents do not give the resolution (a meter
  setting, not pushed).
"""

LISTS = """
list1 1
1.1.0.2.129.255 visible-string bare
1.1.0.0.5.255 visible-string
1.1.96.1.1.255 visible-string
1.1.1.7.0.255 double-long-unsigned
1.1.2.7.0.255 double-long-unsigned
1.1.3.7.0.255 double-long-unsigned
1.1.4.7.0.255 double-long-unsigned
1.1.31.7.0.255 double-long-unsigned
1.1.32.7.0.255 long-unsigned
list1 3
1.1.0.2.129.255 visible-string bare
1.1.0.0.5.255 visible-string
1.1.96.1.1.255 visible-string
1.1.1.7.0.255 double-long-unsigned
1.1.2.7.0.255 double-long-unsigned
1.1.3.7.0.255 double-long-unsigned
1.1.4.7.0.255 double-long-unsigned
1.1.31.7.0.255 double-long-unsigned
1.1.51.7.0.255 double-long-unsigned
1.1.71.7.0.255 double-long-unsigned
1.1.32.7.0.255 long-unsigned
1.1.52.7.0.255 long-unsigned
1.1.72.7.0.255 long-unsigned
list2 1 list1
0.1.1.0.0.255 octet-string
1.1.1.8.0.255 double-long-unsigned
1.1.2.8.0.255 double-long-unsigned
1.1.3.8.0.255 double-long-unsigned
1.1.4.8.0.255 double-long-unsigned
list2 3 list1
0.1.1.0.0.255 octet-string
1.1.1.8.0.255 double-long-unsigned
1.1.2.8.0.255 double-long-unsigned
1.1.3.8.0.255 double-long-unsigned
1.1.4.8.0.255 double-long-unsigned
"""



# The simulator: its list every 10 s at xx:xx:x0, the hourly list 2 at xx:00:05.
SIMULATE = ("dest=2B src=21 control=13 invoke=00000000 time=octets id=5706567277656672 "
            "type1=6861111BN242101040 type3=6841131BN243101040 version=Kamstrup_V0001 "
            "list1=10 list2=- hourly=5")

SOURCE = "FLAG id KAM: Kamstrup Energi (DLMS UA FLAG id register, as reproduced in wmbusmeters/wmbusmeters `src/manufacturers.h`)"
