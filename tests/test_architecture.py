"""Import contracts: the core never depends on a face (CLI or web), and the web never on the CLI.

The web workbench and the CLI call the same core (`pipeline`, `loading`, `engine`, `district`, the
renderers); a core module that imported typer, FastAPI or SQLAlchemy would drag a face into the
library, and a web module that imported the CLI would run a second orchestration.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "facility_check"
FACES = {"cli.py", "__main__.py"}
WEB_LIBRARIES = {"fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "multipart", "httpx"}
CLI_LIBRARIES = {"typer", "click"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolve against the module's package
                package = path.relative_to(PACKAGE.parent).with_suffix("").parts[: -node.level]
                module = ".".join([*package, module]) if module else ".".join(package)
            names.add(module)
    return names


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_data" not in p.parts)


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_import_contract(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    imports = _imports(path)
    tops = {_top(n) for n in imports}
    in_web = relative.parts[0] == "web"
    if in_web:
        assert not tops & CLI_LIBRARIES, f"{relative} imports the CLI toolkit"
        assert not any(n == "facility_check.cli" or n.startswith("facility_check.cli.") for n in imports), (
            f"{relative} imports the CLI"
        )
    elif relative.name not in FACES:
        assert not tops & (WEB_LIBRARIES | CLI_LIBRARIES), f"core module {relative} imports a face's library"
        assert not any(n.startswith(("facility_check.web", "facility_check.cli")) for n in imports), (
            f"core module {relative} imports a face"
        )


def test_contract_sees_relative_imports() -> None:
    # the walk resolves `from . import x` and `from .cli import y`, so a violation cannot hide
    assert "facility_check.pipeline" in _imports(PACKAGE / "cli.py") or "facility_check" in _imports(
        PACKAGE / "cli.py"
    )
    assert "facility_check.catalogue" in _imports(PACKAGE / "pipeline.py")
