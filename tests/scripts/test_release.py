"""scripts/release.py and scripts/smoke_test.py: the deploy pipeline's blue-green flow and its rollback.
The canary flow: tests/scripts/test_canary_release.py; the CLI's lock and history: test_release_stack.py."""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from scripts import release, smoke_test
from scripts.release import Deployed, Track
from tests.support.fake_stack import FreeStack

ROOT = Path(__file__).resolve().parents[2]
NEW = Track("ghcr.io/acme/greenlight-web:1.6.0@sha256:" + "c" * 64, "1.6.0")
BLUE = Track("ghcr.io/acme/greenlight-web:1.4.2@sha256:" + "a" * 64, "1.4.2")
GREEN = Track("ghcr.io/acme/greenlight-web:1.5.0@sha256:" + "b" * 64, "1.5.0")


@dataclass
class FakeStack(FreeStack):
    """Records what the release does; `up_results` scripts the outcome of each `pulumi up`."""

    strategy_name: str = "blue-green"
    deployed_state: Deployed | None = None
    up_results: list[bool] = field(default_factory=list)
    name: str = "prod"
    config: dict[str, str] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)

    def strategy(self) -> str:
        return self.strategy_name

    def repo_active_color(self) -> str:
        return "blue"

    def canary_steps(self) -> tuple[int, ...]:
        return (5, 25, 50, 100)

    def deployed(self) -> Deployed | None:
        return self.deployed_state

    def config_set(self, key: str, value: str) -> None:
        self.config[key] = value
        self.events.append(f"set {key}={value}")

    def up(self) -> bool:
        self.events.append(f"up activeColor={self.config.get('release.activeColor', '(file)')}")
        return self.up_results.pop(0) if self.up_results else True


def smoke(results: list[bool]) -> tuple[list[str | None], Callable[[str | None], bool]]:
    seen: list[str | None] = []

    def check(version: str | None) -> bool:
        seen.append(version)
        return results.pop(0)

    return seen, check


def test_blue_green_deploys_to_the_idle_color_then_promotes() -> None:
    stack = FakeStack(deployed_state=Deployed("blue", {"blue": BLUE, "green": GREEN}, None))
    seen, check = smoke([True])
    assert release.release(stack, NEW, check, log=lambda _: None) == 0
    assert stack.config["release.green.image"] == NEW.image and stack.config["release.green.version"] == "1.6.0"
    assert stack.config["release.blue.image"] == BLUE.image  # the live color is pinned to what is deployed
    assert [e for e in stack.events if e.startswith("up")] == ["up activeColor=blue", "up activeColor=green"]
    assert seen == ["1.6.0"]


def test_failed_post_promotion_smoke_test_restores_the_previous_color() -> None:
    stack = FakeStack(deployed_state=Deployed("blue", {"blue": BLUE, "green": GREEN}, None))
    _, check = smoke([False])
    assert release.release(stack, NEW, check, log=lambda _: None) == 1
    assert stack.events[-2:] == ["set release.activeColor=blue", "up activeColor=blue"]
    assert stack.config["release.activeColor"] == "blue"


def test_failed_gate_never_moves_traffic() -> None:
    stack = FakeStack(deployed_state=Deployed("blue", {"blue": BLUE}, None), up_results=[False])
    _, check = smoke([])
    assert release.release(stack, NEW, check, log=lambda _: None) == 1
    assert "set release.activeColor=green" not in stack.events
    assert [e for e in stack.events if e.startswith("up")] == ["up activeColor=blue"]


def test_live_color_comes_from_the_last_deployment_not_the_stack_file() -> None:
    # The last release promoted green; the repo file still says blue. Deploy to blue, keep green as is.
    stack = FakeStack(deployed_state=Deployed("green", {"blue": BLUE, "green": GREEN}, None))
    _, check = smoke([True])
    assert release.release(stack, NEW, check, log=lambda _: None) == 0
    assert stack.config["release.blue.image"] == NEW.image
    assert stack.config["release.green.image"] == GREEN.image
    assert stack.config["release.activeColor"] == "blue"


def test_first_deployment_uses_the_stack_files_active_color() -> None:
    stack = FakeStack(deployed_state=None)
    _, check = smoke([True])
    assert release.release(stack, NEW, check, log=lambda _: None) == 0
    assert stack.events[0] == f"set release.green.image={NEW.image}"


def test_rolling_release_restores_the_deployed_image_when_the_smoke_test_fails() -> None:
    stack = FakeStack(strategy_name="rolling", name="dev", deployed_state=Deployed(None, {}, BLUE))
    _, check = smoke([False])
    assert release.release(stack, NEW, check, log=lambda _: None) == 1
    assert stack.config["app.image"] == BLUE.image and stack.events[-1] == "up activeColor=(file)"


