// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: generic netlink family "ovpn-dco-v2"
 *
 * The layout of OpenVPN 2.6.2 and later (uapi/linux/ovpn_dco_v2.h): no
 * netlink control packets (they stay on the transport socket), GET_PEER = 7
 * with top-level attribute 8, VPN and LINK reply counters, and the
 * TRANSPORT_DISCONNECT delete reason.
 */

#include <uapi/linux/ovpn_dco_v2.h>

#include "netlink.h"

#include "netlink_tmpl.h"
#include "netlink_gen_dco_v2.h"

const struct ovpn_nl_family ovpn_nl_family_dco_v2 = {
	.genl = &ovpn_nl_genl,
	.op = ovpn_nl_op_desc,
	.stat_attr = {
		[OVPN_NL_STAT_VPN_RX_BYTES] =
			OVPN_GET_PEER_RESP_ATTR_VPN_RX_BYTES,
		[OVPN_NL_STAT_VPN_TX_BYTES] =
			OVPN_GET_PEER_RESP_ATTR_VPN_TX_BYTES,
		[OVPN_NL_STAT_VPN_RX_PACKETS] =
			OVPN_GET_PEER_RESP_ATTR_VPN_RX_PACKETS,
		[OVPN_NL_STAT_VPN_TX_PACKETS] =
			OVPN_GET_PEER_RESP_ATTR_VPN_TX_PACKETS,
		[OVPN_NL_STAT_LINK_RX_BYTES] =
			OVPN_GET_PEER_RESP_ATTR_LINK_RX_BYTES,
		[OVPN_NL_STAT_LINK_TX_BYTES] =
			OVPN_GET_PEER_RESP_ATTR_LINK_TX_BYTES,
		[OVPN_NL_STAT_LINK_RX_PACKETS] =
			OVPN_GET_PEER_RESP_ATTR_LINK_RX_PACKETS,
		[OVPN_NL_STAT_LINK_TX_PACKETS] =
			OVPN_GET_PEER_RESP_ATTR_LINK_TX_PACKETS,
	},
	.resp_maxtype = OVPN_GET_PEER_RESP_ATTR_MAX,
	.dev_attr = OVPN_ATTR_DEV,
	.reason = {
		[OVPN_NL_REASON_TEARDOWN] = OVPN_DEL_PEER_REASON_TEARDOWN,
		[OVPN_NL_REASON_USERSPACE] = OVPN_DEL_PEER_REASON_USERSPACE,
		[OVPN_NL_REASON_EXPIRED] = OVPN_DEL_PEER_REASON_EXPIRED,
		[OVPN_NL_REASON_TRANSPORT_ERROR] =
			OVPN_DEL_PEER_REASON_TRANSPORT_ERROR,
		[OVPN_NL_REASON_TRANSPORT_DISCONNECT] =
			OVPN_DEL_PEER_REASON_TRANSPORT_DISCONNECT,
	},
	.reason_max = __OVPN_DEL_PEER_REASON_AFTER_LAST - 1,
};
