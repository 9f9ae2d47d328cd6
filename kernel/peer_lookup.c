// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - peer tables and lookups
 *
 * Tables. P2P mode: the one peer in ovpn->peer. MP mode: struct
 * ovpn_peer_table (ovpnstruct.h), four hash tables of 4096 buckets: by
 * peer id (RX of DATA_V2, netlink), by VPN IPv4 and by VPN IPv6 address
 * (TX, reverse path check) and by transport address (control packets;
 * rehashed when the peer floats). Readers use RCU, writers ovpn->lock.
 *
 * Here: the tables, every lookup (the ovpn_peer_get_*() ones return the
 * peer with a reference) and the float of a peer to a new remote address
 * (ovpn_peer_float()); the reverse path check of MP mode is in
 * peer_route.c. Adding and
 * deleting peers is peer.c's; peer.c calls ovpn_peer_hash() to publish a
 * peer, and this file calls back into peer.c only for ovpn_peer_put().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/net.h>
#include <linux/rculist.h>
#include <linux/rculist_nulls.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/ip6_fib.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/route.h>
#include <uapi/linux/ovpn_dco.h>

#include "compat.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "proto.h"
#include "stats.h"

static u32 ovpn_peer_hash_seed __read_mostly;

/**
 * ovpn_peers_init - set up the peer tables of a new device
 * @ovpn: the device, its mode already set
 *
 * MP mode only: allocates the tables and keeps the route of packets to
 * send, from which TX picks the peer. P2P mode needs neither.
 *
 * Context: process context (ndo_init).
 * Return: 0 or -ENOMEM.
 */
int ovpn_peers_init(struct ovpn_struct *ovpn)
{
	struct ovpn_peer_table *t;
	unsigned int i;

	if (ovpn->mode != OVPN_MODE_MP)
		return 0;

	t = kvzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	for (i = 0; i < OVPN_PEER_HASH_SIZE; i++)
		INIT_HLIST_NULLS_HEAD(&t->by_transp[i], i);
	net_get_random_once(&ovpn_peer_hash_seed, sizeof(ovpn_peer_hash_seed));

	ovpn->peers = t;
	netif_keep_dst(ovpn->dev);
	return 0;
}

/**
 * ovpn_peers_free - free the peer tables of a device
 * @ovpn: the device, without peers and without readers
 *
 * Context: process context (the device's destructor).
 */
void ovpn_peers_free(struct ovpn_struct *ovpn)
{
	kvfree(ovpn->peers);
	ovpn->peers = NULL;
}

static unsigned int ovpn_hash_id(u32 id)
{
	return hash_32(id, OVPN_PEER_HASH_BITS);
}

static unsigned int ovpn_hash_vpn4(__be32 addr)
{
	return jhash_1word((__force u32)addr, ovpn_peer_hash_seed) &
	       (OVPN_PEER_HASH_SIZE - 1);
}

static unsigned int ovpn_hash_vpn6(const struct in6_addr *addr)
{
	return jhash2(addr->s6_addr32, 4, ovpn_peer_hash_seed) &
	       (OVPN_PEER_HASH_SIZE - 1);
}

static unsigned int ovpn_hash_transp4(__be32 addr, __be16 port)
{
	return jhash_2words((__force u32)addr, (__force u32)port,
			    ovpn_peer_hash_seed) & (OVPN_PEER_HASH_SIZE - 1);
}

static unsigned int ovpn_hash_transp6(const struct in6_addr *addr,
				      __be16 port)
{
	return jhash2(addr->s6_addr32, 4,
		      ovpn_peer_hash_seed ^ (__force u32)port) &
	       (OVPN_PEER_HASH_SIZE - 1);
}

