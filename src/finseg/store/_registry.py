"""The model registry: pickled estimators under the models directory, rows in ``models``.

A model is pickled (protocol 5), its SHA-256 recorded in the database with its model card, and
its bytes written to ``<models_dir>/<id>.pkl`` through a temporary file and a rename.  Loading
reads the bytes and checks the SHA-256 *before* unpickling: a file changed on disk is refused,
never executed.  Every new model is a ``candidate``; it becomes the champion (the one that
scores) only when promoted by someone other than its trainer — checked here and by the
database (``ck_models_maker_checker``); whether that person is an approver is the service's
business (:mod:`finseg.services`).  A champion replaced by another becomes a challenger.  The
caller owns the transaction, as for every
repository function; each change writes its audit row in it.

>>> import tempfile
>>> from finseg.store import make_engine, transaction, upgrade
>>> engine, models_dir = make_engine("sqlite://"), Path(tempfile.mkdtemp())
>>> _ = upgrade(engine)
>>> with transaction(engine) as s:
...     first = register_model(s, models_dir, {"coef": [0.5]}, kind="expert", card={},
...                            name="altman-v1", actor="li")
>>> first.status.value, first.file
('candidate', 'altman-v1.pkl')
>>> with transaction(engine) as s:
...     promote_model(s, "altman-v1", actor="wang").promoted_by
'wang'
>>> with transaction(engine) as s:
...     load_model(s, models_dir)[0]
{'coef': [0.5]}
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import platform
import re
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finseg import __version__
from finseg._files import atomic_target
from finseg.exceptions import StoreError, UserError
from finseg.store._models import ModelRecord, ModelStatus, utcnow
from finseg.store._repo import SYSTEM, audit, new_run_id

__all__ = [
    "CHAMPION",
    "PICKLE_PROTOCOL",
    "get_model",
    "list_models",
    "load_model",
    "model_card",
    "promote_model",
    "register_model",
    "retire_model",
]

#: The reference that names whichever model is the champion now.
CHAMPION = "champion"
#: Pickle protocol of model files (Python 3.8+; efficient for large NumPy buffers).
PICKLE_PROTOCOL = 5
#: Libraries whose versions a model card records, as distribution names.
_LIBRARIES = ("numpy", "pandas", "scikit-learn", "lightgbm", "optbinning")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")


# model cards ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``value`` as strict JSON: NumPy values unwrapped, NaN and infinities as ``None``.

    >>> import numpy as np
    >>> _plain({"auc": np.float64(0.7), "w": np.array([1.0, np.nan]), 1: (np.int64(2),)})
    {'auc': 0.7, 'w': [1.0, None], '1': [2]}
    """
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "ndim"):  # NumPy array or scalar
        return _plain(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # PostgreSQL's JSON refuses NaN
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def model_card(
    estimator: Any,
    *,
    features: Sequence[str],
    target: str,
    training_sha256: str,
    metrics: Mapping[str, Any],
    params: Mapping[str, Any],
    directions: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The model card of ``estimator``: what it uses, what it was trained on, how it scored.

    Adds the estimator's class, the versions of Python and of the libraries models depend on
    (those installed), the finseg version and the creation time (UTC, ISO 8601).  The result
    is strict JSON (NumPy scalars unwrapped, NaN as ``None``).

    Examples
    --------
    >>> card = model_card(object(), features=["roa"], target="default_12m",
    ...                   training_sha256="ab" * 32, metrics={"auc": 0.75}, params={},
    ...                   directions={"roa": -1})
    >>> card["estimator"], card["metrics"], sorted(card["libraries"])[:2]
    ('builtins.object', {'auc': 0.75}, ['lightgbm', 'numpy'])
    """
    kind = type(estimator)
    return _plain({
        "estimator": f"{kind.__module__}.{kind.__qualname__}",
        "features": list(features), "directions": dict(directions or {}), "target": target,
        "training_sha256": training_sha256, "metrics": dict(metrics), "params": dict(params),
        "libraries": _library_versions(), "finseg_version": __version__,
        "created_at": utcnow().isoformat(timespec="seconds"),
    })  # fmt: skip


# registering ------------------------------------------------------------------------------


def _new_id(kind: str, name: str | None) -> str:
    if not _KIND.fullmatch(kind):
        raise UserError(
            f"model kind must be lower-case letters, digits or _ (at most 32), got {kind!r}",
            f"模型类型须为小写字母、数字或 _（至多 32 个字符），实际为 {kind!r}",
        )
    if name is None:
        return f"{kind}-{new_run_id()}"
    if not _NAME.fullmatch(name) or name == CHAMPION:
        raise UserError(
            f"model name {name!r} is invalid: use 1 to 64 letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit, and not {CHAMPION!r}",
            f"模型名称 {name!r} 无效：须为 1 至 64 个字母、数字、'.'、'_' 或 '-'，"
            f"以字母或数字开头，且不能是 {CHAMPION!r}",
        )
    return name


def _duplicate(model_id: str) -> UserError:
    return UserError(f"a model named {model_id!r} already exists", f"模型 {model_id!r} 已存在")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` through a temporary file beside ``path``, synced, then rename it."""
    with atomic_target(path) as tmp, tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _insert(session: Session, record: ModelRecord) -> None:
    if session.get(ModelRecord, record.id) is not None:
        raise _duplicate(record.id)
    try:
        with session.begin_nested():
            session.add(record)
    except sa.exc.IntegrityError as exc:  # lost a race with another writer
        if session.get(ModelRecord, record.id) is not None:
            raise _duplicate(record.id) from exc
        raise StoreError(
            "another model became champion at the same time; register again",
            "另一个模型同时成为冠军模型；请重新注册",
        ) from exc


def register_model(
    session: Session,
    models_dir: Path | str,
    estimator: Any,
    *,
    kind: str,
    card: Mapping[str, Any],
    name: str | None = None,
    actor: str = SYSTEM,
) -> ModelRecord:
    """Save ``estimator`` in the registry as a ``candidate`` trained by ``actor``.

    The row and its audit entry are written first, then the file (temporary file + rename):
    a failed insert leaves no file, and a failed write raises so that the caller's transaction
    rolls the row back.

    Parameters
    ----------
    models_dir
        The workspace's models directory (:attr:`finseg.workspace.Workspace.models_dir`).
    kind
        ``scorecard``, ``gbm``, ``expert``, … (lower case).
    card
        The model card, normally from :func:`model_card`.
    name
        The model's id; default ``<kind>-<yyyymmddThhmmssZ>-<6 hex>``.

    Raises
    ------
    UserError
        Invalid kind or name, or a model of that name already exists.
    """
    model_id = _new_id(kind, name)
    data = pickle.dumps(estimator, protocol=PICKLE_PROTOCOL)
    status = ModelStatus.CANDIDATE
    record = ModelRecord(
        id=model_id, kind=kind, status=status, file=f"{model_id}.pkl",
        sha256=hashlib.sha256(data).hexdigest(), card=_plain(card), created_at=utcnow(),
        created_by=actor, promoted_at=None, promoted_by=None,
    )  # fmt: skip
    _insert(session, record)
    after = {"kind": kind, "status": status.value, "file": record.file, "sha256": record.sha256}
    audit(session, actor, "model.register", "model", model_id, None, after)
    _write_atomically(Path(models_dir) / record.file, data)
    return record


# reading ----------------------------------------------------------------------------------


def _champion(session: Session) -> ModelRecord | None:
    stmt = sa.select(ModelRecord).where(ModelRecord.status == ModelStatus.CHAMPION)
    return session.scalars(stmt).first()


def get_model(session: Session, ref: str = CHAMPION) -> ModelRecord:
    """The model ``ref``: a model id, or ``"champion"`` for the current champion.

    Raises
    ------
    UserError
        No model with that id, or no champion.
    """
    if ref == CHAMPION:
        record = _champion(session)
        if record is None:
            raise UserError(
                "no champion model; train one with `finseg train` and have an approver "
                "promote it with `finseg models promote ID`",
                "没有冠军模型；请用 `finseg train` 训练一个，并由审批人用 "
                "`finseg models promote ID` 晋升",
            )
        return record
    record = session.get(ModelRecord, ref)
    if record is None:
        raise UserError(
            f"no model with id {ref!r}; `finseg models list` shows them",
            f"不存在编号为 {ref!r} 的模型；可用 `finseg models list` 查看",
        )
    return record


def list_models(session: Session, *, status: ModelStatus | str | None = None) -> list[ModelRecord]:
    """Registered models, newest first, optionally only those with ``status``."""
    stmt = sa.select(ModelRecord).order_by(ModelRecord.created_at.desc(), ModelRecord.id.desc())
    if status is not None:
        stmt = stmt.where(ModelRecord.status == ModelStatus(status))
    return list(session.scalars(stmt))


def _verified_bytes(path: Path, expected: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StoreError(
            f"cannot read model file {path}: {exc.strerror or exc}",
            f"无法读取模型文件 {path}：{exc.strerror or exc}",
        ) from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise StoreError(
            f"model file {path} has been changed since it was registered and is refused: "
            f"SHA-256 expected {expected}, actual {actual}",
            f"模型文件 {path} 在注册后已被改动，拒绝加载：SHA-256 应为 {expected}，实际为 {actual}",
        )
    return data


def load_model(
    session: Session, models_dir: Path | str, ref: str = CHAMPION
) -> tuple[Any, ModelRecord]:
    """The estimator ``ref`` (an id or ``"champion"``) and its record.

    The file's SHA-256 is checked before it is unpickled.

    Raises
    ------
    UserError
        No such model, or no champion.
    StoreError
        The file is missing or unreadable, or its SHA-256 differs from the registered one.
    """
    record = get_model(session, ref)
    data = _verified_bytes(Path(models_dir) / record.file, record.sha256)
    return pickle.loads(data), record  # bytes verified against the registry first


# status changes ---------------------------------------------------------------------------


def _state(record: ModelRecord) -> dict[str, Any]:
    at = record.promoted_at
    return {"status": record.status.value, "promoted_at": at.isoformat() if at else None,
            "promoted_by": record.promoted_by, "sha256": record.sha256}  # fmt: skip


def _set_status(session: Session, record: ModelRecord, status: ModelStatus, actor: str) -> None:
    before = _state(record)
    record.status = status
    if status is ModelStatus.CHAMPION:
        record.promoted_at, record.promoted_by = utcnow(), actor
    try:
        session.flush()
    except sa.exc.IntegrityError as exc:  # a concurrent promotion won on PostgreSQL
        raise StoreError(
            f"model {record.id} could not become {status.value}: the registry changed at "
            "the same time; try again",
            f"模型 {record.id} 未能变更为 {status.zh}：注册表同时被修改；请重试",
        ) from exc
    audit(session, actor, f"model.{status.value}", "model", record.id, before, _state(record))


def promote_model(session: Session, ref: str, *, actor: str = SYSTEM) -> ModelRecord:
    """Make ``ref`` the champion; the old champion becomes a challenger.

    Promoting the champion changes nothing.  A retired model may be promoted again (to roll
    back to an earlier champion).

    Raises
    ------
    UserError
        No such model, or ``actor`` trained it (maker-checker).
    """
    record = get_model(session, ref)
    current = _champion(session)
    if current is not None and current.id == record.id:
        return record
    if record.created_by == actor:
        raise UserError(
            f"maker-checker: {actor} trained model {record.id} and cannot promote it; "
            "another approver must",
            f"双人复核：{actor} 训练了模型 {record.id}，不能晋升自己的模型，须由其他审批人晋升",
        )
    if current is not None:  # demoted first: the partial unique index allows one champion
        _set_status(session, current, ModelStatus.CHALLENGER, actor)
    _set_status(session, record, ModelStatus.CHAMPION, actor)
    return record


def retire_model(session: Session, ref: str, *, actor: str = SYSTEM) -> ModelRecord:
    """Take ``ref`` out of use.  The champion cannot be retired: promote another first.

    Raises
    ------
    UserError
        No such model, or it is the champion.
    """
    record = get_model(session, ref)
    if record.status is ModelStatus.CHAMPION:
        raise UserError(
            f"model {record.id} is the champion; promote another model before retiring it",
            f"模型 {record.id} 是冠军模型；请先晋升另一个模型，再将其退役",
        )
    if record.status is not ModelStatus.RETIRED:
        _set_status(session, record, ModelStatus.RETIRED, actor)
    return record
