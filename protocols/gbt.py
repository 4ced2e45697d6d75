# protocols/gbt.py: general-block-transfer reassembly, whatever carries the blocks.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""DLMS general-block-transfer (``E0``, digest 2.7): ``GbtAssembler`` joins
the blocks (``protocols.apdu.BlockTransfer``) of one APDU, over HDLC, M-Bus
or bare. Imported by the ``Reader`` only when a block arrives."""

from .errors import FormatError, OversizeError


class GbtAssembler:
    """General-block-transfer (E0) reassembly: ``add(BlockTransfer)`` returns
    the complete APDU after the last block, else None.

    Blocks are numbered from 1; block 1 starts a new message; a gap drops
    the partial one and raises FormatError.
    """

    def __init__(self, max_msdu=8192):
        self.max_msdu = max_msdu
        self._buf = None
        self._next = 1

    def reset(self):
        self._buf = None
        self._next = 1

    def add(self, bt):
        if bt.block_number == 1:
            self._buf = bytearray()
            self._next = 1
        if self._buf is None or bt.block_number != self._next:
            expected = self._next if self._buf is not None else 1
            self.reset()
            raise FormatError(
                "general-block-transfer: expected block %d, found %d" % (expected, bt.block_number), 0
            )
        self._buf += bt.data
        self._next += 1
        if len(self._buf) > self.max_msdu:
            self.reset()
            raise OversizeError("general-block-transfer message exceeds %d bytes" % self.max_msdu, 0)
        if bt.last:
            out = bytes(self._buf)
            self.reset()
            return out
        return None
