"""The general ledger (GL): every money movement on an account, posted over REST, and GL's
end-of-day balances file, compared with what was sent.

`config.yaml` names `adapters.gl:LedgerDestination` for the destination `gl` and
`adapters.gl:balances_file` for the reconciliation source `gl-balances`.
"""

from adapters.gl.balances import GlBalancesFile, balances_file
from adapters.gl.postings import LedgerDestination, translate_posting

__all__ = ["GlBalancesFile", "LedgerDestination", "balances_file", "translate_posting"]
