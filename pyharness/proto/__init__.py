"""What ovpn-dco speaks, as data: the netlink families' numbers and the DATA_V2 packet codec.

No I/O: ``consts`` mirrors uapi/linux/ovpn_dco*.h, ``wire`` encrypts and decrypts DATA_V2
packets independently of the kernel.
"""
