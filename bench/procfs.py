"""What the benchmarks read from /proc (a process's CPU and memory, the machine's CPU model), their
percentile (nearest rank), and the results section they write into a doc page.

Imported by the bench scripts, which run as `python bench/NAME.py` (their folder is on sys.path)."""

from __future__ import annotations

import os
import re
from pathlib import Path


class ProcStat:
    """CPU seconds and memory of one process, from /proc."""

    def __init__(self, pid: int):
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.tick

    def mem_mb(self, key: str = "VmRSS") -> float:
        """A size line of /proc/PID/status (VmRSS, VmHWM, RssAnon...) in MB; 0 when absent."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        return 0.0


def pct(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank; nan for no values."""
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] if s else float("nan")


def cpu_model() -> str | None:
    """The CPU's model name from /proc/cpuinfo; None where it names none (or cannot be read)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), None)


RESULTS = re.compile(r"<!-- results:begin -->.*<!-- results:end -->", flags=re.S)


def write_results(doc: Path, body: str) -> None:
    """Put body between the doc page's `<!-- results:begin -->` and `<!-- results:end -->` marks (a page
    that does not exist yet is written with only them)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "<!-- results:begin -->\n<!-- results:end -->\n"
    new = RESULTS.sub(lambda _: f"<!-- results:begin -->\n{body}\n<!-- results:end -->", text)
    doc.write_text(new, encoding="utf-8")
