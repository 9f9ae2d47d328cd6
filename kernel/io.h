/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - data path: receive (io.c) and
 * transmit (tx.c)
 */

#ifndef _NET_OVPN_DCO_IO_H_
#define _NET_OVPN_DCO_IO_H_

#include <linux/netdevice.h>

#include "stats.h"

struct ovpn_peer;
struct ovpn_struct;
struct sk_buff;

/* first byte of an OpenVPN packet: opcode (5 bits), key id (3 bits) */
#define OVPN_OPCODE_SHIFT	3
#define OVPN_KEY_ID_MASK	0x07
/* the only data channel opcode ovpn-dco handles */
#define OVPN_OP_DATA_V2		9

int ovpn_rx_init(struct ovpn_struct *ovpn);
void ovpn_recv(struct ovpn_peer *peer, struct sk_buff *skb);

int ovpn_tx_init(struct ovpn_struct *ovpn);
netdev_tx_t ovpn_net_xmit(struct sk_buff *skb, struct net_device *dev);
int ovpn_send_transport(struct ovpn_peer *peer, struct sk_buff *skb);
void ovpn_send(struct ovpn_peer *peer, struct sk_buff *skb, bool keepalive);

/* the keepalive ping: the whole plaintext of a DATA_V2 packet */
#define OVPN_KEEPALIVE_SIZE	16
extern const u8 ovpn_keepalive_message[OVPN_KEEPALIVE_SIZE];

#endif /* _NET_OVPN_DCO_IO_H_ */
