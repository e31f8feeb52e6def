"""Home: the hall's most frequent items as large buttons, browse, search, ID card, appointment,
where is my ticket, help. Every path to a ticket starts here; a walk-in ticket is two taps away."""

from __future__ import annotations

from kivy.factory import Factory

from ..i18n import wait_text
from .base import KioskScreen, load_kv

load_kv(__file__)


def tile_text(screen: KioskScreen, item, small_px: float) -> str:
    """Item name, and under it the people waiting now (honest: 'no counter open' when none is)."""
    q = screen.state.queues.get(item.queue_id)
    ctl = screen.ctl
    if ctl is not None and ctl.selfservice.offers(item.id):
        sub = screen.tr("ss_tile")  # printed here at any hour: no queue to count
    elif not q:
        sub = ""
    elif q.get("wait_status") == "closed":
        sub = screen.tr("closed_take")  # the broker issues no tickets now: no count of people to show
    elif not q.get("counter_ids") and screen.state.hall_open:
        sub = screen.tr("no_counter_open")
    else:
        sub = screen.tr("waiting_n", n=q["waiting"])
    name = item.title(screen.state.language).replace("[", "［").replace("]", "］")
    return f"[b]{name}[/b]\n[size={int(small_px)}]{sub}[/size]" if sub else f"[b]{name}[/b]"


def fill_tiles(screen: KioskScreen, grid, tid_prefix: str, count: int, flexible: bool = False) -> None:
    """The large item buttons. `flexible`: they share the grid's height (as many rows as fit, none
    below 80 % of a tile's height), so a smaller panel shows fewer tiles instead of pushing the
    rest of the screen off the glass."""
    cat = screen.state.catalog
    if cat is None:
        grid.clear_widgets()
        return
    theme = screen.app.theme
    height = theme.tile
    if flexible:
        gap = grid.spacing[1]
        rows = max(1, int((grid.height + gap) // (theme.tile * 0.8 + gap)))
        count = min(count, rows * grid.cols, len(screen.state.frequent))
        used_rows = max(1, -(-count // grid.cols))
        height = min(theme.tile * 1.5, (grid.height - gap * (used_rows - 1)) / used_rows)
    wanted = []
    for item_id in list(screen.state.frequent)[:count]:
        item = cat.get(item_id)
        if item is not None:
            wanted.append(
                (
                    f"{tid_prefix}.{item.id}",
                    {"text": tile_text(screen, item, theme.font_small), "fixed_height": max(1, height)},
                )
            )

    def tile(tid: str, **props):
        button = Factory.KButton(markup=True, role="plain", tid=tid, **props)
        sid = tid[len(tid_prefix) + 1 :]
        button.bind(on_release=lambda _b: screen.ctl.open_item(sid))
        return button

    sync_children(grid, wanted, tile)


def sync_children(grid, wanted: list[tuple[str, dict]], make) -> None:
    """Make `grid`'s children the widgets `wanted` ((tid, properties), in order). When the same tids
    are there already, only changed properties are set: a refresh (every queue update) re-renders
    only the texts that changed, instead of dropping and drawing every widget again (memory churn)."""
    children = grid.children[::-1]  # Kivy lists the last added first
    if [getattr(w, "tid", None) for w in children] != [tid for tid, _ in wanted]:
        grid.clear_widgets()
        for tid, props in wanted:
            grid.add_widget(make(tid, **props))
        return
    for widget, (_tid, props) in zip(children, wanted, strict=True):
        for key, value in props.items():
            if getattr(widget, key) != value:
                setattr(widget, key, value)


class HomeScreen(KioskScreen):
    def on_kv_post(self, _base_widget) -> None:
        s = self.state
        for prop in ("frequent", "queues", "language", "elderly", "catalog", "hall_open"):
            s.bind(**{prop: self.refresh})
        self.app.theme.bind(tile=self.refresh)
        self.ids.tiles.bind(height=self._tiles_resized)
        self.refresh(force=True)

    def _tiles_resized(self, grid, height) -> None:
        if int(height) != getattr(self, "_tiles_height", None):
            self._tiles_height = int(height)
            self.refresh()

    def tiles_shown(self) -> int:
        return 4 if self.state.elderly else 8

    def update(self) -> None:
        fill_tiles(self, self.ids.tiles, "home.item", self.tiles_shown(), flexible=True)
        self.fill_board()

    def fill_board(self) -> None:
        """Every queue's people waiting and wait now: the honest picture before choosing."""
        board = self.ids.board
        s = self.state
        cat = s.catalog
        if cat is None:
            board.clear_widgets()
            return
        lang = s.language
        rows = []
        for queue_id, name in cat.queue_names.items():
            q = s.queues.get(queue_id)
            if q and (q["waiting"] or q.get("counter_ids")):
                rows.append((q["waiting"], queue_id, name, q))
        rows.sort(key=lambda r: -r[0])  # the busiest first; as many as the screen has room for
        wanted = []
        for _waiting, queue_id, name, q in rows[: 4 if s.elderly else 8]:
            if q.get("wait_status") in ("closed", "full"):  # the broker's reason, in its words
                text = self.tr("board_status", name=name, words=self.ctl.broker_words(q))
            elif not q.get("counter_ids") and s.hall_open:
                text = self.tr("board_closed", name=name, n=q["waiting"])
            else:
                low, high = q.get("estimated_wait_range_s") or (q["estimated_wait_s"],) * 2
                text = self.tr("board_line", name=name, n=q["waiting"], wait=wait_text(low, high, lang))
            wanted.append((f"home.board.{queue_id}", {"text": text}))
        sync_children(board, wanted, lambda tid, **props: Factory.KLabel(font_role="small", tid=tid, **props))


SCREEN = HomeScreen
