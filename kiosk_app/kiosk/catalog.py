"""The service catalog the broker publishes (state/catalog), arranged for the kiosk's screens.

Pure: built from a `CatalogState` message, no I/O. Items are the service items and the bundles
(一件事一次办, seed art. 20); both can be browsed, searched and ticketed (a bundle id is a valid
`service_id` of cmd/ticket/issue). A bundle's guide is put together from its items' guides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from queue_broker.protocol.messages import CatalogService, CatalogState, Guide, Material

from .search import SearchIndex

BUNDLE_GROUP = "一件事一次办"


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    queue_id: str
    department: str
    guide: Guide | None
    materials: tuple[Material, ...]
    self_service: bool = False
    category: str = ""
    life_events: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    appointment: bool = False
    bundle_of: tuple[str, ...] = ()  # for a bundle: the names of its items
    description: str = ""
    name_en: str = ""

    def title(self, language: str) -> str:
        """The name to show: English in English mode where the catalog has it, else the Chinese."""
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def is_bundle(self) -> bool:
        return bool(self.bundle_of)


@dataclass
class CatalogView:
    version: str
    site_name: str
    items: dict[str, Item]
    queue_names: dict[str, str]
    queue_prefixes: dict[str, str]
    self_service_ids: frozenset[str] = frozenset()
    _index: SearchIndex | None = field(default=None, repr=False)

    @classmethod
    def from_state(cls, state: CatalogState, self_service_ids: Iterable[str] = ()) -> CatalogView:
        items: dict[str, Item] = {}
        by_id: dict[str, CatalogService] = {s.id: s for s in state.services}
        for s in state.services:
            items[s.id] = Item(
                id=s.id,
                name=s.name,
                queue_id=s.queue_id,
                department=s.department,
                guide=s.guide,
                materials=tuple(s.materials),
                self_service=s.self_service,
                category=s.category or "",
                life_events=tuple(s.life_events),
                keywords=tuple(s.keywords),
                appointment=s.appointment,
                name_en=s.name_en or "",
            )
        for b in state.bundles:
            parts = [by_id[sid] for sid in b.service_ids if sid in by_id]
            items[b.id] = Item(
                id=b.id,
                name=b.name,
                queue_id=b.queue_id,
                department="、".join(dict.fromkeys(p.department for p in parts)),
                guide=_bundle_guide(b.description, parts),
                materials=_bundle_materials(parts),
                category=BUNDLE_GROUP,
                life_events=(BUNDLE_GROUP,),
                keywords=tuple(k for p in parts for k in (p.name, *p.keywords)),
                bundle_of=tuple(p.name for p in parts),
                description=b.description,
            )
        return cls(
            version=state.version,
            site_name=state.site_name or "",
            items=items,
            queue_names={q.id: q.name for q in state.queues},
            queue_prefixes={q.id: q.prefix for q in state.queues},
            self_service_ids=frozenset(self_service_ids),
        )

    # --- lookups --------------------------------------------------------------------------------
    def get(self, item_id: str) -> Item | None:
        return self.items.get(item_id)

    def is_self_service(self, item: Item) -> bool:
        """Can be done now, without a counter (24-hour self-service area, seed art. 26)."""
        return item.self_service or item.id in self.self_service_ids

    def self_service_items(self) -> list[Item]:
        return [i for i in self.items.values() if self.is_self_service(i)]

    def departments(self) -> list[tuple[str, list[str]]]:
        groups: dict[str, list[str]] = {}
        for item in self.items.values():
            if not item.is_bundle:
                groups.setdefault(item.department, []).append(item.id)
        return list(groups.items())

    def life_events(self) -> list[tuple[str, list[str]]]:
        """Life events (出生, 购房, 退休 ...), with the bundles first: one ticket for the whole thing."""
        groups: dict[str, list[str]] = {}
        bundles = [i.id for i in self.items.values() if i.is_bundle]
        if bundles:
            groups[BUNDLE_GROUP] = bundles
        for item in self.items.values():
            if item.is_bundle:
                continue
            for event in item.life_events:
                groups.setdefault(event, []).append(item.id)
        return list(groups.items())

    def group(self, mode: str, name: str) -> list[str]:
        groups = self.departments() if mode == "department" else self.life_events()
        return next((ids for n, ids in groups if n == name), [])

    def frequent(self, preferred: Iterable[str], count: int) -> list[str]:
        """The home screen's large buttons: the configured most frequent items, then the first item of
        each queue (one per queue, so every kind of business has a door), then catalog order."""
        out = [i for i in preferred if i in self.items]
        seen_queues = {self.items[i].queue_id for i in out}
        for item in self.items.values():
            if len(out) >= count:
                break
            if item.id not in out and item.queue_id not in seen_queues and not item.is_bundle:
                out.append(item.id)
                seen_queues.add(item.queue_id)
        for item in self.items.values():
            if len(out) >= count:
                break
            if item.id not in out:
                out.append(item.id)
        return out[:count]

    def search_words(self, count: int = 8) -> list[str]:
        """Chinese words to tap on the search screen (the categories, most items first)."""
        tally: dict[str, int] = {}
        for item in self.items.values():
            if item.category and not item.is_bundle:
                tally[item.category] = tally.get(item.category, 0) + 1
        return [w for w, _ in sorted(tally.items(), key=lambda kv: -kv[1])][:count]

    def search_index(self) -> SearchIndex:
        """Built once per catalog version; the kiosk builds it while idle, before anyone searches."""
        if self._index is None:
            self._index = SearchIndex(
                (i.id, i.name, (*i.keywords, i.category, *i.life_events), (i.department,)) for i in self.items.values()
            )
        return self._index

    def search(self, query: str, limit: int = 40) -> list[str]:
        return self.search_index().search(query, limit)


def _bundle_guide(description: str, parts: list[CatalogService]) -> Guide | None:
    if not parts:
        return None
    fees = list(dict.fromkeys(p.guide.fee for p in parts))
    return Guide(
        implementing_body="、".join(dict.fromkeys(p.guide.implementing_body for p in parts)),
        legal_basis=[b for p in parts for b in p.guide.legal_basis],
        conditions=([description] if description else []) + [f"一次取号、一窗受理：{p.name}" for p in parts],
        fee="；".join(fees),
        process=[
            "取一个号",
            "在一个窗口提交一套材料",
            *[
                f"{p.name}：{'即办' if p.guide.time_limit_days == 0 else str(p.guide.time_limit_days) + '个工作日'}"
                for p in parts
            ],
        ],
        time_limit_days=max(p.guide.time_limit_days for p in parts),
        result="；".join(p.guide.result for p in parts),
        contact=parts[0].guide.contact,
    )


def _bundle_materials(parts: list[CatalogService]) -> tuple[Material, ...]:
    seen: dict[str, Material] = {}
    for p in parts:
        for m in p.materials:
            if m.name not in seen:
                seen[m.name] = m
            else:  # the same paper for two items: the larger count, handed in once
                old = seen[m.name]
                seen[m.name] = old.model_copy(
                    update={"originals": max(old.originals, m.originals), "copies": max(old.copies, m.copies)}
                )
    return tuple(seen.values())
