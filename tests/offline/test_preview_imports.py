"""A preview loads none of pulumi-kubernetes' typed API modules: importing them costs a third of a second
and 18 MiB (components/resources/register.py registers and reads without them)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.preview import ROOT

PROGRAM = """
import contextlib, io, json, sys
from offline.__main__ import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["preview", "--stack", "prod", "--json"])
print(json.dumps({"exit": code, "modules": sorted(m for m in sys.modules if m.startswith("pulumi_kubernetes."))}))
"""
# The one versioned module register() needs: helm.v4 (Chart).
ALLOWED_VERSIONED = ("pulumi_kubernetes.helm.v4",)


def test_the_prod_preview_imports_no_typed_kubernetes_class() -> None:
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, cwd=ROOT, check=True)
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["exit"] == 0
    assert "pulumi_kubernetes.helm.v4.Chart" in report["modules"]  # the check sees what was loaded
    typed = [
        m for m in report["modules"] if m.count(".") >= 2 and not m.startswith(ALLOWED_VERSIONED)
    ]  # pulumi_kubernetes.<group>.<version>[.<Kind>]: the typed classes and their inputs
    assert typed == []
