"""The README is the user's manual: its commands run as written, its links and paths resolve.

Every shell block runs (from a copy of the repository, as a new user would) unless a marker right
before it says why it cannot run here: `<!-- readme-test: not run: REASON -->`. A block that starts a
server carries `<!-- readme-test: serves URL -->`: it runs in the background until URL answers 200
(the test moves the URL's port to a free one, in the block too).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import markdown
from tests.support.postgres import free_port
from tests.support.tools import missing_tool, require_tool

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TEXT = README.read_text()
SHELL_LANGUAGES = {"sh", "bash", "shell"}
OTHER_LANGUAGES = {"mermaid", "text", "yaml", "json", "python"}
NOT_RUN = re.compile(r"^not run: (?P<reason>\S.{9,})$")
SERVES = re.compile(r"^serves (?P<url>http://127\.0\.0\.1:(?P<port>\d+)/\S*)$")
BLOCK_TIMEOUT_SECONDS = 300
SERVE_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 40  # the service drains for DRAIN_SECONDS (20 s by default) after SIGTERM
POLL_SECONDS = 0.2
# Top-level entries a path in a code span may start with, when it names a file of this repository.
PATH_IN_CODE = re.compile(r"^(?:\.github|\.ci|app|benchmarks|components|docs|offline|policies|scripts|tests)/[\w./-]*$")


def shell_blocks() -> list[markdown.CodeBlock]:
    return [b for b in markdown.code_blocks(TEXT) if b.language in SHELL_LANGUAGES or not b.language]


def runnable(kind: str) -> list[markdown.CodeBlock]:
    def wanted(block: markdown.CodeBlock) -> bool:
        if block.marker is None:
            return kind == "run"
        return kind == "serve" and bool(SERVES.match(block.marker))

    return [b for b in shell_blocks() if wanted(b)]


def block_id(block: markdown.CodeBlock) -> str:
    return block.where()


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files as a clone has them, with this checkout's virtualenvs (built by make)."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\0")  # fmt: skip
    copy = tmp_path_factory.mktemp("clone")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    for venv in (".venv", ".venv-checkov"):
        if (ROOT / venv).exists():
            (copy / venv).symlink_to((ROOT / venv).resolve())
    return copy


def test_every_fenced_block_names_its_language() -> None:
    fenced = [b for b in markdown.code_blocks(TEXT) if TEXT.splitlines()[b.line - 1].lstrip().startswith(("`", "~"))]
    unknown = [f"{b.where()} ```{b.language}" for b in fenced if b.language not in SHELL_LANGUAGES | OTHER_LANGUAGES]
    assert unknown == [], "give each fenced block a language: sh for commands, text for output"


def test_every_shell_block_runs_here_or_says_why_not() -> None:
    assert len(shell_blocks()) >= 10
    bad = [
        f"{b.where()}: marker {b.marker!r}"
        for b in shell_blocks()
        if b.marker is not None and not NOT_RUN.match(b.marker) and not SERVES.match(b.marker)
    ]
    assert bad == [], "a marker is `not run: <reason of 10+ characters>` or `serves http://127.0.0.1:PORT/PATH`"
    assert runnable("run") and runnable("serve")  # the README keeps commands a reader can try here


@pytest.mark.parametrize("block", shell_blocks(), ids=block_id)
def test_every_shell_block_is_valid_shell(block: markdown.CodeBlock) -> None:
    done = subprocess.run(["bash", "-n"], input=block.text, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{block.where()}: {done.stderr}"


@pytest.mark.slow
@pytest.mark.parametrize("block", runnable("run"), ids=block_id)
def test_block_runs_as_written(block: markdown.CodeBlock, checkout: Path) -> None:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.text],
        cwd=checkout, capture_output=True, text=True, timeout=BLOCK_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    output = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{block.where()} exited {done.returncode}:\n{output}"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("block", runnable("serve"), ids=block_id)
def test_server_block_serves(block: markdown.CodeBlock, checkout: Path, started: list[subprocess.Popen[str]]) -> None:
    serves = SERVES.match(block.marker or "")
    assert serves
    written, port = serves.group("port"), str(free_port())
    url, script = serves.group("url").replace(written, port), block.text.replace(written, port)
    process = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=checkout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    started.append(process)
    deadline = time.monotonic() + SERVE_TIMEOUT_SECONDS
    while not answers(url):
        assert process.poll() is None, f"{block.where()} exited {process.returncode}: {process.communicate()[0]}"
        assert time.monotonic() < deadline, f"{block.where()}: {url} did not answer 200 in {SERVE_TIMEOUT_SECONDS}s"
        time.sleep(POLL_SECONDS)


def working_directories(block: markdown.CodeBlock) -> Iterator[tuple[Path, list[str]]]:
    """(directory, argv) of each command of a block, following its `cd`s from the repository root."""
    cwd = ROOT
    for line in block.text.replace("\\\n", " ").splitlines():
        for command in re.split(r"&&|;", line.split(" #", 1)[0]):
            argv = shlex.split(command)
            if argv[:1] == ["cd"]:
                cwd = (cwd / argv[1]).resolve()
            elif argv:
                yield cwd, argv


def test_docker_build_contexts_hold_the_dockerfile() -> None:
    commands = [(b, cwd, argv) for b in shell_blocks() for cwd, argv in working_directories(b)]
    builds = [(block, cwd, argv) for block, cwd, argv in commands if argv[:2] == ["docker", "build"]]
    assert builds
    for block, cwd, argv in builds:
        context = cwd / argv[-1]
        assert (context / "Dockerfile").is_file(), f"{block.where()}: no Dockerfile in {context}"


def test_relative_links_and_anchors_resolve() -> None:
    found = markdown.links(TEXT)
    assert len(found) > 20
    broken = []
    for line, target in found:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        path, _, anchor = target.partition("#")
        file = (README.parent / path).resolve() if path else README
        if not file.exists():
            broken.append(f"README.md:{line}: {target} (no such file)")
        elif anchor and file.suffix == ".md" and anchor not in markdown.anchors(file.read_text()):
            broken.append(f"README.md:{line}: {target} (no heading with that anchor in {file.name})")
    assert broken == []


def test_repository_paths_in_code_spans_exist() -> None:
    spans = {span for _, line in markdown.prose(TEXT) for span in re.findall(r"`([^`\s]+)`", line)}
    paths = sorted(span for span in spans if PATH_IN_CODE.match(span))
    assert len(paths) > 10
    assert [p for p in paths if not exists(p)] == []


def exists(path: str) -> bool:
    """A file or directory, or `module.attribute` of a Python file (`components/alertmanager.build_config`)."""
    module, dot, _attribute = path.rpartition(".")
    return (ROOT / path).exists() or bool(dot and (ROOT / f"{module}.py").is_file())


MERMAID_DIR = ROOT / "tests" / "support" / "mermaid"


def parse_mermaid(diagrams: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """mermaid's own parser (the library GitHub renders diagrams with), under node."""
    node = require_tool("node")
    if not (MERMAID_DIR / "node_modules" / "mermaid").is_dir():
        missing_tool(f"mermaid is not installed in {MERMAID_DIR}/node_modules: run `make mermaid-deps`")
    files = []
    for number, diagram in enumerate(diagrams):
        files.append(tmp_path / f"diagram-{number}.mmd")
        files[-1].write_text(diagram)
    return subprocess.run(
        [node, str(MERMAID_DIR / "parse.mjs"), *map(str, files)],
        capture_output=True, text=True, timeout=BLOCK_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip


def test_mermaid_diagrams_parse(tmp_path: Path) -> None:
    diagrams = [b.text for b in markdown.code_blocks(TEXT) if b.language == "mermaid"]
    assert diagrams
    done = parse_mermaid(diagrams, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": ok flowchart") == len(diagrams)


def test_the_mermaid_judge_rejects_a_broken_diagram(tmp_path: Path) -> None:
    [diagram, *_] = [b.text for b in markdown.code_blocks(TEXT) if b.language == "mermaid"]
    broken = diagram.replace("]", "", 1)  # one unclosed node label
    done = parse_mermaid([broken], tmp_path)
    assert done.returncode == 1
    assert ": error Parse error" in done.stdout
