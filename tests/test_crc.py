"""CRC-16/X.25 (HDLC) and CRC-16/ARC (P1): check values and worked examples (digest 2.5, 7.1)."""

from hypothesis import given
from hypothesis import strategies as st

from protocols.crc import crc16_arc, crc16_x25, crc16_x25_table


def test_check_values():
    assert crc16_x25(b"123456789") == 0x906E
    assert crc16_x25_table(b"123456789") == 0x906E
    assert crc16_arc(b"123456789") == 0xBB3D


def test_green_book_fcs_and_residue():
    # Green Book 8.5: data 03 3F -> FCS 0xEC5B sent as 5B EC.
    assert crc16_x25(b"\x03\x3f") == 0xEC5B
    # The unfinalised CRC over data + received FCS is the good-frame residue 0xF0B8.
    assert crc16_x25_table(b"\x03\x3f\x5b\xec") ^ 0xFFFF == 0xF0B8


def test_vendor_headers():
    assert crc16_x25(bytes.fromhex("A0D241088313")) == 0xD682  # Aidon
    assert crc16_x25(bytes.fromhex("A0E22B2113")) == 0x9A23  # Kamstrup
    assert crc16_x25(bytes.fromhex("A02701020110")) == 0x875A  # Kaifa


def test_accepts_memoryview_and_bytearray():
    data = bytearray(b"123456789")
    assert crc16_x25(memoryview(data)) == 0x906E
    assert crc16_x25(data) == 0x906E


@given(st.binary(max_size=600))
def test_host_engine_equals_table_engine(data):
    # The host's crc_hqx route must equal the device's table on every input.
    assert crc16_x25(data) == crc16_x25_table(data)
