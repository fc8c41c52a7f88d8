"""The rating-basis warning that opens the data-quality and risk sections: how many ratings
stood on partial inputs or fell back to the conservative default, and which inputs were
missing most often (``docs/risk.md``, rating basis)."""

from __future__ import annotations

from finseg.reporting._context import ReportContext
from finseg.schema import FIELD_BY_NAME, label

__all__ = ["rating_basis_warning"]

_TOP = 5


def _field(name: str, lang: str) -> str:
    return label(name, lang) if name in FIELD_BY_NAME else name


def rating_basis_warning(ctx: ReportContext) -> str | None:
    """The warning paragraph, or ``None`` when every rating had full inputs.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"rating_basis": ["full", "fallback", "partial"], "rating_missing":
    ...                    ["", "retained_earnings;total_profit", "total_profit"]})
    >>> text = rating_basis_warning(ReportContext(results=df, lang="en"))
    >>> text.split(" (")[0], text.split(": ")[-1]
    ('Warning — rating basis: 1 customer(s) rated on a fallback basis', \
'Total profit (2), Retained earnings (1).')
    """
    results = ctx.results
    if "rating_basis" not in results.columns or results.empty:
        return None
    counts = results["rating_basis"].value_counts()
    fallback, partial = int(counts.get("fallback", 0)), int(counts.get("partial", 0))
    if not fallback and not partial:
        return None
    missing = results["rating_missing"].astype("string").fillna("")
    names = missing[missing != ""].str.split(";").explode().value_counts().head(_TOP)
    sep = "、" if ctx.lang == "zh" else ", "
    top = sep.join(f"{_field(str(n), ctx.lang)} ({int(c):,})" for n, c in names.items())
    return ctx.t("rating_basis.warning", fallback=f"{fallback:,}", partial=f"{partial:,}", top=top)
