"""The general ledger (GL): every money movement on an account, posted over REST.

`config.yaml` names `adapters.gl:LedgerDestination` for the destination `gl`.
"""

from adapters.gl.postings import LedgerDestination, translate_posting

__all__ = ["LedgerDestination", "translate_posting"]
