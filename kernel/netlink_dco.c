// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: generic netlink family "ovpn-dco"
 *
 * The RFC v2 layout (uapi/linux/ovpn_dco.h), spoken by OpenVPN 2.6.0 and
 * 2.6.1: control packets over netlink (REGISTER_PACKET = 7, PACKET = 8),
 * GET_PEER = 9, four reply counters, no TRANSPORT_DISCONNECT reason.
 */

#include <uapi/linux/ovpn_dco.h>

#include "netlink.h"

#include "netlink_tmpl.h"
#include "netlink_gen_dco.h"

/*
 * Replies count what went through the tunnel; ovpn-dco-v2 keeps these
 * counters at the same ids under VPN_* names.
 */
const struct ovpn_nl_family ovpn_nl_family_dco = {
	.genl = &ovpn_nl_genl,
	.op = ovpn_nl_op_desc,
	.stat_attr = {
		[OVPN_NL_STAT_VPN_RX_BYTES] = OVPN_GET_PEER_RESP_ATTR_RX_BYTES,
		[OVPN_NL_STAT_VPN_TX_BYTES] = OVPN_GET_PEER_RESP_ATTR_TX_BYTES,
		[OVPN_NL_STAT_VPN_RX_PACKETS] =
			OVPN_GET_PEER_RESP_ATTR_RX_PACKETS,
		[OVPN_NL_STAT_VPN_TX_PACKETS] =
			OVPN_GET_PEER_RESP_ATTR_TX_PACKETS,
	},
	.resp_maxtype = OVPN_GET_PEER_RESP_ATTR_MAX,
	.dev_attr = OVPN_ATTR_DEV,
	.reason = {
		[OVPN_NL_REASON_TEARDOWN] = OVPN_DEL_PEER_REASON_TEARDOWN,
		[OVPN_NL_REASON_USERSPACE] = OVPN_DEL_PEER_REASON_USERSPACE,
		[OVPN_NL_REASON_EXPIRED] = OVPN_DEL_PEER_REASON_EXPIRED,
		[OVPN_NL_REASON_TRANSPORT_ERROR] =
			OVPN_DEL_PEER_REASON_TRANSPORT_ERROR,
		/* this layout cannot tell a closed socket from a failed one */
		[OVPN_NL_REASON_TRANSPORT_DISCONNECT] =
			OVPN_DEL_PEER_REASON_TRANSPORT_ERROR,
	},
	.reason_max = __OVPN_DEL_PEER_REASON_AFTER_LAST - 1,
};
