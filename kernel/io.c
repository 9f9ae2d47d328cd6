// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - receive path
 *
 * The transport hands over each DATA_V2 packet with a reference on its
 * peer (ovpn_recv(), softirq); the receive pipeline (pipe.c) decrypts it
 * on any CPU (ovpn_rx_decrypt()) and delivers it in order through NAPI
 * and GRO (ovpn_rx_deliver()). The transmit path is tx.c.
 *
 * A decryption may complete asynchronously (-EINPROGRESS): its result
 * then reaches the pipeline from the crypto completion (softirq). Until
 * it is delivered the packet holds a reference on its peer in
 * ovpn_skb_cb(skb)->peer and one on its key slot.
 *
 * Against the direction, for what each packet needs, the receive path
 * calls up into the peers (peer_lookup.c, peer_route.c): its peer, the
 * float, the reverse path check. Nothing here reports to userspace
 * (notify.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <net/ip.h>

#include "compat.h"
#include "crypto.h"
#include "crypto_aead.h"
#include "io.h"
#include "mss.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "pipe.h"
#include "pktid.h"
#include "proto.h"
#include "stats.h"

/* packets waiting for their decryption or their delivery, per device */
#define OVPN_RX_RING_SIZE	4096

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

/**
 * ovpn_rx_deliver - count, float and deliver a decrypted packet
 * @napi: the receive pipeline's NAPI context that delivers it
 * @skb: the packet; consumed with the peer reference in its control block
 * @err: the result of its decryption: 0, or the negative errno that says
 *	why it is dropped
 *
 * Called in the order the packets arrived (pipe.c): an authentic packet's id
 * is checked against the replay window here, in that order. Releases the
 * packet's key slot.
 *
 * Context: softirq (NAPI poll).
 */
static void ovpn_rx_deliver(struct napi_struct *napi, struct sk_buff *skb,
			    int err)
{
	struct ovpn_crypto_key_slot *ks = ovpn_skb_cb(skb)->slot;
	struct ovpn_peer *peer = ovpn_skb_cb(skb)->peer;
	struct ovpn_struct *ovpn = peer->ovpn;
	unsigned int len;
	__be16 proto;

	/* authentic: the replay window sees the packets in arrival order */
	if (likely(!err))
		err = ovpn_pktid_recv(&ks->pid_recv, ovpn_skb_cb(skb)->pktid);
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
static void ovpn_rx_discard(struct sk_buff *skb, enum ovpn_stat stat)
{
	struct ovpn_peer *peer = ovpn_skb_cb(skb)->peer;

	ovpn_crypto_key_slot_put(ovpn_skb_cb(skb)->slot);
	ovpn_rx_drop(peer->ovpn, stat);
	kfree_skb(skb);
	ovpn_peer_put(peer);
}

/**
 * ovpn_rx_decrypt - authenticate and decrypt a packet of the pipeline
 * @skb: the packet, whole, as ovpn_recv() queued it
 *
 * With the key slot the packet found when it arrived; the result goes to
 * ovpn_pipe_done(), now or when an asynchronous decryption ends.
 *
 * Context: process context (the pipeline's workers) or bottom halves
 * disabled.
 */
static void ovpn_rx_decrypt(struct sk_buff *skb)
{
	int ret;

	/* the packet keeps its key slot until delivered: the replay window */
	ret = ovpn_aead_decrypt(ovpn_skb_cb(skb)->slot, skb, ovpn_pipe_done);
	if (ret != -EINPROGRESS)
		ovpn_pipe_done(skb, ret);
}

/* ops->finish of the receive pipeline: deliver the packets in order */
static void ovpn_rx_finish(struct napi_struct *napi,
			   struct sk_buff_head *done)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(done)))
		ovpn_rx_deliver(napi, skb, ovpn_skb_cb(skb)->result);
}

static void ovpn_rx_pipe_discard(struct sk_buff *skb)
{
	ovpn_rx_discard(skb, OVPN_STAT_RX_ERRORS);
}

static const struct ovpn_pipe_ops ovpn_rx_ops = {
	.crypt = ovpn_rx_decrypt,
	.finish = ovpn_rx_finish,
	.discard = ovpn_rx_pipe_discard,
};

/* the receive pipeline's workers: a function of their own for traces */
static void ovpn_rx_work(struct work_struct *work)
{
	ovpn_pipe_work(work);
}

/**
 * ovpn_rx_init - set up the receive pipeline of a new device
 * @ovpn: the device, being registered (ndo_init)
 *
 * Context: process context, RTNL held.
 * Return: 0 or -ENOMEM.
 */
int ovpn_rx_init(struct ovpn_struct *ovpn)
{
	return ovpn_pipe_init(&ovpn->rx, ovpn, &ovpn_rx_ops, ovpn_rx_work,
			      OVPN_RX_RING_SIZE);
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
 * goes to the receive pipeline (pipe.c), which decrypts it on any CPU and
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
	ovpn_skb_cb(skb)->slot = ks;

	err = ovpn_pipe_enqueue(&peer->ovpn->rx, skb, smp_processor_id());
	if (unlikely(err))
		ovpn_rx_discard(skb, err == -ENOBUFS ? OVPN_STAT_RX_QUEUE_FULL :
						       OVPN_STAT_RX_ERRORS);
}
