"""Cold start: import time and peak memory of `import app` against the bare stack it stands on.

Each figure comes from a fresh interpreter (`python -c`), as a Lambda cold start does, repeated
and interleaved so that drift on the machine hits every variant alike. The app variant imports
the bare stack first, then `import app`: a container serving its first request has loaded the
whole stack whether `import app` pulled it in or the request did, so app/bare is what our own
code costs on top of it. `-X importtime` of the same two steps gives the per-module breakdown and
a second app/bare ratio, which must agree with the timed one (AGREEMENT).
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench import env
from bench.table import render, run_section

TARGET_RATIO = 1.2  # import app / bare stack, median import time
BARE_IMPORTS = ("import boto3, pynamodb.models, pydantic, chalice\n"
                "from aws_lambda_powertools import Logger, Metrics")
APP_IMPORTS = f"{BARE_IMPORTS}\nimport app"
AGREEMENT = 0.1  # |timed ratio − importtime ratio| allowed: importtime's per-module overhead
_OWN = re.compile(r"^(app|chalicelib(\..+)?)$")
# Bytecode for every module, ours and the venv's, is cached here (and read only from here), so
# app and bare stack both import from .pyc without writing __pycache__ into the repo.
PYCACHE = Path(tempfile.gettempdir()) / "shelf-bench-pycache"
PYCACHE_STDLIB = Path(tempfile.gettempdir()) / "shelf-bench-pycache-stdlib"

# Run in the child: optional blocker of packages Lambda does not have, then the timed imports.
_SNIPPET = """\
import os, sys, time, resource
_blocked = frozenset(filter(None, os.environ.get("BENCH_BLOCKED", "").split(",")))
if _blocked:
    class _NotPackaged:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name.partition(".")[0] in _blocked:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None
    sys.meta_path.insert(0, _NotPackaged)
t = time.perf_counter()
{imports}
elapsed = time.perf_counter() - t
try:  # this process's own high-water mark; ru_maxrss would carry the parent's over exec
    with open("/proc/self/status") as status:
        peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(elapsed, peak_kib)
