/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - UDP transport
 */

#ifndef _NET_OVPN_DCO_UDP_H_
#define _NET_OVPN_DCO_UDP_H_

#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/udp_tunnel.h>

struct netlink_ext_ack;
struct ovpn_peer;
struct ovpn_socket;
struct sk_buff;
struct sock;
struct socket;

/* headroom for the outer headers of a packet built by the driver */
#define OVPN_UDP_HEADROOM	ALIGN(LL_MAX_HEADER + sizeof(struct ipv6hdr) + \
				      sizeof(struct udphdr), 16)

int ovpn_udp_socket_attach(struct socket *sock, struct ovpn_socket *osock,
			   struct netlink_ext_ack *extack);
void ovpn_udp_socket_detach(struct ovpn_socket *osock);
struct ovpn_socket *ovpn_udp_socket_lookup(struct sock *sk);
int ovpn_udp_send_skb(struct ovpn_peer *peer, struct sk_buff *skb);

#endif /* _NET_OVPN_DCO_UDP_H_ */
