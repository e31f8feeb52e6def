"""SAM frames, card text layouts, GB 11643 check digits, masking, and a fuzz of the frame parser."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.idcard import CardError, FrameError, mask_address, mask_id_number, mask_name
from devices.idcard import protocol as p
from devices.idcard.cardtext import (
    FOREIGN_2017,
    HMT_PERMIT,
    RESIDENT,
    id_check_digit,
    id_number_problem,
    make_id_number,
    parse_card,
)
from devices.idcard.testcards import TEST_CARDS, card_text
from tests.people import zhang_san_fields

from .conftest import RESIDENT_CARD_FIELDS

# --- frames ----------------------------------------------------------------------------------


def test_find_card_request_bytes_are_computed():
    assert p.request(p.FIND_CARD) == bytes.fromhex("AA AA AA 96 69 00 03 20 01 22")


def test_other_requests():
    assert p.request(p.SAM_STATUS) == bytes.fromhex("AA AA AA 96 69 00 03 11 FF ED")
    assert p.request(p.SELECT_CARD) == bytes.fromhex("AA AA AA 96 69 00 03 20 02 21")
    assert p.request(p.READ_TEXT_PHOTO) == bytes.fromhex("AA AA AA 96 69 00 03 30 01 32")


def test_replies_match_frames_seen_from_real_readers():
    # As logged by readers' users: SAM ok, card found, no card, card selected.
    assert p.reply(p.OK) == bytes.fromhex("AAAAAA9669 0004 000090 94")
    assert p.reply(p.FIND_OK, bytes(4)) == bytes.fromhex("AAAAAA9669 0008 00009F 00000000 97")
    assert p.reply(p.FIND_NONE) == bytes.fromhex("AAAAAA9669 0004 000080 84")
    assert p.reply(p.OK, bytes(8)) == bytes.fromhex("AAAAAA9669 000C 000090 0000000000000000 9C")


def test_read_reply_is_1295_bytes():
    card = TEST_CARDS["zhang_san"]
    frame = p.reply(p.OK, p.read_data(card.text, card.photo))
    assert len(frame) == 1295
    reply = p.parse_reply(frame)
    assert p.split_read_data(reply.data, fingerprint=False) == (card.text, card.photo, b"")


def test_read_with_fingerprint_splits_three_blocks():
    card = TEST_CARDS["zhang_san"]
    data = p.read_data(card.text, card.photo, card.fingerprint)
    assert p.split_read_data(data, fingerprint=True) == (card.text, card.photo, card.fingerprint)


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        (b"\xaa\xaa", "too short"),
        (bytes.fromhex("AB AA AA 96 69 00 04 00 00 90 94"), "preamble"),
        (bytes.fromhex("AA AA AA 96 69 00 02 00 00"), "length"),
        (bytes.fromhex("AA AA AA 96 69 FF FF 00 00 90 94"), "length"),
        (bytes.fromhex("AA AA AA 96 69 00 05 00 00 90 94"), "length"),
        (bytes.fromhex("AA AA AA 96 69 00 04 00 00 90 95"), "checksum"),
    ],
)
def test_bad_frames(frame, words):
    with pytest.raises(FrameError, match=words):
        p.parse_reply(frame)


def test_inconsistent_read_lengths_are_frame_errors():
    card = TEST_CARDS["zhang_san"]
    data = p.read_data(card.text, card.photo)
    with pytest.raises(FrameError):
        p.split_read_data(data[:-1], fingerprint=False)
    with pytest.raises(FrameError):
        p.split_read_data(p.read_data(card.text[:200], card.photo), fingerprint=False)
    with pytest.raises(FrameError):
        p.split_read_data(b"\x01", fingerprint=False)


# --- fuzz: the parser raises FrameError or returns, nothing else --------------------------


def valid_frames():
    return st.builds(lambda sw3, data: p.reply(sw3, data), st.integers(0, 255), st.binary(max_size=300))


def corrupted(frame: bytes, data) -> bytes:
    kind = data.draw(st.sampled_from(["flip", "truncate", "extend", "length", "splice"]))
    b = bytearray(frame)
    if kind == "flip":
        i = data.draw(st.integers(0, len(b) - 1))
        b[i] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        b = b[: data.draw(st.integers(0, len(b) - 1))]
    elif kind == "extend":
        b += data.draw(st.binary(min_size=1, max_size=20))
    elif kind == "length":
        b[5:7] = data.draw(st.integers(0, 0xFFFF)).to_bytes(2, "big")
    else:
        i = data.draw(st.integers(0, len(b)))
        b[i:i] = data.draw(st.binary(min_size=1, max_size=8))
    return bytes(b)


@pytest.mark.timeout(60)
@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_parser_only_raises_frame_error(data):
    frame = data.draw(valid_frames())
    candidate = data.draw(
        st.one_of(
            st.just(frame),
            st.binary(max_size=400),
            st.builds(lambda b: p.PREAMBLE + b, st.binary(max_size=300)),
            st.just(None),
        )
    )
    if candidate is None:
        candidate = corrupted(frame, data)
    try:
        reply = p.parse_reply(candidate)
    except FrameError:
        return
    # whatever parses is self-consistent
    assert p.reply(reply.sw3, reply.data, reply.sw1, reply.sw2) == candidate
    try:
        p.split_read_data(reply.data, fingerprint=data.draw(st.booleans()))
    except FrameError:
        pass


@pytest.mark.timeout(30)
@settings(max_examples=1000, deadline=None)
@given(st.binary(min_size=256, max_size=256))
def test_fuzz_card_text_only_raises_card_error(text):
    try:
        parse_card(text)
    except CardError:
        pass


# --- card text -----------------------------------------------------------------------------


def test_resident_card():
    card = TEST_CARDS["zhang_san"]
    c = parse_card(card.text, card.photo, card.fingerprint)
    assert c.card_type == "resident"
    assert (c.name, c.sex, c.nation) == ("张三", "男", "汉")
    assert c.birth == date(1990, 1, 1)
    assert c.address == "河南省南阳市内乡县城关镇县衙路1号"
    assert c.id_number == make_id_number("411325", date(1990, 1, 1), "123")
    assert c.authority == "内乡县公安局"
    assert (c.valid_from, c.valid_to) == (date(2015, 6, 1), date(2035, 6, 1))
    assert c.photo_wlt == card.photo and len(c.photo_wlt) == 1024  # raw WLT, not decoded


def test_elderly_card_with_no_expiry():
    c = parse_card(TEST_CARDS["li_xiuying"].text)
    assert c.birth.year == 1950 and c.age_on(date(2026, 11, 27)) == 76
    assert c.valid_to is None and c.to_public_dict()["valid_to"] == "长期"
    assert c.nation == "回" and c.sex == "女"


def test_hong_kong_macau_taiwan_permit():
    c = parse_card(TEST_CARDS["chan_tai_man"].text)
    assert c.card_type == "hmt_residence_permit"
    assert c.id_number.startswith("81")
    assert (c.pass_number, c.issue_count) == ("H12345678", "01")
    assert c.nation == ""


def test_foreign_permanent_resident_cards():
    old = parse_card(TEST_CARDS["smith_2017"].text)
    assert old.card_type == "foreign_permanent_2017"
    assert (old.english_name, old.name, old.id_number, old.nation) == (
        "SMITH, JOHN",
        "史密斯",
        "USA110019800101",
        "USA",
    )
    new = parse_card(TEST_CARDS["martin_2023"].text)
    assert new.card_type == "foreign_permanent_2023"
    assert new.id_number.startswith("9") and new.english_name == "MARTIN, MARIE"


def test_long_english_name_continues_in_the_2023_extension_field():
    from devices.idcard.cardtext import FOREIGN_2023

    name = "WOLFESCHLEGELSTEINHAUSEN, HUBERT BLAINE"  # 39 characters: 35 + 4
    text = card_text(
        FOREIGN_2023,
        name="",
        sex="1",
        birth="19700101",
        english_name=name[:35],
        english_name_ext=name[35:],
        id_number=make_id_number("911276", date(1970, 1, 1), "001"),
        valid_from="20240101",
        valid_to="20340101",
    )
    c = parse_card(text)
    assert c.english_name == name and c.name == name


def resident_text(**changes: str) -> bytes:
    return card_text(RESIDENT, **zhang_san_fields(**changes))


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"id_number": "411325199001011239"}, "校验位"),  # 张三's number, its check digit 0 made 9
        ({"birth": "19900230"}, "出生日期"),
        ({"birth": "19910101"}, "不符"),
        ({"valid_to": "2040"}, "有效期"),
        ({"id_number": "12345"}, "号码"),
    ],
)
def test_invalid_cards_are_card_errors(changes, words):
    with pytest.raises(CardError, match=words):
        parse_card(resident_text(**changes))


def test_unknown_type_flag():
    text = bytearray(resident_text())
    text[248:250] = "Q".encode("utf-16-le")
    with pytest.raises(CardError, match="证件类型"):
        parse_card(bytes(text))


def test_layouts_are_256_bytes_and_flag_at_248():
    for layout, flag in ((HMT_PERMIT, "J"), (FOREIGN_2017, "I")):
        text = card_text(layout)
        assert len(text) == 256 and text[248:250].decode("utf-16-le") == flag


def test_future_birth_is_rejected():
    with pytest.raises(CardError):
        parse_card(resident_text(), today=date(1989, 1, 1))


# --- GB 11643 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["11010519491231002X", "440524188001010014", "810000199408230021", "931586198001010028"],
)
def test_check_digits_of_published_sample_numbers(number):
    assert id_check_digit(number[:17]) == number[17]
    assert id_number_problem(number) is None


def test_wrong_check_digit():
    assert id_number_problem("110101199003077778") == "号码校验位错误"


# --- masking -------------------------------------------------------------------------------


def test_masks():
    assert mask_id_number("411325199001011234") == "4113**********1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张") == "*"
    assert mask_id_number("12345") == "*****"
    assert mask_address("河南省南阳市内乡县城关镇县衙路1号") == "河南省南阳市****"


def test_card_repr_hides_name_number_and_address():
    c = parse_card(TEST_CARDS["zhang_san"].text)
    for text in (repr(c), str(c), f"{c}", f"{[c]}"):
        assert "张三" not in text
        assert c.id_number not in text
        assert "县衙路" not in text


def test_public_dict_masked_unless_asked():
    c = parse_card(TEST_CARDS["zhang_san"].text)
    masked = c.to_public_dict()
    assert set(masked) == RESIDENT_CARD_FIELDS
    assert masked["name"] == "张*" and masked["id_number"] == mask_id_number(c.id_number)
    assert c.id_number not in str(masked)
    clear = c.to_public_dict(unmasked=True)
    assert clear["name"] == "张三" and clear["id_number"] == c.id_number