/* the by_transp bucket of the remote of @bind */
static unsigned int ovpn_hash_bind(const struct ovpn_bind *bind)
{
	if (bind->remote.sa.sa_family == AF_INET)
		return ovpn_hash_transp4(bind->remote.in4.sin_addr.s_addr,
					 bind->remote.in4.sin_port);

	return ovpn_hash_transp6(&bind->remote.in6.sin6_addr,
				 bind->remote.in6.sin6_port);
}

/**
 * ovpn_peer_hash - MP: put a peer in every table
 * @peer: the peer, with its VPN addresses and endpoint set
 * @extack: where to report errors
 *
 * Unless its id or one of its VPN addresses is taken. The by_id chain
 * stays sorted by id.
 *
 * Context: ovpn->lock held.
 * Return: 0 or -EEXIST.
 */
int ovpn_peer_hash(struct ovpn_peer *peer, struct netlink_ext_ack *extack)
{
	struct ovpn_peer_table *t = peer->ovpn->peers;
	struct ovpn_peer *tmp, *next, *prev = NULL;
	const struct ovpn_bind *bind;
	struct hlist_head *by_id;

	lockdep_assert_held(&peer->ovpn->lock);

	by_id = &t->by_id[ovpn_hash_id(peer->id)];
	hlist_for_each_entry(next, by_id, hash_id) {
		if (next->id == peer->id) {
			NL_SET_ERR_MSG(extack, "peer id already in use");
			return -EEXIST;
		}
		if (next->id > peer->id)
			break;
		prev = next;
	}

	if (peer->has_ipv4) {
		hlist_for_each_entry(tmp, &t->by_vpn4[ovpn_hash_vpn4(peer->vpn_ipv4)],
				     hash_vpn4) {
			if (tmp->vpn_ipv4 == peer->vpn_ipv4) {
				NL_SET_ERR_MSG(extack,
					       "VPN IPv4 address already used by another peer");
				return -EADDRINUSE;
			}
		}
	}

	if (peer->has_ipv6) {
		hlist_for_each_entry(tmp, &t->by_vpn6[ovpn_hash_vpn6(&peer->vpn_ipv6)],
				     hash_vpn6) {
			if (ipv6_addr_equal(&tmp->vpn_ipv6, &peer->vpn_ipv6)) {
				NL_SET_ERR_MSG(extack,
					       "VPN IPv6 address already used by another peer");
				return -EADDRINUSE;
			}
		}
	}

	if (next)
		hlist_add_before_rcu(&peer->hash_id, &next->hash_id);
	else if (prev)
		hlist_add_behind_rcu(&peer->hash_id, &prev->hash_id);
	else
		hlist_add_head_rcu(&peer->hash_id, by_id);

	if (peer->has_ipv4)
		hlist_add_head_rcu(&peer->hash_vpn4,
				   &t->by_vpn4[ovpn_hash_vpn4(peer->vpn_ipv4)]);
	if (peer->has_ipv6)
		hlist_add_head_rcu(&peer->hash_vpn6,
				   &t->by_vpn6[ovpn_hash_vpn6(&peer->vpn_ipv6)]);

	bind = rcu_dereference_protected(peer->bind,
					 lockdep_is_held(&peer->ovpn->lock));
	if (bind)
		hlist_nulls_add_head_rcu(&peer->hash_transp,
					 &t->by_transp[ovpn_hash_bind(bind)]);

	return 0;
}

/* P2P: the one peer, with a reference */
static struct ovpn_peer *ovpn_peer_get_p2p(struct ovpn_struct *ovpn)
{
	struct ovpn_peer *peer;

	rcu_read_lock();
	peer = rcu_dereference(ovpn->peer);
	if (peer && !ovpn_peer_hold(peer))
		peer = NULL;
	rcu_read_unlock();

	return peer;
}

/* MP: the peer with id @id; under RCU, no reference */
static struct ovpn_peer *ovpn_peer_lookup_id(struct ovpn_struct *ovpn, u32 id)
{
	struct ovpn_peer *peer;