"""


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def not_packaged_modules(requirements: Path) -> list[str]:
    """Top-level modules installed here whose distributions are not in the Lambda bundle.

    The bundle is requirements.txt with its dependencies, plus chalice's runtime (chalice package
    vendors only chalice.app, not the CLI's dependencies). Dev-only packages such as moto pull in
    extras (cryptography, awscrt, ...) that some runtime libraries import opportunistically.
    """
    stack = [_norm(m.group(1)) for line in requirements.read_text().splitlines()
             if (m := re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line))]
    packaged: set[str] = set()
    while stack:
        name = stack.pop()
        if name in packaged:
            continue
        packaged.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            spec, _, marker = requirement.partition(";")
            if "extra" not in marker:
                stack.append(_norm(re.match(r"^\s*([A-Za-z0-9._-]+)", spec).group(1)))
    packaged.add("chalice")
    return sorted(
        module for module, dists in metadata.packages_distributions().items()
        if module.isidentifier() and not any(_norm(d) in packaged for d in dists)
    )


def _child_env(**extra: str) -> dict[str, str]:
    return env.subprocess_env(**{"PYTHONPYCACHEPREFIX": str(PYCACHE), **extra})


def _once(imports: str, blocked: list[str], packaged: bool = False) -> tuple[float, int]:
    extra = {"BENCH_BLOCKED": ",".join(blocked)} if blocked else {}
    if packaged:  # bytecode for the stdlib only; ours and site-packages compile every time
        extra.update(PYTHONPYCACHEPREFIX=str(PYCACHE_STDLIB), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-c", _SNIPPET.format(imports=imports)], cwd=env.REPO_ROOT,
        env=_child_env(**extra), capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"importing failed:\n{imports}\n{result.stderr[-2000:]}")
    seconds, rss_kib = result.stdout.split()
    return float(seconds), int(rss_kib)


def _stdlib_only_cache(blocked: list[str]) -> None:
    """A bytecode cache holding the stdlib's .pyc only, as in the Lambda runtime's image.

    `chalice package` ships app.py, chalicelib and the dependency wheels as .py files (no
    compileall) and /var/task is read-only, so in Lambda every cold start compiles them.
    """
    shutil.rmtree(PYCACHE_STDLIB, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-c", APP_IMPORTS], cwd=env.REPO_ROOT, check=True,
        capture_output=True,
        env=_child_env(PYTHONPYCACHEPREFIX=str(PYCACHE_STDLIB), BENCH_BLOCKED=",".join(blocked)),
    )
    paths = sysconfig.get_paths()
    for source in {paths["purelib"], paths["platlib"], str(env.REPO_ROOT)}:
        for variant in {Path(source), Path(source).resolve()}:
            shutil.rmtree(PYCACHE_STDLIB / variant.relative_to(variant.anchor),
                          ignore_errors=True)


def _summary(samples: list[tuple[float, int]]) -> dict:
    times = [s for s, _ in samples]
    rss = [r for _, r in samples]
    return {
        "import_ms_median": round(statistics.median(times) * 1000, 1),
        "import_ms_min": round(min(times) * 1000, 1),
        "peak_rss_mib_median": round(statistics.median(rss) / 1024, 1),
        "runs": len(samples),
    }


def measure(repeat: int, progress: Callable[[str], None]) -> dict:
    """Median/min import time and median peak RSS for each variant, in fresh interpreters."""
    blocked = not_packaged_modules(env.REPO_ROOT / "requirements.txt")
    variants = {  # name → (imports, hidden packages, as packaged without .pyc?)
        "python": ("pass", [], False),
        "bare": (BARE_IMPORTS, [], False),
        "app": (APP_IMPORTS, [], False),
        "bare_runtime_deps": (BARE_IMPORTS, blocked, False),
        "app_runtime_deps": (APP_IMPORTS, blocked, False),
        "bare_packaged": (BARE_IMPORTS, blocked, True),
        "app_packaged": (APP_IMPORTS, blocked, True),
    }
    _stdlib_only_cache(blocked)
    for variant in variants.values():  # warm-up: bytecode caches, page cache
        _once(*variant)
    load_before = _load()
    samples: dict[str, list] = {name: [] for name in variants}
    for round_ in range(repeat):
        for name, variant in variants.items():
            samples[name].append(_once(*variant))
        if (round_ + 1) % 5 == 0 or round_ + 1 == repeat:
            progress(f"cold start: {round_ + 1}/{repeat} rounds of {len(variants)} interpreters")
    figures = {name: _summary(runs) for name, runs in samples.items()}
    for suffix in ("", "_runtime_deps", "_packaged"):
        bare, app = figures[f"bare{suffix}"], figures[f"app{suffix}"]
        figures[f"ratio{suffix}"] = {
            "import_median": round(app["import_ms_median"] / bare["import_ms_median"], 2),
            "import_min": round(app["import_ms_min"] / bare["import_ms_min"], 2),
            "peak_rss_median": round(app["peak_rss_mib_median"] / bare["peak_rss_mib_median"], 2),
        }
    figures["load_average"] = {"before": load_before, "after": _load()}
    figures["repeat"] = repeat
    figures["target_ratio"] = TARGET_RATIO
    figures["met"] = figures["ratio"]["import_median"] <= TARGET_RATIO
    figures["not_packaged_seen"] = _blocked_in_app(blocked)
    return figures


def _load() -> float | None:
    """The 1-minute load average: other work on the machine makes import times noisy."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _importtime(imports: str) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) from one `python -X importtime` run, in import order."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", imports], cwd=env.REPO_ROOT,
        env=_child_env(), capture_output=True, text=True, check=True,
    )
    rows = []
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((parts[2].strip(), int(parts[0]), int(parts[1])))
    return rows


def _blocked_in_app(blocked: list[str]) -> list[str]:
    """Not-packaged top-level packages that `import app` loads here (not those site.py loads)."""
    def loaded(imports: str) -> set[str]:
        return {name.partition(".")[0] for name, _, _ in _importtime(imports)}

    return sorted((loaded("import app") - loaded("pass")) & set(blocked))


