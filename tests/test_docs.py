"""The README, docs/ and the examples cannot rot: examples run offline; every Python snippet of
README.md and docs/*.md runs as written against the CLI emulator, imports only names that exist,
and needs nothing beyond the install its page names; docs/models.md is the catalog; relative
links lead somewhere; no internal provenance reaches the user docs."""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import io
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dashscope_models.catalog import catalog_markdown

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEXT = {page: page.read_text("utf-8") for page in PAGES}
EXAMPLES = sorted(
    p.name
    for p in (ROOT / "examples").glob("*.py")
    if not p.name.startswith("_") and p.name != "demo.py"
)
_FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
BLOCKS = [
    (page, text[: found.start()], found.group(1))
    for page, text in TEXT.items()
    for found in _FENCE.finditer(text)
]
IDS = [f"{page.relative_to(ROOT)}:{text.count(chr(10)) + 1}" for page, text, _ in BLOCKS]


def test_every_example_is_in_the_demo() -> None:
    demo = (ROOT / "examples" / "demo.py").read_text("utf-8")
    assert all(f'"{name}"' in demo for name in EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs_offline(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHSCOPE_")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "running offline on the local emulator" in done.stdout.splitlines()[0]


def test_models_page_is_the_catalog() -> None:
    text = TEXT[ROOT / "docs" / "models.md"]
    table = text.split("<!-- models:start -->\n", 1)[1].split("<!-- models:end -->", 1)[0]
    assert table == catalog_markdown(), "regenerate with: python -m dashscope_models.catalog"


@pytest.mark.parametrize(("page", "before", "code"), BLOCKS, ids=IDS)
def test_snippet_imports_exist(page: Path, before: str, code: str) -> None:
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)


@pytest.fixture(scope="session")
def cli_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``python -m dashscope_models.emulator --port 0`` with its defaults, and the variables its
    two printed ``export`` lines set. It also serves the app id docs/applications.md's snippets
    use, as that page says to start it (``--rag-app YOUR_APP_ID=./handbook/``)."""
    handbook = tmp_path_factory.mktemp("handbook")
    (handbook / "leave.md").write_text(
        "Employees get 25 days of paid leave a year. Unused days expire in March.", "utf-8"
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "dashscope_models.emulator", "--port", "0",
         "--rag-app", f"YOUR_APP_ID={handbook}"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        printed = [server.stdout.readline().rstrip("\n") for _ in range(3)]
        exports = dict(line.removeprefix("export ").split("=", 1) for line in printed[1:])
        yield exports
    finally:
        server.terminate()
        server.wait(10)
        if server.stdout is not None:
            server.stdout.close()


@pytest.mark.no_emulator_env
@pytest.mark.parametrize(("page", "before", "code"), BLOCKS, ids=IDS)
def test_snippet_runs_on_the_cli_emulator(
    page: Path, before: str, code: str, cli_emulator: dict[str, str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    for name, value in cli_emulator.items():
        monkeypatch.setenv(name, value)
    # The user's own files the pages name (docs/documents.md reads a report.pdf of yours).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.pdf").write_bytes(_tiny_pdf(["The budget is 12,000 EUR."]))
    name = f"{page.relative_to(ROOT)} line {before.count(chr(10)) + 1}"
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, name, "exec"), {"__name__": "snippet"})


def _tiny_pdf(lines: list[str]) -> bytes:
    spec = importlib.util.spec_from_file_location("_pdf", ROOT / "examples" / "_pdf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pdf: bytes = module.tiny_pdf(lines)
    return pdf


# ---- the install a snippet needs is the one its page names -----------------------------------

_PIP = re.compile(r"`pip install ([^`]+)`")
_OURS = {
    "dashscope_models": set(),
    "langchain_dashscope_models": {"langchain-core"},
    "llamaindex_dashscope_models": {"llama-index-core"},
}


def _closure(name: str, extras: frozenset[str], seen: set[str]) -> set[str]:
    """Distributions ``pip install name[extras]`` brings in (as this environment resolves them)."""
    key = canonicalize_name(name)
    seen.add(key)
    for text in metadata.requires(name) or []:
        req = Requirement(text)
        env_extras = extras or frozenset({""})
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in env_extras):
            continue
        dep = canonicalize_name(req.name)
        if dep not in seen:
            with contextlib.suppress(metadata.PackageNotFoundError):
                _closure(req.name, frozenset(req.extras), seen)
    return seen


def _installs(before: str) -> list[set[str]]:
    """What each ``pip install`` of the last paragraph naming one (before a snippet) installs."""
    paragraphs = [p for p in before.split("\n\n") if _PIP.search(p)]
    assert paragraphs, "no `pip install ...` line before this snippet"
    installs = []
    for command in _PIP.findall(paragraphs[-1]):
        dists: set[str] = set()
        for word in command.replace('"', "").replace("'", "").split():
            base, _, extras = word.partition("[")
            if base == "dashscope-models":
                found = frozenset(e for e in extras.rstrip("]").split(",") if e)
                dists |= _closure("dashscope-models", found, set())
            elif not base.startswith("-"):
                dists.add(canonicalize_name(base))
        installs.append(dists)
    return installs


def _needed(code: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
    owners = metadata.packages_distributions()
    needed: set[str] = set()
    for name in names - set(sys.stdlib_module_names):
        if name in _OURS:
            needed |= _OURS[name]
        else:
            needed |= {canonicalize_name(d) for d in owners.get(name, [name])}
    return needed


@pytest.mark.parametrize(("page", "before", "code"), BLOCKS, ids=IDS)
def test_snippet_needs_only_the_install_its_page_names(page: Path, before: str, code: str) -> None:
    needed = _needed(code)
    installs = _installs(before)
    assert any(needed <= dists for dists in installs), (
        f"needs {sorted(needed)}; the install named before it lacks "
        f"{sorted(needed - max(installs, key=lambda d: len(needed & d)))}"
    )


# ---- links and provenance --------------------------------------------------------------------

_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_relative_links_lead_to_files(page: Path) -> None:
    dead = [
        target
        for target in _LINK.findall(TEXT[page])
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert not dead, f"dead links: {dead}"


_PROVENANCE = re.compile(
    r"\bseeds?\s+\d{3}\b|§|\bref(?:erence)?\s+(?:section|§)|protocol reference"
    r"|\bissues?\s+#?\d+|(?<![\w/&])#\d+\b|\brec:\s"
    r"|\b(?:this|latest|previous|earlier|last)\s+(?:session|run)s?\b|development (?:VM|run)",
    re.I,
)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_no_internal_provenance_in_user_docs(page: Path) -> None:
    found = [
        f"line {TEXT[page][: m.start()].count(chr(10)) + 1}: {m.group(0)!r}"
        for m in _PROVENANCE.finditer(TEXT[page])
    ]
    assert not found, "internal provenance (seeds, reference sections, issues, dev runs): " + (
        "; ".join(found)
    )


def test_package_index_page_is_short_and_has_no_relative_links() -> None:
    page = ROOT / "docs" / "pypi.md"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["readme"]["file"] == "docs/pypi.md"
    assert TEXT[page].count("\n") < 60
    relative = [t for t in _LINK.findall(TEXT[page]) if "://" not in t]
    assert not relative, f"links that are dead on the package index: {relative}"
