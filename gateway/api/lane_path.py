"""The path a lane (`feed_lane.py`, `webhook_lane.py`) reads a request by, before routing."""

from __future__ import annotations

from starlette.types import Scope


def lane_path(scope: Scope, method: str) -> str | None:
    """The request's path under the app's root, for an HTTP `method` call; None otherwise."""
    if scope["type"] != "http" or scope["method"] != method:
        return None
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root + "/"):  # as Starlette's routing reads a mounted path
        path = path[len(root) :]
    return path
