"""A fake Pulumi CLI for the release pipeline's tests: a script that keeps a stack's state in files.

What it models, as the CLI and its backend behave for the pipeline:
- `config set --path greenlight:a.b.c V` edits the working copy's stack file (V typed as YAML, like --path);
- `up` records the working copy's config as the deployed config and appends to the history, `succeeded`,
  or `failed` when the release weight is FAKE_FAIL_AT; at FAKE_DIE_AT it kills the process that called it
  (a release job that dies mid-update) and records nothing, as a self-managed backend does;
- `config refresh --force` writes the last update's config into the working copy (fails before any update);
- `stack history --json` prints the updates, newest first (null before any);
- `stack tag get/set` keep tags; `get` of a missing tag fails, as the CLI does.
Every call is appended to `<state>/log`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

SCRIPT = """#!{python}
import sys
sys.path.insert(0, {root!r})
from tests.support.fake_pulumi import main
sys.exit(main(sys.argv[1:], {state!r}))
"""


def install(directory: Path, state: Path) -> Path:
    """Writes the fake `pulumi` into `directory`; its state lives in `state`."""
    state.mkdir(parents=True, exist_ok=True)
    fake = directory / "pulumi"
    root = str(Path(__file__).resolve().parents[2])
    fake.write_text(SCRIPT.format(python=sys.executable, root=root, state=str(state)))
    fake.chmod(0o755)
    return fake


def deploy(state: Path, stack_document: dict[str, Any], result: str = "succeeded") -> None:
    """Seeds the backend as if `stack_document` had been deployed."""
    state.mkdir(parents=True, exist_ok=True)
    (state / "deployed.yaml").write_text(yaml.safe_dump(stack_document))
    history = _load(state / "history.json", [])
    history.append({"kind": "update", "result": result, "weight": _weight(stack_document)})
    (state / "history.json").write_text(json.dumps(history))


def history(state: Path) -> list[dict[str, Any]]:
    """Updates, oldest first."""
    return list(_load(state / "history.json", []))


def _load(path: Path, default: Any) -> Any:
    return json.loads(path.read_text()) if path.exists() else default


def _weight(document: dict[str, Any]) -> int:
    return int((document["config"].get("greenlight:release") or {}).get("canaryWeight", 0))


def _set_path(stack_file: Path, key: str, value: str) -> None:
    document = yaml.safe_load(stack_file.read_text())
    top, *path = key.split(".")
    node = document["config"].setdefault(top, {})
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = yaml.safe_load(value)
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))


def _up(stack_file: Path, state: Path) -> int:
    import os
    import signal

    document = yaml.safe_load(stack_file.read_text())
    weight = str(_weight(document))
    if weight == os.environ.get("FAKE_DIE_AT"):
        os.kill(os.getppid(), signal.SIGKILL)
        return 1
    result = "failed" if weight == os.environ.get("FAKE_FAIL_AT") else "succeeded"
    deploy(state, document, result)
    return 0 if result == "succeeded" else 1


def main(argv: list[str], state_dir: str) -> int:
    state = Path(state_dir)
    args = argv[: argv.index("--stack")] if "--stack" in argv else argv
    stack = argv[argv.index("--stack") + 1]
    with (state / "log").open("a") as log:
        log.write(" ".join(args) + "\n")
    stack_file = Path(f"Pulumi.{stack}.yaml")
    tags = _load(state / "tags.json", {})
    if args[:2] == ["config", "refresh"]:
        if not (state / "deployed.yaml").exists():
            return 255
        stack_file.write_text((state / "deployed.yaml").read_text())
    elif args[:3] == ["config", "set", "--path"]:
        _set_path(stack_file, args[3], args[4])
    elif args[:2] == ["stack", "history"]:
        print(json.dumps(list(reversed(history(state))) or None))
    elif args[:3] == ["stack", "tag", "get"]:
        if args[3] not in tags:
            print(f"error: stack tag '{args[3]}' not found for stack '{stack}'", file=sys.stderr)
            return 255
        print(tags[args[3]])
    elif args[:3] == ["stack", "tag", "set"]:
        (state / "tags.json").write_text(json.dumps({**tags, args[3]: args[4]}))
    elif args[:1] == ["up"]:
        return _up(stack_file, state)
    return 0
