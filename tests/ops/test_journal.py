"""One logging set-up for every node, with journald priorities (issue 19 item 6): `journalctl -p err`
finds the errors, whole tracebacks included, and nothing else.

The first tests read the lines a program writes when its stderr is the journal stream (JOURNAL_STREAM
names it) and when it is not. The last ones run a real systemd-journald of their own (a journal
namespace), start the real queue broker into it as systemd would, and ask `journalctl -p err`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provisioning.mosquitto import MosquittoProcess, basic_config, free_port
from provisioning.passwd import hash_password, write_passwd
from queue_broker.logs import syslog_priority

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini-site.yaml"

PROGRAM = """
import logging, threading
from queue_broker.logs import setup_logging
setup_logging()
log = logging.getLogger("queue_broker.test")
log.debug("hidden at INFO")
log.info("an ordinary line")
log.warning("a warning")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("a failure with its traceback")
t = threading.Thread(target=lambda: {}["missing"], name="worker")
t.start(); t.join()
raise RuntimeError("nobody caught this")
"""


def run_program(env_extra: dict[str, str], stderr_file: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "HALL_LOG_LEVEL")}
    with open(stderr_file, "wb") as err:
        st = os.fstat(err.fileno())
        stream = {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"} if env_extra.pop("_journal", None) else {}
        return subprocess.run(
            [sys.executable, "-c", PROGRAM], env={**env, **stream, **env_extra}, stderr=err, cwd=ROOT, timeout=60
        )


def test_priorities_of_python_levels():
    assert [syslog_priority(n) for n in (50, 40, 30, 20, 10)] == [2, 3, 4, 6, 7]


def test_under_the_journal_every_line_carries_its_priority(tmp_path):
    out = tmp_path / "stderr"
    result = run_program({"_journal": "1"}, out)
    assert result.returncode == 1
    lines = out.read_text().splitlines()
    assert "<6>queue_broker.test: an ordinary line" in lines
    assert "<4>queue_broker.test: a warning" in lines
    assert not any("hidden at INFO" in line for line in lines)
    failure = lines.index("<3>queue_broker.test: a failure with its traceback")
    tb = lines[failure + 1 : lines.index("<3>ZeroDivisionError: division by zero") + 1]
    assert tb and all(line.startswith("<3>") for line in tb)  # the whole traceback is an error
    assert "<2>hall: uncaught exception in thread worker" in lines
    assert "<2>hall: uncaught exception; the program ends" in lines and "<2>RuntimeError: nobody caught this" in lines
    assert all(line[:3] in ("<2>", "<3>", "<4>", "<6>") for line in lines)


def test_elsewhere_lines_read_as_in_a_terminal(tmp_path):
    out = tmp_path / "stderr"
    run_program({"JOURNAL_STREAM": "1:2", "HALL_LOG_LEVEL": "DEBUG"}, out)  # inherited, not this stream
    lines = out.read_text().splitlines()
    assert not any(line.startswith("<") for line in lines)
    assert any(line.endswith("ERROR queue_broker.test: a failure with its traceback") for line in lines)
    assert any(line.endswith("DEBUG queue_broker.test: hidden at INFO") for line in lines)  # HALL_LOG_LEVEL


def test_a_bad_level_is_one_plain_line(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "voice",
            "--log-level",
            "LOUD",
            "render",
            "--number",
            "A1",
            "--counter",
            "1",
            "--out",
            "x",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert (
        result.returncode == 2
        and result.stderr.strip() == "voice: unknown log level 'LOUD' (DEBUG, INFO, WARNING, ERROR or CRITICAL)"
    )


def test_journalctl_p_err_finds_the_errors_of_a_real_program(journal, tmp_path):
    with journal.stream("hall-test") as stream:
        env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "HALL_LOG_LEVEL")}
        subprocess.run(
            [sys.executable, "-c", PROGRAM], env={**env, **journal.stream_env(stream)}, stderr=stream.fileno(), cwd=ROOT
        )
    time.sleep(0.3)
    errors = [e["MESSAGE"] for e in journal.entries("-p", "err")]
    assert "queue_broker.test: a failure with its traceback" in errors
    assert "ZeroDivisionError: division by zero" in errors and "RuntimeError: nobody caught this" in errors
    assert not [m for m in errors if "ordinary line" in m or "a warning" in m]
    everything = journal.entries("-t", "hall-test")
    assert {e["PRIORITY"] for e in everything} == {"2", "3", "4", "6"}


@pytest.fixture
def locked_mosquitto(tmp_path):
    """A Mosquitto of the test's own that lets in only `broker` with the password `right`."""
    folder = tmp_path / "mosquitto"
    folder.mkdir()
    write_passwd(folder / "passwd", {"broker": hash_password("right", iterations=1000)})
    port = free_port()
    config = basic_config(port).replace(
        "allow_anonymous true", f"allow_anonymous false\npassword_file {folder / 'passwd'}"
    )
    broker = MosquittoProcess(port=port, config=config, workdir=folder)
    broker.start()
    yield broker
    broker.cleanup()


def test_the_queue_broker_refused_by_mosquitto_is_an_error_in_the_journal(journal, tmp_path, locked_mosquitto):
    """The real broker, started as its unit starts it, with a password Mosquitto refuses."""
    conf = locked_mosquitto
    site = tmp_path / "site.yaml"
    site.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM",) and not k.startswith("HALL_")}
    with journal.stream("hall-broker") as stream:
        proc = subprocess.Popen(
            [sys.executable, "-m", "queue_broker", "run", "--config", str(site)],
            env={
                **env,
                **journal.stream_env(stream),
                "HALL_MQTT_URL": conf.url.replace("mqtt://", "mqtt://broker:wrong@"),
                "HALL_DATA_DIR": str(tmp_path / "data"),
            },
            stderr=stream.fileno(),
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + 30
        errors: list[str] = []
        while time.monotonic() < deadline and not errors:
            time.sleep(0.3)
            errors = [e["MESSAGE"] for e in journal.entries("-p", "err", "-t", "hall-broker")]
    finally:
        proc.terminate()
        proc.wait(20)
    assert errors and "refused node broker" in errors[0], errors
    info = [e["MESSAGE"] for e in journal.entries("-p", "info", "-t", "hall-broker")]
    assert any("state rebuilt from 0 stored events" in m for m in info)  # info is there, only not in -p err
    assert not any("state rebuilt" in m for m in errors)
