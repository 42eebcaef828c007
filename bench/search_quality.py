"""Search quality: graded relevance of `GET /search` against a jieba + BM25 baseline, one run.

The catalogue is `bench.search_catalog` (327 always-available products, 15 shops) and the queries
and judgments `bench/search_queries.json` (made by `bench.search_judgments`, whose docstring has
the rules). Two systems answer every query:

- baseline: jieba's default mode (`jieba.cut`, precise with HMM, no user dictionary), lowercased,
  BM25 (k1 = 1.2, b = 0.75) over the titles only, in memory, built in this run.
- ours: the app on in-process moto (as `tests/api`), the catalogue loaded through the merchant
  API, the `EventModel` stream records fed to `jobs.events.handle_stream_batch` in batches of 100,
  then `GET /search?q=…&limit=10` per query with its DynamoDB calls counted at botocore.

Metrics, per query class and over all queries (each query weighs the same):

- nDCG@10 on condensed lists: unjudged products are dropped from the ranking before it is cut at
  10; gain 2^grade − 1, discount log2(rank + 1), the ideal ranking from all the query's judgments.
- success@10: a grade-2 product among the first 10 results.
- zero-result rate: queries answered with nothing.
- judged@10: the share of the first 10 results that carry a judgment (how much condensing hid).

Both systems are cut at the same depth (10, the page `/search` answers), so the baseline is not
condensed from deeper down its ranking than ours can be.

Targets: overall nDCG@10 ≥ baseline + 0.15, no class below the baseline, zero-result rate < 3%.
Also measured: the postings written per product (when `chalicelib.store.search_index` exposes a
count) and what loading a segmenter costs a fresh interpreter (`analyzer_cost`).

`python -m bench.search_quality [--runs N] [--json PATH]` prints this section alone;
`python -m bench.run` prints it after the others.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

from botocore.client import BaseClient

from bench import env
from bench.counter import dynamodb_calls
from bench.search_catalog import BRANDS, BY_KEY, PRODUCTS, SHOPS, TYPE_CATEGORY
from bench.search_judgments import CLASSES, QUERIES_PATH, load
from bench.table import render, summary_line, write_figures

Progress = Callable[[str], None]

DEPTH = 10  # results per query, both systems (the /search page)
NDCG_GAIN_TARGET = 0.15  # ours overall nDCG@10 ≥ baseline + this
ZERO_RESULT_TARGET = 0.03  # ours zero-result rate below this
BM25_K1, BM25_B = 1.2, 0.75
STREAM_BATCH = 100
ANALYZER_RUNS = 5
SAMPLE_TITLE = "添可芙万2.0 LCD无线智能洗地机 吸拖一体 家用自清洁"
USER_DICT_SIZE = 200


# --- metrics --------------------------------------------------------------------------------------

def ndcg(ranked: list[str], judgments: dict[str, int], depth: int = DEPTH) -> float:
    """nDCG@depth on the condensed list (unjudged results dropped before the cut)."""
    condensed = [key for key in ranked if key in judgments][:depth]
    dcg = sum((2 ** judgments[key] - 1) / math.log2(rank + 2)
              for rank, key in enumerate(condensed))
    ideal = sorted(judgments.values(), reverse=True)[:depth]
    best = sum((2 ** grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(ideal))
    return dcg / best if best else 0.0


def score_query(ranked: list[str], judgments: dict[str, int]) -> dict:
    top = ranked[:DEPTH]
    return {
        "ndcg": ndcg(top, judgments),
        "success": any(judgments.get(key) == 2 for key in top),
        "zero": not ranked,
        "judged": sum(key in judgments for key in top) / len(top) if top else None,
    }


def aggregate(rows: list[dict]) -> dict:
    """Means over queries, per class and overall, of `score_query` rows (which carry `class`)."""
    def summary(group: list[dict]) -> dict:
        judged = [r["judged"] for r in group if r["judged"] is not None]
        return {
            "queries": len(group),
            "ndcg": statistics.fmean(r["ndcg"] for r in group),
            "success": statistics.fmean(r["success"] for r in group),
            "zero_rate": statistics.fmean(r["zero"] for r in group),
            "judged": statistics.fmean(judged) if judged else None,
        }

    by_class = defaultdict(list)
    for row in rows:
        by_class[row["class"]].append(row)
    return {"classes": {c: summary(by_class[c]) for c in CLASSES if by_class[c]},
            "overall": summary(rows)}


def evaluate(queries: list[dict], rankings: dict[str, list[str]]) -> dict:
    rows = [{"q": q["q"], "class": q["class"], **score_query(rankings[q["q"]], q["judgments"])}
            for q in queries]
    return {**aggregate(rows), "per_query": rows}


# --- baseline: jieba default mode + BM25 over titles ---------------------------------------------

def _is_word(token: str) -> bool:
    return any(not unicodedata.category(ch).startswith(("P", "S", "Z", "C")) for ch in token)


def jieba_tokens(text: str) -> list[str]:
    import jieba

    return [t.lower() for t in jieba.cut(text) if _is_word(t)]


class Bm25:
    """Okapi BM25 over short documents; ties keep catalogue order."""

    def __init__(self, docs: dict[str, list[str]], k1: float = BM25_K1, b: float = BM25_B):
        self.k1, self.b = k1, b
        self.docs = {key: Counter(tokens) for key, tokens in docs.items()}
        self.lengths = {key: len(tokens) for key, tokens in docs.items()}
        self.average = statistics.fmean(self.lengths.values())
        df = Counter(term for counts in self.docs.values() for term in counts)
        n = len(docs)
        self.idf = {term: math.log((n - f + 0.5) / (f + 0.5) + 1) for term, f in df.items()}
        self.order = {key: i for i, key in enumerate(docs)}

    def search(self, tokens: list[str], limit: int = DEPTH) -> list[str]:
        scores: dict[str, float] = defaultdict(float)
        for term in set(tokens):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for key, counts in self.docs.items():
                tf = counts.get(term)
                if tf:
                    norm = self.k1 * (1 - self.b + self.b * self.lengths[key] / self.average)
                    scores[key] += idf * tf * (self.k1 + 1) / (tf + norm)
        return sorted(scores, key=lambda k: (-scores[k], self.order[k]))[:limit]


def measure_baseline(queries: list[dict], progress: Progress) -> dict:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    started = time.perf_counter()
    jieba.initialize()
    index = Bm25({p.key: jieba_tokens(p.title) for p in PRODUCTS})
    built = time.perf_counter() - started
    started = time.perf_counter()
    rankings = {q["q"]: index.search(jieba_tokens(q["q"])) for q in queries}
    answered = time.perf_counter() - started
    progress(f"baseline: jieba + BM25 over {len(PRODUCTS)} titles built in {built:.1f}s, "
             f"{len(queries)} queries in {answered * 1000:.0f} ms")
    return {"rankings": rankings, **evaluate(queries, rankings),
            "build_seconds": round(built, 2)}


# --- ours: the app on moto ------------------------------------------------------------------------

@contextlib.contextmanager
def _writes_by_table():
    """Items written to each DynamoDB table (PutItem, UpdateItem, DeleteItem, batch and
    transaction items), counted from the requests at botocore."""
    written: Counter = Counter()
    original = BaseClient._make_api_call
    prefix = "shelf-test-"

    def counting(client, operation_name, params):
        if client.meta.service_model.service_name == "dynamodb":
            if operation_name in ("PutItem", "UpdateItem", "DeleteItem"):
                written[params.get("TableName", "?").removeprefix(prefix)] += 1
            elif operation_name == "BatchWriteItem":
                for table, requests in params.get("RequestItems", {}).items():
                    written[table.removeprefix(prefix)] += len(requests)
            elif operation_name == "TransactWriteItems":
                for item in params.get("TransactItems", []):
                    for kind, action in item.items():
                        if kind != "ConditionCheck":
                            written[action.get("TableName", "?").removeprefix(prefix)] += 1
        return original(client, operation_name, params)

    with mock.patch.object(BaseClient, "_make_api_call", counting):
        yield written


def _stream_record(model, sequence: int) -> dict:
    """A DynamoDB stream INSERT record of an event, as tests/api/test_scores_pipeline.py builds."""
    return {"eventID": f"rec-{sequence}", "eventName": "INSERT", "eventSource": "aws:dynamodb",
            "dynamodb": {"NewImage": model.serialize(), "SequenceNumber": str(sequence),
                         "StreamViewType": "NEW_IMAGE"}}


def _not_available(reason: str) -> dict:
    return {"available": False, "reason": reason}


def _postings_count() -> tuple[Callable[[str], int] | None, str]:
    """A per-product postings count from chalicelib.store.search_index, if it exposes one."""
    try:
        module = importlib.import_module("chalicelib.store.search_index")
    except ModuleNotFoundError:
        return None, "not available: chalicelib.store.search_index is missing"
    for name in ("all_terms_count", "postings_count", "count_postings", "posting_count"):
        function = getattr(module, name, None)
        if callable(function):
            return function, f"search_index.{name}(product_id)"
    return None, "not available: chalicelib.store.search_index exposes no per-product count"


@contextlib.contextmanager
def _moto_as_tests():
    """moto with the patches tests/api/conftest.py applies (local/moto_server.py): transactions
    back up only the items they touch, a table or local-index Query reads its partition, no
    instance tracking.
    None changes a call or a response; without them moto copies every table on each transaction,
    so loading and indexing the catalogue is quadratic in time and memory. The patched moto
    methods are put back afterwards, so later sections see moto as they would alone."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    from local import moto_server

    saved = (Table.query, DynamoDBBackend.transact_write_items)
    moto_server.apply_patches()
    try:
        yield moto_server.stop_instance_tracking  # again inside each mock: a mock start resets it
    finally:
        Table.query, DynamoDBBackend.transact_write_items = saved


