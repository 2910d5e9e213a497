"""The one reading of an update_mask: which fields an update changes."""

from __future__ import annotations

from collections.abc import Mapping

from packyard.errors import InvalidArgument


def mask_paths(
    text: str | None,
    *,
    allowed: Mapping[str, str] | None = None,
    required: str | None = None,
    fold: bool = False,
) -> tuple[str, ...]:
    """The paths a comma-separated update_mask names, each trimmed, in order, once each.

    With `fold`, a path is compared without underscores and in lower case (the 2021 plane's
    `iteration_id` and `iterationId` alike). With `allowed` (each path the field it names),
    an unknown path is refused and each is given as its field. With `required`, a request
    without a mask is refused with that message.
    """
    paths = [path.strip() for path in (text or "").split(",") if path.strip()]
    if fold:
        paths = [path.replace("_", "").lower() for path in paths]
    if not paths and required is not None:
        raise InvalidArgument(required)
    if allowed is not None:
        unknown = sorted(set(paths) - allowed.keys())
        if unknown:
            raise InvalidArgument(f"unknown update_mask paths: {', '.join(unknown)}")
        paths = [allowed[path] for path in paths]
    return tuple(dict.fromkeys(paths))
