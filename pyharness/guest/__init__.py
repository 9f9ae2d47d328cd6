"""Plumbing inside the guest: network namespaces, loading the module, static keys, scaled deadlines."""
