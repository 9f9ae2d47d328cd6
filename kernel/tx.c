// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - transmit path
 *
 * ovpn_net_xmit() (bottom halves disabled, lockless) finds the peer of a
 * packet and segments a GSO packet once. Each packet is then readied
 * (ovpn_tx_prepare(): writable, checksummed, a reference on the peer's
 * primary key slot), given the slot's next packet id and encrypted:
 *
 *  - the segments of a GSO send go to the transmit pipeline (pipe.c),
 *    into the peer's cell, where they take their ids in queue order
 *    (ovpn_tx_take_id() under the cell's lock); workers encrypt them on
 *    every CPU (ovpn_tx_crypt()), and the cell's NAPI poll sends them in
 *    that order (ovpn_tx_finish()): over UDP in trains (train.c), one UDP
 *    GSO packet for a run of them, over TCP one frame each. A peer's
 *    packets leave in the order of their ids whatever CPUs send them;
 *  - any other packet is encrypted and sent inline, unless packets of its
 *    peer are still in the pipeline: it then queues behind them, so that
 *    it does not overtake them.
 *
 * So one busy sender is no longer limited to its own CPU for its
 * encryption, and a lone packet (a ping, a TCP ACK) still leaves at once.
 *
 * An asynchronous encryption (-EINPROGRESS) ends in the crypto driver's
 * completion: inline, the packet then leaves on its own from there
 * (ovpn_encrypt_done()); in the pipeline, the completion publishes the
 * result (ovpn_pipe_done()). Until it leaves, a packet holds a reference
 * on its peer in ovpn_skb_cb(skb)->peer; the crypto code holds its own on
 * the key slot.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/netfilter/nf_conntrack.h>

#include "compat.h"
#include "crypto.h"
#include "crypto_aead.h"
#include "io.h"
#include "main.h"
#include "mss.h"
#include "notify.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "pipe.h"
#include "pktid.h"
#include "proto.h"
#include "socket.h"
#include "stats.h"
#include "tcp.h"
#include "train.h"
#include "udp.h"

/* packets waiting for their encryption or their turn to leave, per device */
#define OVPN_TX_RING_SIZE	1024

/* an IPv4 or IPv6 packet whose version matches skb->protocol */
static bool ovpn_tx_is_ip(struct sk_buff *skb)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return pskb_may_pull(skb, sizeof(struct iphdr)) &&
		       (skb->data[0] >> 4) == 4;
	case htons(ETH_P_IPV6):
		return pskb_may_pull(skb, sizeof(struct ipv6hdr)) &&
		       (skb->data[0] >> 4) == 6;
	}

	return false;
}

/* does @peer's transport carry a stream (TCP) rather than datagrams? */
static bool ovpn_peer_is_tcp(struct ovpn_peer *peer)
{
	struct ovpn_socket *osock;
	bool tcp;

	rcu_read_lock();
	osock = rcu_dereference(peer->sock);
	tcp = osock && osock->tcp;
	rcu_read_unlock();

	return tcp;
}

/**
 * ovpn_send_transport - hand a ready packet to the peer's transport
 * @peer: the peer
 * @skb: the packet, DATA_V2 or control, without any transport framing;
 *	consumed
 *
 * UDP: one datagram. TCP: one length-prefixed frame of the stream.
 *
 * Context: bottom halves disabled.
 * Return: 0 if the transport took the packet, else a negative errno (the
 * packet is freed).
 */
int ovpn_send_transport(struct ovpn_peer *peer, struct sk_buff *skb)
{
	if (ovpn_peer_is_tcp(peer))
		return ovpn_tcp_send_skb(peer, skb);
	return ovpn_udp_send_skb(peer, skb);
}

/* count @packets DATA_V2 packets sent to @peer, @bytes long in all */
static void ovpn_tx_sent(struct ovpn_peer *peer, unsigned int packets,
			 unsigned int bytes, bool keepalive)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	unsigned int inner = bytes - packets * OVPN_DATA_V2_OVERHEAD;

	ovpn_peer_stat_add_many(&peer->stats.link_tx, packets, bytes);
	ovpn_peer_stat_add_many(&peer->stats.vpn_tx, packets, inner);
	WRITE_ONCE(peer->last_sent, jiffies);

	if (keepalive)
		ovpn_stats_inc(ovpn, OVPN_STAT_TX_KEEPALIVE);
	else
		dev_sw_netstats_tx_add(ovpn->dev, packets, inner);
}

/*
 * Second half of TX: send and count. Consumes the packet and the peer
 * reference in its control block.
 */
