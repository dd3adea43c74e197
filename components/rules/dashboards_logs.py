"""The logs dashboard: log volume by level, errors by color, and every line of one request (Loki).

Stream labels are the ones Alloy sets (components/objects/alloy.py: namespace, app, color, level);
`request_id` is structured metadata there (one value per request would explode the streams as a
label), which LogQL filters with a label filter after the selector.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from components.rules import dashboards_kit as kit
from components.settings import AppSpec

KIND = "logs"
# The service logs Python's level names in lower case (app/greenlight_app/logs.py).
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
ERROR_LEVELS = "error|critical"
ANY_LEVEL = ".+"  # a stream always has a level label (Alloy sets it from the JSON line)


class LogsPanel(IntEnum):
    VOLUME = 1
    ERRORS_BY_COLOR = 2
    LINES = 3
    REQUEST = 4


def stream(spec: AppSpec, extra: str = "") -> str:
    return f'{{namespace="{spec.namespace}", app="{spec.name}"{extra}}}'


def logs_dashboard(spec: AppSpec) -> dict[str, Any]:
    level = ', level=~"$level"'
    volume = f"sum by (level) (count_over_time({stream(spec, level)} [{kit.LOKI_STEP}]))"
    error_lines = stream(spec, f', level=~"{ERROR_LEVELS}"')
    errors = f"sum by (color) (count_over_time({error_lines} [{kit.LOKI_STEP}]))"
    panels = [
        kit.timeseries(
            LogsPanel.VOLUME,
            "Log lines by level",
            "How much the app logs, per level: a wall of errors after a release is its first symptom.",
            "short",
            [kit.loki(volume, "{{level}}")],
        ),
        kit.timeseries(
            LogsPanel.ERRORS_BY_COLOR,
            "Error lines by color",
            "Errors per color: a new version that logs errors its predecessor did not.",
            "short",
            [kit.loki(errors, "{{color}}")],
        ),
        kit.logs(
            LogsPanel.LINES,
            "Log lines (level filter)",
            "The app's lines, JSON fields parsed; pick levels above. Click a request_id to follow that request.",
            kit.loki(f"{stream(spec, level)} | json"),
        ),
        kit.logs(
            LogsPanel.REQUEST,
            "One request's lines (request_id)",
            "Every line of the request named in the request_id box above (the X-Request-ID response header "
            "or a request_id field from a line).",
            kit.loki(f'{stream(spec)} | request_id="$request_id" | json'),
        ),
    ]
    board = kit.dashboard(
        kit.dashboard_uid(spec.name, KIND),
        f"{spec.name} logs ({spec.namespace})",
        "What the app logs, by level and color, and every line of one request.",
        spec.name,
        KIND,
    ).variables(
        [
            kit.custom_variable("level", "Level", LOG_LEVELS, ANY_LEVEL),
            kit.textbox_variable("request_id", "request_id", "A request's X-Request-ID"),
        ]
    )
    for panel in panels:
        board = board.with_panel(panel)
    return kit.render(board)
