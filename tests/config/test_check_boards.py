"""`check-config` catches what a board will fail on (issue 19 item 3): device backends, options and ports,
screen settings, unquoted times. Each case edits the sample hall (the first matching line), runs the real
command and reads its `file:line: field: reason` lines and its exit status."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from queue_broker.config import boards
from queue_broker.config.boards import SCREEN_SETTINGS, check_site, screen_model
from queue_broker.config.loader import ConfigError

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neixiang"
KIOSK_PRINTER = "- {id: printer, kind: printer, backend: simulator, options: {}}"
COUNTER_KEYPAD = "- {id: keypad, kind: keypad, backend: simulator, options: {}}"
COUNTER_LED = "- {id: led, kind: led, backend: simulator, options: {}}"


def sample_with(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The sample hall in tmp_path with each (old, new) applied to its first occurrence."""
    text = (SAMPLE / "site.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"the sample no longer contains {old!r}"
        text = text.replace(old, new, 1)
    shutil.copy(SAMPLE / "services.yaml", tmp_path / "services.yaml")
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "queue_broker", "check-config", str(path)], capture_output=True, text=True, timeout=60
    )


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


CASES = [
    pytest.param(
        KIOSK_PRINTER,
        "- {id: printer, kind: printer, backend: seriel, options: {port: /dev/ttyS0}}",
        "nodes[1].devices[0].backend",
        "backend: seriel",
        "unknown printer backend 'seriel'; did you mean 'serial'? (backends: usb, serial, network, file, simulator)",
        id="misspelt-backend",
    ),
    pytest.param(
        COUNTER_LED,
        "- {id: led, kind: led, backend: serial, options: {port: /dev/ttyUSB1, baudrat: 9600}}",
        "nodes[3].devices[3].options.baudrat",
        "baudrat",
        "unknown key 'baudrat'; did you mean 'baudrate'?",
        id="misspelt-option",
    ),
    pytest.param(
        COUNTER_LED,
        "- {id: led, kind: led, backend: serial, options: {port: /dev/ttyUSB1, address: 300}}",
        "nodes[3].devices[3].options.address",
        "address: 300",
        "less than or equal to 254",
        id="option-out-of-range",
    ),
    pytest.param(
        COUNTER_LED,
        "- {id: led, kind: led, backend: serial, options: {}}",
        "nodes[3].devices[3].options.port",
        "backend: serial, options: {}",
        "is required but missing",
        id="serial-without-port",
    ),
    pytest.param(
        COUNTER_LED,
        "- {id: led, kind: led, backend: serial, options: {port: COM3}}",
        "nodes[3].devices[3].options.port",
        "port: COM3",
        "'COM3' is not a device file",
        id="port-not-a-device-file",
    ),
    pytest.param(
        COUNTER_LED,
        "- {id: led, kind: led, backend: serial, options: {port: /dev/ttyUSB0}}\n"
        "      - {id: led2, kind: led, backend: serial, options: {port: /dev/ttyUSB0}}",
        "nodes[3].devices[4].options.port",
        "id: led2",
        "/dev/ttyUSB0 is also used by device 'led' of node counter-c01",
        id="two-devices-one-port",
    ),
    pytest.param(
        COUNTER_KEYPAD,
        "- {id: keypad, kind: keypad, backend: simulator, options: {keys: {KEY_F1: rate:5}}}",
        "nodes[3].devices[0].options.keys.KEY_F1",
        "KEY_F1: rate:5",
        "key KEY_F1 has unknown action 'rate:5'",
        id="keypad-action-of-another-kind",
    ),
    pytest.param(
        "      diagonal_in: 21.5",
        "      diagonal_inch: 21.5",
        "nodes[1].screen.diagonal_inch",
        "diagonal_inch",
        "unknown key 'diagonal_inch'; did you mean 'diagonal_in'?",
        id="misspelt-screen-setting",
    ),
    pytest.param(
        "      diagonal_in: 21.5",
        "      diagonal_in: 21.5\n      width: wide",
        "nodes[1].screen.width",
        "width: wide",
        "valid integer",
        id="screen-setting-type",
    ),
    pytest.param(
        "frequent_service_ids: [sb-card-apply,",
        "frequent_service_ids: [sb-card-aply,",
        "nodes[1].screen.frequent_service_ids[0]",
        "sb-card-aply",
        "there is no service item 'sb-card-aply'; did you mean 'sb-card-apply'?",
        id="kiosk-item-that-does-not-exist",
    ),
    pytest.param(
        "  - id: voice-ground\n    role: voice\n    zone: ground\n",
        "  - id: voice-ground\n    role: voice\n    zone: ground\n    screen: {width: 800}\n",
        "nodes[8].screen",
        "screen: {width: 800}",
        "a voice node shows no screen",
        id="screen-on-a-node-without-one",
    ),
    pytest.param(
        'mon: [{start: "08:30", end: "12:00"}',
        'mon: [{start: "08:30", end: 12:00}',
        "site.opening_hours.mon[0].end",
        "end: 12:00}",
        "write times in quotes: '12:00' (unquoted, YAML reads it as 720)",
        id="unquoted-time",
    ),
    pytest.param(
        "  review_every_s: 60",
        "  review_every_s: 1:00",
        "rebalancer.review_every_s",
        "review_every_s: 1:00",
        "write times in quotes: '01:00' (unquoted, YAML reads it as 60)",
        id="unquoted-time-where-a-number-would-pass",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "needle", "reason"), CASES)
