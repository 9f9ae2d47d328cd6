// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: generic netlink family "ovpn" - registration and peers
 *
 * Registration, the device of a request, PEER_GET (do and dump) and
 * PEER_DEL of the in-tree driver's API (netlink_ovpn.h; PEER_NEW and
 * PEER_SET: netlink_ovpn_peer.c). Every doit first resolves OVPN_A_IFINDEX
 * to a device of this module, as the in-tree pre_doit does; the genetlink
 * core has validated the request against the operation's policy
 * (netlink_gen_ovpn.h, from uapi/linux/ovpn.yaml).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "keepalive.h"
#include "main.h"
#include "netlink_ovpn.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "socket.h"

#define OVPN_NLO_PEER_NEW_DOIT		ovpn_nlo_peer_new_doit
#define OVPN_NLO_PEER_SET_DOIT		ovpn_nlo_peer_set_doit
#define OVPN_NLO_PEER_GET_DOIT		ovpn_nlo_peer_get_doit
#define OVPN_NLO_PEER_GET_DUMPIT	ovpn_nlo_peer_get_dumpit
#define OVPN_NLO_PEER_DEL_DOIT		ovpn_nlo_peer_del_doit
#define OVPN_NLO_KEY_NEW_DOIT		ovpn_nlo_key_new_doit
#define OVPN_NLO_KEY_GET_DOIT		ovpn_nlo_key_get_doit
#define OVPN_NLO_KEY_SWAP_DOIT		ovpn_nlo_key_swap_doit
#define OVPN_NLO_KEY_DEL_DOIT		ovpn_nlo_key_del_doit

#include "netlink_gen_ovpn.h"

MODULE_ALIAS_GENL_FAMILY(OVPN_FAMILY_NAME);

/**
 * ovpn_nlo_family - the registered "ovpn" family
 *
 * Return: the family, for the notifications.
 */
struct genl_family *ovpn_nlo_family(void)
{
	return &ovpn_nlo_genl;
}

/**
 * ovpn_nlo_dev_get - the device a request names by OVPN_A_IFINDEX
 * @net: the requester's network namespace
 * @attrs: the request's top-level attributes
 * @extack: where to report errors
 *
 * Context: process context.
 * Return: the device's private data, the device held (ovpn_nlo_dev_put()),
 * or an ERR_PTR() with the in-tree driver's extack message.
 */
struct ovpn_struct *ovpn_nlo_dev_get(struct net *net, struct nlattr **attrs,
				     struct netlink_ext_ack *extack)
{
	struct net_device *dev;

	if (NL_REQ_ATTR_CHECK(extack, NULL, attrs, OVPN_A_IFINDEX))
		return ERR_PTR(-EINVAL);

	dev = dev_get_by_index(net, nla_get_u32(attrs[OVPN_A_IFINDEX]));
	if (!dev) {
		OVPN_NLO_MSG(extack, "ifindex does not match any interface");
		return ERR_PTR(-ENODEV);
	}

	if (!ovpn_dev_is_valid(dev)) {
		dev_put(dev);
		OVPN_NLO_MSG(extack, "specified interface is not ovpn");
		NL_SET_BAD_ATTR(extack, attrs[OVPN_A_IFINDEX]);
		return ERR_PTR(-EINVAL);
	}

	return netdev_priv(dev);
}

/**
 * ovpn_nlo_dev_put - release the device of ovpn_nlo_dev_get()
 * @ovpn: its private data
 */
void ovpn_nlo_dev_put(struct ovpn_struct *ovpn)
{
	dev_put(ovpn->dev);
}

/**
 * ovpn_nlo_begin - the device and the parsed nest of a doit request
 * @info: the request
 * @type: the top-level attribute of the operation's nest, required
 * @tb: where to parse the nest, @max + 1 entries
 * @max: the nest's highest attribute type
 * @policy: the policy of the operation's view of the nest
 *
 * The device comes first, as with the in-tree driver's pre_doit.
 *
 * Context: process context.
 * Return: the device's private data, held (ovpn_nlo_dev_put()), or an
 * ERR_PTR() with the missing attribute or the message set.
 */
