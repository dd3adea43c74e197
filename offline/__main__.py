"""`python -m offline preview|plan --stack STACK ...`: `pulumi preview` without the CLI or a cluster, and the
steps `pulumi up` would take from one state of the program to another.

Exit codes: 0 fine; 1 mandatory policy violations (preview) or hazards with --fail-on-hazard (plan);
2 a usage, config or program error, as one message (a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from offline import plan_cli
from offline.errors import UsageError, fail

EXIT_OK, EXIT_VIOLATIONS = 0, 1
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m offline", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="run the program under mocks and report what it would create")
    preview.add_argument("--stack", "-s", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    preview.add_argument(
        "--cwd", "-C", type=Path, default=PROJECT_ROOT, help="Pulumi project directory (default: the repository root)"
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
    preview.add_argument(
        "--render",
        type=Path,
        metavar="OUT",
        help="write manifests, Helm records, resources.json (a new, empty or earlier render directory)",
    )
    preview.add_argument("--json", action="store_true", help="print a machine-readable report on stdout")
    preview.add_argument("--debug", action="store_true", help="show tracebacks")
    plan_cli.add_parser(commands, PROJECT_ROOT)
    return root


def preview(args: argparse.Namespace) -> int:
    from offline import report
    from offline.analyzer import Remediation, Violation, run_pack
    from offline.render import render
    from offline.states import capture

    if args.policy_pack_config and not args.policy_pack:
        raise UsageError("--policy-pack-config needs --policy-pack")
    cwd = args.cwd.resolve()
    stack, resources = capture(cwd, args.stack, args.config)
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
        return preview(args) if args.command == "preview" else plan_cli.run(args)
    except BrokenPipeError:  # the reader stopped early (`| head`): the report was fine, the pipe is gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - every failure becomes one clear message and exit 2
        return fail(err, "offline", args.debug)


if __name__ == "__main__":
    sys.exit(main())
