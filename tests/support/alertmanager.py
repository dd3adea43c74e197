"""The rendered Alertmanager config, and how this machine's Alertmanager binaries can judge it.

The config is read from the rendered Helm values of kube-prometheus-stack (`alertmanager.config`), the
object a reviewer sees. The judges are Debian's `amtool` and `prometheus-alertmanager`; on Debian 12 they
are 0.25.0, older than the Alertmanager kube-prometheus-stack runs (v0.34.0 in its values.yaml at
88.5.3), and 0.25 does not know one key greenlight uses: the webhook's `url_file` (Alertmanager
CHANGELOG 0.26.0, "Webhook Integration: Support `url_file`", #3223). For an older judge, and only then,
`as_judged` replaces exactly that key with a `url` and says so; everything else is judged as rendered.
"""

from __future__ import annotations

import copy
import re
import subprocess
from typing import Any

from components.contract import KUBE_PROMETHEUS_STACK_RELEASE
from tests.support.preview import preview

URL_FILE_SINCE = (0, 26)
# Stands in for the file's URL where the judge cannot read url_file (.invalid never resolves, RFC 2606).
URL_FILE_STAND_IN = "https://url-file.invalid"


def rendered_config(stack: str, *overrides: str) -> dict[str, Any]:
    """The Alertmanager config exactly as the stack renders it (Helm values of kube-prometheus-stack)."""
    values = preview(stack, *overrides).helm()[KUBE_PROMETHEUS_STACK_RELEASE]["values"]
    config: dict[str, Any] = values["alertmanager"]["config"]
    return config


def version(binary: str) -> tuple[int, int]:
    """(major, minor) of an Alertmanager binary (`amtool` or `alertmanager`), from `--version`."""
    result = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False, timeout=30)
    found = re.search(r"version (\d+)\.(\d+)\.", result.stdout + result.stderr)
    assert found, f"no version in {binary} --version: {result.stdout + result.stderr}"
    return int(found.group(1)), int(found.group(2))


def webhooks(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [hook for receiver in config["receivers"] for hook in receiver.get("webhook_configs", [])]


def as_judged(config: dict[str, Any], binary: str) -> tuple[dict[str, Any], list[str]]:
    """The config this `binary` can load, and what was changed for it (nothing for Alertmanager >= 0.26)."""
    judged = copy.deepcopy(config)
    if version(binary) >= URL_FILE_SINCE:
        return judged, []
    changed = []
    for hook in webhooks(judged):
        if "url_file" in hook:
            path = hook.pop("url_file")
            hook["url"] = f"{URL_FILE_STAND_IN}{path}"
            changed.append(f"webhook url_file {path} -> url (Alertmanager < 0.26)")
    return judged, changed
