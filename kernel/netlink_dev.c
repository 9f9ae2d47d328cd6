// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - SET_DEV and GET_DEV
 *
 * The settings of a device, whatever its link kind, through either of the
 * module's own families: today the mssfix of the TCP MSS clamping (mss.c).
 * Nested attribute ids are the same in both layouts; the top-level one
 * comes from the family.
 */

#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <uapi/linux/ovpn_dco_v2.h>

#include "mss.h"
#include "netlink.h"
#include "ovpnstruct.h"

/**
 * ovpn_nl_set_dev - SET_DEV: change the settings of a device
 * @req: the request, its nest parsed (OVPN_DEV_ATTR_MSSFIX present)
 *
 * Context: process context.
 * Return: 0, or -EINVAL with an extack message for an mssfix between 1
 * and OVPN_MSSFIX_MIN - 1.
 */
int ovpn_nl_set_dev(struct ovpn_nl_req *req)
{
	struct nlattr *attr = req->tb[OVPN_DEV_ATTR_MSSFIX];
	u16 mssfix = nla_get_u16(attr);

	if (!ovpn_mssfix_valid(mssfix)) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr,
				    "mssfix must be 0 (off) or at least 576");
		return -EINVAL;
	}

	WRITE_ONCE(req->ovpn->mssfix, mssfix);
	netdev_dbg(req->dev, "mssfix %u\n", mssfix);
	return 0;
}

/**
 * ovpn_nl_get_dev - GET_DEV: read the settings of a device
 * @req: the request
 *
 * The reply carries OVPN_ATTR_IFINDEX and the family's OVPN_ATTR_DEV nest.
 *
 * Context: process context.
 * Return: 0 or a negative errno.
 */
int ovpn_nl_get_dev(struct ovpn_nl_req *req)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(sizeof(u32)) +
			  nla_total_size(nla_total_size(sizeof(u16))),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, req->info, req->fam->genl, 0,
				req->desc->cmd);
	if (!hdr)
		goto err_free;

	if (nla_put_u32(msg, OVPN_NL_ATTR_IFINDEX, req->dev->ifindex))
		goto err_free;

	nest = nla_nest_start(msg, req->fam->dev_attr);
	if (!nest ||
	    nla_put_u16(msg, OVPN_DEV_ATTR_MSSFIX,
			READ_ONCE(req->ovpn->mssfix)))
		goto err_free;
	nla_nest_end(msg, nest);

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, req->info);

err_free:
	NL_SET_ERR_MSG(req->extack, "cannot build the reply");
	nlmsg_free(msg);
	return -EMSGSIZE;
}
