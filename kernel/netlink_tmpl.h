/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - one generic netlink family
 *
 * The policies, operations and description of a family, written once and
 * instantiated by each family file (netlink_dco.c, netlink_dco_v2.c) with
 * its own uapi header, so every id below is that layout's own. Include it
 * after the uapi header and after defining OVPN_NL_HAS_PACKET: 1 if the
 * layout has OVPN_CMD_REGISTER_PACKET, OVPN_CMD_PACKET and OVPN_ATTR_PACKET,
 * 0 if not. It defines, static:
 *
 *	ovpn_nl_genl		the struct genl_family to register
 *	ovpn_nl_op_desc		struct ovpn_nl_family.op for the family
 *
 * and the family's module alias. The family file then defines its
 * struct ovpn_nl_family with what differs between the layouts.
 *
 * Validation is strict everywhere: no GENL_DONT_VALIDATE_* flag, each
 * nested policy has exactly the attributes of its enum, so unknown and
 * mistyped attributes are rejected at any depth. Widths follow what OpenVPN
 * sends (u8 key slot and key id, u16 cipher, u32 for the rest). Binary
 * attributes get length bounds only, never value ranges.
 */

#ifndef OVPN_NL_HAS_PACKET
#error "define OVPN_NL_HAS_PACKET before including this template"
#endif

#ifdef _NET_OVPN_DCO_NETLINK_TMPL_H_
#error "one family per translation unit"
#endif
#define _NET_OVPN_DCO_NETLINK_TMPL_H_

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <crypto/aes.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "netlink.h"
#include "proto.h"

/* what netlink.c assumes of every layout */
static_assert(OVPN_ATTR_IFINDEX == OVPN_NL_ATTR_IFINDEX);
static_assert(OVPN_NEW_PEER_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_SET_PEER_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_DEL_PEER_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_NEW_KEY_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_SWAP_KEYS_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_DEL_KEY_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_GET_PEER_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_PACKET_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);

/* the peer id is 24 bits: beyond what NLA_POLICY_MAX() (s16) can hold */
static struct netlink_range_validation ovpn_nl_peer_id_range = {
	.max = OVPN_PEER_ID_MAX,
};

#define OVPN_NL_POLICY_PEER_ID	\
	NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nl_peer_id_range)

static const struct nla_policy
ovpn_nl_new_peer_policy[OVPN_NEW_PEER_ATTR_MAX + 1] = {
	[OVPN_NEW_PEER_ATTR_PEER_ID] = OVPN_NL_POLICY_PEER_ID,
	/* a raw struct sockaddr_in or struct sockaddr_in6 */
	[OVPN_NEW_PEER_ATTR_SOCKADDR_REMOTE] =
		NLA_POLICY_RANGE(NLA_BINARY, sizeof(struct sockaddr_in),
				 sizeof(struct sockaddr_in6)),
	/* a file descriptor of the sender */
	[OVPN_NEW_PEER_ATTR_SOCKET] = { .type = NLA_U32 },
	[OVPN_NEW_PEER_ATTR_IPV4] = { .type = NLA_BE32 },
	[OVPN_NEW_PEER_ATTR_IPV6] =
		NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	/* a struct in_addr or struct in6_addr */
	[OVPN_NEW_PEER_ATTR_LOCAL_IP] =
		NLA_POLICY_RANGE(NLA_BINARY, sizeof(struct in_addr),
				 sizeof(struct in6_addr)),
};

static const struct nla_policy
ovpn_nl_set_peer_policy[OVPN_SET_PEER_ATTR_MAX + 1] = {
	[OVPN_SET_PEER_ATTR_PEER_ID] = OVPN_NL_POLICY_PEER_ID,
	[OVPN_SET_PEER_ATTR_KEEPALIVE_INTERVAL] = { .type = NLA_U32 },
	[OVPN_SET_PEER_ATTR_KEEPALIVE_TIMEOUT] = { .type = NLA_U32 },
};

