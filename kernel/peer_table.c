// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - the peer tables of an MP device
 *
 * struct ovpn_peer_table (ovpnstruct.h): an xarray by peer id (RX of
 * DATA_V2, netlink, scans in id order) and rhashtables, resized with the
 * number of peers, by VPN IPv4 and by VPN IPv6 address (TX, reverse path
 * check) and by transport address (control packets; rehashed when the
 * peer floats). Readers use RCU, writers ovpn->lock.
 *
 * Here: the tables, putting a peer in and taking it out, the lookups in
 * each table (no reference taken) and the scan in id order. The lookups
 * that take a reference, for both modes, are in peer_lookup.c.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/net.h>
#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <linux/xarray.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <uapi/linux/ovpn_dco.h>

#include "ovpnstruct.h"
#include "peer.h"
#include "proto.h"

/**
 * struct ovpn_transp_key - a transport address, as the by_transp table
 *	hashes and compares it
 * @addr: the remote address; an IPv4 one in @addr.ip4, the rest zero
 * @addr.ip4: AF_INET
 * @addr.ip6: AF_INET6
 * @port: the remote port
 * @family: AF_INET or AF_INET6
 */
struct ovpn_transp_key {
	union {
		__be32 ip4;
		struct in6_addr ip6;
	} addr;
	__be16 port;
	u16 family;
};

static void ovpn_transp_key_of_bind(struct ovpn_transp_key *key,
				    const struct ovpn_bind *bind)
{
	memset(key, 0, sizeof(*key));
	key->family = bind->remote.sa.sa_family;
	if (key->family == AF_INET) {
		key->addr.ip4 = bind->remote.in4.sin_addr.s_addr;
		key->port = bind->remote.in4.sin_port;
	} else {
		key->addr.ip6 = bind->remote.in6.sin6_addr;
		key->port = bind->remote.in6.sin6_port;
	}
}

/* the outer source of a UDP packet; false if not IPv4 or IPv6 */
static bool ovpn_transp_key_of_skb(struct ovpn_transp_key *key,
				   struct sk_buff *skb)
{
	memset(key, 0, sizeof(*key));
	key->port = udp_hdr(skb)->source;
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		key->family = AF_INET;
		key->addr.ip4 = ip_hdr(skb)->saddr;
		return true;
	case htons(ETH_P_IPV6):
		key->family = AF_INET6;
		key->addr.ip6 = ipv6_hdr(skb)->saddr;
		return true;
	}

	return false;
}

static u32 ovpn_transp_hash(const void *data, u32 len, u32 seed)
{
	return jhash2(data, sizeof(struct ovpn_transp_key) / sizeof(u32), seed);
}

/*
 * A peer is in by_transp only with a bind, which does not change while it
 * is there: ovpn_peer_replace_bind() takes the peer out first.
 */
static u32 ovpn_transp_obj_hash(const void *data, u32 len, u32 seed)
{
	const struct ovpn_peer *peer = data;
	struct ovpn_transp_key key;

	ovpn_transp_key_of_bind(&key, rcu_dereference_raw(peer->bind));
	return ovpn_transp_hash(&key, len, seed);
}

static int ovpn_transp_obj_cmp(struct rhashtable_compare_arg *arg,
			       const void *obj)
{
	const struct ovpn_peer *peer = obj;
	const struct ovpn_bind *bind = rcu_dereference_raw(peer->bind);
	struct ovpn_transp_key key;

	if (!bind)
		return 1;
	ovpn_transp_key_of_bind(&key, bind);
	return memcmp(&key, arg->key, sizeof(key));
}

static const struct rhashtable_params ovpn_vpn4_params = {
	.head_offset = offsetof(struct ovpn_peer, hash_vpn4),
	.key_offset = offsetof(struct ovpn_peer, vpn_ipv4),
	.key_len = sizeof_field(struct ovpn_peer, vpn_ipv4),
	.automatic_shrinking = true,
};

static const struct rhashtable_params ovpn_vpn6_params = {
	.head_offset = offsetof(struct ovpn_peer, hash_vpn6),
	.key_offset = offsetof(struct ovpn_peer, vpn_ipv6),
	.key_len = sizeof_field(struct ovpn_peer, vpn_ipv6),
	.automatic_shrinking = true,
};

