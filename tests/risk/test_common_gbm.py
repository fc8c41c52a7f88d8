"""GBMModel honours the scikit-learn estimator contract (``parametrize_with_checks``)."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from finseg.risk._gbm import GBMModel


def _expected_failed_checks(estimator: GBMModel) -> dict[str, str]:
    """None: every check applies and passes.  ``decision_function`` returns the log-odds of
    the calibrated PD (not the booster's raw margin, see ``raw_margin``) precisely so that
    ``predict``, ``predict_proba`` and ``decision_function`` agree as the checks demand."""
    return {}


@parametrize_with_checks(
    [GBMModel(n_estimators=20, cv=2, early_stopping_rounds=5, min_child_samples=1)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_contract(estimator, check) -> None:
    check(estimator)
