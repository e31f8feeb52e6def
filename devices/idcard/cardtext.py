"""The 256-byte text block of a card (UCS-2 little-endian), its four layouts, and its validation.

The card-type flag is the character at byte 248: a space (or NUL) on a resident card, `J` on a
Hong Kong / Macau / Taiwan residence permit, `I` on the 2017 foreign permanent-resident card and `Y`
on the 2023 one. Field widths are in bytes (two per character). See the project's device doc for
the sources and for what could not be confirmed.
"""

from __future__ import annotations

import re
from datetime import date

from queue_broker.security.identity import FOREIGN15, ID18
from queue_broker.security.identity import check_digit as id_check_digit

from .card import CardData
from .errors import CardError

Layout = tuple[tuple[str, int], ...]

# fmt: off
RESIDENT: Layout = (
    ("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70), ("id_number", 36),
    ("authority", 30), ("valid_from", 16), ("valid_to", 16), ("reserved", 36),
)
HMT_PERMIT: Layout = (
    ("name", 30), ("sex", 2), ("reserved0", 4), ("birth", 16), ("address", 70), ("id_number", 36),
    ("authority", 30), ("valid_from", 16), ("valid_to", 16), ("pass_number", 18), ("issue_count", 4),
    ("reserved1", 6), ("type_flag", 2), ("reserved2", 6),
)
FOREIGN_2017: Layout = (
    ("english_name", 120), ("sex", 2), ("id_number", 30), ("nationality", 6), ("name", 30),
    ("valid_from", 16), ("valid_to", 16), ("birth", 16), ("card_version", 4), ("authority", 8),
    ("type_flag", 2), ("reserved", 6),
)
FOREIGN_2023: Layout = (
    ("name", 30), ("sex", 2), ("issue_count", 4), ("birth", 16), ("english_name", 70), ("id_number", 36),
    ("reserved0", 30), ("valid_from", 16), ("valid_to", 16), ("english_name_ext", 22), ("nationality", 6),
    ("type_flag", 2), ("previous_number_link", 6),
)
# fmt: on
TYPE_FLAG_AT = 248
LAYOUTS: dict[str, tuple[str, Layout]] = {
    " ": ("resident", RESIDENT),
    "\x00": ("resident", RESIDENT),
    "J": ("hmt_residence_permit", HMT_PERMIT),
    "I": ("foreign_permanent_2017", FOREIGN_2017),
    "Y": ("foreign_permanent_2023", FOREIGN_2023),
}
for _flag, (_, _layout) in LAYOUTS.items():
    assert sum(size for _, size in _layout) == 256, _layout

SEX = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
# GB 3304 codes of China's 56 ethnic groups, as the card stores them.
NATIONS = dict(
    enumerate(
        "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
        "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
        "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split(),
        start=1,
    )
) | {97: "其他", 98: "外国血统中国籍人士"}

FOREIGN_2017_NUMBER = FOREIGN15
PERMANENT = "长期"


# --- GB 11643 ---------------------------------------------------------------------------------
def parse_yyyymmdd(value: str) -> date | None:
    if not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def id_number_problem(id_number: str) -> str | None:
    """Why an 18-character number is not valid, or None if it is."""
    if not ID18.match(id_number):
        return "号码不是17位数字加1位校验码"
    if id_check_digit(id_number[:17]) != id_number[17]:
        return "号码校验位错误"
    if parse_yyyymmdd(id_number[6:14]) is None:
        return "号码中的出生日期不存在"
    return None


def make_id_number(area: str, birth: date, sequence: str) -> str:
    """An 18-character number with a correct check digit (for test cards and the simulator)."""
    first17 = f"{area}{birth:%Y%m%d}{sequence}"
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("area (6 digits), birth and sequence (3 digits) make 17 digits")
    return first17 + id_check_digit(first17)


# --- the text block ---------------------------------------------------------------------------
def split_fields(text: bytes, layout: Layout) -> dict[str, str]:
    fields, offset = {}, 0
    for name, size in layout:
        raw = text[offset : offset + size]
        offset += size
        try:
            fields[name] = raw.decode("utf-16-le").strip(" \x00")
        except UnicodeDecodeError:
            raise CardError(f"卡片文字信息无法解码（字段 {name}）") from None
    return fields


def raw_field(text: bytes, layout: Layout, wanted: str) -> str:
    """One field, decoded but not stripped (the 2023 English name continues across two fields)."""
    offset = 0
    for name, size in layout:
        if name == wanted:
            return text[offset : offset + size].decode("utf-16-le", errors="replace")
        offset += size
    return ""


def encode_fields(values: dict[str, str], layout: Layout) -> bytes:
    """The inverse of split_fields, padding with spaces as cards do (the simulator's side)."""
    out = bytearray()
    for name, size in layout:
        raw = values.get(name, "").encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"{name} is {len(raw)} bytes, the field holds {size}")
        out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return bytes(out)


