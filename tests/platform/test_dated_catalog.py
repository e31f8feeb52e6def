"""A dated catalog in the pure engine: an item is offered from its effective date and withdrawn on its
cancel date (also inside a bundle), bookings follow the slot's day, and what was issued or booked before
a withdrawal is served."""

from __future__ import annotations

from datetime import date

import pytest

from queue_broker.config.loader import load_site_config
from queue_broker.engine.commands import BookAppointment, IssueTicket
from queue_broker.engine.hall import HallEngine, Rejected
from queue_broker.service.catalog import build_catalog

from .conftest import at, write_site


@pytest.fixture
def config(tmp_path):
    cfg = load_site_config(write_site(tmp_path), env={})
    bdc = next(s for s in cfg.services if s.id == "bdc-transfer")
    bdc.national.plan_cancel_date = date(2026, 12, 1)
    zh = next(s for s in cfg.services if s.id == "zh-general")
    zh.national.plan_effective_date = date(2026, 11, 30)
    return cfg


def test_tickets_follow_the_dates(config):
    e = HallEngine(config)
    with pytest.raises(Rejected, match="自 2026-11-30 起办理") as err:
        e.execute(IssueTicket("kiosk-1", "zh-general", "walk_in"), at(2026, 11, 27, 9, 0))
    assert err.value.code == "not_found"
    with pytest.raises(Rejected, match="起办理"):  # a bundle with an item not yet in force
        e.execute(IssueTicket("kiosk-1", "bundle-birth", "walk_in"), at(2026, 11, 27, 9, 0))
    assert e.execute(IssueTicket("kiosk-1", "zh-general", "walk_in"), at(2026, 11, 30, 9, 0)).reply["ticket"]
    assert e.execute(IssueTicket("kiosk-1", "bdc-transfer", "walk_in"), at(2026, 11, 30, 23, 59)).reply["ticket"]
    with pytest.raises(Rejected, match="已于 2026-12-01 从事项目录中取消"):
        e.execute(IssueTicket("kiosk-1", "bdc-transfer", "walk_in"), at(2026, 12, 1, 0, 0))


def test_a_booking_made_before_the_withdrawal_is_served(config):
    e = HallEngine(config)
    booked = e.execute(BookAppointment("bdc-transfer", at(2026, 11, 30, 10, 0), "CODE2345"), at(2026, 11, 27, 9, 0))
    assert booked.reply["appointment"]["code"] == "CODE2345"
    with pytest.raises(Rejected, match="从事项目录中取消"):  # a slot on the cancel date cannot be booked
        e.execute(BookAppointment("bdc-transfer", at(2026, 12, 1, 10, 0), "CODE2346"), at(2026, 11, 27, 9, 0))
    # the item is withdrawn earlier than planned (a reload): the booked citizen still gets a ticket
    e.services["bdc-transfer"].national.plan_cancel_date = date(2026, 11, 28)
    reply = e.execute(
        IssueTicket("kiosk-1", "bdc-transfer", "appointment", appointment_code="CODE2345"), at(2026, 11, 30, 9, 50)
    ).reply
    assert reply["appointment_status"] == "on_time" and reply["ticket"]["priority"] == "appointment"


def test_the_catalog_of_a_day_lists_what_is_in_force(config):
    before = build_catalog(config, at(2026, 11, 27, 12, 0))
    offered = {s["id"] for s in before["services"]}
    assert "zh-general" not in offered and "bdc-transfer" in offered
    assert "bundle-birth" not in {b["id"] for b in before["bundles"]}  # its item is not offered yet
    after = build_catalog(config, at(2026, 12, 1, 12, 0))
    assert {s["id"] for s in after["services"]} == offered - {"bdc-transfer"} | {"zh-general"}
    assert before["version"] != after["version"]
    assert build_catalog(config, at(2026, 12, 1, 20, 0))["version"] == after["version"]  # one version a day