def measure_ours(queries: list[dict], progress: Progress) -> dict:
    if not (env.REPO_ROOT / "chalicelib" / "routes" / "search.py").exists():
        return _not_available("chalicelib/routes/search.py does not exist yet")
    env.apply()
    from chalice.test import Client
    from moto import mock_aws

    from bench.round_trips import _Api, _quiet_logs

    with _moto_as_tests() as stop_instance_tracking, mock_aws():
        from chalicelib.store.tables import create_missing_tables

        stop_instance_tracking()
        create_missing_tables(progress=lambda _: None)
        from app import app

        with _quiet_logs(), Client(app) as client:
            api = _Api(client, {})
            status, answer = api.call("get", "/search?" + urlencode({"q": "洗地机", "limit": 1}))
            if status != 200 or not isinstance(answer, dict) or "items" not in answer:
                return _not_available(f"GET /search answered HTTP {status}: "
                                      f"{json.dumps(answer, ensure_ascii=False)[:120]}")
            return _measure_ours(api, queries, progress)


def _load_catalogue(api, progress: Progress) -> tuple[dict[str, str], float]:
    from chalicelib.auth import issue_token

    started = time.perf_counter()
    merchants = {}
    for shop in SHOPS:
        token = issue_token(f"bench-search-{shop}", "merchant")
        merchants[shop] = {"Authorization": f"Bearer {token}"}
    shop_ids = {}
    for shop, (name, description) in SHOPS.items():
        status, body = api.call("post", "/shops", {"name": name, "description": description},
                                merchants[shop])
        if status != 201:
            raise RuntimeError(f"creating shop {shop} failed: HTTP {status} {body}")
        shop_ids[shop] = body["shop_id"]
    keys_by_id = {}
    for n, product in enumerate(PRODUCTS, 1):
        status, body = api.call("post", f"/shops/{shop_ids[product.shop]}/products",
                                product.body(), merchants[product.shop])
        if status != 201:
            raise RuntimeError(f"creating {product.key} failed: HTTP {status} {body}")
        keys_by_id[body["product_id"]] = product.key
        if n % 100 == 0:
            progress(f"ours: {n}/{len(PRODUCTS)} products created through the merchant API")
    return keys_by_id, time.perf_counter() - started


