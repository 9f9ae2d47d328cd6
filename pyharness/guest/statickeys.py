"""Hold on, for a whole guest session, the networking static keys that tests flip.

Under qemu TCG with two vCPUs, one vCPU can run a stale translation of kernel text that
the other is patching: a static key's jump sites are rewritten through a temporary int3,
and a CPU that still hits that int3 once the patch is done dies with "Oops: int3". In CI
unstable's 7.2.13 died so, in netif_receive_skb_list_internal under gro_cell_poll, while the
tests' pings (SO_TIMESTAMP) and short-lived UDP encapsulation sockets kept turning
netstamp_needed_key and udp(v6)_encap_needed_key on and off. While a key is held, turning
it on again only counts: no code is patched. The keys held here are the ones every test
flips; keys flipped rarely are not covered.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

# <asm-generic/socket.h> (x86): SO_TIMESTAMP_OLD, which Python's socket module lacks
SO_TIMESTAMP = 29
# <linux/udp.h>
UDP_ENCAP = 100
UDP_ENCAP_L2TPINUDP = 3  # encapsulation without a receive hook: the socket stays a plain one


@contextmanager
def held() -> Iterator[list[socket.socket]]:
    """Sockets that keep netstamp_needed_key and udp_encap_needed_key/udpv6_encap_needed_key on."""
    with ExitStack() as stack:
        stamp = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        stamp.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
        # an IPv6 socket turns on the IPv4 key as well
        encap = stack.enter_context(socket.socket(socket.AF_INET6, socket.SOCK_DGRAM))
        encap.setsockopt(socket.IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_L2TPINUDP)
        yield [stamp, encap]
