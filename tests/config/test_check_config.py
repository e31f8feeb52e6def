"""`python -m queue_broker check-config`: OK on good files, exit 2 with file:line: field: reason on bad ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from queue_broker.config.loader import ConfigError, load_site_config

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini-site.yaml"
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neixiang" / "site.yaml"


def run_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "queue_broker", "check-config", str(path)], capture_output=True, text=True, timeout=60
    )


def mutate(tmp_path: Path, old: str, new: str, source: Path = MINI) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, f"test fixture no longer contains {old!r}"
    out = tmp_path / "site.yaml"
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_sample_hall_checks_ok():
    result = run_check(SAMPLE)
    assert result.returncode == 0, result.stderr
    assert "queues:" in result.stdout and "counters:" in result.stdout and "service items" in result.stdout
    cfg = load_site_config(SAMPLE)
    assert len(cfg.services) >= 40 and len(cfg.bundles) >= 3
    kinds = {c.kind for c in cfg.counters}
    assert {"comprehensive", "department", "complaint", "cross_region"} <= kinds


def test_mini_site_summary_counts():
    result = run_check(MINI)
    assert result.returncode == 0, result.stderr
    assert "queues:   3" in result.stdout and "counters: 4 (1 tidal)" in result.stdout
    assert "4 service items, 1 bundles" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "field", "needle", "reason"),
    [
        # an unknown key
        (
            "  ticketing_closes_before_min: 0",
            "  ticketing_closes_before_min: 0\n  colour: blue",
            "site.colour",
            "colour: blue",
            "unknown key 'colour'",
        ),
        # a wrong type
        ("recall_limit: 2", "recall_limit: twice", "recall_limit", "recall_limit: twice", "valid integer"),
        # a counter naming a missing queue
        (
            "home: [SB], zone: first",
            "home: [XX], zone: first",
            "counters[2].home[0]",
            "home: [XX]",
            "queue 'XX', which is not defined",
        ),
        # a duplicate prefix
        (
            "{id: SB, prefix: C,",
            "{id: SB, prefix: B,",
            "queues[2].prefix",
            "id: SB, prefix: B",
            "prefix 'B' is used twice",
        ),
        # a password in the YAML
        (
            "data_dir: var",
            "data_dir: var\nmqtt: {url: 'mqtt://kiosk:secret@hall:1883'}",
            "mqtt.url",
            "mqtt: {url",
            "password does not belong",
        ),
    ],
)
def test_bad_config_exits_2_with_file_line_field(tmp_path, old, new, field, needle, reason):
    path = mutate(tmp_path, old, new)
    result = run_check(path)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{line_of(path, needle)}: {field}: "), first
    assert reason in first
    assert "Traceback" not in result.stderr


def test_yaml_syntax_error_names_line(tmp_path):
    path = mutate(tmp_path, "recall_limit: 2", "recall_limit: [2")
    with pytest.raises(ConfigError) as err:
        load_site_config(path)
    assert str(err.value).startswith(f"{path}:") and "not valid YAML" in str(err.value)


def test_duplicate_yaml_key_is_an_error(tmp_path):
    path = mutate(tmp_path, "recall_limit: 2", "recall_limit: 2\nrecall_limit: 3")
    with pytest.raises(ConfigError) as err:
        load_site_config(path)
    assert "appears twice" in str(err.value)
    assert f":{line_of(path, 'recall_limit: 3')}:" in str(err.value)


def test_env_overrides_url_and_data_dir(tmp_path):
    cfg = load_site_config(MINI, env={"HALL_MQTT_URL": "mqtts://k:p@h:8883", "HALL_DATA_DIR": str(tmp_path)})
    assert cfg.mqtt.url == "mqtts://k:p@h:8883" and cfg.data_dir == str(tmp_path)
    plain = load_site_config(MINI, env={})
    assert plain.data_dir == str(MINI.parent / "var")


def test_missing_file_is_a_clear_error(tmp_path):
    result = run_check(tmp_path / "nope.yaml")
    assert result.returncode == 2 and "no such file" in result.stderr
