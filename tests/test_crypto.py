"""Decryption of ciphered DLMS APDUs: host (cryptography) and device (protocols.gcm) paths.

Every capture with a published key decrypts and decodes to its asserted
values through hostlib.decode; the device's GCM (on a cryptography-backed
ECB, as cryptolib would be, and on the pure-Python AES fallback) gives the
same plaintexts; wrong, missing and replayed keys/frames give their own
errors.
"""

import json
import os

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

import hostlib
from capture_data import CAPTURES, keyed_cases, read_hex
from hostlib.crypto import Decryptor, encrypt_apdu
from protocols.aes import AES
from protocols.apdu import parse_apdu
from protocols.decoder import Reader, decode_apdu
from protocols.errors import HanError
from protocols.gcm import GCM
from protocols.security import make_decryptor, parse_key


class CryptographyECB:
    """cryptolib.aes(key, 1)'s interface on top of `cryptography` (a stand-in for the device)."""

    def __init__(self, key):
        self._c = Cipher(algorithms.AES(bytes(key)), modes.ECB())

    def encrypt(self, in_buf, out_buf=None):
        e = self._c.encryptor()
        data = e.update(bytes(in_buf)) + e.finalize()
        if out_buf is None:
            return data
        out_buf[: len(data)] = data
        return out_buf


def _load(folder, name):
    with open(os.path.join(CAPTURES, folder, name)) as f:
        return json.load(f)


CASES = keyed_cases()  # every folder with a keys.json
KEYED = [c for c in CASES if c[3] is not None]
IDS = lambda c: c[0] + "/" + c[1]  # noqa: E731

# Registers whose name/unit/manufacturer come from files outside this feature
# (protocols/obis.py has no 1-0:3.8.1/3.8.2/4.8.1/4.8.2 rows; dialects/base.py
# maps the FLAG id LGZ to "Landis+Gyr" while the schema keeps FLAG ids).
DIALECT_GAPS = {"lg-e450-gbt-dlmsparser-1.hex", "lg-e450-gbt-dlmsparser-2.hex"}


def _apdu(data):
    """The (reassembled) ciphered APDU of a capture."""
    if data[0] in (0xDB, 0xDC):
        return data
    frames = []
    r = Reader(protocol="hdlc" if data[0] == 0x7E else "mbus", max_frame=2049, on_frame=frames.append)
    r.feed(data)
    apdus = [f.apdu for f in frames]
    if apdus[0][0] == 0xE0:
        from protocols.gbt import GbtAssembler

        g = GbtAssembler()
        for a in apdus:
            whole = g.add(parse_apdu(a))
        return whole
    return apdus[0]


def _triples(regs):
    return [(r["obis"], r["value"], r["unit"]) for r in regs]