def _feed_stream(progress: Progress, keys_by_id: dict[str, str]) -> dict:
    from chalicelib.jobs.events import handle_stream_batch
    from chalicelib.store.events import EventModel

    events = sorted(EventModel.scan(), key=lambda e: e.event_id)
    records = [_stream_record(e, n) for n, e in enumerate(events)]
    failed: list[str] = []
    started = time.perf_counter()
    with _writes_by_table() as written, dynamodb_calls() as calls, \
            contextlib.redirect_stdout(io.StringIO()):
        for start in range(0, len(records), STREAM_BATCH):
            answer = handle_stream_batch({"Records": records[start:start + STREAM_BATCH]})
            failed += [f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])]
        first_failed = list(failed)
        if failed:  # Lambda hands a partial failure back once more; so does the bench, once
            retry = [records[int(sequence)] for sequence in failed if sequence.isdigit()]
            try:
                answer = handle_stream_batch({"Records": retry})
                failed = [f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures",
                                                                           [])]
            except Exception:  # Powertools raises when every record of a batch failed
                pass  # all of them failed again
    seconds = time.perf_counter() - started
    progress(f"ours: {len(records)} events fed to handle_stream_batch in "
             f"{math.ceil(len(records) / STREAM_BATCH)} batches in {seconds:.1f}s, "
             f"{calls.total} DynamoDB calls, {len(first_failed)} records failed on first "
             f"delivery, {len(failed)} after one retry")

    def described(sequences: list[str]) -> list[dict]:
        return [{"event_id": e.event_id, "type": e.type,
                 "products": [keys_by_id.get(p, p) for p in e.product_ids]}
                for e in (events[int(s)] for s in sequences if s.isdigit())]

    return {"events": len(records), "by_type": dict(Counter(e.type for e in events)),
            "failed_first_delivery": described(first_failed), "failed": described(failed),
            "seconds": round(seconds, 2),
            "dynamodb_calls": calls.total, "by_operation": dict(sorted(calls.by_operation.items())),
            "items_written_by_table": dict(sorted(written.items()))}


