"""What the release pipeline reads from and does to one stack: its deployed state, config, updates and lock.

`Stack` is the interface the release flows (scripts/release.py, scripts/canary_release.py) use; `PulumiCli`
implements it with the Pulumi CLI, and the tests with a fake CLI or a recording stand-in.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from components.objects.plan import version_key
from components.settings import parse
from offline.stackconfig import load as load_stack_config
from offline.stackconfig import namespaced, read_yaml

NAMESPACE = "greenlight"
COLORS = ("blue", "green")
# The stack tag that says a release is under way: its value names the release (version and image), or FREE.
LOCK_TAG = "greenlight-release"
FREE = "none"


@dataclass(frozen=True)
class Track:
    image: str
    version: str


@dataclass(frozen=True)
class Deployed:
    """What the last `pulumi up` of the stack used (raw config: it may predate today's settings code)."""

    active_color: str | None
    tracks: dict[str, Track]
    app: Track | None
    canary_weight: int = 0


class Stack(Protocol):
    name: str

    def strategy(self) -> str: ...
    def repo_active_color(self) -> str: ...
    def canary_steps(self) -> tuple[int, ...]: ...
    def deployed(self) -> Deployed | None: ...
    def last_update_result(self) -> str | None: ...
    def lock(self, holder: str) -> str | None: ...
    def unlock(self, holder: str) -> None: ...
    def config_set(self, key: str, value: str) -> None: ...
    def up(self) -> bool: ...


def other(color: str) -> str:
    return COLORS[1 - COLORS.index(color)]


def _track(raw: Any) -> Track | None:
    if isinstance(raw, dict) and raw.get("image"):
        return Track(str(raw["image"]), str(raw.get("version", "")))
    return None


def _weight(raw: Any) -> int:
    """`pulumi config set --path` may store the weight as a number or as its text."""
    try:
        return int(str(raw if raw is not None else 0))
    except ValueError:
        return 0


def deployed_from_stack_file(document: dict[str, Any]) -> Deployed:
    config = namespaced(dict(document.get("config") or {}), NAMESPACE)
    release = config.get(f"{NAMESPACE}:release") or {}
    tracks = {color: track for color in COLORS if (track := _track(release.get(color)))}
    app = _track(config.get(f"{NAMESPACE}:app"))
    return Deployed(release.get("activeColor"), tracks, app, _weight(release.get("canaryWeight")))


@dataclass
class PulumiCli:
    """The real thing: the Pulumi CLI in the project directory."""

    name: str
    cwd: Path
    binary: str = "pulumi"
    policy_pack: str = "policies"
    stack_file: Path = field(init=False)

    def __post_init__(self) -> None:
        self.stack_file = self.cwd / f"Pulumi.{self.name}.yaml"

    def _command(self, *args: str) -> list[str]:
        return [self.binary, *args, "--stack", self.name, "--non-interactive"]

    def _run(self, *args: str) -> int:
        command = self._command(*args)
        print("+ " + " ".join(command), flush=True)
        return subprocess.run(command, cwd=self.cwd, check=False).returncode  # noqa: S603 - argv list, no shell

    def _read(self, *args: str) -> str | None:
        """A read-only command's stdout, or None when it failed."""
        result = subprocess.run(self._command(*args), cwd=self.cwd, capture_output=True, text=True, check=False)  # noqa: S603 - argv list, no shell
        return result.stdout if result.returncode == 0 else None

    def _settings(self) -> Any:
        loaded = load_stack_config(self.cwd, self.name, [])
        return parse(loaded.config, self.name, loaded.secret_keys)

    def strategy(self) -> str:
        return str(self._settings().release.strategy)

    def repo_active_color(self) -> str:
        return str(self._settings().release.active_color)

    def canary_steps(self) -> tuple[int, ...]:
        return tuple(self._settings().release.canary.steps)

    def deployed(self) -> Deployed | None:
        """The last deployment's config, read without leaving it in the working copy."""
        original = self.stack_file.read_bytes()
        try:
            if self._run("config", "refresh", "--force") != 0:
                if self._ever_deployed():
                    # Guessing from the repo's (stale) activeColor could deploy straight onto the live track.
                    raise RuntimeError(
                        f"cannot read the last deployment's config of {self.name} (pulumi config refresh failed); "
                        "nothing was changed"
                    )
                return None  # never deployed: the repo's stack file is all there is
            refreshed = read_yaml(self.stack_file) or {}
            if not isinstance(refreshed, dict):
                raise RuntimeError(f"{self.stack_file.name} after `pulumi config refresh` is not a mapping")
            return deployed_from_stack_file(refreshed)
        finally:
            self.stack_file.write_bytes(original)

    def _history(self) -> list[Any] | None:
        """`pulumi stack history`, newest update first; None when it cannot be read."""
        text = self._read("stack", "history", "--json")
        if text is None:
            return None
        try:
            history = json.loads(text or "null")
        except json.JSONDecodeError:
            return None
        if history is None:  # the CLI prints null for a stack without updates
            return []
        return history if isinstance(history, list) else None

    def _ever_deployed(self) -> bool:
        """True unless `pulumi stack history` says the stack has no update (unsure counts as deployed)."""
        history = self._history()
        return history is None or bool(history)

    def last_update_result(self) -> str | None:
        """`succeeded`, `failed`, `in-progress`, ... of the newest update; None when unknown."""
        history = self._history()
        newest = history[0] if history else None
        return str(newest.get("result")) if isinstance(newest, dict) and newest.get("result") else None

    def _tag(self) -> str | None:
        text = self._read("stack", "tag", "get", LOCK_TAG)  # fails when the tag was never set
        return text.strip() if text is not None else None

    def lock(self, holder: str) -> str | None:
        """Take the stack for `holder`; None when taken, else who holds it. The same release may take it over
        (a rerun of a release whose job died). Read back after writing: of two writers, one reads the other."""
        current = self._tag()
        if current not in (None, FREE, holder):
            return current
        if self._run("stack", "tag", "set", LOCK_TAG, holder) != 0:
            raise RuntimeError(f"cannot set the stack tag {LOCK_TAG} of {self.name}; nothing was changed")
        after = self._tag()
        if after is None:  # a backend that keeps no tags: the workflow's concurrency group is the only guard
            print(f"release: the backend keeps no stack tags; {self.name} is not locked", flush=True)
            return None
        return None if after == holder else after

    def unlock(self, holder: str) -> None:
        if self._tag() == holder:  # set, not removed: some backends keep a stack's last tag on `rm`
            self._run("stack", "tag", "set", LOCK_TAG, FREE)

    def config_set(self, key: str, value: str) -> None:
        if self._run("config", "set", "--path", f"{NAMESPACE}:{key}", value) != 0:
            raise RuntimeError(f"pulumi config set {key} failed")

    def up(self) -> bool:
        config = f"{self.policy_pack}/config/{self.name}.json"
        return self._run("up", "--yes", "--policy-pack", self.policy_pack, "--policy-pack-config", config) == 0


def set_track(stack: Stack, prefix: str, track: Track) -> None:
    stack.config_set(f"{prefix}.image", track.image)
    stack.config_set(f"{prefix}.version", track.version)


def succeeded(step: Callable[[], bool], what: str, log: Callable[[str], None]) -> bool:
    """A step that may raise counts as failed: once traffic may have moved, every failure must roll back."""
    try:
        return step()
    except Exception as error:  # noqa: BLE001 - any failure here leads to the rollback, never past it
        log(f"{what} raised {type(error).__name__}: {error}")
        return False


def newer_than_live(new: Track, live: Track | None) -> str | None:
    """Why `new` cannot be released over `live`, or None.

    The program tells a promotion (traffic to the newer version: gated) from a rollback (back to the older
    one: no gate) by the two colors' versions (components/objects/plan.py), so each release must be newer.
    """
    try:
        new_key = version_key(new.version)
        if live is not None and new_key <= version_key(live.version):
            return f"version {new.version} is not newer than the live {live.version}: a release needs a newer version"
    except ValueError as error:
        return f"{error}; expected a semantic version such as 1.6.0"
    return None
