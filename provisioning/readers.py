"""`reader`: a read-only user of a county's broker for the county overview (docs/county.md).

    python -m provisioning reader NAME --dir COUNTY_DIR [--node NODE] [--rotate]
    python -m provisioning reader NAME --dir COUNTY_DIR --remove

A supervisor tablet's county overview reads what the county links bridge in. Its user has the role
`county-reader`: it reads `hall/<site>/state/#`, `event/#` and `node/#` of the county's own hall and of
every hall bridged into it (the same families a link carries), and publishes nothing, not even its own
node status. Its own reply topic, which the ACL's `%u` pattern gives every user, is denied: it sends no
request.

The password lives in `DIR/readers/NAME/county.env` (0600, the only file with it in clear besides the
node.env below), as `HALL_COUNTY_MQTT_URL=mqtts://NAME:<password>@<host>:<port>`, the variable the tablet
reads; `DIR/readers/NAME/ca.crt` is the CA that the tablet's `county.ca_file` names. With `--node`, a node
of this hall (its supervisor tablet) gets that line in its own node.env as well, at every regeneration,
so its bundle is complete. provision.json records the reader (no secret), so `init`, `node add`,
`node revoke` and `bridge` keep it, and every regeneration of the ACL gives it the halls bridged in by then.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from queue_broker.protocol.topics import LEVEL_ID_RE

from .bridge import LINK_USER, carried_sites
from .core import Hall, ProvisionError, Reader, now, url_host, url_password
from .files import new_password, write_public, write_secret
from .passwd import check_password, hash_password, read_passwd, write_passwd
from .roles import RIGHTS, ROLE_TITLES, expand

ROLE = "county-reader"
ENV_VAR = "HALL_COUNTY_MQTT_URL"  # what the supervisor tablet reads (kiosk_app/supervisor/controller.py)
READERS_DIR = "readers"


def reader_dir(prov: Hall, name: str) -> Path:
    return prov.out / READERS_DIR / name


def readers(prov: Hall) -> dict[str, Reader]:
    return prov.state.readers


def stored_password(prov: Hall, name: str) -> str | None:
    """The password in the reader's county.env, or None when that file is missing."""
    return url_password(reader_dir(prov, name) / "county.env", ENV_VAR)


def url(prov: Hall, name: str, password: str) -> str:
    return f"mqtts://{name}:{password}@{url_host(prov.state.hosts[0])}:{prov.state.mqtts_port}"


# ---------------------------------------------------------------------------------------- the command's parts
def admit(prov: Hall, name: str, node: str | None = None, rotate: bool = False) -> bool:
    """Record reader NAME (or, with `rotate`, give it a new password), write its files and its hash;
    True if it existed. `generate.add_reader` regenerates the hall after it."""
    if not LEVEL_ID_RE.match(name or ""):
        raise ProvisionError(f"reader name {name!r} may use only letters, digits, '_', '.' and '-' (1-64)")
    taken = {
        **{n: "a node" for n in prov.state.nodes},
        **{u: "a hall's bridge" for u in prov.state.bridges},
        LINK_USER: "the county link",
    }
    if name in taken:
        raise ProvisionError(
            f"{name} is the user name of {taken[name]} of hall {prov.site_id}: give the reader another name"
        )
    old = readers(prov).get(name)
    if old and not rotate:
        raise ProvisionError(f"reader {name} exists already; --rotate gives it a new password")
    node = node if node is not None else (old.node if old else None)
    if node is not None and node not in prov.state.nodes:
        raise ProvisionError(f"hall {prov.site_id} has no node {node!r} to give the reader's URL to")
    stored = stored_password(prov, name)
    password = new_password() if rotate or stored is None else stored
    readers(prov)[name] = Reader(role=ROLE, node=node, added=old.added if old else now())
    _write_files(prov, name, password)
    hashes = read_passwd(prov.mosquitto_dir / "passwd")
    if not (name in hashes and check_password(password, hashes[name])):
        hashes[name] = hash_password(password)
        write_passwd(prov.mosquitto_dir / "passwd", hashes)
    return old is not None


def admitted_notes(prov: Hall, name: str, existed: bool) -> list[str]:
    node = readers(prov)[name].node
    d = reader_dir(prov, name)
    return [
        f"reader {name} ({ROLE}) {'has a new password' if existed else 'added'}: it reads the state, events and "
        f"node status of {', '.join(carried_sites(prov))} on {prov.site_id}'s broker and publishes nothing",
        f"its URL (with the password) is {ENV_VAR} in {d / 'county.env'} (0600); the tablet's county.ca_file is "
        f"{d / 'ca.crt'}" + (f"; node {node}'s node.env carries it too" if node else ""),
        *prov.reload_hint(),
    ]


def drop(prov: Hall, name: str) -> None:
    """Reader NAME gone from the state, the password file and the folder."""
    if readers(prov).pop(name, None) is None:
        raise ProvisionError(f"hall {prov.site_id} has no reader {name!r}")
    hashes = read_passwd(prov.mosquitto_dir / "passwd")
    if hashes.pop(name, None) is not None:
        write_passwd(prov.mosquitto_dir / "passwd", hashes)
    shutil.rmtree(reader_dir(prov, name), ignore_errors=True)


def _write_files(prov: Hall, name: str, password: str) -> None:
    d = reader_dir(prov, name)
    write_secret(
        d / "county.env",
        "\n".join(
            [
                f"# County reader {name} of hall {prov.site_id} (role {ROLE}). SECRET, mode 0600: the reader's password.",
                "# Put this line in the supervisor tablet's environment (its node.env); never in a site file.",
                f"{ENV_VAR}={url(prov, name, password)}",
            ]
        )
        + "\n",
    )
    write_public(d / "ca.crt", (prov.out / "ca" / "ca.crt").read_bytes())


# ---------------------------------------------------------------------------------------- hooks of _generate
def keep(prov: Hall, old_hashes: dict[str, str], notes: list[str]) -> dict[str, str]:
    """The readers' hashes, kept across a regeneration, and their files written again (a changed --host
    or port reaches the URL); their passwords live in readers/<name>/county.env."""
    kept = {}
    for name in readers(prov):
        password = stored_password(prov, name)
        if name not in old_hashes or password is None:
            notes.append(
                f"reader {name} has no password here (readers/{name}/ copied away?): run `reader {name} --rotate`"
            )
            continue
        kept[name] = old_hashes[name]
        _write_files(prov, name, password)
    return kept


def acl_blocks(prov: Hall) -> str:
    site, out = prov.site_id, []
    for name in sorted(readers(prov)):
        out += [
            "",
            f"# {name}: {ROLE_TITLES[ROLE]} (python -m provisioning reader, role `{ROLE}`): reads the",
            "# state, events and node status of this hall and of the halls bridged into it; publishes nothing",
            f"user {name}",
            f"topic deny hall/{site}/reply/#",
        ]
        out += [f"topic read {expand(t, s, name, None)}" for s in carried_sites(prov) for t in RIGHTS[ROLE].read]
    return "\n".join(out) + "\n" if out else ""


def node_env_lines(prov: Hall, node: str) -> list[str]:
    """HALL_COUNTY_MQTT_URL for the node a reader was given to (--node), from the reader's stored password."""
    for name, entry in sorted(readers(prov).items()):
        password = stored_password(prov, name) if entry.node == node else None
        if password is not None:  # one overview per tablet: the first reader given to it
            # systemd's EnvironmentFile= has no comment after a value: the comment is a line of its own
            return [f"# reader {name} ({ROLE}): the county overview", f"{ENV_VAR}={url(prov, name, password)}"]
    return []