struct ovpn_struct *ovpn_nlo_begin(struct genl_info *info, unsigned int type,
				   struct nlattr **tb, unsigned int max,
				   const struct nla_policy *policy)
{
	struct ovpn_struct *ovpn;
	int ret;

	ovpn = ovpn_nlo_dev_get(genl_info_net(info), info->attrs,
				info->extack);
	if (IS_ERR(ovpn))
		return ovpn;

	ret = -EINVAL;
	if (!GENL_REQ_ATTR_CHECK(info, type))
		ret = nla_parse_nested(tb, max, info->attrs[type], policy,
				       info->extack);
	if (ret) {
		ovpn_nlo_dev_put(ovpn);
		return ERR_PTR(ret);
	}
	return ovpn;
}

/**
 * ovpn_nlo_peer - the peer a request's OVPN_A_PEER nest names by its id
 * @ovpn: the device
 * @tb: the nest, parsed; OVPN_A_PEER_ID present
 * @extack: where to report errors
 *
 * Return: the peer, held, or NULL with the in-tree driver's message.
 */
struct ovpn_peer *ovpn_nlo_peer(struct ovpn_struct *ovpn, struct nlattr **tb,
				struct netlink_ext_ack *extack)
{
	u32 id = nla_get_u32(tb[OVPN_A_PEER_ID]);
	struct ovpn_peer *peer;

	peer = ovpn_peer_get_by_id(ovpn, id);
	if (!peer)
		OVPN_NLO_MSG_FMT(extack, "cannot find peer with id",
				 "cannot find peer with id %u", id);
	return peer;
}

/* the transport part of a peer's PEER_GET nest, under RCU */
static int ovpn_nlo_fill_transport(struct sk_buff *skb, struct net *net,
				   struct ovpn_peer *peer)
{
	const struct ovpn_bind *bind;
	struct ovpn_socket *osock;
	int ret = -EMSGSIZE;

	rcu_read_lock();
	osock = rcu_dereference(peer->sock);
	if (!osock) {
		ret = -EINVAL;
		goto out;
	}
	if (!net_eq(net, sock_net(osock->sk)) &&
	    nla_put_s32(skb, OVPN_A_PEER_SOCKET_NETNSID,
			peernet2id_alloc(net, sock_net(osock->sk),
					 GFP_ATOMIC)))
		goto out;

	bind = rcu_dereference(peer->bind);
	if (bind && bind->remote.sa.sa_family == AF_INET) {
		if (nla_put_in_addr(skb, OVPN_A_PEER_REMOTE_IPV4,
				    bind->remote.in4.sin_addr.s_addr) ||
		    nla_put_be16(skb, OVPN_A_PEER_REMOTE_PORT,
				 bind->remote.in4.sin_port) ||
		    nla_put_in_addr(skb, OVPN_A_PEER_LOCAL_IPV4,
				    bind->local.ipv4.s_addr))
			goto out;
	} else if (bind) {
		if (nla_put_in6_addr(skb, OVPN_A_PEER_REMOTE_IPV6,
				     &bind->remote.in6.sin6_addr) ||
		    nla_put_u32(skb, OVPN_A_PEER_REMOTE_IPV6_SCOPE_ID,
				bind->remote.in6.sin6_scope_id) ||
		    nla_put_be16(skb, OVPN_A_PEER_REMOTE_PORT,
				 bind->remote.in6.sin6_port) ||
		    nla_put_in6_addr(skb, OVPN_A_PEER_LOCAL_IPV6,
				     &bind->local.ipv6))
			goto out;
	}

	if (nla_put_be16(skb, OVPN_A_PEER_LOCAL_PORT,
			 inet_sk(osock->sk)->inet_sport))
		goto out;
	ret = 0;
out:
	rcu_read_unlock();
	return ret;
}

