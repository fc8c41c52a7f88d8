"""``finseg run --engine spark``: the pipeline on Apache Spark, recorded as the pandas
engine records it.

Input: a Parquet dataset (a directory of part files, any depth) or a Hive table.  Every
per-customer step — the row-local ingest checks, features, risk (the champion model
broadcast once), segments, strategy and the expert adjustments in force — runs on the
executors through the very stage functions of :data:`finseg.pipeline.STAGES`
(``mapInArrow`` / ``mapInPandas``).  What needs the whole book runs as Spark aggregations
(duplicates, the statement date, segment validation, counts) or on the driver over a
reduced set (the allocation LP over the candidates).  Output: ``runs/<run_id>/results/``,
a Parquet dataset partitioned by :data:`PARTITION_KEY`, with ``dtypes.json`` (the pandas
dtypes), ``quality.json``, ``segments.json``, ``allocation.json`` and ``quarantine.csv``
as the pandas engine writes them; the run row holds a SHA-256 per part file.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from finseg import __version__
from finseg._policy import Policy, parse_policy
from finseg.engines._frames import DTYPES, arrow_friendly, arrow_schema, dtype_record
from finseg.engines._frames import restore_dtypes as _restore
from finseg.engines._session import is_connect, spark_session
from finseg.exceptions import UserError
from finseg.ingest import Unit, note_other_dates, write_table
from finseg.pipeline import (
    ADJUSTED_AFTER,
    QUALITY,
    QUARANTINE,
    SEGMENTS,
    STAGES,
    Progress,
    RunResult,
    _adjuster,
    _champion,
    _publish,
    begin_run,
    commit_run,
    file_sha256,
    partial_dir,
    run_failure,
    select_snapshot,
)
from finseg.schema import FIELDS
from finseg.workspace import Workspace

__all__ = ["PARTITION_KEY", "RESULTS_DIR", "SparkInput", "run_spark"]

#: The results dataset of a Spark run, inside the run directory.
RESULTS_DIR = "results"
#: The dataset is partitioned by segment: ``results/segment_part=<segment id>/part-*.parquet``.
#: The files keep every column (``segment`` included); the directory level is for readers
#: that want one segment.
PARTITION_KEY = "segment_part"
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")
#: The input's canonical columns as the pandas engine types them after ingest.
_INPUT_DTYPES = {**{f.name: f.dtype for f in FIELDS}, "source_file": "string",
                 "source_sheet": "string", "source_row": "int64"}  # fmt: skip
_CUSTOMER = ("customer_id", "customer_name", "credit_code", "industry_code", "region",
             "group_id", "as_of_date")  # fmt: skip


@dataclass(frozen=True)
class SparkInput:
    """Where a Spark run reads: a Parquet dataset directory, or a Hive table ``db.name``."""

    path: Path | None = None
    table: str | None = None

    def check(self) -> None:
        if (self.path is None) == (self.table is None):
            raise UserError(
                "--engine spark: give either --data DIR (a Parquet dataset) or --table DB.NAME",
                "--engine spark：请指定 --data 目录（Parquet 数据集）或 --table 库名.表名"
                "（二选一）",
            )
        if self.table is not None and not _TABLE.match(self.table):
            raise UserError(
                f"--table {self.table!r}: expected a table name such as db.customers",
                f"--table {self.table!r}：应为表名，如 db.customers",
            )
        if self.path is not None and not self.path.exists():
            raise UserError(f"{self.path}: not found", f"{self.path}：不存在")

    def parts(self) -> dict[str, str]:
        """SHA-256 of every Parquet part file of a dataset input (relative path → hash)."""
        if self.path is None:
            return {}
        root = self.path
        files = [root] if root.is_file() else sorted(root.rglob("*.parquet"))
        if not files:
            raise UserError(f"{root}: no .parquet files in it", f"{root}：目录中没有 .parquet 文件")
        return {str(p.relative_to(root)) if p != root else p.name: file_sha256(p) for p in files}

    def describe(self) -> str:
        return f"table:{self.table}" if self.table else str(Path(self.path).resolve())


def _digest(parts: dict[str, str], table: str | None, files: list[str]) -> str:
    """One SHA-256 for the input: over the part hashes of a dataset, or over the file
    listing of a table (the driver may not be able to read a metastore's files)."""
    lines = [f"{k} {v}" for k, v in parts.items()] if parts else [table or "", *sorted(files)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _reader(spark: Any, path: Path) -> Any:
    """A Parquet dataset: Hive-style ``key=value`` directories are partition columns (e.g. a
    dataset partitioned by ``as_of_date``); other sub-directories are simply searched."""
    path = Path(path).resolve()
    hive = path.is_dir() and any("=" in d.name for d in path.rglob("*") if d.is_dir())
    reader = spark.read if hive else spark.read.option("recursiveFileLookup", "true")
    return reader.parquet(str(path))


def _read(spark: Any, source: SparkInput) -> Any:
    from pyspark.sql import functions as F

    from finseg.engines._spark_ingest import FILE, ROW

    try:
        frame = spark.table(source.table) if source.table else _reader(spark, source.path)
    except Exception as exc:  # an AnalysisException names the table or path
        raise UserError(
            f"{source.describe()}: cannot be read by Spark: {str(exc).splitlines()[0]}",
            f"{source.describe()}：Spark 无法读取：{str(exc).splitlines()[0]}",
        ) from exc
    try:  # file sources (Parquet datasets, Parquet-backed tables) know each row's place
        return frame.select("*", F.col("_metadata.file_name").alias(FILE),
                            F.col("_metadata.row_index").alias(ROW))  # fmt: skip
    except Exception:  # other tables: the file name, rows numbered in the order Spark reads
        return _numbered(frame)


def _numbered(frame: Any) -> Any:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from finseg.engines._spark_ingest import FILE, ROW

    named = frame.withColumn(FILE, F.regexp_extract(F.input_file_name(), r"([^/]*)$", 1))
    named = named.withColumn("_finseg_order", F.monotonically_increasing_id())
    order = Window.partitionBy(FILE).orderBy("_finseg_order")
    return named.withColumn(ROW, F.row_number().over(order) - 1).drop("_finseg_order")


def _per_customer(frame: pd.DataFrame, policy: Policy, bound: dict, adjust: Any) -> pd.DataFrame:
    """The stages of :data:`~finseg.pipeline.STAGES` that look at one customer at a time,
    with the expert adjustments after the stages they adjust — as ``run_stages`` does."""
    for stage in STAGES:
        if stage.key == "allocation":
            continue
        frame = stage.run(frame, getattr(policy, stage.section), **bound.get(stage.key, {}))
        if stage.key in ADJUSTED_AFTER:
            frame = adjust(frame, fields=(ADJUSTED_AFTER[stage.key],))
    return frame


def _stage_fn(policy: Policy, champion: Any, adjust: Any, strategy: dict, columns: list[str]):
    """The ``mapInPandas`` function; ``champion`` is a broadcast (or the plain binding on
    Spark Connect, which has no broadcast variables)."""

    def run(batches):
        model = champion.value if hasattr(champion, "value") else champion
        bound = {"risk": model, "strategy": strategy}
        for batch in batches:
            frame = batch.astype(_INPUT_DTYPES)
            yield arrow_friendly(_per_customer(frame, policy, bound, adjust))[columns]

    return run


@dataclass
class _Context:
    ws: Workspace
    policy: Policy
    scenario: str
    today: date
    as_of: date | None
    timings: dict[str, float]
    progress: Progress | None
    summary: dict[str, Any] = field(default_factory=dict)

    def step(self, key: str, zh: str, en: str, event: str) -> None:
        if self.progress:
            self.progress(key, zh if self.ws.settings.language.value == "zh" else en, event)


def _stages(ctx: _Context, spark: Any, rows: Any) -> tuple[Any, dict[str, Any]]:
    """The per-customer stages over ``rows``; the Spark results and their dtype record."""
    from pyspark.sql.pandas.types import from_arrow_schema

    policy = ctx.policy
    strategy = {"capital": policy.allocation, "scale": policy.risk.master_scale,
                "scenario": ctx.scenario}  # fmt: skip
    champion = _champion(ctx.ws)
    adjust = _adjuster(ctx.ws, policy, ctx.today)
    sample = rows.limit(64).toPandas().astype(_INPUT_DTYPES)
    done = _per_customer(sample, policy, {"risk": champion, "strategy": strategy}, adjust)
    record, schema = dtype_record(done), arrow_schema(done)
    shared = champion if is_connect(spark) else spark.sparkContext.broadcast(champion)
    fn = _stage_fn(policy, shared, adjust, strategy, list(done.columns))
    return rows.mapInPandas(fn, from_arrow_schema(schema)), record


def _write(out: Any, part: Path) -> dict[str, str]:
    """Write the dataset into ``part/results``; SHA-256 of every part file."""
    from pyspark.sql import functions as F

    target = part / RESULTS_DIR
    (out.withColumn(PARTITION_KEY, F.col("segment").cast("string"))
        .sortWithinPartitions("customer_id")
        .write.partitionBy(PARTITION_KEY).parquet(str(target)))  # fmt: skip
    for junk in [*target.rglob("*.crc"), *target.rglob("_SUCCESS")]:
        junk.unlink()
    return {str(p.relative_to(part)): file_sha256(p) for p in sorted(target.rglob("*.parquet"))}


def _by_value(out: Any, column: str) -> dict[str, int]:
    """Rows per value of ``column`` (a whole-book count; empty when there is no column)."""
    if column not in out.columns:
        return {}
    rows = out.groupBy(column).count().collect()
    return {str(r[0]): int(r[1]) for r in rows if r[0] is not None}


def _counts(out: Any) -> tuple[int, list[str], int]:
    from pyspark.sql import functions as F

    aggs = [F.count(F.lit(1)).alias("rows")]
    columns = [f"{f}_override_id" for f in ADJUSTED_AFTER.values()]
    aggs += [F.count(F.col(c)).alias(c) for c in columns if c in out.columns]
    row = out.agg(*aggs).first()
    models = []
    if "risk_model" in out.columns:
        found = out.select("risk_model").where(F.col("risk_model").isNotNull()).distinct()
        models = sorted(str(r[0]) for r in found.collect())
    return int(row["rows"]), models, int(sum(row[c] for c in columns if c in out.columns))


def _results(ctx: _Context, spark: Any, source: SparkInput, part: Path):
    """Ingest, stages, whole-book steps and files; what ``finish_run`` records."""
    from finseg.engines._spark_book import spark_allocation, spark_segment_validation
    from finseg.engines._spark_ingest import spark_ingest

    policy, t0 = ctx.policy, time.perf_counter()
    ctx.step("ingest", "导入", "Ingest", "start")
    rules = policy.ingest
    ingested = spark_ingest(_read(spark, source),
                            unit=Unit(rules.default_unit or ctx.ws.settings.default_unit),
                            tolerance=rules.identity_tolerance,
                            duplicates=rules.duplicate_rule.value)  # fmt: skip
    from pyspark.sql import functions as F

    dates = ingested.rows.select("as_of_date").distinct().toPandas()
    _, chosen = select_snapshot(dates.assign(customer_id=""), ctx.as_of)
    day = F.lit(datetime(*chosen.timetuple()[:3]))
    rows = ingested.rows.where(F.col("as_of_date") == day).select(*_INPUT_DTYPES)
    other = ingested.rows.where(F.col("as_of_date").isNotNull() & (F.col("as_of_date") != day))
    if other.limit(1).count():  # rows of other statement dates: counted and noted as pandas does
        keys = ingested.rows.select("customer_id", "as_of_date", "source_file").toPandas()
        note_other_dates(ingested.report, keys, chosen)
    ctx.timings["ingest"] = time.perf_counter() - t0
    ctx.step("ingest", "导入", "Ingest", "done")
    t0 = time.perf_counter()
    ctx.step("stages", "客户维度、评级、细分、策略", "Features, risk, segments, strategy", "start")
    out, record = _stages(ctx, spark, rows)
    out = out.persist()
    n, models, overrides = _counts(out)
    ctx.timings["stages"] = time.perf_counter() - t0
    ctx.step("stages", "客户维度、评级、细分、策略", "Features, risk, segments, strategy", "done")
    t0 = time.perf_counter()
    seg = next(e for e in record["columns"] if e["name"] == "segment")
    order = seg["categories"] if seg["dtype"] == "category" else []
    validation = spark_segment_validation(out, order, policy.segments.min_segment_size)
    ctx.timings["validation"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary: dict[str, Any] = {}
    if policy.allocation.budget is not None:
        ctx.step("allocation", "额度分配", "Credit allocation", "start")
        out, summary = spark_allocation(out, policy.allocation, record)
        record = _with_allocation(record)
        ctx.step("allocation", "额度分配", "Credit allocation", "done")
    ctx.timings["allocation"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    files = _files(part, out, record, ingested, validation, summary)
    customers = _restore(out.select(*_CUSTOMER).toPandas(), {"columns": [
        e for e in record["columns"] if e["name"] in _CUSTOMER]})  # fmt: skip
    ctx.timings["write"] = time.perf_counter() - t0
    basis = _rating_basis(out)
    counts = {"rows_in": ingested.report.rows_in, "rows": n,
              "quarantined": ingested.report.rows_quarantined,
              "other_dates": ingested.report.rows_other_dates, "overrides": overrides,
              **{f"rating_{k}": v for k, v in basis.items()}}  # fmt: skip
    segments = _by_value(out, "segment")
    empty = [s.id for s in policy.segments.taxonomy if s.id not in segments] if n else []
    ctx.summary = {
        "other_dates": ingested.report.rows_other_dates,
        "empty_segments": empty,
        "rating_basis": basis,
    }
    return counts, files, models, customers


def _rating_basis(out: Any) -> dict[str, int]:
    """Customers per rating basis, every basis named, as the pandas engine counts them."""
    from finseg.risk import RatingBasis

    if "rating_basis" not in out.columns:
        return {}
    found = _by_value(out, "rating_basis")
    return {b.value: found.get(b.value, 0) for b in RatingBasis}


def _with_allocation(record: dict[str, Any]) -> dict[str, Any]:
    """The dtype record with the allocation's columns at the end, as the pandas stage adds."""
    added = [{"name": "allocated_amount", "dtype": "float64"},
             {"name": "funded", "dtype": "bool"},
             {"name": "binding_reason", "dtype": "string"}]  # fmt: skip
    names = {e["name"] for e in added}
    return {"columns": [e for e in record["columns"] if e["name"] not in names] + added}


def _files(part, out, record, ingested, validation, summary) -> dict[str, str]:
    from finseg.allocation._files import ALLOCATION_JSON

    files = _write(out, part)
    (part / DTYPES).write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
    ingested.report.write_json(part / QUALITY)
    text = json.dumps(validation, ensure_ascii=False, indent=1, allow_nan=False)
    (part / SEGMENTS).write_text(text, encoding="utf-8")
    if summary:
        text = json.dumps(next(iter(summary.values())), ensure_ascii=False, indent=1,
                          allow_nan=False)  # fmt: skip
        (part / ALLOCATION_JSON).write_text(text + "\n", encoding="utf-8")
    if len(ingested.quarantine):
        write_table(ingested.quarantine, part / QUARANTINE)
    for p in sorted(part.iterdir()):
        if p.is_file():
            files[p.name] = file_sha256(p)
    return dict(sorted(files.items()))


def _table_files(spark: Any, source: SparkInput) -> list[str]:
    """The files behind a table input (empty for a dataset, or when Spark cannot list them)."""
    if source.table is None:
        return []
    try:
        return list(spark.table(source.table).inputFiles())
    except Exception as exc:
        raise UserError(
            f"--table {source.table}: cannot be read by Spark: {str(exc).splitlines()[0]}",
            f"--table {source.table}：Spark 无法读取：{str(exc).splitlines()[0]}",
        ) from exc


def _start(ws: Workspace, source: SparkInput, actor: str, params: dict[str, Any], files: list[str]):
    """Record the run as running (with its policy version); the policy, scenario, run id and
    the run's params (with its policy status)."""
    policy_text = ws.policy_file.read_text(encoding="utf-8")
    policy = parse_policy(policy_text, str(ws.policy_file))
    scenario = params["scenario"] or policy.strategy.default_scenario
    policy.strategy.scenario(scenario)  # an unknown scenario fails before the run is recorded
    parts = source.parts()
    params = {**params, "scenario": scenario, "input_parts": parts}
    digest = _digest(parts, source.table, files)
    run_id, params = begin_run(ws, policy_text, policy, source.describe(), digest, params, actor)
    return policy, scenario, run_id, params


def run_spark(
    ws: Workspace,
    source: SparkInput,
    *,
    as_of: date | None = None,
    actor: str = "system",
    progress: Progress | None = None,
    scenario: str | None = None,
    conf: dict[str, str] | None = None,
    session: Any = None,
) -> RunResult:
    """Run every stage over ``source`` on Spark in workspace ``ws``; return the finished run.

    ``conf`` (``--spark-conf``) goes over ``finseg.toml`` ``[spark]``; ``session`` is an
    existing SparkSession to use instead (tests, notebooks).  The run is recorded as the
    pandas engine records it, with ``params.engine = "spark"``, the Spark master and the
    SHA-256 of every input part.

    Raises the user's error (exit 2) or :class:`RunError` (exit 1); in both cases the run is
    recorded as failed and no run directory is left.
    """
    source.check()
    started = time.perf_counter()
    spark = session if session is not None else spark_session(ws.settings.spark, conf)
    today = datetime.now(UTC).date()
    master = _master(spark)
    params = {"as_of": as_of.isoformat() if as_of else None, "finseg": __version__,
              "overrides_on": today.isoformat(), "scenario": scenario, "engine": "spark",
              "spark_master": master}  # fmt: skip
    files = _table_files(spark, source)
    policy, scenario, run_id, params = _start(ws, source, actor, params, files)
    part, final = partial_dir(ws, run_id), ws.runs_dir / run_id
    ctx = _Context(ws, policy, scenario, today, as_of, {}, progress)
    try:
        part.mkdir(parents=True)
        counts, files, models, customers = _results(ctx, spark, source, part)
        commit_run(ws, run_id, customers, actor, row_counts=counts, timings=ctx.timings,
                   files=files, model_ids=models,
                   results_path=str(final / RESULTS_DIR))  # fmt: skip
    except BaseException as exc:
        raise run_failure(ws, run_id, exc, actor)  # noqa: B904 (the cause is set on it)
    _publish(part, final)
    seconds = time.perf_counter() - started
    return RunResult(run_id, "done", counts["rows"], seconds, final, ctx.timings,
                     counts["quarantined"], **ctx.summary, results_name=RESULTS_DIR,
                     policy_status=params["policy_status"])  # fmt: skip


def _master(spark: Any) -> str:
    if is_connect(spark):
        return "connect"
    return str(spark.sparkContext.master)
