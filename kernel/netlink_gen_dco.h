/* SPDX-License-Identifier: GPL-2.0-only */
/* generated from uapi/linux/ovpn_dco.yaml by pyharness/proto/nlgen.py - do not edit */

#ifndef _NET_OVPN_DCO_NETLINK_GEN_OVPN_DCO_H_
#define _NET_OVPN_DCO_NETLINK_GEN_OVPN_DCO_H_

/* the uapi header gives every constant the value of the YAML */
static_assert(OVPN_CMD_NEW_PEER == 1);
static_assert(OVPN_CMD_SET_PEER == 2);
static_assert(OVPN_CMD_DEL_PEER == 3);
static_assert(OVPN_CMD_NEW_KEY == 4);
static_assert(OVPN_CMD_SWAP_KEYS == 5);
static_assert(OVPN_CMD_DEL_KEY == 6);
static_assert(OVPN_CMD_REGISTER_PACKET == 7);
static_assert(OVPN_CMD_PACKET == 8);
static_assert(OVPN_CMD_GET_PEER == 9);
static_assert(OVPN_CMD_SET_DEV == 10);
static_assert(OVPN_CMD_GET_DEV == 11);
static_assert(OVPN_CIPHER_ALG_NONE == 0);
static_assert(OVPN_CIPHER_ALG_AES_GCM == 1);
static_assert(OVPN_CIPHER_ALG_CHACHA20_POLY1305 == 2);
static_assert(OVPN_DEL_PEER_REASON_TEARDOWN == 0);
static_assert(OVPN_DEL_PEER_REASON_USERSPACE == 1);
static_assert(OVPN_DEL_PEER_REASON_EXPIRED == 2);
static_assert(OVPN_DEL_PEER_REASON_TRANSPORT_ERROR == 3);
static_assert(OVPN_KEY_SLOT_PRIMARY == 0);
static_assert(OVPN_KEY_SLOT_SECONDARY == 1);
static_assert(OVPN_MODE_P2P == 0);
static_assert(OVPN_MODE_MP == 1);
static_assert(OVPN_ATTR_UNSPEC == 0);
static_assert(OVPN_ATTR_IFINDEX == 1);
static_assert(OVPN_ATTR_NEW_PEER == 2);
static_assert(OVPN_ATTR_SET_PEER == 3);
static_assert(OVPN_ATTR_DEL_PEER == 4);
static_assert(OVPN_ATTR_NEW_KEY == 5);
static_assert(OVPN_ATTR_SWAP_KEYS == 6);
static_assert(OVPN_ATTR_DEL_KEY == 7);
static_assert(OVPN_ATTR_PACKET == 8);
static_assert(OVPN_ATTR_GET_PEER == 9);
static_assert(OVPN_ATTR_DEV == 10);
static_assert(OVPN_ATTR_MAX == 10);
static_assert(OVPN_DEV_ATTR_UNSPEC == 0);
static_assert(OVPN_DEV_ATTR_MSSFIX == 1);
static_assert(OVPN_DEV_ATTR_MAX == 1);
static_assert(OVPN_KEY_DIR_ATTR_UNSPEC == 0);
static_assert(OVPN_KEY_DIR_ATTR_CIPHER_KEY == 1);
static_assert(OVPN_KEY_DIR_ATTR_NONCE_TAIL == 2);
static_assert(OVPN_KEY_DIR_ATTR_MAX == 2);
static_assert(OVPN_NEW_KEY_ATTR_UNSPEC == 0);
static_assert(OVPN_NEW_KEY_ATTR_PEER_ID == 1);
static_assert(OVPN_NEW_KEY_ATTR_KEY_SLOT == 2);
static_assert(OVPN_NEW_KEY_ATTR_KEY_ID == 3);
static_assert(OVPN_NEW_KEY_ATTR_CIPHER_ALG == 4);
static_assert(OVPN_NEW_KEY_ATTR_ENCRYPT_KEY == 5);
static_assert(OVPN_NEW_KEY_ATTR_DECRYPT_KEY == 6);
static_assert(OVPN_NEW_KEY_ATTR_MAX == 6);
static_assert(OVPN_DEL_KEY_ATTR_UNSPEC == 0);
static_assert(OVPN_DEL_KEY_ATTR_PEER_ID == 1);
static_assert(OVPN_DEL_KEY_ATTR_KEY_SLOT == 2);
static_assert(OVPN_DEL_KEY_ATTR_MAX == 2);
static_assert(OVPN_SWAP_KEYS_ATTR_UNSPEC == 0);
static_assert(OVPN_SWAP_KEYS_ATTR_PEER_ID == 1);
static_assert(OVPN_SWAP_KEYS_ATTR_MAX == 1);
static_assert(OVPN_NEW_PEER_ATTR_UNSPEC == 0);
static_assert(OVPN_NEW_PEER_ATTR_PEER_ID == 1);
static_assert(OVPN_NEW_PEER_ATTR_SOCKADDR_REMOTE == 2);
static_assert(OVPN_NEW_PEER_ATTR_SOCKET == 3);
static_assert(OVPN_NEW_PEER_ATTR_IPV4 == 4);
static_assert(OVPN_NEW_PEER_ATTR_IPV6 == 5);
static_assert(OVPN_NEW_PEER_ATTR_LOCAL_IP == 6);
static_assert(OVPN_NEW_PEER_ATTR_MAX == 6);
static_assert(OVPN_SET_PEER_ATTR_UNSPEC == 0);
static_assert(OVPN_SET_PEER_ATTR_PEER_ID == 1);
static_assert(OVPN_SET_PEER_ATTR_KEEPALIVE_INTERVAL == 2);
static_assert(OVPN_SET_PEER_ATTR_KEEPALIVE_TIMEOUT == 3);
static_assert(OVPN_SET_PEER_ATTR_MAX == 3);
static_assert(OVPN_DEL_PEER_ATTR_UNSPEC == 0);
static_assert(OVPN_DEL_PEER_ATTR_REASON == 1);
static_assert(OVPN_DEL_PEER_ATTR_PEER_ID == 2);
static_assert(OVPN_DEL_PEER_ATTR_MAX == 2);
static_assert(OVPN_GET_PEER_ATTR_UNSPEC == 0);
static_assert(OVPN_GET_PEER_ATTR_PEER_ID == 1);
static_assert(OVPN_GET_PEER_ATTR_MAX == 1);
static_assert(OVPN_GET_PEER_RESP_ATTR_UNSPEC == 0);
static_assert(OVPN_GET_PEER_RESP_ATTR_PEER_ID == 1);
static_assert(OVPN_GET_PEER_RESP_ATTR_SOCKADDR_REMOTE == 2);
static_assert(OVPN_GET_PEER_RESP_ATTR_IPV4 == 3);
static_assert(OVPN_GET_PEER_RESP_ATTR_IPV6 == 4);
static_assert(OVPN_GET_PEER_RESP_ATTR_LOCAL_IP == 5);
static_assert(OVPN_GET_PEER_RESP_ATTR_LOCAL_PORT == 6);
static_assert(OVPN_GET_PEER_RESP_ATTR_KEEPALIVE_INTERVAL == 7);
static_assert(OVPN_GET_PEER_RESP_ATTR_KEEPALIVE_TIMEOUT == 8);
static_assert(OVPN_GET_PEER_RESP_ATTR_RX_BYTES == 9);
static_assert(OVPN_GET_PEER_RESP_ATTR_TX_BYTES == 10);
static_assert(OVPN_GET_PEER_RESP_ATTR_RX_PACKETS == 11);
static_assert(OVPN_GET_PEER_RESP_ATTR_TX_PACKETS == 12);
static_assert(OVPN_GET_PEER_RESP_ATTR_MAX == 12);
static_assert(OVPN_PACKET_ATTR_UNSPEC == 0);
static_assert(OVPN_PACKET_ATTR_PACKET == 1);
static_assert(OVPN_PACKET_ATTR_PEER_ID == 2);
static_assert(OVPN_PACKET_ATTR_MAX == 2);
static_assert(IFLA_OVPN_UNSPEC == 0);
static_assert(IFLA_OVPN_MODE == 1);
static_assert(IFLA_OVPN_MAX == 1);
static_assert(OVPN_PEER_STATS_ATTR_UNSPEC == 0);
static_assert(OVPN_PEER_STATS_BYTES == 1);
static_assert(OVPN_PEER_STATS_PACKETS == 2);
static_assert(OVPN_PEER_STATS_ATTR_MAX == 2);
static_assert(OVPN_PEER_ATTR_UNSPEC == 0);
static_assert(OVPN_PEER_ATTR_PEER_ID == 1);
static_assert(OVPN_PEER_ATTR_SOCKADDR_REMOTE == 2);
static_assert(OVPN_PEER_ATTR_IPV4 == 3);
static_assert(OVPN_PEER_ATTR_IPV6 == 4);
static_assert(OVPN_PEER_ATTR_LOCAL_IP == 5);
static_assert(OVPN_PEER_ATTR_KEEPALIVE_INTERVAL == 6);
static_assert(OVPN_PEER_ATTR_KEEPALIVE_TIMEOUT == 7);
static_assert(OVPN_PEER_ATTR_ENCRYPT_KEY == 8);
static_assert(OVPN_PEER_ATTR_DECRYPT_KEY == 9);
static_assert(OVPN_PEER_ATTR_RX_STATS == 10);
static_assert(OVPN_PEER_ATTR_TX_STATS == 11);
static_assert(OVPN_PEER_ATTR_MAX == 11);

