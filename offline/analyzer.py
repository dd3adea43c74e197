"""Drives a policy pack over the analyzer gRPC protocol, as `pulumi preview --policy-pack` does.

The pack runs as its own process (`python <pack>/__main__.py`, port on its first stdout line);
we configure it, remediate and analyze each resource with its options, then analyze the stack.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import jsonschema
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, plugin_pb2

from offline import urns
from offline.engine import STACK_TYPE, Resource, is_secret, wrap_secret
from offline.stackconfig import StackConfig, UsageError

LEVELS = {"advisory": 0, "mandatory": 1, "disabled": 2, "remediate": 3}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}
# How long a pack may take to print its port and answer; a pack that hangs must not hang CI.
STARTUP_SECONDS = 60
STOP_SECONDS = 10
STDERR_TAIL_CHARS = 2000


@dataclass(frozen=True)
class Violation:
    policy: str
    pack: str
    level: str
    urn: str
    message: str
    description: str


@dataclass(frozen=True)
class Remediation:
    policy: str
    urn: str
    description: str


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(json.loads(json.dumps(value, default=str)))
    return message


def _keep_secrets(before: Any, after: Any) -> Any:
    """A remediation may drop secret markers; what was secret before stays secret (as the engine does)."""
    if is_secret(before):
        return after if is_secret(after) else wrap_secret(after)
    if isinstance(before, dict) and isinstance(after, dict):
        return {k: _keep_secrets(before[k], v) if k in before else v for k, v in after.items()}
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [_keep_secrets(b, a) for b, a in zip(before, after, strict=True)]
    return after


def _read_pack_config(config_file: Path) -> dict[str, Any]:
    """The `pulumi preview --policy-pack-config` format.

    {"all": LEVEL, POLICY: LEVEL or {"enforcementLevel": LEVEL, PROPERTY: VALUE, ...}}
    """
    try:
        given = json.loads(config_file.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise UsageError(f"--policy-pack-config {config_file}: {err}") from None
    expected = 'a JSON object like {"all": "mandatory", "<policy>": {"enforcementLevel": "advisory", ...}}'
    if not isinstance(given, dict):
        raise UsageError(f"--policy-pack-config {config_file}: expected {expected}")
    for name, value in given.items():
        if not isinstance(value, (str, dict)):
            raise UsageError(
                f"--policy-pack-config {config_file}: {name}: {json.dumps(value)} is neither a level nor an object; "
                f"expected {expected}"
            )
    return given


class PolicyPack:
    """One running policy pack process and a stub speaking the Analyzer service."""

    def __init__(self, pack_dir: Path, startup_seconds: float = STARTUP_SECONDS) -> None:
        main = pack_dir / "__main__.py"
        if not main.is_file():
            raise UsageError(f"--policy-pack {pack_dir}: no __main__.py there")
        self.pack_dir = pack_dir
        self.channel: grpc.Channel | None = None
        self._drain: threading.Thread | None = None
        # stderr goes to a file and stdout is drained by a thread: a chatty pack never fills a pipe and blocks.
        self._stderr = tempfile.TemporaryFile(mode="w+")  # closed in close()
        self.process = subprocess.Popen(
            [sys.executable, "-u", str(main.resolve())],
            cwd=pack_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        try:
            port = self._read_port(startup_seconds)
            self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            try:
                grpc.channel_ready_future(self.channel).result(timeout=startup_seconds)
            except grpc.FutureTimeoutError:
                raise UsageError(self._failure(f"no gRPC server answered on port {port}")) from None
            self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
            self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        except BaseException:
            self.close()  # never leave the pack process behind, whatever failed
            raise

    def _read_port(self, timeout: float) -> str:
        """The first stdout line (the port), within `timeout`; later output is read and dropped."""
        assert self.process.stdout is not None
        stdout = self.process.stdout
        lines: queue.Queue[str] = queue.Queue()

        def drain() -> None:
            for line in stdout:
                lines.put(line)
            lines.put("")  # end of output: the pack exited

        self._drain = threading.Thread(target=drain, name="policy-pack-stdout", daemon=True)
        self._drain.start()
        try:
            first = lines.get(timeout=timeout).strip()
        except queue.Empty:
            raise UsageError(self._failure(f"printed no port within {timeout:g}s")) from None
        if not first.isdigit():
            raise UsageError(self._failure(first or "exited before printing its port"))
        return first

    def _stderr_tail(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().strip()[-STDERR_TAIL_CHARS:]

    def _failure(self, what: str) -> str:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_SECONDS)
        return f"policy pack {self.pack_dir} did not start: {self._stderr_tail() or what}"

    def rpc_error(self, err: grpc.RpcError) -> UsageError:
        """A failed call as one message: the pack's own error, not a gRPC dump."""
        details = err.details() if isinstance(err, grpc.Call) else str(err)
        return UsageError(f"policy pack {self.pack_dir} failed: {details}")

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=STOP_SECONDS)
        if self._drain is not None:
            self._drain.join(timeout=STOP_SECONDS)  # the pipe is at EOF once the process is gone
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> PolicyPack:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- configuration -------------------------------------------------------------------------

    def configure(self, config_file: Path | None, stack: StackConfig) -> dict[str, str]:
        """Resolves levels and properties per policy, validates them, sends Configure."""
        policies = {p.name: p for p in self.info.policies}
        given = _read_pack_config(config_file) if config_file is not None else {}
        unknown = sorted(set(given) - set(policies) - {"all"})
        if unknown:
            raise UsageError(
                f"--policy-pack-config {config_file}: unknown policies {', '.join(unknown)}; "
                f"known: all, {', '.join(sorted(policies))}"
            )
        # The pack's own initial config is a PolicyConfig message per policy (as the engine reads it).
        initial: dict[str, dict[str, Any]] = {
            k: {"enforcementLevel": LEVEL_NAMES[v.enforcementLevel], **json_format.MessageToDict(v.properties)}
            for k, v in self.info.initialConfig.items()
        }
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        levels: dict[str, str] = {}
        for name, policy in policies.items():
            level, properties = _resolve(name, policy, initial, given, config_file)
            request.policyConfig[name].enforcementLevel = LEVELS[level]  # type: ignore[assignment]
            request.policyConfig[name].properties.update(properties)
            levels[name] = level
        try:
            self.stub.ConfigureStack(
                analyzer_pb2.AnalyzerStackConfigureRequest(
                    stack=stack.stack,
                    project=stack.project,
                    dry_run=True,
                    config=stack.config,
                    config_secret_keys=sorted(stack.secret_keys),
                )
            )
        except grpc.RpcError as err:  # older SDKs do not implement it
            if err.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
        self.stub.Configure(request)
        return levels

    # -- analysis ------------------------------------------------------------------------------

    def _options(self, r: Resource) -> analyzer_pb2.AnalyzerResourceOptions:
        timeouts = analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            **{k: _seconds(v) for k, v in r.custom_timeouts.items()}
        )
        return analyzer_pb2.AnalyzerResourceOptions(
            protect=r.protect,
            ignoreChanges=r.ignore_changes,
            deleteBeforeReplace=bool(r.delete_before_replace),
            deleteBeforeReplaceDefined=r.delete_before_replace is not None,
            aliases=[urns.collapse(spec, r.urn, r.parent, {}) for spec in r.aliases],
            customTimeouts=timeouts,
            parent=r.parent,
        )

    def remediate(self, r: Resource) -> list[Remediation]:
        """Applies remediations to the resource's inputs, as the engine does before Analyze."""
        response = self.stub.Remediate(
            analyzer_pb2.AnalyzeRequest(
                type=r.type, properties=_struct(r.inputs), urn=r.urn, name=r.name, options=self._options(r)
            )
        )
        done = []
        for rem in response.remediations:
            if rem.HasField("properties"):
                r.inputs = _keep_secrets(r.inputs, json_format.MessageToDict(rem.properties))
                done.append(Remediation(rem.policyName, r.urn, rem.description))
        return done

    def analyze(self, r: Resource) -> list[Violation]:
        response = self.stub.Analyze(
            analyzer_pb2.AnalyzeRequest(
                type=r.type, properties=_struct(r.inputs), urn=r.urn, name=r.name, options=self._options(r)
            )
        )
        return [self._violation(d, r.urn) for d in response.diagnostics]

    def analyze_stack(self, resources: list[Resource]) -> list[Violation]:
        request = analyzer_pb2.AnalyzeStackRequest()
        for r in resources:
            item = request.resources.add(
                type=r.type,
                properties=_struct(r.inputs),
                urn=r.urn,
                name=r.name,
                options=self._options(r),
                parent=r.parent,
                dependencies=r.dependencies,
            )
            for key, dependencies in r.property_dependencies.items():
                item.propertyDependencies[key].urns.extend(dependencies)
        return [self._violation(d, "") for d in self.stub.AnalyzeStack(request).diagnostics]

    def _violation(self, d: Any, urn: str) -> Violation:
        return Violation(
            policy=d.policyName,
            pack=d.policyPackName or self.info.name,
            level=LEVEL_NAMES[d.enforcementLevel],
            urn=d.urn or urn,
            message=d.message,
            description=d.description,
        )


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def _seconds(duration: str) -> float:
    """A Go duration string (`30m`, `1h30m`, `90s`) in seconds, as the engine hands timeouts to analyzers."""
    total, number = 0.0, ""
    for unit_or_digit in re.findall(r"[0-9.]+|[a-zµ]+", duration):
        if unit_or_digit[0].isdigit() or unit_or_digit[0] == ".":
            number = unit_or_digit
        else:
            total += float(number or 0) * _DURATION_UNITS.get(unit_or_digit, 0)
    return total


