"""The hall server's monitoring, shipped by provisioning: Prometheus alert rules, a Grafana dashboard and
the scrape job, for the metrics the queue broker exports (queue_broker/metrics.py).

`init` turns the broker's metrics on (`HALL_METRICS_ADDR` in its node.env: 127.0.0.1:9464 on a hall
server; any free port when the hall runs in place, as `up` and the tests do, so that several halls on
one machine never collide) and puts these files in the broker's bundle under `monitoring/`; install.sh
copies them to /etc/hall/monitoring/. Files here:

    hall-alerts.yaml              the alert rules (`promtool check rules`)
    hall-alerts.test.yaml         their unit tests (`promtool test rules`)
    grafana-hall-dashboard.json   the dashboard (Grafana: Dashboards → Import)
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
RULES = HERE / "hall-alerts.yaml"
RULE_TESTS = HERE / "hall-alerts.test.yaml"
DASHBOARD = HERE / "grafana-hall-dashboard.json"
METRICS_ADDR = "127.0.0.1:9464"  # the broker's /metrics on a hall server: local, for its own Prometheus
JOB = "hall-broker"  # the scrape job's name, which the rules and the dashboard select


def node_env_lines(role: str, in_place: bool) -> list[str]:
    """The broker's node.env turns metrics on; other roles export none."""
    if role != "broker":
        return []
    return [f"HALL_METRICS_ADDR={'127.0.0.1:0' if in_place else METRICS_ADDR}"]


def scrape_config(site: str, addr: str = METRICS_ADDR, rules: str = "/etc/hall/monitoring/hall-alerts.yaml") -> str:
    """What to add to the hall server's Prometheus (Debian: /etc/prometheus/prometheus.yml)."""
    return (
        f"# Hall {site}: add these two entries to /etc/prometheus/prometheus.yml, then systemctl reload prometheus.\n"
        "rule_files:\n"
        f"  - {rules}\n"
        "scrape_configs:\n"
        f"  - job_name: {JOB}\n"
        "    scrape_interval: 15s\n"
        "    static_configs:\n"
        f"      - targets: ['{addr}']\n"
        f"        labels: {{hall: {site}}}\n"
    )


def write_bundle_files(bundle: Path, site: str) -> list[Path]:
    """The rules, the dashboard and the scrape job in `bundle/monitoring/` (the broker's bundle)."""
    from ..files import write_public

    out = bundle / "monitoring"
    out.mkdir(parents=True, exist_ok=True)
    files = {RULES.name: RULES.read_bytes(), DASHBOARD.name: DASHBOARD.read_bytes()}
    files["prometheus-hall.yaml"] = scrape_config(site).encode()
    for name, content in files.items():
        write_public(out / name, content)
    return [out / name for name in files]
