/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - generic netlink
 *
 * Two families speak the same protocol with different numbering:
 * "ovpn-dco" (uapi/linux/ovpn_dco.h, the RFC v2 layout) and "ovpn-dco-v2"
 * (uapi/linux/ovpn_dco_v2.h, OpenVPN 2.6.2+). Each family file instantiates
 * netlink_tmpl.h with its own header and describes itself with a
 * struct ovpn_nl_family; netlink.c serves both through that description.
 *
 * Shared code never uses a top-level OVPN_ATTR_*, an OVPN_CMD_*, a GET_PEER
 * reply counter or a delete reason from a uapi header: those differ between
 * the layouts and come from struct ovpn_nl_family. Nested attribute ids and
 * the other enums are the same in both headers.
 */

#ifndef _NET_OVPN_DCO_NETLINK_H_
#define _NET_OVPN_DCO_NETLINK_H_

#include <linux/types.h>
#include <net/genetlink.h>

#include "notify.h"

struct net_device;
struct ovpn_peer;
struct ovpn_struct;
struct sk_buff;

/* OVPN_ATTR_IFINDEX in every layout (checked by netlink_tmpl.h) */
#define OVPN_NL_ATTR_IFINDEX	1

/* room for the attributes of the largest per-operation nest */
#define OVPN_NL_NEST_TB_SIZE	8

/**
 * enum ovpn_nl_op - operations, whatever their number in a family
 * @OVPN_NL_OP_NONE: not an operation
 * @OVPN_NL_OP_NEW_PEER: NEW_PEER
 * @OVPN_NL_OP_SET_PEER: SET_PEER
 * @OVPN_NL_OP_DEL_PEER: DEL_PEER (also the notification)
 * @OVPN_NL_OP_NEW_KEY: NEW_KEY
 * @OVPN_NL_OP_SWAP_KEYS: SWAP_KEYS
 * @OVPN_NL_OP_DEL_KEY: DEL_KEY
 * @OVPN_NL_OP_REGISTER_PACKET: REGISTER_PACKET ("ovpn-dco" only)
 * @OVPN_NL_OP_PACKET: PACKET ("ovpn-dco" only)
 * @OVPN_NL_OP_GET_PEER: GET_PEER, one peer or a dump
 * @OVPN_NL_OP_SET_DEV: SET_DEV, the device's settings (mssfix)
 * @OVPN_NL_OP_GET_DEV: GET_DEV
 * @__OVPN_NL_OP_COUNT: number of entries
 */
enum ovpn_nl_op {
	OVPN_NL_OP_NONE,
	OVPN_NL_OP_NEW_PEER,
	OVPN_NL_OP_SET_PEER,
	OVPN_NL_OP_DEL_PEER,
	OVPN_NL_OP_NEW_KEY,
	OVPN_NL_OP_SWAP_KEYS,
	OVPN_NL_OP_DEL_KEY,
	OVPN_NL_OP_REGISTER_PACKET,
	OVPN_NL_OP_PACKET,
	OVPN_NL_OP_GET_PEER,
	OVPN_NL_OP_SET_DEV,
	OVPN_NL_OP_GET_DEV,
	__OVPN_NL_OP_COUNT,
};

/**
 * enum ovpn_nl_stat - peer counters a GET_PEER reply may carry (u64)
 * @OVPN_NL_STAT_VPN_RX_BYTES: bytes received from the peer, decrypted
 * @OVPN_NL_STAT_VPN_TX_BYTES: bytes sent to the peer, before encryption
 * @OVPN_NL_STAT_VPN_RX_PACKETS: packets received from the peer, decrypted
 * @OVPN_NL_STAT_VPN_TX_PACKETS: packets sent to the peer
 * @OVPN_NL_STAT_LINK_RX_BYTES: transport bytes received
 * @OVPN_NL_STAT_LINK_TX_BYTES: transport bytes sent
 * @OVPN_NL_STAT_LINK_RX_PACKETS: transport packets received
 * @OVPN_NL_STAT_LINK_TX_PACKETS: transport packets sent
 * @__OVPN_NL_STAT_COUNT: number of entries
 */
enum ovpn_nl_stat {
	OVPN_NL_STAT_VPN_RX_BYTES,
	OVPN_NL_STAT_VPN_TX_BYTES,
	OVPN_NL_STAT_VPN_RX_PACKETS,
	OVPN_NL_STAT_VPN_TX_PACKETS,
	OVPN_NL_STAT_LINK_RX_BYTES,
	OVPN_NL_STAT_LINK_TX_BYTES,
	OVPN_NL_STAT_LINK_RX_PACKETS,
	OVPN_NL_STAT_LINK_TX_PACKETS,
	__OVPN_NL_STAT_COUNT,
};

