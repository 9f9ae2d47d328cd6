"""The real OpenVPN 2.6 program (/usr/sbin/openvpn): PKI, configurations, processes, and the demo."""
