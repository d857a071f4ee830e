"""The docs stand on their own: every relative link of README, ARCHITECTURE and docs/
points at a file inside the repository, the rules R1–R11 are documented here, and what
the README's commands write into the working folder is ignored by git."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)|`(\.\./[^`]+)`")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_stay_inside_the_repository(doc):
    for m in LINK.finditer(doc.read_text("utf-8")):
        target = (m.group(1) or m.group(2)).split("#", 1)[0]
        if not target or re.match(r"[a-z]+:", target):
            continue  # web links and anchors
        path = (doc.parent / target).resolve()
        assert path.is_relative_to(ROOT), f"{doc.name} links outside the repository: {target}"
        assert path.exists(), f"{doc.name} links to a missing file: {target}"


def test_every_rule_is_documented_and_linked():
    rules = (ROOT / "docs" / "rules.md").read_text("utf-8")
    for n in range(1, 12):
        assert re.search(rf"^## R{n} ", rules, re.M), f"R{n}"
    assert "(docs/rules.md)" in (ROOT / "README.md").read_text("utf-8")
    assert "(docs/rules.md)" in (ROOT / "ARCHITECTURE.md").read_text("utf-8")


def test_generated_files_in_the_working_folder_are_ignored():
    names = ["销售作战方案-2027-01.xlsx", "销售作战方案-2027-01.regions/华东区.xlsx",
             "销售作战方案-2027-01.splits/华东区.json", "announce-2027-01/summary.pdf", "SalesPlan.xlam"]
    r = subprocess.run(["git", "-c", "core.quotePath=false", "check-ignore", "--no-index", *names], cwd=ROOT, capture_output=True, text=True)
    assert sorted(r.stdout.splitlines()) == sorted(names)
