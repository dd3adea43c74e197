"""Building blocks every greenlight dashboard shares, on Grafana's own typed builders.

The builders come from grafana-foundation-sdk (Grafana Labs' SDK, generated from Grafana's schema), so
the JSON follows the schema Grafana itself uses; this module only fixes greenlight's conventions: data
source UIDs, a 24-column grid filled left to right, read-only dashboards, one `$color` and `$version`
variable, panel links the alerts carry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import logs as logs_panel
from grafana_foundation_sdk.builders import loki as loki_query
from grafana_foundation_sdk.builders import prometheus as prometheus_query
from grafana_foundation_sdk.builders import stat as stat_panel
from grafana_foundation_sdk.builders import statetimeline as state_timeline_panel
from grafana_foundation_sdk.builders import table as table_panel
from grafana_foundation_sdk.builders import timeseries as timeseries_panel
from grafana_foundation_sdk.builders.dashboard import (
    CustomVariable,
    Dashboard,
    DashboardLink,
    QueryVariable,
    Row,
    TextBoxVariable,
    ThresholdsConfig,
)
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import (
    FieldTextAlignment,
    GraphThresholdsStyleMode,
    LegendDisplayMode,
    LegendPlacement,
    LogsSortOrder,
    VisibilityMode,
)
from grafana_foundation_sdk.models.dashboard import (
    DashboardLinkType,
    DataSourceRef,
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMappingResult,
    VariableModel,
    VariableRefresh,
    VariableSort,
)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from components.contract import (
    COLOR,
    LOKI_DATASOURCE_UID,
    PROMETHEUS_DATASOURCE_UID,
    VERSION,
    app_selector,
)

PROMETHEUS = DataSourceRef(type_val="prometheus", uid=PROMETHEUS_DATASOURCE_UID)
LOKI = DataSourceRef(type_val="loki", uid=LOKI_DATASOURCE_UID)
# Grafana's built-in interval variables, substituted by Grafana before a query is sent:
# $__rate_interval = max($__interval + scrape interval, 4 x scrape interval): a rate() window that
# always holds enough samples; $__range = the dashboard's time range; $__auto = Loki's step.
RATE = "$__rate_interval"
RANGE = "$__range"
LOKI_STEP = "$__auto"
# Grafana dashboard UIDs are at most 40 characters (Grafana's dashboard API rejects longer ones).
UID_MAX_LENGTH = 40
UID_HASH_LENGTH = 8
GRID_COLUMNS = 24
HALF = GRID_COLUMNS // 2
THIRD = GRID_COLUMNS // 3
QUARTER = GRID_COLUMNS // 4
PANEL_HEIGHT = 8
STAT_HEIGHT = 5
LOGS_HEIGHT = 12
REFRESH = "30s"
TIME_FROM = "now-6h"
# "All" of a $color / $version variable matches every value, and series without the label (rolling).
ALL_VALUES = ".*"
OK, WARN, BAD = "green", "orange", "red"
STATE_FILL_OPACITY = 70  # Grafana's default for state timelines


def dashboard_uid(app: str, kind: str) -> str:
    """`<app>-<kind>`, shortened with a hash when a long app name would pass Grafana's 40 characters."""
    uid = f"{app}-{kind}"
    if len(uid) <= UID_MAX_LENGTH:
        return uid
    digest = hashlib.sha256(app.encode()).hexdigest()[:UID_HASH_LENGTH]
    keep = UID_MAX_LENGTH - len(kind) - UID_HASH_LENGTH - 2
    return f"{app[:keep]}-{digest}-{kind}"


def panel_url(grafana_url: str, uid: str, panel_id: int) -> str:
    """A link that opens one panel on its own (Grafana's `viewPanel`, numeric ids since Grafana 7)."""
    return f"{grafana_url}/d/{uid}?viewPanel={panel_id}"


def render(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard's JSON model, exactly as the SDK encodes it."""
    model: dict[str, Any] = json.loads(JSONEncoder(sort_keys=True).encode(dashboard.build()))
    return model


def dashboard(uid: str, title: str, description: str, app: str, kind: str) -> Dashboard:
    """A read-only dashboard (changes go through code review) linked to the app's other dashboards."""
    siblings = (
        DashboardLink(f"{app} dashboards")
        .type(DashboardLinkType.DASHBOARDS)
        .tags([app])
        .as_dropdown(True)
        .keep_time(True)
        .include_vars(False)
        .target_blank(False)
    )
    return (
        Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["greenlight", app, kind])
        .timezone("utc")
        .refresh(REFRESH)
        .time(TIME_FROM, "now")
        .readonly()
        .link(siblings)
    )


def row(panel_id: int, title: str) -> Row:
    return Row(title).id(panel_id)


# --- variables --------------------------------------------------------------------------------


def label_variable(name: str, label: str, query: str) -> QueryVariable:
    """A multi-value variable listing one label's values; "All" becomes ALL_VALUES."""
    return (
        QueryVariable(name)
        .label(label)
        .datasource(PROMETHEUS)
        .query(query)
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(ALL_VALUES)
    )


