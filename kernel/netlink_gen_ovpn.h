/* SPDX-License-Identifier: GPL-2.0-only */
/* generated from uapi/linux/ovpn.yaml by pyharness/proto/nlgen_ovpn.py - do not edit */

#ifndef _NET_OVPN_DCO_NETLINK_GEN_OVPN_H_
#define _NET_OVPN_DCO_NETLINK_GEN_OVPN_H_

#include "netlink_gen_ovpn_uapi.h"

static struct netlink_range_validation ovpn_nlo_range_0_16777215 = {
	.max = 0xffffff,
};

static struct netlink_range_validation ovpn_nlo_range_0_86400 = {
	.max = 0x15180,
};

const struct nla_policy
ovpn_nlo_peer_policy[OVPN_A_PEER_TX_ID + 1] = {
	[OVPN_A_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
	[OVPN_A_PEER_REMOTE_IPV4] = { .type = NLA_BE32 },
	[OVPN_A_PEER_REMOTE_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_A_PEER_REMOTE_IPV6_SCOPE_ID] = { .type = NLA_U32 },
	[OVPN_A_PEER_REMOTE_PORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[OVPN_A_PEER_SOCKET] = { .type = NLA_U32 },
	[OVPN_A_PEER_SOCKET_NETNSID] = { .type = NLA_S32 },
	[OVPN_A_PEER_VPN_IPV4] = { .type = NLA_BE32 },
	[OVPN_A_PEER_VPN_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_A_PEER_LOCAL_IPV4] = { .type = NLA_BE32 },
	[OVPN_A_PEER_LOCAL_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_A_PEER_LOCAL_PORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[OVPN_A_PEER_KEEPALIVE_INTERVAL] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_86400),
	[OVPN_A_PEER_KEEPALIVE_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_86400),
	[OVPN_A_PEER_DEL_REASON] = NLA_POLICY_MAX(NLA_U32, 4),
	[OVPN_A_PEER_VPN_RX_BYTES] = { .type = OVPN_COMPAT_NLA_UINT },
	[OVPN_A_PEER_VPN_TX_BYTES] = { .type = OVPN_COMPAT_NLA_UINT },
	[OVPN_A_PEER_VPN_RX_PACKETS] = { .type = OVPN_COMPAT_NLA_UINT },
	[OVPN_A_PEER_VPN_TX_PACKETS] = { .type = OVPN_COMPAT_NLA_UINT },
	[OVPN_A_PEER_LINK_RX_BYTES] = { .type = OVPN_COMPAT_NLA_UINT },
	[OVPN_A_PEER_LINK_TX_BYTES] = { .type = OVPN_COMPAT_NLA_UINT },
	[OVPN_A_PEER_LINK_RX_PACKETS] = { .type = OVPN_COMPAT_NLA_UINT },
	[OVPN_A_PEER_LINK_TX_PACKETS] = { .type = OVPN_COMPAT_NLA_UINT },
	[OVPN_A_PEER_TX_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
};

const struct nla_policy
ovpn_nlo_peer_new_input_policy[OVPN_A_PEER_TX_ID + 1] = {
	[OVPN_A_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
	[OVPN_A_PEER_REMOTE_IPV4] = { .type = NLA_BE32 },
	[OVPN_A_PEER_REMOTE_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_A_PEER_REMOTE_IPV6_SCOPE_ID] = { .type = NLA_U32 },
	[OVPN_A_PEER_REMOTE_PORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[OVPN_A_PEER_SOCKET] = { .type = NLA_U32 },
	[OVPN_A_PEER_VPN_IPV4] = { .type = NLA_BE32 },
	[OVPN_A_PEER_VPN_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_A_PEER_LOCAL_IPV4] = { .type = NLA_BE32 },
	[OVPN_A_PEER_LOCAL_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_A_PEER_KEEPALIVE_INTERVAL] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_86400),
	[OVPN_A_PEER_KEEPALIVE_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_86400),
	[OVPN_A_PEER_TX_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
};

const struct nla_policy
ovpn_nlo_peer_set_input_policy[OVPN_A_PEER_TX_ID + 1] = {
	[OVPN_A_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
	[OVPN_A_PEER_REMOTE_IPV4] = { .type = NLA_BE32 },
	[OVPN_A_PEER_REMOTE_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_A_PEER_REMOTE_IPV6_SCOPE_ID] = { .type = NLA_U32 },
	[OVPN_A_PEER_REMOTE_PORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[OVPN_A_PEER_VPN_IPV4] = { .type = NLA_BE32 },
	[OVPN_A_PEER_VPN_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_A_PEER_LOCAL_IPV4] = { .type = NLA_BE32 },
	[OVPN_A_PEER_LOCAL_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_A_PEER_KEEPALIVE_INTERVAL] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_86400),
	[OVPN_A_PEER_KEEPALIVE_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_86400),
	[OVPN_A_PEER_TX_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
};

const struct nla_policy
ovpn_nlo_peer_del_input_policy[OVPN_A_PEER_ID + 1] = {
	[OVPN_A_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
};

const struct nla_policy
ovpn_nlo_keydir_policy[OVPN_A_KEYDIR_NONCE_TAIL + 1] = {
	[OVPN_A_KEYDIR_CIPHER_KEY] = NLA_POLICY_MAX(NLA_BINARY, 256),
	[OVPN_A_KEYDIR_NONCE_TAIL] = NLA_POLICY_EXACT_LEN(OVPN_NONCE_TAIL_SIZE),
};

const struct nla_policy
ovpn_nlo_keyconf_policy[OVPN_A_KEYCONF_DECRYPT_DIR + 1] = {
	[OVPN_A_KEYCONF_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
	[OVPN_A_KEYCONF_SLOT] = NLA_POLICY_MAX(NLA_U32, 1),
	[OVPN_A_KEYCONF_KEY_ID] = NLA_POLICY_MAX(NLA_U32, 7),
	[OVPN_A_KEYCONF_CIPHER_ALG] = NLA_POLICY_MAX(NLA_U32, 2),
	[OVPN_A_KEYCONF_ENCRYPT_DIR] =
		NLA_POLICY_NESTED(ovpn_nlo_keydir_policy),
	[OVPN_A_KEYCONF_DECRYPT_DIR] =
		NLA_POLICY_NESTED(ovpn_nlo_keydir_policy),
};

const struct nla_policy
ovpn_nlo_keyconf_get_policy[OVPN_A_KEYCONF_CIPHER_ALG + 1] = {
	[OVPN_A_KEYCONF_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
	[OVPN_A_KEYCONF_SLOT] = NLA_POLICY_MAX(NLA_U32, 1),
	[OVPN_A_KEYCONF_KEY_ID] = NLA_POLICY_MAX(NLA_U32, 7),
	[OVPN_A_KEYCONF_CIPHER_ALG] = NLA_POLICY_MAX(NLA_U32, 2),
};

const struct nla_policy
ovpn_nlo_keyconf_swap_input_policy[OVPN_A_KEYCONF_PEER_ID + 1] = {
	[OVPN_A_KEYCONF_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
};

const struct nla_policy
ovpn_nlo_keyconf_del_input_policy[OVPN_A_KEYCONF_SLOT + 1] = {
	[OVPN_A_KEYCONF_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215),
	[OVPN_A_KEYCONF_SLOT] = NLA_POLICY_MAX(NLA_U32, 1),
};

static const struct nla_policy
ovpn_nlo_peer_new_policy[OVPN_A_PEER + 1] = {
	[OVPN_A_IFINDEX] = { .type = NLA_U32 },
	[OVPN_A_PEER] = NLA_POLICY_NESTED(ovpn_nlo_peer_new_input_policy),
};

static const struct nla_policy
ovpn_nlo_peer_set_policy[OVPN_A_PEER + 1] = {
	[OVPN_A_IFINDEX] = { .type = NLA_U32 },
	[OVPN_A_PEER] = NLA_POLICY_NESTED(ovpn_nlo_peer_set_input_policy),
};

static const struct nla_policy
ovpn_nlo_peer_get_policy[OVPN_A_PEER + 1] = {
	[OVPN_A_IFINDEX] = { .type = NLA_U32 },
	[OVPN_A_PEER] = NLA_POLICY_NESTED(ovpn_nlo_peer_policy),
};

static const struct nla_policy
ovpn_nlo_peer_del_policy[OVPN_A_PEER + 1] = {
	[OVPN_A_IFINDEX] = { .type = NLA_U32 },
	[OVPN_A_PEER] = NLA_POLICY_NESTED(ovpn_nlo_peer_del_input_policy),
};

static const struct nla_policy
ovpn_nlo_key_new_policy[OVPN_A_KEYCONF + 1] = {
	[OVPN_A_IFINDEX] = { .type = NLA_U32 },
	[OVPN_A_KEYCONF] = NLA_POLICY_NESTED(ovpn_nlo_keyconf_policy),
};

static const struct nla_policy
ovpn_nlo_key_get_policy[OVPN_A_KEYCONF + 1] = {
	[OVPN_A_IFINDEX] = { .type = NLA_U32 },
	[OVPN_A_KEYCONF] = NLA_POLICY_NESTED(ovpn_nlo_keyconf_get_policy),
};

static const struct nla_policy
ovpn_nlo_key_swap_policy[OVPN_A_KEYCONF + 1] = {
	[OVPN_A_IFINDEX] = { .type = NLA_U32 },
	[OVPN_A_KEYCONF] =
		NLA_POLICY_NESTED(ovpn_nlo_keyconf_swap_input_policy),
};

static const struct nla_policy
ovpn_nlo_key_del_policy[OVPN_A_KEYCONF + 1] = {
	[OVPN_A_IFINDEX] = { .type = NLA_U32 },
	[OVPN_A_KEYCONF] = NLA_POLICY_NESTED(ovpn_nlo_keyconf_del_input_policy),
};

static const struct genl_ops ovpn_nlo_ops[] = {
	{
		.cmd		= OVPN_CMD_PEER_NEW,
		.flags		= GENL_ADMIN_PERM,
		.doit		= OVPN_NLO_PEER_NEW_DOIT,
		.policy		= ovpn_nlo_peer_new_policy,
		.maxattr	= OVPN_A_PEER,
	},
	{
		.cmd		= OVPN_CMD_PEER_SET,
		.flags		= GENL_ADMIN_PERM,
		.doit		= OVPN_NLO_PEER_SET_DOIT,
		.policy		= ovpn_nlo_peer_set_policy,
		.maxattr	= OVPN_A_PEER,
	},
	{
		.cmd		= OVPN_CMD_PEER_GET,
		.flags		= GENL_ADMIN_PERM,
		.doit		= OVPN_NLO_PEER_GET_DOIT,
		.dumpit		= OVPN_NLO_PEER_GET_DUMPIT,
		.policy		= ovpn_nlo_peer_get_policy,
		.maxattr	= OVPN_A_PEER,
	},
	{
		.cmd		= OVPN_CMD_PEER_DEL,
		.flags		= GENL_ADMIN_PERM,
		.doit		= OVPN_NLO_PEER_DEL_DOIT,
		.policy		= ovpn_nlo_peer_del_policy,
		.maxattr	= OVPN_A_PEER,
	},
	{
		.cmd		= OVPN_CMD_KEY_NEW,
		.flags		= GENL_ADMIN_PERM,
		.doit		= OVPN_NLO_KEY_NEW_DOIT,
		.policy		= ovpn_nlo_key_new_policy,
		.maxattr	= OVPN_A_KEYCONF,
	},
	{
		.cmd		= OVPN_CMD_KEY_GET,
		.flags		= GENL_ADMIN_PERM,
		.doit		= OVPN_NLO_KEY_GET_DOIT,
		.policy		= ovpn_nlo_key_get_policy,
		.maxattr	= OVPN_A_KEYCONF,
	},
	{
		.cmd		= OVPN_CMD_KEY_SWAP,
		.flags		= GENL_ADMIN_PERM,
		.doit		= OVPN_NLO_KEY_SWAP_DOIT,
		.policy		= ovpn_nlo_key_swap_policy,
		.maxattr	= OVPN_A_KEYCONF,
	},
	{
		.cmd		= OVPN_CMD_KEY_DEL,
		.flags		= GENL_ADMIN_PERM,
		.doit		= OVPN_NLO_KEY_DEL_DOIT,
		.policy		= ovpn_nlo_key_del_policy,
		.maxattr	= OVPN_A_KEYCONF,
	},
};

static const struct genl_multicast_group ovpn_nlo_mcgrps[] = {
	[OVPN_NLGRP_PEERS] = OVPN_COMPAT_MCGRP("peers"),
};

static struct genl_family ovpn_nlo_genl __ro_after_init = {
	.name		= OVPN_FAMILY_NAME,
	.version	= OVPN_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= ovpn_nlo_ops,
	.n_ops		= ARRAY_SIZE(ovpn_nlo_ops),
	.mcgrps		= ovpn_nlo_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ovpn_nlo_mcgrps),
};

#endif /* _NET_OVPN_DCO_NETLINK_GEN_OVPN_H_ */