static const struct nla_policy
ovpn_nl_del_peer_policy[OVPN_DEL_PEER_ATTR_MAX + 1] = {
	[OVPN_DEL_PEER_ATTR_REASON] =
		NLA_POLICY_MAX(NLA_U8, __OVPN_DEL_PEER_REASON_AFTER_LAST - 1),
	[OVPN_DEL_PEER_ATTR_PEER_ID] = OVPN_NL_POLICY_PEER_ID,
};

/* key lengths: AES-128, AES-192, AES-256; ChaCha20 keys are 32 bytes too */
static const struct nla_policy
ovpn_nl_key_dir_policy[OVPN_KEY_DIR_ATTR_MAX + 1] = {
	[OVPN_KEY_DIR_ATTR_CIPHER_KEY] =
		NLA_POLICY_RANGE(NLA_BINARY, AES_KEYSIZE_128, AES_KEYSIZE_256),
	[OVPN_KEY_DIR_ATTR_NONCE_TAIL] =
		NLA_POLICY_EXACT_LEN(OVPN_NONCE_TAIL_SIZE),
};

static const struct nla_policy
ovpn_nl_new_key_policy[OVPN_NEW_KEY_ATTR_MAX + 1] = {
	[OVPN_NEW_KEY_ATTR_PEER_ID] = OVPN_NL_POLICY_PEER_ID,
	[OVPN_NEW_KEY_ATTR_KEY_SLOT] =
		NLA_POLICY_MAX(NLA_U8, __OVPN_KEY_SLOT_AFTER_LAST - 1),
	[OVPN_NEW_KEY_ATTR_KEY_ID] = NLA_POLICY_MAX(NLA_U8, OVPN_KEY_ID_MAX),
	/* OVPN_CIPHER_ALG_NONE is never accepted */
	[OVPN_NEW_KEY_ATTR_CIPHER_ALG] =
		NLA_POLICY_RANGE(NLA_U16, OVPN_CIPHER_ALG_AES_GCM,
				 OVPN_CIPHER_ALG_CHACHA20_POLY1305),
	[OVPN_NEW_KEY_ATTR_ENCRYPT_KEY] =
		NLA_POLICY_NESTED(ovpn_nl_key_dir_policy),
	[OVPN_NEW_KEY_ATTR_DECRYPT_KEY] =
		NLA_POLICY_NESTED(ovpn_nl_key_dir_policy),
};

static const struct nla_policy
ovpn_nl_swap_keys_policy[OVPN_SWAP_KEYS_ATTR_MAX + 1] = {
	[OVPN_SWAP_KEYS_ATTR_PEER_ID] = OVPN_NL_POLICY_PEER_ID,
};

static const struct nla_policy
ovpn_nl_del_key_policy[OVPN_DEL_KEY_ATTR_MAX + 1] = {
	[OVPN_DEL_KEY_ATTR_PEER_ID] = OVPN_NL_POLICY_PEER_ID,
	[OVPN_DEL_KEY_ATTR_KEY_SLOT] =
		NLA_POLICY_MAX(NLA_U8, __OVPN_KEY_SLOT_AFTER_LAST - 1),
};

static const struct nla_policy
ovpn_nl_get_peer_policy[OVPN_GET_PEER_ATTR_MAX + 1] = {
	[OVPN_GET_PEER_ATTR_PEER_ID] = OVPN_NL_POLICY_PEER_ID,
};

#if OVPN_NL_HAS_PACKET
/*
 * A control packet, 1 to 65535 bytes: an attribute cannot exceed the upper
 * bound, so only the lower one is stated (an explicit 65535 would need
 * NLA_POLICY_MAX_LEN(), 6.13+, or a range wider than s16).
 */
static const struct nla_policy
ovpn_nl_packet_policy[OVPN_PACKET_ATTR_MAX + 1] = {
	[OVPN_PACKET_ATTR_PACKET] = NLA_POLICY_MIN_LEN(1),
	[OVPN_PACKET_ATTR_PEER_ID] = OVPN_NL_POLICY_PEER_ID,
};
#endif

/*
 * The family's attribute space. netlink.c accepts, per command, only
 * OVPN_ATTR_IFINDEX and that command's own nest.
 */