def _postings(keys_by_id: dict[str, str]) -> dict:
    count, source = _postings_count()
    if count is None:
        return {"available": False, "source": source}
    counts = [count(product_id) for product_id in keys_by_id]
    return {"available": True, "source": source, "mean": statistics.fmean(counts),
            "min": min(counts), "max": max(counts), "total": sum(counts)}


def _measure_ours(api, queries: list[dict], progress: Progress) -> dict:
    keys_by_id, load_seconds = _load_catalogue(api, progress)
    progress(f"ours: {len(SHOPS)} shops, {len(PRODUCTS)} products loaded in {load_seconds:.1f}s")
    indexing = _feed_stream(progress, keys_by_id)
    postings = _postings(keys_by_id)
    rankings, answers = {}, []
    started = time.perf_counter()
    for n, query in enumerate(queries, 1):
        path = "/search?" + urlencode({"q": query["q"], "limit": DEPTH})
        with dynamodb_calls() as calls:
            status, body = api.call("get", path)
        items = (body or {}).get("items", []) if status == 200 else []
        ranked = [keys_by_id.get(item.get("product_id"), f"?{item.get('product_id')}")
                  for item in items]
        rankings[query["q"]] = ranked
        answers.append({"q": query["q"], "class": query["class"], "status": status,
                        "relaxed": bool((body or {}).get("relaxed")), "calls": calls.total,
                        "by_operation": dict(calls.by_operation), "items": len(ranked),
                        "matched": [item.get("matched") for item in items[:3]],
                        "error": None if status == 200 else body})
        if n % 50 == 0:
            progress(f"ours: {n}/{len(queries)} queries answered")
    seconds = time.perf_counter() - started
    progress(f"ours: {len(queries)} queries in {seconds:.1f}s "
             f"({seconds / len(queries) * 1000:.0f} ms each on moto)")
    figures = {"available": True, "rankings": rankings, **evaluate(queries, rankings),
               "answers": answers, "load_seconds": round(load_seconds, 2),
               "query_seconds": round(seconds, 2), "indexing": indexing, "postings": postings}
    figures["calls"] = _calls_by_class(answers)
    return figures