static void ovpn_encrypt_post(struct sk_buff *skb, int err, bool keepalive)
{
	struct ovpn_peer *peer = ovpn_skb_cb(skb)->peer;
	struct ovpn_struct *ovpn = peer->ovpn;
	unsigned int len;

	if (unlikely(err)) {
		ovpn_tx_drop(ovpn, OVPN_STAT_TX_ERRORS);
		kfree_skb(skb);
		goto out;
	}

	/* the whole DATA_V2 packet: the UDP payload, the TCP frame's body */
	len = skb->len;
	if (unlikely(ovpn_send_transport(peer, skb))) {
		ovpn_tx_drop(ovpn, OVPN_STAT_TX_ERRORS);
		goto out;
	}

	ovpn_tx_sent(peer, 1, len, keepalive);
out:
	ovpn_peer_put(peer);
}

static void ovpn_encrypt_done(struct sk_buff *skb, int err)
{
	ovpn_encrypt_post(skb, err, false);
}

static void ovpn_encrypt_keepalive_done(struct sk_buff *skb, int err)
{
	ovpn_encrypt_post(skb, err, true);
}

/*
 * Ready @skb to be encrypted for @peer: writable head, checksum done, and
 * in its control block a reference on @peer and one on the primary key
 * slot. Return: the packet - not @skb itself if @skb was shared; NULL if
 * it was dropped (and counted).
 */
static struct sk_buff *ovpn_tx_prepare(struct ovpn_peer *peer,
				       struct sk_buff *skb)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	struct ovpn_crypto_key_slot *ks;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		ovpn_tx_drop(ovpn, OVPN_STAT_TX_ERRORS);
		return NULL;
	}

	/* the checksum must be in the packet before it is encrypted */
	if (unlikely((skb->ip_summed == CHECKSUM_PARTIAL &&
		      skb_checksum_help(skb)) ||
		     skb_cow_head(skb, OVPN_HEAD_ROOM))) {
		ovpn_tx_drop(ovpn, OVPN_STAT_TX_ERRORS);
		goto drop;
	}

	ks = ovpn_crypto_key_slot_primary(&peer->crypto);
	if (unlikely(!ks)) {
		net_dbg_ratelimited("%s: peer %u: no primary key\n",
				    netdev_name(ovpn->dev), peer->id);
		ovpn_tx_drop(ovpn, OVPN_STAT_TX_NO_KEY);
		goto drop;
	}

	kref_get(&peer->refcount);
	memset(ovpn_skb_cb(skb), 0, sizeof(struct ovpn_skb_cb));
	ovpn_skb_cb(skb)->peer = peer;
	ovpn_skb_cb(skb)->slot = ks;
	return skb;

drop:
	kfree_skb(skb);
	return NULL;
}

/*
 * The packet id of a readied packet, from its key slot. Also the transmit
 * pipeline's ops->queued: there, under the lock of the peer's cell, so
 * that the ids follow the order the packets leave in.
 * Return: 0, or -ERANGE once the slot's ids are exhausted.
 */
static int ovpn_tx_take_id(struct sk_buff *skb)
{
	struct ovpn_skb_cb *cb = ovpn_skb_cb(skb);

	return ovpn_pktid_xmit_next(&cb->slot->pid_xmit, &cb->pktid);
}

/* a readied packet that will not leave: count and free it */
static void ovpn_tx_discard(struct sk_buff *skb, enum ovpn_stat stat)
{
	struct ovpn_peer *peer = ovpn_skb_cb(skb)->peer;

	if (ovpn_skb_cb(skb)->slot)
		ovpn_crypto_key_slot_put(ovpn_skb_cb(skb)->slot);
	ovpn_tx_drop(peer->ovpn, stat);
	kfree_skb(skb);
	ovpn_peer_put(peer);
}

/*
 * Drop a readied packet whose key slot ran out of packet ids, and retire
 * the key: it never wraps.
 */
static void ovpn_tx_exhausted(struct sk_buff *skb)
{
	struct ovpn_crypto_key_slot *ks = ovpn_skb_cb(skb)->slot;
	struct ovpn_peer *peer = ovpn_skb_cb(skb)->peer;

	net_dbg_ratelimited("%s: peer %u: key exhausted\n",
			    netdev_name(peer->ovpn->dev), peer->id);
	if (ovpn_crypto_kill_key(&peer->crypto, ks))
		ovpn_notify_key_exhausted(peer, ks->key_id);
	ovpn_tx_discard(skb, OVPN_STAT_TX_KEY_EXHAUSTED);
}

/*
 * Encrypt a packet ovpn_tx_prepare() readied, and release its key slot.
 * Return: as ovpn_aead_encrypt(); with -EINPROGRESS @done owns @skb.
 */
