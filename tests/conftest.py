"""Shared test configuration: the pyharness plugin does the host/guest split."""
