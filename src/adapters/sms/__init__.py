"""Sending SMS and MMS through a provider: the port (`port.py`) and its providers."""
