"""What discovery tells the risk manager: bilingual cluster profiles, the cross-tab of clusters
against the taxonomy segments, rule-based advice, and the ``discovery.json`` document.

The advice is advice: nothing here changes the policy.  Rules (thresholds are constants below,
explained in ``docs/discovery.md``):

* **lumps** — a segment holds two "major" clusters (each >= 10% of the segment and >= 30
  customers) whose risk differs by at least 2 percentage points *and* a factor of 2 (default
  rate, two-proportion test p < 0.05; mean PD when the run has no default flag);
* **splits** — two segments whose customers fall into the clusters in nearly the same way
  (histogram overlap >= 60%; only when k >= 3), with risk within 1 point or a factor of 1.5
  and every key ratio's median within 0.5 standard deviations.

>>> rate = pd.Series([0.0, 1.0, 1.0, 0.0])
>>> _risk(pd.DataFrame({"default_12m": rate}), np.array([True, True, False, False]))
(0.5, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from finseg.features import FinancialCondition, LifecycleStage, SizeClass
from finseg.features._ratios import RATIO_BY_NAME
from finseg.industry import SECTIONS
from finseg.segments._discover import Discovery

__all__ = ["advice", "cluster_profiles", "crosstab", "discovery_json", "label", "ratio_label"]

_MAJOR_SHARE, _MIN_N = 0.10, 30
_LUMP_GAP, _LUMP_FACTOR, _ALPHA = 0.02, 2.0, 0.05
_SPLIT_OVERLAP, _SPLIT_GAP, _SPLIT_FACTOR, _SPLIT_Z = 0.60, 0.01, 1.5, 0.5
_NOTABLE_Z = 0.25  # a cluster median this many SDs from the portfolio's is "high"/"low"
_ENUMS = {
    "size_class": SizeClass,
    "lifecycle_stage": LifecycleStage,
    "financial_condition": FinancialCondition,
}


def ratio_label(name: str, lang: str) -> str:
    """A ratio's name in ``lang`` (``altman_z2`` included).

    >>> ratio_label("debt_to_assets", "zh"), ratio_label("altman_z2", "en")
    ('资产负债率', "Altman Z'' score")
    """
    if name == "altman_z2":
        return "Altman Z''值" if lang == "zh" else "Altman Z'' score"
    r = RATIO_BY_NAME.get(name)
    return name if r is None else (r.zh if lang == "zh" else r.en)


def label(column: str, value: Any, lang: str) -> str:
    """The label of a categorical value (size, lifecycle, condition, industry section).

    >>> label("size_class", "micro", "zh"), label("industry_section", "C", "en")
    ('微型', 'Manufacturing')
    """
    text = str(value)
    if column == "industry_section" and text in SECTIONS:
        return SECTIONS[text].label(lang)
    enum = _ENUMS.get(column)
    try:
        return enum(text).label(lang) if enum else text
    except ValueError:
        return text


def _risk(df: pd.DataFrame, mask: np.ndarray) -> tuple[float | None, int]:
    """(default rate, customers with a known outcome) of ``mask``; mean PD when the run has
    no ``default_12m``."""
    if "default_12m" in df and df["default_12m"].notna().any():
        known = pd.to_numeric(df["default_12m"][mask], errors="coerce").dropna()
        return (float(known.mean()) if len(known) else None), len(known)
    if "pd" in df:
        values = pd.to_numeric(df["pd"][mask], errors="coerce").dropna()
        return (float(values.mean()) if len(values) else None), len(values)
    return None, 0


def _risk_kind(df: pd.DataFrame) -> str:
    return "default_rate" if "default_12m" in df and df["default_12m"].notna().any() else "pd"


def _mix(values: pd.Series, top: int | None = None) -> list[dict[str, Any]]:
    shares = values.astype("string").fillna("—").value_counts(normalize=True)
    return [{"value": str(v), "share": float(s)} for v, s in shares.head(top).items()]


def _notable(z: pd.DataFrame, mask: np.ndarray) -> list[dict[str, Any]]:
    """The (at most three) ratios whose cluster median lies furthest from the portfolio's."""
    medians = z[mask].median()
    far = medians[medians.abs() >= _NOTABLE_Z].abs().sort_values(ascending=False).head(3)
    return [
        {"ratio": r, "z": float(medians[r]), "direction": "high" if medians[r] > 0 else "low"}
        for r in far.index
    ]