def release_variables(app: str, namespace: str) -> list[Builder[VariableModel]]:
    """`$color` and `$version`, read from the app's scrape targets (podTargetLabels)."""
    targets = f"up{{{app_selector(app, namespace)}}}"
    return [
        label_variable("color", "Color", f"label_values({targets}, {COLOR})"),
        label_variable("version", "Version", f"label_values({targets}, {VERSION})"),
    ]


def release_matchers() -> str:
    """Matchers for the `$color` and `$version` variables."""
    return f'{COLOR}=~"$color", {VERSION}=~"$version"'


def custom_variable(name: str, label: str, values: Sequence[str], all_value: str) -> CustomVariable:
    return CustomVariable(name).label(label).values(",".join(values)).multi(True).include_all(True).all_value(all_value)


def textbox_variable(name: str, label: str, description: str) -> TextBoxVariable:
    return TextBoxVariable(name).label(label).description(description)


# --- queries ----------------------------------------------------------------------------------


def prom(expr: str, legend: str, ref: str = "A", instant: bool = False) -> prometheus_query.Dataquery:
    query = prometheus_query.Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(PROMETHEUS)
    if instant:
        return query.instant().format(PromQueryFormat.TABLE)
    return query.range()


def loki(expr: str, legend: str | None = None, ref: str = "A") -> loki_query.Dataquery:
    query = loki_query.Dataquery().expr(expr).ref_id(ref).datasource(LOKI)
    return query.legend_format(legend) if legend is not None else query


def refs(*queries: prometheus_query.Dataquery) -> list[prometheus_query.Dataquery]:
    """Give each query of a panel its own refId: A, B, C..."""
    return [q.ref_id(chr(ord("A") + i)) for i, q in enumerate(queries)]


def thresholds(*steps: tuple[float | None, str]) -> ThresholdsConfig:
    """Absolute thresholds: (None, base color) first, then (value, color) from that value up."""
    return ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps([Threshold(value=v, color=c) for v, c in steps])


def limit_lines(*limits: float) -> ThresholdsConfig:
    """Dashed lines at alert or gate limits on a time series."""
    return thresholds((None, OK), *((limit, BAD) for limit in limits))


def value_map(states: dict[str, tuple[str, str]]) -> ValueMap:
    """Show values as words: {"1": ("passed", "green"), ...}."""
    return ValueMap(options={value: ValueMappingResult(text=t, color=c) for value, (t, c) in states.items()})


# --- panels -----------------------------------------------------------------------------------


def timeseries(
    panel_id: int,
    title: str,
    description: str,
    unit: str,
    queries: Sequence[prometheus_query.Dataquery | loki_query.Dataquery],
    width: int = HALF,
    limits: ThresholdsConfig | None = None,
) -> timeseries_panel.Panel:
    panel = (
        timeseries_panel.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .unit(unit)
        .span(width)
        .height(PANEL_HEIGHT)
        .datasource(LOKI if isinstance(queries[0], loki_query.Dataquery) else PROMETHEUS)
        .targets(list(queries))
        .legend(
            common_builders.VizLegendOptions()
            .show_legend(True)
            .display_mode(LegendDisplayMode.LIST)
            .placement(LegendPlacement.BOTTOM)
        )
    )
    if limits is not None:
        panel = panel.thresholds(limits).thresholds_style(
            common_builders.GraphThresholdsStyleConfig().mode(GraphThresholdsStyleMode.DASHED)
        )
    return panel


def stat(
    panel_id: int,
    title: str,
    description: str,
    unit: str,
    query: prometheus_query.Dataquery,
    steps: ThresholdsConfig,
    width: int = QUARTER,
) -> stat_panel.Panel:
    return (
        stat_panel.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .unit(unit)
        .span(width)
        .height(STAT_HEIGHT)
        .datasource(PROMETHEUS)
        .with_target(query)
        .thresholds(steps)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def table(
    panel_id: int, title: str, description: str, queries: Sequence[prometheus_query.Dataquery], width: int = HALF
) -> table_panel.Panel:
    return (
        table_panel.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .span(width)
        .height(PANEL_HEIGHT)
        .datasource(PROMETHEUS)
        .targets(list(queries))
        .align(FieldTextAlignment.AUTO)
        .inspect(False)
    )


def state_timeline(
    panel_id: int,
    title: str,
    description: str,
    query: prometheus_query.Dataquery,
    states: dict[str, tuple[str, str]],
    width: int = HALF,
) -> state_timeline_panel.Panel:
    """States by value: {"1": ("passed", "green"), ...}."""
    return (
        state_timeline_panel.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .span(width)
        .height(PANEL_HEIGHT)
        .datasource(PROMETHEUS)
        .with_target(query)
        .mappings([value_map(states)])
        .show_value(VisibilityMode.AUTO)
        .merge_values(True)
        .fill_opacity(STATE_FILL_OPACITY)
        .line_width(0)
    )


def logs(panel_id: int, title: str, description: str, query: loki_query.Dataquery) -> logs_panel.Panel:
    return (
        logs_panel.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .span(GRID_COLUMNS)
        .height(LOGS_HEIGHT)
        .datasource(LOKI)
        .with_target(query)
        .show_time(True)
        .wrap_log_message(True)
        .enable_log_details(True)
        .sort_order(LogsSortOrder.DESCENDING)
    )
