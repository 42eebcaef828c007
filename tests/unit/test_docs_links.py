"""The README and docs/*.md link only what a clone has: every relative link names a file of the
repository (and, for a Markdown page, a heading it has), and no page points outside the clone
(such as the `../shared/` folder the docs were first written beside)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # http:, https:, mailto:, ...


def _prose(text: str) -> str:
    """The page without fenced code blocks (their brackets and parentheses are code)."""
    return FENCE.sub("", text)


def _links(text: str) -> list[str]:
    prose = CODE_SPAN.sub(lambda match: "code", _prose(text))
    return [target for target in LINK.findall(prose) if not EXTERNAL.match(target)]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped (letters of any
    script, digits, `_` and `-` stay), spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for heading in HEADING.findall(_prose(page.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _inside_clone(path: Path) -> bool:
    return path == ROOT or ROOT in path.parents


def _problems(page: Path, text: str) -> list[str]:
    """What is wrong with the relative links of `text`, read as the content of `page`."""
    problems = []
    for target in _links(text):
        file_part, _, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not _inside_clone(linked):
            problems.append(f"{target}: outside the repository")
        elif not linked.exists():
            problems.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            problems.append(f"{target}: {linked.name} has no heading #{anchor}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_names_a_file_and_heading_of_the_repository(page):
    assert _problems(page, page.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_no_page_names_a_path_outside_the_clone(page):
    # paths written as code rather than linked, e.g. `../shared/DOMAIN.md`
    assert _outside_paths(page, page.read_text(encoding="utf-8")) == []


def _outside_paths(page: Path, text: str) -> list[str]:
    """Code spans naming a `../` path that is not a file of the clone, seen from `page`."""
    spans = [span for _, span in CODE_SPAN.findall(_prose(text)) if span.startswith("../")]
    return [span for span in spans
            if not (_inside_clone((page.parent / span).resolve())
                    and (page.parent / span).exists())]


def test_the_checks_catch_a_missing_file_a_missing_heading_and_a_path_outside():
    # the helpers on text of our own, so the tests above cannot pass by finding nothing
    page = ROOT / "docs" / "design.md"
    text = ("[a](design.md#errors) [b](no-such.md) [c](design.md#no-such) [d](../../x.md) "
            "[e](https://e.x) [f](#layout) `[g](gone.md)`\n```\n[h](gone.md)\n```\n")
    assert _links(text) == ["design.md#errors", "no-such.md", "design.md#no-such",
                            "../../x.md", "#layout"]
    assert _problems(page, text) == ["no-such.md: no such file",
                                     "design.md#no-such: design.md has no heading #no-such",
                                     "../../x.md: outside the repository"]
    assert _outside_paths(page, "`../shared/DOMAIN.md` `../README.md` `../docs/none.md`") == [
        "../shared/DOMAIN.md", "../docs/none.md"]
    assert _slug("5. Mall and recommendation scenes") == "5-mall-and-recommendation-scenes"
    assert _slug("Security scan (`make scan`)") == "security-scan-make-scan"
    assert _slug("The Chuanliu plan (川流计划)") == "the-chuanliu-plan-川流计划"