def _check(reading, exp, name, authenticated=None):
    got = json.loads(reading.to_json())
    # whether the tag was verified (docs/security.md): expected.json's, or
    # the caller's when decoded without the authentication key
    assert got["authenticated"] is (exp["authenticated"] if authenticated is None else authenticated)
    if name in DIALECT_GAPS:
        assert [(r["obis"], r["value"]) for r in got["registers"]] == [
            (r["obis"], r["value"]) for r in exp["registers"]
        ]
        assert got["time"] == exp["time"]
        return
    assert got["meter"] == exp["meter"]
    assert got["time"] == exp["time"]
    assert _triples(got["registers"]) == _triples(exp["registers"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hostlib_decode_capture(case):
    folder, name, exp, keys = case
    data = read_hex(os.path.join(CAPTURES, folder, name))
    kw = {} if keys is None else {"key": keys["key"], "auth_key": keys["auth_key"]}
    if "error" in exp:
        with pytest.raises(HanError) as ei:
            hostlib.decode(data, **kw)
        assert ei.value.kind == exp["error"]
        return
    if "plaintext" in exp:
        plain, auth = Decryptor(keys["key"], keys["auth_key"])(parse_apdu(_apdu(data)))
        assert plain.hex() == exp["plaintext"]
        assert auth is True
        return
    r = hostlib.decode(data, **kw)
    _check(r, exp, name)
    c = parse_apdu(_apdu(data))
    assert r.frame_counter == c.invocation_counter
    assert r.authenticated is (c.auth_tag is not None and keys["auth_key"] is not None)


@pytest.mark.parametrize("case", [c for c in CASES if c[1] in DIALECT_GAPS], ids=IDS)
def test_lgz_full_schema(case):
    folder, name, exp, keys = case
    r = hostlib.decode(read_hex(os.path.join(CAPTURES, folder, name)), key=keys["key"], auth_key=keys["auth_key"])
    got = json.loads(r.to_json())
    assert got["meter"] == exp["meter"] and _triples(got["registers"]) == _triples(exp["registers"])


@pytest.mark.parametrize("engine", ["cryptolib-like", "pure-python"])
@pytest.mark.parametrize("case", KEYED, ids=IDS)
def test_device_decryptor_matches_host(case, engine):
    folder, name, exp, keys = case
    c = parse_apdu(_apdu(read_hex(os.path.join(CAPTURES, folder, name))))
    host = Decryptor(keys["key"], keys["auth_key"])(c)
    dev = make_decryptor(keys["key"], keys["auth_key"], aes=CryptographyECB if engine == "cryptolib-like" else None)(c)
    assert (bytes(dev[0]), dev[1]) == (host[0], host[1])


@pytest.mark.parametrize("case", [c for c in KEYED if "error" not in c[2] and "plaintext" not in c[2]], ids=IDS)
def test_wrong_and_missing_key(case):
    folder, name, exp, keys = case
    data = read_hex(os.path.join(CAPTURES, folder, name))
    with pytest.raises(HanError) as ei:
        hostlib.decode(data)
    assert ei.value.kind == "encrypted"
    wrong = "0F0E0D0C0B0A09080706050403020100"
    with pytest.raises(HanError) as ei:
        hostlib.decode(data, key=wrong, auth_key=keys["auth_key"])
    assert ei.value.kind == "key"
    with pytest.raises(HanError) as ei:
        decode_apdu(_apdu(data), make_decryptor(wrong, keys["auth_key"]))
    assert ei.value.kind == "key"
    if keys["auth_key"] is not None:
        with pytest.raises(HanError) as ei:
            hostlib.decode(data, key=keys["key"], auth_key=wrong)
        # the key decrypts, the tag fails: the authentication key (issue 12 item 8)
        assert ei.value.kind == "auth"
        r = hostlib.decode(data, key=keys["key"])  # tag present, no AK: decrypt, unauthenticated
        assert r.authenticated is False
        _check(r, exp, name, authenticated=False)


def test_green_book_vector_apdu():
    apdu = bytes.fromhex("DB084D4D4D0000BC614E1E3001234567411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B")
    for dec in (Decryptor("000102030405060708090A0B0C0D0E0F", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"),
                make_decryptor("000102030405060708090A0B0C0D0E0F", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")):
        plain, auth = dec(parse_apdu(apdu))
        assert bytes(plain).hex() == "c0010000080000010000ff0200" and auth is True
    # a verified tag but no data-notification inside: an APDU error, not a key error
    with pytest.raises(HanError) as ei:
        hostlib.decode(apdu, key="000102030405060708090A0B0C0D0E0F", auth_key="D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
    assert ei.value.kind == "apdu"


def test_replay_and_counter_commit():
    p = os.path.join(CAPTURES, "encrypted", "kamstrup-omnipower-dk-dlmsparser.hex")
    keys = _load("encrypted", "keys.json")["kamstrup-omnipower-dk-dlmsparser.hex"]
    data = read_hex(p)
    for dec in (Decryptor(keys["key"], keys["auth_key"]), make_decryptor(keys["key"], keys["auth_key"])):
        hostlib.decode(data, decrypt=dec)
        with pytest.raises(HanError) as ei:
            hostlib.decode(data, decrypt=dec)
        assert ei.value.kind == "replay" and "possible replay" in str(ei.value)
        dec.reset()
        hostlib.decode(data, decrypt=dec)
    # a frame that fails (wrong key) does not move the counter
    bad = Decryptor("00" * 16, keys["auth_key"])
    with pytest.raises(HanError):
        hostlib.decode(data, decrypt=bad)
    assert bad.last_counter(bytes.fromhex("4B414D4501349083")) is None


def test_counter_backwards_in_a_stream():
    key, ak = "000102030405060708090A0B0C0D0E0F", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
    plain = bytes.fromhex("0F40000000000101020309060100010700FF060000055202020F00161B")
    title = b"KFM\x00\x00\x00\x00\x01"
    stream = b"".join(encrypt_apdu(key, plain, title, n, 0x30, ak) for n in (5, 6, 4, 7))
    errors = []
    r = Reader(decrypt=Decryptor(key, ak), on_reject=errors.append)
    out = r.feed(stream)
    assert r.protocol == "apdu"
    assert [x.frame_counter for x in out] == [5, 6, 7]
    assert [e.kind for e in errors] == ["replay"] and r.replays == 1
    assert out[0]["active_power_import"] == 1362


def test_key_validation_messages():
    assert parse_key("36:C6:66:39:E4:8A:8C:A4:D6:BC:8B:28:2A:79:3B:BB")[:2] == b"\x36\xc6"
    with pytest.raises(ValueError, match="key: expected 16 bytes as 32 hex digits"):
        hostlib.decode(b"\x0f", key="1234")
    with pytest.raises(ValueError, match="auth_key: expected 16 bytes"):
        Decryptor("00" * 16, b"short")
    with pytest.raises(ValueError, match="non-hex"):
        Decryptor("zz" * 16)
    with pytest.raises(ValueError, match="without key"):
        hostlib.decode(b"\x0f", auth_key="00" * 16)


def test_reader_status_lines():
    data = read_hex(os.path.join(CAPTURES, "encrypted", "netznoe-kaifa-ma309m-sample.hex"))
    r = Reader()
    assert r.status()[0] == "no_data"
    r.feed(b"\x00" * 100)
    assert r.status()[0] == "no_frames"
    r.feed(data)
    assert r.status() == ("encrypted", "frames arrive but they are encrypted and no key is set")
    r = Reader(decrypt=Decryptor("11" * 16))
    r.feed(data)
    assert r.status()[0] == "wrong_key"
    r = Reader(decrypt=Decryptor("36C66639E48A8CA4D6BC8B282A793BBB"))
    assert len(r.feed(data)) == 1 and r.status()[0] == "ok"
    r.feed(data)
    assert r.status()[0] == "replay"
    names = list(r.counters())
    assert names[:2] == ["accepted", "hcs_errors"] and names[-1] == "readings"


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.binary(min_size=12, max_size=12),
       st.binary(max_size=300), st.binary(max_size=40))
def test_device_gcm_equals_cryptography(key, iv, plaintext, aad):
    ref = AESGCM(key).encrypt(iv, plaintext, aad)
    for aes in (CryptographyECB, None):
        g = GCM(key, aes)
        ct, tag = g.encrypt(iv, plaintext, aad, 16)
        assert bytes(ct) + tag == ref
        assert bytes(g.decrypt(iv, ct, aad, tag[:12])) == plaintext
        if plaintext:
            bad = bytearray(ct)
            bad[0] ^= 0x80
            with pytest.raises(ValueError):
                g.decrypt(iv, bytes(bad), aad, tag[:12])


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.binary(min_size=16, max_size=16 * 9))
def test_pure_aes_equals_cryptography(key, blocks):
    blocks = blocks[: len(blocks) // 16 * 16]
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    assert bytes(AES(key).encrypt(blocks)) == e.update(blocks) + e.finalize()


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.binary(min_size=16, max_size=16),
       st.binary(min_size=8, max_size=8), st.integers(0, 2**32 - 1),
       st.sampled_from([0x20, 0x21, 0x30, 0x31, 0x10]), st.binary(min_size=1, max_size=200))
def test_roundtrip_security_controls(key, ak, title, counter, sc, plain):
    apdu = encrypt_apdu(key, plain, title, counter, sc, ak)
    c = parse_apdu(apdu)
    for dec in (Decryptor(key, ak), make_decryptor(key, ak, aes=CryptographyECB)):
        if not sc & 0x10:
            # no tag although an authentication key is set: refused (a downgrade?)
            with pytest.raises(HanError) as ei:
                dec(c)
            assert ei.value.kind == "unauthenticated"
            continue
        out, auth = dec(c)
        assert bytes(out) == plain
        assert auth is True
    for dec in (Decryptor(key), make_decryptor(key, aes=CryptographyECB)):
        out, auth = dec(c)
        assert bytes(out) == plain
        assert auth is False


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.binary(min_size=16, max_size=16),
       st.binary(min_size=8, max_size=8), st.integers(0, 2**32 - 1),
       st.sampled_from([0x00, 0x10, 0x20, 0x21, 0x30, 0x31, 0xF8]), st.binary(min_size=0, max_size=300))
def test_one_ciphered_apdu_builder_same_bytes_on_both_engines(key, ak, title, counter, sc, plain):
    # protocols.ciphering.encrypt_apdu is the one builder; the host's only swaps the AES-GCM engine.
    from protocols.ciphering import encrypt_apdu as device_encrypt

    host = encrypt_apdu(key, plain, title, counter, sc, ak)
    assert device_encrypt(key, plain, title, counter, sc, ak) == host
    c = parse_apdu(host)
    assert (c.system_title, c.security_control, c.invocation_counter) == (title, sc, counter)
    assert (c.auth_tag is not None) == bool(sc & 0x10)
    if not sc & 0x20:  # not encrypted: the plaintext travels as it is
        assert bytes(c.ciphertext) == plain


def test_ciphered_apdu_builder_green_book_vector():
    # DLMS Green Book (DLMS UA 1000-2 Ed. 8.3, 9.2.7.2.4.5 example): key 000102..0F,
    # AK D0..DF, system title 4D4D4D0000BC614E, counter 01234567, SC 0x30, the
    # plaintext C0 01 00 00 08 00 00 01 00 00 FF 02 00 (a get-request).
    from protocols.ciphering import encrypt_apdu as device_encrypt

    key = bytes(range(16))
    ak = bytes(range(0xD0, 0xE0))
    title = bytes.fromhex("4D4D4D0000BC614E")
    plain = bytes.fromhex("C001000008000001 0000FF0200".replace(" ", ""))
    want = bytes.fromhex("DB084D4D4D0000BC614E1E3001234567411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B")
    assert encrypt_apdu(key, plain, title, 0x01234567, 0x30, ak) == want
    assert device_encrypt(key, plain, title, 0x01234567, 0x30, ak) == want
