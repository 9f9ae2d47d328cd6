// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - data path
 *
 * TX: ovpn_net_xmit() (bottom halves disabled, lockless) segments GSO
 * packets once, then encrypts each packet inline with the peer's primary
 * key and hands it to the transport: the encrypted segments of a GSO
 * send together, as trains (train.c), over UDP.
 *
 * RX: the transport hands over each DATA_V2 packet with a reference on
 * its peer (ovpn_recv(), softirq); the receive pipeline (rx.c) decrypts
 * it on any CPU (ovpn_rx_decrypt()) and delivers it in order through NAPI
 * and GRO (ovpn_rx_deliver()).
 *
 * Encryption and decryption may complete asynchronously (-EINPROGRESS):
 * the *_post() functions then run from the crypto completion (softirq).
 * Between the two halves the packet holds a reference on its peer in
 * ovpn_skb_cb(skb)->peer; the crypto code holds its own on the key slot.
 *
 * Against the direction, for what each packet needs, the data path calls
 * up into the peers (peer_lookup.c, peer_route.c): its peer, the float,
 * the reverse path check. Nothing here reports to userspace (notify.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>

#include "compat.h"
#include "crypto.h"
#include "crypto_aead.h"
#include "io.h"
#include "mss.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "pktid.h"
#include "proto.h"
#include "rx.h"
#include "socket.h"
#include "stats.h"
#include "tcp.h"
#include "train.h"
#include "udp.h"

/* the keepalive ping: the whole plaintext of a DATA_V2 packet */
const u8 ovpn_keepalive_message[OVPN_KEEPALIVE_SIZE] = {
	0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
	0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48,
};

static bool ovpn_is_keepalive(struct sk_buff *skb)
{
	if (skb->len != sizeof(ovpn_keepalive_message) ||
	    !pskb_may_pull(skb, sizeof(ovpn_keepalive_message)))
		return false;

	return !memcmp(skb->data, ovpn_keepalive_message,
		       sizeof(ovpn_keepalive_message));
}

/* the protocol of a plaintext: ETH_P_IP, ETH_P_IPV6 or 0 (not IP) */
static __be16 ovpn_rx_protocol(struct sk_buff *skb)
{
	if (!pskb_may_pull(skb, 1))
		return 0;

	switch (skb->data[0] >> 4) {
	case 4:
		if (pskb_may_pull(skb, sizeof(struct iphdr)))
			return htons(ETH_P_IP);
		break;
	case 6:
		if (pskb_may_pull(skb, sizeof(struct ipv6hdr)))
			return htons(ETH_P_IPV6);
		break;
	}

	return 0;
}

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

/**
 * ovpn_rx_deliver - count, float and deliver a decrypted packet
 * @napi: the receive pipeline's NAPI context that delivers it
 * @skb: the packet; consumed with the peer reference in its control block
 * @err: the result of its decryption: 0, or the negative errno that says
 *	why it is dropped
 *
 * Called in the order the packets arrived (rx.c): an authentic packet's id
 * is checked against the replay window here, in that order. Releases the
 * packet's key slot.
 *
 * Context: softirq (NAPI poll).
 */
void ovpn_rx_deliver(struct napi_struct *napi, struct sk_buff *skb, int err)
{
	struct ovpn_crypto_key_slot *ks = ovpn_skb_cb(skb)->rx_ks;
	struct ovpn_peer *peer = ovpn_skb_cb(skb)->peer;
	struct ovpn_struct *ovpn = peer->ovpn;
	unsigned int len;
	__be16 proto;

	/* authentic: the replay window sees the packets in arrival order */
	if (likely(!err))
		err = ovpn_pktid_recv(&ks->pid_recv, ovpn_skb_cb(skb)->rx_pktid);
	ovpn_crypto_key_slot_put(ks);

	if (unlikely(err)) {
		switch (err) {
		case -EBADMSG:
			net_dbg_ratelimited("%s: peer %u: bad tag\n",
					    netdev_name(ovpn->dev), peer->id);
			ovpn_rx_drop(ovpn, OVPN_STAT_RX_AUTH_FAILED);
			break;
		case -EINVAL:
		case -EEXIST:
		case -ERANGE:
			ovpn_rx_drop(ovpn, OVPN_STAT_RX_REPLAY);
			break;
		default:
			ovpn_rx_drop(ovpn, OVPN_STAT_RX_ERRORS);
			break;
		}
		goto drop;
	}

	/* authentic and fresh: only now may the peer's address change */
	ovpn_peer_float(peer, skb);
	WRITE_ONCE(peer->last_recv, jiffies);

	len = skb->len;
	ovpn_peer_stat_add(&peer->stats.link_rx, len + OVPN_DATA_V2_OVERHEAD);
	ovpn_peer_stat_add(&peer->stats.vpn_rx, len);

	if (ovpn_is_keepalive(skb)) {
		ovpn_stats_inc(ovpn, OVPN_STAT_RX_KEEPALIVE);
		consume_skb(skb);
		goto out;
	}

	proto = ovpn_rx_protocol(skb);
	if (unlikely(!proto)) {
		net_dbg_ratelimited("%s: peer %u: non-IP payload\n",
				    netdev_name(ovpn->dev), peer->id);
		ovpn_rx_drop(ovpn, OVPN_STAT_RX_MALFORMED);
		goto drop;
	}

	/* MP: the source must be the peer or routed through it */
	if (unlikely(!ovpn_peer_check_by_src(ovpn, skb, proto, peer))) {
		net_dbg_ratelimited("%s: peer %u: bad inner source address\n",
				    netdev_name(ovpn->dev), peer->id);
		ovpn_rx_drop(ovpn, OVPN_STAT_RX_BAD_SOURCE);
		goto drop;
	}

	if (unlikely(!(ovpn->dev->flags & IFF_UP))) {
		ovpn_rx_drop(ovpn, OVPN_STAT_RX_ERRORS);
		goto drop;
	}

	/* nothing of the outer packet survives */
	skb_scrub_packet(skb, true);
	skb->dev = ovpn->dev;
	skb->protocol = proto;
	skb->encapsulation = 0;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	/* the AEAD tag vouches for the bytes the peer's stack checksummed */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = 0;

	ovpn_mss_clamp(peer, skb, OVPN_MSS_RX);

	napi_gro_receive(napi, skb);
	dev_sw_netstats_rx_add(ovpn->dev, len);
	goto out;

drop:
	kfree_skb(skb);
out:
	ovpn_peer_put(peer);
}

/**
 * ovpn_rx_discard - drop a packet the receive pipeline will not deliver
 * @skb: the packet; consumed with the peer and key slot references in its
 *	control block
 * @stat: why: the reason counter to count it in, besides rx_dropped
 *
 * Context: any but hard IRQ.
 */
void ovpn_rx_discard(struct sk_buff *skb, enum ovpn_stat stat)
{
	struct ovpn_peer *peer = ovpn_skb_cb(skb)->peer;

	ovpn_crypto_key_slot_put(ovpn_skb_cb(skb)->rx_ks);
	ovpn_rx_drop(peer->ovpn, stat);
	kfree_skb(skb);
	ovpn_peer_put(peer);
}

/**
 * ovpn_rx_decrypt - authenticate and decrypt a packet of the pipeline
 * @skb: the packet, whole, as ovpn_recv() queued it
 *
 * With the key slot the packet found when it arrived; the result goes to
 * ovpn_rx_done(), now or when an asynchronous decryption ends.
 *
 * Context: process context (the pipeline's workers) or bottom halves
 * disabled.
 */
void ovpn_rx_decrypt(struct sk_buff *skb)
{
	int ret;

	/* the packet keeps its key slot until delivered: the replay window */
	ret = ovpn_aead_decrypt(ovpn_skb_cb(skb)->rx_ks, skb, ovpn_rx_done);
	if (ret != -EINPROGRESS)
		ovpn_rx_done(skb, ret);
}

/**
 * ovpn_recv - decrypt and deliver a DATA_V2 packet
 * @peer: the peer named by the packet's peer id; its reference is consumed
 * @skb: the packet, skb->data at the DATA_V2 header, at least
 *	OVPN_DATA_V2_OVERHEAD bytes long with the first
 *	OVPN_OPCODE_SIZE in the linear part; consumed
 *
 * The key slot of the packet's key id is taken now, so that a key deleted
 * or swapped while the packet waits still decrypts it. The packet then
 * goes to the receive pipeline (rx.c), which decrypts it on any CPU and
 * delivers it in order; if the pipeline is full, it is dropped and counted
 * in rx_dropped and rx_queue_full.
 *
 * Context: softirq, or process context with bottom halves disabled.
 */
void ovpn_recv(struct ovpn_peer *peer, struct sk_buff *skb)
{
	struct ovpn_crypto_key_slot *ks;
	u8 key_id = skb->data[0] & OVPN_KEY_ID_MASK;
	int err;

	ks = ovpn_crypto_key_id_to_slot(&peer->crypto, key_id);
	if (unlikely(!ks)) {
		net_dbg_ratelimited("%s: peer %u: no key with id %u\n",
				    netdev_name(peer->ovpn->dev), peer->id,
				    key_id);
		ovpn_rx_drop(peer->ovpn, OVPN_STAT_RX_NO_KEY);
		kfree_skb(skb);
		ovpn_peer_put(peer);
		return;
	}

	memset(ovpn_skb_cb(skb), 0, sizeof(struct ovpn_skb_cb));
	ovpn_skb_cb(skb)->peer = peer;
	ovpn_skb_cb(skb)->rx_ks = ks;

	err = ovpn_rx_enqueue(peer->ovpn, skb);
	if (unlikely(err))
		ovpn_rx_discard(skb, err == -ENOBUFS ? OVPN_STAT_RX_QUEUE_FULL :
						       OVPN_STAT_RX_ERRORS);
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
		if (err == -ERANGE) {
			net_dbg_ratelimited("%s: peer %u: key exhausted\n",
					    netdev_name(ovpn->dev), peer->id);
			ovpn_tx_drop(ovpn, OVPN_STAT_TX_KEY_EXHAUSTED);
		} else {
			ovpn_tx_drop(ovpn, OVPN_STAT_TX_ERRORS);
		}
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
 * First half of TX: encrypt @skb for @peer. Return: the DATA_V2 packet,
 * ready, with a peer reference in its control block, for
 * ovpn_encrypt_post() or a train - not @skb itself if @skb was shared;
 * NULL if it is gone (dropped, or its asynchronous encryption ends in
 * ovpn_encrypt_post()).
 */
static struct sk_buff *ovpn_encrypt(struct ovpn_peer *peer,
				    struct sk_buff *skb, bool keepalive)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	struct ovpn_crypto_key_slot *ks;
	int ret;

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

	ret = ovpn_aead_encrypt(ks, READ_ONCE(peer->tx_id), skb,
				keepalive ? ovpn_encrypt_keepalive_done :
					    ovpn_encrypt_done);
	if (unlikely(ret == -ERANGE)) {
		/* packet ids exhausted: retire the key, never wrap */
		if (ovpn_crypto_kill_key(&peer->crypto, ks))
			ovpn_notify_key_exhausted(peer, ks->key_id);
	}
	ovpn_crypto_key_slot_put(ks);

	if (likely(!ret))
		return skb;
	if (ret != -EINPROGRESS)
		ovpn_encrypt_post(skb, ret, keepalive);
	return NULL;

drop:
	kfree_skb(skb);
	return NULL;
}

/**
 * ovpn_send - encrypt a packet for a peer, then send it
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
	skb = ovpn_encrypt(peer, skb, keepalive);
	if (skb)
		ovpn_encrypt_post(skb, 0, keepalive);
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
 * The segments of one GSO send: each is encrypted, then the ones that are
 * ready leave together, in trains over UDP, one frame each over TCP. A
 * segment whose encryption went asynchronous leaves on its own when it
 * ends, as any packet's.
 */
static void ovpn_send_segs(struct ovpn_peer *peer, struct sk_buff *segs)
{
	struct sk_buff *curr, *next;
	struct sk_buff_head ready;
	unsigned int n;

	__skb_queue_head_init(&ready);
	skb_list_walk_safe(segs, curr, next) {
		skb_mark_not_on_list(curr);
		curr = ovpn_encrypt(peer, curr, false);
		if (curr)
			__skb_queue_tail(&ready, curr);
	}

	if (ovpn_peer_is_tcp(peer)) {
		while ((curr = __skb_dequeue(&ready)))
			ovpn_encrypt_post(curr, 0, false);
		return;
	}

	while ((curr = ovpn_train_take(&ready, &n))) {
		if (n == 1)
			ovpn_encrypt_post(curr, 0, false);
		else
			ovpn_send_train(peer, curr, n);
	}
}

/**
 * ovpn_net_xmit - transmit a packet through an ovpn-dco device
 * @skb: the packet (IPv4 or IPv6, no link-layer header)
 * @dev: the ovpn-dco device
 *
 * Non-IP packets are dropped. The peer is chosen once for the whole
 * packet (P2P: the one peer; MP: by the packet's route, see
 * ovpn_peer_get_tx()); a GSO packet is then segmented and every
 * segment encrypted; over UDP the segments leave in trains (train.c),
 * one UDP GSO packet each. Every drop is counted in the device's
 * tx_dropped and in a reason counter.
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
		ovpn_send_segs(peer, segs);
	} else {
		ovpn_mss_clamp(peer, skb, OVPN_MSS_TX);
		ovpn_send(peer, skb, false);
	}

	ovpn_peer_put(peer);
	return NETDEV_TX_OK;

drop:
	kfree_skb(skb);
	return NETDEV_TX_OK;
}
