"""The errors Muster reports to people, mapped once to HTTP problem+json and CLI exit codes.

    MusterError            a precise message and a hint at the fix; never a crash
    ├── InvalidInput       422: a value that cannot be right (bad time, unknown severity...)
    ├── NotFound           404: the thing named does not exist (INC-99, an unknown task)
    ├── Conflict           409: the request is fine but the incident's state forbids it now
    ├── Unauthorized       401: no token, or an unknown or revoked one
    └── Forbidden          403: the token is valid but this person may not do this

Every one of them leaves the database unchanged: actions raise before they commit.
"""

from __future__ import annotations


class MusterError(Exception):
    """A problem a person can fix: `message` says what is wrong, `hint` how to fix it."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, hint: str = "", field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field

    def __str__(self) -> str:
        return self.message


class InvalidInput(MusterError):
    status = 422
    title = "Invalid input"


class NotFound(MusterError):
    status = 404
    title = "Not found"


class Conflict(MusterError):
    status = 409
    title = "Conflict"


class Unauthorized(MusterError):
    status = 401
    title = "Unauthorized"


class Forbidden(MusterError):
    status = 403
    title = "Forbidden"
