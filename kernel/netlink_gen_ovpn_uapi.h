/* SPDX-License-Identifier: GPL-2.0-only */
/* generated from uapi/linux/ovpn.yaml by pyharness/proto/nlgen_ovpn.py - do not edit */

#ifndef _NET_OVPN_DCO_NETLINK_GEN_OVPN_UAPI_H_
#define _NET_OVPN_DCO_NETLINK_GEN_OVPN_UAPI_H_

#define OVPN_FAMILY_NAME	"ovpn"
#define OVPN_FAMILY_VERSION	1

/* constants and enums the module already has: the same values */
static_assert(OVPN_NONCE_TAIL_SIZE == 8);
static_assert(OVPN_CIPHER_ALG_NONE == 0);
static_assert(OVPN_CIPHER_ALG_AES_GCM == 1);
static_assert(OVPN_CIPHER_ALG_CHACHA20_POLY1305 == 2);
static_assert(OVPN_DEL_PEER_REASON_TEARDOWN == 0);
static_assert(OVPN_DEL_PEER_REASON_USERSPACE == 1);
static_assert(OVPN_DEL_PEER_REASON_EXPIRED == 2);
static_assert(OVPN_DEL_PEER_REASON_TRANSPORT_ERROR == 3);
static_assert(OVPN_DEL_PEER_REASON_TRANSPORT_DISCONNECT == 4);
static_assert(OVPN_KEY_SLOT_PRIMARY == 0);
static_assert(OVPN_KEY_SLOT_SECONDARY == 1);

enum {
	OVPN_A_PEER_ID = 1,
	OVPN_A_PEER_REMOTE_IPV4 = 2,
	OVPN_A_PEER_REMOTE_IPV6 = 3,
	OVPN_A_PEER_REMOTE_IPV6_SCOPE_ID = 4,
	OVPN_A_PEER_REMOTE_PORT = 5,
	OVPN_A_PEER_SOCKET = 6,
	OVPN_A_PEER_SOCKET_NETNSID = 7,
	OVPN_A_PEER_VPN_IPV4 = 8,
	OVPN_A_PEER_VPN_IPV6 = 9,
	OVPN_A_PEER_LOCAL_IPV4 = 10,
	OVPN_A_PEER_LOCAL_IPV6 = 11,
	OVPN_A_PEER_LOCAL_PORT = 12,
	OVPN_A_PEER_KEEPALIVE_INTERVAL = 13,
	OVPN_A_PEER_KEEPALIVE_TIMEOUT = 14,
	OVPN_A_PEER_DEL_REASON = 15,
	OVPN_A_PEER_VPN_RX_BYTES = 16,
	OVPN_A_PEER_VPN_TX_BYTES = 17,
	OVPN_A_PEER_VPN_RX_PACKETS = 18,
	OVPN_A_PEER_VPN_TX_PACKETS = 19,
	OVPN_A_PEER_LINK_RX_BYTES = 20,
	OVPN_A_PEER_LINK_TX_BYTES = 21,
	OVPN_A_PEER_LINK_RX_PACKETS = 22,
	OVPN_A_PEER_LINK_TX_PACKETS = 23,
	OVPN_A_PEER_TX_ID = 24,
	__OVPN_A_PEER_MAX,
	OVPN_A_PEER_MAX = __OVPN_A_PEER_MAX - 1,
};

enum {
	OVPN_A_KEYCONF_PEER_ID = 1,
	OVPN_A_KEYCONF_SLOT = 2,
	OVPN_A_KEYCONF_KEY_ID = 3,
	OVPN_A_KEYCONF_CIPHER_ALG = 4,
	OVPN_A_KEYCONF_ENCRYPT_DIR = 5,
	OVPN_A_KEYCONF_DECRYPT_DIR = 6,
	__OVPN_A_KEYCONF_MAX,
	OVPN_A_KEYCONF_MAX = __OVPN_A_KEYCONF_MAX - 1,
};

enum {
	OVPN_A_KEYDIR_CIPHER_KEY = 1,
	OVPN_A_KEYDIR_NONCE_TAIL = 2,
	__OVPN_A_KEYDIR_MAX,
	OVPN_A_KEYDIR_MAX = __OVPN_A_KEYDIR_MAX - 1,
};

enum {
	OVPN_A_IFINDEX = 1,
	OVPN_A_PEER = 2,
	OVPN_A_KEYCONF = 3,
	__OVPN_A_MAX,
	OVPN_A_MAX = __OVPN_A_MAX - 1,
};

enum {
	OVPN_CMD_PEER_NEW = 1,
	OVPN_CMD_PEER_SET = 2,
	OVPN_CMD_PEER_GET = 3,
	OVPN_CMD_PEER_DEL = 4,
	OVPN_CMD_PEER_DEL_NTF = 5,
	OVPN_CMD_KEY_NEW = 6,
	OVPN_CMD_KEY_GET = 7,
	OVPN_CMD_KEY_SWAP = 8,
	OVPN_CMD_KEY_SWAP_NTF = 9,
	OVPN_CMD_KEY_DEL = 10,
	OVPN_CMD_PEER_FLOAT_NTF = 11,
};

enum {
	OVPN_NLGRP_PEERS = 0,
};

/* the policies of the nests, for the handlers that parse them */
extern const struct nla_policy
ovpn_nlo_peer_policy[OVPN_A_PEER_TX_ID + 1];
extern const struct nla_policy
ovpn_nlo_peer_new_input_policy[OVPN_A_PEER_TX_ID + 1];
extern const struct nla_policy
ovpn_nlo_peer_set_input_policy[OVPN_A_PEER_TX_ID + 1];
extern const struct nla_policy
ovpn_nlo_peer_del_input_policy[OVPN_A_PEER_ID + 1];
extern const struct nla_policy
ovpn_nlo_keydir_policy[OVPN_A_KEYDIR_NONCE_TAIL + 1];
extern const struct nla_policy
ovpn_nlo_keyconf_policy[OVPN_A_KEYCONF_DECRYPT_DIR + 1];
extern const struct nla_policy
ovpn_nlo_keyconf_get_policy[OVPN_A_KEYCONF_CIPHER_ALG + 1];
extern const struct nla_policy
ovpn_nlo_keyconf_swap_input_policy[OVPN_A_KEYCONF_PEER_ID + 1];
extern const struct nla_policy
ovpn_nlo_keyconf_del_input_policy[OVPN_A_KEYCONF_SLOT + 1];

#endif /* _NET_OVPN_DCO_NETLINK_GEN_OVPN_UAPI_H_ */
