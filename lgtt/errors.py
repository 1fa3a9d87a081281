"""The one error type lgtt raises to its users."""

from __future__ import annotations


class LgttError(Exception):
    """A problem the user can fix: a message, what to do about it, and an exit code."""

    def __init__(self, message: str, hint: str = "", code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code

    def line(self) -> str:
        """One line for stderr: the problem, then what to do (multi-line causes folded)."""
        text = f"{self.message.rstrip('. ')}. {self.hint}" if self.hint else self.message
        return " ".join(text.split())


class NotFound(LgttError):
    """An unknown thread, ref or namespace."""


class UsageError(LgttError):
    """Bad arguments (exit code 2, like Typer's own usage errors)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, hint, code=2)
