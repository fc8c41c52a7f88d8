"""Evaluating compiled rules: one DuckDB query over the columns they read.

SQL's three-valued logic applies inside a rule (a comparison with NULL is NULL, ``NULL AND
FALSE`` is FALSE, ...); a rule whose result is NULL does **not** match.

>>> import pandas as pd
>>> from finseg.rules import compile_rule
>>> df = pd.DataFrame({"debt_to_assets": [0.8, 0.5, None]})
>>> evaluate([compile_rule("leveraged", "debt_to_assets > 0.7")], df)["leveraged"].tolist()
[True, False, False]
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from finseg.exceptions import UserError
from finseg.rules._columns import ColumnKind
from finseg.rules._errors import RuleError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from finseg.rules._compile import Rule

__all__ = ["evaluate"]

# IEEE off: x / 0 and x % 0 are NULL rather than ±inf / NaN (NaN would sort above every
# number and equal itself); no file, network or extension access whatever the SQL says.
_CONFIG = {
    "threads": 1,
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
_SETTINGS = (
    "SET ieee_floating_point_ops = false",
    "SET error_on_division_by_zero = false",
    "SET lock_configuration = true",
)
_LOCAL = threading.local()


def evaluate(rules: Sequence[Rule], df: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per rule (named after it), on ``df``'s index and in its row order.

    All rules run in one vectorised DuckDB ``SELECT`` over the columns they read, converted
    to their declared kinds (numbers to double, text to string, flags to boolean, dates to
    timestamps; NaN, infinities and missing values to NULL).  NULL results are ``False``.

    Raises
    ------
    UserError
        When two rules share a name, a column a rule reads is missing from ``df`` or cannot
        be read as its declared kind.
    """
    _check_names(rules)
    if not rules:
        return pd.DataFrame(index=df.index)
    table = _arrow_table(df, _kinds(rules), rules)
    try:
        result = _run(rules, table)
    except duckdb.Error:
        result = _run_one_by_one(rules, table)
    values = {
        rule.name: pc.fill_null(result.column(i), False).to_numpy(zero_copy_only=False)
        for i, rule in enumerate(rules)
    }
    return pd.DataFrame(values, index=df.index, dtype=bool)


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's private in-memory connection (opening one costs tens of milliseconds);
    a forked child opens its own."""
    pid, con = getattr(_LOCAL, "pid_con", (None, None))
    if con is None or pid != os.getpid():
        con = duckdb.connect(":memory:", config=_CONFIG)
        for setting in _SETTINGS:
            # DuckDB 1.0 lacks the first two settings, and already gives NULL
            with contextlib.suppress(duckdb.CatalogException):
                con.execute(setting)
        _LOCAL.pid_con = (os.getpid(), con)
    return con


def _run(rules: Sequence[Rule], table: pa.Table) -> pa.Table:
    # the cast types a rule that is only NULL (say ``CASE WHEN x THEN NULL END``)
    select = ", ".join(f'CAST({rule.sql} AS BOOLEAN) AS "r{i}"' for i, rule in enumerate(rules))
    con = _connection()
    con.register("customers", table)
    try:
        relation = con.sql(f"SELECT {select} FROM customers")
        fetch = getattr(relation, "to_arrow_table", None) or relation.arrow  # duckdb < 1.4
        return fetch()
    finally:
        con.unregister("customers")


def _run_one_by_one(rules: Sequence[Rule], table: pa.Table) -> pa.Table:
    """Find which rule DuckDB refused, so that the error names it (the whitelist should
    make this unreachable)."""
    for rule in rules:
        try:
            _run([rule], table)
        except duckdb.Error as exc:
            raise RuleError(
                rule.name, rule.text, 1, "", f"cannot be evaluated: {exc}", f"无法计算：{exc}"
            ) from exc
    return _run(rules, table)


def _check_names(rules: Sequence[Rule]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise UserError(
                f"two rules are named {rule.name!r}; rule names must be unique",
                f"有两条规则都名为“{rule.name}”；规则名称必须唯一",
            )
        seen.add(rule.name)


def _kinds(rules: Sequence[Rule]) -> dict[str, ColumnKind]:
    kinds: dict[str, ColumnKind] = {}
    for rule in rules:
        for column, kind in rule.kinds.items():
            if kinds.setdefault(column, kind) != kind:
                raise UserError(
                    f"rule {rule.name!r} reads {column!r} as {kind}, another rule as "
                    f"{kinds[column]}",
                    f"规则“{rule.name}”与其他规则对列“{column}”的类型理解不一致",
                )
    return kinds


def _arrow_table(
    df: pd.DataFrame, kinds: Mapping[str, ColumnKind], rules: Sequence[Rule]
) -> pa.Table:
    if not kinds:  # constant rules still need one row per customer
        return pa.table({"_row": pa.nulls(len(df), pa.bool_())})
    arrays = {}
    for column, kind in kinds.items():
        user = next(r for r in rules if column in r.kinds)
        if column not in df.columns:
            raise UserError(
                f"rule {user.name!r} reads column {column!r}, which the data does not have",
                f"规则“{user.name}”使用的列“{column}”在数据中不存在",
            )
        try:
            arrays[column] = _to_arrow(df[column], kind)
        except (TypeError, ValueError) as exc:
            raise UserError(
                f"rule {user.name!r}: column {column!r} cannot be read as {kind}: {exc}",
                f"规则“{user.name}”：列“{column}”无法按{kind}类型读取：{exc}",
            ) from exc
    return pa.table(arrays)


def _to_arrow(series: pd.Series, kind: ColumnKind) -> pa.Array:
    if kind is ColumnKind.NUMERIC:
        values = pd.to_numeric(series).astype("Float64").to_numpy("float64", na_value=np.nan)
        return pa.array(np.where(np.isfinite(values), values, np.nan), from_pandas=True)
    if kind is ColumnKind.BOOL:
        return pa.array(series.astype("boolean"), type=pa.bool_())
    if kind is ColumnKind.DATE:
        stamps = pd.to_datetime(series)
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_localize(None)
        return pa.array(stamps.astype("datetime64[us]"), type=pa.timestamp("us"), from_pandas=True)
    return _text(series)


def _text(series: pd.Series) -> pa.Array | pa.ChunkedArray:
    """Text as Arrow strings; the fast paths matter for a million customers."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        values = pa.array(series).dictionary_decode()
    else:
        try:
            values = pa.array(series, from_pandas=True)
        except (pa.ArrowException, TypeError):  # mixed objects: let pandas spell them
            values = pa.array(series.astype("string").to_numpy(object, na_value=None))
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return values
    return values.cast(pa.string())
