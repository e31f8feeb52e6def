"""Search by pinyin initials (bdc → 不动产) on a large letter keyboard, or by a tapped Chinese word.

No text field and no system keyboard: the letters are buttons, so a tap is all it takes."""

from __future__ import annotations

from kivy.factory import Factory

from .base import KioskScreen, load_kv

load_kv(__file__)

LETTERS = "abcdefghijklmnopqrstuvwxyz"


class SearchScreen(KioskScreen):
    def on_kv_post(self, _base_widget) -> None:
        keys = self.ids.keypad
        for letter in LETTERS:
            b = Factory.KButton(text=letter.upper(), tid=f"key.{letter}", role="plain", font_role="title")
            b.bind(on_release=lambda _b, ch=letter: self.ctl.search_type(ch))
            self._size_key(b)
            keys.add_widget(b)
        for tid, key, action in (
            ("key.delete", "delete", lambda _b: self.ctl.search_delete()),
            ("key.clear", "clear", lambda _b: self.ctl.set_search("")),
        ):
            b = Factory.KButton(tid=tid, role="primary")
            b.bind(on_release=action)
            b.text_key = key
            self._size_key(b)
            keys.add_widget(b)
        for prop in ("search_results", "catalog", "language", "elderly"):
            self.state.bind(**{prop: self.refresh})
        # a bound method, which Kivy holds weakly: the app's theme outlives this screen (it is dropped
        # when the kiosk is idle), and a lambda holding a key would keep the whole screen alive
        self.app.theme.bind(key=self._resize_keys)
        self.refresh(force=True)

    def _size_key(self, button) -> None:
        button.fixed_height = self.app.theme.key

    def _resize_keys(self, _theme, height: float) -> None:
        for button in self.ids.keypad.children:
            button.fixed_height = height

    def update(self) -> None:
        s = self.state
        cat = s.catalog
        pager = self.ids.results
        pager.per_page = 3 if s.elderly else 5
        pager.entries = [
            {"key": i, "text": cat.items[i].title(s.language)} for i in s.search_results if cat and i in cat.items
        ]
        for b in self.ids.keypad.children:
            if getattr(b, "text_key", None):
                b.text = self.tr(b.text_key)
        words = self.ids.words
        words.clear_widgets()
        for w in cat.search_words(8) if cat else []:
            b = Factory.KButton(text=w, tid=f"search.word.{w}", role="plain", font_role="small")
            b.bind(on_release=lambda _b, word=w: self.ctl.set_search(word))
            words.add_widget(b)


SCREEN = SearchScreen
