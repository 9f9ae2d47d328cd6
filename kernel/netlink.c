// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - generic netlink, shared part
 *
 * Every command of both families lands here. The netlink message type (the
 * family id) tells which family a request came through, and that family's
 * struct ovpn_nl_family translates its command into an enum ovpn_nl_op.
 * The common checks then run for every operation, in this order:
 *
 *  1. only OVPN_ATTR_IFINDEX and the operation's own nest may be present;
 *  2. OVPN_ATTR_IFINDEX names an ovpn-dco device in the sender's namespace,
 *     which stays held until the handler returns;
 *  3. the operation's nest is present and holds the attributes the
 *     operation needs.
 *
 * The genetlink core has already validated every attribute, nested ones
 * included, against the family's policy.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "compat.h"
#include "main.h"
#include "netlink.h"

static const struct ovpn_nl_family * const ovpn_nl_families[] = {
	&ovpn_nl_family_dco,
	&ovpn_nl_family_dco_v2,
};

static const struct ovpn_nl_family *ovpn_nl_family_by_id(u16 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ovpn_nl_families); i++)
		if (ovpn_nl_families[i]->genl->id == id)
			return ovpn_nl_families[i];

	return NULL;
}

static enum ovpn_nl_op ovpn_nl_op_by_cmd(const struct ovpn_nl_family *fam,
					 u8 cmd)
{
	enum ovpn_nl_op op;

	for (op = OVPN_NL_OP_NONE + 1; op < __OVPN_NL_OP_COUNT; op++)
		if (fam->op[op].cmd && fam->op[op].cmd == cmd)
			return op;

	return OVPN_NL_OP_NONE;
}

static void ovpn_nl_missing_nest(struct netlink_ext_ack *extack,
				 enum ovpn_nl_op op, unsigned int attr)
{
	NL_SET_ERR_ATTR_MISS(extack, NULL, attr);

	switch (op) {
	case OVPN_NL_OP_NEW_PEER:
		NL_SET_ERR_MSG(extack, "missing OVPN_ATTR_NEW_PEER");
		break;
	case OVPN_NL_OP_SET_PEER:
		NL_SET_ERR_MSG(extack, "missing OVPN_ATTR_SET_PEER");
		break;
	case OVPN_NL_OP_DEL_PEER:
		NL_SET_ERR_MSG(extack, "missing OVPN_ATTR_DEL_PEER");
		break;
	case OVPN_NL_OP_NEW_KEY:
		NL_SET_ERR_MSG(extack, "missing OVPN_ATTR_NEW_KEY");
		break;
	case OVPN_NL_OP_SWAP_KEYS:
		NL_SET_ERR_MSG(extack, "missing OVPN_ATTR_SWAP_KEYS");
		break;
	case OVPN_NL_OP_DEL_KEY:
		NL_SET_ERR_MSG(extack, "missing OVPN_ATTR_DEL_KEY");
		break;
	case OVPN_NL_OP_PACKET:
		NL_SET_ERR_MSG(extack, "missing OVPN_ATTR_PACKET");
		break;
	case OVPN_NL_OP_GET_PEER:
		NL_SET_ERR_MSG(extack, "missing OVPN_ATTR_GET_PEER");
		break;
	case OVPN_NL_OP_SET_DEV:
		NL_SET_ERR_MSG(extack, "missing OVPN_ATTR_DEV");
		break;
	default:
		NL_SET_ERR_MSG(extack, "missing attribute");
		break;
	}
}

/* resolve OVPN_ATTR_IFINDEX in @net; on success the device is held */
static int ovpn_nl_req_dev(struct ovpn_nl_req *req, struct net *net,
			   struct nlattr **attrs)
{
	struct nlattr *attr = attrs[OVPN_NL_ATTR_IFINDEX];
	struct net_device *dev;

	if (NL_REQ_ATTR_CHECK(req->extack, NULL, attrs,
			      OVPN_NL_ATTR_IFINDEX)) {
		NL_SET_ERR_MSG(req->extack, "missing ifindex");
		return -EINVAL;
	}

	dev = dev_get_by_index(net, nla_get_u32(attr));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(req->extack, attr, "no such device");
		return -ENODEV;
	}

	if (!ovpn_dev_is_valid(dev)) {
		dev_put(dev);
		NL_SET_ERR_MSG_ATTR(req->extack, attr,
				    "not an ovpn-dco device");
		return -EINVAL;
	}

	req->dev = dev;
	req->ovpn = netdev_priv(dev);
	return 0;
}