	hlist_for_each_entry_rcu(peer, &ovpn->peers->by_id[ovpn_hash_id(id)],
				 hash_id) {
		if (peer->id == id)
			return peer;
		if (peer->id > id)	/* sorted */
			break;
	}

	return NULL;
}

/**
 * ovpn_peer_lookup_vpn4 - MP: the peer with a VPN IPv4 address
 * @ovpn: the device, in MP mode
 * @addr: the address
 *
 * Context: under RCU.
 * Return: the peer, without a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_lookup_vpn4(struct ovpn_struct *ovpn, __be32 addr)
{
	struct ovpn_peer *peer;

	hlist_for_each_entry_rcu(peer, &ovpn->peers->by_vpn4[ovpn_hash_vpn4(addr)],
				 hash_vpn4)
		if (peer->vpn_ipv4 == addr)
			return peer;

	return NULL;
}

/**
 * ovpn_peer_lookup_vpn6 - MP: the peer with a VPN IPv6 address
 * @ovpn: the device, in MP mode
 * @addr: the address
 *
 * Context: under RCU.
 * Return: the peer, without a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_lookup_vpn6(struct ovpn_struct *ovpn,
					const struct in6_addr *addr)
{
	struct ovpn_peer *peer;

	hlist_for_each_entry_rcu(peer, &ovpn->peers->by_vpn6[ovpn_hash_vpn6(addr)],
				 hash_vpn6)
		if (ipv6_addr_equal(&peer->vpn_ipv6, addr))
			return peer;

	return NULL;
}

/* a peer found under RCU, with a reference, or NULL */
static struct ovpn_peer *ovpn_peer_hold_rcu(struct ovpn_peer *peer)
{
	return peer && ovpn_peer_hold(peer) ? peer : NULL;
}

/**
 * ovpn_peer_get_by_id - find a peer by id
 * @ovpn: the device
 * @peer_id: the peer id
 *
 * Context: any.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_by_id(struct ovpn_struct *ovpn, u32 peer_id)
{
	struct ovpn_peer *peer;

	if (ovpn->mode != OVPN_MODE_MP) {
		peer = ovpn_peer_get_p2p(ovpn);
		if (peer && peer->id != peer_id) {
			ovpn_peer_put(peer);
			peer = NULL;
		}
		return peer;
	}

	rcu_read_lock();
	peer = ovpn_peer_hold_rcu(ovpn_peer_lookup_id(ovpn, peer_id));
	rcu_read_unlock();

	return peer;
}

/**
 * ovpn_peer_get_rx - the peer a received DATA_V2 packet belongs to
 * @ovpn: the device
 * @osock: the transport socket the packet arrived on
 * @skb: the packet, skb->data at the DATA_V2 header (at least 4 bytes linear)
 *
 * The peer is found by the id in the header and must use @osock. Otherwise
 * the drop is counted (rx_unknown_peer) and the caller frees the packet.
 *
 * Context: softirq or process context.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_rx(struct ovpn_struct *ovpn,
				   struct ovpn_socket *osock,
				   struct sk_buff *skb)
{
	u32 peer_id = get_unaligned_be32(skb->data) & OVPN_PEER_ID_MAX;
	struct ovpn_peer *peer = ovpn_peer_get_by_id(ovpn, peer_id);

	if (likely(peer && rcu_access_pointer(peer->sock) == osock))
		return peer;

	if (peer)
		ovpn_peer_put(peer);
	net_dbg_ratelimited("%s: DATA_V2 for unknown peer %u\n",
			    netdev_name(ovpn->dev), peer_id);
	ovpn_rx_drop(ovpn, OVPN_STAT_RX_UNKNOWN_PEER);
	return NULL;
}

/*
 * MP: the peer an IPv4 packet to send goes to, under RCU: the one whose
 * VPN address is the gateway of the packet's route, or else its
 * destination. The IPv4 header is in the linear part.
 */
