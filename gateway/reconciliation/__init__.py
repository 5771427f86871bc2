"""Reconciliation: a legacy system's balances file compared with what it was sent."""