/**
 * struct ovpn_nl_op_desc - how a family encodes one operation
 * @nest_policy: policy of the operation's nest
 * @required: bitmask, BIT(type) for every nest attribute the operation needs
 * @cmd: generic netlink command; 0 if the family lacks the operation
 * @attr: top-level attribute holding the operation's nest; 0 if none
 * @nest_maxtype: highest attribute type of the nest
 * @peer_id_attr: type of the peer id in the nest; 0 if none
 */
struct ovpn_nl_op_desc {
	const struct nla_policy *nest_policy;
	u32 required;
	u8 cmd;
	u8 attr;
	u8 nest_maxtype;
	u8 peer_id_attr;
};

/**
 * struct ovpn_nl_family - a generic netlink family and its numbering
 * @genl: the registered family (name, id, multicast group "peers" first)
 * @op: how each operation is encoded, indexed by enum ovpn_nl_op
 * @stat_attr: GET_PEER reply attribute of each enum ovpn_nl_stat counter,
 *	0 if the family does not report it
 * @resp_maxtype: highest GET_PEER reply attribute
 * @dev_attr: top-level attribute of the device settings (GET_DEV reply)
 * @reason: wire value of each enum ovpn_nl_reason
 * @reason_max: highest delete reason on the wire
 */
struct ovpn_nl_family {
	struct genl_family *genl;
	const struct ovpn_nl_op_desc *op;
	u8 stat_attr[__OVPN_NL_STAT_COUNT];
	u8 resp_maxtype;
	u8 dev_attr;
	u8 reason[__OVPN_NL_REASON_COUNT];
	u8 reason_max;
};

/**
 * struct ovpn_nl_req - a request that passed the common checks
 * @fam: the family it came through
 * @desc: the family's encoding of the operation
 * @op: the operation
 * @dev: the ovpn-dco device named by OVPN_ATTR_IFINDEX, held for the request
 * @ovpn: its private data
 * @info: the request; NULL while starting a dump
 * @extack: where to report errors; may be NULL
 * @nest: the operation's nest; NULL in a dump or for an operation without
 * @tb: the nest's attributes, parsed, indexed by type
 */
struct ovpn_nl_req {
	const struct ovpn_nl_family *fam;
	const struct ovpn_nl_op_desc *desc;
	enum ovpn_nl_op op;
	struct net_device *dev;
	struct ovpn_struct *ovpn;
	struct genl_info *info;
	struct netlink_ext_ack *extack;
	struct nlattr *nest;
	struct nlattr *tb[OVPN_NL_NEST_TB_SIZE];
};

extern const struct ovpn_nl_family ovpn_nl_family_dco;
extern const struct ovpn_nl_family ovpn_nl_family_dco_v2;

int ovpn_nl_doit(struct sk_buff *skb, struct genl_info *info);
int ovpn_nl_get_peer_start(struct netlink_callback *cb);
int ovpn_nl_get_peer_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

int ovpn_nl_register(void);
void ovpn_nl_unregister(void);

#ifdef OVPN_DCO_OVPN_API
/* the "ovpn" family (netlink_ovpn.h): its PEER_DEL_NTF, its registration */
void ovpn_nlo_notify_peer_deleted(struct ovpn_peer *peer, u32 reason);
int ovpn_nlo_register(void);
void ovpn_nlo_unregister(void);
#endif

/* operation handlers (doit): netlink_peer.c */
int ovpn_nl_new_peer(struct ovpn_nl_req *req);
int ovpn_nl_set_peer(struct ovpn_nl_req *req);
int ovpn_nl_del_peer(struct ovpn_nl_req *req);
int ovpn_nl_get_peer(struct ovpn_nl_req *req);

/* operation handlers (doit): netlink_packet.c */
int ovpn_nl_register_packet(struct ovpn_nl_req *req);
int ovpn_nl_packet(struct ovpn_nl_req *req);

/* operation handlers (doit): netlink_key.c */
int ovpn_nl_new_key(struct ovpn_nl_req *req);
int ovpn_nl_swap_keys(struct ovpn_nl_req *req);
int ovpn_nl_del_key(struct ovpn_nl_req *req);

/* operation handlers (doit): netlink_dev.c */
int ovpn_nl_set_dev(struct ovpn_nl_req *req);
int ovpn_nl_get_dev(struct ovpn_nl_req *req);

/* GET_PEER dump, netlink_peer.c */
int ovpn_nl_get_peer_dump(struct ovpn_nl_req *req, struct sk_buff *skb,
			  struct netlink_callback *cb);

/* the peer named by a request's peer id: netlink_peer.c */
struct ovpn_peer *ovpn_nl_peer_lookup(struct ovpn_nl_req *req);

/*
 * control packets over netlink ("ovpn-dco" family): netlink_packet.c.
 * The notifications (notify.h) are implemented in netlink_peer.c and
 * netlink_packet.c.
 */
void ovpn_nl_unregister_listener(struct ovpn_struct *ovpn);
int ovpn_nl_listeners_init(void);
void ovpn_nl_listeners_fini(void);

#endif /* _NET_OVPN_DCO_NETLINK_H_ */