static struct ovpn_peer *ovpn_peer_tx4(struct ovpn_struct *ovpn,
				       struct sk_buff *skb)
{
	__be32 nexthop = ((const struct iphdr *)skb->data)->daddr;
	const struct dst_entry *dst = skb_dst(skb);
	const struct rtable *rt;

	/* the route the stack chose for this device (netif_keep_dst()) */
	if (dst && dst->dev == ovpn->dev && dst->ops->family == AF_INET) {
		rt = container_of(dst, struct rtable, dst);
		if (rt->rt_gw_family == AF_INET)
			nexthop = rt->rt_gw4;
		else if (rt->rt_gw_family == AF_INET6)
			return ovpn_peer_lookup_vpn6(ovpn, &rt->rt_gw6);
	}

	return ovpn_peer_lookup_vpn4(ovpn, nexthop);
}

/* MP: the same for an IPv6 packet */
static struct ovpn_peer *ovpn_peer_tx6(struct ovpn_struct *ovpn,
				       struct sk_buff *skb)
{
	const struct in6_addr *nexthop =
		&((const struct ipv6hdr *)skb->data)->daddr;
	const struct dst_entry *dst = skb_dst(skb);
	const struct rt6_info *rt;

	if (dst && dst->dev == ovpn->dev && dst->ops->family == AF_INET6) {
		rt = container_of(dst, struct rt6_info, dst);
		if (rt->rt6i_flags & RTF_GATEWAY)
			nexthop = &rt->rt6i_gateway;
	}

	return ovpn_peer_lookup_vpn6(ovpn, nexthop);
}

/**
 * ovpn_peer_get_tx - the peer a packet to send goes to
 * @ovpn: the device
 * @skb: the packet, its IP header in the linear part, skb->protocol set
 *
 * P2P mode: the one peer, whatever the destination. MP mode: the routing
 * table decides: if the packet's route has a gateway, the peer whose VPN
 * address is that gateway, else the peer whose VPN address is the
 * destination.
 *
 * Context: any.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_tx(struct ovpn_struct *ovpn,
				   struct sk_buff *skb)
{
	struct ovpn_peer *peer;

	if (ovpn->mode != OVPN_MODE_MP)
		return ovpn_peer_get_p2p(ovpn);

	rcu_read_lock();
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		peer = ovpn_peer_tx4(ovpn, skb);
		break;
	case htons(ETH_P_IPV6):
		peer = ovpn_peer_tx6(ovpn, skb);
		break;
	default:
		peer = NULL;
		break;
	}
	peer = ovpn_peer_hold_rcu(peer);
	rcu_read_unlock();

	return peer;
}

/* does the outer source of @skb equal the remote of @bind? */
static bool ovpn_bind_matches(const struct ovpn_bind *bind,
			      struct sk_buff *skb)
{
	__be16 port = udp_hdr(skb)->source;

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return bind->remote.sa.sa_family == AF_INET &&
		       bind->remote.in4.sin_port == port &&
		       bind->remote.in4.sin_addr.s_addr == ip_hdr(skb)->saddr;
#if IS_ENABLED(CONFIG_IPV6)
	case htons(ETH_P_IPV6):
		return bind->remote.sa.sa_family == AF_INET6 &&
		       bind->remote.in6.sin6_port == port &&
		       ipv6_addr_equal(&bind->remote.in6.sin6_addr,
				       &ipv6_hdr(skb)->saddr);
#endif
	}

	/* not a transport we know: do not move */
	return true;
}

/*
 * MP: the peer whose remote is the outer source of the UDP packet @skb,
 * under RCU.
 */
static struct ovpn_peer *ovpn_peer_lookup_transp(struct ovpn_struct *ovpn,
						 struct sk_buff *skb)
{
	__be16 port = udp_hdr(skb)->source;
	const struct hlist_nulls_node *node;
	const struct ovpn_bind *bind;
	struct ovpn_peer *peer;
	unsigned int bucket;

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		bucket = ovpn_hash_transp4(ip_hdr(skb)->saddr, port);
		break;
	case htons(ETH_P_IPV6):
		bucket = ovpn_hash_transp6(&ipv6_hdr(skb)->saddr, port);
		break;
	default:
		return NULL;
	}