def _calls_by_class(answers: list[dict]) -> dict:
    groups = defaultdict(list)
    for answer in answers:
        groups[answer["class"]].append(answer)
        groups["overall"].append(answer)
    return {name: {"mean": statistics.fmean(a["calls"] for a in group),
                   "max": max(a["calls"] for a in group),
                   "relaxed": sum(a["relaxed"] for a in group),
                   "errors": sum(a["status"] != 200 for a in group)}
            for name, group in groups.items()}


# --- analyzer cost: fresh interpreters --------------------------------------------------------

_COST_SNIPPET = """\
import sys, time
t = time.perf_counter()
{body}
elapsed = time.perf_counter() - t
with open("/proc/self/status") as status:
    peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(elapsed, peak_kib)
"""


def user_dictionary() -> list[str]:
    """About 200 shelf words a merchant-facing dictionary would hold: brands, series, types,
    categories and tags of the catalogue (deterministic)."""
    words = {w for chinese, _ in BRANDS.values() for w in [chinese] if len(w) >= 2}
    words |= {t for t in TYPE_CATEGORY if len(t) >= 2} | set(TYPE_CATEGORY.values())
    words |= {p.line for p in PRODUCTS if p.line and not p.line.isascii()}
    words |= {tag for p in PRODUCTS for tag in p.tags if len(tag) >= 2}
    words |= {"芙万", "吸拖一体", "自清洁", "新一级能效", "变频冷暖", "空军一号", "德训鞋", "织金",
              "明制", "淡干", "牛油", "老火锅", "登机箱", "负离子", "扫拖一体", "上下水"}
    return sorted(words)[:USER_DICT_SIZE]


def _cost_variants(dict_path: Path) -> dict[str, tuple[str, str, bool]]:
    """name → (label, body of the timed snippet, fresh TMPDIR per run)."""
    sample = repr(SAMPLE_TITLE)
    jieba_cut = "import jieba, logging\njieba.setLogLevel(logging.WARNING)\n"
    variants = {
        "python": ("python alone (interpreter baseline)", "pass", False),
        "jieba": ("jieba, first cut (prefix-dict cache in $TMPDIR warm)",
                  f"{jieba_cut}list(jieba.cut({sample}))", False),
        "jieba_cold": ("jieba, first cut, empty $TMPDIR (as a Lambda cold start)",
                       f"{jieba_cut}list(jieba.cut({sample}))", True),
        "jieba_userdict": (f"jieba + user dictionary ({USER_DICT_SIZE} words), first cut",
                           f"{jieba_cut}jieba.load_userdict({str(dict_path)!r})\n"
                           f"list(jieba.cut({sample}))", False),
        "rjieba": ("rjieba, first cut", f"import rjieba\nrjieba.cut({sample})", False),
        "rjieba_userdict": (
            f"rjieba + user dictionary ({USER_DICT_SIZE} words), first cut",
            f"import rjieba\nfor w in open({str(dict_path)!r}, encoding='utf-8').read().split():"
            f"\n    rjieba.add_word(w, None, None)\nrjieba.cut({sample})", False),
        "pypinyin": ("pypinyin, first lazy_pinyin (information)",
                     f"from pypinyin import lazy_pinyin\nlazy_pinyin({sample})", False),
    }
    if (env.REPO_ROOT / "chalicelib" / "domain" / "analyzer.py").exists():
        variants["analyzer"] = ("chalicelib.domain.analyzer, first analyze_query(\"洗地机\")",
                                "from chalicelib.domain.analyzer import analyze_query\n"
                                "analyze_query('洗地机')", False)
    return variants


