/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - datagram trains (outer UDP GSO)
 */

#ifndef _NET_OVPN_DCO_TRAIN_H_
#define _NET_OVPN_DCO_TRAIN_H_

#include <linux/ip.h>
#include <linux/udp.h>
#include <net/ip.h>

struct sk_buff;
struct sk_buff_head;

/* at most this many datagrams in a train (UDP_MAX_SEGMENTS of 6.1) */
#define OVPN_TRAIN_MAX_SEGS	64
/* a train's UDP payload fits in one IPv4 datagram's 65535 bytes */
#define OVPN_TRAIN_MAX_BYTES	(IP_MAX_MTU - sizeof(struct iphdr) - \
				 sizeof(struct udphdr))

struct sk_buff *ovpn_train_take(struct sk_buff_head *ready,
				unsigned int *segs);

#endif /* _NET_OVPN_DCO_TRAIN_H_ */
