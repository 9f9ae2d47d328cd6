// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - peers
 *
 * Lifetime. A peer is created by NEW_PEER with one reference, which the
 * peer table (P2P: ovpn->peer) owns once the peer is published. Lookups
 * run under RCU and take a reference with kref_get_unless_zero(); every
 * packet in flight holds one. The memory goes after an RCU grace period
 * following the last put, so a reader that found the peer under RCU may
 * always try to take a reference.
 *
 * Deletion. Every way a peer goes (DEL_PEER, replacement by NEW_PEER in
 * P2P mode, keepalive expiry, the transport socket closed, the device
 * deleted, the module unloaded) goes through ovpn_peer_del() or the same
 * claim under ovpn->lock: the first caller sets peer->deleted and
 * unpublishes the peer in one critical section, later callers find
 * deleted set and get -ENOENT. The winner then, outside the lock, wipes
 * the keys, drops the socket reference (the last one detaches the
 * socket), multicasts the DEL_PEER notification and drops the table's
 * reference. Packets in flight still hold the peer; they find no key and
 * no socket and are dropped. Every caller runs in process context.
 *
 * Keepalive. One delayed work per device: phase 1, without locks, deletes
 * expired peers and sends due pings; phase 2, under ovpn->lock, re-arms
 * the work for the earliest deadline. SET_PEER changes the settings and
 * kicks the work under the same lock, so no kick is lost.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <uapi/linux/ovpn_dco.h>

#include "io.h"
#include "netlink.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "socket.h"

/* the RCU grace period after the last put has passed */
static void ovpn_peer_free_rcu(struct rcu_head *head)
{
	struct ovpn_peer *peer = container_of(head, struct ovpn_peer, rcu);

	/* a key installed by a NEW_KEY that raced with the deletion */
	ovpn_crypto_state_release(&peer->crypto);
	dst_cache_destroy(&peer->dst_cache);
	kfree(rcu_dereference_protected(peer->bind, true));
	netdev_put(peer->ovpn->dev, &peer->dev_tracker);
	kfree(peer);
}

static void ovpn_peer_release(struct kref *kref)
{
	struct ovpn_peer *peer = container_of(kref, struct ovpn_peer,
					      refcount);

	call_rcu(&peer->rcu, ovpn_peer_free_rcu);
}

/**
 * ovpn_peer_put - drop a reference on a peer
 * @peer: the peer
 *
 * Context: any.
 */
void ovpn_peer_put(struct ovpn_peer *peer)
{
	kref_put(&peer->refcount, ovpn_peer_release);
}

/**
 * ovpn_peer_new - allocate a peer, not published yet
 * @ovpn: the device
 * @id: the peer id
 *
 * The peer holds a reference on the device, has no key, no socket and no
 * endpoint; the caller fills @sock and @bind, then calls ovpn_peer_add()
 * or, on failure, ovpn_peer_abort().
 *
 * Context: process context.
 * Return: the peer with one reference, or an ERR_PTR().
 */
struct ovpn_peer *ovpn_peer_new(struct ovpn_struct *ovpn, u32 id)
{
	struct ovpn_peer *peer;
	int ret;

	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return ERR_PTR(-ENOMEM);

	ret = dst_cache_init(&peer->dst_cache, GFP_KERNEL);
	if (ret) {
		kfree(peer);
		return ERR_PTR(ret);
	}

	peer->id = id;
	peer->ovpn = ovpn;
	ovpn_crypto_state_init(&peer->crypto);
	spin_lock_init(&peer->lock);
	peer->last_sent = jiffies;
	peer->last_recv = peer->last_sent;
	kref_init(&peer->refcount);
	netdev_hold(ovpn->dev, &peer->dev_tracker, GFP_KERNEL);

	return peer;
}

/* what is left to do once a peer is unpublished and claimed */
static void ovpn_peer_finish(struct ovpn_peer *peer, bool notify,
			     enum ovpn_nl_reason reason)
{
	struct ovpn_socket *osock;

	might_sleep();

	ovpn_crypto_state_release(&peer->crypto);

	/* only the winner of the claim gets here: no concurrent writer */
	osock = rcu_replace_pointer(peer->sock, NULL, true);
	if (osock)
		ovpn_socket_put(osock);

