"""xDLMS APDUs and COSEM date-time (digest 3.1-3.4)."""

import pytest

from protocols.apdu import Ciphered, DataNotification, parse_apdu
from protocols.cosem import DateTime
from protocols.errors import ApduError, FormatError, TruncatedError

H = bytes.fromhex
BODY = "020209060100010700FF06000005520202"  # structure {OBIS, 1362} (first 2 elements)
BODY = "0202" + "0906" + "0100010700FF" + "0600000552"
DT = "07E5091B01092F0F00FF8880"  # Kaifa AT, 2021-09-27 09:47:15, dev -120, DST


@pytest.mark.parametrize(
    "hdr,form,iso",
    [
        ("00", "none", None),
        ("0C" + DT, "octets", "2021-09-27T09:47:15+02:00"),
        ("090C" + DT, "tagged", "2021-09-27T09:47:15+02:00"),
        ("19" + DT, "typed", "2021-09-27T09:47:15+02:00"),
        ("0900", "tagged", None),
    ],
)
def test_data_notification_datetime_forms(hdr, form, iso):
    n = parse_apdu(H("0F40000000" + hdr + BODY))
    assert isinstance(n, DataNotification)
    assert n.invoke_id == 0x40000000 and n.datetime_form == form
    assert (n.datetime.isoformat() if n.datetime else None) == iso
    assert n.body == (H("0100010700FF"), 1362)


def test_data_notification_errors():
    with pytest.raises(FormatError) as e:
        parse_apdu(H("0F4000000005" + BODY))
    assert "expected length 0 or 12, found 5" in str(e.value)
    with pytest.raises(TruncatedError):
        parse_apdu(H("0F400000000C07E5"))
    with pytest.raises(FormatError) as e:
        parse_apdu(H("0F4000000000" + BODY + "00"))
    assert "1 bytes after it" in str(e.value)
    with pytest.raises(ApduError) as e:
        parse_apdu(H("C001000008"))
    assert "found 0xC0" in str(e.value)
    with pytest.raises(TruncatedError):
        parse_apdu(b"")


def test_green_book_ciphered_envelope():
    # DLMS Green Book AES-GCM vector (digest 3.4a): SC 0x30, 12-byte tag.
    apdu = H(
        "DB084D4D4D0000BC614E1E3001234567411312FF935A47566827C467BC"
        "7D825C3BE4A77C3FCC056B6B"
    )
    c = parse_apdu(apdu)
    assert isinstance(c, Ciphered)
    assert c.tag == 0xDB and c.system_title == H("4D4D4D0000BC614E") and c.manufacturer == "MMM"
    assert c.security_control == 0x30 and c.authenticated and c.encrypted
    assert c.invocation_counter == 0x01234567
    assert c.ciphertext == H("411312FF935A47566827C467BC")
    assert c.auth_tag == H("7D825C3BE4A77C3FCC056B6B")


def test_ded_ciphering_and_long_length_without_tag():
    ct = bytes(range(243))
    apdu = H("DC084B464D6750000009") + H("81F8") + H("2000000023") + ct
    c = parse_apdu(apdu)
    assert c.tag == 0xDC and c.manufacturer == "KFM" and c.auth_tag is None
    assert c.invocation_counter == 35 and c.ciphertext == ct and not c.authenticated


def test_ciphered_length_mismatch():
    with pytest.raises(TruncatedError):
        parse_apdu(H("DB084D4D4D0000BC614E1E300123"))
    with pytest.raises(FormatError):
        parse_apdu(H("DB07") + bytes(20))
    with pytest.raises(FormatError) as e:
        parse_apdu(H("DB084D4D4D0000BC614E0830012345670102FF"))
    assert "12-byte tag" in str(e.value)


def test_block_transfer():
    b = parse_apdu(H("E0C000030000037F0F00"))
    assert (b.last, b.streaming, b.window, b.block_number) == (True, True, 0, 3)
    assert b.data == H("7F0F00")


def test_datetime_unspecified_and_deviation():
    dt = DateTime.from_bytes(H("07E60212051600" + "23FF800000"))
    assert dt.deviation is None and dt.hundredths is None
    assert dt.isoformat() == "2022-02-18T22:00:35"
    dt = DateTime.from_bytes(H("07E50317021232 00FF FFC4 00".replace(" ", "")))
    assert dt.isoformat() == "2021-03-23T18:50:00+01:00"
    assert DateTime.from_bytes(H("FFFFFFFFFFFFFFFFFF8000FF")).isoformat() is None
    assert not DateTime.from_bytes(H("07E50D01010A0000FF800000")).is_plausible()  # month 13
    assert DateTime.from_bytes(H(DT)).to_bytes() == H(DT)


def test_a_numeric_list_version_is_text_in_the_meter_facts_not_a_crash():
    # Found by a random-body comparison: the generic dialect called .upper()
    # on a list version sent as long-unsigned (AttributeError, not HanError).
    from protocols.decoder import decode_apdu

    apdu = bytes.fromhex("0F40000000" "00" "0202" "0906" "0101000281FF" "12" "0005")
    r = decode_apdu(apdu)
    assert r.to_json() == (
        '{"meter": {"manufacturer": null, "id": null, "type": null, "list_version": "5"}, '
        '"time": null, "registers": [{"obis": "1-1:0.2.129.255", "name": "list_version", '
        '"value": 5, "unit": null}]}'
    )