def card_type_of(text: bytes) -> tuple[str, Layout]:
    if len(text) != 256:
        raise CardError(f"文字信息长度 {len(text)} 字节，应为 256")
    flag = text[TYPE_FLAG_AT : TYPE_FLAG_AT + 2].decode("utf-16-le", errors="replace")
    if flag not in LAYOUTS:
        raise CardError(f"无法识别的证件类型标识 {flag!r}")
    return LAYOUTS[flag]


def _date(fields: dict[str, str], name: str, label: str) -> date:
    value = parse_yyyymmdd(fields[name])
    if value is None:
        raise CardError(f"{label}不是有效日期：{fields[name]!r}")
    return value


def parse_card(text: bytes, photo: bytes = b"", fingerprint: bytes = b"", today: date | None = None) -> CardData:
    """Decode and validate a card's text block. Raises CardError for anything a real card cannot hold."""
    card_type, layout = card_type_of(text)
    f = split_fields(text, layout)
    today = today or date.today()
    birth = _date(f, "birth", "出生日期")
    if not date(1900, 1, 1) <= birth <= today:
        raise CardError(f"出生日期不合理：{birth.isoformat()}")
    valid_from = _date(f, "valid_from", "有效期起始日期")
    valid_to = None if f["valid_to"] == PERMANENT else _date(f, "valid_to", "有效期截止日期")
    number = f["id_number"].upper()

    if card_type == "foreign_permanent_2017":
        if not FOREIGN_2017_NUMBER.match(number):
            raise CardError("永久居留证号码格式错误（应为3位字母加12位数字）")
    else:
        if problem := id_number_problem(number):
            raise CardError(f"证件{problem}")
        if number[6:14] != f"{birth:%Y%m%d}":
            raise CardError("出生日期与证件号码不符")
        if card_type == "hmt_residence_permit" and number[:2] not in ("81", "82", "83"):
            raise CardError("港澳台居民居住证号码应以81、82或83开头")
        if card_type == "foreign_permanent_2023" and not number.startswith("9"):
            raise CardError("2023版永久居留身份证号码应以9开头")

    sex = SEX.get(f["sex"], "未知")
    english = f.get("english_name", "")
    if card_type == "foreign_permanent_2023":  # characters 36-46 of the name live in a second field
        english = (raw_field(text, layout, "english_name") + raw_field(text, layout, "english_name_ext")).strip(" \x00")
    nation = ""
    if card_type == "resident":
        code = f["nation"]
        nation = NATIONS.get(int(code), code) if code.isdigit() else code
    elif card_type.startswith("foreign"):
        nation = f["nationality"]
    return CardData(
        card_type=card_type,  # type: ignore[arg-type]
        name=f.get("name") or english,
        sex=sex,
        nation=nation,
        birth=birth,
        address=f.get("address", ""),
        id_number=number,
        authority=f.get("authority", ""),
        valid_from=valid_from,
        valid_to=valid_to,
        photo_wlt=bytes(photo),
        fingerprint=bytes(fingerprint),
        english_name=english.strip(),
        pass_number=f.get("pass_number", ""),
        issue_count=f.get("issue_count", ""),
        nationality=f.get("nationality", ""),
        card_version=f.get("card_version", ""),
        previous_number_link=f.get("previous_number_link", ""),
    )