/* parse the operation's nest and check that it holds what is required */
static int ovpn_nl_get_nest(struct ovpn_nl_req *req, struct nlattr *nest)
{
	const struct ovpn_nl_op_desc *desc = req->desc;
	unsigned int type;
	int ret;

	ret = nla_parse_nested(req->tb, desc->nest_maxtype, nest,
			       desc->nest_policy, req->extack);
	if (ret)
		return ret;

	req->nest = nest;

	for (type = 1; type <= desc->nest_maxtype; type++) {
		if (!(desc->required & BIT(type)) || req->tb[type])
			continue;

		NL_SET_ERR_ATTR_MISS(req->extack, nest, type);
		if (type == desc->peer_id_attr)
			NL_SET_ERR_MSG(req->extack, "missing peer id");
		else
			NL_SET_ERR_MSG(req->extack,
				       "missing required attribute");
		return -EINVAL;
	}

	return 0;
}

/*
 * The common checks. @nlh is the request, @attrs its top-level attributes
 * parsed by the core, @dump tells a dump (no nest allowed) from a doit.
 * On success req->dev is held: release it with dev_put().
 */
static int ovpn_nl_req_init(struct ovpn_nl_req *req,
			    const struct nlmsghdr *nlh, struct net *net,
			    struct nlattr **attrs,
			    struct netlink_ext_ack *extack, bool dump)
{
	const struct genlmsghdr *gnlh = nlmsg_data(nlh);
	unsigned int type, nest_attr;
	int ret;

	req->extack = extack;

	req->fam = ovpn_nl_family_by_id(nlh->nlmsg_type);
	if (WARN_ON_ONCE(!req->fam))
		return -EINVAL;

	req->op = ovpn_nl_op_by_cmd(req->fam, gnlh->cmd);
	if (WARN_ON_ONCE(req->op == OVPN_NL_OP_NONE))
		return -EOPNOTSUPP;

	req->desc = &req->fam->op[req->op];
	nest_attr = dump ? 0 : req->desc->attr;

	for (type = 1; type <= req->fam->genl->maxattr; type++) {
		if (!attrs[type] || type == OVPN_NL_ATTR_IFINDEX ||
		    type == nest_attr)
			continue;

		NL_SET_ERR_MSG_ATTR(extack, attrs[type],
				    "attribute not valid for this command");
		return -EINVAL;
	}

	ret = ovpn_nl_req_dev(req, net, attrs);
	if (ret)
		return ret;

	if (!nest_attr)
		return 0;

	if (!attrs[nest_attr]) {
		ovpn_nl_missing_nest(extack, req->op, nest_attr);
		ret = -EINVAL;
		goto err_put;
	}

	ret = ovpn_nl_get_nest(req, attrs[nest_attr]);
	if (ret)
		goto err_put;

	return 0;

err_put:
	dev_put(req->dev);
	req->dev = NULL;
	return ret;
}

/*
 * The handler of each operation (doit). It runs with the device held and,
 * except for REGISTER_PACKET, the operation's nest parsed into req->tb.
 * Family-specific ids come from req->fam. Handlers run in parallel
 * (parallel_ops): they do their own locking.
 */
static int (* const ovpn_nl_handlers[])(struct ovpn_nl_req *req) = {
	[OVPN_NL_OP_NEW_PEER]		= ovpn_nl_new_peer,
	[OVPN_NL_OP_SET_PEER]		= ovpn_nl_set_peer,
	[OVPN_NL_OP_DEL_PEER]		= ovpn_nl_del_peer,
	[OVPN_NL_OP_NEW_KEY]		= ovpn_nl_new_key,
	[OVPN_NL_OP_SWAP_KEYS]		= ovpn_nl_swap_keys,
	[OVPN_NL_OP_DEL_KEY]		= ovpn_nl_del_key,
	[OVPN_NL_OP_REGISTER_PACKET]	= ovpn_nl_register_packet,
	[OVPN_NL_OP_PACKET]		= ovpn_nl_packet,
	[OVPN_NL_OP_GET_PEER]		= ovpn_nl_get_peer,
	[OVPN_NL_OP_SET_DEV]		= ovpn_nl_set_dev,
	[OVPN_NL_OP_GET_DEV]		= ovpn_nl_get_dev,
};

static_assert(ARRAY_SIZE(ovpn_nl_handlers) == __OVPN_NL_OP_COUNT);

