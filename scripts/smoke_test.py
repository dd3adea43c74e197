"""Post-deploy smoke test: every path of BASE_URL answers 200 within a bounded number of attempts.

    python scripts/smoke_test.py https://web.staging.example.com [--path /health --path /ready]
        [--attempts 10] [--interval 6] [--timeout 5] [--expect-version 1.5.0]

Retries cover the seconds a fresh rollout or a Service switch needs to settle; the bound keeps a
broken release from hanging the pipeline. `--expect-version` also requires every answer to say it
came from that version: the response header `X-App-Version`, and the `version` of a JSON body that
has one (`/health`). An answer from the old color, or one that names no version, fails the path.
Exit 0 when every path passed, 1 otherwise (the deploy job then rolls back).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as `python scripts/smoke_test.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from offline.errors import UsageError, fail

# The reference service's probes (DESIGN.md): /health is liveness, /ready is readiness.
DEFAULT_PATHS = ("/health", "/ready")
# 10 attempts 6 s apart: one minute, about a readiness probe's failureThreshold x periodSeconds
# plus a Service endpoint update; long enough to settle, short enough to roll back promptly.
DEFAULT_ATTEMPTS = 10
DEFAULT_INTERVAL_SECONDS = 6.0
DEFAULT_TIMEOUT_SECONDS = 5.0
VERSION_HEADER = "X-App-Version"
HTTP_OK = 200


MAX_BODY_BYTES = 64 * 1024  # probe bodies are tiny JSON objects; never read an unbounded body


@dataclass(frozen=True)
class Probe:
    status: int  # 0 when no HTTP response came back
    version: str | None  # the X-App-Version header
    detail: str
    body_version: str | None = None  # `version` of a JSON object body, when it has one

    def versions_match(self, expected: str | None) -> bool:
        if expected is None:
            return True
        return self.version == expected and self.body_version in (None, expected)


def _body_version(raw: bytes) -> str | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    version = body.get("version") if isinstance(body, dict) else None
    return str(version) if version is not None else None


def fetch(url: str, timeout: float) -> Probe:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"smoke test URL must be http(s): {url}")
    # Scheme checked above, so neither Request nor urlopen can be pointed at file:// or custom schemes.
    request = urllib.request.Request(url, headers={"User-Agent": "greenlight-smoke-test"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            body_version = _body_version(response.read(MAX_BODY_BYTES))
            return Probe(response.status, response.headers.get(VERSION_HEADER), "ok", body_version)
    except urllib.error.HTTPError as error:
        return Probe(error.code, error.headers.get(VERSION_HEADER), error.reason)
    except (urllib.error.URLError, OSError) as error:
        return Probe(0, None, str(error))


def check_path(
    url: str,
    expect_version: str | None,
    attempts: int,
    interval: float,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, str]:
    """(passed, last observation) after at most `attempts` requests."""
    last = ""
    for attempt in range(1, attempts + 1):
        probe = fetch(url, timeout)
        last = f"attempt {attempt}/{attempts}: HTTP {probe.status or '-'} ({probe.detail}), version {probe.version}"
        if probe.body_version is not None:
            last += f" (body: {probe.body_version})"
        if probe.status == HTTP_OK and probe.versions_match(expect_version):
            return True, last
        if attempt < attempts:
            sleep(interval)
    return False, last


def run(
    base_url: str,
    paths: Sequence[str],
    attempts: int = DEFAULT_ATTEMPTS,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    expect_version: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    passed = True
    for path in paths:
        url = base_url.rstrip("/") + "/" + path.lstrip("/")
        ok, observation = check_path(url, expect_version, attempts, interval, timeout, sleep)
        print(f"{'PASS' if ok else 'FAIL'} {url}: {observation}", flush=True)
        passed = passed and ok
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--path", action="append", dest="paths", help=f"default: {' '.join(DEFAULT_PATHS)}")
    parser.add_argument("--attempts", type=int, default=DEFAULT_ATTEMPTS)
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL_SECONDS, help="seconds between attempts")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds per request")
    parser.add_argument("--expect-version", help=f"require the {VERSION_HEADER} header (and a body's version) to match")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    try:
        check_arguments(args)
        ok = run(
            args.base_url, args.paths or DEFAULT_PATHS, args.attempts, args.interval, args.timeout, args.expect_version
        )
    except Exception as err:  # noqa: BLE001 - one message and exit 2, a traceback only with --debug
        return fail(err, "smoke_test", args.debug)
    return 0 if ok else 1


def check_arguments(args: argparse.Namespace) -> None:
    url = urlsplit(args.base_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise UsageError(f"BASE_URL {args.base_url!r}: expected an http(s) URL such as https://web.example.com")
    if args.attempts < 1:
        raise UsageError(f"--attempts {args.attempts}: expected 1 or more")
    for flag, seconds in (("--interval", args.interval), ("--timeout", args.timeout)):
        if not seconds > 0:
            raise UsageError(f"{flag} {seconds}: expected a positive number of seconds")


if __name__ == "__main__":
    sys.exit(main())
