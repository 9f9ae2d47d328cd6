// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - netlink key commands
 *
 * NEW_KEY, SWAP_KEYS and DEL_KEY, for both families: their nests have the
 * same attribute ids in both layouts. netlink.c has checked the device and
 * parsed the operation's nest into req->tb, the required attributes
 * included, against the family's strict policy.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <uapi/linux/ovpn_dco_v2.h>

#include "crypto.h"
#include "netlink.h"
#include "peer.h"
#include "proto.h"

/* reading the key directions again: the family's policy validated them */
static const struct nla_policy
ovpn_nl_key_dir_read_policy[OVPN_KEY_DIR_ATTR_MAX + 1] = {
	[OVPN_KEY_DIR_ATTR_CIPHER_KEY] = { .type = NLA_BINARY },
	[OVPN_KEY_DIR_ATTR_NONCE_TAIL] =
		NLA_POLICY_EXACT_LEN(OVPN_NONCE_TAIL_SIZE),
};

/* @nest (ENCRYPT_KEY if @encrypt, else DECRYPT_KEY) into @dir */
static int ovpn_nl_get_key_dir(struct ovpn_nl_req *req, struct nlattr *nest,
			       bool encrypt, struct ovpn_key_direction *dir)
{
	struct nlattr *tb[OVPN_KEY_DIR_ATTR_MAX + 1];
	struct nlattr *attr;
	int ret;

	ret = nla_parse_nested(tb, OVPN_KEY_DIR_ATTR_MAX, nest,
			       ovpn_nl_key_dir_read_policy, req->extack);
	if (ret)
		return ret;

	attr = tb[OVPN_KEY_DIR_ATTR_CIPHER_KEY];
	if (!attr) {
		NL_SET_ERR_ATTR_MISS(req->extack, nest,
				     OVPN_KEY_DIR_ATTR_CIPHER_KEY);
		if (encrypt)
			NL_SET_ERR_MSG(req->extack,
				       "missing cipher key of ENCRYPT_KEY");
		else
			NL_SET_ERR_MSG(req->extack,
				       "missing cipher key of DECRYPT_KEY");
		return -EINVAL;
	}
	dir->cipher_key = nla_data(attr);
	dir->cipher_key_size = nla_len(attr);

	attr = tb[OVPN_KEY_DIR_ATTR_NONCE_TAIL];
	if (!attr) {
		NL_SET_ERR_ATTR_MISS(req->extack, nest,
				     OVPN_KEY_DIR_ATTR_NONCE_TAIL);
		if (encrypt)
			NL_SET_ERR_MSG(req->extack,
				       "missing nonce tail of ENCRYPT_KEY");
		else
			NL_SET_ERR_MSG(req->extack,
				       "missing nonce tail of DECRYPT_KEY");
		return -EINVAL;
	}
	nla_memcpy(dir->nonce_tail, attr, OVPN_NONCE_TAIL_SIZE);

	return 0;
}

/* the peer named by the nest's PEER_ID, referenced; extack if none */
static struct ovpn_peer *ovpn_nl_key_peer(struct ovpn_nl_req *req,
					  unsigned int attr_type)
{
	struct nlattr *attr = req->tb[attr_type];
	struct ovpn_peer *peer;

	peer = ovpn_peer_get_by_id(req->ovpn, nla_get_u32(attr));
	if (!peer)
		NL_SET_ERR_MSG_ATTR(req->extack, attr, "no such peer");
	return peer;
}

/**
 * ovpn_nl_new_key - OVPN_CMD_NEW_KEY: install a key in a slot of a peer
 * @req: the request, its nest parsed into req->tb
 *
 * Replaces the key the slot held. Both key directions need a cipher key,
 * of a size that fits the cipher, and a nonce tail.
 *
 * Context: process context (genetlink doit), may sleep.
 * Return: 0, or a negative errno with an extack message: -ENOENT for an
 * unknown peer, -EINVAL for missing or invalid key material, -ENOMEM, or
 * the crypto API's error.
 */
int ovpn_nl_new_key(struct ovpn_nl_req *req)
{
	struct ovpn_key_config kc = {};
	enum ovpn_key_slot slot;
	struct ovpn_peer *peer;
	int ret;

	slot = nla_get_u8(req->tb[OVPN_NEW_KEY_ATTR_KEY_SLOT]);
	kc.key_id = nla_get_u8(req->tb[OVPN_NEW_KEY_ATTR_KEY_ID]);
	kc.cipher_alg = nla_get_u16(req->tb[OVPN_NEW_KEY_ATTR_CIPHER_ALG]);

	ret = ovpn_nl_get_key_dir(req, req->tb[OVPN_NEW_KEY_ATTR_ENCRYPT_KEY],
				  true, &kc.encrypt);
	if (ret)
		return ret;

	ret = ovpn_nl_get_key_dir(req, req->tb[OVPN_NEW_KEY_ATTR_DECRYPT_KEY],
				  false, &kc.decrypt);
	if (ret)
		return ret;

	peer = ovpn_nl_key_peer(req, OVPN_NEW_KEY_ATTR_PEER_ID);
	if (!peer)
		return -ENOENT;

	ret = ovpn_crypto_state_reset(&peer->crypto, slot, &kc, req->extack);
	if (!ret)
		netdev_dbg(req->dev, "peer %u: key id %u installed in slot %u\n",
			   peer->id, kc.key_id, slot);

	ovpn_peer_put(peer);
	return ret;
}

/**
 * ovpn_nl_swap_keys - OVPN_CMD_SWAP_KEYS: exchange the PRIMARY and
 *	SECONDARY keys of a peer
 * @req: the request, its nest parsed into req->tb
 *
 * Empty slots are swapped too: swapping with an empty SECONDARY leaves the
 * peer without a PRIMARY key.
 *
 * Context: process context (genetlink doit).
 * Return: 0, or -ENOENT with an extack message for an unknown peer.
 */
int ovpn_nl_swap_keys(struct ovpn_nl_req *req)
{
	struct ovpn_peer *peer;

	peer = ovpn_nl_key_peer(req, OVPN_SWAP_KEYS_ATTR_PEER_ID);
	if (!peer)
		return -ENOENT;

	ovpn_crypto_key_slots_swap(&peer->crypto);
	netdev_dbg(req->dev, "peer %u: key slots swapped\n", peer->id);

	ovpn_peer_put(peer);
	return 0;
}

/**
 * ovpn_nl_del_key - OVPN_CMD_DEL_KEY: erase a key slot of a peer
 * @req: the request, its nest parsed into req->tb
 *
 * Erasing an empty slot succeeds.
 *
 * Context: process context (genetlink doit).
 * Return: 0, or -ENOENT with an extack message for an unknown peer.
 */
int ovpn_nl_del_key(struct ovpn_nl_req *req)
{
	enum ovpn_key_slot slot;
	struct ovpn_peer *peer;

	slot = nla_get_u8(req->tb[OVPN_DEL_KEY_ATTR_KEY_SLOT]);

	peer = ovpn_nl_key_peer(req, OVPN_DEL_KEY_ATTR_PEER_ID);
	if (!peer)
		return -ENOENT;

	ovpn_crypto_key_slot_delete(&peer->crypto, slot);
	netdev_dbg(req->dev, "peer %u: key slot %u erased\n", peer->id, slot);

	ovpn_peer_put(peer);
	return 0;
}
