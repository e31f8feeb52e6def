"""Install without the internet (issue 19 item 5): the wheelhouse built by provisioning installs a node
bundle into a fresh virtual environment with no package index and no network, and a failed build
leaves nothing half done.

The build itself needs the package index (it is how the wheels get here); it runs once per module for
the voice role (about 20 wheels, 20 MB). The install then runs with pip's index pointed at a closed
port, proxies at a closed port and no pip configuration: only the bundle's wheels can be used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from provisioning import wheelhouse
from provisioning.generate import Options, Provisioner
from provisioning.mosquitto import free_port

from .conftest import MINI_SITE, ROOT

OFFLINE = {
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_CONFIG_FILE": os.devnull,
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
}


def offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and "proxy" not in k.lower()}
    return {**env, **OFFLINE}


@pytest.fixture(scope="module")
def hall_with_wheels(tmp_path_factory):
    """A provisioned hall with a voice node, its wheelhouse built for the voice role."""
    tmp = tmp_path_factory.mktemp("wheels")
    site = yaml.safe_load(MINI_SITE.read_text(encoding="utf-8"))
    site["nodes"].append({"id": "voice-1", "role": "voice"})
    (tmp / "site.yaml").write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    out = tmp / "hall"
    Provisioner(out).init(tmp / "site.yaml", Options(hosts=["hall.lan"], mqtt_port=free_port(), mqtts_port=free_port()))
    wheelhouse.build(out, {"voice"})
    notes = wheelhouse.attach(out, wheelhouse.nodes_of(out))
    return out, notes


def test_the_voice_bundle_installs_into_a_fresh_venv_without_the_network(hall_with_wheels, tmp_path):
    out, notes = hall_with_wheels
    bundle = out / "nodes" / "voice-1"
    assert any(n.startswith("voice-1: ") and "hall-appliance[voice]" in n for n in notes)
    assert any(n.startswith("kiosk-1: no wheels for role kiosk") for n in notes)  # not built: said, not hidden
    assert not (out / "nodes" / "kiosk-1" / "wheels").exists()
    names = sorted(p.name for p in (bundle / "wheels").iterdir())
    assert any(n.startswith("hall_appliance-") for n in names) and any(n.startswith("pyttsx3-") for n in names)
    assert (bundle / "wheels" / "requirements.txt").read_text() == "hall-appliance[voice]\n"
    assert "sh ./install-code.sh /opt/hall/venv" in (bundle / "install.sh").read_text()

    venv = tmp_path / "venv"
    done = subprocess.run(
        ["sh", str(bundle / "install-code.sh"), str(venv)],
        capture_output=True,
        text=True,
        env=offline_env(),
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "installed in" in done.stdout
    check = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import voice.node, queue_broker.watchdog, paho.mqtt, pyttsx3, cn2an; print('ok')",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the checkout: the installed package, not the source tree
        timeout=120,
    )
    assert check.stdout.strip() == "ok", check.stderr
    listed = subprocess.run(
        [str(venv / "bin" / "pip"), "list", "--format=freeze"], capture_output=True, text=True
    ).stdout
    assert "hall-appliance==0.1.0" in listed


def test_the_offline_install_really_has_no_index(hall_with_wheels, tmp_path):
    """The same pip, asked for something not in the wheels, fails: the network is not used behind our back."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    done = subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--no-index",
            "--find-links",
            str(hall_with_wheels[0] / "wheelhouse"),
            "requests",
        ],
        capture_output=True,
        text=True,
        env=offline_env(),
        timeout=120,
    )
    assert done.returncode != 0 and "No matching distribution found for requests" in done.stderr


def test_a_board_of_another_kind_is_refused_in_a_sentence(hall_with_wheels, tmp_path):
    bundle = tmp_path / "voice-1"
    shutil.copytree(hall_with_wheels[0] / "nodes" / "voice-1", bundle)
    (bundle / "wheels" / "PLATFORM").write_text("cp39 armv7l\n")
    done = subprocess.run(
        ["sh", str(bundle / "install-code.sh"), str(tmp_path / "venv")], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.startswith("install-code: these wheels are for cp39 armv7l, this board has cp3")
    assert not (tmp_path / "venv").exists()


def test_a_failed_build_leaves_the_hall_as_it_was(hall_with_wheels, tmp_path):
    out = hall_with_wheels[0]
    before = sorted(p.name for p in (out / "wheelhouse").iterdir())
    bundle_before = sorted(p.name for p in (out / "nodes" / "voice-1" / "wheels").iterdir())
    broken = tmp_path / "src"
    broken.mkdir()
    for name in wheelhouse.SOURCES:
        shutil.copy(ROOT / name, broken / name)
    (broken / "setup.cfg").write_text((ROOT / "setup.cfg").read_text().replace("[metadata]", "[metadata\n"))
    with pytest.raises(wheelhouse.WheelhouseError) as err:
        wheelhouse.build(out, {"voice"}, source=broken)
    assert "pip wheel failed" in str(err.value) and "\n" not in str(err.value)
    assert sorted(p.name for p in (out / "wheelhouse").iterdir()) == before
    assert sorted(p.name for p in (out / "nodes" / "voice-1" / "wheels").iterdir()) == bundle_before
    assert not list(out.glob(".wheelhouse-*"))


def test_bad_input_is_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "provisioning", "wheelhouse", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "provision.json" in done.stderr
    with pytest.raises(wheelhouse.WheelhouseError, match="unknown role"):
        wheelhouse.build(tmp_path, {"toaster"})
