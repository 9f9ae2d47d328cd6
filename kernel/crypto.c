// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - key slots of a peer
 *
 * The two slots are RCU pointers, changed under ovpn_crypto_state.lock
 * (bottom halves disabled: ovpn_crypto_kill_key() runs in the TX path).
 * A slot holds one reference on the key in it; removing the key drops that
 * reference, outside the lock. Readers take their own reference under RCU
 * with kref_get_unless_zero(), which is why a key is freed only after a
 * grace period.
 *
 * PRIMARY and SECONDARY are roles, not places: primary_idx tells which of
 * slots[0] and slots[1] is PRIMARY, and a swap flips it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#include "crypto.h"
#include "crypto_aead.h"

/* the index in cs->slots of the role @slot; caller holds cs->lock */
static unsigned int ovpn_crypto_slot_idx(const struct ovpn_crypto_state *cs,
					 enum ovpn_key_slot slot)
{
	return slot == OVPN_KEY_SLOT_PRIMARY ? cs->primary_idx :
					       !cs->primary_idx;
}

/**
 * ovpn_crypto_state_init - start with both key slots empty
 * @cs: the key slots of a peer
 */
void ovpn_crypto_state_init(struct ovpn_crypto_state *cs)
{
	RCU_INIT_POINTER(cs->slots[0], NULL);
	RCU_INIT_POINTER(cs->slots[1], NULL);
	cs->primary_idx = 0;
	spin_lock_init(&cs->lock);
}

/* swap @new into the slot at @idx; returns the key that was there */
static struct ovpn_crypto_key_slot *
ovpn_crypto_slot_replace(struct ovpn_crypto_state *cs, unsigned int idx,
			 struct ovpn_crypto_key_slot *new)
{
	return rcu_replace_pointer(cs->slots[idx], new,
				   lockdep_is_held(&cs->lock));
}

/**
 * ovpn_crypto_state_reset - install a key in a slot
 * @cs: the key slots of a peer
 * @slot: OVPN_KEY_SLOT_PRIMARY or OVPN_KEY_SLOT_SECONDARY
 * @kc: the key
 * @extack: where to report errors; may be NULL
 *
 * Replaces whatever the slot held. The new key starts its packet ids at 1
 * and its replay window empty.
 *
 * Context: process context, may sleep (the transforms are allocated).
 * Return: 0, or a negative errno with an extack message (see
 * ovpn_aead_crypto_key_slot_new()).
 */
int ovpn_crypto_state_reset(struct ovpn_crypto_state *cs,
			    enum ovpn_key_slot slot,
			    const struct ovpn_key_config *kc,
			    struct netlink_ext_ack *extack)
{
	struct ovpn_crypto_key_slot *ks, *old;

	if (slot != OVPN_KEY_SLOT_PRIMARY && slot != OVPN_KEY_SLOT_SECONDARY) {
		NL_SET_ERR_MSG(extack, "invalid key slot");
		return -EINVAL;
	}

	ks = ovpn_aead_crypto_key_slot_new(kc, extack);
	if (IS_ERR(ks))
		return PTR_ERR(ks);

	spin_lock_bh(&cs->lock);
	old = ovpn_crypto_slot_replace(cs, ovpn_crypto_slot_idx(cs, slot), ks);
	spin_unlock_bh(&cs->lock);

	if (old)
		ovpn_crypto_key_slot_put(old);
	return 0;
}

/**
 * ovpn_crypto_key_slot_delete - empty a key slot
 * @cs: the key slots of a peer
 * @slot: OVPN_KEY_SLOT_PRIMARY or OVPN_KEY_SLOT_SECONDARY
 *
 * An empty slot stays empty. Packets in flight keep their key until they
 * are done with it.
 *
 * Context: any but hard IRQ.
 */
void ovpn_crypto_key_slot_delete(struct ovpn_crypto_state *cs,
				 enum ovpn_key_slot slot)
{
	struct ovpn_crypto_key_slot *old;

	if (WARN_ON_ONCE(slot != OVPN_KEY_SLOT_PRIMARY &&
			 slot != OVPN_KEY_SLOT_SECONDARY))
		return;

	spin_lock_bh(&cs->lock);
	old = ovpn_crypto_slot_replace(cs, ovpn_crypto_slot_idx(cs, slot),
				       NULL);
	spin_unlock_bh(&cs->lock);

	if (old)
		ovpn_crypto_key_slot_put(old);
}

/**
 * ovpn_crypto_key_slots_swap - exchange the PRIMARY and SECONDARY keys
 * @cs: the key slots of a peer
 *
 * Either slot, or both, may be empty.
 *
 * Context: any but hard IRQ.
 */
void ovpn_crypto_key_slots_swap(struct ovpn_crypto_state *cs)
{
	spin_lock_bh(&cs->lock);
	WRITE_ONCE(cs->primary_idx, !cs->primary_idx);
	spin_unlock_bh(&cs->lock);
}

