#!/usr/bin/env python
"""Benchmark: printed forms (会员登记表).

Builds a SQLite database with ``portal demo --members N`` once, then, each in its own process (so
peak RSS is its own): one form printed repeatedly in a warm process (the first print, which loads
the fonts, reported apart; then the median and worst of the rest), and 200 forms in one PDF through
the same path as 打印所选 (``print_selection``: scoped query, masked values, layout, audit entry).
Prints seconds, pages and peak RSS; no assertions. Targets (issue 15): one form ≤ 0.5 s warm, 200
forms ≤ 30 s with RSS ≤ 600 MB.

Usage: python bench/print_forms.py [--forms 200] [--repeat 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from benchlib import empty_database, load_demo_database, measure, portal_app, bench_parser, work_folder


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args: argparse.Namespace) -> None:
    folder = Path(args.folder)
    app = portal_app(args.url, folder)
    if args.child == "setup":
        load_demo_database(app, members=args.forms + 20)
        print(json.dumps({"ok": True}))
        return
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.printing.jobs import print_selection
    from portal.printing.render import render_pdf
    from portal.printing.templates import record_html
    from portal.security.access import SYSTEM_ACCESS

    with app.app_context():
        state = app.extensions["portal"]
        spec = state.registry.get("members")
        form = spec.print_form("registration")
        model = state.models[spec.slug]
        ids = list(db.session.scalars(sa.select(model.id).order_by(model.id).limit(args.forms)))
        if args.child == "single":
            times = []
            for _ in range(args.repeat + 1):
                start = time.perf_counter()
                record = db.session.get(model, ids[0])
                html = record_html(app.config["PORTAL_SCHEMAS_DIR"], spec, form, record, SYSTEM_ACCESS, "bench",
                                   record.created_at)
                render_pdf([html], 1)
                times.append(time.perf_counter() - start)
            print(json.dumps({"first": times[0], "median": statistics.median(times[1:]), "worst": max(times[1:]),
                              "rss": peak_rss_mb()}))
            return
        start = time.perf_counter()
        result = print_selection(spec, form, ids, SYSTEM_ACCESS, folder / "out")
        seconds = time.perf_counter() - start
        print(json.dumps({"seconds": seconds, "forms": result.forms, "pages": result.pages,
                          "mb": result.path.stat().st_size / 1048576, "rss": peak_rss_mb()}))


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--forms", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    folder = work_folder(args.keep, "bench-print-")
    url = empty_database("sqlite", folder, "bench_print")
    common = ("--url", url, "--folder", str(folder), "--forms", str(args.forms), "--repeat", str(args.repeat))
    measure(__file__, "setup", *common)
    single = measure(__file__, "single", *common)
    print(f"一份会员登记表：首次 {single['first']:.3f} s（载入字体），之后中位数 {single['median']:.3f} s、"
          f"最慢 {single['worst']:.3f} s（{args.repeat} 次）；峰值 RSS {single['rss']:.0f} MB")
    batch = measure(__file__, "batch", *common)
    print(f"{batch['forms']} 份会员登记表合为一个 PDF：{batch['seconds']:.1f} s，{batch['pages']} 页，"
          f"{batch['mb']:.1f} MB；峰值 RSS {batch['rss']:.0f} MB（目标：一份 ≤ 0.5 s，200 份 ≤ 30 s 且 RSS ≤ 600 MB）")


if __name__ == "__main__":
    main()
