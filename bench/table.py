"""Plain-text tables that stay aligned with CJK text (two columns per wide character), the
SUMMARY line and the --json figures every bench entry point ends with."""

from __future__ import annotations

import json
import unicodedata


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, size: int, right: bool) -> str:
    gap = " " * (size - width(text))
    return gap + text if right else text + gap


def render(headers: list[str], rows: list[list], right: set[int] = frozenset()) -> str:
    """Rows under headers; columns whose index is in `right` are right-aligned (numbers)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    sizes = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(_pad(c, sizes[i], i in right) for i, c in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * size for size in sizes))
    return "\n".join("  " + line for line in lines)


def summary_line(met: list[str], missed: list[str], errors: list[str] = ()) -> str:
    """The one SUMMARY line every bench entry point ends with."""
    return (f"SUMMARY: targets met: {'; '.join(met) or 'none'}. "
            f"missed: {'; '.join(missed) or 'none'}."
            + (f" errors: {'; '.join(errors)}." if errors else ""))


def write_figures(figures: dict, path) -> None:
    """The figures as JSON at `path` (`--json`), for comparing runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {path}")


def run_section(description: str, measure, report, targets, argv: list[str] | None) -> int:
    """The command line of a bench section run alone (`python -m bench.<section>`): measure
    with timed progress lines, print its table and summary line, and with --json PATH also
    write the figures."""
    import argparse
    import time
    from pathlib import Path

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"  [{time.perf_counter() - started:5.1f}s] {message}", flush=True)

    figures = measure(progress)
    report(figures)
    met, missed = targets(figures)
    print(summary_line(met, missed))
    if args.json:
        write_figures(figures, args.json)
    return 0
