// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - peer lifetime
 *
 * Lifetime. A peer is created by NEW_PEER with one reference, which the
 * peer table owns once the peer is published. Lookups run under RCU and
 * take a reference with kref_get_unless_zero(); every packet in flight
 * holds one. The memory goes after an RCU grace period following the last
 * put, so a reader that found the peer under RCU may always try to take a
 * reference.
 *
 * Tables: peer_lookup.c, which also finds peers and moves them (float).
 * Keepalive: keepalive.c.
 *
 * Deletion. Every way a peer goes (DEL_PEER, replacement by NEW_PEER in
 * P2P mode, keepalive expiry, the transport socket closed, the device
 * deleted, the module unloaded) claims it under ovpn->lock: the first
 * caller sets peer->deleted and unpublishes the peer (out of every table)
 * in one critical section, later callers find deleted set and get
 * -ENOENT. The winner then, outside the lock, wipes the keys, drops the
 * socket reference (the last one detaches the socket), multicasts the
 * DEL_PEER notification and drops the table's reference. Packets in
 * flight still hold the peer; they find no key and no socket and are
 * dropped. Every caller runs in process context. Deleting many peers at
 * once (socket closed, device deleted) claims them in batches.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/netdevice.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/netlink.h>
#include <uapi/linux/ovpn_dco.h>

#include "notify.h"
#include "ovpnstruct.h"
#include "mss.h"
#include "peer.h"
#include "socket.h"

static struct kmem_cache *ovpn_peer_cache __read_mostly;

/**
 * ovpn_peer_cache_init - create the slab cache of peers
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int ovpn_peer_cache_init(void)
{
	ovpn_peer_cache = KMEM_CACHE(ovpn_peer, 0);
	return ovpn_peer_cache ? 0 : -ENOMEM;
}

/**
 * ovpn_peer_cache_destroy - destroy the slab cache of peers
 *
 * Context: module exit, after rcu_barrier(): every peer is freed.
 */
void ovpn_peer_cache_destroy(void)
{
	kmem_cache_destroy(ovpn_peer_cache);
}

