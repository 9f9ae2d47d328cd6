/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - per-device state
 */

#ifndef _NET_OVPN_DCO_OVPNSTRUCT_H_
#define _NET_OVPN_DCO_OVPNSTRUCT_H_

#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/gro_cells.h>

struct net_device;
struct ovpn_dev_stats;
struct ovpn_nl_listener;
struct ovpn_peer;

/**
 * struct ovpn_struct - private data of an ovpn-dco device (netdev_priv())
 * @dev: the device
 * @mode: OVPN_MODE_P2P or OVPN_MODE_MP (IFLA_OVPN_MODE), fixed at creation
 * @lock: protects @peer, @dying, the deleted flag and the keepalive
 *	settings of every peer; taken with bottom halves disabled
 * @dying: set once the device is going away: no peer may be added and the
 *	keepalive work is not queued any more
 * @peer: P2P mode: the one peer (RCU; writers hold @lock)
 * @gro_cells: RX delivery to the stack, with GRO
 * @stats: per-CPU reason counters (stats.h)
 * @keepalive_work: sends keepalive pings and expires silent peers
 * @listener: "ovpn-dco" family: where control packets go (netlink_peer.c);
 *	NULL: up the transport socket
 *
 * Lock order: RTNL, then the global socket mutex (socket.c), then @lock,
 * then a peer's lock. @lock is never held across a sleep.
 */
struct ovpn_struct {
	struct net_device *dev;
	u8 mode;
	spinlock_t lock; /* @peer, @dying, peers: deleted, keepalive */
	bool dying;
	struct ovpn_peer __rcu *peer;
	struct gro_cells gro_cells;
	struct ovpn_dev_stats __percpu *stats;
	struct delayed_work keepalive_work;
	struct ovpn_nl_listener __rcu *listener;
};

#endif /* _NET_OVPN_DCO_OVPNSTRUCT_H_ */
