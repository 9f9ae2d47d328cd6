/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ovpn-dco: OpenVPN data channel offload - userspace API, family "ovpn-dco-v2"
 *
 * The layout OpenVPN 2.6.2 and later (Debian 12's 2.6.14 included) speak.
 * Compared with "ovpn-dco" (ovpn_dco.h): no REGISTER_PACKET/PACKET commands
 * (control packets stay on the transport socket), GET_PEER is command 7 and
 * attribute 8, GET_PEER replies carry VPN and LINK counters (u64), and a
 * peer can go away with reason TRANSPORT_DISCONNECT. A program includes
 * either this header or ovpn_dco.h, never both. The numeric values are ABI.
 */

#ifndef _UAPI_LINUX_OVPN_DCO_V2_H_
#define _UAPI_LINUX_OVPN_DCO_V2_H_

#define OVPN_NL_NAME "ovpn-dco-v2"

#define OVPN_NL_MULTICAST_GROUP_PEERS "peers"

/**
 * enum ovpn_nl_commands - generic netlink commands
 * @OVPN_CMD_UNSPEC: never valid
 * @OVPN_CMD_NEW_PEER: add a peer bound to a transport socket
 * @OVPN_CMD_SET_PEER: change keepalive parameters of a peer
 * @OVPN_CMD_DEL_PEER: remove a peer (also the multicast notification)
 * @OVPN_CMD_NEW_KEY: install a key in a slot of a peer
 * @OVPN_CMD_SWAP_KEYS: exchange the primary and secondary key slots
 * @OVPN_CMD_DEL_KEY: erase a key slot
 * @OVPN_CMD_GET_PEER: read one peer, or dump all peers
 * @OVPN_CMD_SET_DEV: change the settings of a device (mssfix)
 * @OVPN_CMD_GET_DEV: read the settings of a device
 */
enum ovpn_nl_commands {
	OVPN_CMD_UNSPEC = 0,
	OVPN_CMD_NEW_PEER,
	OVPN_CMD_SET_PEER,
	OVPN_CMD_DEL_PEER,
	OVPN_CMD_NEW_KEY,
	OVPN_CMD_SWAP_KEYS,
	OVPN_CMD_DEL_KEY,
	OVPN_CMD_GET_PEER,
	OVPN_CMD_SET_DEV,
	OVPN_CMD_GET_DEV,
};

/**
 * enum ovpn_cipher_alg - data channel ciphers
 * @OVPN_CIPHER_ALG_NONE: no cipher; always rejected
 * @OVPN_CIPHER_ALG_AES_GCM: AES-GCM, key size given by the key length
 * @OVPN_CIPHER_ALG_CHACHA20_POLY1305: ChaCha20-Poly1305 (RFC 7539)
 */
enum ovpn_cipher_alg {
	OVPN_CIPHER_ALG_NONE = 0,
	OVPN_CIPHER_ALG_AES_GCM,
	OVPN_CIPHER_ALG_CHACHA20_POLY1305,
};

/**
 * enum ovpn_del_peer_reason - why a peer went away
 * @OVPN_DEL_PEER_REASON_TEARDOWN: device removed or peer replaced
 * @OVPN_DEL_PEER_REASON_USERSPACE: removed by OVPN_CMD_DEL_PEER
 * @OVPN_DEL_PEER_REASON_EXPIRED: keepalive timeout
 * @OVPN_DEL_PEER_REASON_TRANSPORT_ERROR: transport socket failed
 * @OVPN_DEL_PEER_REASON_TRANSPORT_DISCONNECT: transport socket closed
 */
enum ovpn_del_peer_reason {
	__OVPN_DEL_PEER_REASON_FIRST,
	OVPN_DEL_PEER_REASON_TEARDOWN = __OVPN_DEL_PEER_REASON_FIRST,
	OVPN_DEL_PEER_REASON_USERSPACE,
	OVPN_DEL_PEER_REASON_EXPIRED,
	OVPN_DEL_PEER_REASON_TRANSPORT_ERROR,
	OVPN_DEL_PEER_REASON_TRANSPORT_DISCONNECT,
	__OVPN_DEL_PEER_REASON_AFTER_LAST
};

/**
 * enum ovpn_key_slot - the two key slots of a peer
 * @OVPN_KEY_SLOT_PRIMARY: used for TX and RX
 * @OVPN_KEY_SLOT_SECONDARY: used for RX only
 */
enum ovpn_key_slot {
	__OVPN_KEY_SLOT_FIRST,
	OVPN_KEY_SLOT_PRIMARY = __OVPN_KEY_SLOT_FIRST,
	OVPN_KEY_SLOT_SECONDARY,
	__OVPN_KEY_SLOT_AFTER_LAST,
};

/* top level attributes: the device, then one nest per operation */
enum ovpn_netlink_attrs {
	OVPN_ATTR_UNSPEC = 0,
	OVPN_ATTR_IFINDEX,
	OVPN_ATTR_NEW_PEER,
	OVPN_ATTR_SET_PEER,
	OVPN_ATTR_DEL_PEER,
	OVPN_ATTR_NEW_KEY,
	OVPN_ATTR_SWAP_KEYS,
	OVPN_ATTR_DEL_KEY,
	OVPN_ATTR_GET_PEER,
	OVPN_ATTR_DEV,

	__OVPN_ATTR_AFTER_LAST,
	OVPN_ATTR_MAX = __OVPN_ATTR_AFTER_LAST - 1,
};

/**
 * enum ovpn_netlink_dev_attrs - settings of a device, in OVPN_ATTR_DEV
 * @OVPN_DEV_ATTR_UNSPEC: never valid
 * @OVPN_DEV_ATTR_MSSFIX: u16, largest outer packet (IP and transport
 *	headers included) that the clamped MSS of a TCP SYN crossing the
 *	tunnel allows, OpenVPN's "mssfix N mtu"; 0: no clamping, else at
 *	least 576
 * @__OVPN_DEV_ATTR_AFTER_LAST: number of entries
 * @OVPN_DEV_ATTR_MAX: highest attribute
 */
enum ovpn_netlink_dev_attrs {
	OVPN_DEV_ATTR_UNSPEC = 0,
	OVPN_DEV_ATTR_MSSFIX,

	__OVPN_DEV_ATTR_AFTER_LAST,
	OVPN_DEV_ATTR_MAX = __OVPN_DEV_ATTR_AFTER_LAST - 1,
};

/* one direction of a key: inside OVPN_NEW_KEY_ATTR_{EN,DE}CRYPT_KEY */
enum ovpn_netlink_key_dir_attrs {
	OVPN_KEY_DIR_ATTR_UNSPEC = 0,
	OVPN_KEY_DIR_ATTR_CIPHER_KEY,
	OVPN_KEY_DIR_ATTR_NONCE_TAIL,

	__OVPN_KEY_DIR_ATTR_AFTER_LAST,
	OVPN_KEY_DIR_ATTR_MAX = __OVPN_KEY_DIR_ATTR_AFTER_LAST - 1,
};

/* inside OVPN_ATTR_NEW_KEY */
enum ovpn_netlink_new_key_attrs {
	OVPN_NEW_KEY_ATTR_UNSPEC = 0,
	OVPN_NEW_KEY_ATTR_PEER_ID,
	OVPN_NEW_KEY_ATTR_KEY_SLOT,
	OVPN_NEW_KEY_ATTR_KEY_ID,
	OVPN_NEW_KEY_ATTR_CIPHER_ALG,
	OVPN_NEW_KEY_ATTR_ENCRYPT_KEY,
	OVPN_NEW_KEY_ATTR_DECRYPT_KEY,

	__OVPN_NEW_KEY_ATTR_AFTER_LAST,
	OVPN_NEW_KEY_ATTR_MAX = __OVPN_NEW_KEY_ATTR_AFTER_LAST - 1,
};

/* inside OVPN_ATTR_DEL_KEY */
enum ovpn_netlink_del_key_attrs {
	OVPN_DEL_KEY_ATTR_UNSPEC = 0,
	OVPN_DEL_KEY_ATTR_PEER_ID,
	OVPN_DEL_KEY_ATTR_KEY_SLOT,

	__OVPN_DEL_KEY_ATTR_AFTER_LAST,
	OVPN_DEL_KEY_ATTR_MAX = __OVPN_DEL_KEY_ATTR_AFTER_LAST - 1,
};

/* inside OVPN_ATTR_SWAP_KEYS */
enum ovpn_netlink_swap_keys_attrs {
	OVPN_SWAP_KEYS_ATTR_UNSPEC = 0,
	OVPN_SWAP_KEYS_ATTR_PEER_ID,

	__OVPN_SWAP_KEYS_ATTR_AFTER_LAST,
	OVPN_SWAP_KEYS_ATTR_MAX = __OVPN_SWAP_KEYS_ATTR_AFTER_LAST - 1,
};

/* inside OVPN_ATTR_NEW_PEER */
enum ovpn_netlink_new_peer_attrs {
	OVPN_NEW_PEER_ATTR_UNSPEC = 0,
	OVPN_NEW_PEER_ATTR_PEER_ID,
	OVPN_NEW_PEER_ATTR_SOCKADDR_REMOTE,
	OVPN_NEW_PEER_ATTR_SOCKET,
	OVPN_NEW_PEER_ATTR_IPV4,
	OVPN_NEW_PEER_ATTR_IPV6,
	OVPN_NEW_PEER_ATTR_LOCAL_IP,

	__OVPN_NEW_PEER_ATTR_AFTER_LAST,
	OVPN_NEW_PEER_ATTR_MAX = __OVPN_NEW_PEER_ATTR_AFTER_LAST - 1,
};

/* inside OVPN_ATTR_SET_PEER */
enum ovpn_netlink_set_peer_attrs {
	OVPN_SET_PEER_ATTR_UNSPEC = 0,
	OVPN_SET_PEER_ATTR_PEER_ID,
	OVPN_SET_PEER_ATTR_KEEPALIVE_INTERVAL,
	OVPN_SET_PEER_ATTR_KEEPALIVE_TIMEOUT,

	__OVPN_SET_PEER_ATTR_AFTER_LAST,
	OVPN_SET_PEER_ATTR_MAX = __OVPN_SET_PEER_ATTR_AFTER_LAST - 1,
};

/* inside OVPN_ATTR_DEL_PEER (request and notification) */
enum ovpn_netlink_del_peer_attrs {
	OVPN_DEL_PEER_ATTR_UNSPEC = 0,
	OVPN_DEL_PEER_ATTR_REASON,
	OVPN_DEL_PEER_ATTR_PEER_ID,

	__OVPN_DEL_PEER_ATTR_AFTER_LAST,
	OVPN_DEL_PEER_ATTR_MAX = __OVPN_DEL_PEER_ATTR_AFTER_LAST - 1,
};

/* inside OVPN_ATTR_GET_PEER (request) */
enum ovpn_netlink_get_peer_attrs {
	OVPN_GET_PEER_ATTR_UNSPEC = 0,
	OVPN_GET_PEER_ATTR_PEER_ID,

	__OVPN_GET_PEER_ATTR_AFTER_LAST,
	OVPN_GET_PEER_ATTR_MAX = __OVPN_GET_PEER_ATTR_AFTER_LAST - 1,
};

/* inside OVPN_ATTR_GET_PEER (reply); counters are u64 */
enum ovpn_netlink_get_peer_response_attrs {
	OVPN_GET_PEER_RESP_ATTR_UNSPEC = 0,
	OVPN_GET_PEER_RESP_ATTR_PEER_ID,
	OVPN_GET_PEER_RESP_ATTR_SOCKADDR_REMOTE,
	OVPN_GET_PEER_RESP_ATTR_IPV4,
	OVPN_GET_PEER_RESP_ATTR_IPV6,
	OVPN_GET_PEER_RESP_ATTR_LOCAL_IP,
	OVPN_GET_PEER_RESP_ATTR_LOCAL_PORT,
	OVPN_GET_PEER_RESP_ATTR_KEEPALIVE_INTERVAL,
	OVPN_GET_PEER_RESP_ATTR_KEEPALIVE_TIMEOUT,
	OVPN_GET_PEER_RESP_ATTR_VPN_RX_BYTES,
	OVPN_GET_PEER_RESP_ATTR_VPN_TX_BYTES,
	OVPN_GET_PEER_RESP_ATTR_VPN_RX_PACKETS,
	OVPN_GET_PEER_RESP_ATTR_VPN_TX_PACKETS,
	OVPN_GET_PEER_RESP_ATTR_LINK_RX_BYTES,
	OVPN_GET_PEER_RESP_ATTR_LINK_TX_BYTES,
	OVPN_GET_PEER_RESP_ATTR_LINK_RX_PACKETS,
	OVPN_GET_PEER_RESP_ATTR_LINK_TX_PACKETS,

	__OVPN_GET_PEER_RESP_ATTR_AFTER_LAST,
	OVPN_GET_PEER_RESP_ATTR_MAX = __OVPN_GET_PEER_RESP_ATTR_AFTER_LAST - 1,
};

/* not used on the wire; kept for ABI completeness */
enum ovpn_netlink_peer_stats_attrs {
	OVPN_PEER_STATS_ATTR_UNSPEC = 0,
	OVPN_PEER_STATS_BYTES,
	OVPN_PEER_STATS_PACKETS,

	__OVPN_PEER_STATS_ATTR_AFTER_LAST,
	OVPN_PEER_STATS_ATTR_MAX = __OVPN_PEER_STATS_ATTR_AFTER_LAST - 1,
};

/* not used on the wire; kept for ABI completeness */
enum ovpn_netlink_peer_attrs {
	OVPN_PEER_ATTR_UNSPEC = 0,
	OVPN_PEER_ATTR_PEER_ID,
	OVPN_PEER_ATTR_SOCKADDR_REMOTE,
	OVPN_PEER_ATTR_IPV4,
	OVPN_PEER_ATTR_IPV6,
	OVPN_PEER_ATTR_LOCAL_IP,
	OVPN_PEER_ATTR_KEEPALIVE_INTERVAL,
	OVPN_PEER_ATTR_KEEPALIVE_TIMEOUT,
	OVPN_PEER_ATTR_ENCRYPT_KEY,
	OVPN_PEER_ATTR_DECRYPT_KEY,
	OVPN_PEER_ATTR_RX_STATS,
	OVPN_PEER_ATTR_TX_STATS,

	__OVPN_PEER_ATTR_AFTER_LAST,
	OVPN_PEER_ATTR_MAX = __OVPN_PEER_ATTR_AFTER_LAST - 1,
};

/* the packet API is gone; kept because OpenVPN 2.6 ships it */
enum ovpn_netlink_packet_attrs {
	OVPN_PACKET_ATTR_UNSPEC = 0,
	OVPN_PACKET_ATTR_PACKET,
	OVPN_PACKET_ATTR_PEER_ID,

	__OVPN_PACKET_ATTR_AFTER_LAST,
	OVPN_PACKET_ATTR_MAX = __OVPN_PACKET_ATTR_AFTER_LAST - 1,
};

/*
 * rtnetlink: IFLA_INFO_DATA of link kind "ovpn-dco". Linux 6.16 and later
 * define the same names with the same values in <linux/if_link.h>, for the
 * in-tree "ovpn" link kind (detected by its IFLA_OVPN_MAX macro); those
 * definitions are then used as they are.
 */
#include <linux/if_link.h>

#ifndef IFLA_OVPN_MAX
enum ovpn_ifla_attrs {
	IFLA_OVPN_UNSPEC = 0,
	IFLA_OVPN_MODE,

	__IFLA_OVPN_AFTER_LAST,
	IFLA_OVPN_MAX = __IFLA_OVPN_AFTER_LAST - 1,
};

/**
 * enum ovpn_mode - IFLA_OVPN_MODE values (u8)
 * @OVPN_MODE_P2P: one peer gets all traffic (default)
 * @OVPN_MODE_MP: many peers, chosen by the routing table
 */
enum ovpn_mode {
	__OVPN_MODE_FIRST = 0,
	OVPN_MODE_P2P = __OVPN_MODE_FIRST,
	OVPN_MODE_MP,

	__OVPN_MODE_AFTER_LAST,
};

#endif /* !IFLA_OVPN_MAX */

#endif /* _UAPI_LINUX_OVPN_DCO_V2_H_ */
