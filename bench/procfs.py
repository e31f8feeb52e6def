"""What the benchmarks read of a process from /proc, and their percentile (nearest rank).

Imported by the bench scripts, which run as `python bench/NAME.py` (their folder is on sys.path)."""

from __future__ import annotations

import os
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
