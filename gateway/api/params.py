"""Numbers a route passes to the database: no larger than a BIGINT column holds.

A larger one (`/imports/99999999999999999999`) is a 422 naming the field, not a driver error.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id")]
StoredNumber = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
# A business day the calendar arithmetic can handle (day 0001-01-01 minus a day overflows)
BusinessDay = Annotated[
    date, Path(ge=date(1970, 1, 1), le=date(9998, 12, 31), description="A business day")
]
