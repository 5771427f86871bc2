"""The HTTP entry point: FastAPI routes over the core services."""

from gateway.api.app import create_app

__all__ = ["create_app"]
