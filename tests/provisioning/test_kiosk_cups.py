"""A kiosk printing A4 through CUPS (24-hour self-service) gets a cupsd that keeps no job: the directives in
its bundle, the script that puts them into cupsd.conf (run here on Debian's own cupsd.conf, twice, and the
result checked by cupsd itself), the tmpfs and tmpfiles for CUPS' TempDir; a node without it gets none."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from provisioning.cups import KIOSK_CUPSD_DIRECTIVES, MARK_BEGIN
from provisioning.generate import Options, Provisioner

from .conftest import MINI_SITE

A4_CUPS = {"id": "a4printer", "kind": "a4printer", "backend": "cups", "options": {"queue": "KIOSK-A4"}}
DEBIAN_CUPSD_CONF = Path("/etc/cups/cupsd.conf")
SAMPLE_CONF = """\
LogLevel debug
PageLogFormat
MaxLogSize 0
PreserveJobHistory Yes
  PreserveJobFiles 1d
Listen localhost:631
<Location />
  Order allow,deny
</Location>
"""


def provision(tmp_path: Path, a4: dict | None) -> Path:
    raw = yaml.safe_load(MINI_SITE.read_text())
    kiosk = next(n for n in raw["nodes"] if n["id"] == "kiosk-1")
    kiosk["devices"] = [d for d in kiosk.get("devices", []) if d["kind"] != "a4printer"] + ([a4] if a4 else [])
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(raw, allow_unicode=True))
    Provisioner(tmp_path / "out").init(site, Options(hosts=["hall.example"]))
    return tmp_path / "out" / "nodes" / "kiosk-1"


def directives(conf: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in conf.splitlines():
        name, _, value = line.strip().partition(" ")
        if name and not name.startswith(("#", "<")):
            found.setdefault(name, []).append(value.strip())
    return found


def test_a_kiosk_printing_through_cups_gets_a_cupsd_that_keeps_no_job(tmp_path):
    bundle = provision(tmp_path, A4_CUPS)
    conf = (bundle / "cupsd-hall.conf").read_text()
    assert directives(conf)["PreserveJobFiles"] == ["No"] and directives(conf)["PreserveJobHistory"] == ["No"]
    assert conf == KIOSK_CUPSD_DIRECTIVES and 'PageLogFormat ""' in conf
    install = (bundle / "install.sh").read_text()
    assert "sh ./cups-privacy.sh /etc/cups/cupsd.conf" in install and "var-spool-cups-tmp.mount" in install
    assert "Where=/var/spool/cups/tmp" in (bundle / "var-spool-cups-tmp.mount").read_text()
    assert "d /var/spool/cups/tmp 1770 root lp 10m" in (bundle / "hall-cups-tmp.conf").read_text()
    # the script, on a cupsd.conf that keeps everything: one setting each, ours, however often it runs
    target = tmp_path / "cupsd.conf"
    target.write_text(SAMPLE_CONF)
    for _ in range(2):
        subprocess.run(["sh", str(bundle / "cups-privacy.sh"), str(target)], check=True)
    result = target.read_text()
    found = directives(result)
    assert found["PreserveJobFiles"] == ["No"] and found["PreserveJobHistory"] == ["No"]
    assert found["LogLevel"] == ["warn"] and found["PageLogFormat"] == ['""'] and found["MaxLogSize"] == ["0"]
    assert result.count(MARK_BEGIN) == 1 and "Listen localhost:631" in result and "<Location />" in result
    # a node without an A4 printer through CUPS: none of it (and a regenerated bundle loses it)
    bundle = provision(tmp_path, None)
    assert not (bundle / "cupsd-hall.conf").exists() and not (bundle / "cups-privacy.sh").exists()
    assert "cups-privacy" not in (bundle / "install.sh").read_text()


@pytest.mark.skipif(not DEBIAN_CUPSD_CONF.exists() or not shutil.which("cupsd"), reason="needs cups installed")
def test_cupsd_accepts_debians_cupsd_conf_with_the_kiosk_settings(tmp_path):
    bundle = provision(tmp_path, A4_CUPS)
    target = tmp_path / "cupsd.conf"
    shutil.copyfile(DEBIAN_CUPSD_CONF, target)
    subprocess.run(["sh", str(bundle / "cups-privacy.sh"), str(target)], check=True)
    found = directives(target.read_text())
    assert found["PreserveJobFiles"] == ["No"] and found["PreserveJobHistory"] == ["No"]
    assert found["ErrorPolicy"] == ["abort-job"]  # Debian's retry-job replaced
    checked = subprocess.run(["cupsd", "-t", "-c", str(target)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
