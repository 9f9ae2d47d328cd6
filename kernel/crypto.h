/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - key slots of a peer
 *
 * A peer has two key slots. The PRIMARY one encrypts what is sent and
 * decrypts what arrives with its key id; the SECONDARY one only decrypts
 * (the key being phased in or out during a renegotiation). Each installed
 * key is a struct ovpn_crypto_key_slot, refcounted and freed after an RCU
 * grace period: the data path looks slots up under RCU and holds a
 * reference for as long as it uses one, crypto requests in flight included.
 *
 * Locking: writers (netlink, TX key exhaustion, peer release) take
 * ovpn_crypto_state.lock with bottom halves disabled; readers use RCU.
 */

#ifndef _NET_OVPN_DCO_CRYPTO_H_
#define _NET_OVPN_DCO_CRYPTO_H_

#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/*
 * enum ovpn_cipher_alg and enum ovpn_key_slot are the same in both uapi
 * layouts, which cannot be included together: use the one the translation
 * unit already has, else ovpn-dco-v2's. A file that needs <uapi/linux/
 * ovpn_dco.h> must include it before this header.
 */
#if !defined(_UAPI_LINUX_OVPN_DCO_H_) && !defined(_UAPI_LINUX_OVPN_DCO_V2_H_)
#include <uapi/linux/ovpn_dco_v2.h>
#endif

#include "crypto_chachapoly.h"
#include "pktid.h"
#include "proto.h"

struct crypto_aead;
struct netlink_ext_ack;

/**
 * struct ovpn_key_direction - key material of one direction
 * @cipher_key: the cipher key
 * @cipher_key_size: its length in bytes
 * @nonce_tail: the last bytes of the nonce (the first are the packet id)
 */
struct ovpn_key_direction {
	const u8 *cipher_key;
	size_t cipher_key_size;
	u8 nonce_tail[OVPN_NONCE_TAIL_SIZE];
};

/**
 * struct ovpn_key_config - a key to install, as userspace gives it
 * @cipher_alg: OVPN_CIPHER_ALG_AES_GCM or OVPN_CIPHER_ALG_CHACHA20_POLY1305
 * @key_id: the key id of the packets, 0 to OVPN_KEY_ID_MAX
 * @encrypt: the key of the packets sent
 * @decrypt: the key of the packets received
 */
struct ovpn_key_config {
	enum ovpn_cipher_alg cipher_alg;
	u8 key_id;
	struct ovpn_key_direction encrypt;
	struct ovpn_key_direction decrypt;
};

/**
 * struct ovpn_crypto_key_slot - an installed key
 * @key_id: the key id of its packets
 * @chachapoly: ChaCha20-Poly1305, done with the library functions and
 *	@chacha_xmit/@chacha_recv; else AES-GCM, with @encrypt/@decrypt
 * @encrypt: AES-GCM: AEAD transform of the packets sent
 * @decrypt: AES-GCM: AEAD transform of the packets received
 * @chacha_xmit: ChaCha20-Poly1305: key words of the packets sent
 * @chacha_recv: ChaCha20-Poly1305: key words of the packets received
 * @nonce_tail_xmit: nonce tail of the packets sent
 * @nonce_tail_recv: nonce tail of the packets received
 * @pid_xmit: packet ids of the packets sent
 * @pid_recv: replay window of the packets received
 * @refcount: one for the slot it sits in, one per user
 * @rcu: freed after a grace period, when the last reference goes
 */
struct ovpn_crypto_key_slot {
	u8 key_id;
	bool chachapoly;
	struct crypto_aead *encrypt;
	struct crypto_aead *decrypt;
	u32 chacha_xmit[OVPN_CHACHAPOLY_KEY_WORDS];
	u32 chacha_recv[OVPN_CHACHAPOLY_KEY_WORDS];
	u8 nonce_tail_xmit[OVPN_NONCE_TAIL_SIZE];
	u8 nonce_tail_recv[OVPN_NONCE_TAIL_SIZE];
	struct ovpn_pktid_xmit pid_xmit;
	struct ovpn_pktid_recv pid_recv;
	struct kref refcount;
	struct rcu_head rcu;
};

/**
 * struct ovpn_crypto_state - the key slots of a peer
 * @slots: the two slots, either may be empty (NULL)
 * @primary_idx: slots[primary_idx] is PRIMARY (TX and RX), the other one
 *	SECONDARY (RX only); read locklessly with READ_ONCE()
 * @lock: taken by writers, bottom halves disabled
 */
struct ovpn_crypto_state {
	struct ovpn_crypto_key_slot __rcu *slots[2];
	u8 primary_idx;
	spinlock_t lock; /* writers of @slots and @primary_idx */
};

void ovpn_crypto_state_init(struct ovpn_crypto_state *cs);
void ovpn_crypto_state_release(struct ovpn_crypto_state *cs);
int ovpn_crypto_state_reset(struct ovpn_crypto_state *cs,
			    enum ovpn_key_slot slot,
			    const struct ovpn_key_config *kc,
			    struct netlink_ext_ack *extack);
void ovpn_crypto_key_slot_delete(struct ovpn_crypto_state *cs,
				 enum ovpn_key_slot slot);
void ovpn_crypto_key_slots_swap(struct ovpn_crypto_state *cs);
struct ovpn_crypto_key_slot *
ovpn_crypto_key_id_to_slot(struct ovpn_crypto_state *cs, u8 key_id);
struct ovpn_crypto_key_slot *
ovpn_crypto_key_slot_primary(struct ovpn_crypto_state *cs);
/* crypto_aead.c, which frees the slot with its transforms */
void ovpn_crypto_key_slot_release(struct kref *kref);
bool ovpn_crypto_kill_key(struct ovpn_crypto_state *cs,
			  struct ovpn_crypto_key_slot *ks);
int ovpn_crypto_slot_info(struct ovpn_crypto_state *cs,
			  enum ovpn_key_slot slot, u8 *key_id,
			  enum ovpn_cipher_alg *alg);

/**
 * ovpn_crypto_key_slot_hold - take a reference on a key slot
 * @ks: the key slot, already referenced by the caller
 */
static inline void ovpn_crypto_key_slot_hold(struct ovpn_crypto_key_slot *ks)
{
	kref_get(&ks->refcount);
}

/**
 * ovpn_crypto_key_slot_put - drop a reference on a key slot
 * @ks: the key slot
 *
 * The last reference frees it after an RCU grace period.
 *
 * Context: any but hard IRQ.
 */
static inline void ovpn_crypto_key_slot_put(struct ovpn_crypto_key_slot *ks)
{
	kref_put(&ks->refcount, ovpn_crypto_key_slot_release);
}

#endif /* _NET_OVPN_DCO_CRYPTO_H_ */
