"""What the materials checks measure on typical pages, and what a page costs the hall server.

    .venv/bin/python bench/materials_checks.py [--repeat 5]

Pages are drawn (tests/materials/pages.py): a typed A4 page at 150 dpi (1240 × 1754), the same blurred
(Gaussian σ 2, 3, 4 px), shaken (a 15 and a 25 px streak), blank, an ID card's front, a card on a page,
and the typed page photographed by a 5 MP document camera (2592 × 1944) at a 20° tilt. For each: the
share of writing ("ink"), the sharpness figure (variance of the second derivative across and along the
page, the weaker, at 1000 px wide), the verdict with the site's defaults, and the time of the whole
check (`check_upload`: header, decode, page finding for the photo, ID-card test, measures) and of
encrypting and writing the page (`Vault.put`, fsync included), median of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from queue_broker.config.access import Materials  # noqa: E402
from queue_broker.materials.checks import MaterialRefused, check_upload, measure  # noqa: E402
from queue_broker.materials.vault import Vault  # noqa: E402
from tests.materials import pages  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rules = Materials()
    text = pages.text_page()
    cases = [
        ("typed A4 page, PNG", pages.png(text), "scan"),
        ("the same, JPEG q70", pages.jpeg(text, 70), "camera"),
        ("blurred σ2", pages.png(pages.blurred(text, 2)), "scan"),
        ("blurred σ3", pages.png(pages.blurred(text, 3)), "scan"),
        ("blurred σ4", pages.png(pages.blurred(text, 4)), "scan"),
        ("shaken 15 px", pages.png(pages.shaken(text, 15)), "scan"),
        ("shaken 25 px", pages.png(pages.shaken(text, 25)), "scan"),
        ("blank page", pages.png(pages.blank_page()), "scan"),
        ("ID card front", pages.png(pages.id_card_front(1200)), "camera"),
        ("card on a page", pages.png(pages.card_on_page()), "camera"),
        ("photo, 5 MP, 20° tilt", pages.jpeg(pages.photo_of(text)), "photo"),
    ]
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}")
    print(
        f"# load average {os.getloadavg()[0]:.2f}; defaults: min_sharpness {rules.min_sharpness}, min_ink {rules.min_ink}"
    )
    print("| page | bytes | ink | sharpness | verdict | check ms |")
    print("|---|---:|---:|---:|---|---:|")
    for name, data, source in cases:
        times = []
        verdict = "kept"
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            try:
                image, check = check_upload(data, rules, source)
            except MaterialRefused as exc:
                verdict = f"refused: {exc.code}"
                image = None
            times.append((time.perf_counter() - t0) * 1000)

        figures = measure(
            image if image is not None else cv2.imdecode(__import__("numpy").frombuffer(data, "uint8"), 1)
        )
        print(
            f"| {name} | {len(data)} | {figures.ink:.3f} | {figures.sharpness:,.0f} | {verdict} | {statistics.median(times):.0f} |"
        )
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault(tmp, os.urandom(32), "bench")
        data = pages.png(text)
        times = []
        for i in range(args.repeat):
            t0 = time.perf_counter()
            vault.put(f"bench-page-{i:04d}", data)
            times.append((time.perf_counter() - t0) * 1000)
        print(
            f"\nencrypt and write one {len(data)}-byte page (AES-256-GCM, fsync): median {statistics.median(times):.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
