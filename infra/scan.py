"""Check the packaged deploy template with cfn-lint and checkov, and print every suppression.

    make scan      # make package, then this: exit 1 on any cfn-lint or unsuppressed finding

    python -m infra.scan [--template build/packaged/sam.json] [--checkov .venv/scan/bin/checkov]

cfn-lint runs from .venv (requirements-dev.txt). checkov runs from its own venv, .venv/scan
(requirements-scan.txt): it pins boto3 1.35, which cannot share a venv with the app's 1.44.
checkov runs offline (`--skip-download`: no guideline links, no platform policies).

A finding is either fixed in the template or suppressed on its resource with a written reason
(infra/hardening.py, `Metadata.checkov.skip`); this prints each suppression once with its count,
so the list a reviewer reads is the one the template carries.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "build" / "packaged" / "sam.json"
BIN = Path(sys.executable).parent  # not resolved: a venv's console scripts sit next to the link
CHECKOV = BIN.parent / "scan" / "bin" / "checkov"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _run(command: list[str], timeout: int) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    return done, time.monotonic() - started


def cfn_lint(template: Path) -> bool:
    print(f"==> cfn-lint {_shown(template)}", flush=True)
    done, seconds = _run([str(BIN / "cfn-lint"), str(template)], timeout=600)
    if done.returncode != 0:
        print(done.stdout + done.stderr)
        print(f"    cfn-lint: findings above ({seconds:.0f} s)")
        return False
    print(f"    0 findings ({seconds:.0f} s)")
    return True


def checkov_report(checkov: Path, template: Path) -> tuple[dict, float]:
    """checkov's JSON report of one template (failed, passed and skipped checks)."""
    command = [str(checkov), "--file", str(template), "--framework", "cloudformation",
               "--skip-download", "--output", "json"]
    done, seconds = _run(command, timeout=1200)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"checkov gave no report (exit {done.returncode}):\n"
                         f"{done.stdout[-2000:]}{done.stderr[-2000:]}") from None
    # one framework → one report; checkov answers a list when it ran several
    return (report[0] if isinstance(report, list) else report), seconds


def suppressed_by_reason(report: dict) -> dict[tuple[str, str], list[str]]:
    """(check id, reason) → the resources it is suppressed on."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for finding in report["results"].get("skipped_checks", []):
        reason = finding["check_result"].get("suppress_comment", "")
        groups[(finding["check_id"], reason)].append(finding["resource"])
    return dict(sorted(groups.items()))


def checkov(checkov_path: Path, template: Path) -> bool:
    print(f"==> checkov {_shown(template)} (offline)", flush=True)
    report, seconds = checkov_report(checkov_path, template)
    summary = report["summary"]
    failed = report["results"].get("failed_checks", [])
    print(f"    {summary['resource_count']} resources: {summary['passed']} passed, "
          f"{summary['failed']} failed, {summary['skipped']} suppressed, "
          f"{summary['parsing_errors']} parsing errors ({seconds:.0f} s)")
    print("    suppressed, each with the reason the template carries:")
    for (check_id, reason), resources in suppressed_by_reason(report).items():
        types = sorted({resource.split(".")[0] for resource in resources})
        print(f"    {check_id} x{len(resources)} ({', '.join(types)})")
        print(textwrap.fill(reason or "(no reason given)", width=96,
                            initial_indent="        ", subsequent_indent="        ",
                            break_on_hyphens=False))
    for finding in failed:
        print(f"    FAILED {finding['check_id']} {finding['check_name']}: {finding['resource']}")
    if failed:
        print("    fix each in infra/build.py or infra/hardening.py, or suppress it there with "
              "its reason")
    return not failed and summary["parsing_errors"] == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.scan",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--checkov", type=Path, default=CHECKOV)
    args = parser.parse_args(argv)
    template = args.template.resolve()
    if not template.exists():
        print(f"error: {template} does not exist: run `make package` first", file=sys.stderr)
        return 1
    if not args.checkov.exists():
        print(f"error: no checkov at {args.checkov}: `make scan` installs it", file=sys.stderr)
        return 1
    linted = cfn_lint(template)
    scanned = checkov(args.checkov, template)  # run both, so one pass shows every finding
    print("==> scan: " + ("clean" if linted and scanned else "FAILED"))
    return 0 if linted and scanned else 1


if __name__ == "__main__":
    sys.exit(main())
