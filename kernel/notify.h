/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - events for userspace
 *
 * Calls run one way: netlink -> peers and keys -> data path -> transport.
 * What peers and the data path have to tell userspace (a peer is gone, a
 * control packet arrived) goes through these functions only; they never
 * call netlink code or include netlink.h. The netlink side implements
 * them: ovpn_notify_peer_deleted() in netlink_peer.c,
 * ovpn_notify_ctrl_packet() in netlink_packet.c, the "ovpn" family's own
 * events in netlink_ovpn_ntf.c.
 */

#ifndef _NET_OVPN_DCO_NOTIFY_H_
#define _NET_OVPN_DCO_NOTIFY_H_

#include <linux/build_bug.h>
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

/* the numbering of the "ovpn" family's enum ovpn_del_peer_reason */
static_assert(OVPN_NL_REASON_TRANSPORT_DISCONNECT == 4);

void ovpn_notify_peer_deleted(struct ovpn_peer *peer,
			      enum ovpn_nl_reason reason);
bool ovpn_notify_ctrl_packet(struct ovpn_struct *ovpn, struct sk_buff *skb,
			     unsigned int offset);

/*
 * Events only the "ovpn" family reports (netlink_ovpn_ntf.c); without it
 * (a target kernel with the in-tree ovpn driver) they are no-ops.
 */
#ifdef OVPN_DCO_OVPN_API
void ovpn_notify_peer_floated(struct ovpn_peer *peer);
void ovpn_notify_key_exhausted(struct ovpn_peer *peer, u8 key_id);
#else
static inline void ovpn_notify_peer_floated(struct ovpn_peer *peer)
{
}

static inline void ovpn_notify_key_exhausted(struct ovpn_peer *peer,
					     u8 key_id)
{
}
#endif

#endif /* _NET_OVPN_DCO_NOTIFY_H_ */
