"""What a people's command can fail with, and the exit code each one leaves."""

from __future__ import annotations

DONE, REFUSED, USAGE, NOT_FOUND, CONFLICT = 0, 1, 2, 3, 4

# The API's google.rpc codes: 3 InvalidArgument, 5 NotFound, 6 AlreadyExists,
# 9 FailedPrecondition, 10 Aborted, 11 OutOfRange; everything else is a refusal.
_EXIT_FOR_CODE = {3: USAGE, 11: USAGE, 5: NOT_FOUND, 6: CONFLICT, 9: CONFLICT, 10: CONFLICT}
_EXIT_FOR_STATUS = {400: USAGE, 404: NOT_FOUND, 409: CONFLICT}


class CommandError(Exception):
    """A clear message for the person, and the exit code for scripts."""

    exit_code = REFUSED


class Refused(CommandError):
    exit_code = REFUSED


class Usage(CommandError):
    exit_code = USAGE


class NotFound(CommandError):
    exit_code = NOT_FOUND


class Conflict(CommandError):
    exit_code = CONFLICT


class ApiError(CommandError):
    """An error answer from the server, in the API's {code, message, details} shape."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        if code is not None and code in _EXIT_FOR_CODE:
            self.exit_code = _EXIT_FOR_CODE[code]
        else:
            self.exit_code = _EXIT_FOR_STATUS.get(status, REFUSED)
