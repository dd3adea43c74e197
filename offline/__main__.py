"""`python -m offline preview --stack STACK ...`: `pulumi preview` without the CLI or a cluster.

Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 a config or program error.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from components.settings import ConfigError
from offline.stackconfig import UsageError

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m offline", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="run the program under mocks and report what it would create")
    preview.add_argument("--stack", "-s", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    preview.add_argument(
        "--cwd",
        "-C",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="Pulumi project directory (default: the repository root)",
    )
    preview.add_argument(
        "--config",
        "-c",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting, like `pulumi config set --path` (repeatable)",
    )
    preview.add_argument("--policy-pack", type=Path, help="policy pack directory to enforce")
    preview.add_argument("--policy-pack-config", type=Path, help="JSON file with enforcement levels and properties")
    preview.add_argument("--render", type=Path, metavar="OUT", help="write manifests, Helm records, resources.json")
    preview.add_argument("--json", action="store_true", help="print a machine-readable report on stdout")
    preview.add_argument("--debug", action="store_true", help="show tracebacks")
    return root


def preview(args: argparse.Namespace) -> int:
    from offline import report, stackconfig
    from offline.analyzer import Remediation, Violation, run_pack
    from offline.engine import run_program
    from offline.render import render

    if args.policy_pack_config and not args.policy_pack:
        raise UsageError("--policy-pack-config needs --policy-pack")
    cwd = args.cwd.resolve()
    stack = stackconfig.load(cwd, args.stack, args.config)
    resources = run_program(cwd, stack)
    violations: list[Violation] = []
    remediations: list[Remediation] = []
    levels: dict[str, str] = {}
    if args.policy_pack:
        violations, remediations, levels = run_pack(
            args.policy_pack.resolve(), args.policy_pack_config, stack, resources
        )
    if args.render:
        render(args.render, resources)
    if args.json:
        data = report.json_report(args.stack, stack.project, resources, violations, remediations, levels)
        print(json.dumps(data, indent=2))
    else:
        pack = str(args.policy_pack) if args.policy_pack else None
        print(report.text_report(args.stack, resources, violations, remediations, pack))
    return EXIT_VIOLATIONS if any(v.level == "mandatory" for v in violations) else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return preview(args)
    except Exception as err:  # noqa: BLE001 - every failure becomes one clear message and exit 2
        if args.debug:
            traceback.print_exc()
        # Errors about the user's input are the whole message; anything else says what kind of error it is.
        kind = "" if isinstance(err, (ConfigError, UsageError)) else f"{type(err).__name__}: "
        print(f"error: {kind}{err}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
