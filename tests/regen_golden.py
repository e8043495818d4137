"""Regenerate the golden reports in tests/golden/ from the examples, after reviewing the change.

    python tests/regen_golden.py

Each golden file holds ``Report.model_dump(mode="json")`` of one example checked with the built-in
``bank-cn`` pack, without ``pack_hash`` and ``library_version`` (they change with every release and
every pack edit; the content they stand for is what the file pins down). ``test_checker.py`` compares
the current reports with these files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GOLDEN_DIR = HERE / "golden"
EXAMPLES = {
    "call-credit-card": REPO / "examples" / "call-credit-card.json",
    "call-rude-agent": REPO / "examples" / "call-rude-agent.txt",
}
VOLATILE = ("pack_hash", "library_version")


def golden_report(checker, example: Path) -> dict:
    """The report of one example as stored in a golden file."""
    report = checker.check(example).model_dump(mode="json")
    for key in VOLATILE:
        report.pop(key, None)
    return report


def render(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


def main() -> int:
    from servicecheck import Checker, load_pack

    checker = Checker(load_pack("bank-cn"))
    GOLDEN_DIR.mkdir(exist_ok=True)
    for name, example in EXAMPLES.items():
        path = golden_path(name)
        text = render(golden_report(checker, example))
        old = path.read_text(encoding="utf-8") if path.exists() else None
        path.write_text(text, encoding="utf-8")
        state = "unchanged" if old == text else ("written" if old is None else "UPDATED")
        print(f"{path.relative_to(REPO)}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
