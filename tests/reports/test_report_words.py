"""The report says every kind of alert in words: the tidal rebalancer's recommendations raised by the
real recommender (not only the monitoring rules), in the HTML, the Markdown and the PDF; no kind's
code (`recommend_open`) reaches a supervisor's page. Issue 17: the day report showed `recommend_open`."""

from __future__ import annotations

from datetime import timedelta

from queue_broker.engine.commands import AssignCounter, RaiseAlert
from queue_broker.reports.model import ALERT_NAMES, SEVERITY_NAMES, alert_name, build_report, load_period
from queue_broker.reports.render import to_html, to_markdown, write_pdf
from queue_broker.store import SqliteEventStore
from queue_broker.supervision.monitor import RULES
from queue_broker.tidal.task import TidalTask

from ..tidal.test_rebalancer import T0, Hall, scenario
from .conftest import pdf_text


def test_every_alert_kind_the_broker_raises_has_a_name():
    for kind in (*RULES, "recommend_open", "recommend_close"):
        assert kind in ALERT_NAMES and not ALERT_NAMES[kind].isascii(), kind
    assert alert_name("from_a_newer_broker") == "其他预警（from_a_newer_broker）"  # said, not hidden
    assert set(SEVERITY_NAMES) == {"red", "yellow", "info"}


def test_a_recommendation_is_reported_in_words(tmp_path):
    h = Hall(scenario())
    # as the rebalancer's own test: T1 locked on A, B has one counter and 15 waiting: open more windows
    h.run(AssignCounter("T1", ("A",), "tidal", True, by="sup"), T0)
    h.issue("B", T0, 15)
    h.call("B1", T0)
    task = TidalTask(h.config)
    raised = []
    for minute in (1, 2):
        for cmd in task(h.engine, T0 + timedelta(minutes=minute)):
            if isinstance(cmd, RaiseAlert):
                h.run(cmd, T0 + timedelta(minutes=minute))
                raised.append(cmd.kind)
    assert raised == ["recommend_open"]
    store = SqliteEventStore(str(tmp_path / "hall.db"))
    try:
        store.commit(h.events, {})
        report = build_report(load_period(h.config, store, T0.date(), T0.date()))
    finally:
        store.close()
    html, md = to_html(report), to_markdown(report)
    pdf = write_pdf(report, tmp_path / "day.pdf")
    for text in (html, md, pdf_text(pdf)):
        assert "建议增开窗口" in text
        assert "recommend_open" not in text and "recommend_" not in text