	if (notify) {
		netdev_dbg(peer->ovpn->dev, "peer %u deleted, reason %d\n",
			   peer->id, reason);
		ovpn_nl_notify_del_peer(peer, reason);
	}

	ovpn_peer_put(peer);
}

/**
 * ovpn_peer_abort - free a peer that was never published
 * @peer: the peer, from ovpn_peer_new()
 *
 * Releases its socket, if any, and its reference. No notification.
 *
 * Context: process context.
 */
void ovpn_peer_abort(struct ovpn_peer *peer)
{
	peer->deleted = true;
	ovpn_peer_finish(peer, false, OVPN_NL_REASON_TEARDOWN);
}

/**
 * ovpn_peer_add - publish a new peer
 * @peer: the peer, with its socket and endpoint set; on success its
 *	reference belongs to the peer table
 * @extack: where to report errors
 *
 * P2P mode: the peer replaces the current one, which is deleted with
 * reason TEARDOWN. MP mode is not implemented yet.
 *
 * Context: process context.
 * Return: 0, -EOPNOTSUPP (MP mode) or -ENODEV (the device is going away).
 */
int ovpn_peer_add(struct ovpn_peer *peer, struct netlink_ext_ack *extack)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	struct ovpn_peer *old;

	if (ovpn->mode != OVPN_MODE_P2P) {
		NL_SET_ERR_MSG(extack, "multi-peer mode is not implemented yet");
		return -EOPNOTSUPP;
	}

	spin_lock_bh(&ovpn->lock);
	if (ovpn->dying) {
		spin_unlock_bh(&ovpn->lock);
		NL_SET_ERR_MSG(extack, "the device is going away");
		return -ENODEV;
	}

	/* a published peer is never marked deleted: claim the old one */
	old = rcu_dereference_protected(ovpn->peer,
					lockdep_is_held(&ovpn->lock));
	if (old)
		old->deleted = true;
	rcu_assign_pointer(ovpn->peer, peer);
	spin_unlock_bh(&ovpn->lock);

	netdev_dbg(ovpn->dev, "peer %u added\n", peer->id);

	if (old)
		ovpn_peer_finish(old, true, OVPN_NL_REASON_TEARDOWN);

	return 0;
}

/**
 * ovpn_peer_del - delete a peer
 * @peer: the peer, held by the caller
 * @reason: why, for the notification
 *
 * Idempotent: the first caller deletes the peer and multicasts the
 * DEL_PEER notification; any other, concurrent or later, gets -ENOENT.
 * The caller's reference stays valid.
 *
 * Context: process context; may sleep.
 * Return: 0 or -ENOENT.
 */
int ovpn_peer_del(struct ovpn_peer *peer, enum ovpn_nl_reason reason)
{
	struct ovpn_struct *ovpn = peer->ovpn;

	spin_lock_bh(&ovpn->lock);
	if (peer->deleted) {
		spin_unlock_bh(&ovpn->lock);
		return -ENOENT;
	}

	peer->deleted = true;
	if (rcu_access_pointer(ovpn->peer) == peer)
		RCU_INIT_POINTER(ovpn->peer, NULL);
	spin_unlock_bh(&ovpn->lock);

	ovpn_peer_finish(peer, true, reason);
	return 0;
}

/**
 * ovpn_peers_del_by_sock - delete the peers that use a socket
 * @ovpn: the device
 * @osock: the socket
 * @reason: why, for the notifications
 *
 * Context: process context; may sleep.
 */
void ovpn_peers_del_by_sock(struct ovpn_struct *ovpn, struct ovpn_socket *osock,
			    enum ovpn_nl_reason reason)
{
	struct ovpn_peer *peer;

	spin_lock_bh(&ovpn->lock);
	peer = rcu_dereference_protected(ovpn->peer,
					 lockdep_is_held(&ovpn->lock));
	if (peer && rcu_access_pointer(peer->sock) == osock) {
		peer->deleted = true;
		RCU_INIT_POINTER(ovpn->peer, NULL);
	} else {
		peer = NULL;
	}
	spin_unlock_bh(&ovpn->lock);

	if (peer)
		ovpn_peer_finish(peer, true, reason);
}

/**
 * ovpn_peers_teardown - delete every peer of a device that goes away
 * @ovpn: the device
 *
 * Marks the device dying (no new peer, no keepalive work any more),
 * deletes its peers with reason TEARDOWN and waits for the keepalive
 * work. Idempotent.
 *
 * Context: process context, RTNL held (dellink, ndo_uninit).
 */
