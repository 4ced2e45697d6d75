# tools/gcm_bench.py: per-frame decryption time and heap allocation of the device's
# GCM (protocols.gcm / protocols.security) on MicroPython.
#
#   python tools/mpvm.py --vm wasm --lib protocols tools/gcm_bench.py
#   python tools/mpvm.py --vm unix --heap 256k --lib protocols tools/gcm_bench.py
#
# Frames: the Netz NOe sample (SC 0x20, 243 B, CTR only), the Stoen PL frame
# size (SC 0x21, 336 B) and a Kamstrup DK-sized push (SC 0x30, 447 B with a
# verified tag), built by protocols.ciphering.encrypt_apdu with the device GCM. Allocation is gc.mem_alloc()
# around one call with the GC disabled, after a warm-up call (buffers grown).
import gc
import sys
import time

from protocols.apdu import parse_apdu
from protocols.gcm import GCM, _cryptolib_aes
from protocols.ciphering import encrypt_apdu
from protocols.security import make_decryptor

KEY = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
AK = bytes.fromhex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
TITLE = b"KFMgP\x00\x00\x09"


def apdu(sc, n):
    return encrypt_apdu(KEY, bytes(n), TITLE, 0x23, sc, AK, gcm=GCM(KEY))


def bench(label, sc, n, reps):
    c = parse_apdu(apdu(sc, n))
    dec = make_decryptor(KEY, AK if sc & 0x10 else None, check_replay=False)
    dec(c)
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    dec(c)
    alloc = gc.mem_alloc() - a
    gc.enable()
    gc.collect()
    t = time.ticks_us()
    for _ in range(reps):
        dec(c)
    us = time.ticks_diff(time.ticks_us(), t) // reps
    print("%-34s %4d B  %8.2f ms/frame  %6d B allocated/frame" % (label, n, us / 1000, alloc))


def main():
    print("MicroPython %s on %s; AES engine: %s" % (
        sys.implementation.version, sys.platform,
        "cryptolib (C)" if _cryptolib_aes is not None else "protocols.aes (pure Python)"))
    gc.collect()
    a = gc.mem_alloc()
    g = GCM(KEY)
    print("GCM context (key schedule, H tables, buffers): %d B" % (gc.mem_alloc() - a))
    bench("SC 0x20 CTR (Netz NOe size)", 0x20, 243, 20)
    bench("SC 0x21 CTR (Stoen PL size)", 0x21, 336, 20)
    bench("SC 0x30 GCM + tag (Kamstrup DK)", 0x30, 447, 10)
    bench("SC 0x30 GCM + tag (Luxembourg)", 0x30, 485, 10)


main()