FAKE_PULUMI = """#!{python}
import pathlib, sys
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(" ".join(args) + "\\n")
if args[:2] == ["config", "refresh"]:
    pathlib.Path("Pulumi.prod.yaml").write_text({deployed!r})
"""


def test_cli_reads_the_deployed_config_without_keeping_it(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    repo_file = (ROOT / "Pulumi.prod.yaml").read_text()
    (tmp_path / "Pulumi.prod.yaml").write_text(repo_file)
    deployed = {
        "config": {"greenlight:release": {"activeColor": "green", "green": {"image": GREEN.image, "version": "1.5.0"}}}
    }
    fake = tmp_path / "pulumi"
    fake.write_text(
        FAKE_PULUMI.format(python=sys.executable, log=str(tmp_path / "log"), deployed=yaml.safe_dump(deployed))
    )
    fake.chmod(0o755)
    cli = release.PulumiCli("prod", tmp_path, binary=str(fake))

    state = cli.deployed()
    assert state == Deployed("green", {"green": GREEN}, None)
    assert (tmp_path / "Pulumi.prod.yaml").read_text() == repo_file  # the repo's settings stay the truth
    assert cli.strategy() == "blue-green" and cli.repo_active_color() == "blue"
    assert cli.up()
    assert (tmp_path / "log").read_text().splitlines()[-1] == (
        "up --yes --policy-pack policies --policy-pack-config policies/config/prod.json --stack prod --non-interactive"
    )


def test_cli_refuses_an_image_not_pinned_by_digest(capsys: pytest.CaptureFixture[str]) -> None:
    code = release.main(["--stack", "prod", "--image", "web:latest", "--version", "1.0.0", "--smoke-url", "http://x"])
    assert code == 2
    assert "--image 'web:latest': must be pinned by digest" in capsys.readouterr().err


class _Handler(BaseHTTPRequestHandler):
    statuses: ClassVar[list[int]] = []

    def do_GET(self) -> None:
        status = self.statuses.pop(0) if self.statuses else 200
        self.send_response(status)
        self.send_header("X-App-Version", "1.6.0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_smoke_test_retries_until_ready(server: str) -> None:
    _Handler.statuses = [503, 503]
    naps: list[float] = []
    assert smoke_test.run(server, ["/ready"], attempts=3, interval=0.5, sleep=naps.append)
    assert naps == [0.5, 0.5]


def test_smoke_test_gives_up_after_bounded_attempts(server: str) -> None:
    _Handler.statuses = [500, 500, 500]
    assert not smoke_test.run(server, ["/health"], attempts=3, interval=0, sleep=lambda _: None)


def test_smoke_test_rejects_the_wrong_version(server: str) -> None:
    _Handler.statuses = []
    assert not smoke_test.run(server, ["/health"], attempts=2, interval=0, expect_version="9.9.9", sleep=lambda _: None)
    assert smoke_test.run(server, ["/health"], attempts=1, expect_version="1.6.0")


def test_smoke_test_refuses_non_http_urls() -> None:
    with pytest.raises(ValueError):
        smoke_test.fetch("file:///etc/passwd", timeout=1)


def _raises(error: Exception) -> Callable[[str | None], bool]:
    def check(_: str | None) -> bool:
        raise error

    return check


def test_a_smoke_test_that_raises_after_promotion_still_rolls_back() -> None:
    stack = FakeStack(deployed_state=Deployed("blue", {"blue": BLUE, "green": GREEN}, None))
    assert release.release(stack, NEW, _raises(ValueError("smoke test URL must be http(s)")), log=lambda _: None) == 1
    assert stack.events[-2:] == ["set release.activeColor=blue", "up activeColor=blue"]


def test_a_promotion_that_raises_still_rolls_back() -> None:
    stack = FakeStack(deployed_state=Deployed("blue", {"blue": BLUE, "green": GREEN}, None))
    ups = iter([True])

    def up() -> bool:
        stack.events.append(f"up activeColor={stack.config.get('release.activeColor')}")
        if next(ups, None) is None and stack.config.get("release.activeColor") == "green":
            raise OSError("pulumi: connection reset")
        return True

    stack.up = up  # type: ignore[method-assign]
    assert release.release(stack, NEW, lambda _: True, log=lambda _: None) == 1
    assert stack.events[-2:] == ["set release.activeColor=blue", "up activeColor=blue"]


def test_rolling_release_rolls_back_when_the_smoke_test_raises() -> None:
    stack = FakeStack(strategy_name="rolling", name="dev", deployed_state=Deployed(None, {}, BLUE))
    assert release.release(stack, NEW, _raises(OSError("unreachable")), log=lambda _: None) == 1
    assert stack.config["app.image"] == BLUE.image


def test_cli_refuses_a_smoke_url_that_is_not_http_before_changing_anything(capsys: pytest.CaptureFixture[str]) -> None:
    image = NEW.image
    code = release.main(["--stack", "prod", "--image", image, "--version", "1.6.0", "--smoke-url", "web.example.com"])
    assert code == 2
    assert "--smoke-url must be an http(s) URL" in capsys.readouterr().err


RECORDING_PULUMI = """#!{python}
import sys
with open({log!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
"""


def _project(tmp_path: Path, stack_text: str | None = None) -> tuple[Path, Path, Path]:
    """A project directory with the prod stack file (or `stack_text`), and a Pulumi CLI that records its calls."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    (tmp_path / "Pulumi.prod.yaml").write_text(stack_text or (ROOT / "Pulumi.prod.yaml").read_text())
    fake, log = tmp_path / "pulumi", tmp_path / "log"
    fake.write_text(RECORDING_PULUMI.format(python=sys.executable, log=str(log)))
    fake.chmod(0o755)
    return tmp_path, fake, log


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"--version": "1.6"}, "--version '1.6': expected a semantic version"),
        ({"--image": "ghcr.io/acme/web@sha256:abc"}, "must be pinned by digest: name@sha256:<64 hex digits>"),
        ({"--stack": "qa"}, "no stack file Pulumi.qa.yaml"),
        ({"--pulumi": "/nonexistent/pulumi"}, "the Pulumi CLI was not found; install it"),
    ],
)
def test_bad_inputs_exit_2_before_the_cli_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], fragment: str
) -> None:
    cwd, fake, log = _project(tmp_path)
    argv = {"--stack": "prod", "--image": NEW.image, "--version": "1.6.0", "--smoke-url": "https://web.example.com"}
    argv |= {"--cwd": str(cwd), "--pulumi": str(fake), **change}
    code = release.main([item for pair in argv.items() for item in pair])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "Traceback" not in err
    assert not log.exists()  # nothing ran, nothing changed


@pytest.mark.parametrize(
    ("stack_text", "fragment"),
    [
        ("config: [unclosed\n", "Pulumi.prod.yaml is not valid YAML"),
        ("config:\n  greenlight:team: a\n  greenlight:team: b\n", "key 'greenlight:team' is given twice"),
        ("config:\n  greenlight:environment: prod\n", "invalid settings in Pulumi.prod.yaml"),
    ],
)
def test_a_bad_stack_file_exits_2_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack_text: str, fragment: str
) -> None:
    cwd, fake, log = _project(tmp_path, stack_text)
    flags = ["--stack", "prod", "--image", NEW.image, "--version", "1.6.0", "--smoke-url", "https://x.example"]
    code = release.main([*flags, "--cwd", str(cwd), "--pulumi", str(fake)])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "Traceback" not in err and not log.exists()


def test_deployed_state_reads_keys_without_a_namespace() -> None:
    document = {"config": {"release": {"activeColor": "green", "green": {"image": GREEN.image, "version": "1.5.0"}}}}
    assert release.deployed_from_stack_file(document) == Deployed("green", {"green": GREEN}, None)


FAILING_REFRESH = """#!{python}
import sys
args = sys.argv[1:]
if args[:2] == ["config", "refresh"]:
    sys.exit(1)
if args[:2] == ["stack", "history"]:
    print({history!r})
"""


@pytest.mark.parametrize(("history", "deployed"), [("[]", False), ('[{"kind": "update"}]', True), ("null", False)])
def test_a_failed_config_refresh_only_falls_back_on_a_never_deployed_stack(
    tmp_path: Path, history: str, deployed: bool
) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    (tmp_path / "Pulumi.prod.yaml").write_text((ROOT / "Pulumi.prod.yaml").read_text())
    fake = tmp_path / "pulumi"
    fake.write_text(FAILING_REFRESH.format(python=sys.executable, history=history))
    fake.chmod(0o755)
    cli = release.PulumiCli("prod", tmp_path, binary=str(fake))
    if deployed:
        # The repo's activeColor may be stale: guessing could deploy onto the live track.
        with pytest.raises(RuntimeError, match="cannot read the last deployment"):
            cli.deployed()
    else:
        assert cli.deployed() is None
