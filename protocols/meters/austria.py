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

Source: amsreader-firmware issue 787 (KELAG AM550; the key published in
``test/payloads/iskraemeco/README.md``, frames ``gh787-1..9.hex``).
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
"""
