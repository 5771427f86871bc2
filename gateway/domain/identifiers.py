"""The bank's identifiers as validated strings: customer and account numbers, posting refs.

Legacy padding is stripped by the adapters; the domain only refuses empty or oversized values.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

CustomerNo = Annotated[str, StringConstraints(min_length=1, max_length=32)]
AccountNo = Annotated[str, StringConstraints(min_length=1, max_length=34)]
PostingRef = Annotated[str, StringConstraints(min_length=1, max_length=36)]
"""The legacy transaction reference; at most 36 characters because GL takes no more."""
HoldId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
CardId = Annotated[str, StringConstraints(min_length=1, max_length=32)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2."""