begin:
	hlist_nulls_for_each_entry_rcu(peer, node, &ovpn->peers->by_transp[bucket],
				       hash_transp) {
		bind = rcu_dereference(peer->bind);
		if (bind && ovpn_bind_matches(bind, skb))
			return peer;
	}

	/* a peer that floated took us to another chain: start again */
	if (get_nulls_value(node) != bucket)
		goto begin;

	return NULL;
}

/**
 * ovpn_peer_get_by_transp_addr - the peer a received packet comes from
 * @ovpn: the device
 * @skb: the UDP packet, as received on the transport (IP and UDP headers)
 *
 * P2P mode: the one peer, whatever the source: the socket serves no other.
 * MP mode: the peer whose remote address and port are the packet's
 * source.
 *
 * Context: any.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_by_transp_addr(struct ovpn_struct *ovpn,
					       struct sk_buff *skb)
{
	struct ovpn_peer *peer;

	if (ovpn->mode != OVPN_MODE_MP)
		return ovpn_peer_get_p2p(ovpn);

	rcu_read_lock();
	peer = ovpn_peer_hold_rcu(ovpn_peer_lookup_transp(ovpn, skb));
	rcu_read_unlock();

	return peer;
}

/**
 * ovpn_peer_dump_next - the next peer of a dump, by bucket and id
 * @ovpn: the device
 * @bucket: in: the by_id bucket to resume at (0 to start); out: the bucket
 *	of the peer returned, or the end (any further call returns NULL)
 * @min_id: in: the lowest peer id to return from *@bucket; out: the id of
 *	the peer returned. The caller sets it to that id + 1 once the peer
 *	is sent.
 *
 * The cursor survives between the parts of a dump: as the by_id chains
 * are sorted, every peer that exists during the whole dump is returned
 * exactly once, whatever is added or deleted meanwhile. P2P mode: bucket
 * 0 holds the one peer.
 *
 * Context: any.
 * Return: the peer with a reference, or NULL past the last one.
 */
struct ovpn_peer *ovpn_peer_dump_next(struct ovpn_struct *ovpn,
				      unsigned long *bucket,
				      unsigned long *min_id)
{
	struct ovpn_peer *peer;
	unsigned long b = *bucket;

	if (ovpn->mode != OVPN_MODE_MP) {
		if (b)
			return NULL;
		peer = ovpn_peer_get_p2p(ovpn);
		if (peer && peer->id < *min_id) {
			ovpn_peer_put(peer);
			peer = NULL;
		}
		if (peer)
			*min_id = peer->id;
		return peer;
	}

	rcu_read_lock();
	for (; b < OVPN_PEER_HASH_SIZE; b++, *min_id = 0) {
		hlist_for_each_entry_rcu(peer, &ovpn->peers->by_id[b], hash_id) {
			if (peer->id < *min_id || !ovpn_peer_hold(peer))
				continue;
			rcu_read_unlock();
			*bucket = b;
			*min_id = peer->id;
			return peer;
		}
	}
	rcu_read_unlock();

	*bucket = b;
	return NULL;
}

/* a new bind from @skb: remote its outer source, local its destination */
static void ovpn_bind_set_remote(struct ovpn_bind *bind, struct sk_buff *skb)
{
	__be16 port = udp_hdr(skb)->source;

	/* the address the peer sent to is where our replies come from */
	bind->has_local = true;
	if (skb->protocol == htons(ETH_P_IP)) {
		bind->remote.in4.sin_family = AF_INET;
		bind->remote.in4.sin_port = port;
		bind->remote.in4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		bind->local.ipv4.s_addr = ip_hdr(skb)->daddr;
		return;
	}

#if IS_ENABLED(CONFIG_IPV6)
	bind->remote.in6.sin6_family = AF_INET6;
	bind->remote.in6.sin6_port = port;
	bind->remote.in6.sin6_addr = ipv6_hdr(skb)->saddr;
	bind->remote.in6.sin6_scope_id =
		ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr, skb->skb_iif);
	bind->local.ipv6 = ipv6_hdr(skb)->daddr;
