"""STMT, statement printing: the nightly fixed-width statement file (stmt.md).

`StatementFile` is the `stmt` export's format; `STMT_FILE` reads such a file back.
"""

from adapters.stmt.layout import STMT_DETAIL, STMT_FILE, STMT_HEADER, STMT_TRAILER
from adapters.stmt.statement import StatementFile, minor_units, statement_narrative

__all__ = [
    "STMT_DETAIL",
    "STMT_FILE",
    "STMT_HEADER",
    "STMT_TRAILER",
    "StatementFile",
    "minor_units",
    "statement_narrative",
]
