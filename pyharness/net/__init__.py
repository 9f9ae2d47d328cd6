"""Test networks in the guest: namespaces joined by veths, ovpn-dco devices on top, traffic across them."""
