"""Outbound delivery: events replayed to legacy systems, in order, with durable retries.

Import the parts from their modules; this package file stays empty so `config` can use it.
"""
