# detect.py: the firmware's serial settings: the UART specifics of protocols/detect.py.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The sans-IO ``Detector``, setting names and ``parse`` live in
``protocols/detect.py`` (the host's ``--auto`` runs the same detector);
this module adds what ``machine.UART`` needs and re-exports the rest."""

from protocols.detect import DEFAULT_ORDER, Detector, char_bits, parse  # noqa: F401


def rxbuf_size(name, stall_ms=2000):
    """UART receive buffer that holds ``stall_ms`` of back-to-back bytes.

    2400 8E1: 218 B/s -> 512; 9600: 960 B/s -> 2048; 115200: 11520 B/s ->
    23552. A quarter of margin, rounded up to 256 bytes.
    """
    baud = parse(name)[0]
    need = baud * stall_ms // (1000 * char_bits(name))
    need += need // 4
    return (need + 255) // 256 * 256


def uart_kwargs(name):
    """Keyword arguments of ``machine.UART(...)`` for a setting (without pins)."""
    baud, bits, parity, stop, inv = parse(name)
    return {
        "baudrate": baud,
        "bits": bits,
        "parity": parity,
        "stop": stop,
        "rxbuf": rxbuf_size(name),
        "timeout": 0,
    }
