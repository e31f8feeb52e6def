"""PDF from the report's HTML: WeasyPrint lays out the very HTML the browser shows (A4 landscape from
its CSS `@page`), so there is one layout to keep. Fonts are embedded as CID TrueType subsets (no Type 3);
Chinese needs WenQuanYi Micro Hei (`fonts-wqy-microhei`), which the CSS names first."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("queue_broker.reports")


def html_to_pdf(html: str, base: Path, out: Path) -> Path:
    """Write `html` as a PDF at `out`; relative links (the charts) are read from the folder `base`."""
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its CSS warnings are about browser-only rules
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    weasyprint.HTML(string=html, base_url=str(base) + "/").write_pdf(out)
    return out
