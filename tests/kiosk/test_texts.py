"""The kiosk's sentences in kiosk_app/kiosk/texts.yaml: loaded whole, and a broken file refused with its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.kiosk.i18n import TEXT, load_texts, t


def test_every_sentence_has_chinese_and_the_english_names_no_other_field() -> None:
    texts = load_texts()
    assert len(texts) > 100
    assert all(zh.strip() for zh, _en in texts.values())
    assert texts["app_title"][0] != texts["app_title"][1]


def test_t_fills_the_fields_and_says_chinese_where_there_is_no_english() -> None:
    assert t("board_line", "en", name="综合", n=3, wait="5 min") == "综合: 3 waiting, 5 min"
    assert t("board_line", name="综合", n=3, wait="约 5 分钟") == "综合：等候 3 人，约 5 分钟"
    assert TEXT["say_home"][1] == "" and t("say_home", "en") == TEXT["say_home"][0]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("a:\n  zh: 一\nb:\n  zh: 二\na:\n  zh: 三\n", "'a' twice (line 5)"),
        ("a:\n  zh: 是\n  en: No\n", "a: en is not words (quote it)"),
        ("a:\n  zh: 还有{n}人\n  en: '{m} waiting'\n", "a: en names ['m'], which zh does not"),
        ("a:\n  zh: 一\n  fr: un\n", "a: needs zh (and optionally en), nothing else"),
        ("- zh: 一\n", "not a mapping of keys to sentences"),
    ],
)
def test_a_broken_texts_file_is_refused_naming_the_key(tmp_path: Path, body: str, reason: str) -> None:
    path = tmp_path / "texts.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_texts(path)
    assert str(caught.value) == f"texts.yaml: {reason}"
