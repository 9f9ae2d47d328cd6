/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - data path
 */

#ifndef _NET_OVPN_DCO_IO_H_
#define _NET_OVPN_DCO_IO_H_

#include <linux/netdevice.h>

netdev_tx_t ovpn_net_xmit(struct sk_buff *skb, struct net_device *dev);

#endif /* _NET_OVPN_DCO_IO_H_ */
