"""`python -m bench.run [--repeat N] [--json PATH]`: print the bench figures as tables.

Figures, not tests: targets missed are reported as FAIL and in the summary line, and the exit
code stays 0. It is 1 only when a section could not be measured at all (the bench broke).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from bench import attribution as attribution_bench
from bench import cold_start, env, round_trips, scenes, score_job, search_quality
from bench import ledger as ledger_bench
from bench import post_stream as post_stream_bench
from bench.table import render, summary_line, write_figures


class Progress:
    def __init__(self):
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"  [{time.perf_counter() - self.started:5.1f}s] {message}", flush=True)


def _heading(text: str) -> None:
    print(f"\n== {text}")


def _round_trip_table(figures: dict) -> None:
    catalog = figures["catalog"]
    _heading(f"DynamoDB round trips per request (moto in-process, chalice.test.Client; "
             f"{catalog['shops']} shop, {catalog['products']} products over "
             f"{len(catalog['categories'])} categories, page size {catalog['page_size']})")
    rows = []
    for r in figures["requests"]:
        ops = ", ".join(f"{op} {n}" for op, n in r["by_operation"].items()) or "none"
        if r.get("idempotency_calls"):
            ops += " (+ idempotency " + ", ".join(
                f"{op} {n}" for op, n in r["idempotency_calls"].items()) + ")"
        cards = (f"{r['items_read_by_operation'].get('Query', 0)}/{r['page_size']}"
                 if r["page_size"] else "")
        budget = "-" if r["budget"] is None else (
            str(r["budget"]) if r["budget"] == 1 else f"≤ {r['budget']}")
        rows.append([r["name"], r["round_trips"], ops, r["items_read"], cards, budget,
                     r["verdict"]])
    print(render(["request", "trips", "by operation", "items read", "cards/page", "budget",
                  "result"], rows, right={1, 3, 4}))
    routes = dict.fromkeys(r["route"].split("?")[0] for r in figures["requests"])
    print(f"  routes: {'; '.join(routes)} (storefront pages 2 carry the page 1 cursor)")
    print("  trips = DynamoDB API calls counted at botocore; items read = items DynamoDB returned "
          "over all\n  calls; cards/page = shelf cards the Query read for a page of that size: "
          "one more than the\n  page when more follow (the intended +1 over-read that decides "
          "whether to give a cursor).")


def _summary(results: dict) -> str:
    met, missed = [], []
    trips = results.get("round_trips")
    if trips:
        for kind, budget in (("product page", round_trips.BUDGET_PRODUCT_PAGE),
                             ("storefront page", round_trips.BUDGET_STOREFRONT_PAGE),
                             ("add to cart", round_trips.BUDGET_CART_CHANGE),
                             ("checkout", round_trips.BUDGET_CHECKOUT)):
            runs = [r for r in trips["requests"] if r["name"].startswith(kind.split()[0])]
            passed = [r for r in runs if r["verdict"] == "PASS"]
            worst = max(r["round_trips"] for r in runs)
            target = (f"{kind} ≤ {budget} trip{'s' if budget > 1 else ''} "
                      f"({len(passed)}/{len(runs)} requests, worst {worst})")
            (met if len(passed) == len(runs) else missed).append(target)
    cold_met, cold_missed = cold_start.summary_targets(results)
    met += cold_met
    missed += cold_missed
    if results.get("score_job"):
        score_met, score_missed = score_job.summary_targets(results["score_job"])
        met += score_met
        missed += score_missed
    if results.get("search_quality"):
        search_met, search_missed = search_quality.summary_targets(results["search_quality"])
        met += search_met
        missed += search_missed
    if results.get("scenes"):
        scene_met, scene_missed = scenes.summary_targets(results["scenes"])
        met += scene_met
        missed += scene_missed
    if results.get("streams"):
        for module, key in ((attribution_bench, "attribution"), (post_stream_bench, "post_stream")):
            stream_met, stream_missed = module.targets(results["streams"][key])
            met += stream_met
            missed += stream_missed
    errors = [f"{name} not measured" for name in results.get("errors", {})]
    return summary_line(met, missed, errors)


def _measure_streams(progress) -> dict:
    """Three small moto runs, one after the other: what attribution adds to a checkout, what the
    ledger writes per order event, and what the post-stream job reads as orders grow."""
    return {"attribution": attribution_bench.measure(progress),
            "ledger": ledger_bench.measure(),
            "post_stream": post_stream_bench.measure(progress)}


def _stream_tables(figures: dict) -> None:
    attribution_bench.report(figures["attribution"])
    ledger_bench.report(figures["ledger"])
    post_stream_bench.report(figures["post_stream"])


def _measure_scenes() -> dict:
    """bench.scenes in a process of its own (it sets the service clock to its cutoff), its
    progress lines shown as they come; its figures are read back from the JSON it writes."""
    import json
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder) / "scenes.json"
        quiet = {**os.environ, "POWERTOOLS_LOG_LEVEL": "WARNING"}  # progress, not request logs
        subprocess.run([sys.executable, "-m", "bench.scenes", "--json", str(figures),
                        "--no-tables"],
                       check=True, stdout=sys.stdout, stderr=sys.stderr, env=quiet)
        return json.loads(figures.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--repeat", type=int, default=15,
                        help="fresh interpreters per cold-start variant (default 15)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    os.chdir(env.REPO_ROOT)
    env.apply()
    progress = Progress()
    results: dict = {
        "date": datetime.date.today().isoformat(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "repeat": args.repeat,
        "errors": {},
    }
    print(f"==> shelf bench {results['date']}: Python {results['machine']['python']}, "
          f"{results['machine']['cores']} cores, {results['machine']['platform']}", flush=True)
    steps = (
        ("round_trips", "[1/7] round trips on moto", lambda: round_trips.run(progress)),
        ("cold_start", f"[2/7] cold start, {args.repeat} runs per variant",
         lambda: cold_start.measure(args.repeat, progress)),
        ("import_breakdown", "[3/7] import breakdown", lambda: cold_start.breakdown(progress)),
        ("score_job", "[4/7] score job cost: domain in-process, DynamoDB on moto",
         lambda: score_job.run(progress)),
        ("search_quality", "[5/7] search quality: baseline, ours on moto, analyzer cost",
         lambda: search_quality.measure(progress)),
        ("scenes", "[6/7] mall and recommendation scenes (own process: it moves the clock)",
         _measure_scenes),
        ("streams", "[7/7] creators and streams: checkout with attribution, the commission "
         "ledger, the post-stream job", lambda: _measure_streams(progress)),
    )
    for key, title, step in steps:
        print(f"{title}", flush=True)
        try:
            results[key] = step()
        except Exception as error:  # report and go on: the other figures still mean something
            traceback.print_exc()
            results["errors"][key] = f"{type(error).__name__}: {error}"
            progress(f"{key} FAILED to measure: {error}")

    if "round_trips" in results:
        _round_trip_table(results["round_trips"])
    cold_start.print_tables(results)
    if "score_job" in results:
        score_job.print_tables(results["score_job"])
    if "search_quality" in results:
        search_quality.print_tables(results["search_quality"])
    if "scenes" in results:
        scenes.print_tables(results["scenes"])
    if "streams" in results:
        _stream_tables(results["streams"])
    summary = _summary(results)
    results["summary"] = summary
    print(f"\n{summary}")
    print(f"(bench took {time.perf_counter() - progress.started:.0f}s)")
    if args.json:
        write_figures(results, args.json)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
