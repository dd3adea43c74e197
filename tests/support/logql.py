"""Parse LogQL with Grafana's own LogQL grammar (@grafana/lezer-logql, run by Node.js).

No Loki binary can be installed on these machines (no registry ships one), so dashboards' LogQL is
parsed, not executed. The grammar is the one Grafana's Loki query editor validates queries with,
generated from Loki's own pkg/logql/syntax/syntax.y. `make logql-deps` installs it (`make test` does).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.support.tools import missing_tool, require_tool

PARSER_DIR = Path(__file__).resolve().parent / "logql_parser"
PARSER_SCRIPT = PARSER_DIR / "check.mjs"
GRAMMAR_PACKAGE = PARSER_DIR / "node_modules" / "@grafana" / "lezer-logql"
PARSE_TIMEOUT_SECONDS = 60
INSTALL = "make logql-deps"  # npm ci --prefix tests/support/logql_parser


def syntax_errors(queries: Sequence[str]) -> list[str | None]:
    """Per query: None when it parses, else the text around the first syntax error."""
    node = require_tool("node")
    if not GRAMMAR_PACKAGE.is_dir():
        missing_tool(f"LogQL grammar not installed: run `{INSTALL}`")
    result = subprocess.run(
        [node, str(PARSER_SCRIPT)],
        input=json.dumps(list(queries)),
        capture_output=True,
        text=True,
        timeout=PARSE_TIMEOUT_SECONDS,
        check=True,
    )
    errors = json.loads(result.stdout)
    return [None if e is None else f"syntax error near {e['text']!r} (offset {e['from']})" for e in errors]
