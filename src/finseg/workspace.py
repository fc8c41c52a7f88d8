"""A finseg workspace: a directory with ``finseg.toml``, ``policy.yaml``, ``runs/``, ``models/``
and (by default) the SQLite database ``finseg.db``.

Every command that takes ``--workspace`` calls :func:`open_workspace` with it (default: the
current directory), which says clearly when the directory is not a workspace.

>>> import tempfile
>>> ws = init_workspace(Path(tempfile.mkdtemp()) / "bank", language="en")
>>> sorted(p.name for p in ws.root.iterdir() if "-" not in p.name)  # no WAL side files
['finseg.db', 'finseg.toml', 'models', 'policy.yaml', 'runs']
>>> open_workspace(ws.root).settings.language.value
'en'
>>> ws.close()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import tomli_w
from sqlalchemy.engine import Engine, make_url

from finseg._policy import Policy, load_policy
from finseg._vocab import Language
from finseg.config import DEFAULTS_DIR, SETTINGS_FILE, Settings, load_settings
from finseg.exceptions import WorkspaceError
from finseg.store import bootstrap_policy, make_engine, transaction, upgrade

__all__ = ["Workspace", "init_workspace", "open_workspace"]


@dataclass
class Workspace:
    """An opened workspace: its root, its settings (paths absolute) and a lazy engine.

    Examples
    --------
    >>> import tempfile
    >>> ws = init_workspace(Path(tempfile.mkdtemp()))
    >>> ws.engine().dialect.name
    'sqlite'
    >>> ws.close()
    """

    root: Path
    settings: Settings
    _engine: Engine | None = field(default=None, init=False, repr=False)

    @property
    def settings_file(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def policy_file(self) -> Path:
        return self.settings.policy_file

    @property
    def runs_dir(self) -> Path:
        return self.settings.runs_dir

    @property
    def models_dir(self) -> Path:
        return self.settings.models_dir

    @property
    def database_url(self) -> str:
        return self.settings.database_url

    def engine(self) -> Engine:
        """The database engine, created on first use and then reused."""
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    def policy(self) -> Policy:
        """The workspace policy, validated (raises :class:`~finseg.exceptions.PolicyError`)."""
        return load_policy(self.policy_file)

    def close(self) -> None:
        """Release database connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _not_a_workspace(root: Path, why_en: str, why_zh: str) -> WorkspaceError:
    return WorkspaceError(
        f"{root} is not a finseg workspace ({why_en}); run `finseg init DIR` to create one, "
        "or pass --workspace DIR",
        f"{root} 不是 finseg 工作区（{why_zh}）；请先运行 `finseg init DIR` 创建，"
        "或用 --workspace DIR 指定工作区",
    )


def open_workspace(directory: Path | str = ".") -> Workspace:
    """Open the workspace at ``directory`` (default: the current directory).

    Raises
    ------
    WorkspaceError
        The directory does not exist or has no ``finseg.toml``.
    PolicyError
        ``finseg.toml`` is invalid.
    """
    root = Path(directory).expanduser().resolve()
    if not root.is_dir():
        raise _not_a_workspace(root, "no such directory", "目录不存在")
    if not (root / SETTINGS_FILE).is_file():
        raise _not_a_workspace(root, f"no {SETTINGS_FILE}", f"缺少 {SETTINGS_FILE}")
    return Workspace(root=root, settings=load_settings(root))


def _toml_value(value: str) -> str:
    """``value`` as a TOML string literal (quoted and escaped)."""
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def _language(language: Language | str) -> Language:
    try:
        return Language(language)
    except ValueError:
        raise WorkspaceError(
            f"unknown language {language!r}; use zh or en",
            f"未知的语言 {language!r}；请使用 zh 或 en",
        ) from None


def _write_templates(root: Path, database_url: str | None, language: Language) -> None:
    template = Template((DEFAULTS_DIR / SETTINGS_FILE).read_text(encoding="utf-8"))
    text = template.substitute(
        database_url=_toml_value(database_url or Settings().database_url),
        language=_toml_value(language.value),
    )
    (root / SETTINGS_FILE).write_text(text, encoding="utf-8")
    policy = (DEFAULTS_DIR / "policy.yaml").read_text(encoding="utf-8")
    (root / "policy.yaml").write_text(policy, encoding="utf-8")


def _sqlite_parent(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def init_workspace(
    directory: Path | str,
    *,
    database_url: str | None = None,
    language: Language | str = "zh",
    force: bool = False,
    activate_policy: bool = True,
) -> Workspace:
    """Create a workspace: settings, default policy, ``runs/``, ``models/`` and the database.

    Parameters
    ----------
    directory
        Created if missing.
    database_url
        Written to ``finseg.toml``; default: SQLite ``finseg.db`` in the workspace.
    language
        ``"zh"`` or ``"en"``.
    force
        Overwrite ``finseg.toml`` and ``policy.yaml`` of an existing workspace (runs, models
        and the database are kept; the database is migrated).
    activate_policy
        Activate the shipped ``policy.yaml`` as the first policy version (audited as
        ``system``) when none is active.  ``finseg init --admin`` passes ``False`` and lets
        the first admin activate it (:func:`finseg.services.create_workspace`).

    Raises
    ------
    WorkspaceError
        The directory already is a workspace (without ``force``), or cannot be written.
    StoreError
        The database cannot be created or migrated.
    """
    root = Path(directory).expanduser().resolve()
    lang = _language(language)
    if (root / SETTINGS_FILE).exists() and not force:
        raise WorkspaceError(
            f"{root} is already a finseg workspace; use --force to overwrite its "
            f"{SETTINGS_FILE} and policy.yaml",
            f"{root} 已经是 finseg 工作区；如需覆盖其 {SETTINGS_FILE} 与 policy.yaml，请加 --force",
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        _write_templates(root, database_url, lang)
        workspace = open_workspace(root)
        workspace.runs_dir.mkdir(parents=True, exist_ok=True)
        workspace.models_dir.mkdir(parents=True, exist_ok=True)
        _sqlite_parent(workspace.database_url)
    except OSError as exc:
        raise WorkspaceError(
            f"cannot create a workspace in {root}: {exc}", f"无法在 {root} 创建工作区：{exc}"
        ) from exc
    upgrade(workspace.engine())
    if activate_policy:
        with transaction(workspace.engine()) as s:
            text = workspace.policy_file.read_text(encoding="utf-8")
            bootstrap_policy(s, text, name=workspace.policy().name.en)
    return workspace
