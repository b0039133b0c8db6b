"""docs/jupyterhub.md quotes the files the hub test runs: every quoted block still says what the file says.
(Not marked hub: it reads files only and runs everywhere.)"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "jupyterhub.md"
QUOTE = re.compile(r"<!-- quoted from (\S+) -->\n```\w*\n(.*?)\n```", re.S)


def test_every_quoted_block_is_in_its_file():
    quotes = QUOTE.findall(DOC.read_text(encoding="utf-8"))
    assert len(quotes) >= 8
    for path, block in quotes:
        source = {line.strip() for line in (ROOT / path).read_text(encoding="utf-8").splitlines()}
        missing = [line for line in block.splitlines() if line.strip() and line.strip() not in source]
        assert not missing, f"docs/jupyterhub.md quotes {path}, which no longer says: {missing}"


def test_the_guide_names_the_commands_that_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("hub-demo", "hub-test", "student-kit"):
        assert re.search(rf"^{target}:", makefile, re.M), target