def test_a_board_problem_is_named_with_its_line(tmp_path, old, new, field, needle, reason):
    path = sample_with(tmp_path, (old, new))
    result = check(path)
    assert result.returncode == 2, result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{path}:{line_of(path, needle)}: {field}: ") and reason in line, line


def test_every_problem_at_once_in_file_order(tmp_path):
    path = sample_with(
        tmp_path,
        (KIOSK_PRINTER, "- {id: printer, kind: printer, backend: usbb, options: {}}"),
        ("      diagonal_in: 21.5", "      diagonal_inch: 21.5"),
        (COUNTER_LED, "- {id: led, kind: led, backend: serial, options: {port: ttyUSB0}}"),
    )
    lines = check(path).stderr.splitlines()
    assert len(lines) == 3
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers)
    assert "did you mean 'usb'?" in lines[1] and "diagonal_in" in lines[0] and "ttyUSB0" in lines[2]


def test_the_sample_hall_passes_with_its_devices_and_screens_counted(tmp_path):
    path = sample_with(tmp_path)
    result = check(path)
    assert result.returncode == 0, result.stderr
    import yaml

    nodes = yaml.safe_load(path.read_text(encoding="utf-8"))["nodes"]
    devices = sum(len(n.get("devices") or []) for n in nodes)
    assert devices >= 24  # every device of the sample hall is checked, and its 8 faces' screens
    assert f"nodes:    {len(nodes)} ({devices} devices and 8 screens checked)" in result.stdout
    assert "note:" not in result.stderr


def test_a_kind_whose_package_is_missing_here_is_reported_not_passed(tmp_path, monkeypatch):
    import devices.options

    real = devices.options.option_models

    def without_evdev(kind: str):
        if kind in ("keypad", "rating_pad", "scanner"):
            raise ModuleNotFoundError("No module named 'evdev'", name="evdev")
        return real(kind)

    monkeypatch.setattr(devices.options, "option_models", without_evdev)
    _, notes = check_site(sample_with(tmp_path), env={})
    assert sorted(n.split(" device")[0] for n in notes) == ["2 scanner", "4 keypad", "4 rating_pad"]
    assert all("needs evdev" in n and "hall-appliance[devices]" in n for n in notes)


def test_every_face_has_a_settings_model_to_check_against():
    # kiosk_app is being reorganised: if a face's settings move, this names the table to update
    for role in SCREEN_SETTINGS:
        assert screen_model(role) is not None, f"{role}: none of {SCREEN_SETTINGS[role]} imports"


def test_bad_input_is_one_plain_line_each_and_no_traceback(tmp_path):
    path = sample_with(tmp_path, (KIOSK_PRINTER, "- {id: printer, kind: printer, backend: 7, options: []}"))
    result = check(path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert all(line.startswith(f"{path}:") for line in result.stderr.splitlines())
    with pytest.raises(ConfigError):
        boards.check_site(path, env={})


def test_every_device_kind_of_the_site_file_has_its_options_table():
    """A kind added to the site file's model must be added to devices/options.py too, or check-config
    fails on every hall that uses it (as it did when the A4 printer arrived)."""
    import typing

    from devices.options import KINDS, option_models
    from queue_broker.config.models import DeviceConfig

    kinds = set(typing.get_args(DeviceConfig.model_fields["kind"].annotation))
    assert kinds == set(KINDS)
    for kind in kinds:
        assert option_models(kind), kind
