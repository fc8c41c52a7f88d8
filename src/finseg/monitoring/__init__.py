"""Monitoring: population stability (PSI/CSI), grade and segment migration, back-testing,
early warnings, outcomes of expert adjustments and the re-segmentation trigger, comparing
a current run with a baseline run (``docs/monitoring.md``).

>>> import pandas as pd
>>> before = pd.DataFrame({"customer_id": ["a", "b"], "grade": ["A", "BBB"], "pd": [.002, .005]})
>>> after = pd.DataFrame({"customer_id": ["a", "b"], "grade": ["A", "B"], "pd": [.002, .03]})
>>> out = monitor(before, after)
>>> out["grade_migration"], out["customers"]["common"]
({'A': {'A': 1}, 'BBB': {'B': 1}}, 2)
"""

from __future__ import annotations

from finseg.monitoring._adjustments import adjustment_outcomes
from finseg.monitoring._backtest import backtest, group_tests
from finseg.monitoring._compare import (
    CLASSIFICATION_ORDER,
    DERIVED_COLUMNS,
    TRACKED_COLUMNS,
    Pairing,
    comparison_frame,
    pair_runs,
    rank_codes,
)
from finseg.monitoring._migration import (
    grade_migration,
    portfolio_change,
    sankey_option,
    segment_migration,
)
from finseg.monitoring._monitor import monitor, monitored_features, to_json
from finseg.monitoring._policy import (
    DEFAULT_FEATURES,
    DEFAULT_WARNINGS,
    MonitoringPolicy,
    WarningRule,
    warning_columns,
)
from finseg.monitoring._runs import MONITORING_FILE, monitor_payload, monitor_runs
from finseg.monitoring._stability import (
    category_shares,
    fixed_edges,
    light_of_psi,
    psi_method,
    variable_psi,
)
from finseg.monitoring._trigger import cluster_drift, resegmentation
from finseg.monitoring._warnings import WATCHLIST_COLUMNS, early_warnings, write_watchlist

__all__ = [
    "CLASSIFICATION_ORDER",
    "DEFAULT_FEATURES",
    "DEFAULT_WARNINGS",
    "DERIVED_COLUMNS",
    "MONITORING_FILE",
    "TRACKED_COLUMNS",
    "WATCHLIST_COLUMNS",
    "MonitoringPolicy",
    "Pairing",
    "WarningRule",
    "adjustment_outcomes",
    "backtest",
    "category_shares",
    "cluster_drift",
    "comparison_frame",
    "early_warnings",
    "fixed_edges",
    "grade_migration",
    "group_tests",
    "light_of_psi",
    "monitor",
    "monitor_payload",
    "monitor_runs",
    "monitored_features",
    "pair_runs",
    "portfolio_change",
    "psi_method",
    "rank_codes",
    "resegmentation",
    "sankey_option",
    "segment_migration",
    "to_json",
    "variable_psi",
    "warning_columns",
    "write_watchlist",
]