#endif
}

/* publish @bind as @peer's endpoints and move it in the table; ovpn->lock held */
static void ovpn_peer_replace_bind(struct ovpn_peer *peer,
				   struct ovpn_bind *bind)
{
	struct ovpn_struct *ovpn = peer->ovpn;

	lockdep_assert_held(&ovpn->lock);

	rcu_assign_pointer(peer->bind, bind);
	/* a deleted peer stays out of the tables */
	if (ovpn->mode == OVPN_MODE_MP && !peer->deleted) {
		if (!hlist_nulls_unhashed(&peer->hash_transp))
			hlist_nulls_del_init_rcu(&peer->hash_transp);
		hlist_nulls_add_head_rcu(&peer->hash_transp,
					 &ovpn->peers->by_transp[ovpn_hash_bind(bind)]);
	}
	dst_cache_reset(&peer->dst_cache);
}

/**
 * ovpn_peer_float - follow a peer to the source address of a packet
 * @peer: the peer
 * @skb: a packet from the peer that passed authentication and the replay
 *	check, its outer IP and UDP headers still in place
 *
 * If the packet came from another address or port than the peer's
 * remote, the remote becomes that source and the source address we use
 * the packet's destination (as the in-tree driver does: a multi-homed
 * host answers from the address the peer reached). MP mode: the peer
 * moves to the chain of its new address in the by_transp table; the
 * "ovpn" family notifies the move (PEER_FLOAT_NTF).
 *
 * Context: softirq.
 */
void ovpn_peer_float(struct ovpn_peer *peer, struct sk_buff *skb)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	struct ovpn_bind *bind, *old;
	bool same;

	rcu_read_lock();
	bind = rcu_dereference(peer->bind);
	same = !bind || ovpn_bind_matches(bind, skb);
	rcu_read_unlock();

	if (likely(same))
		return;

	bind = kzalloc(sizeof(*bind), GFP_ATOMIC);
	if (unlikely(!bind))
		return;
	ovpn_bind_set_remote(bind, skb);

	spin_lock_bh(&ovpn->lock);
	old = rcu_dereference_protected(peer->bind,
					lockdep_is_held(&ovpn->lock));
	if (ovpn_bind_matches(old, skb)) {
		/* another CPU was faster */
		spin_unlock_bh(&ovpn->lock);
		kfree(bind);
		return;
	}

	ovpn_peer_replace_bind(peer, bind);
	spin_unlock_bh(&ovpn->lock);

	net_dbg_ratelimited("%s: peer %u floated\n",
			    netdev_name(ovpn->dev), peer->id);
	ovpn_notify_peer_floated(peer);
	kfree_rcu(old, rcu);
}

/**
 * ovpn_peer_set_bind - give a peer new transport endpoints
 * @peer: the peer (UDP), published or not
 * @bind: its new endpoints, allocated by the caller; the peer owns them now
 *
 * The "ovpn" family's PEER_SET with a remote address: as a float, but
 * chosen by userspace.
 *
 * Context: process context.
 */
void ovpn_peer_set_bind(struct ovpn_peer *peer, struct ovpn_bind *bind)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	struct ovpn_bind *old;

	spin_lock_bh(&ovpn->lock);
	old = rcu_dereference_protected(peer->bind,
					lockdep_is_held(&ovpn->lock));
	ovpn_peer_replace_bind(peer, bind);
	spin_unlock_bh(&ovpn->lock);

	if (old)
		kfree_rcu(old, rcu);
}
