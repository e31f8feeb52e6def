"""`catalog publish`: the sample hall's catalog as a static site and a JSON feed, the same version the
broker publishes on state/catalog that day, the version and date on every page; searched and browsed in
a real headless Chromium from the files alone (no server, no request leaves the folder); screenshots in
docs/screenshots/."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from queue_broker.config.loader import load_site_config
from queue_broker.service.catalog import build_catalog

from .conftest import ROOT, TZ, cli

SAMPLE = ROOT / "examples" / "neixiang" / "site.yaml"
SHOTS = ROOT / "docs" / "screenshots"
DAY = "2026-11-27"


def publish(out: Path, site: Path = SAMPLE, day: str = DAY):
    return cli("catalog", "publish", "--config", site, "--out", out, "--date", day)


def test_the_site_and_feed_are_the_days_catalog_with_version_and_date_on_every_page(tmp_path):
    out = tmp_path / "guides"
    run = publish(out)
    assert run.returncode == 0, run.stderr
    cfg = load_site_config(SAMPLE, env={})
    version = build_catalog(cfg, datetime(2026, 11, 27, 9, 0, tzinfo=TZ))["version"]
    assert f"catalog {version} of {DAY}: 62 item pages" in run.stdout
    feed = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    assert (feed["version"], feed["date"], len(feed["items"])) == (version, DAY, 62)
    resale = next(i for i in feed["items"] if i["id"] == "bdc-transfer-resale")
    assert resale["task_code"] and resale["materials"] and resale["guide"]["time_limit_days"] == 3
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 63
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert version in text and DAY in text, page
        assert "<script src" not in text and 'rel="stylesheet" href="http' not in text  # nothing loaded from elsewhere
    item = (out / "items" / "bdc-transfer-resale.html").read_text(encoding="utf-8")
    for words in (
        "申请材料",
        "受理条件",
        "承诺办结时限",
        "最多跑一次",
        "也可网上办",
        resale["task_handle_item"],
        "收费",
    ):
        assert words in item
    # published again: the folder is replaced whole, nothing of the old one or of the swap is left
    (out / "stale.html").write_text("old", encoding="utf-8")
    assert publish(out).returncode == 0
    assert not (out / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["guides"]


def test_a_withdrawn_item_is_not_published_from_its_date(tmp_path):
    site = tmp_path / "neixiang"
    import shutil

    shutil.copytree(SAMPLE.parent, site)
    services = site / "services.yaml"
    text = services.read_text(encoding="utf-8")
    marker = "dept_name: 内乡县不动产登记服务中心, project_type: 承诺, promise_day: 3"
    assert marker in text
    services.write_text(text.replace(marker, marker + ", plan_cancel_date: 2026-12-01", 1), encoding="utf-8")
    assert publish(tmp_path / "before", site / "site.yaml", "2026-11-30").returncode == 0
    assert publish(tmp_path / "after", site / "site.yaml", "2026-12-01").returncode == 0
    before = {i["id"]: i for i in json.loads((tmp_path / "before" / "catalog.json").read_text("utf-8"))["items"]}
    after = {i["id"] for i in json.loads((tmp_path / "after" / "catalog.json").read_text("utf-8"))["items"]}
    [gone] = set(before) - after
    assert before[gone]["withdrawn_from"] == "2026-12-01"
    assert "2026-12-01 起停止办理" in (tmp_path / "before" / "items" / f"{gone}.html").read_text("utf-8")
    assert not (tmp_path / "after" / "items" / f"{gone}.html").exists()


def test_search_and_browse_in_a_real_browser_without_a_server(chromium, tmp_path):
    out = tmp_path / "guides"
    assert publish(out).returncode == 0
    version = json.loads((out / "catalog.json").read_text(encoding="utf-8"))["version"]
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    outside: list[str] = []
    context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else (outside.append(route.request.url), route.abort())
    )  # fmt: skip
    page = context.new_page()
    page.goto((out / "index.html").as_uri())
    assert page.locator("meta[name=catalog-version]").get_attribute("content") == version
    assert "62 个事项" in page.inner_text("#hint")
    page.fill("#q", "社保卡")
    results = page.locator("#results li a")
    names = results.all_inner_texts()
    assert names and all("社会保障卡" in n or "社保" in n for n in names[:1])
    page.fill("#q", "不动产 抵押")
    assert page.locator("#results li").count() >= 1
    assert all("抵押" in n for n in page.locator("#results li a").all_inner_texts())
    page.fill("#q", "没有这个事项啊")
    assert page.locator("#results li").count() == 0 and "没有找到" in page.inner_text("#hint")
    page.fill("#q", "不动产")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "catalog-search.png"))
    page.locator("#results li a", has_text="买卖转移登记").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("items/bdc-transfer-resale.html")
    assert "存量房" in page.inner_text("h1") and version in page.inner_text("footer")
    page.goto((out / "index.html").as_uri() + "#q=营业执照")  # a link with the search in it
    assert page.locator("#results li").count() >= 1
    page.locator("h2", has_text="按人生事件").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "catalog-index.png"))
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN")
    item = phone.new_page()
    item.goto((out / "items" / "bdc-transfer-resale.html").as_uri())
    assert item.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    item.screenshot(path=str(SHOTS / "catalog-item-phone.png"), full_page=True)
    context.close()
    phone.close()
    assert outside == []
