"""Write catalog-export.json beside this file: the sample hall's national items as a 事项库 export, in the
field names of ../shared/platform.md §1 (docs/platform.md). Run after editing ../services.yaml:

    .venv/bin/python examples/neixiang/platform/make_export.py

Importing the result into the sample hall changes nothing (tests/platform/test_catalog_import.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from queue_broker.config.loader import load_site_config  # noqa: E402


def main() -> None:
    cfg = load_site_config(HERE.parent / "site.yaml", env={})
    data = []
    for s in cfg.services:
        n = s.national
        if n is None:  # the hall's own services (consultation, result pickup) and the utilities
            continue
        g = s.guide
        data.append(
            {
                "catalog_code": n.catalog_code,
                "task_code": n.task_code,
                "task_handle_item": n.task_handle_item,
                "task_name": s.name,
                "task_type": n.task_type,
                "task_version": n.task_version,
                "dept_code": n.dept_code,
                "dept_name": n.dept_name,
                "project_type": n.project_type,
                "anticipate_day": n.anticipate_day,
                "anticipate_day_type": n.anticipate_day_type,
                "promise_day": n.promise_day,
                "promise_day_type": n.promise_day_type,
                "limit_scene_num": n.limit_scene_num,
                "accept_condition": g.conditions,
                "handle_flow": g.process,
                "by_law": g.legal_basis,
                "special_procedure": n.special_procedure,
                "materials": [
                    {
                        "name": m.name,
                        "originals": m.originals,
                        "copies": m.copies,
                        "form": m.form,
                        "note": m.note,
                        "required": m.required,
                    }
                    for m in s.materials
                ],
                "is_fee": g.fee != "不收费",
                "fee_standard": g.fee,
                "fee_basis": g.fee_basis,
                "link_way": g.contact,
                "result_name": g.result,
                "link_addr": n.link_addr,
                "mobile_terminal_url": n.mobile_terminal_url,
                "plan_effective_date": None,
                "plan_cancel_date": None,
            }
        )
    out = {
        "code": 200,
        "msg": "示例导出：内乡县行政审批服务中心进驻事项（演示数据，非官方事项库）",
        "total": len(data),
        "data": data,
    }
    (HERE / "catalog-export.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(data)} items: {HERE / 'catalog-export.json'}")


if __name__ == "__main__":
    main()
