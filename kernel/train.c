// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - datagram trains (outer UDP GSO)
 *
 * A GSO send through the device is segmented once, and every segment is
 * encrypted into a DATA_V2 packet of the same length (the last one maybe
 * shorter). Sent one by one, each would cross the routing, netfilter, the
 * qdisc and the transmit path of the outer stack on its own. Joined into
 * a train - one UDP GSO packet (SKB_GSO_UDP_L4) whose frag_list holds the
 * encrypted packets - they cross it once, and are split into datagrams
 * where the outer device wants them: by the NIC (UDP segmentation
 * offload), by the stack just before a device that cannot, or by the
 * receiving UDP socket of a local peer (veth, loopback).
 *
 * The datagrams on the wire are the ones the packets would have made one
 * by one: same payloads in the same order, each with its own UDP checksum
 * (always computed for a train, even on a socket with SO_NO_CHECK) and
 * its own IP id. A capture taken above the split (a packet socket on a
 * device that segments in hardware or passes GSO packets on, such as
 * veth) sees the train as one large datagram, as it sees a TCP send
 * before TSO.
 *
 * The packets keep their own owner (the inner socket's write memory is
 * released when each one is freed, after the split) and the train's head
 * owns nothing: its truesize adds theirs, as a GRO frag_list head does.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/skbuff.h>

#include "train.h"
#include "udp.h"

/* can @skb ride in a train behind packets of @size bytes? */
static bool ovpn_train_fits(const struct sk_buff *skb, unsigned int size)
{
	/* skb_segment() takes each packet whole, from its linear part */
	return skb->len <= size && !skb_is_nonlinear(skb) && !skb_cloned(skb);
}

/**
 * ovpn_train_take - the next datagram, or train, of a GSO send
 * @ready: the encrypted DATA_V2 packets of one GSO send, in packet id
 *	order, all for the same peer
 * @segs: set to the number of packets the returned skb carries
 *
 * Takes the longest run at the head of @ready that one UDP GSO packet can
 * carry: packets of the first one's length, and at most one shorter packet
 * at its end; at most OVPN_TRAIN_MAX_SEGS packets and OVPN_TRAIN_MAX_BYTES
 * bytes in all. A run of two or more becomes a train: a new skb with no
 * data of its own (headroom for the outer headers) whose frag_list is the
 * run, with gso_size the first packet's length. Otherwise, or if the train
 * cannot be allocated, the first packet comes alone.
 *
 * The caller sends the result with ovpn_udp_send_skb(), which knows a
 * train by skb_is_gso().
 *
 * Context: any, GFP_ATOMIC.
 * Return: the packet or train, removed from @ready; NULL if @ready is empty.
 */
struct sk_buff *ovpn_train_take(struct sk_buff_head *ready, unsigned int *segs)
{
	struct sk_buff *first, *next, *train, *last;
	unsigned int size, len, truesize, n;

	first = __skb_dequeue(ready);
	if (!first)
		return NULL;
	*segs = 1;

	size = first->len;
	next = skb_peek(ready);
	if (!next || !ovpn_train_fits(first, size) ||
	    !ovpn_train_fits(next, size) ||
	    size + next->len > OVPN_TRAIN_MAX_BYTES)
		return first;

	train = alloc_skb(OVPN_UDP_HEADROOM, GFP_ATOMIC);
	if (unlikely(!train))
		return first;
	skb_reserve(train, OVPN_UDP_HEADROOM);

	len = size;
	truesize = first->truesize;
	last = first;
	n = 1;
	while ((next = skb_peek(ready)) && n < OVPN_TRAIN_MAX_SEGS &&
	       last->len == size && ovpn_train_fits(next, size) &&
	       len + next->len <= OVPN_TRAIN_MAX_BYTES) {
		__skb_unlink(next, ready);
		last->next = next;
		last = next;
		len += next->len;
		truesize += next->truesize;
		n++;
	}
	last->next = NULL;

	skb_shinfo(train)->frag_list = first;
	train->len = len;
	train->data_len = len;
	train->truesize += truesize;
	train->priority = first->priority;
	skb_shinfo(train)->gso_size = size;
	skb_shinfo(train)->gso_segs = n;
	skb_shinfo(train)->gso_type = SKB_GSO_UDP_L4;

	*segs = n;
	return train;
}