void ovpn_peers_teardown(struct ovpn_struct *ovpn)
{
	struct ovpn_peer *peer;

	spin_lock_bh(&ovpn->lock);
	/* read without the lock by ovpn_nl_register_packet() */
	WRITE_ONCE(ovpn->dying, true);
	peer = rcu_dereference_protected(ovpn->peer,
					 lockdep_is_held(&ovpn->lock));
	if (peer) {
		peer->deleted = true;
		RCU_INIT_POINTER(ovpn->peer, NULL);
	}
	spin_unlock_bh(&ovpn->lock);

	if (peer)
		ovpn_peer_finish(peer, true, OVPN_NL_REASON_TEARDOWN);

	cancel_delayed_work_sync(&ovpn->keepalive_work);
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
	struct ovpn_peer *peer = ovpn_peer_get_p2p(ovpn);

	if (peer && peer->id != peer_id) {
		ovpn_peer_put(peer);
		peer = NULL;
	}

	return peer;
}

/**
 * ovpn_peer_get_tx - the peer a packet to send goes to
 * @ovpn: the device
 * @skb: the packet
 *
 * P2P mode: the one peer, whatever the destination.
 *
 * Context: any.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_tx(struct ovpn_struct *ovpn,
				   struct sk_buff *skb)
{
	return ovpn_peer_get_p2p(ovpn);
}

/**
 * ovpn_peer_get_by_transp_addr - the peer a received packet comes from
 * @ovpn: the device
 * @skb: the packet, as received on the transport
 *
 * P2P mode: the one peer, whatever the source: the socket serves no other.
 *
 * Context: any.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_by_transp_addr(struct ovpn_struct *ovpn,
					       struct sk_buff *skb)
{
	return ovpn_peer_get_p2p(ovpn);
}

/**
 * ovpn_peer_get_by_index - the peers of a device, one by one (dumps)
 * @ovpn: the device
 * @index: position, from 0
 *
 * Context: any.
 * Return: the peer at @index with a reference, or NULL past the last one.
 */
struct ovpn_peer *ovpn_peer_get_by_index(struct ovpn_struct *ovpn,
					 unsigned long index)
{
	return index ? NULL : ovpn_peer_get_p2p(ovpn);
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

/* the remote of a new bind: the outer source of @skb */
static void ovpn_bind_set_remote(struct ovpn_bind *bind, struct sk_buff *skb)
{
	__be16 port = udp_hdr(skb)->source;

	if (skb->protocol == htons(ETH_P_IP)) {
		bind->remote.in4.sin_family = AF_INET;
		bind->remote.in4.sin_port = port;
		bind->remote.in4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		return;
	}

#if IS_ENABLED(CONFIG_IPV6)
	bind->remote.in6.sin6_family = AF_INET6;
	bind->remote.in6.sin6_port = port;
	bind->remote.in6.sin6_addr = ipv6_hdr(skb)->saddr;
	bind->remote.in6.sin6_scope_id =
		ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr, skb->skb_iif);
#endif
}

/**
 * ovpn_peer_float - follow a peer to the source address of a packet
 * @peer: the peer
 * @skb: a packet from the peer that passed authentication and the replay
 *	check, its outer IP and UDP headers still in place
 *
 * If the packet came from another address or port than the peer's
 * remote, the remote becomes that source (and the source address we use
 * is kept only if the family stays the same).
 *
 * Context: softirq.
 */
void ovpn_peer_float(struct ovpn_peer *peer, struct sk_buff *skb)
{
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

	spin_lock_bh(&peer->lock);
	old = rcu_dereference_protected(peer->bind,
					lockdep_is_held(&peer->lock));
	if (ovpn_bind_matches(old, skb)) {
		/* another CPU was faster */
		spin_unlock_bh(&peer->lock);
		kfree(bind);
		return;
	}

	if (old->remote.sa.sa_family == bind->remote.sa.sa_family) {
		bind->local = old->local;
		bind->has_local = old->has_local;
	}
	rcu_assign_pointer(peer->bind, bind);
	dst_cache_reset(&peer->dst_cache);
	spin_unlock_bh(&peer->lock);

	net_dbg_ratelimited("%s: peer %u floated\n",
			    netdev_name(peer->ovpn->dev), peer->id);
	kfree_rcu(old, rcu);
}

