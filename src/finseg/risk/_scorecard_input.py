"""Input handling of the scorecard: columns, names, the target and per-column preparation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_consistent_length, column_or_1d, validate_data

from finseg.risk._binning import Kind

__all__ = ["ScorecardInput"]


class ScorecardInput:
    """Mixin of :class:`~finseg.risk._scorecard.ScorecardModel`: reading ``X`` and ``y``."""

    def _columns(self, X: object, reset: bool) -> list[pd.Series | np.ndarray]:
        """The columns of ``X`` by position (DataFrames keep their dtypes)."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, skip_check_array=True, reset=reset)
            if X.shape[0] == 0:
                raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}); need ≥ 1.")
            return [X.iloc[:, i] for i in range(X.shape[1])]
        array = validate_data(self, X, reset=reset, dtype="numeric", ensure_all_finite="allow-nan")
        return [array[:, i] for i in range(array.shape[1])]

    def _names(self) -> list[str]:
        """Characteristic names: the DataFrame's, else ``x0, x1, …``."""
        if hasattr(self, "feature_names_in_"):
            return [str(n) for n in self.feature_names_in_]
        return [f"x{i}" for i in range(self.n_features_in_)]

    def _target(self, y: object, n_rows: int) -> np.ndarray:
        """``y`` as 0/1 (1 = ``classes_[1]``, the default); sets ``classes_``."""
        if y is None:
            name = type(self).__name__
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        y = column_or_1d(y, warn=True)
        check_consistent_length(np.empty(n_rows), y)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {y_type}."
            )
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"y has one class only ({self.classes_[0]!r}); need good and bad.")
        return (y == self.classes_[1]).astype(int)

    @staticmethod
    def _kind(column: pd.Series | np.ndarray) -> Kind:
        if isinstance(column, pd.Series) and not pd.api.types.is_numeric_dtype(column):
            return "categorical"
        return "numeric"

    @staticmethod
    def _prepare(column: pd.Series | np.ndarray, name: str, kind: Kind) -> np.ndarray | pd.Series:
        """Numeric columns as float arrays (±inf refused), categorical ones unchanged."""
        if kind == "categorical":
            return column
        if isinstance(column, pd.Series) and not pd.api.types.is_numeric_dtype(column):
            raise ValueError(f"column {name!r} must be numeric (it was at fit); got {column.dtype}")
        if isinstance(column, pd.Series):
            values = column.to_numpy(dtype=float, na_value=np.nan)
        else:
            values = np.asarray(column, dtype=float)
        if np.isinf(values).any():
            raise ValueError(f"column {name!r} holds ±inf; use NaN for an undefined ratio")
        return values
