"""CRM tests run against the same served gateway as the webhook engine's tests."""

from __future__ import annotations

from tests.webhooks.conftest import client, gateway

__all__ = ["client", "gateway"]
