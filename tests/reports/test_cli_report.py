"""`python -m queue_broker report` over the simulated week's database: every format, and its refusals."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from queue_broker.__main__ import main
from queue_broker.reports.render import SECTIONS

from .conftest import pdf_fonts, pdf_text


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.srcs.append(dict(attrs)["src"])


def _report(week, *extra) -> int:
    return main(["report", "--config", str(week.site_file), "--from", "2026-11-16", "--to", "2026-11-20", *extra])


def test_csv_to_stdout_and_files(week, tmp_path, capsys):
    assert _report(week, "--format", "csv") == 0
    out = capsys.readouterr().out
    assert out.startswith("group,key,name,tickets,served") and "\nqueue,BDC,不动产登记," in out
    assert _report(week, "--format", "csv", "--out", str(tmp_path / "r.csv")) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"r.csv", "r-cases.csv", "r-alerts.csv"}
    # files for Excel and WPS start with the UTF-8 byte-order mark; stdout (for pipes) does not
    assert not out.startswith("\ufeff")
    for name in ("r.csv", "r-cases.csv", "r-alerts.csv"):
        assert (tmp_path / name).read_bytes().startswith(codecs.BOM_UTF8), name
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig") == out


def test_html_with_its_charts_and_markdown(week, tmp_path):
    assert _report(week, "--format", "html", "--out", str(tmp_path / "week.html")) == 0
    html = (tmp_path / "week.html").read_text(encoding="utf-8")
    parser = _Images()
    parser.feed(html)
    assert len(parser.srcs) == 4 and all((tmp_path / src).stat().st_size > 10_000 for src in parser.srcs)
    assert "政务服务监督报告" in html and "@page { size: A4 landscape" in html and "<script" not in html
    assert _report(week, "--format", "md", "--out", str(tmp_path / "week.md")) == 0
    assert "](charts/waiting_by_hour.png)" in (tmp_path / "week.md").read_text(encoding="utf-8")


def test_pdf_is_the_html_laid_out_with_embedded_fonts(week, tmp_path):
    pdf = tmp_path / "week.pdf"
    assert _report(week, "--format", "pdf", "--out", str(pdf)) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    fonts = pdf_fonts(pdf)
    assert fonts and not [f for f in fonts if f[1] == "Type 3"], fonts  # CID TrueType subsets, no Type 3
    assert any("WenQuanYi" in name for name, _ in fonts), fonts
    text = pdf_text(pdf)
    assert "政务服务监督报告" in text and "差评整改" in text
    # the same HTML: every section the HTML report has for this period is in the PDF, with its heading
    assert _report(week, "--format", "html", "--out", str(tmp_path / "w.html")) == 0
    html = (tmp_path / "w.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    # five working days: every section shown whatever the data, and the day table
    always = [sec.title for sec in SECTIONS if sec.when is None or sec.id == "days"]
    assert all(any(title in h for h in headings) for title in always), headings
    lines = {line.strip() for line in text.splitlines()}  # pdftotext may put a heading's two parts apart
    assert all(part in lines for h in headings for part in h.split()), headings


def test_a_day_fits_on_three_pages_and_the_detail_is_in_appendices(week, tmp_path):
    """The old PDF ran a day to 18 pages of tables; now the main part is three A4 landscape pages (charts
    on the first), and the long tables (operators, items, every open case and alert) come after it."""
    pdf = tmp_path / "day.pdf"
    day = ["--from", "2026-11-18", "--to", "2026-11-18"]
    assert main(["report", "--config", str(week.site_file), *day, "--format", "pdf", "--out", str(pdf)]) == 0
    main_part = pdf_text(pdf, 1, 3)
    assert not [line for line in main_part.splitlines() if line.startswith("附录")]
    for heading in ("图表", "按队列", "按窗口", "闭环办理", "电子监察预警"):
        assert heading in main_part, heading
    assert "每日情况" not in pdf_text(pdf)  # one day: no day-by-day table
    assert "附录一" in pdf_text(pdf, 4, 4)
    rest = pdf_text(pdf, 4)
    assert all(h in rest for h in ("按工作人员", "按事项", "未结与逾期案件", "红色预警与未确认预警", "指标说明"))
