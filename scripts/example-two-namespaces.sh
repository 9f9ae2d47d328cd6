#!/bin/bash
# A tunnel between two network namespaces, configured from the shell with
# ovpn-dco-harness (the module must be loaded). Run as root; it cleans up
# after itself. The README shows these commands.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH=$REPO/.venv/bin:$PATH
cleanup() { ip netns del A 2>/dev/null || true; ip netns del B 2>/dev/null || true; }
trap cleanup EXIT
cleanup

# the underlay: two namespaces and a veth between them
ip netns add A
ip netns add B
ip link add va netns A type veth peer name vb netns B
ip -n A addr add 192.0.2.1/24 dev va && ip -n A link set va up
ip -n B addr add 192.0.2.2/24 dev vb && ip -n B link set vb up

# one ovpn-dco device per side, a peer on a UDP socket, keys, addresses
K1=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')   # A -> B
K2=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')   # B -> A
ip -n A link add ovpn0 type ovpn-dco
ip -n B link add ovpn0 type ovpn-dco
ip netns exec A ovpn-dco-harness peer add ovpn0 --id 1 --local 192.0.2.1:1194 --remote 192.0.2.2:1194 --keepalive 10 60 --daemon
ip netns exec B ovpn-dco-harness peer add ovpn0 --id 1 --local 192.0.2.2:1194 --remote 192.0.2.1:1194 --keepalive 10 60 --daemon
ip netns exec A ovpn-dco-harness key add ovpn0 --peer 1 --cipher aes-256-gcm --tx-key "$K1" --tx-nonce 0102030405060708 --rx-key "$K2" --rx-nonce 1112131415161718
ip netns exec B ovpn-dco-harness key add ovpn0 --peer 1 --cipher aes-256-gcm --tx-key "$K2" --tx-nonce 1112131415161718 --rx-key "$K1" --rx-nonce 0102030405060708
ip -n A addr add 10.99.0.1/24 dev ovpn0 && ip -n A link set ovpn0 up
ip -n B addr add 10.99.0.2/24 dev ovpn0 && ip -n B link set ovpn0 up

ip netns exec A ping -c 3 -i 0.2 -w 30 10.99.0.2   # 3 replies, within 30 s
ip netns exec A ovpn-dco-harness peer show ovpn0
# deleting the peer also ends the process that held its socket
ip netns exec A ovpn-dco-harness peer del ovpn0 --peer 1
ip netns exec B ovpn-dco-harness peer del ovpn0 --peer 1
