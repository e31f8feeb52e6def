"""Install without the internet (issue 19 item 5): a wheelhouse for each role, in each board's bundle.

A hall server on 政务外网 often reaches neither PyPI nor a mirror. `python -m provisioning init ...
--wheelhouse` (or `python -m provisioning wheelhouse --dir DIR` later) builds, on a machine that does
reach a package index, every wheel the hall's roles need: the hall's own package and the extras of
each role present in the site file, sdists built into wheels here (evdev). Then each bundle gets the
wheels its role installs (`wheels/`, hard links into the hall folder's pool, so no space is used twice)
with `wheels/requirements.txt` and `install-code.sh`, which `install.sh` runs on the board:

    python3 -m venv /opt/hall/venv && /opt/hall/venv/bin/pip install --no-index --find-links wheels ...

No index, no network. The wheels are for this machine's Python and architecture (`wheels/PLATFORM`);
`install-code.sh` refuses a board whose Python or machine differs, in a sentence. Debian packages the
boards need (python3-venv, mosquitto, cage, espeak-ng, alsa-utils) are not in it: they come from the
Debian installation media or the hall's own Debian mirror (docs/operations.md).

A failed build changes nothing: the pool is built in a temporary folder beside the hall folder's
`wheelhouse/` and renamed into place only when every wheel is there; bundles get their `wheels/` only
from a complete pool, and a bundle whose wheels cannot all be linked is left without any.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .core import Hall

PROJECT = "hall-appliance"
ROOT = Path(__file__).resolve().parent.parent
# what each role's program imports beyond the base package (setup.cfg extras)
ROLE_EXTRAS: dict[str, tuple[str, ...]] = {
    "broker": ("broker",),
    "kiosk": ("kiosk", "devices", "voice"),  # devices; spoken guidance renders through the voice package
    "counter": ("kiosk", "devices"),
    "display": ("kiosk",),
    "voice": ("voice",),
    "supervisor": ("kiosk",),
    "gateway": (),  # runs no program of ours: gets no wheels
}
SOURCES = ("setup.cfg", "pyproject.toml", "README.md")
PACKAGES = ("queue_broker", "devices", "voice", "kiosk_app", "provisioning", "gateway")


class WheelhouseError(RuntimeError):
    """The build or the linking failed; the message is one sentence, nothing was left half done."""


def platform_tag() -> str:
    """What the wheels are built for: the Python (major.minor) and the machine, e.g. `cp311 x86_64`."""
    return f"cp{sys.version_info.major}{sys.version_info.minor} {platform.machine()}"


def _pip(args: list[str], log: Path) -> None:
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ pip {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(
            [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    if done.returncode != 0:
        tail = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()][-1:]
        raise WheelhouseError(f"pip {args[0]} failed ({tail[0].strip() if tail else 'no output'}); full log: {log}")


def _extras_for(roles: Iterable[str]) -> list[str]:
    return sorted({e for r in roles for e in ROLE_EXTRAS.get(r, ())})


def build(out: Path, roles: Iterable[str], source: Path = ROOT) -> Path:
    """Build `out/wheelhouse/` (the pool) for `roles`, replacing an earlier one only when complete."""
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLE_EXTRAS]
    if unknown:
        raise WheelhouseError(f"unknown role(s) {', '.join(unknown)}")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".wheelhouse-", dir=out))
    log = out / "wheelhouse.log"
    log.write_text("", encoding="utf-8")
    try:
        src, pool = work / "src", work / "pool"
        src.mkdir()
        for name in SOURCES:
            shutil.copy2(source / name, src / name)
        for pkg in PACKAGES:  # a copy: building in place would leave build/ in the checkout
            if (source / pkg).is_dir():
                shutil.copytree(source / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "var"))
        _pip(["wheel", "--no-deps", "--wheel-dir", str(pool), str(src)], log)
        own = sorted(pool.glob("hall_appliance-*.whl"))
        if len(own) != 1:
            raise WheelhouseError("building the hall's own wheel gave no single hall_appliance-*.whl")
        extras = _extras_for(roles)
        target = f"{own[0]}[{','.join(extras)}]" if extras else str(own[0])
        _pip(["wheel", "--wheel-dir", str(pool), target], log)
        sets = {}
        for role in roles:
            if ROLE_EXTRAS[role]:
                sets[role] = _closure(pool, role, work, log)
        (pool / "roles.json").write_text(json.dumps(sets, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        (pool / "PLATFORM").write_text(platform_tag() + "\n", encoding="utf-8")
        final = out / "wheelhouse"
        if final.exists():
            shutil.rmtree(final)
        pool.rename(final)
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


def requirement(role: str) -> str:
    extras = ROLE_EXTRAS[role]
    return f"{PROJECT}[{','.join(extras)}]" if extras else PROJECT


def _closure(pool: Path, role: str, work: Path, log: Path) -> list[str]:
    """The wheel files `role` installs, resolved from the pool alone (pip's dry-run report)."""
    report = work / f"{role}.json"
    _pip(
        [
            "install",
            "--dry-run",
            "--ignore-installed",
            "--no-index",
            "--find-links",
            str(pool),
            "--report",
            str(report),
            "--quiet",
            requirement(role),
        ],
        log,
    )
    found = json.loads(report.read_text(encoding="utf-8"))["install"]
    names = []
    for item in found:
        url = item["download_info"]["url"]
        names.append(Path(url.removeprefix("file://")).name)
    return sorted(names)


INSTALL_CODE = """#!/bin/sh
# Install the hall's code for {role} into a virtual environment from the wheels in this bundle: no
# package index, no network. Generated by python -m provisioning (provisioning/wheelhouse.py).
#   sh install-code.sh [VENV]        (default {venv}; install.sh runs it)
set -eu
cd "$(dirname "$0")"
VENV=${{1:-{venv}}}
PY=${{PYTHON:-python3}}
want="$(cat wheels/PLATFORM)"
have="$("$PY" -c 'import platform, sys; print(f"cp{{sys.version_info.major}}{{sys.version_info.minor}} {{platform.machine()}}")')"
if [ "$want" != "$have" ]; then
    echo "install-code: these wheels are for $want, this board has $have: build the wheelhouse on a machine like it" >&2
    exit 1
fi
"$PY" -m venv "$VENV" || {{ echo "install-code: $PY -m venv failed: install python3-venv from the Debian media" >&2; exit 1; }}
PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install --disable-pip-version-check --no-index --find-links wheels -r wheels/requirements.txt
echo "install-code: {requirement} installed in $VENV from this bundle's wheels"
"""


def attach(out: Path, nodes: dict[str, str], venv: str = "/opt/hall/venv") -> list[str]:
    """Give each node's bundle (`nodes`: node id -> role) the wheels of its role from `out/wheelhouse`.
    Returns notes; a node whose role is not in the pool gets none and a note says how to add it."""
    pool = out / "wheelhouse"
    roles_file = pool / "roles.json"
    if not roles_file.exists():
        raise WheelhouseError(
            f"{pool} is not a complete wheelhouse (no roles.json): run `python -m provisioning wheelhouse`"
        )
    sets: dict[str, list[str]] = json.loads(roles_file.read_text(encoding="utf-8"))
    notes = []
    for node, role in sorted(nodes.items()):
        bundle = out / "nodes" / node
        if not bundle.is_dir():  # revoked: no bundle
            continue
        wheels = bundle / "wheels"
        if wheels.exists():
            shutil.rmtree(wheels)
        (bundle / "install-code.sh").unlink(missing_ok=True)
        if not ROLE_EXTRAS.get(role):
            continue  # the gateway: no program of ours
        if role not in sets:
            notes.append(
                f"{node}: no wheels for role {role} in {pool}: run `python -m provisioning wheelhouse --dir {out}`"
            )
            continue
        tmp = bundle / ".wheels-tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            for name in [*sets[role], "PLATFORM"]:
                _link(pool / name, tmp / name)
            (tmp / "requirements.txt").write_text(requirement(role) + "\n", encoding="utf-8")
            script = bundle / "install-code.sh"
            script.write_text(
                INSTALL_CODE.format(role=role, venv=venv, requirement=requirement(role)), encoding="utf-8"
            )
            os.chmod(script, 0o755)
            tmp.rename(wheels)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            (bundle / "install-code.sh").unlink(missing_ok=True)
            raise WheelhouseError(f"could not put the wheels in {bundle}: {exc}") from None
        size = sum(f.stat().st_size for f in wheels.iterdir()) / 1e6
        notes.append(f"{node}: {len(sets[role])} wheels for {requirement(role)} ({size:.0f} MB) in {wheels}")
    return notes


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system: a copy
        shutil.copy2(src, dst)


def nodes_of(out: Path) -> dict[str, str]:
    """node id -> role, from the hall folder's provision.json."""
    return {node: info.role for node, info in Hall(out).load().state.nodes.items()}