static const struct nla_policy ovpn_nl_policy[OVPN_ATTR_MAX + 1] = {
	[OVPN_ATTR_IFINDEX] = { .type = NLA_U32 },
	[OVPN_ATTR_NEW_PEER] = NLA_POLICY_NESTED(ovpn_nl_new_peer_policy),
	[OVPN_ATTR_SET_PEER] = NLA_POLICY_NESTED(ovpn_nl_set_peer_policy),
	[OVPN_ATTR_DEL_PEER] = NLA_POLICY_NESTED(ovpn_nl_del_peer_policy),
	[OVPN_ATTR_NEW_KEY] = NLA_POLICY_NESTED(ovpn_nl_new_key_policy),
	[OVPN_ATTR_SWAP_KEYS] = NLA_POLICY_NESTED(ovpn_nl_swap_keys_policy),
	[OVPN_ATTR_DEL_KEY] = NLA_POLICY_NESTED(ovpn_nl_del_key_policy),
#if OVPN_NL_HAS_PACKET
	[OVPN_ATTR_PACKET] = NLA_POLICY_NESTED(ovpn_nl_packet_policy),
#endif
	[OVPN_ATTR_GET_PEER] = NLA_POLICY_NESTED(ovpn_nl_get_peer_policy),
};

static const struct ovpn_nl_op_desc ovpn_nl_op_desc[__OVPN_NL_OP_COUNT] = {
	[OVPN_NL_OP_NEW_PEER] = {
		.cmd = OVPN_CMD_NEW_PEER,
		.attr = OVPN_ATTR_NEW_PEER,
		.nest_policy = ovpn_nl_new_peer_policy,
		.nest_maxtype = OVPN_NEW_PEER_ATTR_MAX,
		.peer_id_attr = OVPN_NEW_PEER_ATTR_PEER_ID,
		.required = BIT(OVPN_NEW_PEER_ATTR_PEER_ID) |
			    BIT(OVPN_NEW_PEER_ATTR_SOCKET),
	},
	[OVPN_NL_OP_SET_PEER] = {
		.cmd = OVPN_CMD_SET_PEER,
		.attr = OVPN_ATTR_SET_PEER,
		.nest_policy = ovpn_nl_set_peer_policy,
		.nest_maxtype = OVPN_SET_PEER_ATTR_MAX,
		.peer_id_attr = OVPN_SET_PEER_ATTR_PEER_ID,
		.required = BIT(OVPN_SET_PEER_ATTR_PEER_ID),
	},
	[OVPN_NL_OP_DEL_PEER] = {
		.cmd = OVPN_CMD_DEL_PEER,
		.attr = OVPN_ATTR_DEL_PEER,
		.nest_policy = ovpn_nl_del_peer_policy,
		.nest_maxtype = OVPN_DEL_PEER_ATTR_MAX,
		.peer_id_attr = OVPN_DEL_PEER_ATTR_PEER_ID,
		.required = BIT(OVPN_DEL_PEER_ATTR_PEER_ID),
	},
	[OVPN_NL_OP_NEW_KEY] = {
		.cmd = OVPN_CMD_NEW_KEY,
		.attr = OVPN_ATTR_NEW_KEY,
		.nest_policy = ovpn_nl_new_key_policy,
		.nest_maxtype = OVPN_NEW_KEY_ATTR_MAX,
		.peer_id_attr = OVPN_NEW_KEY_ATTR_PEER_ID,
		.required = BIT(OVPN_NEW_KEY_ATTR_PEER_ID) |
			    BIT(OVPN_NEW_KEY_ATTR_KEY_SLOT) |
			    BIT(OVPN_NEW_KEY_ATTR_KEY_ID) |
			    BIT(OVPN_NEW_KEY_ATTR_CIPHER_ALG) |
			    BIT(OVPN_NEW_KEY_ATTR_ENCRYPT_KEY) |
			    BIT(OVPN_NEW_KEY_ATTR_DECRYPT_KEY),
	},
	[OVPN_NL_OP_SWAP_KEYS] = {
		.cmd = OVPN_CMD_SWAP_KEYS,
		.attr = OVPN_ATTR_SWAP_KEYS,
		.nest_policy = ovpn_nl_swap_keys_policy,
		.nest_maxtype = OVPN_SWAP_KEYS_ATTR_MAX,
		.peer_id_attr = OVPN_SWAP_KEYS_ATTR_PEER_ID,
		.required = BIT(OVPN_SWAP_KEYS_ATTR_PEER_ID),
	},
	[OVPN_NL_OP_DEL_KEY] = {
		.cmd = OVPN_CMD_DEL_KEY,
		.attr = OVPN_ATTR_DEL_KEY,
		.nest_policy = ovpn_nl_del_key_policy,
		.nest_maxtype = OVPN_DEL_KEY_ATTR_MAX,
		.peer_id_attr = OVPN_DEL_KEY_ATTR_PEER_ID,
		.required = BIT(OVPN_DEL_KEY_ATTR_PEER_ID) |
			    BIT(OVPN_DEL_KEY_ATTR_KEY_SLOT),
	},
#if OVPN_NL_HAS_PACKET
	[OVPN_NL_OP_REGISTER_PACKET] = {
		.cmd = OVPN_CMD_REGISTER_PACKET,
	},
	[OVPN_NL_OP_PACKET] = {
		.cmd = OVPN_CMD_PACKET,
		.attr = OVPN_ATTR_PACKET,
		.nest_policy = ovpn_nl_packet_policy,
		.nest_maxtype = OVPN_PACKET_ATTR_MAX,
		.peer_id_attr = OVPN_PACKET_ATTR_PEER_ID,
		.required = BIT(OVPN_PACKET_ATTR_PACKET) |
			    BIT(OVPN_PACKET_ATTR_PEER_ID),
	},
#endif
	[OVPN_NL_OP_GET_PEER] = {
		.cmd = OVPN_CMD_GET_PEER,
		.attr = OVPN_ATTR_GET_PEER,
		.nest_policy = ovpn_nl_get_peer_policy,
		.nest_maxtype = OVPN_GET_PEER_ATTR_MAX,
		.peer_id_attr = OVPN_GET_PEER_ATTR_PEER_ID,
		.required = BIT(OVPN_GET_PEER_ATTR_PEER_ID),
	},
};