def _describe(notable: list[dict[str, Any]], lang: str) -> str:
    if not notable:
        return "各项比率接近组合中位" if lang == "zh" else "ratios close to the portfolio median"
    if lang == "zh":
        return "、".join(
            f"{ratio_label(n['ratio'], 'zh')}{'偏高' if n['direction'] == 'high' else '偏低'}"
            for n in notable
        )
    return ", ".join(f"{n['direction']} {_lower(ratio_label(n['ratio'], 'en'))}" for n in notable)


def cluster_profiles(df: pd.DataFrame, result: Discovery) -> list[dict[str, Any]]:
    """One profile per cluster: size, share, ratio medians, risk, industry and size mix.

    ``default_rate`` (and ``defaults``) appear when ``df`` has ``default_12m``; ``mean_pd``
    when it has ``pd``; ``notable`` lists the ratios that set the cluster apart.
    """
    z = result.encoder.z_scores(df)
    out = []
    for c in range(1, result.k + 1):
        mask = result.labels == c
        part = df[mask]
        notable = _notable(z, mask)
        profile: dict[str, Any] = {
            "cluster": f"C{c}",
            "n": int(mask.sum()),
            "share": float(mask.mean()),
            "medians": {
                r: _num(pd.to_numeric(part[r], errors="coerce").median())
                for r in result.method["ratios"]
            },
            "notable": notable,
            "description": {"zh": _describe(notable, "zh"), "en": _describe(notable, "en")},
        }
        if _risk_kind(df) == "default_rate":
            known = pd.to_numeric(part["default_12m"], errors="coerce").dropna()
            profile["defaults"] = int(known.sum())
            profile["default_rate"] = float(known.mean()) if len(known) else None
        if "pd" in df:
            profile["mean_pd"] = _num(pd.to_numeric(part["pd"], errors="coerce").mean())
        for column, top in (
            ("industry_section", 3),
            ("size_class", None),
            ("lifecycle_stage", 2),
            ("financial_condition", 2),
        ):
            if column in df:
                profile[column] = _mix(part[column], top)
        out.append(profile)
    return out


