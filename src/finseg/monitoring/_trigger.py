"""The re-segmentation trigger: a recommendation, with bilingual reasons, to review the
segment taxonomy (and re-develop the model) when

- the score's PSI exceeds the red threshold (``psi_significant``);
- a segment's observed default rate departs from its baseline PD beyond the test bounds
  (its back-test traffic light is red); or
- discovery clusters drift from the taxonomy (optional, on a sample): k-prototypes clusters
  fitted on a baseline sample and applied to a current sample agree less with the segments
  (adjusted Rand index down by more than ``drift_ari_drop``) or change shares (PSI red).

>>> r = resegmentation({"score": {"psi": 0.31}}, {"available": False}, None, MonitoringPolicy())
>>> r["recommended"], [x["code"] for x in r["reasons"]]
(True, ['score_psi'])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from finseg.monitoring._policy import MonitoringPolicy
from finseg.monitoring._stability import category_shares

__all__ = ["cluster_drift", "resegmentation"]


def _reason(code: str, zh: str, en: str) -> dict[str, str]:
    return {"code": code, "zh": zh, "en": en}


def _sample(frame: pd.DataFrame, size: int, rng: np.random.Generator) -> pd.DataFrame:
    rows = np.sort(rng.choice(len(frame), min(len(frame), size), replace=False))
    return frame.iloc[rows]


def cluster_drift(
    baseline: pd.DataFrame, current: pd.DataFrame, policy: MonitoringPolicy, seed: int = 0
) -> dict[str, Any]:
    """Fit k-prototypes on a baseline sample, assign a current sample, compare with segments.

    Returns ``sample``, ``clusters``, ``ari_baseline`` and ``ari_current`` (clusters versus
    segments), ``ari_drop``, ``cluster_psi`` and ``drift`` (bool); ``{"skipped": reason}``
    when the runs lack the ratios or segments.
    """
    from sklearn.metrics import adjusted_rand_score

    from finseg.segments._discover import CATEGORICAL, KEY_RATIOS, KPrototypes, MixedEncoder

    ratios = [r for r in KEY_RATIOS if r in baseline and r in current
              and baseline[r].notna().any()]  # fmt: skip
    categorical = [c for c in CATEGORICAL if c in baseline and c in current]
    if len(ratios) < 2 or "segment" not in baseline or "segment" not in current:
        return {"skipped": {"zh": "缺少关键比率或分群列，未做聚类漂移检查",
                            "en": "key ratios or segments missing: no drift check"}}  # fmt: skip
    rng = np.random.default_rng(seed)
    b, c = _sample(baseline, policy.drift_sample, rng), _sample(current, policy.drift_sample, rng)
    encoder = MixedEncoder(ratios, categorical).fit(b)
    k = min(policy.drift_clusters, max(len(b) - 1, 2))
    model = KPrototypes(k, encoder.categorical_index, 0.5, random_state=seed)
    model.fit(encoder.transform(b))
    before, after = model.labels_, model.predict(encoder.transform(c))
    seg_b = b["segment"].astype("string").fillna("—").to_numpy(object)
    seg_c = c["segment"].astype("string").fillna("—").to_numpy(object)
    ari_b, ari_c = adjusted_rand_score(seg_b, before), adjusted_rand_score(seg_c, after)
    shift = category_shares(pd.Series(before.astype(str)), pd.Series(after.astype(str)),
                            floor=policy.share_floor)["psi"]  # fmt: skip
    drop = float(ari_b - ari_c)
    drift = drop > policy.drift_ari_drop or shift > policy.psi_significant
    return {"sample": [len(b), len(c)], "clusters": k, "ari_baseline": float(ari_b),
            "ari_current": float(ari_c), "ari_drop": drop, "cluster_psi": shift,
            "drift": bool(drift)}  # fmt: skip


def resegmentation(
    psi: dict[str, Any],
    backtest: dict[str, Any],
    drift: dict[str, Any] | None,
    policy: MonitoringPolicy,
    names: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """``recommended`` (bool), ``reasons`` (code, zh, en) and a one-line ``zh``/``en``."""
    names = names or {}
    reasons = []
    score = psi.get("score")
    if score is not None and score["psi"] > policy.psi_significant:
        v, t = f"{score['psi']:.3f}", f"{policy.psi_significant:g}"
        reasons.append(_reason("score_psi", f"评分 PSI 为 {v}，超过红灯阈值 {t}：客群已显著偏移",
                               f"score PSI {v} exceeds the red threshold {t}: the population "
                               "has shifted significantly"))  # fmt: skip
    for seg, r in (backtest.get("segments") or {}).items():
        if r["light"] == "red":
            zh, en = names.get(seg, (seg, seg))
            odr, p = f"{r['odr']:.2%}", f"{r['pd']:.2%}"
            reasons.append(_reason(
                f"segment_calibration:{seg}",
                f"分群“{zh}”实际违约率 {odr} 显著高于基期 PD {p}（红灯）",
                f"segment '{en}': observed default rate {odr} significantly above its baseline "
                f"PD {p} (red)"))  # fmt: skip
    if drift and drift.get("drift"):
        d, s = f"{drift['ari_drop']:.3f}", f"{drift['cluster_psi']:.3f}"
        reasons.append(_reason("cluster_drift",
                               f"聚类结构偏离分群体系（ARI 下降 {d}，簇占比 PSI {s}）",
                               f"discovery clusters drift from the taxonomy (ARI down {d}, "
                               f"cluster-share PSI {s})"))  # fmt: skip
    if reasons:
        zh = "建议重新审视客户细分体系（并评估模型重建）：" + "；".join(r["zh"] for r in reasons)
        en = "Re-segmentation recommended (and a model review): " + "; ".join(
            r["en"] for r in reasons)  # fmt: skip
    else:
        zh = "无需重新细分：评分稳定，各分群校准未亮红灯" + ("，聚类未见漂移" if drift else "")
        en = "No re-segmentation needed: the score is stable and no segment's calibration is red"
        en += ", and the clusters have not drifted" if drift else ""
    return {"recommended": bool(reasons), "reasons": reasons, "zh": zh, "en": en}
