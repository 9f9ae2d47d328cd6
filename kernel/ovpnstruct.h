/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - per-device state
 */

#ifndef _NET_OVPN_DCO_OVPNSTRUCT_H_
#define _NET_OVPN_DCO_OVPNSTRUCT_H_

#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "pipe.h"

struct net_device;
struct ovpn_dev_stats;
struct ovpn_nl_listener;
struct ovpn_peer;

/**
 * struct ovpn_peer_table - the peers of an MP device, found four ways
 * @by_id: by peer id, an xarray: ordered, so that a dump or a scan resumes
 *	at the next id; a few bytes a peer for the dense ids OpenVPN gives
 * @by_vpn4: by VPN IPv4 address (peers that have one)
 * @by_vpn6: by VPN IPv6 address (peers that have one)
 * @by_transp: by remote transport address (peers with a struct
 *	ovpn_bind); a list table, as two peers may share a remote
 *
 * The three hash tables are rhashtables: they grow and shrink with the
 * number of peers (a few buckets for one, ~128k for 100,000 peers), so a
 * lookup costs the same at any size. Readers use RCU; writers hold
 * ovpn_struct.lock. Allocated for MP devices only.
 */
struct ovpn_peer_table {
	struct xarray by_id;
	struct rhashtable by_vpn4;
	struct rhashtable by_vpn6;
	struct rhltable by_transp;
};

/**
 * struct ovpn_struct - private data of an ovpn-dco device (netdev_priv())
 * @dev: the device
 * @mode: OVPN_MODE_P2P or OVPN_MODE_MP (IFLA_OVPN_MODE), fixed at creation
 * @mssfix: largest outer packet a TCP MSS clamped by the device allows
 *	(mss.c); 0: no clamping. From the module parameter at creation,
 *	SET_DEV changes it (READ_ONCE/WRITE_ONCE)
 * @lock: protects @peer, @peers, @dying, the keepalive_* fields and, of
 *	every peer, the deleted flag, the keepalive settings and the
 *	endpoints; taken with bottom halves disabled
 * @dying: set once the device is going away: no peer may be added and the
 *	keepalive work is not queued any more
 * @keepalive_running: @keepalive_work is scanning the peers
 * @keepalive_armed: @keepalive_at is set: when @keepalive_work is queued
 *	to run or, while it is running, the earliest deadline SET_PEER set
 *	meanwhile (which the running work will honour)
 * @keepalive_at: jiffies, see @keepalive_armed
 * @peer: P2P mode: the one peer (RCU; writers hold @lock)
 * @peers: MP mode: the peer tables; NULL in P2P mode
 * @rx: the receive pipeline: decryption on every CPU, delivery in order
 *	(pipe.c, io.c)
 * @tx: the transmit pipeline: encryption on every CPU, sending in order
 *	(pipe.c, tx.c)
 * @stats: per-CPU reason counters (stats.h)
 * @keepalive_work: sends keepalive pings and expires silent peers, for
 *	every peer of the device
 * @listener: "ovpn-dco" family: where control packets go (netlink_packet.c);
 *	NULL: up the transport socket
 *
 * Lock order: RTNL, then the global socket mutex (socket.c), then @lock,
 * then the key lock of a peer (crypto.h). @lock is never held across a
 * sleep.
 */
struct ovpn_struct {
	struct net_device *dev;
	u8 mode;
	u16 mssfix;
	spinlock_t lock; /* @peer, @peers, @dying, @keepalive_*, peer fields */
	bool dying;
	bool keepalive_running;
	bool keepalive_armed;
	unsigned long keepalive_at;
	struct ovpn_peer __rcu *peer;
	struct ovpn_peer_table *peers;
	struct ovpn_pipe rx;
	struct ovpn_pipe tx;
	struct ovpn_dev_stats __percpu *stats;
	struct delayed_work keepalive_work;
	struct ovpn_nl_listener __rcu *listener;
};

#endif /* _NET_OVPN_DCO_OVPNSTRUCT_H_ */
