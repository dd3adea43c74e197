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
    preview.add_argument(
        "--helm", type=Path, metavar="PATH", help="helm v4 binary that expands charts (default: helm on PATH)"
    )
    preview.add_argument(
        "--charts", type=Path, metavar="DIR", help="charts: <chart>-<version>.tgz or <chart>/, then helm's cache"
    )
    preview.add_argument("--json", action="store_true", help="print a machine-readable report on stdout")
    preview.add_argument("--debug", action="store_true", help="show tracebacks")
    plan_cli.add_parser(commands, PROJECT_ROOT)
    return root


def preview(args: argparse.Namespace) -> int:
    from offline import charts, crds, report
    from offline.analyzer import PolicyPack, Remediation, Violation, run_pack
    from offline.render import render
    from offline.states import capture

    if args.policy_pack_config and not args.policy_pack:
        raise UsageError("--policy-pack-config needs --policy-pack")
    cwd = args.cwd.resolve()
    expander = charts.ChartExpander(charts.ChartSources.find(args.helm, args.charts))
    # Started first, the pack's start-up (importing the SDKs) overlaps the program run; closed on any error.
    running = PolicyPack(args.policy_pack.resolve(), connect=False) if args.policy_pack else None
    violations: list[Violation] = []
    remediations: list[Remediation] = []
    levels: dict[str, str] = {}
    try:
        stack, resources = capture(cwd, args.stack, args.config, expander)
        failures = charts.errors(expander.reports) or crds.errors(resources, expander.crds)
        if failures:  # helm refused a chart, or a custom resource does not fit its CRD: as the provider would fail
            raise UsageError(failures)
        if running is not None:
            violations, remediations, levels = run_pack(running, args.policy_pack_config, stack, resources)
    finally:
        if running is not None:
            running.close()
    if args.render:
        render(args.render, resources)
    if args.json:
        data = report.json_report(args.stack, stack.project, resources, violations, remediations, levels)
        print(json.dumps({**data, "charts": charts.report_json(expander.reports)}, indent=2))
    else:
        pack = str(args.policy_pack) if args.policy_pack else None
        text = report.text_report(args.stack, resources, violations, remediations, pack)
        body, _, verdict = text.rpartition("\n")  # the verdict stays the last line
        print("\n".join([body, *charts.report_lines(expander.reports), "", verdict]))
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
