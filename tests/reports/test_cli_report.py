"""`python -m queue_broker report` over the simulated week's database: every format, and its refusals."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from queue_broker.__main__ import main


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
    assert (tmp_path / "r.csv").read_text(encoding="utf-8") == out


def test_html_with_its_charts_and_markdown(week, tmp_path):
    assert _report(week, "--format", "html", "--out", str(tmp_path / "week.html")) == 0
    html = (tmp_path / "week.html").read_text(encoding="utf-8")
    parser = _Images()
    parser.feed(html)
    assert len(parser.srcs) == 4 and all((tmp_path / src).stat().st_size > 10_000 for src in parser.srcs)
    assert "政务服务监督报告" in html and "@page { size: A4 landscape" in html and "<script" not in html
    assert _report(week, "--format", "md", "--out", str(tmp_path / "week.md")) == 0
    assert "](charts/waiting_by_hour.png)" in (tmp_path / "week.md").read_text(encoding="utf-8")


def test_pdf_is_printable_chinese(week, tmp_path):
    pdf = tmp_path / "week.pdf"
    assert _report(week, "--format", "pdf", "--out", str(pdf)) == 0
    data = pdf.read_bytes()
    assert (
        data[:5] == b"%PDF-"
        and b"WenQuanYiMicroHei" in data
        and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 10
    )
    if shutil.which("pdftotext"):  # poppler-utils, when installed: the text is real text, in Chinese
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "政务服务监督报告" in text and "差评整改" in text and "按队列" in text


def test_an_inverted_period_is_refused(week, capsys):
    assert main(["report", "--config", str(week.site_file), "--from", "2026-11-20", "--to", "2026-11-16"]) == 2
    assert "before" in capsys.readouterr().err


def test_a_malformed_date_is_refused(week, capsys):
    with pytest.raises(SystemExit) as err:
        main(["report", "--config", str(week.site_file), "--from", "16/11/2026", "--to", "2026-11-20"])
    assert err.value.code == 2 and "not a date" in capsys.readouterr().err
