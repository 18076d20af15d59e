"""Domain errors. Each carries a message a parent or staff member can read as it is."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: the operation was refused and nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The record does not exist, or the actor may not see it (the two answer alike)."""

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"That {what} was not found.")


class AccessDenied(DomainError):
    """The actor is known but their role may not do this (e.g. a guardian on a staff page)."""

    def __init__(self, message: str = "You do not have access to this.") -> None:
        super().__init__(message)


class ValidationError(DomainError):
    """Input was refused; the message says what to fix."""


class FeatureDisabled(DomainError):
    """A portal setting switches this feature off."""


class AuthenticationError(DomainError):
    """Sign-in failed, or the session is no longer valid."""


class ReauthenticationRequired(DomainError):
    """A sensitive change needs a recent sign-in: the page asks for the password again."""

    def __init__(
        self, message: str = "Please enter your password again to make this change."
    ) -> None:
        super().__init__(message)


BUSY = "Cartwheel is busy right now, so nothing was changed. Please try again in a moment."


class Busy(ValidationError):
    """The database was too busy to take the change in time; nothing was changed."""

    def __init__(self, message: str = BUSY) -> None:
        super().__init__(message)