/**
 * ovpn_nl_doit - run a command of either family
 * @skb: the request
 * @info: the request, parsed and validated against the family's policy
 *
 * Applies the common checks, then the operation's handler.
 *
 * Context: process context, sleeping allowed; calls are not serialized.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nl_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ovpn_nl_req req = {};
	int ret;

	ret = ovpn_nl_req_init(&req, info->nlhdr, genl_info_net(info),
			       info->attrs, info->extack, false);
	if (ret)
		return ret;

	req.info = info;
	ret = ovpn_nl_handlers[req.op](&req);

	dev_put(req.dev);
	return ret;
}

/**
 * ovpn_nl_get_peer_start - start a GET_PEER dump of either family
 * @cb: the dump; its request carries OVPN_ATTR_IFINDEX only
 *
 * Applies the common checks and remembers the device's ifindex in
 * cb->args[0]: each ovpn_nl_get_peer_dumpit() call looks the device up
 * again (a dump holds nothing between calls, so it needs no .done).
 *
 * Extack messages reach userspace only on kernels that pass an extack to
 * ->start() (not 6.1); the error code always does.
 *
 * Context: process context.
 * Return: 0 to go on with the dump, or a negative errno.
 */
int ovpn_nl_get_peer_start(struct netlink_callback *cb)
{
	struct ovpn_nl_req req = {};
	int ret;

	ret = ovpn_nl_req_init(&req, cb->nlh, sock_net(cb->skb->sk),
			       ovpn_compat_dump_attrs(cb), cb->extack, true);
	if (ret)
		return ret;

	cb->args[0] = req.dev->ifindex;
	cb->args[1] = 0;

	dev_put(req.dev);
	return 0;
}

/**
 * ovpn_nl_get_peer_dumpit - dump the peers of a device
 * @skb: the reply
 * @cb: the dump, started by ovpn_nl_get_peer_start()
 *
 * Return: the length of @skb to go on, 0 when done, or a negative errno
 * (-ENODEV if the device went away meanwhile).
 */
int ovpn_nl_get_peer_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ovpn_nl_req req = {};
	struct net_device *dev;
	int ret;

	req.fam = ovpn_nl_family_by_id(cb->nlh->nlmsg_type);
	if (WARN_ON_ONCE(!req.fam))
		return -EINVAL;
	req.op = OVPN_NL_OP_GET_PEER;
	req.desc = &req.fam->op[req.op];
	req.extack = cb->extack;

	dev = dev_get_by_index(sock_net(cb->skb->sk), cb->args[0]);
	if (!dev)
		return -ENODEV;
	if (!ovpn_dev_is_valid(dev)) {
		dev_put(dev);
		return -ENODEV;
	}

	req.dev = dev;
	req.ovpn = netdev_priv(dev);
	ret = ovpn_nl_get_peer_dump(&req, skb, cb);

	dev_put(dev);
	return ret;
}

/**
 * ovpn_nl_register - register the generic netlink families
 *
 * "ovpn-dco" and "ovpn-dco-v2", and "ovpn" where it is built.
 *
 * Context: module init.
 * Return: 0, or a negative errno with nothing left registered.
 */
int ovpn_nl_register(void)
{
	unsigned int i;
	int err;

	err = ovpn_nl_listeners_init();
	if (err)
		return err;

	for (i = 0; i < ARRAY_SIZE(ovpn_nl_families); i++) {
		err = genl_register_family(ovpn_nl_families[i]->genl);
		if (err) {
			pr_err("cannot register generic netlink family %s: %d\n",
			       ovpn_nl_families[i]->genl->name, err);
			goto err_unregister;
		}
	}

#ifdef OVPN_DCO_OVPN_API
	err = ovpn_nlo_register();
	if (err) {
		pr_err("cannot register generic netlink family ovpn: %d\n",
		       err);
		goto err_unregister;
	}
#endif

	return 0;

err_unregister:
	while (i--)
		genl_unregister_family(ovpn_nl_families[i]->genl);
	ovpn_nl_listeners_fini();
	return err;
}

/**
 * ovpn_nl_unregister - unregister the generic netlink families
 *
 * Context: module exit, after every device is gone (their deletion
 * notifications need the families); waits for the commands in progress.
 */
void ovpn_nl_unregister(void)
{
	unsigned int i = ARRAY_SIZE(ovpn_nl_families);

#ifdef OVPN_DCO_OVPN_API
	ovpn_nlo_unregister();
#endif
	while (i--)
		genl_unregister_family(ovpn_nl_families[i]->genl);
	ovpn_nl_listeners_fini();
}
