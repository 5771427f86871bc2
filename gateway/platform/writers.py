"""Who may write platform events as which CloudEvents `source`: a token's grant.

A token of `platform_events.tokens_env` with no writer entry may read, never write.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.platform.settings import PlatformEventsConfig


@dataclass(frozen=True, slots=True)
class SourceGrant:
    """The sources `writer` may write as: exact names, or prefixes ending in `*`."""

    writer: str
    patterns: tuple[str, ...]

    def allows(self, source: str) -> bool:
        return any(
            source.startswith(p[:-1]) if p.endswith("*") else source == p for p in self.patterns
        )


def env_tokens(variable: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """The comma-separated tokens in `variable` (several while one is rotated out)."""
    raw = (os.environ if environ is None else environ).get(variable, "")
    return [token.strip() for token in raw.split(",") if token.strip()]


def grant_for(
    token: str, config: PlatformEventsConfig, environ: Mapping[str, str] | None = None
) -> SourceGrant | None:
    """The token's grant (every writer entry holding it); None for a token not known at all."""
    patterns: list[str] = []
    names: list[str] = []
    for name, writer in config.writers.items():
        if _holds(env_tokens(writer.tokens_env, environ), token):
            names.append(name)
            patterns.extend(writer.sources)
    if not names and not _holds(env_tokens(config.tokens_env, environ), token):
        return None
    return SourceGrant(",".join(names) or "reader", tuple(patterns))


def known_tokens(config: PlatformEventsConfig, environ: Mapping[str, str] | None = None) -> bool:
    """Whether any platform token is configured at all."""
    variables = [config.tokens_env, *(w.tokens_env for w in config.writers.values())]
    return any(env_tokens(v, environ) for v in variables)


def _holds(tokens: list[str], given: str) -> bool:
    # Compared with every token, in constant time each: no early exit tells which one matched.
    matches = [hmac.compare_digest(given.encode(), t.encode()) for t in tokens]
    return any(matches)
