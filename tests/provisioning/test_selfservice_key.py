"""The kiosks' self-service key (issue 24): made once per hall, kept by a second init, a 0600 copy in every
kiosk's bundle and in no other, loaded by the kiosk's unit as a credential; the kiosk hashes an ID number
with it for the audit record, so the number never travels on cmd/selfservice/record."""

from __future__ import annotations

import stat

from provisioning.generate import Options, Provisioner, read_node_env
from queue_broker.service.keys import load_selfservice_hash_key

from .conftest import MINI_SITE


def test_every_kiosk_gets_the_same_key_and_no_other_node_does(hall, tmp_path):
    master = (hall.out / "selfservice-hash.key").read_text()
    assert stat.S_IMODE((hall.out / "selfservice-hash.key").stat().st_mode) == 0o600 and len(master.strip()) == 64
    kiosks = [n.id for n in hall.prov.nodes() if n.role == "kiosk"]
    assert len(kiosks) >= 2
    for node in hall.prov.nodes():
        copy = hall.out / "nodes" / node.id / "selfservice-hash.key"
        if node.role != "kiosk":
            assert not copy.exists(), node.id
            continue
        assert copy.read_text() == master and stat.S_IMODE(copy.stat().st_mode) == 0o600
        unit = (hall.out / "nodes" / node.id / "hall-kiosk.service").read_text()
        assert f"LoadCredential=selfservice-hash.key:{hall.prov._etc(node.id)}/selfservice-hash.key" in unit
        assert "Environment=HALL_SELFSERVICE_KEY_FILE=%d/selfservice-hash.key" in unit
        install = (hall.out / "nodes" / node.id / "install.sh").read_text()
        assert "install -m 0600 -o root -g root selfservice-hash.key" in install


def test_a_second_init_keeps_the_key_and_in_place_kiosks_read_it(tmp_path):
    prov = Provisioner(tmp_path / "out")
    prov.init(MINI_SITE, Options(hosts=["hall.example"], in_place=True))
    key = (tmp_path / "out" / "selfservice-hash.key").read_text()
    Provisioner(tmp_path / "out").init(MINI_SITE, Options(hosts=["hall.example"], in_place=True))
    assert (tmp_path / "out" / "selfservice-hash.key").read_text() == key
    env = read_node_env(tmp_path / "out" / "nodes" / "kiosk-1" / "node.env")
    assert env["HALL_SELFSERVICE_KEY_FILE"].endswith("/nodes/kiosk-1/selfservice-hash.key")
    assert load_selfservice_hash_key(str(tmp_path / "unused"), env) == key.strip().encode()
    assert not (tmp_path / "unused").exists()  # the given key was read: none was made