/**
 * ovpn_crypto_state_release - drop the keys of a peer
 * @cs: the key slots of a peer
 *
 * Empties both slots; packets in flight keep their key until they are done
 * with it.
 *
 * Context: any but hard IRQ.
 */
void ovpn_crypto_state_release(struct ovpn_crypto_state *cs)
{
	ovpn_crypto_key_slot_delete(cs, OVPN_KEY_SLOT_PRIMARY);
	ovpn_crypto_key_slot_delete(cs, OVPN_KEY_SLOT_SECONDARY);
}

/* a reference on @ks, NULL if none or going away; under rcu_read_lock() */
static struct ovpn_crypto_key_slot *
ovpn_crypto_slot_get(struct ovpn_crypto_key_slot *ks)
{
	if (ks && !kref_get_unless_zero(&ks->refcount))
		return NULL;
	return ks;
}

/**
 * ovpn_crypto_key_id_to_slot - the key to decrypt a packet with
 * @cs: the key slots of a peer
 * @key_id: the key id of the packet
 *
 * Looks at both slots, PRIMARY first.
 *
 * Context: any but hard IRQ; lockless (RCU).
 * Return: the key slot with key id @key_id, referenced (release with
 * ovpn_crypto_key_slot_put()), or NULL if no slot holds it.
 */
struct ovpn_crypto_key_slot *
ovpn_crypto_key_id_to_slot(struct ovpn_crypto_state *cs, u8 key_id)
{
	struct ovpn_crypto_key_slot *ks, *found = NULL;
	unsigned int idx = READ_ONCE(cs->primary_idx);
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(cs->slots) && !found; i++, idx = !idx) {
		ks = rcu_dereference(cs->slots[idx]);
		if (ks && ks->key_id == key_id)
			found = ovpn_crypto_slot_get(ks);
	}
	rcu_read_unlock();

	return found;
}

/**
 * ovpn_crypto_key_slot_primary - the key to encrypt with
 * @cs: the key slots of a peer
 *
 * Context: any but hard IRQ; lockless (RCU).
 * Return: the PRIMARY key slot, referenced (release with
 * ovpn_crypto_key_slot_put()), or NULL if it is empty.
 */
struct ovpn_crypto_key_slot *
ovpn_crypto_key_slot_primary(struct ovpn_crypto_state *cs)
{
	struct ovpn_crypto_key_slot *ks;

	rcu_read_lock();
	ks = rcu_dereference(cs->slots[READ_ONCE(cs->primary_idx)]);
	ks = ovpn_crypto_slot_get(ks);
	rcu_read_unlock();

	return ks;
}

/**
 * ovpn_crypto_kill_key - retire an exhausted PRIMARY key
 * @cs: the key slots of a peer
 * @ks: the key whose packet ids ran out, referenced by the caller
 *
 * Empties the PRIMARY slot if it still holds @ks: nothing is sent until
 * userspace installs a new key, rather than reusing packet ids. Does
 * nothing if @ks was replaced or moved to SECONDARY meanwhile.
 *
 * Context: any but hard IRQ (the TX path).
 * Return: true if this call retired @ks (userspace is to be told once).
 */
bool ovpn_crypto_kill_key(struct ovpn_crypto_state *cs,
			  struct ovpn_crypto_key_slot *ks)
{
	struct ovpn_crypto_key_slot *old = NULL;
	unsigned int idx;

	spin_lock_bh(&cs->lock);
	idx = cs->primary_idx;
	if (rcu_access_pointer(cs->slots[idx]) == ks)
		old = ovpn_crypto_slot_replace(cs, idx, NULL);
	spin_unlock_bh(&cs->lock);

	if (old) {
		pr_warn_ratelimited("key id %u: packet ids exhausted, key retired\n",
				    old->key_id);
		ovpn_crypto_key_slot_put(old);
	}
	return old;
}

/**
 * ovpn_crypto_slot_info - what a key slot holds, without the key material
 * @cs: the key slots of a peer
 * @slot: PRIMARY or SECONDARY
 * @key_id: the key id of the slot's key
 * @alg: its cipher
 *
 * Context: any.
 * Return: 0, or -ENOENT if the slot is empty.
 */
int ovpn_crypto_slot_info(struct ovpn_crypto_state *cs,
			  enum ovpn_key_slot slot, u8 *key_id,
			  enum ovpn_cipher_alg *alg)
{
	struct ovpn_crypto_key_slot *ks;
	unsigned int idx;
	int ret = -ENOENT;

	rcu_read_lock();
	idx = READ_ONCE(cs->primary_idx);
	if (slot == OVPN_KEY_SLOT_SECONDARY)
		idx = !idx;
	ks = rcu_dereference(cs->slots[idx]);
	if (ks) {
		*key_id = ks->key_id;
		*alg = ks->chachapoly ? OVPN_CIPHER_ALG_CHACHA20_POLY1305 :
					OVPN_CIPHER_ALG_AES_GCM;
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}
