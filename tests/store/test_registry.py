"""Model registry tests, each run on SQLite and on PostgreSQL (``engine`` / ``db_url``)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sklearn.linear_model import LogisticRegression
from sqlalchemy.engine import Engine

from finseg.exceptions import StoreError, UserError
from finseg.store import (
    Base,
    ModelRecord,
    ModelStatus,
    current_revision,
    get_model,
    head_revision,
    list_audit,
    list_models,
    list_users,
    load_model,
    make_engine,
    model_card,
    promote_model,
    read_session,
    register_model,
    retire_model,
    transaction,
    upgrade,
    utcnow,
    verify_chain,
)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))
    y = (x @ [1.0, -0.5, 0.2] + rng.normal(size=100) > 0).astype(int)
    return x, y


@pytest.fixture(scope="module")
def estimator(data: tuple[np.ndarray, np.ndarray]) -> LogisticRegression:
    return LogisticRegression().fit(*data)


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"  # the SQLite database lives in tmp_path itself


@pytest.fixture
def card(estimator: LogisticRegression) -> dict:
    return model_card(
        estimator, features=["a", "b", "c"], target="default_12m", training_sha256="ab" * 32,
        metrics={"auc": np.float64(0.81), "ks": float("nan")}, params={"C": 1.0},
        directions={"a": 1, "b": -1},
    )  # fmt: skip


def _register(engine: Engine, models_dir: Path, estimator, card, name=None, actor="li",
              promote=False):  # fmt: skip
    with transaction(engine) as s:
        record = register_model(
            s, models_dir, estimator, kind="scorecard", card=card, name=name, actor=actor
        )
        if promote:  # by someone other than the trainer
            promote_model(s, record.id, actor="checker")
        return record


# register and load ------------------------------------------------------------------------


def test_reloaded_model_scores_byte_identically(engine, models_dir, estimator, card, data):
    record = _register(engine, models_dir, estimator, card, promote=True)
    assert record.file == f"{record.id}.pkl" and record.id.startswith("scorecard-")
    assert (models_dir / record.file).is_file()
    assert list(models_dir.iterdir()) == [models_dir / record.file]  # no temporary file left
    with read_session(engine) as s:
        loaded, again = load_model(s, models_dir)
        assert again.id == record.id and again.created_by == "li"
        assert again.card["metrics"] == {"auc": 0.81, "ks": None}  # strict JSON
        assert again.card["directions"] == {"a": 1, "b": -1}
    expected = estimator.predict_proba(data[0])
    assert loaded.predict_proba(data[0]).tobytes() == expected.tobytes()


def test_model_card_records_versions_and_time(card):
    assert card["estimator"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert {"python", "numpy", "pandas", "scikit-learn"} <= set(card["libraries"])
    assert card["finseg_version"] and card["created_at"].endswith("+00:00")


def test_every_trained_model_is_a_candidate_even_the_first(engine, models_dir, estimator, card):
    first = _register(engine, models_dir, estimator, card, name="m1")
    second = _register(engine, models_dir, estimator, card, name="m2")
    assert (first.status, second.status) == (ModelStatus.CANDIDATE, ModelStatus.CANDIDATE)
    assert first.promoted_at is None and second.promoted_at is None
    with read_session(engine) as s:
        assert [m.id for m in list_models(s)] == ["m2", "m1"]
        assert [m.id for m in list_models(s, status="candidate")] == ["m2", "m1"]
        with pytest.raises(UserError, match="no champion model"):
            get_model(s, "champion")
        (entry,) = list_audit(s, object_type="model", object_id="m2")
    assert entry.action == "model.register" and entry.actor == "li"
    assert entry.after["sha256"] == second.sha256 and entry.after["status"] == "candidate"


def test_the_trainer_cannot_promote_their_model(engine, models_dir, estimator, card):
    _register(engine, models_dir, estimator, card, name="m1", actor="li")
    with (
        pytest.raises(UserError, match="maker-checker: li trained model m1"),
        transaction(engine) as s,
    ):
        promote_model(s, "m1", actor="li")
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # the database too
        conn.execute(sa.text("UPDATE models SET status = 'champion', promoted_by = 'li'"))


def test_promote_swaps_champion_and_audits(engine, models_dir, estimator, card):
    _register(engine, models_dir, estimator, card, name="m1", promote=True)
    _register(engine, models_dir, estimator, card, name="m2")
    with transaction(engine) as s:
        promote_model(s, "m2", actor="wang")
    with read_session(engine) as s:
        assert get_model(s, "m1").status is ModelStatus.CHALLENGER
        assert get_model(s, "champion").id == "m2"
        assert get_model(s, "m2").promoted_at is not None
        m1, m2 = (list_audit(s, object_type="model", object_id=i)[0] for i in ("m1", "m2"))
    assert (m1.action, m1.actor, m1.before["status"], m1.after["status"]) == (
        "model.challenger", "wang", "champion", "challenger",
    )  # fmt: skip
    assert (m2.action, m2.before["status"], m2.after["status"], m2.after["promoted_by"]) == (
        "model.champion", "candidate", "champion", "wang",
    )  # fmt: skip
    with transaction(engine) as s:  # promoting the champion changes nothing
        promote_model(s, "m2", actor="wang")
    with read_session(engine) as s:
        assert len(list_audit(s, object_type="model")) == 5


def test_retire(engine, models_dir, estimator, card):
    _register(engine, models_dir, estimator, card, name="m1", promote=True)
    _register(engine, models_dir, estimator, card, name="m2")
    with pytest.raises(UserError, match="m1 is the champion") as info, transaction(engine) as s:
        retire_model(s, "m1")
    assert "冠军模型" in info.value.zh
    with transaction(engine) as s:
        assert retire_model(s, "m2", actor="wang").status is ModelStatus.RETIRED
    with transaction(engine) as s:  # a retired model may come back as champion
        promote_model(s, "m2", actor="wang")
    with read_session(engine) as s:
        assert get_model(s, "champion").id == "m2"


# refusals ---------------------------------------------------------------------------------


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_tampered_file_is_refused_before_unpickling(
    engine, models_dir, estimator, card, monkeypatch
):
    record = _register(engine, models_dir, estimator, card, name="m1")
    _flip_one_byte(models_dir / record.file)

    def never(*args, **kwargs):
        pytest.fail("pickle.loads was called on a file whose SHA-256 does not match")

    monkeypatch.setattr(pickle, "loads", never)
    with pytest.raises(StoreError, match="has been changed") as info, read_session(engine) as s:
        load_model(s, models_dir, "m1")
    path = str(models_dir / record.file)
    assert path in info.value.en and f"expected {record.sha256}" in info.value.en
    assert path in info.value.zh and "拒绝加载" in info.value.zh and record.sha256 in info.value.zh


def test_missing_file_is_a_clear_error(engine, models_dir, estimator, card):
    record = _register(engine, models_dir, estimator, card, name="m1", promote=True)
    (models_dir / record.file).unlink()
    with (
        pytest.raises(StoreError, match=r"cannot read model file .*m1\.pkl") as info,
        read_session(engine) as s,
    ):
        load_model(s, models_dir)
    assert "无法读取模型文件" in info.value.zh


def test_no_champion_and_unknown_id(engine, models_dir):
    with read_session(engine) as s:
        with pytest.raises(UserError, match="no champion model; train one with `finseg train`"):
            load_model(s, models_dir)
        with pytest.raises(UserError, match="no model with id 'nope'"):
            get_model(s, "nope")


def test_duplicate_name_keeps_the_existing_file(engine, models_dir, estimator, card):
    record = _register(engine, models_dir, estimator, card, name="m1")
    before = (models_dir / record.file).read_bytes()
    with pytest.raises(UserError, match="a model named 'm1' already exists") as info:
        _register(engine, models_dir, {"other": 1}, card, name="m1")
    assert "已存在" in info.value.zh
    assert (models_dir / record.file).read_bytes() == before


@pytest.mark.parametrize("name", ["champion", "../evil", "", "a" * 65, "a b"])
def test_invalid_names_are_refused(engine, models_dir, card, name):
    with pytest.raises(UserError, match="is invalid"):
        _register(engine, models_dir, {"x": 1}, card, name=name)
    assert not models_dir.exists() or list(models_dir.iterdir()) == []


def test_failed_insert_leaves_no_file(engine, models_dir, card, monkeypatch):
    import finseg.store._registry as registry

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(registry, "audit", broken)
    with pytest.raises(sa.exc.OperationalError):
        _register(engine, models_dir, {"x": 1}, card, name="m1")
    assert not models_dir.exists() or list(models_dir.iterdir()) == []
    with read_session(engine) as s:
        assert list_models(s) == []


# at most one champion ---------------------------------------------------------------------


def test_at_most_one_champion(engine, models_dir, card):
    for i in range(4):
        _register(engine, models_dir, {"i": i}, card, name=f"m{i}")
    for ref in ("m2", "m3", "m0", "m3"):
        with transaction(engine) as s:
            promote_model(s, ref, actor="wang")
    with read_session(engine) as s:
        assert [m.id for m in list_models(s, status="champion")] == ["m3"]


def test_database_refuses_a_second_champion(engine, models_dir, card):
    _register(engine, models_dir, {"i": 1}, card, name="m1", promote=True)
    _register(engine, models_dir, {"i": 2}, card, name="m2")
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE models SET status = 'champion' WHERE id = 'm2'"))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE models SET status = 'boss' WHERE id = 'm2'"))


# migrations -------------------------------------------------------------------------------


def test_upgrade_from_0001_keeps_data_and_registry_works(db_url, models_dir, estimator, card):
    engine = make_engine(db_url)
    assert upgrade(engine, "0001") == "0001"
    assert "models" not in sa.inspect(engine).get_table_names()
    with engine.begin() as conn:  # as finseg 0001 wrote them: no hash chain yet
        conn.execute(
            sa.text(
                "INSERT INTO users (name, role, created_at, active) "
                "VALUES ('li', 'approver', :at, true)"
            ),
            {"at": utcnow()},
        )
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (at, actor, action, object_type, object_id) "
                "VALUES (:at, 'system', 'user.add', 'user', 'li')"
            ),
            {"at": utcnow()},
        )
    assert upgrade(engine) == head_revision() == current_revision(engine)
    with read_session(engine) as s:  # the rows already there are chained at the upgrade
        assert verify_chain(s).ok and verify_chain(s).rows == 2
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
    with read_session(engine) as s:
        assert [u.name for u in list_users(s)] == ["li"]
    record = _register(engine, models_dir, estimator, card, name="m1", promote=True)
    with read_session(engine) as s:
        loaded, _ = load_model(s, models_dir)
        assert s.get(ModelRecord, "m1").sha256 == record.sha256
    assert pickle.dumps(loaded, protocol=5) == pickle.dumps(estimator, protocol=5)
    engine.dispose()
