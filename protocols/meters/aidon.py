# protocols/meters/aidon.py: Aidon 65xx (AIDON_V0001 Norway, AIDON_H0001 Sweden).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Aidon (digest 5.1; "Aidon HAN interface description" v1.7A, Norway).

Recognised (``protocols/meters/__init__.py``): FLAG ids AID/ADN, list
version ``AIDON_``, and by shape: Aidon is the only HAN meter that pushes
an **array** of register structures ``{OBIS, value[, {scaler, unit}]}``
(engine ``registers``), so the Swedish list without a version is Aidon's
too. Objects a meter type lacks are omitted; scalers and units come with
the data. The scalers in its index line are what the meter *sends* (the simulator
writes them); the decoder reads them from the wire.

Quirk ``zero_is_local``: the clock's deviation 0 stands for Norwegian local
time (digest 3.2): no UTC offset is written.
"""

LISTS = """
list1 1,3
1.0.1.7.0.255 double-long-unsigned
list2 1
1.1.0.2.129.255 visible-string
0.0.96.1.0.255 visible-string
0.0.96.1.7.255 visible-string
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.3.7.0.255 double-long-unsigned
1.0.4.7.0.255 double-long-unsigned
1.0.31.7.0.255 long
1.0.32.7.0.255 long-unsigned
list2 3
1.1.0.2.129.255 visible-string
0.0.96.1.0.255 visible-string
0.0.96.1.7.255 visible-string
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.3.7.0.255 double-long-unsigned
1.0.4.7.0.255 double-long-unsigned
1.0.31.7.0.255 long
1.0.51.7.0.255 long
1.0.71.7.0.255 long
1.0.32.7.0.255 long-unsigned
1.0.52.7.0.255 long-unsigned
1.0.72.7.0.255 long-unsigned
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



# The simulator (hostlib/simulator.py): HDLC addresses and control, the
# invoke-id, the header date-time form (none / octets / tagged), an example
# meter id and type per phase count, and the cadence: list 1 every 2.5 s,
# list 2 every 10 s, the hourly list at xx:00:10.
SIMULATE = ("dest=41 src=0883 control=13 invoke=40000000 time=none id=7359992890941742 "
            "type1=6515 type3=6534 version=AIDON_V0001 list1=2.5 list2=10 hourly=10")

SOURCE = "FLAG id ADN: Aidon, Finland (DLMS UA FLAG id register, as reproduced in wmbusmeters/wmbusmeters `src/manufacturers.h`)"