def breakdown(progress: Callable[[str], None], runs: int = 3) -> dict:
    """What `import app` adds on top of the bare stack, from `-X importtime` (median of runs).

    Only modules imported after the bare stack count, so a chalicelib module's cumulative time
    is what it costs on top of what the bare stack already loaded.
    """
    startup = {name for name, _, _ in _importtime("pass")}  # before the timer starts
    per_run, ratios = [], []
    for _ in range(runs):
        rows = [row for row in _importtime(APP_IMPORTS) if row[0] not in startup]
        start = next(i for i in range(len(rows) - 1, -1, -1)
                     if rows[i][0] == "aws_lambda_powertools") + 1
        bare_us = sum(self_us for _, self_us, _ in rows[:start])
        ratios.append(sum(self_us for _, self_us, _ in rows) / bare_us)
        per_run.append(rows[start:])
    progress(f"import breakdown: {runs} runs of python -X importtime")

    def median_of(pick) -> dict[str, int]:
        keys = {name for rows in per_run for name, _, _ in rows}
        return {key: int(statistics.median(pick(rows).get(key, 0) for rows in per_run))
                for key in keys}

    self_us = median_of(lambda rows: {n: s for n, s, _ in rows})
    cumulative_us = median_of(lambda rows: {n: c for n, _, c in rows})
    own = sorted((n for n in self_us if _OWN.match(n)), key=lambda n: -self_us[n])
    groups: dict[str, int] = {}
    for name, micros in self_us.items():
        top = name.partition(".")[0]
        group = ("ours (app, chalicelib)" if _OWN.match(name)
                 else "stdlib" if top in sys.stdlib_module_names else top)
        groups[group] = groups.get(group, 0) + micros
    return {
        "own_modules": [{"module": n, "self_ms": round(self_us[n] / 1000, 1),
                         "cumulative_ms": round(cumulative_us[n] / 1000, 1)} for n in own[:10]],
        "added_by_package": [{"package": g, "self_ms": round(us / 1000, 1)}
                             for g, us in sorted(groups.items(), key=lambda kv: -kv[1])],
        "added_total_ms": round(sum(groups.values()) / 1000, 1),
        "importtime_ratio": round(statistics.median(ratios), 2),
    }


def agreement(cold_start: dict, import_breakdown: dict) -> dict:
    """The timed app/bare ratio beside importtime's; they must agree within AGREEMENT."""
    timed, importtime = cold_start["ratio"]["import_median"], import_breakdown["importtime_ratio"]
    return {"timed": timed, "importtime": importtime, "allowed_gap": AGREEMENT,
            "agree": abs(timed - importtime) <= AGREEMENT}


# --- report --------------------------------------------------------------------------------------

