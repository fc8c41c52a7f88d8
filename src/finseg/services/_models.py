"""The model registry by authenticated people: an analyst trains (a ``candidate``), an
approver other than the trainer promotes it to champion or retires a model.

The trainer is the logged-in :class:`Actor`, so "not the person who trained it" means a
different person, checked here, in :func:`finseg.store.promote_model` and by the database
(``ck_models_maker_checker``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from finseg.exceptions import PermissionDeniedError
from finseg.services._actor import Actor, require
from finseg.store import CHAMPION, ModelRecord, Role, get_model, register_model
from finseg.store import promote_model as store_promote
from finseg.store import retire_model as store_retire

__all__ = ["TrainedModel", "promote_model", "register_trained_model", "retire_model"]


@dataclass(frozen=True)
class TrainedModel:
    """A fitted estimator to register, with its kind, model card and optional name."""

    estimator: Any
    kind: str
    card: Mapping[str, Any]
    name: str | None = None


def register_trained_model(
    session: Session, actor: Actor, models_dir: Path, model: TrainedModel
) -> ModelRecord:
    """Register ``model`` as a candidate trained by ``actor`` (analyst or above)."""
    require(actor, Role.ANALYST, "train models", "训练模型")
    return register_model(session, models_dir, model.estimator, kind=model.kind,
                          card=model.card, name=model.name, actor=actor.name)  # fmt: skip


def promote_model(session: Session, actor: Actor, ref: str) -> ModelRecord:
    """Make ``ref`` the champion; ``actor`` is an approver (or admin) who did not train it."""
    require(actor, Role.APPROVER, "promote models", "晋升模型")
    record = get_model(session, ref)
    if ref != CHAMPION and record.created_by == actor.name:
        raise PermissionDeniedError(
            f"maker-checker: {actor.name} trained model {record.id} and cannot promote it; "
            "another approver must",
            f"双人复核：{actor.name} 训练了模型 {record.id}，不能晋升自己的模型，"
            "须由其他审批人晋升",
        )
    return store_promote(session, record.id, actor=actor.name)


def retire_model(session: Session, actor: Actor, ref: str) -> ModelRecord:
    """Take ``ref`` out of use; ``actor`` is an approver or admin."""
    require(actor, Role.APPROVER, "retire models", "退役模型")
    return store_retire(session, ref, actor=actor.name)
