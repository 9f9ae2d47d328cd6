/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - AEAD encryption of DATA_V2
 *
 * A DATA_V2 packet on the wire:
 *
 *	0          1..3        4..7        8..23      24..
 *	[op|keyid] [peer id]   [packet id] [tag]      [ciphertext]
 *
 * with op 9 (P_DATA_V2), the peer id and the packet id big endian, the
 * first 8 bytes authenticated as associated data, and the 12-byte nonce =
 * packet id (as on the wire) || the 8-byte nonce tail of the direction.
 */

#ifndef _NET_OVPN_DCO_CRYPTO_AEAD_H_
#define _NET_OVPN_DCO_CRYPTO_AEAD_H_

#include <linux/build_bug.h>
#include <linux/skbuff.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <crypto/aead.h>

#include "crypto.h"

struct netlink_ext_ack;
struct ovpn_peer;

/**
 * typedef ovpn_crypto_done_t - end of an asynchronous encryption or decryption
 * @skb: the packet, as the synchronous call would have left it
 * @err: 0 or the error the synchronous call would have returned
 *
 * Runs once, in the context the crypto driver completes in (usually
 * softirq; never hard IRQ), when ovpn_aead_encrypt() or ovpn_aead_decrypt()
 * returned -EINPROGRESS. It owns @skb. ovpn_skb_cb(@skb)->ks stays valid
 * until it returns.
 */
typedef void (*ovpn_crypto_done_t)(struct sk_buff *skb, int err);

struct ovpn_pipe_cell;

/**
 * struct ovpn_skb_cb - ovpn-dco's use of skb->cb between xmit or receive
 *	and the end of the crypto operation
 * @peer: the peer of the packet; set and used by the data path
 * @ks: the key slot of the operation in progress; set by
 *	ovpn_aead_encrypt() / ovpn_aead_decrypt()
 * @ctx: per-packet crypto state of the operation in progress; private to
 *	crypto_aead.c
 * @cell: the cell of the crypto pipeline that finishes the packet (pipe.c)
 * @slot: in a pipeline, the key slot the packet is encrypted or decrypted
 *	with: on receive, the slot of the packet's key id when it arrived; on
 *	send, the primary slot when it was queued. Referenced until the
 *	packet is finished
 * @result: in a pipeline, the result of the crypto operation, or pending
 *	(pipe.c)
 * @pktid: RX: the packet id of an authentic packet, for the replay check,
 *	set by ovpn_aead_decrypt(); TX in a pipeline: the packet id taken
 *	when it was queued
 */
struct ovpn_skb_cb {
	struct ovpn_peer *peer;
	struct ovpn_crypto_key_slot *ks;
	void *ctx;
	struct ovpn_pipe_cell *cell;
	struct ovpn_crypto_key_slot *slot;
	int result;
	u32 pktid;
};

static_assert(sizeof(struct ovpn_skb_cb) <= sizeof_field(struct sk_buff, cb));

/**
 * ovpn_skb_cb - ovpn-dco's control block of a packet
 * @skb: the packet
 *
 * Return: skb->cb, as a struct ovpn_skb_cb.
 */
static inline struct ovpn_skb_cb *ovpn_skb_cb(struct sk_buff *skb)
{
	return (struct ovpn_skb_cb *)skb->cb;
}

struct ovpn_crypto_key_slot *
ovpn_aead_crypto_key_slot_new(const struct ovpn_key_config *kc,
			      struct netlink_ext_ack *extack);
void ovpn_aead_crypto_key_slot_destroy(struct ovpn_crypto_key_slot *ks);

int ovpn_aead_encrypt(struct ovpn_crypto_key_slot *ks, u32 peer_id,
		      u32 pktid, struct sk_buff *skb, ovpn_crypto_done_t done);
int ovpn_aead_decrypt(struct ovpn_crypto_key_slot *ks, struct sk_buff *skb,
		      ovpn_crypto_done_t done);

#endif /* _NET_OVPN_DCO_CRYPTO_AEAD_H_ */