/* the RCU grace period after the last put has passed */
static void ovpn_peer_free_rcu(struct rcu_head *head)
{
	struct ovpn_peer *peer = container_of(head, struct ovpn_peer, rcu);

	/* a key installed by a NEW_KEY that raced with the deletion */
	ovpn_crypto_state_release(&peer->crypto);
	ovpn_dst_destroy(&peer->dst_cache);
	kfree(rcu_dereference_protected(peer->bind, true));
	netdev_put(peer->ovpn->dev, &peer->dev_tracker);
	kmem_cache_free(ovpn_peer_cache, peer);
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
 * endpoint; the caller fills @sock, @bind and the VPN addresses, then
 * calls ovpn_peer_add() or, on failure, ovpn_peer_abort().
 *
 * Context: process context.
 * Return: the peer with one reference, or an ERR_PTR().
 */
struct ovpn_peer *ovpn_peer_new(struct ovpn_struct *ovpn, u32 id)
{
	struct ovpn_peer *peer;

	peer = kmem_cache_zalloc(ovpn_peer_cache, GFP_KERNEL);
	if (!peer)
		return ERR_PTR(-ENOMEM);

	peer->id = id;
	peer->tx_id = id;
	peer->ovpn = ovpn;
	/* the table nodes and the route cache: zeroed, i.e. unused */
	ovpn_crypto_state_init(&peer->crypto);
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

	/* packets still in the receive pipeline are clamped with it */
	ovpn_mss_note_transport(peer);
	/* only the winner of the claim gets here: no concurrent writer */
	osock = rcu_replace_pointer(peer->sock, NULL, true);
	if (osock)
		ovpn_socket_put(osock);

	if (notify) {
		netdev_dbg(peer->ovpn->dev, "peer %u deleted, reason %d\n",
			   peer->id, reason);
		ovpn_notify_peer_deleted(peer, reason);
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
 * @peer: the peer, with its socket, endpoint and VPN addresses set; on
 *	success its reference belongs to the peer table
 * @extack: where to report errors
 *
 * P2P mode: the peer replaces the current one, which is deleted with
 * reason TEARDOWN. MP mode: the peer joins the others; its id and its
 * VPN addresses must be free.
 *
 * Context: process context.
 * Return: 0, -EEXIST (MP: id taken), -EADDRINUSE (MP: VPN address
 * taken), -ENOMEM (MP: the tables could not grow) or -ENODEV (the device
 * is going away).
 */
int ovpn_peer_add(struct ovpn_peer *peer, struct netlink_ext_ack *extack)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	struct ovpn_peer *old = NULL;
	int ret = 0;

	spin_lock_bh(&ovpn->lock);
	if (ovpn->dying) {
		NL_SET_ERR_MSG(extack, "the device is going away");
		ret = -ENODEV;
	} else if (ovpn->mode == OVPN_MODE_MP) {
		ret = ovpn_peer_hash(peer, extack);
	} else {
		/* a published peer is never marked deleted: claim the old one */
		old = rcu_dereference_protected(ovpn->peer,
						lockdep_is_held(&ovpn->lock));
		if (old)
			WRITE_ONCE(old->deleted, true);
		rcu_assign_pointer(ovpn->peer, peer);
	}
	spin_unlock_bh(&ovpn->lock);

	if (ret)
		return ret;

	netdev_dbg(ovpn->dev, "peer %u added\n", peer->id);

	if (old)
		ovpn_peer_finish(old, true, OVPN_NL_REASON_TEARDOWN);

	return 0;
}

/* claim @peer and take it out of every table; under ovpn->lock */
static void ovpn_peer_unpublish(struct ovpn_peer *peer)
{
	struct ovpn_struct *ovpn = peer->ovpn;

	lockdep_assert_held(&ovpn->lock);

	WRITE_ONCE(peer->deleted, true);

	if (ovpn->mode == OVPN_MODE_MP)
		ovpn_peer_unhash(peer);
	else if (rcu_access_pointer(ovpn->peer) == peer)
		RCU_INIT_POINTER(ovpn->peer, NULL);
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
	ovpn_peer_unpublish(peer);
	spin_unlock_bh(&ovpn->lock);

	ovpn_peer_finish(peer, true, reason);
	return 0;
}

/*
 * Claim up to OVPN_PEER_BATCH peers that use @osock (NULL: any), from id
 * *@id on, into @batch. *@id tells where to go on: OVPN_PEER_ID_END once
 * every peer was seen.
 * Return: the number of peers claimed.
 */
static unsigned int ovpn_peers_claim(struct ovpn_struct *ovpn,
				     struct ovpn_socket *osock,
				     unsigned long *id,
				     struct ovpn_peer **batch)
{
	struct ovpn_peer *peer;
	unsigned int n = 0;

	spin_lock_bh(&ovpn->lock);
	while (n < OVPN_PEER_BATCH && (peer = ovpn_peer_next(ovpn, id))) {
		(*id)++;
		if (osock && rcu_access_pointer(peer->sock) != osock)
			continue;
		ovpn_peer_unpublish(peer);
		batch[n++] = peer;
	}
	spin_unlock_bh(&ovpn->lock);

	return n;
}

/* delete every peer that uses @osock (NULL: every peer), notified */
static void ovpn_peers_del_all(struct ovpn_struct *ovpn,
			       struct ovpn_socket *osock,
			       enum ovpn_nl_reason reason)
{
	struct ovpn_peer *batch[OVPN_PEER_BATCH];
	unsigned long id = 0;
	unsigned int n, i;

	do {
		n = ovpn_peers_claim(ovpn, osock, &id, batch);
		for (i = 0; i < n; i++)
			ovpn_peer_finish(batch[i], true, reason);
		cond_resched();
	} while (id < OVPN_PEER_ID_END);
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
	ovpn_peers_del_all(ovpn, osock, reason);
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
	spin_lock_bh(&ovpn->lock);
	/* read without the lock by ovpn_nl_register_packet() */
	WRITE_ONCE(ovpn->dying, true);
	spin_unlock_bh(&ovpn->lock);

	ovpn_peers_del_all(ovpn, NULL, OVPN_NL_REASON_TEARDOWN);

	cancel_delayed_work_sync(&ovpn->keepalive_work);
}