/* seconds to jiffies, saturating */
static unsigned long ovpn_secs_to_jiffies(u32 secs)
{
	return min_t(u64, (u64)secs * HZ, MAX_JIFFY_OFFSET);
}

/**
 * ovpn_peer_set_keepalive - change the keepalive settings of a peer
 * @peer: the peer
 * @interval: seconds without TX before a ping; NULL: unchanged; 0: off
 * @timeout: seconds without authenticated RX before the peer expires;
 *	NULL: unchanged; 0: off
 *
 * Both clocks restart now.
 *
 * Context: process context.
 */
void ovpn_peer_set_keepalive(struct ovpn_peer *peer, const u32 *interval,
			     const u32 *timeout)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	unsigned long now = jiffies;

	spin_lock_bh(&ovpn->lock);
	if (interval)
		peer->keepalive_interval = *interval;
	if (timeout)
		peer->keepalive_timeout = *timeout;
	WRITE_ONCE(peer->last_sent, now);
	WRITE_ONCE(peer->last_recv, now);
	if (!ovpn->dying)
		mod_delayed_work(system_wq, &ovpn->keepalive_work, 0);
	spin_unlock_bh(&ovpn->lock);
}

/* phase 1 for one peer: expire it or ping it if due */
static void ovpn_peer_keepalive_check(struct ovpn_peer *peer)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	u32 interval, timeout;
	unsigned long now;
	bool deleted;

	spin_lock_bh(&ovpn->lock);
	interval = peer->keepalive_interval;
	timeout = peer->keepalive_timeout;
	deleted = peer->deleted;
	spin_unlock_bh(&ovpn->lock);

	if (deleted)
		return;

	now = jiffies;
	if (timeout && time_after_eq(now, READ_ONCE(peer->last_recv) +
					  ovpn_secs_to_jiffies(timeout))) {
		netdev_dbg(ovpn->dev, "peer %u expired\n", peer->id);
		ovpn_peer_del(peer, OVPN_NL_REASON_EXPIRED);
		return;
	}

	if (interval && time_after_eq(now, READ_ONCE(peer->last_sent) +
					   ovpn_secs_to_jiffies(interval))) {
		/* counts as sent even if it fails: no busy loop */
		WRITE_ONCE(peer->last_sent, now);
		ovpn_xmit_keepalive(peer);
	}
}

/*
 * Phase 2 for one peer, under ovpn->lock: the earliest of its deadlines
 * in *@next (jiffies). Return: false if it has none.
 */
static bool ovpn_peer_keepalive_next(struct ovpn_peer *peer,
				     unsigned long *next)
{
	unsigned long deadline;
	bool armed = false;

	lockdep_assert_held(&peer->ovpn->lock);

	if (peer->deleted)
		return false;

	if (peer->keepalive_interval) {
		*next = READ_ONCE(peer->last_sent) +
			ovpn_secs_to_jiffies(peer->keepalive_interval);
		armed = true;
	}

	if (peer->keepalive_timeout) {
		deadline = READ_ONCE(peer->last_recv) +
			   ovpn_secs_to_jiffies(peer->keepalive_timeout);
		if (!armed || time_before(deadline, *next))
			*next = deadline;
		armed = true;
	}

	return armed;
}

/**
 * ovpn_keepalive_work - the keepalive work of a device
 * @work: ovpn->keepalive_work.work
 *
 * Context: process context (system workqueue).
 */
void ovpn_keepalive_work(struct work_struct *work)
{
	struct ovpn_struct *ovpn = container_of(to_delayed_work(work),
						struct ovpn_struct,
						keepalive_work);
	struct ovpn_peer *peer;
	unsigned long next, now;

	peer = ovpn_peer_get_p2p(ovpn);
	if (peer) {
		ovpn_peer_keepalive_check(peer);
		ovpn_peer_put(peer);
	}

	spin_lock_bh(&ovpn->lock);
	peer = rcu_dereference_protected(ovpn->peer,
					 lockdep_is_held(&ovpn->lock));
	if (!ovpn->dying && peer && ovpn_peer_keepalive_next(peer, &next)) {
		now = jiffies;
		mod_delayed_work(system_wq, &ovpn->keepalive_work,
				 time_after(next, now) ? next - now : 0);
	}
	spin_unlock_bh(&ovpn->lock);
}