static struct netlink_range_validation ovpn_nl_peer_id_range = {
	.max = 0xffffff,
};

static const struct nla_policy
ovpn_nl_new_peer_policy[OVPN_NEW_PEER_ATTR_MAX + 1] = {
	[OVPN_NEW_PEER_ATTR_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nl_peer_id_range),
	[OVPN_NEW_PEER_ATTR_SOCKADDR_REMOTE] =
		NLA_POLICY_RANGE(NLA_BINARY, 16, 28),
	[OVPN_NEW_PEER_ATTR_SOCKET] = { .type = NLA_U32 },
	[OVPN_NEW_PEER_ATTR_IPV4] = { .type = NLA_BE32 },
	[OVPN_NEW_PEER_ATTR_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[OVPN_NEW_PEER_ATTR_LOCAL_IP] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
};

static const struct nla_policy
ovpn_nl_set_peer_policy[OVPN_SET_PEER_ATTR_MAX + 1] = {
	[OVPN_SET_PEER_ATTR_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nl_peer_id_range),
	[OVPN_SET_PEER_ATTR_KEEPALIVE_INTERVAL] = { .type = NLA_U32 },
	[OVPN_SET_PEER_ATTR_KEEPALIVE_TIMEOUT] = { .type = NLA_U32 },
};

static const struct nla_policy
ovpn_nl_del_peer_policy[OVPN_DEL_PEER_ATTR_MAX + 1] = {
	[OVPN_DEL_PEER_ATTR_REASON] =
		NLA_POLICY_MAX(NLA_U8, OVPN_DEL_PEER_REASON_TRANSPORT_ERROR),
	[OVPN_DEL_PEER_ATTR_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nl_peer_id_range),
};

static const struct nla_policy
ovpn_nl_key_dir_policy[OVPN_KEY_DIR_ATTR_MAX + 1] = {
	[OVPN_KEY_DIR_ATTR_CIPHER_KEY] = NLA_POLICY_RANGE(NLA_BINARY, 16, 32),
	[OVPN_KEY_DIR_ATTR_NONCE_TAIL] = NLA_POLICY_EXACT_LEN(8),
};

static const struct nla_policy
ovpn_nl_new_key_policy[OVPN_NEW_KEY_ATTR_MAX + 1] = {
	[OVPN_NEW_KEY_ATTR_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nl_peer_id_range),
	[OVPN_NEW_KEY_ATTR_KEY_SLOT] =
		NLA_POLICY_MAX(NLA_U8, OVPN_KEY_SLOT_SECONDARY),
	[OVPN_NEW_KEY_ATTR_KEY_ID] = NLA_POLICY_MAX(NLA_U8, 7),
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
	[OVPN_SWAP_KEYS_ATTR_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nl_peer_id_range),
};

static const struct nla_policy
ovpn_nl_del_key_policy[OVPN_DEL_KEY_ATTR_MAX + 1] = {
	[OVPN_DEL_KEY_ATTR_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nl_peer_id_range),
	[OVPN_DEL_KEY_ATTR_KEY_SLOT] =
		NLA_POLICY_MAX(NLA_U8, OVPN_KEY_SLOT_SECONDARY),
};

static const struct nla_policy
ovpn_nl_packet_policy[OVPN_PACKET_ATTR_MAX + 1] = {
	[OVPN_PACKET_ATTR_PACKET] = NLA_POLICY_MIN_LEN(1),
	[OVPN_PACKET_ATTR_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nl_peer_id_range),
};

static const struct nla_policy
ovpn_nl_get_peer_policy[OVPN_GET_PEER_ATTR_MAX + 1] = {
	[OVPN_GET_PEER_ATTR_PEER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nl_peer_id_range),
};

static const struct nla_policy
ovpn_nl_dev_policy[OVPN_DEV_ATTR_MAX + 1] = {
	[OVPN_DEV_ATTR_MSSFIX] = { .type = NLA_U16 },
};

static const struct nla_policy
ovpn_nl_policy[OVPN_ATTR_MAX + 1] = {
	[OVPN_ATTR_IFINDEX] = { .type = NLA_U32 },
	[OVPN_ATTR_NEW_PEER] = NLA_POLICY_NESTED(ovpn_nl_new_peer_policy),
	[OVPN_ATTR_SET_PEER] = NLA_POLICY_NESTED(ovpn_nl_set_peer_policy),
	[OVPN_ATTR_DEL_PEER] = NLA_POLICY_NESTED(ovpn_nl_del_peer_policy),
	[OVPN_ATTR_NEW_KEY] = NLA_POLICY_NESTED(ovpn_nl_new_key_policy),
	[OVPN_ATTR_SWAP_KEYS] = NLA_POLICY_NESTED(ovpn_nl_swap_keys_policy),
	[OVPN_ATTR_DEL_KEY] = NLA_POLICY_NESTED(ovpn_nl_del_key_policy),
	[OVPN_ATTR_PACKET] = NLA_POLICY_NESTED(ovpn_nl_packet_policy),
	[OVPN_ATTR_GET_PEER] = NLA_POLICY_NESTED(ovpn_nl_get_peer_policy),
	[OVPN_ATTR_DEV] = NLA_POLICY_NESTED(ovpn_nl_dev_policy),
};

static const struct ovpn_nl_op_desc ovpn_nl_op_desc[__OVPN_NL_OP_COUNT] = {
	[OVPN_NL_OP_NEW_PEER] = {
		.cmd = OVPN_CMD_NEW_PEER,
		.attr = OVPN_ATTR_NEW_PEER,
		.nest_policy = ovpn_nl_new_peer_policy,
		.nest_maxtype = OVPN_NEW_PEER_ATTR_MAX,
		.peer_id_attr = OVPN_NEW_PEER_ATTR_PEER_ID,
		.required = OVPN_NL_NEW_PEER_REQUIRED,
	},
	[OVPN_NL_OP_SET_PEER] = {
		.cmd = OVPN_CMD_SET_PEER,
		.attr = OVPN_ATTR_SET_PEER,
		.nest_policy = ovpn_nl_set_peer_policy,
		.nest_maxtype = OVPN_SET_PEER_ATTR_MAX,
		.peer_id_attr = OVPN_SET_PEER_ATTR_PEER_ID,
		.required = OVPN_NL_SET_PEER_REQUIRED,
	},
	[OVPN_NL_OP_DEL_PEER] = {
		.cmd = OVPN_CMD_DEL_PEER,
		.attr = OVPN_ATTR_DEL_PEER,
		.nest_policy = ovpn_nl_del_peer_policy,
		.nest_maxtype = OVPN_DEL_PEER_ATTR_MAX,
		.peer_id_attr = OVPN_DEL_PEER_ATTR_PEER_ID,
		.required = OVPN_NL_DEL_PEER_REQUIRED,
	},
	[OVPN_NL_OP_NEW_KEY] = {
		.cmd = OVPN_CMD_NEW_KEY,
		.attr = OVPN_ATTR_NEW_KEY,
		.nest_policy = ovpn_nl_new_key_policy,
		.nest_maxtype = OVPN_NEW_KEY_ATTR_MAX,
		.peer_id_attr = OVPN_NEW_KEY_ATTR_PEER_ID,
		.required = OVPN_NL_NEW_KEY_REQUIRED,
	},
	[OVPN_NL_OP_SWAP_KEYS] = {
		.cmd = OVPN_CMD_SWAP_KEYS,
		.attr = OVPN_ATTR_SWAP_KEYS,
		.nest_policy = ovpn_nl_swap_keys_policy,
		.nest_maxtype = OVPN_SWAP_KEYS_ATTR_MAX,
		.peer_id_attr = OVPN_SWAP_KEYS_ATTR_PEER_ID,
		.required = OVPN_NL_SWAP_KEYS_REQUIRED,
	},
	[OVPN_NL_OP_DEL_KEY] = {
		.cmd = OVPN_CMD_DEL_KEY,
		.attr = OVPN_ATTR_DEL_KEY,
		.nest_policy = ovpn_nl_del_key_policy,
		.nest_maxtype = OVPN_DEL_KEY_ATTR_MAX,
		.peer_id_attr = OVPN_DEL_KEY_ATTR_PEER_ID,
		.required = OVPN_NL_DEL_KEY_REQUIRED,
	},
	[OVPN_NL_OP_REGISTER_PACKET] = {
		.cmd = OVPN_CMD_REGISTER_PACKET,
	},
	[OVPN_NL_OP_PACKET] = {
		.cmd = OVPN_CMD_PACKET,
		.attr = OVPN_ATTR_PACKET,
		.nest_policy = ovpn_nl_packet_policy,
		.nest_maxtype = OVPN_PACKET_ATTR_MAX,
		.peer_id_attr = OVPN_PACKET_ATTR_PEER_ID,
		.required = OVPN_NL_PACKET_REQUIRED,
	},
	[OVPN_NL_OP_GET_PEER] = {
		.cmd = OVPN_CMD_GET_PEER,
		.attr = OVPN_ATTR_GET_PEER,
		.nest_policy = ovpn_nl_get_peer_policy,
		.nest_maxtype = OVPN_GET_PEER_ATTR_MAX,
		.peer_id_attr = OVPN_GET_PEER_ATTR_PEER_ID,
		.required = OVPN_NL_GET_PEER_REQUIRED,
	},
	[OVPN_NL_OP_SET_DEV] = {
		.cmd = OVPN_CMD_SET_DEV,
		.attr = OVPN_ATTR_DEV,
		.nest_policy = ovpn_nl_dev_policy,
		.nest_maxtype = OVPN_DEV_ATTR_MAX,
		.required = OVPN_NL_SET_DEV_REQUIRED,
	},
	[OVPN_NL_OP_GET_DEV] = {
		.cmd = OVPN_CMD_GET_DEV,
	},
};

static const struct genl_ops ovpn_nl_ops[] = {
	{
		.cmd = OVPN_CMD_NEW_PEER,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
	},
	{
		.cmd = OVPN_CMD_SET_PEER,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
	},
	{
		.cmd = OVPN_CMD_DEL_PEER,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
	},
	{
		.cmd = OVPN_CMD_NEW_KEY,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
	},
	{
		.cmd = OVPN_CMD_SWAP_KEYS,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
	},
	{
		.cmd = OVPN_CMD_DEL_KEY,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
	},
	{
		.cmd = OVPN_CMD_REGISTER_PACKET,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
	},
	{
		.cmd = OVPN_CMD_PACKET,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
	},
	{
		.cmd = OVPN_CMD_GET_PEER,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
		.start = OVPN_NL_GET_PEER_START,
		.dumpit = OVPN_NL_GET_PEER_DUMPIT,
	},
	{
		.cmd = OVPN_CMD_SET_DEV,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
	},
	{
		.cmd = OVPN_CMD_GET_DEV,
		.flags = GENL_ADMIN_PERM,
		.doit = OVPN_NL_DOIT,
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

#endif /* _NET_OVPN_DCO_NETLINK_GEN_OVPN_DCO_H_ */