def run_pack(
    pack_dir: Path, config_file: Path | None, stack: StackConfig, resources: list[Resource]
) -> tuple[list[Violation], list[Remediation], dict[str, str]]:
    with PolicyPack(pack_dir) as pack:
        try:
            levels = pack.configure(config_file, stack)
            analyzed = [r for r in resources if r.type != STACK_TYPE]
            remediations = [rem for r in analyzed for rem in pack.remediate(r)]
            violations = [v for r in analyzed for v in pack.analyze(r)]
            violations += pack.analyze_stack(resources)
        except grpc.RpcError as err:  # a policy raised: the pack's message, not a gRPC dump
            raise pack.rpc_error(err) from None
    return violations, remediations, levels


__all__ = ["Remediation", "Violation", "plugin_pb2", "run_pack"]


def _resolve(
    name: str, policy: Any, initial: dict[str, Any], given: dict[str, Any], config_file: Path | None
) -> tuple[str, dict[str, Any]]:
    """One policy's level and properties: the pack's defaults, then `all`, then the policy's own entry;
    properties are validated against the policy's schema (unknown ones refused)."""
    level: Any = LEVEL_NAMES[policy.enforcementLevel]
    properties: dict[str, Any] = {}
    for source in (initial.get("all"), initial.get(name), given.get("all"), given.get(name)):
        if isinstance(source, str):
            level = source
        elif isinstance(source, dict):
            source = dict(source)
            level = source.pop("enforcementLevel", level)
            properties.update(source)
    if not isinstance(level, str) or level not in LEVELS:
        raise UsageError(f"--policy-pack-config {config_file}: {name}: level {level!r}; allowed: {', '.join(LEVELS)}")
    schema = json_format.MessageToDict(policy.configSchema) if policy.HasField("configSchema") else {}
    if schema.get("properties"):
        full = {"type": "object", "additionalProperties": False, **schema}
        for prop, spec in full["properties"].items():
            if "default" in spec:
                properties.setdefault(prop, spec["default"])
        try:
            jsonschema.validate(properties, full)
        except jsonschema.ValidationError as err:
            raise UsageError(f"--policy-pack-config {config_file}: {name}: {err.message}") from None
    elif properties:
        raise UsageError(f"--policy-pack-config {config_file}: {name} takes no properties, got {sorted(properties)}")
    return level, properties
