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
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "crypto.h"
#include "dst.h"
#include "notify.h"
#include "proto.h"
#include "stats.h"

struct ovpn_socket;
struct ovpn_struct;
struct sk_buff;

/* peers claimed or collected at a time by a scan of the tables */
#define OVPN_PEER_BATCH		32
/* the cursor of a scan by peer id (ovpn_peer_next()) past the last id */
#define OVPN_PEER_ID_END	(OVPN_PEER_ID_MAX + 1UL)

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
 * @id: the peer id (24 bits): the id the peer's packets carry to us
 * @refcount: references; the peer table holds one until deletion
 * @ovpn: the device
 * @tx_id: the id our DATA_V2 packets carry to the peer (24 bits): @id
 *	unless the "ovpn" family's tx-id says otherwise (READ_ONCE/WRITE_ONCE)
 * @hash_vpn4: MP: in the table by VPN IPv4 address, if @has_ipv4
 * @hash_vpn6: MP: in the table by VPN IPv6 address, if @has_ipv6
 * @hash_transp: MP: in the table by transport address, if @in_transp;
 *	taken out and put back under its new address when the peer floats
 * @sock: the transport socket; NULL once the peer is deleted (RCU)
 * @bind: the transport endpoints (RCU; writers hold ovpn->lock)
 * @dst_cache: the route to @bind's remote (dst.h: one slot, not per CPU)
 * @crypto: the key slots (crypto.h)
 * @vpn_ipv4: the peer's VPN IPv4 address (NEW_PEER's IPV4), if @has_ipv4
 * @vpn_ipv6: the peer's VPN IPv6 address (NEW_PEER's IPV6), if @has_ipv6
 * @keepalive_interval: send a ping after this many seconds without TX;
 *	0: never (written under ovpn->lock, read with READ_ONCE())
 * @keepalive_timeout: delete the peer after this many seconds without
 *	authenticated RX; 0: never (like @keepalive_interval)
 * @has_ipv4: @vpn_ipv4 is set
 * @has_ipv6: @vpn_ipv6 is set
 * @in_transp: MP: in the table by transport address (under ovpn->lock)
 * @deleted: the delete path has claimed the peer (written under
 *	ovpn->lock)
 * @last_sent: jiffies of the last packet sent (READ_ONCE/WRITE_ONCE)
 * @last_recv: jiffies of the last authenticated packet received
 * @mss_outer: the transport, noted as the socket goes (mss.c), for the MSS
 *	clamp of packets delivered after that
 * @stats: VPN and LINK counters
 * @rcu: freeing, once the last reference is gone; shares the memory of
 *	@stats, which only holders of a reference touch
 * @dev_tracker: the reference on ovpn->dev
 *
 * @id, @vpn_ipv4, @vpn_ipv6, @has_ipv4 and @has_ipv6 never change once
 * the peer is published: lookups compare them under RCU alone.
 */
struct ovpn_peer {
	u32 id;
	u32 tx_id;
	struct kref refcount;
	struct ovpn_struct *ovpn;
	struct rhash_head hash_vpn4;
	struct rhash_head hash_vpn6;
	struct rhlist_head hash_transp;
	struct ovpn_socket __rcu *sock;
	struct ovpn_bind __rcu *bind;
	struct ovpn_dst_cache dst_cache;
	struct ovpn_crypto_state crypto;
	__be32 vpn_ipv4;
	struct in6_addr vpn_ipv6;
	u32 keepalive_interval;
	u32 keepalive_timeout;
	bool has_ipv4;
	bool has_ipv6;
	bool in_transp;
	bool deleted;
	unsigned long last_sent;
	unsigned long last_recv;
	u8 mss_outer;
	union {
		struct ovpn_peer_stats stats;
		struct rcu_head rcu;
	};
	netdevice_tracker dev_tracker;
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

/* lifetime and the delete path: peer.c */
int ovpn_peer_cache_init(void);
void ovpn_peer_cache_destroy(void);
struct ovpn_peer *ovpn_peer_new(struct ovpn_struct *ovpn, u32 id);
int ovpn_peer_add(struct ovpn_peer *peer, struct netlink_ext_ack *extack);
void ovpn_peer_abort(struct ovpn_peer *peer);
void ovpn_peer_put(struct ovpn_peer *peer);
int ovpn_peer_del(struct ovpn_peer *peer, enum ovpn_nl_reason reason);
void ovpn_peers_del_by_sock(struct ovpn_struct *ovpn, struct ovpn_socket *sock,
			    enum ovpn_nl_reason reason);
void ovpn_peers_teardown(struct ovpn_struct *ovpn);

/* the MP tables, lookups without a reference, scans: peer_table.c */
int ovpn_peers_init(struct ovpn_struct *ovpn);
void ovpn_peers_free(struct ovpn_struct *ovpn);
int ovpn_peer_hash(struct ovpn_peer *peer, struct netlink_ext_ack *extack);
void ovpn_peer_unhash(struct ovpn_peer *peer);
void ovpn_peer_rebind(struct ovpn_peer *peer, struct ovpn_bind *bind);
struct ovpn_peer *ovpn_peer_lookup_id(struct ovpn_struct *ovpn, u32 id);
struct ovpn_peer *ovpn_peer_lookup_vpn4(struct ovpn_struct *ovpn, __be32 addr);
struct ovpn_peer *ovpn_peer_lookup_vpn6(struct ovpn_struct *ovpn,
					const struct in6_addr *addr);
struct ovpn_peer *ovpn_peer_lookup_transp(struct ovpn_struct *ovpn,
					  struct sk_buff *skb);
struct ovpn_peer *ovpn_peer_next(struct ovpn_struct *ovpn, unsigned long *id);

/* lookups with a reference, both modes; float: peer_lookup.c */
struct ovpn_peer *ovpn_peer_get_by_id(struct ovpn_struct *ovpn, u32 peer_id);
struct ovpn_peer *ovpn_peer_get_rx(struct ovpn_struct *ovpn,
				   struct ovpn_socket *osock,
				   struct sk_buff *skb);
struct ovpn_peer *ovpn_peer_get_tx(struct ovpn_struct *ovpn,
				   struct sk_buff *skb);
struct ovpn_peer *ovpn_peer_get_by_transp_addr(struct ovpn_struct *ovpn,
					       struct sk_buff *skb);
struct ovpn_peer *ovpn_peer_dump_next(struct ovpn_struct *ovpn,
				      unsigned long *id);
void ovpn_peer_float(struct ovpn_peer *peer, struct sk_buff *skb);
void ovpn_peer_set_bind(struct ovpn_peer *peer, struct ovpn_bind *bind);

/* the reverse path check: peer_route.c */
bool ovpn_peer_check_by_src(struct ovpn_struct *ovpn, struct sk_buff *skb,
			    __be16 proto, struct ovpn_peer *peer);

#endif /* _NET_OVPN_DCO_PEER_H_ */
