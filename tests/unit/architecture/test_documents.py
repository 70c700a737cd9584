"""The repository is whole: nothing points outside it, every relative link resolves, and
its contract (docs/contract.md) names every subject the service serves."""

from __future__ import annotations

import os
import re
from pathlib import Path

from adapters.messaging.publications import PUBLISHED
from adapters.messaging.table import SUBJECTS

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "docs" / "contract.md"
SKIPPED_DIRS = {".git", ".venv", ".callbacks", "node_modules", "__pycache__", ".pytest_cache"}
SKIPPED_DIRS |= {".mypy_cache", ".ruff_cache", ".hypothesis", "build", "dist"}
# Where documents are written for readers (code comments name the contract in passing).
DOCUMENTS = ("README.md", "Dockerfile", "docker-compose.yml", "docs", "deploy", "schemas")
OUTSIDE = re.compile(r"\.\./shared|\bshared/design\b|/work/")
LINK = re.compile(r"\]\(([^)\s]+)\)")
DESIGN_FILE = re.compile(r"\b([A-Z][A-Z_]+\.md)\b")


def repository_files() -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        files += [Path(folder) / name for name in names if name not in SKIPPED_DIRS]
    return files


def text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # binary


PARAMETER = re.compile(r"\{[A-Za-z_]+\}")


def _unnamed(subject: str) -> str:
    """`agent.{agent_id}.dial` and `agent.{id}.dial` alike: `agent.{}.dial`."""
    return PARAMETER.sub("{}", subject)


def served_subjects() -> set[str]:
    """Every subject the service answers or publishes, after its prefix, with its
    parameters unnamed (the contract names them as it likes). From the subject table
    and the published subjects beside it."""
    served = {_unnamed(s.pattern) for s in SUBJECTS}
    served |= {_unnamed(p.address) for p in PUBLISHED}
    return served | {"dead.intake"}


def test_no_file_points_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in repository_files()
        if (text := text_of(path)) is not None and path.name != Path(__file__).name
        for m in OUTSIDE.finditer(text)
    ]
    assert found == []


def test_every_relative_link_of_a_document_resolves_inside_the_repository() -> None:
    broken = []
    for path in repository_files():
        if path.suffix != ".md":
            continue
        for target in LINK.findall(text_of(path) or ""):
            if re.match(r"^[a-z]+:|^#", target):
                continue  # a URL or an anchor of the same page
            resolved = (path.parent / target.split("#", 1)[0]).resolve()
            if not resolved.exists() or ROOT not in resolved.parents:
                broken.append(f"{path.relative_to(ROOT)}: {target}")
    assert broken == []


def test_documents_name_no_design_file_the_repository_lacks() -> None:
    present = {p.name for p in repository_files()}
    missing = []
    for path in repository_files():
        if path.relative_to(ROOT).parts[0] not in DOCUMENTS:
            continue
        for name in DESIGN_FILE.findall(text_of(path) or ""):
            if name not in present:
                missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert missing == []


def test_the_contract_names_every_subject_the_service_serves() -> None:
    contract = _unnamed(CONTRACT.read_text(encoding="utf-8"))
    assert sorted(s for s in served_subjects() if s not in contract) == []


def test_the_contract_carries_the_additions_the_readme_used_to_list() -> None:
    contract = CONTRACT.read_text(encoding="utf-8")
    for addition in ("Callbacks-Role", "Callbacks-Dead-Reason", "`internal`", "wait_basis"):
        assert addition in contract
    for limit in ("1,000 callback ids", "500 agent ids", "100 refused fields", "32 levels"):
        assert limit in contract