/* one PEER_GET message for @peer: ifindex-less, as the in-tree driver's */
static int ovpn_nlo_send_peer(struct sk_buff *skb, struct net *net,
			      struct ovpn_peer *peer, u32 portid, u32 seq,
			      int flags)
{
	const struct ovpn_peer_stats *st = &peer->stats;
	struct nlattr *nest;
	void *hdr;
	int ret;

	hdr = genlmsg_put(skb, portid, seq, &ovpn_nlo_genl, flags,
			  OVPN_CMD_PEER_GET);
	if (!hdr)
		return -ENOBUFS;

	ret = -EMSGSIZE;
	nest = nla_nest_start(skb, OVPN_A_PEER);
	if (!nest)
		goto err;

	ret = ovpn_nlo_fill_transport(skb, net, peer);
	if (ret)
		goto err;
	ret = -EMSGSIZE;
	if (nla_put_u32(skb, OVPN_A_PEER_ID, peer->id) ||
	    nla_put_u32(skb, OVPN_A_PEER_TX_ID, READ_ONCE(peer->tx_id)) ||
	    (peer->has_ipv4 &&
	     nla_put_in_addr(skb, OVPN_A_PEER_VPN_IPV4, peer->vpn_ipv4)) ||
	    (peer->has_ipv6 &&
	     nla_put_in6_addr(skb, OVPN_A_PEER_VPN_IPV6, &peer->vpn_ipv6)) ||
	    nla_put_u32(skb, OVPN_A_PEER_KEEPALIVE_INTERVAL,
			READ_ONCE(peer->keepalive_interval)) ||
	    nla_put_u32(skb, OVPN_A_PEER_KEEPALIVE_TIMEOUT,
			READ_ONCE(peer->keepalive_timeout)) ||
	    ovpn_compat_nla_put_uint(skb, OVPN_A_PEER_VPN_RX_BYTES,
				     atomic64_read(&st->vpn_rx.bytes)) ||
	    ovpn_compat_nla_put_uint(skb, OVPN_A_PEER_VPN_RX_PACKETS,
				     atomic64_read(&st->vpn_rx.packets)) ||
	    ovpn_compat_nla_put_uint(skb, OVPN_A_PEER_VPN_TX_BYTES,
				     atomic64_read(&st->vpn_tx.bytes)) ||
	    ovpn_compat_nla_put_uint(skb, OVPN_A_PEER_VPN_TX_PACKETS,
				     atomic64_read(&st->vpn_tx.packets)) ||
	    ovpn_compat_nla_put_uint(skb, OVPN_A_PEER_LINK_RX_BYTES,
				     atomic64_read(&st->link_rx.bytes)) ||
	    ovpn_compat_nla_put_uint(skb, OVPN_A_PEER_LINK_RX_PACKETS,
				     atomic64_read(&st->link_rx.packets)) ||
	    ovpn_compat_nla_put_uint(skb, OVPN_A_PEER_LINK_TX_BYTES,
				     atomic64_read(&st->link_tx.bytes)) ||
	    ovpn_compat_nla_put_uint(skb, OVPN_A_PEER_LINK_TX_PACKETS,
				     atomic64_read(&st->link_tx.packets)))
		goto err;

	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

err:
	genlmsg_cancel(skb, hdr);
	return ret;
}