static int ovpn_tx_encrypt(struct sk_buff *skb, ovpn_crypto_done_t done)
{
	struct ovpn_crypto_key_slot *ks = ovpn_skb_cb(skb)->slot;
	struct ovpn_peer *peer = ovpn_skb_cb(skb)->peer;
	int ret;

	ovpn_skb_cb(skb)->slot = NULL;
	ret = ovpn_aead_encrypt(ks, READ_ONCE(peer->tx_id),
				ovpn_skb_cb(skb)->pktid, skb, done);
	ovpn_crypto_key_slot_put(ks);
	return ret;
}

/**
 * ovpn_send - encrypt a packet for a peer, then send it, inline
 * @peer: the peer, held by the caller; the packet takes its own reference
 * @skb: one packet (not GSO), the plaintext; consumed
 * @keepalive: @skb is the keepalive ping: counted in tx_keepalive, not in
 *	the device's tstats
 *
 * Every drop is counted in the device's tx_dropped and a reason counter.
 *
 * Context: bottom halves disabled.
 */
void ovpn_send(struct ovpn_peer *peer, struct sk_buff *skb, bool keepalive)
{
	int ret;

	skb = ovpn_tx_prepare(peer, skb);
	if (!skb)
		return;
	if (unlikely(ovpn_tx_take_id(skb))) {
		ovpn_tx_exhausted(skb);
		return;
	}

	ret = ovpn_tx_encrypt(skb, keepalive ? ovpn_encrypt_keepalive_done :
					       ovpn_encrypt_done);
	if (ret != -EINPROGRESS)
		ovpn_encrypt_post(skb, ret, keepalive);
}

/*
 * The cell of @peer's packets in the transmit pipeline: one cell for all
 * of them, whatever CPU sends them, so that they leave in the order of
 * their packet ids (a receiver's replay window may be as short as
 * OpenVPN's default of 64 ids). The peers share the cells by id.
 */
static int ovpn_tx_cpu(const struct ovpn_peer *peer)
{
	int cpu = peer->id % nr_cpu_ids;

	return cpu_possible(cpu) ? cpu : cpumask_first(cpu_possible_mask);
}

/* queue a readied packet in the transmit pipeline, or drop it */
static void ovpn_tx_queue(struct ovpn_peer *peer, struct sk_buff *skb)
{
	int err = ovpn_pipe_enqueue(&peer->ovpn->tx, skb, ovpn_tx_cpu(peer));

	if (likely(!err))
		return;
	if (err == -ERANGE)
		ovpn_tx_exhausted(skb);
	else
		ovpn_tx_discard(skb, err == -ENOBUFS ? OVPN_STAT_TX_QUEUE_FULL :
						       OVPN_STAT_TX_ERRORS);
}

/* ops->crypt of the transmit pipeline: worker, bottom halves disabled */
static void ovpn_tx_crypt(struct sk_buff *skb)
{
	int ret = ovpn_tx_encrypt(skb, ovpn_pipe_done);

	if (ret != -EINPROGRESS)
		ovpn_pipe_done(skb, ret);
}

/* send a train of @segs ready packets (train.c) and count them */
static void ovpn_send_train(struct ovpn_peer *peer, struct sk_buff *train,
			    unsigned int segs)
{
	unsigned int len = train->len;
	struct sk_buff *skb;

	/* the packets' own references: the caller holds the peer */
	skb_walk_frags(train, skb)
		ovpn_peer_put(peer);

	if (unlikely(ovpn_udp_send_skb(peer, train))) {
		while (segs--)
			ovpn_tx_drop(peer->ovpn, OVPN_STAT_TX_ERRORS);
		return;
	}

	ovpn_tx_sent(peer, segs, len, false);
	ovpn_stats_inc(peer->ovpn, OVPN_STAT_TX_TRAINS);
	ovpn_stats_add(peer->ovpn, OVPN_STAT_TX_TRAIN_PACKETS, segs);
}

/*
 * Send encrypted packets of @peer in order: over UDP in trains, over TCP
 * one frame each. Consumes them with their peer references; the caller
 * holds one of its own.
 */
static void ovpn_tx_send_ready(struct ovpn_peer *peer,
			       struct sk_buff_head *ready)
{
	struct sk_buff *skb;
	unsigned int n;

	if (ovpn_peer_is_tcp(peer)) {
		while ((skb = __skb_dequeue(ready)))
			ovpn_encrypt_post(skb, 0, false);
		return;
	}

	while ((skb = ovpn_train_take(ready, &n))) {
		if (n == 1)
			ovpn_encrypt_post(skb, 0, false);
		else
			ovpn_send_train(peer, skb, n);
	}
}

/*
 * ops->finish of the transmit pipeline: @done are the encrypted (or
 * failed) packets at the head of a cell, in order; each run of one peer's
 * packets leaves together.
 */
