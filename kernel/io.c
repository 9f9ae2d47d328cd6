// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - data path
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "io.h"

/**
 * ovpn_net_xmit - transmit a packet through an ovpn-dco device
 * @skb: the packet (IPv4 or IPv6, no link-layer header)
 * @dev: the ovpn-dco device
 *
 * No peer can exist yet, so every packet is dropped and counted in the
 * device's tx_dropped. When peers arrive, this is where GSO packets get
 * segmented and each segment is encrypted and sent to its peer; with
 * NETIF_F_HW_CSUM set, CHECKSUM_PARTIAL must be resolved before encryption.
 *
 * Context: called by the core with bottom halves disabled; lockless (lltx).
 * Return: always NETDEV_TX_OK, the packet is consumed.
 */
netdev_tx_t ovpn_net_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_core_stats_tx_dropped_inc(dev);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}
