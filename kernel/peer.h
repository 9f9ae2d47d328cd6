/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - peers
 */

#ifndef _NET_OVPN_DCO_PEER_H_
#define _NET_OVPN_DCO_PEER_H_

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <net/dst_cache.h>

#include "crypto.h"
#include "netlink.h"
#include "stats.h"

struct ovpn_socket;
struct ovpn_struct;
struct sk_buff;

/**
 * struct ovpn_bind - the transport endpoints of a peer
 * @remote: the peer's address and port; remote.sa.sa_family tells which
 * @remote.sa: the family
 * @remote.in4: AF_INET
 * @remote.in6: AF_INET6
 * @local: source address to use, of the family of @remote; all zeros:
 *	the socket's bound address, or what the route gives
 * @local.ipv4: AF_INET
 * @local.ipv6: AF_INET6
 * @has_local: @local was given (NEW_PEER's LOCAL_IP)
 * @rcu: freeing
 *
 * Replaced as a whole (RCU) when the peer floats; never changed in place.
 */
struct ovpn_bind {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} remote;
	union {
		struct in_addr ipv4;
		struct in6_addr ipv6;
	} local;
	bool has_local;
	struct rcu_head rcu;
};

/**
 * struct ovpn_peer - a peer of an ovpn-dco device
 * @id: the peer id (24 bits), in every DATA_V2 packet we send
 * @ovpn: the device
 * @crypto: the key slots (crypto.h)
 * @sock: the transport socket; NULL once the peer is deleted (RCU)
 * @bind: the transport endpoints (RCU; writers hold @lock)
 * @dst_cache: the route to @bind's remote
 * @vpn_ipv4: the peer's VPN IPv4 address (NEW_PEER's IPV4), if @has_ipv4
 * @vpn_ipv6: the peer's VPN IPv6 address (NEW_PEER's IPV6), if @has_ipv6
 * @has_ipv4: @vpn_ipv4 is set
 * @has_ipv6: @vpn_ipv6 is set
 * @lock: serializes updates of @bind (float)
 * @keepalive_interval: send a ping after this many seconds without TX;
 *	0: never (under ovpn->lock)
 * @keepalive_timeout: delete the peer after this many seconds without
 *	authenticated RX; 0: never (under ovpn->lock)
 * @last_sent: jiffies of the last packet sent (READ_ONCE/WRITE_ONCE)
 * @last_recv: jiffies of the last authenticated packet received
 * @stats: VPN and LINK counters
 * @deleted: the delete path has claimed the peer (under ovpn->lock)
 * @dev_tracker: the reference on ovpn->dev
 * @refcount: references; the peer table holds one until deletion
 * @rcu: freeing
 */
struct ovpn_peer {
	u32 id;
	struct ovpn_struct *ovpn;
	struct ovpn_crypto_state crypto;
	struct ovpn_socket __rcu *sock;
	struct ovpn_bind __rcu *bind;
	struct dst_cache dst_cache;
	__be32 vpn_ipv4;
	struct in6_addr vpn_ipv6;
	bool has_ipv4;
	bool has_ipv6;
	spinlock_t lock; /* writers of @bind */
	u32 keepalive_interval;
	u32 keepalive_timeout;
	unsigned long last_sent;
	unsigned long last_recv;
	struct ovpn_peer_stats stats;
	bool deleted;
	netdevice_tracker dev_tracker;
	struct kref refcount;
	struct rcu_head rcu;
};

/**
 * ovpn_peer_hold - take a reference on a peer found under RCU
 * @peer: the peer
 *
 * Return: false if the peer is already being freed.
 */
static inline bool ovpn_peer_hold(struct ovpn_peer *peer)
{
	return kref_get_unless_zero(&peer->refcount);
}

struct ovpn_peer *ovpn_peer_new(struct ovpn_struct *ovpn, u32 id);
int ovpn_peer_add(struct ovpn_peer *peer, struct netlink_ext_ack *extack);
void ovpn_peer_abort(struct ovpn_peer *peer);
void ovpn_peer_put(struct ovpn_peer *peer);
int ovpn_peer_del(struct ovpn_peer *peer, enum ovpn_nl_reason reason);
void ovpn_peers_del_by_sock(struct ovpn_struct *ovpn, struct ovpn_socket *sock,
			    enum ovpn_nl_reason reason);
void ovpn_peers_teardown(struct ovpn_struct *ovpn);

struct ovpn_peer *ovpn_peer_get_by_id(struct ovpn_struct *ovpn, u32 peer_id);
struct ovpn_peer *ovpn_peer_get_tx(struct ovpn_struct *ovpn,
				   struct sk_buff *skb);
struct ovpn_peer *ovpn_peer_get_by_transp_addr(struct ovpn_struct *ovpn,
					       struct sk_buff *skb);
struct ovpn_peer *ovpn_peer_get_by_index(struct ovpn_struct *ovpn,
					 unsigned long index);

void ovpn_peer_float(struct ovpn_peer *peer, struct sk_buff *skb);
void ovpn_peer_set_keepalive(struct ovpn_peer *peer, const u32 *interval,
			     const u32 *timeout);
void ovpn_keepalive_work(struct work_struct *work);

#endif /* _NET_OVPN_DCO_PEER_H_ */
