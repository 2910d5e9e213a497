"""Domain errors. Each carries the gRPC status code the wire planes report; no HTTP here."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of every error a use case may raise on purpose."""

    code: int = 13

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(RegistryError):
    code = 3


class NotFound(RegistryError):
    code = 5


class AlreadyExists(RegistryError):
    code = 6


class PermissionDenied(RegistryError):
    code = 7


class FailedPrecondition(RegistryError):
    code = 9


class Aborted(RegistryError):
    code = 10


class Unimplemented(RegistryError):
    code = 12


class Unavailable(RegistryError):
    code = 14


class Unauthenticated(RegistryError):
    code = 16
