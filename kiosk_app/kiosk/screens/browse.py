"""Browse the catalog by department or by life event (一件事一次办 first), a page at a time."""

from __future__ import annotations

from .base import KioskScreen, load_kv

load_kv(__file__)


class BrowseScreen(KioskScreen):
    def on_kv_post(self, _base_widget) -> None:
        for prop in ("browse_mode", "browse_group", "catalog", "language", "elderly"):
            self.state.bind(**{prop: self.refresh})
        self.refresh(force=True)

    def title(self) -> str:
        s = self.state
        head = self.tr("by_department" if s.browse_mode == "department" else "by_life_event")
        return f"{head} · {s.browse_group}" if s.browse_group else head

    def update(self) -> None:
        s = self.state
        cat = s.catalog
        pager = self.ids.pager
        pager.per_page = 6 if s.elderly else 9
        if cat is None:
            pager.entries = []
            return
        if not s.browse_group:
            groups = cat.departments() if s.browse_mode == "department" else cat.life_events()
            pager.tid_prefix = "browse.group"
            pager.entries = [
                {"key": name, "text": f"{name}（{self.tr('items_n', n=len(ids))}）"} for name, ids in groups
            ]
        else:
            pager.tid_prefix = "browse.item"
            pager.entries = [
                {"key": i, "text": cat.items[i].title(s.language)} for i in cat.group(s.browse_mode, s.browse_group)
            ]
        self.ids.title.text = self.title()

    def select(self, key: str) -> None:
        if self.state.browse_group:
            self.ctl.open_item(key)
        else:
            self.ctl.open_group(key)


SCREEN = BrowseScreen
