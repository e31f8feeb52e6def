"""Materials on file without a broker: the checks a page passes (sharpness, page edges, blank, ID card,
size and format, each refusal a plain sentence) and the encrypted vault."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from queue_broker.config.access import Materials
from queue_broker.materials.checks import (
    MaterialRefused,
    check_page,
    check_upload,
    image_size,
    looks_like_id_card,
    measure,
)
from queue_broker.materials.vault import Vault, VaultError
from queue_broker.service.keys import load_materials_key

from . import pages

RULES = Materials()


def refused(data: bytes, source: str = "scan", rules: Materials = RULES) -> MaterialRefused:
    with pytest.raises(MaterialRefused) as err:
        check_upload(data, rules, source)
    assert "\n" not in err.value.message
    return err.value


def test_a_sharp_typed_page_is_kept_and_its_figures_measured():
    image, check = check_upload(pages.png(pages.text_page()), RULES, "scan")
    assert image.shape[:2] == (1754, 1240)
    assert check.ink > 0.03 and check.sharpness > 10 * RULES.min_sharpness
    assert check_upload(pages.jpeg(pages.text_page(), 70), RULES, "camera")[1].sharpness > RULES.min_sharpness


def test_blank_blurred_and_shaken_pages_are_refused_plainly():
    assert refused(pages.png(pages.blank_page())).code == "blank"
    err = refused(pages.png(pages.blurred(pages.text_page(), 4)))
    assert err.code == "blurred" and "模糊" in err.message
    assert refused(pages.png(pages.shaken(pages.text_page(), 25))).code == "blurred"  # the Laplacian alone passes it
    # figures, for docs/materials.md: sharp print is far above the line, blurred far below
    sharp = measure(pages.text_page()).sharpness
    soft = measure(pages.blurred(pages.text_page(), 4)).sharpness
    assert sharp > 15 * RULES.min_sharpness > 15 * soft


def test_an_id_card_is_never_kept_by_its_proportions_or_its_photo_on_a_page():
    card = refused(pages.png(pages.id_card_front(1200)))
    assert card.code == "id_card" and "身份证" in card.message
    assert looks_like_id_card(pages.id_card_front(1200)) == "card"
    assert looks_like_id_card(pages.card_on_page()) == "card_on_page"
    assert refused(pages.png(pages.card_on_page())).code == "id_card"
    assert looks_like_id_card(pages.text_page()) is None
    # the back of a card (no face) in a photo is refused by its proportions alone
    back = np.full((757, 1200, 3), 220, np.uint8)
    back[100:300, 100:300] = (40, 40, 200)
    assert refused(pages.png(back)).code == "id_card"


def test_a_raw_photo_needs_the_whole_page_in_view_and_is_straightened():
    image, _check = check_upload(pages.jpeg(pages.photo_of(pages.text_page())), RULES, "photo")
    h, w = image.shape[:2]
    assert 1.3 < h / w < 1.5  # A4, upright, whatever the tilt of the camera
    cut = refused(pages.jpeg(pages.photo_of(pages.text_page(), distance=2300)), "photo")
    assert cut.code == "page_cut" and "取景框" in cut.message
    nothing = refused(pages.jpeg(np.full((1944, 2592, 3), 70, np.uint8)), "photo")
    assert nothing.code == "no_page"


def test_size_format_and_pixels_are_refused_before_decoding():
    assert image_size(pages.png(pages.text_page())) == ("png", 1240, 1754)
    assert image_size(pages.jpeg(pages.text_page())) == ("jpeg", 1240, 1754)
    assert refused(b"GIF89a" + b"\0" * 100).code == "not_an_image"
    assert refused(pages.png(pages.text_page())[:40]).code == "not_an_image"
    # a header claiming 20 000 x 20 000 pixels is refused without unpacking anything
    bomb = bytearray(pages.png(pages.text_page()))
    bomb[16:24] = (20000).to_bytes(4, "big") * 2
    assert refused(bytes(bomb)).code == "too_large"
    small = Materials(min_side_px=2000)
    assert refused(pages.png(pages.text_page()), rules=small).code == "too_small"
    with pytest.raises(MaterialRefused):
        check_page(pages.blank_page(), RULES)


def test_the_vault_keeps_only_ciphertext_bound_to_its_id(tmp_path):
    key = load_materials_key(str(tmp_path), env={})
    assert stat.S_IMODE(os.stat(tmp_path / "materials.key").st_mode) == 0o600 and len(key) == 32
    assert load_materials_key(str(tmp_path), env={}) == key  # made once
    vault = Vault(tmp_path / "materials", key, "mini")
    data = pages.png(pages.text_page())
    path = vault.put("abcdefgh1234", data)
    raw = path.read_bytes()
    assert (
        raw.startswith(b"HMAT1") and b"\x89PNG\r\n\x1a\n" not in raw and data[100:132] not in raw
    )  # the 8-byte signature
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert vault.get("abcdefgh1234") == data
    path.rename(vault.path("abcdefgh9999"))  # moved to another id: does not decrypt
    with pytest.raises(VaultError):
        vault.get("abcdefgh9999")
    other = Vault(tmp_path / "materials", os.urandom(32), "mini")
    vault.put("abcdefgh1234", data)
    with pytest.raises(VaultError):
        other.get("abcdefgh1234")
    assert vault.erase("abcdefgh1234") and not vault.path("abcdefgh1234").exists()
    with pytest.raises(VaultError):
        vault.get("../../etc/passwd")
