# protocols/meters/austria.py: the Austrian IDIS push, "Variant 1" (any manufacturer).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The push of Oesterreichs Energie's customer-interface document
("Kundenschnittstelle", Variant 1), sent by Siemens IM350, Iskraemeco
AM550 (KELAG/Kaernten Netz, eww Wels) and other meters of Austrian
operators: the logical name of the push setup (``0-x:25.9.0.255``, which
recognises the layout together with its shape), the meter number, the
push's time and date (octet-strings: the reading's time when the header
carries none), A+, A-, R+, R- (Wh, varh), P+, P- (W), and two
octet-strings the operators leave empty (left out). No manufacturer in
the list: the FLAG id of a ciphered frame's system title names it.

Sources: amsreader-firmware issue 787 (KELAG AM550; the key published in
``test/payloads/iskraemeco/README.md``, frames ``gh787-1..9.hex``);
Noschvie/shrdzm ``code/SHRDZMDevice/Device_IM350.cpp`` (commit 0582f38e:
a Siemens IM350 and an Iskraemeco AM550 frame in list1's shape, and the
10-value list2 of an IM350 of eww Wels, each with its key).

list3 is Wiener Netze's infrared customer interface on an AM550: the
clock (an octet-string), then A+, A- (Wh), R+, R- (varh), P+, P- (W),
Q+, Q- (var), in the order of msatlow/victron-pure-python-ess
``readsm.py`` (device "WN"). It has the Slovenian AM550 ED1.21 list's
shape (an octet-string and eight double-long-unsigned): the clock's 12
binary bytes where that list has a textual device name tell them apart.
The IM350's variant (a logical device name before the clock) is not
declared: no public frame of it with its key was found.
"""

LISTS = """
list1 1,3
0.0.25.9.0.255 octet-string
0.0.96.1.0.255 octet-string
- octet-string time
- octet-string date
1.0.1.8.0.255 double-long-unsigned
1.0.2.8.0.255 double-long-unsigned
1.0.3.8.0.255 double-long-unsigned
1.0.4.8.0.255 double-long-unsigned
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
- octet-string
- octet-string
# eww Wels (IM350): Variant 1 without the two empty octet-strings
list2 1,3
0.0.25.9.0.255 octet-string
0.0.96.1.0.255 octet-string
- octet-string time
- octet-string date
1.0.1.8.0.255 double-long-unsigned
1.0.2.8.0.255 double-long-unsigned
1.0.3.8.0.255 double-long-unsigned
1.0.4.8.0.255 double-long-unsigned
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
# Wiener Netze, infrared customer interface (AM550)
list3 1,3
0.0.1.0.0.255 octet-string
1.0.1.8.0.255 double-long-unsigned
1.0.2.8.0.255 double-long-unsigned
1.0.3.8.0.255 double-long-unsigned
1.0.4.8.0.255 double-long-unsigned
1.0.1.7.0.255 double-long-unsigned
1.0.2.7.0.255 double-long-unsigned
1.0.3.7.0.255 double-long-unsigned
1.0.4.7.0.255 double-long-unsigned
"""
