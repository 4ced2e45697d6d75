# Smoke test of the interpreter features hanreader relies on. Runs on CPython,
# the MicroPython webassembly port and the unix port (-X heapsize=64k).
# Must not import protocols (it may be absent or half-written).
import sys
import struct
import binascii
import json

import mptest

try:
    from micropython import const
except ImportError:

    def const(x):
        return x


_TAG = const(0x7E)
_LEN_MASK = const(0x07FF)

FRAME_HEX = "7ea0 2a41 0883 1304 0000 00ff 1234 5678 7e"


def test_bytes_fromhex_and_hexlify():
    raw = bytes.fromhex("7ea02a41")
    assert raw == b"\x7e\xa0\x2a\x41", raw
    assert binascii.hexlify(raw) == b"7ea02a41"
    assert binascii.unhexlify(b"7ea02a41") == raw
    # fromhex skips spaces on both implementations
    assert bytes.fromhex(FRAME_HEX)[0] == 0x7E


def test_struct_big_endian_unpack_from_memoryview():
    buf = bytes.fromhex(FRAME_HEX)
    mv = memoryview(buf)
    tag, fmt_len = struct.unpack_from(">BH", mv, 0)
    assert tag == 0x7E
    assert fmt_len == 0xA02A
    assert fmt_len & _LEN_MASK == 0x02A
    # offset + a sliced memoryview give the same answer
    a = struct.unpack_from(">HI", mv, 3)
    b = struct.unpack_from(">HI", mv[3:])
    assert a == b == (0x4108, 0x83130400), a
    assert struct.unpack_from(">i", b"\xff\xff\xff\xfe")[0] == -2
    assert struct.unpack_from(">h", mv, 14)[0] == 0x5678
    assert struct.calcsize(">BHI") == 7


def test_struct_pack_roundtrip():
    data = struct.pack(">BHI", 1, 0x0203, 0x04050607)
    assert data == b"\x01\x02\x03\x04\x05\x06\x07"
    assert struct.unpack(">BHI", data) == (1, 0x0203, 0x04050607)


def test_json_dumps_list():
    out = json.dumps([1, -2, "a\"b", None, True, False, [3, 4]])
    assert out == '[1, -2, "a\\"b", null, true, false, [3, 4]]', out
    assert json.loads(out) == [1, -2, 'a"b', None, True, False, [3, 4]]


def test_const_shim():
    assert _TAG == 126
    assert _LEN_MASK == 2047
    assert const(5) == 5


def test_memoryview_slices_share_buffer():
    ba = bytearray(b"\x00\x01\x02\x03")
    mv = memoryview(ba)[1:3]
    ba[1] = 0xAA
    assert bytes(mv) == b"\xaa\x02"
    assert len(mv) == 2


def test_assert_raises_returns_exception():
    e = mptest.assert_raises(ValueError, int, "x")
    assert isinstance(e, ValueError)
    e = mptest.assert_raises(ZeroDivisionError, lambda: 1 // 0)
    assert isinstance(e, ZeroDivisionError)
    # and fails if nothing is raised
    e = mptest.assert_raises(AssertionError, mptest.assert_raises, KeyError, int, "1")
    assert isinstance(e, mptest.AssertRaisesFailed)


def test_collect_is_sorted():
    ns = {"test_b": lambda: 0, "test_a": lambda: 0, "helper": lambda: 0, "test_x": 5}
    assert [n for n, _ in mptest.collect(ns)] == ["test_a", "test_b"]


def test_gc_mem_alloc_on_micropython():
    if not mptest.IS_MICROPYTHON:
        assert mptest.alloc_bytes(bytearray, 100) is None
        return
    import gc

    gc.collect()
    assert gc.mem_alloc() > 0
    n = mptest.alloc_bytes(bytearray, 100)
    assert n is not None and 100 <= n <= 256, n

    def no_alloc(x):
        return x + 1

    n = mptest.alloc_bytes(no_alloc, 5)
    assert n == 0, n


def test_assert_no_alloc():
    assert mptest.assert_no_alloc(lambda: 7 * 6) == 42
    if mptest.IS_MICROPYTHON:
        # an allocation under the lock raises MemoryError, and the heap is
        # unlocked again afterwards (the next line allocates)
        mptest.assert_raises(MemoryError, mptest.assert_no_alloc, bytearray, 64)
        assert len(bytearray(64)) == 64


def test_captures_reachable():
    # tests/captures is copied into the wasm VM at /data/captures; the unix
    # port and CPython read it in place. Absent (empty in git) -> nothing to do.
    import os

    d = mptest.captures_dir()
    if d is None:
        return
    for name in os.listdir(d):
        path = mptest.data_path(name)
        assert path == d + "/" + name, path
        if os.stat(path)[0] & 0x4000:  # directory
            continue
        data = mptest.read_data(name)
        assert len(data) == os.stat(path)[6], name


def test_implementation_info():
    assert sys.implementation.name in ("micropython", "cpython")
    if mptest.IS_MICROPYTHON:
        assert sys.platform in ("webassembly", "linux"), sys.platform


if __name__ == "__main__":
    mptest.main(globals())