static const struct rhashtable_params ovpn_transp_params = {
	.head_offset = offsetof(struct ovpn_peer, hash_transp),
	.key_len = sizeof(struct ovpn_transp_key),
	.hashfn = ovpn_transp_hash,
	.obj_hashfn = ovpn_transp_obj_hash,
	.obj_cmpfn = ovpn_transp_obj_cmp,
	.automatic_shrinking = true,
};

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
	int ret;

	if (ovpn->mode != OVPN_MODE_MP)
		return 0;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	/* changed only under ovpn->lock, taken with bottom halves disabled */
	xa_init_flags(&t->by_id, XA_FLAGS_LOCK_BH);
	ret = rhashtable_init(&t->by_vpn4, &ovpn_vpn4_params);
	if (ret)
		goto err_free;
	ret = rhashtable_init(&t->by_vpn6, &ovpn_vpn6_params);
	if (ret)
		goto err_vpn4;
	ret = rhltable_init(&t->by_transp, &ovpn_transp_params);
	if (ret)
		goto err_vpn6;

	ovpn->peers = t;
	netif_keep_dst(ovpn->dev);
	return 0;

err_vpn6:
	rhashtable_destroy(&t->by_vpn6);
err_vpn4:
	rhashtable_destroy(&t->by_vpn4);
err_free:
	kfree(t);
	return ret;
}

/**
 * ovpn_peers_free - free the peer tables of a device
 * @ovpn: the device, without peers and without readers
 *
 * Context: process context (the device's destructor).
 */
void ovpn_peers_free(struct ovpn_struct *ovpn)
{
	struct ovpn_peer_table *t = ovpn->peers;

	if (!t)
		return;

	xa_destroy(&t->by_id);
	rhashtable_destroy(&t->by_vpn4);
	rhashtable_destroy(&t->by_vpn6);
	rhltable_destroy(&t->by_transp);
	kfree(t);
	ovpn->peers = NULL;
}

/* MP: put @peer in by_transp under its bind's remote; ovpn->lock held */
static void ovpn_peer_hash_transp(struct ovpn_peer *peer)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	int ret;

	if (peer->in_transp)
		return;

	ret = rhltable_insert(&ovpn->peers->by_transp, &peer->hash_transp,
			      ovpn_transp_params);
	/* only control packets miss it: DATA_V2 finds the peer by id */
	if (unlikely(ret))
		net_warn_ratelimited("%s: peer %u: transport table: %d\n",
				     netdev_name(ovpn->dev), peer->id, ret);
	peer->in_transp = !ret;
}

/* MP: take @peer out of by_transp; ovpn->lock held */
static void ovpn_peer_unhash_transp(struct ovpn_peer *peer)
{
	if (!peer->in_transp)
		return;

	rhltable_remove(&peer->ovpn->peers->by_transp, &peer->hash_transp,
			ovpn_transp_params);
	peer->in_transp = false;
}

/**
 * ovpn_peer_hash - MP: put a peer in every table
 * @peer: the peer, with its VPN addresses and endpoint set
 * @extack: where to report errors
 *
 * Unless its id or one of its VPN addresses is taken.
 *
 * Context: ovpn->lock held.
 * Return: 0, -EEXIST (id taken), -EADDRINUSE (VPN address taken) or
 * -ENOMEM.
 */
int ovpn_peer_hash(struct ovpn_peer *peer, struct netlink_ext_ack *extack)
{
	struct ovpn_peer_table *t = peer->ovpn->peers;
	int ret;

	lockdep_assert_held(&peer->ovpn->lock);

	/* writers hold ovpn->lock: nothing is added between check and insert */
	if (xa_load(&t->by_id, peer->id)) {
		NL_SET_ERR_MSG(extack, "peer id already in use");
		return -EEXIST;
	}

	if (peer->has_ipv4 &&
	    rhashtable_lookup_fast(&t->by_vpn4, &peer->vpn_ipv4,
				   ovpn_vpn4_params)) {
		NL_SET_ERR_MSG(extack,
			       "VPN IPv4 address already used by another peer");
		return -EADDRINUSE;
	}

	if (peer->has_ipv6 &&
	    rhashtable_lookup_fast(&t->by_vpn6, &peer->vpn_ipv6,
				   ovpn_vpn6_params)) {
		NL_SET_ERR_MSG(extack,
			       "VPN IPv6 address already used by another peer");
		return -EADDRINUSE;
	}

	/* under a spinlock: the xarray's nodes come from GFP_ATOMIC */
	ret = xa_insert_bh(&t->by_id, peer->id, peer, GFP_ATOMIC);
	if (ret)
		goto err_nomem;

	if (peer->has_ipv4) {
		ret = rhashtable_insert_fast(&t->by_vpn4, &peer->hash_vpn4,
					     ovpn_vpn4_params);
		if (ret)
			goto err_id;
	}

	if (peer->has_ipv6) {
		ret = rhashtable_insert_fast(&t->by_vpn6, &peer->hash_vpn6,
					     ovpn_vpn6_params);
		if (ret)
			goto err_vpn4;
	}

	if (rcu_access_pointer(peer->bind))
		ovpn_peer_hash_transp(peer);

	return 0;

err_vpn4:
	if (peer->has_ipv4)
		rhashtable_remove_fast(&t->by_vpn4, &peer->hash_vpn4,
				       ovpn_vpn4_params);
err_id:
	xa_erase_bh(&t->by_id, peer->id);
err_nomem:
	NL_SET_ERR_MSG(extack, "no memory for the peer tables");
	return -ENOMEM;
}