def _cost_once(body: str, fresh_tmp: bool) -> tuple[float, int]:
    from bench.cold_start import PYCACHE

    with tempfile.TemporaryDirectory(prefix="shelf-bench-jieba-") as tmp:
        extra = {"PYTHONPYCACHEPREFIX": str(PYCACHE)}
        if fresh_tmp:
            extra["TMPDIR"] = tmp
        result = subprocess.run(
            [sys.executable, "-c", _COST_SNIPPET.format(body=body)], cwd=env.REPO_ROOT,
            env=env.subprocess_env(**extra), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"analyzer cost snippet failed:\n{body}\n{result.stderr[-1500:]}")
    seconds, peak_kib = result.stdout.split()[-2:]
    return float(seconds), int(peak_kib)


def measure_analyzer_cost(runs: int, progress: Progress) -> dict:
    with tempfile.TemporaryDirectory(prefix="shelf-bench-userdict-") as tmp:
        dict_path = Path(tmp) / "userdict.txt"
        words = user_dictionary()
        dict_path.write_text("\n".join(words) + "\n", encoding="utf-8")
        variants = _cost_variants(dict_path)
        samples: dict[str, list[tuple[float, int]]] = {name: [] for name in variants}
        for _label, body, fresh in variants.values():  # warm-up: .pyc and jieba's cache
            _cost_once(body, fresh)
        for round_ in range(1, runs + 1):
            for name, (_label, body, fresh) in variants.items():
                samples[name].append(_cost_once(body, fresh))
            progress(f"analyzer cost: {round_}/{runs} rounds of {len(variants)} interpreters")
    rows = {}
    for name, (label, _body, _fresh) in variants.items():
        times = [s for s, _ in samples[name]]
        rows[name] = {"label": label, "ms_median": round(statistics.median(times) * 1000, 1),
                      "ms_min": round(min(times) * 1000, 1),
                      "peak_rss_mib_median": round(
                          statistics.median(r for _, r in samples[name]) / 1024, 1)}
    return {"runs": runs, "user_dictionary_words": len(words), "sample": SAMPLE_TITLE,
            "variants": rows}


# --- the section ----------------------------------------------------------------------------------

def measure(progress: Progress, runs: int = ANALYZER_RUNS) -> dict:
    """Both systems on every query, the targets, and the analyzer cost."""
    env.apply()
    queries = load()
    per_class = Counter(q["class"] for q in queries)
    progress(f"search quality: {len(queries)} queries "
             f"({', '.join(f'{c} {per_class[c]}' for c in CLASSES)}), "
             f"{sum(len(q['judgments']) for q in queries)} judgments, "
             f"{len(PRODUCTS)} products in {len(SHOPS)} shops")
    figures: dict = {"queries": len(queries), "products": len(PRODUCTS), "shops": len(SHOPS),
                     "judgments": sum(len(q["judgments"]) for q in queries),
                     "queries_file": str(QUERIES_PATH.relative_to(env.REPO_ROOT))}
    figures["baseline"] = measure_baseline(queries, progress)
    try:
        figures["ours"] = measure_ours(queries, progress)
    except Exception as error:  # the search scene is still landing: report, keep the baseline
        traceback.print_exc()
        figures["ours"] = _not_available(f"{type(error).__name__}: {error}")
    if not figures["ours"]["available"]:
        progress(f"ours: not available ({figures['ours']['reason']})")
    figures["targets"] = _targets(figures)
    try:
        figures["analyzer_cost"] = measure_analyzer_cost(runs, progress)
    except Exception as error:
        traceback.print_exc()
        figures["analyzer_cost"] = {"error": f"{type(error).__name__}: {error}"}
    return figures


def _targets(figures: dict) -> dict:
    base, ours = figures["baseline"], figures["ours"]
    if not ours["available"]:
        return {"available": False}
    gain = ours["overall"]["ndcg"] - base["overall"]["ndcg"]
    below = [c for c, row in ours["classes"].items() if row["ndcg"] < base["classes"][c]["ndcg"]]
    zero = ours["overall"]["zero_rate"]
    return {"available": True, "gain": gain, "gain_met": gain >= NDCG_GAIN_TARGET,
            "classes_below": below, "classes_met": not below, "zero_rate": zero,
            "zero_met": zero < ZERO_RESULT_TARGET}


