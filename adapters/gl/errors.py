"""What can go wrong rendering a posting for GL, and which of it is worth retrying."""

from __future__ import annotations

from gateway.errors import TranslationFailed


class PostingNotTranslatable(TranslationFailed):
    """The event has no GL posting (unknown kind, corrupt event): dead-lettered."""


TRANSIENT_ERRORS: tuple[type[Exception], ...] = ()
"""Translation is pure arithmetic on the event: none of its errors goes away by waiting."""
