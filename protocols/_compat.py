# protocols/_compat.py: the few things that differ between CPython and MicroPython.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Feature checks done once at import time, so the rest stays free of them."""

try:
    from micropython import const  # noqa: F401
except ImportError:  # CPython

    def const(x):
        return x


try:
    import sys

    MICROPYTHON = sys.implementation.name == "micropython"
except AttributeError:  # pragma: no cover
    MICROPYTHON = False