/**
 * ovpn_peer_unhash - MP: take a peer out of every table
 * @peer: the peer, in the tables
 *
 * Readers that found it keep using it until their RCU read-side section
 * ends.
 *
 * Context: ovpn->lock held.
 */
void ovpn_peer_unhash(struct ovpn_peer *peer)
{
	struct ovpn_peer_table *t = peer->ovpn->peers;

	lockdep_assert_held(&peer->ovpn->lock);

	xa_erase_bh(&t->by_id, peer->id);
	if (peer->has_ipv4)
		rhashtable_remove_fast(&t->by_vpn4, &peer->hash_vpn4,
				       ovpn_vpn4_params);
	if (peer->has_ipv6)
		rhashtable_remove_fast(&t->by_vpn6, &peer->hash_vpn6,
				       ovpn_vpn6_params);
	ovpn_peer_unhash_transp(peer);
}

/**
 * ovpn_peer_rebind - publish new transport endpoints of a peer
 * @peer: the peer
 * @bind: its new endpoints
 *
 * MP mode: the by_transp table hashes the endpoints, so the peer leaves
 * it under the old ones and comes back (unless deleted) under the new.
 *
 * Context: ovpn->lock held.
 */
void ovpn_peer_rebind(struct ovpn_peer *peer, struct ovpn_bind *bind)
{
	bool mp = peer->ovpn->mode == OVPN_MODE_MP;

	lockdep_assert_held(&peer->ovpn->lock);

	if (mp)
		ovpn_peer_unhash_transp(peer);
	rcu_assign_pointer(peer->bind, bind);
	/* a deleted peer stays out of the tables */
	if (mp && !peer->deleted)
		ovpn_peer_hash_transp(peer);
}

/**
 * ovpn_peer_lookup_id - MP: the peer with an id
 * @ovpn: the device, in MP mode
 * @id: the peer id
 *
 * Context: under RCU.
 * Return: the peer, without a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_lookup_id(struct ovpn_struct *ovpn, u32 id)
{
	return xa_load(&ovpn->peers->by_id, id);
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
	return rhashtable_lookup(&ovpn->peers->by_vpn4, &addr,
				 ovpn_vpn4_params);
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
	return rhashtable_lookup(&ovpn->peers->by_vpn6, addr,
				 ovpn_vpn6_params);
}

/**
 * ovpn_peer_lookup_transp - MP: the peer a UDP packet comes from
 * @ovpn: the device, in MP mode
 * @skb: the packet, as received (outer IP and UDP headers)
 *
 * The peer whose remote address and port are the packet's source; of
 * peers that share a remote, one of them.
 *
 * Context: under RCU.
 * Return: the peer, without a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_lookup_transp(struct ovpn_struct *ovpn,
					  struct sk_buff *skb)
{
	struct ovpn_transp_key key;
	struct rhlist_head *list;

	if (!ovpn_transp_key_of_skb(&key, skb))
		return NULL;

	list = rhltable_lookup(&ovpn->peers->by_transp, &key,
			       ovpn_transp_params);
	/* peers sharing a remote: the first one */
	return list ? container_of(list, struct ovpn_peer, hash_transp) : NULL;
}

/**
 * ovpn_peer_next - the peer with the lowest id from a cursor on
 * @ovpn: the device
 * @id: in: the lowest id to return; out: the id of the peer returned, or
 *	OVPN_PEER_ID_END past the last one
 *
 * Scans by id (the dump, the keepalive scan, the deletion of every peer)
 * resume here: every peer that exists during the whole scan is seen once,
 * whatever is added or deleted meanwhile. P2P mode: the one peer.
 *
 * Context: under RCU or ovpn->lock.
 * Return: the peer, without a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_next(struct ovpn_struct *ovpn, unsigned long *id)
{
	struct ovpn_peer *peer;

	if (ovpn->mode == OVPN_MODE_MP) {
		peer = xa_find(&ovpn->peers->by_id, id, OVPN_PEER_ID_MAX,
			       XA_PRESENT);
	} else {
		peer = rcu_dereference_check(ovpn->peer,
					     lockdep_is_held(&ovpn->lock));
		if (peer && peer->id < *id)
			peer = NULL;
		if (peer)
			*id = peer->id;
	}

	if (!peer)
		*id = OVPN_PEER_ID_END;
	return peer;
}