static void ovpn_tx_finish(struct napi_struct *napi,
			   struct sk_buff_head *done)
{
	struct sk_buff_head ready;
	struct ovpn_peer *peer;
	struct sk_buff *skb;

	__skb_queue_head_init(&ready);
	while ((skb = __skb_dequeue(done))) {
		peer = ovpn_skb_cb(skb)->peer;
		if (unlikely(ovpn_skb_cb(skb)->result)) {
			ovpn_encrypt_post(skb, ovpn_skb_cb(skb)->result, false);
			continue;
		}

		__skb_queue_tail(&ready, skb);
		skb = skb_peek(done);
		if (skb && ovpn_skb_cb(skb)->peer == peer &&
		    !ovpn_skb_cb(skb)->result)
			continue;

		kref_get(&peer->refcount);
		ovpn_tx_send_ready(peer, &ready);
		ovpn_peer_put(peer);
	}
}

static void ovpn_tx_pipe_discard(struct sk_buff *skb)
{
	ovpn_tx_discard(skb, OVPN_STAT_TX_ERRORS);
}

static const struct ovpn_pipe_ops ovpn_tx_ops = {
	.crypt = ovpn_tx_crypt,
	.finish = ovpn_tx_finish,
	.discard = ovpn_tx_pipe_discard,
	.queued = ovpn_tx_take_id,
	.whole_runs = true,
};

/* the transmit pipeline's workers: a function of their own for traces */
static void ovpn_tx_work(struct work_struct *work)
{
	ovpn_pipe_work(work);
}

/**
 * ovpn_tx_init - set up the transmit pipeline of a new device
 * @ovpn: the device, being registered (ndo_init)
 *
 * Context: process context, RTNL held.
 * Return: 0 or -ENOMEM.
 */
int ovpn_tx_init(struct ovpn_struct *ovpn)
{
	return ovpn_pipe_init(&ovpn->tx, ovpn, &ovpn_tx_ops, ovpn_tx_work,
			      OVPN_TX_RING_SIZE);
}

/* the segments of one GSO send: readied in order, then queued */
static void ovpn_tx_segs(struct ovpn_peer *peer, struct sk_buff *segs)
{
	struct sk_buff *curr, *next;

	skb_list_walk_safe(segs, curr, next) {
		skb_mark_not_on_list(curr);
		curr = ovpn_tx_prepare(peer, curr);
		if (curr)
			ovpn_tx_queue(peer, curr);
	}
}

/**
 * ovpn_net_xmit - transmit a packet through an ovpn-dco device
 * @skb: the packet (IPv4 or IPv6, no link-layer header)
 * @dev: the ovpn-dco device
 *
 * Non-IP packets are dropped. The peer is chosen once for the whole
 * packet (P2P: the one peer; MP: by the packet's route, see
 * ovpn_peer_get_tx()); a GSO packet is then segmented and its segments go
 * to the transmit pipeline; another packet is encrypted and sent inline,
 * unless it must queue behind packets of its peer still in the pipeline.
 * Every drop is counted in the device's tx_dropped and in a reason
 * counter.
 *
 * Context: called by the core with bottom halves disabled; lockless (lltx).
 * Return: always NETDEV_TX_OK, the packet is consumed.
 */
netdev_tx_t ovpn_net_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ovpn_struct *ovpn = netdev_priv(dev);
	struct ovpn_peer *peer;
	struct sk_buff *segs;

	nf_reset_ct(skb);

	if (unlikely(!ovpn_tx_is_ip(skb))) {
		ovpn_tx_drop(ovpn, OVPN_STAT_TX_MALFORMED);
		goto drop;
	}

	peer = ovpn_peer_get_tx(ovpn, skb);
	if (unlikely(!peer)) {
		net_dbg_ratelimited("%s: no peer to send to\n",
				    netdev_name(dev));
		ovpn_tx_drop(ovpn, OVPN_STAT_TX_NO_PEER);
		goto drop;
	}

	if (skb_is_gso(skb)) {
		/* a SYN is never GSO: nothing to clamp */
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			ovpn_tx_drop(ovpn, OVPN_STAT_TX_ERRORS);
			ovpn_peer_put(peer);
			goto drop;
		}
		consume_skb(skb);
		ovpn_tx_segs(peer, segs);
	} else {
		ovpn_mss_clamp(peer, skb, OVPN_MSS_TX);
		if (ovpn_pipe_idle(&ovpn->tx, ovpn_tx_cpu(peer))) {
			ovpn_send(peer, skb, false);
		} else {
			skb = ovpn_tx_prepare(peer, skb);
			if (skb)
				ovpn_tx_queue(peer, skb);
		}
	}

	ovpn_peer_put(peer);
	return NETDEV_TX_OK;

drop:
	kfree_skb(skb);
	return NETDEV_TX_OK;
}
