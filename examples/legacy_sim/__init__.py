"""Simulated legacy GL and CRM for `make run` users and for end-to-end tests.

They misbehave on command (503s, timeouts, dropped connections, 429s, outages) over HTTP.
"""