def _lower(text: str) -> str:
    """``Debt-to-asset ratio`` -> ``debt-to-asset ratio``; names such as Altman stay."""
    return text if text.startswith("Altman") else text[:1].lower() + text[1:]


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def crosstab(labels: np.ndarray, segments: pd.Series) -> dict[str, Any]:
    """Customers per cluster (rows) and taxonomy segment (columns).

    >>> crosstab(np.array([1, 1, 2]), pd.Series(["a", "b", "b"]))["counts"]
    [[1, 1], [0, 1]]
    """
    table = pd.crosstab(
        pd.Series(labels, name="cluster"),
        pd.Series(segments.astype("string").to_numpy(), name="segment"),
    )
    return {
        "clusters": [f"C{c}" for c in table.index],
        "segments": [str(s) for s in table.columns],
        "counts": table.to_numpy().astype(int).tolist(),
    }


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _two_proportion_p(r1: float, n1: int, r2: float, n2: int) -> float:
    pooled = (r1 * n1 + r2 * n2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 1.0 if se == 0 else float(2 * norm.sf(abs(r1 - r2) / se))


def _widest_ratio(df, z, a: np.ndarray, b: np.ndarray, ratios) -> tuple[str, float, float, float]:
    """The ratio whose standardised median differs most between masks ``a`` and ``b``."""
    gap = (z[a].median() - z[b].median()).abs().reindex(ratios).fillna(0.0)
    r = str(gap.idxmax())
    value = pd.to_numeric(df[r], errors="coerce")
    return r, float(value[a].median()), float(value[b].median()), float(gap.max())


def _lumps(df, labels, segments, names, z, ratios) -> list[dict[str, Any]]:
    kind, out = _risk_kind(df), []
    for seg in pd.unique(segments):
        in_seg = (segments == seg).to_numpy()
        n_seg = int(in_seg.sum())
        major = []
        for c in np.unique(labels[in_seg]):
            mask = in_seg & (labels == c)
            rate, n = _risk(df, mask)
            if mask.sum() >= max(_MIN_N, _MAJOR_SHARE * n_seg) and rate is not None:
                major.append((rate, int(c), mask, n))
        if len(major) < 2:
            continue
        (lo, c_lo, m_lo, n_lo), (hi, c_hi, m_hi, n_hi) = min(major), max(major)
        if hi - lo < _LUMP_GAP or hi < _LUMP_FACTOR * lo:
            continue
        p = _two_proportion_p(lo, n_lo, hi, n_hi) if kind == "default_rate" else None
        if p is not None and p >= _ALPHA:
            continue
        r, v_lo, v_hi, _ = _widest_ratio(df, z, m_lo, m_hi, ratios)
        facts = {
            "segment": str(seg),
            "clusters": [f"C{c_lo}", f"C{c_hi}"],
            "shares": [float(m_lo.sum() / n_seg), float(m_hi.sum() / n_seg)],
            "risk": [lo, hi],
            "risk_kind": kind,
            "p_value": p,
            "ratio": r,
            "ratio_medians": [v_lo, v_hi],
            "n": n_seg,
        }
        out.append({"kind": "lumps", **facts, **_lump_text(facts, names)})
    return out


def _lump_text(f: dict[str, Any], names: dict[str, tuple[str, str]]) -> dict[str, str]:
    zh_name, en_name = names.get(f["segment"], (f["segment"], f["segment"]))
    (c1, c2), (s1, s2), (r1, r2), (v1, v2) = (
        f["clusters"],
        f["shares"],
        f["risk"],
        f["ratio_medians"],
    )
    zk, ek = (
        ("违约率", "default rate") if f["risk_kind"] == "default_rate" else ("平均 PD", "mean PD")
    )
    return {
        "zh": f"分群「{zh_name}」（{f['n']:,} 户）把差异明显的客户归在一起：簇 {c1} 占 {s1:.0%}，"
        f"{zk} {_pct(r1)}；簇 {c2} 占 {s2:.0%}，{zk} {_pct(r2)}。两者差异最大的是"
        f"{ratio_label(f['ratio'], 'zh')}（中位数 {v1:.3g} 对 {v2:.3g}）。建议考虑按该指标"
        f"细分此分群，或对两部分客户采用不同策略。",
        "en": f"Segment “{en_name}” ({f['n']:,} customers) lumps different customers together: "
        f"cluster {c1} ({s1:.0%}, {ek} {_pct(r1)}) and cluster {c2} ({s2:.0%}, {ek} "
        f"{_pct(r2)}). They differ most in {_lower(ratio_label(f['ratio'], 'en'))} (median "
        f"{v1:.3g} vs {v2:.3g}). Consider splitting the segment on this ratio or giving "
        f"the two groups different strategies.",
    }


def _splits(df, labels, segments, names, z, ratios) -> list[dict[str, Any]]:
    if len(np.unique(labels)) < 3:  # with two clusters nearly every pair of segments overlaps
        return []
    segs = [s for s in pd.unique(segments) if (segments == s).sum() >= _MIN_N]
    dist = {
        s: pd.Series(labels[(segments == s).to_numpy()]).value_counts(normalize=True) for s in segs
    }
    out = []
    for i, a in enumerate(segs):
        for b in segs[i + 1 :]:
            overlap = float(pd.concat([dist[a], dist[b]], axis=1).fillna(0).min(axis=1).sum())
            ma, mb = (segments == a).to_numpy(), (segments == b).to_numpy()
            (ra, _), (rb, _) = _risk(df, ma), _risk(df, mb)
            if overlap < _SPLIT_OVERLAP or ra is None or rb is None:
                continue
            lo, hi = sorted((ra, rb))
            if hi - lo > _SPLIT_GAP and hi > _SPLIT_FACTOR * lo:
                continue
            gap = _widest_ratio(df, z, ma, mb, ratios)[3]
            if gap > _SPLIT_Z:
                continue
            shared = (dist[a] * dist[b]).idxmax()
            facts = {
                "segments": [str(a), str(b)],
                "overlap": overlap,
                "risk": [ra, rb],
                "risk_kind": _risk_kind(df),
                "cluster": f"C{shared}",
                "max_ratio_gap_sd": gap,
            }
            out.append({"kind": "splits", **facts, **_split_text(facts, names)})
    return out


def _split_text(f: dict[str, Any], names: dict[str, tuple[str, str]]) -> dict[str, str]:
    (a, b), (ra, rb) = f["segments"], f["risk"]
    za, ea = names.get(a, (a, a))
    zb, eb = names.get(b, (b, b))
    zk, ek = (
        ("违约率", "default rate") if f["risk_kind"] == "default_rate" else ("平均 PD", "mean PD")
    )
    return {
        "zh": f"分群「{za}」与「{zb}」的客户相似：聚类分布重合 {f['overlap']:.0%}（主要同在簇 "
        f"{f['cluster']}），{zk} {_pct(ra)} 对 {_pct(rb)}，关键比率中位数相差均不超过 "
        f"{f['max_ratio_gap_sd']:.2f} 个标准差。分类可能把相似客户分开了：若两者策略不同，"
        f"请确认区分依据（如绿色信贷等政策因素）是否成立，否则可考虑合并。",
        "en": f"Segments “{ea}” and “{eb}” hold similar customers: their cluster mix overlaps "
        f"{f['overlap']:.0%} (mostly cluster {f['cluster']}), {ek} {_pct(ra)} vs "
        f"{_pct(rb)}, and no key ratio's median differs by more than "
        f"{f['max_ratio_gap_sd']:.2f} SD. The taxonomy may split similar customers: if "
        f"their strategies differ, check that the reason (e.g. a policy such as green "
        f"credit) holds; otherwise consider merging them.",
    }


def advice(
    df: pd.DataFrame, result: Discovery, names: dict[str, tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """Rule-based, bilingual advice on where the taxonomy (``df["segment"]``) lumps different
    customers together or splits similar ones; ``names`` maps a segment id to (zh, en)."""
    if "segment" not in df:
        return []
    segments = df["segment"].astype("string").fillna("—").reset_index(drop=True)
    frame = df.reset_index(drop=True)
    z = result.encoder.z_scores(frame)
    ratios = result.method["ratios"]
    names = names or {}
    return _lumps(frame, result.labels, segments, names, z, ratios) + _splits(
        frame, result.labels, segments, names, z, ratios
    )


def discovery_json(
    df: pd.DataFrame,
    result: Discovery,
    *,
    run_id: str = "",
    names: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The ``discovery.json`` document (plain JSON types, both languages)."""
    frame = df.reset_index(drop=True)
    doc: dict[str, Any] = {
        "run_id": run_id,
        "k": result.k,
        "method": result.method,
        "scores": result.scores,
        "stability": {"k": result.k, **result.stability},
        "risk_measure": _risk_kind(frame),
        "profiles": cluster_profiles(frame, result),
        "timings": result.timings,
    }
    if "segment" in frame:
        doc["crosstab"] = crosstab(result.labels, frame["segment"])
        doc["segment_names"] = {s: {"zh": zh, "en": en} for s, (zh, en) in (names or {}).items()}
    doc["advice"] = advice(frame, result, names)
    return _clean(doc)


def _clean(value: Any) -> Any:
    """Plain JSON: NaN and infinities become ``None``, NumPy scalars Python numbers.

    >>> _clean({"a": [float("nan"), np.float64(1.5), np.int64(2)]})
    {'a': [None, 1.5, 2]}
    """
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
