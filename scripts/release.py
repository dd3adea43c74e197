"""Release one image to one stack with the Pulumi CLI: blue-green or canary with automatic rollback, or rolling.

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
A blue-green or canary release must carry a version newer than the live one (exit 2 otherwise, nothing
changed).
Canary: the same first two steps, then `release.canary.steps` one `pulumi up` each, judged by the step's
gates, and the canary color made active at the end; any failure sets the weight back to 0
(scripts/canary_release.py).
Rolling (dev): set app.image/app.version, `pulumi up`, smoke test; on failure restore the deployed image.

One release per stack at a time: the stack tag `greenlight-release` names the release under way, and
another release is refused (exit 2) until it is done; a rerun of the same release takes it over.
Every `pulumi up` runs the policy pack with the stack's config, as in pull requests.
Exit 0: released; 1: failed (rolled back, or the canary aborted, when traffic had moved); 2: refused
before anything changed (usage, config, version, another release under way).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from offline.errors import UsageError, fail
from scripts import smoke_test
from scripts.canary_release import Smoke, release_canary
from scripts.release_stack import (
    Deployed,
    PulumiCli,
    Stack,
    Track,
    deployed_from_stack_file,
    newer_than_live,
    other,
    set_track,
    succeeded,
)

__all__ = ["Deployed", "PulumiCli", "Stack", "Track", "deployed_from_stack_file", "main", "newer_than_live", "release"]


def release_blue_green(stack: Stack, new: Track, smoke: Smoke, log: Callable[[str], None]) -> int:
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
            set_track(stack, f"release.{live}", deployed.tracks[live])
    set_track(stack, f"release.{idle}", new)
    log(f"{stack.name}: live color {live}; deploying {new.image} to idle color {idle}")
    if not stack.up():
        log(f"{stack.name}: update of the idle color failed (gate or rollout): traffic stays on {live}")
        return 1
    stack.config_set("release.activeColor", idle)
    if not succeeded(stack.up, "pulumi up (promotion)", log):
        log(f"{stack.name}: promotion to {idle} failed: restoring {live}")
        return _rollback_color(stack, live, log)
    if not succeeded(lambda: smoke(new.version), "smoke test", log):
        log(f"{stack.name}: post-promotion smoke test failed on {idle}: rolling back to {live}")
        return _rollback_color(stack, live, log)
    log(f"{stack.name}: promoted {idle} ({new.version}); {live} stays up for instant rollback")
    return 0


def _rollback_color(stack: Stack, live: str, log: Callable[[str], None]) -> int:
    stack.config_set("release.activeColor", live)
    log(f"{stack.name}: rollback to {live} {'succeeded' if stack.up() else 'FAILED: page the on-call'}")
    return 1


def release_rolling(stack: Stack, new: Track, smoke: Smoke, log: Callable[[str], None]) -> int:
    deployed = stack.deployed()
    previous = deployed.app if deployed else None
    set_track(stack, "app", new)
    log(f"{stack.name}: rolling update to {new.image}")
    if succeeded(stack.up, "pulumi up", log) and succeeded(lambda: smoke(new.version), "smoke test", log):
        log(f"{stack.name}: released {new.version}")
        return 0
    if previous is None:
        log(f"{stack.name}: release failed and there is no previous deployment to restore")
        return 1
    log(f"{stack.name}: release failed: restoring {previous.image}")
    set_track(stack, "app", previous)
    log(f"{stack.name}: rollback {'succeeded' if stack.up() else 'FAILED: page the on-call'}")
    return 1


IN_PROGRESS = "in-progress"  # `pulumi stack history` result of an update that has not ended
FLOWS = {"blue-green": release_blue_green, "canary": release_canary, "rolling": release_rolling}


def release(stack: Stack, new: Track, smoke: Smoke, log: Callable[[str], None] = print) -> int:
    flow = FLOWS[stack.strategy()]  # the settings allow no other strategy
    holder = f"{new.version} {new.image}"
    held_by = stack.lock(holder)
    if held_by is not None:
        log(
            f"{stack.name}: another release is under way ({held_by}); nothing was changed. If its job died, "
            f"rerun that release to finish it, or free the stack: pulumi stack tag set greenlight-release none"
        )
        return 2
    try:
        if stack.last_update_result() == IN_PROGRESS:
            log(
                f"{stack.name}: the last update is still in progress (a release job that died during it leaves it "
                f"so); nothing was changed. If no one is running one: pulumi cancel --stack {stack.name}, then rerun"
            )
            return 2
        return flow(stack, new, smoke, log)
    finally:
        stack.unlock(holder)


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

        def smoke(version: str | None) -> bool:
            return smoke_test.run(args.smoke_url, smoke_test.DEFAULT_PATHS, expect_version=version)

        return release(stack, Track(args.image, args.version), smoke, _log_to_summary)
    except RuntimeError as error:  # a CLI step failed; the log above says how far the release got
        print(f"release: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - bad input or settings: nothing was changed; one message
        return fail(error, "release", args.debug)


if __name__ == "__main__":
    sys.exit(main())
