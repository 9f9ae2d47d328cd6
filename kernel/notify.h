/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - events for userspace
 *
 * Calls run one way: netlink -> peers and keys -> data path -> transport.
 * What peers and the data path have to tell userspace (a peer is gone, a
 * control packet arrived) goes through these functions only; they never
 * call netlink code or include netlink.h. The netlink side implements
 * them: ovpn_notify_peer_deleted() in netlink_peer.c,
 * ovpn_notify_ctrl_packet() in netlink_packet.c.
 */

#ifndef _NET_OVPN_DCO_NOTIFY_H_
#define _NET_OVPN_DCO_NOTIFY_H_

#include <linux/types.h>

struct ovpn_peer;
struct ovpn_struct;
struct sk_buff;

/**
 * enum ovpn_nl_reason - why a peer went away, whatever a family calls it
 * @OVPN_NL_REASON_TEARDOWN: device removed or peer replaced
 * @OVPN_NL_REASON_USERSPACE: removed by DEL_PEER
 * @OVPN_NL_REASON_EXPIRED: keepalive timeout
 * @OVPN_NL_REASON_TRANSPORT_ERROR: transport socket failed
 * @OVPN_NL_REASON_TRANSPORT_DISCONNECT: transport socket closed
 * @__OVPN_NL_REASON_COUNT: number of entries
 */
enum ovpn_nl_reason {
	OVPN_NL_REASON_TEARDOWN,
	OVPN_NL_REASON_USERSPACE,
	OVPN_NL_REASON_EXPIRED,
	OVPN_NL_REASON_TRANSPORT_ERROR,
	OVPN_NL_REASON_TRANSPORT_DISCONNECT,
	__OVPN_NL_REASON_COUNT,
};

void ovpn_notify_peer_deleted(struct ovpn_peer *peer,
			      enum ovpn_nl_reason reason);
bool ovpn_notify_ctrl_packet(struct ovpn_struct *ovpn, struct sk_buff *skb,
			     unsigned int offset);

#endif /* _NET_OVPN_DCO_NOTIFY_H_ */
