"""Small named errors.  Each carries a bilingual message that names what was wrong.

Errors a user can fix (bad file, bad option, bad policy) derive from :class:`UserError`; the
command line turns them into exit code 2 and never prints a traceback for them.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "FinsegError",
    "IngestError",
    "InsufficientDataError",
    "PermissionDeniedError",
    "PolicyError",
    "RunError",
    "StoreError",
    "UserError",
    "WorkspaceError",
]


class FinsegError(Exception):
    """Base of every error finseg raises on purpose."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh or en

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en

    def bilingual(self) -> str:
        """Both languages, Chinese first, as printed by the command line."""
        return self.en if self.zh == self.en else f"{self.zh}\n{self.en}"


class UserError(FinsegError):
    """Something the user can fix: input, option, configuration.  Exit code 2."""


class IngestError(UserError):
    """A file cannot be read or yields no usable rows."""


class PolicyError(UserError):
    """``policy.yaml`` or ``finseg.toml`` is invalid."""


class WorkspaceError(UserError):
    """A directory is not a finseg workspace, or cannot become one."""


class InsufficientDataError(UserError):
    """Too few rows (or defaults) to do what was asked."""


class RunError(FinsegError):
    """A pipeline run failed; the run is recorded as failed."""


class StoreError(FinsegError):
    """The database or run files are not in the state expected."""


class AuthenticationError(UserError):
    """No valid credential: not logged in, a wrong password, an expired or revoked token."""


class PermissionDeniedError(UserError):
    """The logged-in person's role does not allow the action, or maker-checker forbids it."""
