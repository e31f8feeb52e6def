"""The self-service screens' sentences (selfservice/texts.yaml) and the loader that checks them."""

from __future__ import annotations

import pytest

from selfservice.texts import TEXTS, load_texts, text


def test_every_sentence_is_given_in_both_languages():
    assert TEXTS
    for key, (zh, en) in TEXTS.items():
        assert zh.strip() and en.strip(), key


def test_text_fills_the_fields_and_falls_back_to_chinese():
    assert text("preview_detail", page=1, pages=3) == "第 1 页，共 3 页"
    assert text("preview_detail", "en", page=1, pages=3) == "Page 1 of 3"
    assert text("printer_not_ready", "ug", reason="缺纸") == "缺纸"


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("- a list\n", "not a mapping"),
        ("print:\n  zh: 打印\n", "print: needs zh and en, nothing else"),
        ("print:\n  zh: 打印\n  en: Print\n  fr: Imprimer\n", "print: needs zh and en, nothing else"),
        ("yes_no:\n  zh: 是\n  en: yes\n", "yes_no: en is not words"),
        ("pages:\n  zh: 共{pages}页\n  en: '{page} pages'\n", r"pages: en names \['page'\], which zh does not"),
    ],
)
def test_a_broken_table_is_refused_naming_the_entry(tmp_path, yaml_text, message):
    path = tmp_path / "texts.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_texts(path)
