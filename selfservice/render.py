"""The record as an A4 PDF (WeasyPrint, "WenQuanYi Micro Hei" embedded): the hall's header, the record, the
citizen's masked name, the verification code and the print date on every page, the issuing body's seal,
and, for a simulated record, "模拟数据 · 非正式证明" across every page.

The PDF is made in memory and handed to the printer as bytes; it is never written to the kiosk's disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .document import Document, issued_on


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    pages: int

    def __repr__(self) -> str:
        return f"RenderedDocument({len(self.pdf)} bytes, {self.pages} pages)"


def css_string(value: object) -> Markup:
    """A value inside a CSS string in the <style> block, where HTML escapes do not apply."""
    out = []
    for ch in str(value):
        out.append(f"\\{ord(ch):x} " if ch in '"\\<>\n\r' else ch)
    return Markup("".join(out))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("selfservice", "templates"), autoescape=select_autoescape(["j2", "html"]))
    env.filters["css"] = css_string
    return env


def render_html(
    doc: Document, hall_name: str, printed_at: datetime, kiosk_name: str = "", timezone: str = "Asia/Shanghai"
) -> str:
    tz = ZoneInfo(timezone)
    local = printed_at.astimezone(tz)
    return (
        _environment()
        .get_template("document.html.j2")
        .render(
            doc=doc,
            hall_name=css_string(hall_name),
            kiosk_name=css_string(kiosk_name),
            printed_on=css_string(f"{issued_on(local)} {local:%H:%M}"),
            issued_on=issued_on(doc.issued_at.astimezone(tz)),
        )
    )


def render_pdf(
    doc: Document, hall_name: str, printed_at: datetime, kiosk_name: str = "", timezone: str = "Asia/Shanghai"
) -> RenderedDocument:
    import weasyprint  # imported here: 0.5 s, and only the kiosk's print path needs it

    html = render_html(doc, hall_name, printed_at, kiosk_name, timezone)
    rendered = weasyprint.HTML(string=html).render()
    return RenderedDocument(pdf=rendered.write_pdf(), pages=len(rendered.pages))


def prewarm() -> float:
    """Import WeasyPrint and load the fonts by rendering a sample (about 2 s here), so that the first
    citizen's print does not pay for it: the kiosk calls this once, idle, after start. Returns seconds."""
    import time
    from datetime import UTC

    from .document import Entry, Seal

    started = time.perf_counter()
    sample = Document(
        kind="social_insurance_record",
        title="预热样本",
        issuer="预热",
        holder_name_masked="张*",
        holder_id_masked="0000**********0000",
        entries=[Entry(label="样本", value="0123456789 ABC 中文")],
        seal=Seal(organisation="预热", purpose="样本"),
        reference="WARM0000",
        verification_code="AAAA-BBBB-CCCC-DDDD",
        issued_at=datetime.now(UTC),
        simulated=True,
    )
    render_pdf(sample, "预热", sample.issued_at)
    return time.perf_counter() - started
