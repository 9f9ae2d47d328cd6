// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: generic netlink family "ovpn" - keys
 *
 * KEY_NEW, KEY_GET, KEY_SWAP and KEY_DEL of the in-tree driver's API
 * (netlink_ovpn.h), on the key slots of crypto.c.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "netlink_ovpn.h"
#include "ovpnstruct.h"
#include "peer.h"

/*
 * The device and the OVPN_A_KEYCONF nest of a key request, parsed with
 * @policy, each of @need (a 0-terminated list of types) present.
 */
static struct ovpn_struct *ovpn_nlo_key_begin(struct genl_info *info,
					      struct nlattr **tb,
					      const struct nla_policy *policy,
					      const u8 *need)
{
	struct ovpn_struct *ovpn;

	ovpn = ovpn_nlo_begin(info, OVPN_A_KEYCONF, tb, OVPN_A_KEYCONF_MAX,
			      policy);
	if (IS_ERR(ovpn))
		return ovpn;

	for (; *need; need++) {
		if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[OVPN_A_KEYCONF],
				      tb, *need)) {
			ovpn_nlo_dev_put(ovpn);
			return ERR_PTR(-EINVAL);
		}
	}
	return ovpn;
}

/* an encrypt-dir or decrypt-dir nest into @dir */
static int ovpn_nlo_key_dir(struct genl_info *info, struct nlattr *nest,
			    enum ovpn_cipher_alg alg,
			    struct ovpn_key_direction *dir)
{
	struct nlattr *tb[OVPN_A_KEYDIR_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, OVPN_A_KEYDIR_MAX, nest,
			       ovpn_nlo_keydir_policy, info->extack);
	if (ret)
		return ret;

	if (alg != OVPN_CIPHER_ALG_AES_GCM &&
	    alg != OVPN_CIPHER_ALG_CHACHA20_POLY1305) {
		OVPN_NLO_MSG(info->extack, "unsupported cipher");
		return -EINVAL;
	}

	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb,
			      OVPN_A_KEYDIR_CIPHER_KEY) ||
	    NL_REQ_ATTR_CHECK(info->extack, nest, tb,
			      OVPN_A_KEYDIR_NONCE_TAIL))
		return -EINVAL;

	dir->cipher_key = nla_data(tb[OVPN_A_KEYDIR_CIPHER_KEY]);
	dir->cipher_key_size = nla_len(tb[OVPN_A_KEYDIR_CIPHER_KEY]);
	nla_memcpy(dir->nonce_tail, tb[OVPN_A_KEYDIR_NONCE_TAIL],
		   OVPN_NONCE_TAIL_SIZE);
	return 0;
}

/* the peer a key request names, held, or NULL */
static struct ovpn_peer *ovpn_nlo_key_peer(struct ovpn_struct *ovpn,
					   struct nlattr **tb)
{
	return ovpn_peer_get_by_id(ovpn,
				   nla_get_u32(tb[OVPN_A_KEYCONF_PEER_ID]));
}

