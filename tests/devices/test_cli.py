"""`python -m devices`: the technicians' tools, run as processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devices.idcard.simulator import SamSimulator

from .conftest import RESIDENT_CARD_FIELDS

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neixiang" / "site.yaml"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "devices", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def sim():
    s = SamSimulator().start()
    yield s
    s.stop()


def test_idcard_read_prints_masked_json(sim):
    sim.place(next(iter(sim.cards)))
    out = run("idcard", "read", "--port", sim.port, "--timeout", "2")
    assert out.returncode == 0, out.stderr
    fields = json.loads(out.stdout)
    assert set(fields) == RESIDENT_CARD_FIELDS
    assert "*" in fields["id_number"] and len(fields["id_number"]) == 18 and fields["name"].endswith("*")


def test_idcard_read_without_a_reader_is_one_line_and_nonzero(tmp_path):
    out = run("idcard", "read", "--port", str(tmp_path / "ttyUSB9"), "--timeout", "0.3")
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_printer_sample_writes_escpos_for_the_sample_hall(tmp_path):
    out = run("printer", "sample", "--out", str(tmp_path / "t.bin"), "--config", str(SAMPLE))
    assert out.returncode == 0, out.stderr
    data = (tmp_path / "t.bin").read_bytes()
    assert b"\x1c\x26" in data and b"\x1d\x28\x6b" in data and b"\x1d\x56" in data  # Chinese mode, QR, cut
    assert "内乡县行政审批服务中心".encode("gb18030") in data


def test_list_shows_every_configured_device(tmp_path):
    out = run("list", "--config", str(SAMPLE), "--node", "kiosk-1")
    assert out.returncode == 0, out.stderr
    rows = out.stdout.splitlines()[1:]
    assert {r.split()[1] for r in rows} == {"printer", "idcard", "scanner", "camera", "a4printer"}
    assert all(r.split()[4] in ("ready", "unknown") for r in rows)
