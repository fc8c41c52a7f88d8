"""Loaders of the real credit data sets in ``../shared/data/`` (see its README).

Shared by the real-data benchmark scripts.  Every loader returns ``(X, y)``: a DataFrame of
characteristics and a 0/1 array with 1 = bad / bankrupt.  The files are never copied into the
repository; callers check :func:`path_of` and skip a data set whose file is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.io import arff

__all__ = [
    "DATA",
    "SETS",
    "DataSet",
    "german",
    "heloc",
    "load_polish",
    "path_of",
    "polish_year1",
    "polish_year5",
    "taiwan",
]

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

#: FICO HELOC special values: -9 no bureau record, -8 no usable trades, -7 condition not met.
HELOC_SPECIAL = (-9, -8, -7)


def load_polish(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The 64 ratios (NaN where ``?``) and the bankrupt flag (``class`` b'1')."""
    records, _ = arff.loadarff(path)
    frame = pd.DataFrame(records)
    y = (frame.pop("class") == b"1").to_numpy().astype(int)
    return frame.astype(float), y


def polish_year1(data: Path = DATA) -> tuple[pd.DataFrame, np.ndarray]:
    """Polish manufacturing firms, year 1 (bankrupt within 5 years), 64 ratios."""
    return load_polish(data / "polish_1year.arff")


def polish_year5(data: Path = DATA) -> tuple[pd.DataFrame, np.ndarray]:
    """Polish manufacturing firms, year 5 (bankrupt within 1 year), 64 ratios."""
    return load_polish(data / "polish_5year.arff")


def taiwan(data: Path = DATA) -> tuple[pd.DataFrame, np.ndarray]:
    """Taiwan listed companies, 22 ratios, ``bankrupt`` = 1."""
    frame = pd.read_parquet(data / "taiwan_bankruptcy.parquet")
    return frame.drop(columns="bankrupt"), frame["bankrupt"].to_numpy(int)


def german(data: Path = DATA) -> tuple[pd.DataFrame, np.ndarray]:
    """Statlog German credit: 20 attributes (coded ones as ``category``), last column 2 = bad."""
    frame = pd.read_csv(data / "german.data", sep=r"\s+", header=None)
    y = (frame.pop(frame.columns[-1]) == 2).to_numpy(int)
    frame.columns = [f"A{i + 1}" for i in range(frame.shape[1])]
    for name in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[name]):
            frame[name] = frame[name].astype("category")
    return frame, y


def heloc(data: Path = DATA) -> tuple[pd.DataFrame, np.ndarray]:
    """FICO HELOC: 23 bureau attributes, ``RiskPerformance`` ``Bad`` = 1.

    The special codes -7/-8/-9 are set to NaN (missing) for every model alike: left as numbers
    they would sort below every real value and bend the binning and the trees' splits.
    """
    frame = pd.read_csv(data / "heloc.csv")
    y = (frame.pop("RiskPerformance") == "Bad").to_numpy(int)
    frame = frame.astype(float)
    return frame.mask(frame.isin(HELOC_SPECIAL)), y


@dataclass(frozen=True)
class DataSet:
    """A data set: its title, file name in the data folder and loader."""

    title: str
    file: str
    load: Callable[[Path], tuple[pd.DataFrame, np.ndarray]]


SETS: dict[str, DataSet] = {
    "polish1": DataSet("Polish year 1", "polish_1year.arff", polish_year1),
    "polish5": DataSet("Polish year 5", "polish_5year.arff", polish_year5),
    "taiwan": DataSet("Taiwan bankruptcy", "taiwan_bankruptcy.parquet", taiwan),
    "german": DataSet("German credit", "german.data", german),
    "heloc": DataSet("HELOC", "heloc.csv", heloc),
}


def path_of(key: str, data: Path = DATA) -> Path:
    """The file of data set ``key`` (which may be absent)."""
    return data / SETS[key].file