def summary_targets(figures: dict) -> tuple[list[str], list[str]]:
    """(met, missed) targets, in the words of run.py's SUMMARY line."""
    targets = figures.get("targets") or {}
    if not targets.get("available"):
        return [], [f"search quality: ours not available ({figures['ours'].get('reason')})"]
    met, missed = [], []
    base = figures["baseline"]["overall"]["ndcg"]
    ours = figures["ours"]["overall"]["ndcg"]
    (met if targets["gain_met"] else missed).append(
        f"search nDCG@10 ≥ baseline + {NDCG_GAIN_TARGET} ({ours:.3f} vs {base:.3f})")
    (met if targets["classes_met"] else missed).append(
        "search: no class below the baseline"
        + (f" (below: {', '.join(targets['classes_below'])})" if targets["classes_below"] else ""))
    (met if targets["zero_met"] else missed).append(
        f"search zero-result rate < {ZERO_RESULT_TARGET:.0%} ({targets['zero_rate']:.1%})")
    return met, missed


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def print_tables(figures: dict) -> None:
    base, ours = figures["baseline"], figures["ours"]
    available = ours.get("available")
    print(f"\n== Search quality ({figures['queries']} queries, {figures['judgments']} judgments; "
          f"{figures['products']} products in {figures['shops']} shops; "
          f"nDCG@{DEPTH} on condensed lists)")
    if not available:
        print(f"  ours: not available: {ours['reason']}")
    rows = []
    for name in (*CLASSES, "overall"):
        b = base["overall"] if name == "overall" else base["classes"].get(name)
        if b is None:
            continue
        row = [name, b["queries"], f"{b['ndcg']:.3f}"]
        if available:
            o = ours["overall"] if name == "overall" else ours["classes"][name]
            calls = ours["calls"][name]
            delta = o["ndcg"] - b["ndcg"]
            row += [f"{o['ndcg']:.3f}", f"{delta:+.3f}", _pct(b["success"]), _pct(o["success"]),
                    _pct(b["zero_rate"]), _pct(o["zero_rate"]), _pct(b["judged"]),
                    _pct(o["judged"]), f"{calls['mean']:.1f} / {calls['max']}",
                    calls["relaxed"]]
        else:
            row += ["n/a", "", _pct(b["success"]), "n/a", _pct(b["zero_rate"]), "n/a",
                    _pct(b["judged"]), "n/a", "n/a", "n/a"]
        rows.append(row)
    print(render(["class", "queries", "base nDCG", "ours nDCG", "Δ", "base succ@10",
                  "ours succ@10", "base zero", "ours zero", "base judged", "ours judged",
                  "ours calls mean / max", "ours relaxed"], rows, right=set(range(1, 13))))
    targets = figures["targets"]
    if targets.get("available"):
        verdict = "PASS" if targets["gain_met"] else "FAIL"
        print(f"  overall nDCG@10: ours − baseline = {targets['gain']:+.3f}   "
              f"target ≥ +{NDCG_GAIN_TARGET}   {verdict}")
        below = ", ".join(targets["classes_below"]) or "none"
        print(f"  classes below the baseline: {below}   target none   "
              f"{'PASS' if targets['classes_met'] else 'FAIL'}")
        print(f"  zero-result rate: {targets['zero_rate']:.1%}   target < "
              f"{ZERO_RESULT_TARGET:.0%}   {'PASS' if targets['zero_met'] else 'FAIL'}")
        _print_indexing(ours)
    else:
        print(f"  targets (overall nDCG@10 ≥ baseline + {NDCG_GAIN_TARGET}, no class below the "
              f"baseline, zero-result rate < {ZERO_RESULT_TARGET:.0%}): not measured")
    print("  baseline = jieba.cut (precise, HMM, no user dictionary), lowercase, BM25 k1 1.2 "
          "b 0.75 over titles;\n  succ@10 = a grade-2 product in the first 10; judged = share "
          "of the first 10 that is judged;\n  calls = DynamoDB calls per GET /search (botocore); "
          "relaxed = answers flagged relaxed.")
    _print_hard_queries(figures)
    _print_analyzer_cost(figures.get("analyzer_cost") or {})