/**
 * ovpn_nlo_key_new_doit - KEY_NEW: install a key in a slot of a peer
 * @skb: the request
 * @info: its attributes: OVPN_A_IFINDEX and the OVPN_A_KEYCONF nest
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nlo_key_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	static const u8 need[] = {
		OVPN_A_KEYCONF_PEER_ID, OVPN_A_KEYCONF_SLOT,
		OVPN_A_KEYCONF_KEY_ID, OVPN_A_KEYCONF_CIPHER_ALG,
		OVPN_A_KEYCONF_ENCRYPT_DIR, OVPN_A_KEYCONF_DECRYPT_DIR, 0,
	};
	struct nlattr *tb[OVPN_A_KEYCONF_MAX + 1];
	struct ovpn_key_config kc = {};
	struct ovpn_struct *ovpn;
	enum ovpn_key_slot slot;
	struct ovpn_peer *peer;
	int ret;

	ovpn = ovpn_nlo_key_begin(info, tb, ovpn_nlo_keyconf_policy, need);
	if (IS_ERR(ovpn))
		return PTR_ERR(ovpn);

	slot = nla_get_u32(tb[OVPN_A_KEYCONF_SLOT]);
	kc.key_id = nla_get_u32(tb[OVPN_A_KEYCONF_KEY_ID]);
	kc.cipher_alg = nla_get_u32(tb[OVPN_A_KEYCONF_CIPHER_ALG]);
	ret = ovpn_nlo_key_dir(info, tb[OVPN_A_KEYCONF_ENCRYPT_DIR],
			       kc.cipher_alg, &kc.encrypt);
	if (!ret)
		ret = ovpn_nlo_key_dir(info, tb[OVPN_A_KEYCONF_DECRYPT_DIR],
				       kc.cipher_alg, &kc.decrypt);
	if (ret)
		goto out_dev;

	ret = -ENOENT;
	peer = ovpn_nlo_key_peer(ovpn, tb);
	if (!peer) {
		OVPN_NLO_MSG_FMT(info->extack, "no peer to set key for",
				 "no peer with id %u to set key for",
				 nla_get_u32(tb[OVPN_A_KEYCONF_PEER_ID]));
		goto out_dev;
	}

	ret = ovpn_crypto_state_reset(&peer->crypto, slot, &kc, NULL);
	if (ret)
		OVPN_NLO_MSG_FMT(info->extack, "cannot install new key for peer",
				 "cannot install new key for peer %u",
				 peer->id);
	ovpn_peer_put(peer);
out_dev:
	ovpn_nlo_dev_put(ovpn);
	return ret;
}

/**
 * ovpn_nlo_key_get_doit - KEY_GET: the key id and cipher of a slot
 * @skb: the request
 * @info: its attributes: OVPN_A_IFINDEX and OVPN_A_KEYCONF with the peer
 *	id and the slot only
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nlo_key_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	static const u8 need[] = {
		OVPN_A_KEYCONF_PEER_ID, OVPN_A_KEYCONF_SLOT, 0,
	};
	struct nlattr *tb[OVPN_A_KEYCONF_MAX + 1];
	enum ovpn_cipher_alg alg;
	struct ovpn_struct *ovpn;
	enum ovpn_key_slot slot;
	struct ovpn_peer *peer;
	struct nlattr *nest;
	struct sk_buff *msg;
	unsigned int i;
	void *hdr;
	u8 key_id;
	int ret;

	ovpn = ovpn_nlo_key_begin(info, tb, ovpn_nlo_keyconf_get_policy, need);
	if (IS_ERR(ovpn))
		return PTR_ERR(ovpn);
	for (i = 0; i <= OVPN_A_KEYCONF_MAX; i++) {
		if (i != OVPN_A_KEYCONF_PEER_ID && i != OVPN_A_KEYCONF_SLOT &&
		    tb[i]) {
			OVPN_NLO_MSG_FMT(info->extack, "unexpected attribute",
					 "unexpected attribute %u", i);
			ret = -EINVAL;
			goto out_dev;
		}
	}

	ret = -ENOENT;
	peer = ovpn_nlo_key_peer(ovpn, tb);
	if (!peer) {
		OVPN_NLO_MSG_FMT(info->extack, "cannot find peer with id",
				 "cannot find peer with id %u",
				 nla_get_u32(tb[OVPN_A_KEYCONF_PEER_ID]));
		goto out_dev;
	}

	slot = nla_get_u32(tb[OVPN_A_KEYCONF_SLOT]);
	ret = ovpn_crypto_slot_info(&peer->crypto, slot, &key_id, &alg);
	if (ret) {
		OVPN_NLO_MSG_FMT(info->extack, "cannot extract key from slot",
				 "cannot extract key from slot %u for peer %u",
				 slot, peer->id);
		goto out_peer;
	}

	ret = -ENOMEM;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto out_peer;
	ret = -EMSGSIZE;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq,
			  ovpn_nlo_family(), 0, OVPN_CMD_KEY_GET);
	nest = hdr ? nla_nest_start(msg, OVPN_A_KEYCONF) : NULL;
	if (!nest || nla_put_u32(msg, OVPN_A_KEYCONF_PEER_ID, peer->id) ||
	    nla_put_u32(msg, OVPN_A_KEYCONF_SLOT, slot) ||
	    nla_put_u32(msg, OVPN_A_KEYCONF_KEY_ID, key_id) ||
	    nla_put_u32(msg, OVPN_A_KEYCONF_CIPHER_ALG, alg)) {
		nlmsg_free(msg);
		goto out_peer;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);

out_peer:
	ovpn_peer_put(peer);
out_dev:
	ovpn_nlo_dev_put(ovpn);
	return ret;
}

/**
 * ovpn_nlo_key_swap_doit - KEY_SWAP: exchange the primary and secondary keys
 * @skb: the request
 * @info: its attributes: OVPN_A_IFINDEX and OVPN_A_KEYCONF with the peer id
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nlo_key_swap_doit(struct sk_buff *skb, struct genl_info *info)
{
	static const u8 need[] = { OVPN_A_KEYCONF_PEER_ID, 0 };
	struct nlattr *tb[OVPN_A_KEYCONF_MAX + 1];
	struct ovpn_struct *ovpn;
	struct ovpn_peer *peer;
	int ret;

	ovpn = ovpn_nlo_key_begin(info, tb, ovpn_nlo_keyconf_swap_input_policy, need);
	if (IS_ERR(ovpn))
		return PTR_ERR(ovpn);

	ret = -ENOENT;
	peer = ovpn_nlo_key_peer(ovpn, tb);
	if (!peer) {
		OVPN_NLO_MSG_FMT(info->extack, "no peer to swap keys for",
				 "no peer with id %u to swap keys for",
				 nla_get_u32(tb[OVPN_A_KEYCONF_PEER_ID]));
		goto out_dev;
	}

	ovpn_crypto_key_slots_swap(&peer->crypto);
	ovpn_peer_put(peer);
	ret = 0;
out_dev:
	ovpn_nlo_dev_put(ovpn);
	return ret;
}

/**
 * ovpn_nlo_key_del_doit - KEY_DEL: erase a key slot of a peer
 * @skb: the request
 * @info: its attributes: OVPN_A_IFINDEX and OVPN_A_KEYCONF with the peer id
 *	and the slot
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nlo_key_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	static const u8 need[] = {
		OVPN_A_KEYCONF_PEER_ID, OVPN_A_KEYCONF_SLOT, 0,
	};
	struct nlattr *tb[OVPN_A_KEYCONF_MAX + 1];
	struct ovpn_struct *ovpn;
	struct ovpn_peer *peer;
	int ret;

	ovpn = ovpn_nlo_key_begin(info, tb, ovpn_nlo_keyconf_del_input_policy, need);
	if (IS_ERR(ovpn))
		return PTR_ERR(ovpn);

	ret = -ENOENT;
	peer = ovpn_nlo_key_peer(ovpn, tb);
	if (!peer) {
		OVPN_NLO_MSG_FMT(info->extack, "no peer to delete key for",
				 "no peer with id %u to delete key for",
				 nla_get_u32(tb[OVPN_A_KEYCONF_PEER_ID]));
		goto out_dev;
	}

	ovpn_crypto_key_slot_delete(&peer->crypto,
				    nla_get_u32(tb[OVPN_A_KEYCONF_SLOT]));
	ovpn_peer_put(peer);
	ret = 0;
out_dev:
	ovpn_nlo_dev_put(ovpn);
	return ret;
}