#define OVPN_NL_DOIT(command)						\
	{ .cmd = (command), .flags = GENL_ADMIN_PERM, .doit = ovpn_nl_doit }

static const struct genl_ops ovpn_nl_ops[] = {
	OVPN_NL_DOIT(OVPN_CMD_NEW_PEER),
	OVPN_NL_DOIT(OVPN_CMD_SET_PEER),
	OVPN_NL_DOIT(OVPN_CMD_DEL_PEER),
	OVPN_NL_DOIT(OVPN_CMD_NEW_KEY),
	OVPN_NL_DOIT(OVPN_CMD_SWAP_KEYS),
	OVPN_NL_DOIT(OVPN_CMD_DEL_KEY),
#if OVPN_NL_HAS_PACKET
	OVPN_NL_DOIT(OVPN_CMD_REGISTER_PACKET),
	OVPN_NL_DOIT(OVPN_CMD_PACKET),
#endif
	{
		.cmd = OVPN_CMD_GET_PEER,
		.flags = GENL_ADMIN_PERM,
		.doit = ovpn_nl_doit,
		.start = ovpn_nl_get_peer_start,
		.dumpit = ovpn_nl_get_peer_dumpit,
	},
};

static const struct genl_multicast_group ovpn_nl_mcgrps[] = {
	OVPN_COMPAT_MCGRP(OVPN_NL_MULTICAST_GROUP_PEERS),
};

static struct genl_family ovpn_nl_genl __ro_after_init = {
	.name		= OVPN_NL_NAME,
	.version	= 1,
	.maxattr	= OVPN_ATTR_MAX,
	.policy		= ovpn_nl_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= ovpn_nl_ops,
	.n_ops		= ARRAY_SIZE(ovpn_nl_ops),
	.mcgrps		= ovpn_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ovpn_nl_mcgrps),
};

MODULE_ALIAS_GENL_FAMILY(OVPN_NL_NAME);