def _print_indexing(ours: dict) -> None:
    indexing, postings = ours["indexing"], ours["postings"]
    types = ", ".join(f"{t} {n}" for t, n in sorted(indexing["by_type"].items()))
    written = ", ".join(f"{t} {n}" for t, n in indexing["items_written_by_table"].items())
    print(f"  indexing: {indexing['events']} events ({types}) through handle_stream_batch in "
          f"{indexing['seconds']:.1f}s, {indexing['dynamodb_calls']} DynamoDB calls, "
          f"{len(indexing['failed_first_delivery'])} records failed on first delivery, "
          f"{len(indexing['failed'])} after one retry")
    for failure in indexing["failed_first_delivery"]:
        print(f"    failed on first delivery: {failure['type']} {failure['event_id']} "
              f"({', '.join(failure['products'])})")
    print(f"  items written by the stream consumer: {written or 'none'}")
    if postings["available"]:
        print(f"  postings per product ({postings['source']}): mean {postings['mean']:.1f}, "
              f"min {postings['min']}, max {postings['max']}, total {postings['total']}")
    else:
        print(f"  postings per product: {postings['source']}")


def _print_hard_queries(figures: dict, count: int = 10) -> None:
    system = "ours" if figures["ours"].get("available") else "baseline"
    result = figures[system]
    rows = sorted(result["per_query"], key=lambda r: (r["ndcg"], r["q"]))[:count]
    print(f"\n  Hardest {count} queries for {system} (lowest nDCG@10; top 3 results, grade in "
          "brackets, ? = unjudged):")
    queries = {q["q"]: q["judgments"] for q in load()}
    table = []
    for row in rows:
        judgments = queries[row["q"]]
        top = []
        for key in result["rankings"][row["q"]][:3]:
            title = BY_KEY[key].title[:14] if key in BY_KEY else key
            top.append(f"{title}[{judgments.get(key, '?')}]")
        table.append([row["q"], row["class"], f"{row['ndcg']:.2f}",
                      " | ".join(top) or "(no result)"])
    print(render(["query", "class", "nDCG", "top 3"], table, right={2}))


def _print_analyzer_cost(cost: dict) -> None:
    if "error" in cost or not cost:
        print(f"\n  analyzer cost: not measured ({cost.get('error', 'skipped')})")
        return
    print(f"\n  Analyzer cost: fresh `python -c` per run, import + first segmentation of one "
          f"title, median of {cost['runs']} runs")
    rows = [[v["label"], f"{v['ms_median']:.1f}", f"{v['ms_min']:.1f}",
             f"{v['peak_rss_mib_median']:.1f}"] for v in cost["variants"].values()]
    print(render(["variant", "ms (median)", "ms (min)", "peak RSS MiB (median)"], rows,
                 right={1, 2, 3}))
    if "analyzer" not in cost["variants"]:
        print("  chalicelib.domain.analyzer: not available (module missing)")


def main(argv: list[str] | None = None) -> int:
    from bench.run import Progress as ProgressLines

    parser = argparse.ArgumentParser(prog="python -m bench.search_quality",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=ANALYZER_RUNS,
                        help=f"fresh interpreters per analyzer-cost variant "
                             f"(default {ANALYZER_RUNS})")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    os.chdir(env.REPO_ROOT)
    progress = ProgressLines()
    print("[search quality] baseline, ours on moto, analyzer cost", flush=True)
    figures = measure(progress, args.runs)
    print_tables(figures)
    met, missed = summary_targets(figures)
    print("\n" + summary_line(met, missed))
    if args.json:
        write_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