def _cold_start_table(figures: dict) -> None:
    print(f"\n== Cold start: fresh `python -c` per run, {figures['repeat']} interleaved runs "
          "per variant")
    names = {
        "python": "python alone (interpreter baseline)",
        "bare": "bare stack (boto3, pynamodb.models, pydantic, chalice, powertools)",
        "app": "bare stack, then import app",
        "bare_runtime_deps": "bare stack, runtime deps only *",
        "app_runtime_deps": "bare stack + app, runtime deps only *",
        "bare_packaged": "bare stack, as packaged: runtime deps, no .pyc **",
        "app_packaged": "bare stack + app, as packaged: runtime deps, no .pyc **",
    }
    rows = []
    for key, label in names.items():
        f = figures[key]
        times = ["-", "-"] if key == "python" else [f"{f['import_ms_median']:.1f}",
                                                    f"{f['import_ms_min']:.1f}"]
        rows.append([label, *times, f"{f['peak_rss_mib_median']:.1f}"])
    print(render(["variant", "import ms (median)", "import ms (min)", "peak RSS MiB (median)"],
                 rows, right={1, 2, 3}))

    def added(suffix: str, field: str) -> float:
        return figures[f"app{suffix}"][field] - figures[f"bare{suffix}"][field]

    ratio, lam, pkg = figures["ratio"], figures["ratio_runtime_deps"], figures["ratio_packaged"]
    verdict = "PASS" if figures["met"] else "FAIL"
    print(f"  app/bare import time: median {ratio['import_median']:.2f}, min "
          f"{ratio['import_min']:.2f} (app adds {added('', 'import_ms_median'):.0f} ms)   "
          f"target ≤ {figures['target_ratio']}   {verdict}")
    print(f"  app/bare peak RSS:    median {ratio['peak_rss_median']:.2f} "
          f"(+{added('', 'peak_rss_mib_median'):.1f} MiB)")
    print(f"  *  runtime deps only: dev-only packages hidden, as in the Lambda bundle "
          f"(requirements.txt\n     closure): app/bare median {lam['import_median']:.2f}, "
          f"min {lam['import_min']:.2f}, app adds {added('_runtime_deps', 'import_ms_median'):.0f}"
          " ms (information, not the target)")
    print(f"  ** as `chalice package` ships it: no .pyc for app, chalicelib or the wheels, and "
          f"/var/task is\n     read-only, so each Lambda cold start compiles them (stdlib .pyc "
          f"kept): app/bare median\n     {pkg['import_median']:.2f}, app adds "
          f"{added('_packaged', 'import_ms_median'):.0f} ms (information)")
    load, cores = figures["load_average"], os.cpu_count() or 1
    if any(x is not None and x > cores / 2 for x in load.values()):
        print(f"  ! load average {load['before']} → {load['after']} on {cores} cores while "
              "measuring: other work was running, so times are noisier (compare mins)")
    if figures["not_packaged_seen"]:
        print("  not in the bundle but loaded by `import app` in this venv: "
              + ", ".join(figures["not_packaged_seen"]))


def _breakdown_tables(figures: dict) -> None:
    print(f"\n== What `import app` adds on top of the bare stack (python -X importtime, median of "
          f"3; total {figures['added_total_ms']:.1f} ms with importtime's own overhead; "
          f"app/bare {figures['importtime_ratio']:.2f})")
    rows = [[g["package"], f"{g['self_ms']:.1f}"] for g in figures["added_by_package"]
            if g["self_ms"] >= 0.5]
    print(render(["package (modules loaded only by app)", "self ms"], rows, right={1}))
    print("\n  Top 10 own modules by self time (cumulative = with what it alone pulls in):")
    rows = [[m["module"], f"{m['self_ms']:.1f}", f"{m['cumulative_ms']:.1f}"]
            for m in figures["own_modules"]]
    print(render(["module", "self ms", "cumulative ms"], rows, right={1, 2}))


def print_tables(results: dict) -> None:
    """The cold-start and breakdown tables of whichever of the two steps were measured."""
    if "cold_start" in results:
        _cold_start_table(results["cold_start"])
    if "import_breakdown" in results:
        _breakdown_tables(results["import_breakdown"])


def summary_targets(results: dict) -> tuple[list[str], list[str]]:
    met, missed = [], []
    cold = results.get("cold_start")
    if cold:
        target = (f"import time app/bare ≤ {cold['target_ratio']} "
                  f"(median {cold['ratio']['import_median']:.2f})")
        (met if cold["met"] else missed).append(target)
    if cold and results.get("import_breakdown"):
        check = agreement(cold, results["import_breakdown"])
        target = (f"app/bare agrees with -X importtime within {check['allowed_gap']} "
                  f"({check['timed']:.2f} vs {check['importtime']:.2f})")
        (met if check["agree"] else missed).append(target)
    return met, missed


def _measure_alone(progress: Callable[[str], None]) -> dict:
    os.chdir(env.REPO_ROOT)
    env.apply()
    return {"cold_start": measure(15, progress), "import_breakdown": breakdown(progress)}


def main(argv: list[str] | None = None) -> int:
    return run_section("Cold start: import app against the bare stack (make bench step 2 and 3)",
                       _measure_alone, print_tables, summary_targets, argv)


if __name__ == "__main__":
    sys.exit(main())
