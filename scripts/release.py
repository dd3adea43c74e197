"""Release one image to one stack with the Pulumi CLI: blue-green with automatic rollback, or rolling.

    python -m scripts.release --stack prod --image ghcr.io/acme/greenlight-web@sha256:... --version 1.5.0 \
        --smoke-url https://web.example.com

Blue-green (staging, prod):
  1. find the live color from the last deployment (`pulumi config refresh`, read into a throwaway copy:
     the repo's stack file stays the source of truth for every other setting) and pin the live track
     to what is deployed, so this update cannot touch the pods serving traffic;
  2. set the idle color's image and version, `pulumi up`: the idle track rolls out and its landing gate
     judges it with a sample of real requests; if the gate fails, the update fails and traffic never moved;
  3. promote: `activeColor = idle`, `pulumi up`: the idle color scales to the live color's size and the
     promotion gate judges it again before the selectors move;
  4. smoke test the public URL (bounded retries, the new version must answer); on failure restore the
     previous activeColor and `pulumi up` again: the previous color is still running at its size and its
     version is older, so the rollback is a Service selector switch that waits for no gate Job.
A blue-green release must carry a version newer than the live one (exit 2 otherwise, nothing changed).
Rolling (dev): set app.image/app.version, `pulumi up`, smoke test; on failure restore the deployed image.

Every `pulumi up` runs the policy pack with the stack's config, as in pull requests.
Exit 0: released; 1: failed (rolled back when traffic had moved); 2: usage or config error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from components.objects.plan import version_key
from components.settings import parse
from offline.errors import UsageError, fail
from offline.stackconfig import load as load_stack_config
from offline.stackconfig import namespaced, read_yaml
from scripts import smoke_test

NAMESPACE = "greenlight"
COLORS = ("blue", "green")


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


class Stack(Protocol):
    name: str

    def strategy(self) -> str: ...
    def repo_active_color(self) -> str: ...
    def deployed(self) -> Deployed | None: ...
    def config_set(self, key: str, value: str) -> None: ...
    def up(self) -> bool: ...


def other(color: str) -> str:
    return COLORS[1 - COLORS.index(color)]


def _track(raw: Any) -> Track | None:
    if isinstance(raw, dict) and raw.get("image"):
        return Track(str(raw["image"]), str(raw.get("version", "")))
    return None


def deployed_from_stack_file(document: dict[str, Any]) -> Deployed:
    config = namespaced(dict(document.get("config") or {}), NAMESPACE)
    release = config.get(f"{NAMESPACE}:release") or {}
    tracks = {color: track for color in COLORS if (track := _track(release.get(color)))}
    return Deployed(release.get("activeColor"), tracks, _track(config.get(f"{NAMESPACE}:app")))


class PulumiCli:
    """The real thing: the Pulumi CLI in the project directory."""

    def __init__(self, name: str, cwd: Path, binary: str = "pulumi", policy_pack: str = "policies") -> None:
        self.name, self.cwd, self.binary, self.policy_pack = name, cwd, binary, policy_pack
        self.stack_file = cwd / f"Pulumi.{name}.yaml"

    def _run(self, *args: str) -> int:
        command = [self.binary, *args, "--stack", self.name, "--non-interactive"]
        print("+ " + " ".join(command), flush=True)
        return subprocess.run(command, cwd=self.cwd, check=False).returncode  # noqa: S603 - argv list, no shell

    def _settings(self) -> Any:
        loaded = load_stack_config(self.cwd, self.name, [])
        return parse(loaded.config, self.name, loaded.secret_keys)

    def strategy(self) -> str:
        return str(self._settings().release.strategy)

    def repo_active_color(self) -> str:
        return str(self._settings().release.active_color)

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

    def _ever_deployed(self) -> bool:
        """True unless `pulumi stack history` says the stack has no update (unsure counts as deployed)."""
        command = [self.binary, "stack", "history", "--json", "--stack", self.name, "--non-interactive"]
        result = subprocess.run(command, cwd=self.cwd, capture_output=True, text=True, check=False)  # noqa: S603 - argv list, no shell
        if result.returncode != 0:
            return True
        try:
            return bool(json.loads(result.stdout or "null"))
        except json.JSONDecodeError:
            return True

    def config_set(self, key: str, value: str) -> None:
        if self._run("config", "set", "--path", f"{NAMESPACE}:{key}", value) != 0:
            raise RuntimeError(f"pulumi config set {key} failed")

    def up(self) -> bool:
        config = f"{self.policy_pack}/config/{self.name}.json"
        return self._run("up", "--yes", "--policy-pack", self.policy_pack, "--policy-pack-config", config) == 0


def _set_track(stack: Stack, prefix: str, track: Track) -> None:
    stack.config_set(f"{prefix}.image", track.image)
    stack.config_set(f"{prefix}.version", track.version)


def _succeeded(step: Callable[[], bool], what: str, log: Callable[[str], None]) -> bool:
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


def release_blue_green(stack: Stack, new: Track, smoke: Callable[[str], bool], log: Callable[[str], None]) -> int:
    deployed = stack.deployed()
    live = (deployed.active_color if deployed and deployed.active_color else None) or stack.repo_active_color()
    idle = other(live)
    refused = newer_than_live(new, deployed.tracks.get(live) if deployed else None)
    if refused:
        log(f"{stack.name}: {refused}; nothing was changed")
        return 2
    if deployed:
        stack.config_set("release.activeColor", live)
        if live in deployed.tracks:
            _set_track(stack, f"release.{live}", deployed.tracks[live])
    _set_track(stack, f"release.{idle}", new)
    log(f"{stack.name}: live color {live}; deploying {new.image} to idle color {idle}")
    if not stack.up():
        log(f"{stack.name}: update of the idle color failed (gate or rollout): traffic stays on {live}")
        return 1
    stack.config_set("release.activeColor", idle)
    if not _succeeded(stack.up, "pulumi up (promotion)", log):
        log(f"{stack.name}: promotion to {idle} failed: restoring {live}")
        return _rollback_color(stack, live, log)
    if not _succeeded(lambda: smoke(new.version), "smoke test", log):
        log(f"{stack.name}: post-promotion smoke test failed on {idle}: rolling back to {live}")
        return _rollback_color(stack, live, log)
    log(f"{stack.name}: promoted {idle} ({new.version}); {live} stays up for instant rollback")
    return 0


def _rollback_color(stack: Stack, live: str, log: Callable[[str], None]) -> int:
    stack.config_set("release.activeColor", live)
    log(f"{stack.name}: rollback to {live} {'succeeded' if stack.up() else 'FAILED: page the on-call'}")
    return 1


def release_rolling(stack: Stack, new: Track, smoke: Callable[[str], bool], log: Callable[[str], None]) -> int:
    deployed = stack.deployed()
    previous = deployed.app if deployed else None
    _set_track(stack, "app", new)
    log(f"{stack.name}: rolling update to {new.image}")
    if _succeeded(stack.up, "pulumi up", log) and _succeeded(lambda: smoke(new.version), "smoke test", log):
        log(f"{stack.name}: released {new.version}")
        return 0
    if previous is None:
        log(f"{stack.name}: release failed and there is no previous deployment to restore")
        return 1
    log(f"{stack.name}: release failed: restoring {previous.image}")
    _set_track(stack, "app", previous)
    log(f"{stack.name}: rollback {'succeeded' if stack.up() else 'FAILED: page the on-call'}")
    return 1


def release(stack: Stack, new: Track, smoke: Callable[[str], bool], log: Callable[[str], None] = print) -> int:
    strategy = stack.strategy()
    if strategy == "blue-green":
        return release_blue_green(stack, new, smoke, log)
    if strategy == "rolling":
        return release_rolling(stack, new, smoke, log)
    log(f"{stack.name}: strategy {strategy!r} is not automated by this pipeline; release it by hand")
    return 2


def _log_to_summary(message: str) -> None:
    print(message, flush=True)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(f"- {message}\n")


# A digest-pinned reference: the digest is sha256 over the image manifest, 64 lowercase hex digits.
_PINNED_IMAGE = re.compile(r"^[a-z0-9][A-Za-z0-9._/:-]*@sha256:[a-f0-9]{64}$")
# Semantic Versioning 2.0.0 (https://semver.org), with the optional leading `v` the app's labels accept.
_SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/iac/download-install/"


def check_inputs(args: argparse.Namespace) -> None:
    """Every flag checked before the Pulumi CLI is called: a bad value found later would leave a half release."""
    if not _PINNED_IMAGE.fullmatch(args.image):
        raise UsageError(
            f"--image {args.image!r}: must be pinned by digest: name@sha256:<64 hex digits>, "
            "e.g. ghcr.io/acme/greenlight-web:1.6.0@sha256:<digest>"
        )
    if not _SEMVER.fullmatch(args.version):
        raise UsageError(f"--version {args.version!r}: expected a semantic version such as 1.6.0 or 1.6.0-rc.1")
    # A bad URL found after promotion would skip the smoke test's verdict.
    url = urlsplit(args.smoke_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise UsageError(f"--smoke-url must be an http(s) URL like https://web.example.com, got {args.smoke_url!r}")
    if not args.cwd.is_dir():
        raise UsageError(f"--cwd {args.cwd}: not a directory")
    if shutil.which(args.pulumi) is None:
        raise UsageError(
            f"--pulumi {args.pulumi}: the Pulumi CLI was not found; install it ({PULUMI_INSTALL_URL}) "
            "or pass its path with --pulumi"
        )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True)
    p.add_argument("--image", required=True, help="image reference pinned by digest (name@sha256:...)")
    p.add_argument("--version", required=True, help="app version (app.kubernetes.io/version)")
    p.add_argument("--smoke-url", required=True, help="public base URL of the stack's app")
    p.add_argument("--cwd", type=Path, default=Path.cwd(), help="Pulumi project directory")
    p.add_argument("--pulumi", default="pulumi", help="Pulumi CLI binary")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        check_inputs(args)
        stack = PulumiCli(args.stack, args.cwd.resolve(), args.pulumi)
        stack.strategy()  # reads and validates the stack's settings before anything runs

        def smoke(version: str) -> bool:
            return smoke_test.run(args.smoke_url, smoke_test.DEFAULT_PATHS, expect_version=version)

        return release(stack, Track(args.image, args.version), smoke, _log_to_summary)
    except RuntimeError as error:  # a CLI step failed; the log above says how far the release got
        print(f"release: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - bad input or settings: nothing was changed; one message
        return fail(error, "release", args.debug)


if __name__ == "__main__":
    sys.exit(main())
