"""A record or certificate as a department returns it: what the screen pages through and the PDF lays out.

It carries the holder only masked (张*, 4113**********1234): the department's answer is checked
against the citizen asked for, and the clear values stay with the session's `Holder`. The model is
also the JSON a department's HTTP service answers with (docs/selfservice.md), parsed strictly with
unknown fields ignored, as the MQTT protocol is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from queue_broker.config.selfservice import DocumentKind

Text = Annotated[str, StringConstraints(max_length=200)]
Cell = Annotated[str, StringConstraints(max_length=120)]
# 16 characters without 0/O/1/I (read aloud and typed back on a department's site), printed in groups of 4
VERIFICATION_RE = r"^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$"


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class Entry(_Part):
    label: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    value: Text


class Table(_Part):
    title: Text = ""
    columns: list[Annotated[str, StringConstraints(min_length=1, max_length=30)]] = Field(min_length=1, max_length=8)
    rows: list[list[Cell]] = Field(default_factory=list, max_length=600)

    @model_validator(mode="after")
    def _rows_fit(self) -> Table:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"row {i + 1} has {len(row)} cells for {len(self.columns)} columns")
        return self


class Seal(_Part):
    """The seal printed on the record: the issuing body and the seal's purpose (业务专用章)."""

    organisation: Annotated[str, StringConstraints(min_length=2, max_length=40)]
    purpose: Annotated[str, StringConstraints(min_length=2, max_length=20)]


class Document(_Part):
    kind: DocumentKind
    title: Annotated[str, StringConstraints(min_length=2, max_length=60)]
    issuer: Annotated[str, StringConstraints(min_length=2, max_length=60)]
    holder_name_masked: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    holder_id_masked: Annotated[str, StringConstraints(min_length=6, max_length=18)]
    period: Text = ""  # 2025年12月至2026年11月; empty when the record has no period
    entries: list[Entry] = Field(default_factory=list, max_length=40)
    tables: list[Table] = Field(default_factory=list, max_length=6)
    totals: list[Entry] = Field(default_factory=list, max_length=12)
    notes: list[Annotated[str, StringConstraints(max_length=400)]] = Field(default_factory=list, max_length=12)
    seal: Seal
    reference: Annotated[str, StringConstraints(min_length=4, max_length=40)]  # 证明编号
    verification_code: Annotated[str, StringConstraints(pattern=VERIFICATION_RE)]
    verify_hint: Text = ""  # where the code can be checked
    issued_at: AwareDatetime
    simulated: bool = False  # from the department simulator: the PDF says so on every page

    def __repr__(self) -> str:  # the record is personal: a stray log line shows what it is, not what it says
        return f"Document(kind={self.kind!r}, rows={sum(len(t.rows) for t in self.tables)}, <contents redacted>)"

    __str__ = __repr__

    def lines(self) -> list[str]:
        """The record as plain lines, top to bottom, as the preview screen shows them."""
        out = [
            self.title,
            f"出具单位：{self.issuer}",
            f"姓名：{self.holder_name_masked}",
            f"证件号码：{self.holder_id_masked}",
        ]
        if self.period:
            out.append(f"期间：{self.period}")
        out += [f"{e.label}：{e.value}" for e in self.entries]
        for table in self.tables:
            if table.title:
                out.append(f"【{table.title}】")
            out.append("  ".join(table.columns))
            out += ["  ".join(row) for row in table.rows]
        out += [f"{e.label}：{e.value}" for e in self.totals]
        out += list(self.notes)
        out.append(f"证明编号：{self.reference}")
        out.append(f"验证码：{self.verification_code}")
        return out

    def pages(self, lines_per_page: int) -> list[list[str]]:
        """`lines()` in pages of at most `lines_per_page` (at least one page, never an empty one)."""
        if lines_per_page < 1:
            raise ValueError("lines_per_page must be at least 1")
        lines = self.lines()
        return [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)] or [[]]


def issued_on(at: datetime) -> str:
    return f"{at.year}年{at.month}月{at.day}日"
