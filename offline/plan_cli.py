"""`python -m offline plan`: the steps `pulumi up` would take from a base state to the working tree.

Base, one of: the same program with `--base-config` overrides (default), the program at a git ref
(`--base REF`, from a temporary worktree), another checkout (`--base-cwd DIR`), or a render's
resources.json (`--base-state FILE`). Head: the program in `--cwd` with `--config` overrides.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from offline import hazards, plan_report, states
from offline.errors import UsageError
from offline.k8s_diff import ProviderConfig
from offline.plan import plan

EXIT_OK, EXIT_HAZARDS = 0, 1


def add_parser(commands: argparse._SubParsersAction, project_root: Path) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("plan", help="the steps `pulumi up` would take, and which are dangerous")
    p.add_argument("--stack", "-s", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    p.add_argument("--cwd", "-C", type=Path, default=project_root, help="Pulumi project directory (the head)")
    p.add_argument("--config", "-c", action="append", default=[], metavar="KEY=VALUE", help="head override")
    base = p.add_mutually_exclusive_group()
    base.add_argument("--base", metavar="REF", help="base: the program at this git ref (a temporary worktree)")
    base.add_argument("--base-cwd", type=Path, metavar="DIR", help="base: the program in another checkout")
    base.add_argument("--base-state", type=Path, metavar="FILE", help="base: a render's resources.json")
    p.add_argument("--base-config", action="append", default=[], metavar="KEY=VALUE", help="base override")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the plan as JSON")
    output.add_argument("--markdown", action="store_true", help="print the plan as a pull-request section")
    p.add_argument("--fail-on-hazard", action="store_true", help="exit 1 when the plan has a hazard")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def _base_state(args: argparse.Namespace, cwd: Path) -> states.State:
    if args.base_state is not None:
        if args.base_config:
            raise UsageError("--base-config needs a program to run; --base-state reads a finished render")
        return states.file_state(args.base_state)
    if args.base_cwd is not None:
        return _program_or_empty(args.base_cwd.resolve(), args, f"{args.base_cwd}", "--base-cwd")
    if args.base is not None:
        with states.worktree_at(cwd, args.base) as (project, commit):
            return _program_or_empty(project, args, f"git {args.base} ({commit[:12]})", f"--base {args.base}")
    return _program_or_empty(cwd, args, "the working tree", "base")


def _program_or_empty(project: Path, args: argparse.Namespace, where: str, flag: str) -> states.State:
    if not (project / f"Pulumi.{args.stack}.yaml").is_file() and (project / "Pulumi.yaml").is_file():
        return states.State(f"{where}: no Pulumi.{args.stack}.yaml there, so nothing deployed", [], None)
    return states.program_state(project, args.stack, args.base_config, where, flag)


def run(args: argparse.Namespace) -> int:
    cwd = args.cwd.resolve()
    head = states.program_state(cwd, args.stack, args.config, "the working tree")
    base = _base_state(args, cwd)
    assert head.config is not None
    provider = ProviderConfig.from_config(head.config.config)
    steps = plan(base.resources, head.resources, provider)
    found = hazards.find(steps, head.resources, provider.default_namespace)
    report = plan_report.PlanReport(head.config.project, args.stack, base.description, head.description, steps, found)
    if args.json:
        print(json.dumps(plan_report.json_report(report), indent=2))
    elif args.markdown:
        print(plan_report.markdown_report(report))
    else:
        print(plan_report.text_report(report))
    return EXIT_HAZARDS if args.fail_on_hazard and found else EXIT_OK
