# protocols/dialects/__init__.py: pick the meter dialect from the frame's content.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Turn a Data-Notification into a Reading, whichever meter sent it.

Detection looks only at the content (list version, shape, item count): no
configuration. The first dialect whose ``match`` accepts the body decodes
it; ``generic`` accepts everything, so an unknown meter never raises just
because it is unknown.
"""

from . import aidon, generic, kaifa, kamstrup

DIALECTS = (kamstrup, kaifa, aidon, generic)


def decode_notification(dn, hint=None):
    """Reading for a DataNotification. ``hint``: a FLAG id (e.g. from a
    ciphered APDU's system title) used when the list names no manufacturer."""
    body = dn.body
    for d in DIALECTS:
        if d.match(body):
            return d.decode(dn, hint)
    return generic.decode(dn, hint)  # pragma: no cover (generic matches all)
