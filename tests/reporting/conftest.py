"""A small synthetic run for report tests: results built from canonical column names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from finseg.ingest import FileSummary, Problem, QualityReport, Severity
from finseg.reporting import ReportContext

REGIONS = [
    "广东",
    "江苏",
    "浙江",
    "山东",
    "北京",
    "上海",
    "四川",
    "湖北",
    "河南",
    "福建",
    "湖南",
    "安徽",
    "河北",
    "陕西",
    "重庆",
    "天津",
    "辽宁",
    "江西",
]
SECTIONS = ["C", "C", "C", "F", "F", "E", "I", "G", "K", "M", "A", "D"]


def make_results(n: int = 240, seed: int = 7) -> pd.DataFrame:
    """``n`` customers with canonical columns plus the stage columns reports read."""
    rng = np.random.default_rng(seed)
    assets = np.round(rng.lognormal(mean=17.0, sigma=1.6, size=n), 2)  # yuan, ~24m median
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "customer_name": [f"企业{i}" for i in range(n)],
            "as_of_date": pd.to_datetime(rng.choice(["2023-12-31", "2024-12-31"], size=n)),
            "industry_code": [s + "10" for s in rng.choice(SECTIONS, size=n)],
            "region": rng.choice(REGIONS, size=n),
            "total_assets": assets,
            "total_liabilities": np.round(assets * rng.uniform(0.2, 0.9, size=n), 2),
            "operating_revenue": np.round(assets * rng.uniform(0.3, 2.0, size=n), 2),
            "requested_amount": np.round(assets * rng.uniform(0.02, 0.3, size=n), -3),
        }
    )
    frame["industry_section"] = frame["industry_code"].str[0]
    frame["size_class"] = pd.cut(
        frame["total_assets"],
        [0, 5e6, 5e7, 4e8, np.inf],
        labels=["micro", "small", "medium", "large"],
    ).astype("string")
    frame.loc[frame.index[:3], "region"] = None
    frame.loc[frame.index[3], "operating_revenue"] = 0.0
    return frame


def make_quality(n_problems: int = 5) -> QualityReport:
    """Two files, a few problems of three rules, one unrecognised column."""
    files = [
        FileSummary(
            "/data/客户财务_2024.xlsx",
            "xlsx",
            sheet="资产负债",
            rows_read=200,
            rows_kept=196,
            rows_quarantined=4,
            rows_skipped_blank=2,
            columns_unmapped=["备注"],
        ),
        FileSummary(
            "/data/more.csv",
            "csv",
            encoding="gb18030",
            unit="wan",
            unit_source="header",
            rows_read=50,
            rows_kept=48,
            rows_quarantined=2,
        ),
    ]
    rules = [
        ("out_of_bounds", Severity.ERROR, "超出允许范围", "out of bounds"),
        ("bad_number", Severity.ERROR, "不是数字", "not a number"),
        ("balance_mismatch", Severity.WARNING, "资产不等于负债加权益", "assets differ"),
    ]
    problems = [
        Problem(
            files[i % 2].path,
            10 + i,
            "资产总计",
            f"=-{i}",
            rules[i % 3][0],
            rules[i % 3][1],
            rules[i % 3][2],
            rules[i % 3][3],
            sheet=files[i % 2].sheet,
            field="total_assets",
            column_letter="D",
        )
        for i in range(n_problems)
    ]
    return QualityReport(
        files=files,
        problems=problems,
        rows_out=244,
        missing_optional_fields=["rd_expense", "patents"],
    )


def make_run() -> dict:
    return {
        "run_id": "20240630-0001",
        "status": "finished",
        "created_at": datetime(2024, 6, 30, 9, 0, 0),
        "finished_at": datetime(2024, 6, 30, 9, 0, 12),
        "input_path": "/data/客户财务_2024.xlsx",
        "input_sha256": "9f" * 32,
        "policy_version": "2024.06",
        "policy_hash": "ab12" * 16,
        "model_ids": [],
        "row_counts": {"input": 250, "kept": 244, "quarantined": 6},
        "timings": {"ingest": 1.234, "features": 0.4, "store": 0.05},
        "finseg_version": "0.1.0",
    }


def make_ctx(lang: str = "zh", n: int = 240, n_problems: int = 5) -> ReportContext:
    return ReportContext(
        run=make_run(), results=make_results(n), quality=make_quality(n_problems), lang=lang
    )


@pytest.fixture(name="make_ctx", scope="session")
def make_ctx_fixture() -> Callable[..., ReportContext]:
    """The factory :func:`make_ctx` (``lang``, ``n`` customers, ``n_problems``)."""
    return make_ctx


@pytest.fixture(params=["zh", "en"])
def ctx(request: pytest.FixtureRequest) -> ReportContext:
    """The synthetic run in each report language."""
    return make_ctx(request.param)