/**
 * ovpn_nlo_peer_get_doit - PEER_GET of one peer
 * @skb: the request
 * @info: its attributes: OVPN_A_IFINDEX and OVPN_A_PEER with the id only
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nlo_peer_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[OVPN_A_PEER_MAX + 1];
	struct ovpn_struct *ovpn;
	struct ovpn_peer *peer;
	struct sk_buff *msg;
	unsigned int i;
	int ret;

	ovpn = ovpn_nlo_begin(info, OVPN_A_PEER, tb, OVPN_A_PEER_MAX,
			      ovpn_nlo_peer_policy);
	if (IS_ERR(ovpn))
		return PTR_ERR(ovpn);

	ret = -EINVAL;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[OVPN_A_PEER], tb,
			      OVPN_A_PEER_ID))
		goto out_dev;
	for (i = 0; i <= OVPN_A_PEER_MAX; i++) {
		if (i != OVPN_A_PEER_ID && tb[i]) {
			OVPN_NLO_MSG_FMT(info->extack, "unexpected attribute",
					 "unexpected attribute %u", i);
			goto out_dev;
		}
	}

	peer = ovpn_nlo_peer(ovpn, tb, info->extack);
	if (!peer) {
		ret = -ENOENT;
		goto out_dev;
	}

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_peer;
	}
	ret = ovpn_nlo_send_peer(msg, genl_info_net(info), peer,
				 info->snd_portid, info->snd_seq, 0);
	if (ret) {
		nlmsg_free(msg);
		goto out_peer;
	}
	ret = genlmsg_reply(msg, info);

out_peer:
	ovpn_peer_put(peer);
out_dev:
	ovpn_nlo_dev_put(ovpn);
	return ret;
}

/**
 * ovpn_nlo_peer_get_dumpit - PEER_GET dump: every peer of a device
 * @skb: the reply to fill
 * @cb: the dump; cb->args[1] its cursor (ovpn_peer_dump_next())
 *
 * The request carries OVPN_A_IFINDEX only, as the in-tree dump policy
 * demands. The device is looked up again at every call.
 *
 * Context: process context.
 * Return: the length of @skb (0: done), or a negative errno.
 */
int ovpn_nlo_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long id = cb->args[1];
	struct nlattr **attrs = ovpn_compat_dump_attrs(cb);
	struct net *net = sock_net(cb->skb->sk);
	struct ovpn_struct *ovpn;
	struct ovpn_peer *peer;
	int ret;

	if (attrs[OVPN_A_PEER]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[OVPN_A_PEER],
				    "Unknown attribute type");
		return -EINVAL;
	}

	ovpn = ovpn_nlo_dev_get(net, attrs, cb->extack);
	if (IS_ERR(ovpn))
		return PTR_ERR(ovpn);

	while ((peer = ovpn_peer_dump_next(ovpn, &id))) {
		ret = ovpn_nlo_send_peer(skb, net, peer,
					 NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI);
		ovpn_peer_put(peer);
		if (ret)
			break;
		id++;
	}

	ovpn_nlo_dev_put(ovpn);
	cb->args[1] = id;
	return skb->len;
}

/**
 * ovpn_nlo_peer_del_doit - PEER_DEL: delete a peer (reason USERSPACE)
 * @skb: the request
 * @info: its attributes: OVPN_A_IFINDEX and OVPN_A_PEER with the id
 *
 * Context: process context.
 * Return: 0 or -ENOENT, with an extack message.
 */
int ovpn_nlo_peer_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[OVPN_A_PEER_MAX + 1];
	struct ovpn_struct *ovpn;
	struct ovpn_peer *peer;
	int ret;

	ovpn = ovpn_nlo_begin(info, OVPN_A_PEER, tb, OVPN_A_PEER_MAX,
			      ovpn_nlo_peer_del_input_policy);
	if (IS_ERR(ovpn))
		return PTR_ERR(ovpn);

	ret = -EINVAL;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[OVPN_A_PEER], tb,
			      OVPN_A_PEER_ID))
		goto out_dev;

	ret = -ENOENT;
	peer = ovpn_nlo_peer(ovpn, tb, info->extack);
	if (!peer)
		goto out_dev;

	ret = ovpn_peer_del(peer, OVPN_NL_REASON_USERSPACE);
	ovpn_peer_put(peer);
	if (ret)
		OVPN_NLO_MSG_FMT(info->extack, "cannot find peer with id",
				 "cannot find peer with id %u",
				 nla_get_u32(tb[OVPN_A_PEER_ID]));

out_dev:
	ovpn_nlo_dev_put(ovpn);
	return ret;
}

/**
 * ovpn_nlo_register - register the "ovpn" family
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int ovpn_nlo_register(void)
{
	return genl_register_family(&ovpn_nlo_genl);
}

/**
 * ovpn_nlo_unregister - unregister the "ovpn" family
 *
 * Context: module exit.
 */
void ovpn_nlo_unregister(void)
{
	genl_unregister_family(&ovpn_nlo_genl);
}
