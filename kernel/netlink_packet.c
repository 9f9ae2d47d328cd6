// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - generic netlink, control packets
 *
 * The "ovpn-dco" family only: REGISTER_PACKET makes the sender the
 * device's listener, to which received control packets are unicast as
 * PACKET (ovpn_notify_ctrl_packet(), notify.h) instead of going up the
 * transport socket; PACKET sends a control packet to a peer. A
 * registration ends when its netlink socket is released or the device
 * goes away.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/net_namespace.h>
#include <uapi/linux/ovpn_dco.h>

#include "io.h"
#include "netlink.h"
#include "notify.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "stats.h"
#include "udp.h"

/**
 * struct ovpn_nl_listener - where a device sends control packets
 * @node: in ovpn_nl_listeners
 * @ovpn: the device
 * @net: the listener's netns (held)
 * @portid: the listener's netlink port
 * @rcu: freeing
 */
struct ovpn_nl_listener {
	struct list_head node;
	struct ovpn_struct *ovpn;
	struct net *net;
	u32 portid;
	struct rcu_head rcu;
};

/* every registered listener; writers of ovpn->listener hold the lock */
static LIST_HEAD(ovpn_nl_listeners);
static DEFINE_SPINLOCK(ovpn_nl_listeners_lock);

static void ovpn_nl_listener_free_rcu(struct rcu_head *head)
{
	struct ovpn_nl_listener *l = container_of(head, struct ovpn_nl_listener,
						  rcu);

	put_net(l->net);
	kfree(l);
}

/* caller holds ovpn_nl_listeners_lock */
static void ovpn_nl_listener_drop(struct ovpn_nl_listener *l)
{
	list_del(&l->node);
	RCU_INIT_POINTER(l->ovpn->listener, NULL);
	call_rcu(&l->rcu, ovpn_nl_listener_free_rcu);
}

/**
 * ovpn_nl_register_packet - REGISTER_PACKET: send me the control packets
 * @req: the request ("ovpn-dco" family)
 *
 * From now on, control packets the device receives are unicast to the
 * sender as OVPN_CMD_PACKET instead of going up the transport socket. A
 * later registration, from any port, replaces this one. It ends when the
 * sender's netlink socket is closed or the device goes away.
 *
 * Context: process context.
 * Return: 0, -ENOMEM or -ENODEV, with an extack message.
 */
int ovpn_nl_register_packet(struct ovpn_nl_req *req)
{
	struct ovpn_struct *ovpn = req->ovpn;
	struct ovpn_nl_listener *l, *old;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l) {
		NL_SET_ERR_MSG(req->extack, "out of memory");
		return -ENOMEM;
	}

	l->ovpn = ovpn;
	l->portid = req->info->snd_portid;
	l->net = get_net(genl_info_net(req->info));

	spin_lock_bh(&ovpn_nl_listeners_lock);
	/* ovpn_peers_teardown() sets dying before dropping the listener */
	if (READ_ONCE(ovpn->dying)) {
		spin_unlock_bh(&ovpn_nl_listeners_lock);
		put_net(l->net);
		kfree(l);
		NL_SET_ERR_MSG(req->extack, "the device is going away");
		return -ENODEV;
	}

	old = rcu_dereference_protected(ovpn->listener,
					lockdep_is_held(&ovpn_nl_listeners_lock));
	if (old)
		ovpn_nl_listener_drop(old);
	list_add(&l->node, &ovpn_nl_listeners);
	rcu_assign_pointer(ovpn->listener, l);
	spin_unlock_bh(&ovpn_nl_listeners_lock);

	return 0;
}

/**
 * ovpn_nl_unregister_listener - forget the control packet listener
 * @ovpn: the device, going away (dying already set)
 *
 * Context: process context.
 */
void ovpn_nl_unregister_listener(struct ovpn_struct *ovpn)
{
	struct ovpn_nl_listener *l;

	spin_lock_bh(&ovpn_nl_listeners_lock);
	l = rcu_dereference_protected(ovpn->listener,
				      lockdep_is_held(&ovpn_nl_listeners_lock));
	if (l)
		ovpn_nl_listener_drop(l);
	spin_unlock_bh(&ovpn_nl_listeners_lock);
}

/* a netlink socket was released: drop the registrations it made */
static int ovpn_nl_urelease(struct notifier_block *nb, unsigned long state,
			    void *data)
{
	struct netlink_notify *n = data;
	struct ovpn_nl_listener *l, *tmp;

	if (state != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;

	spin_lock_bh(&ovpn_nl_listeners_lock);
	list_for_each_entry_safe(l, tmp, &ovpn_nl_listeners, node)
		if (l->portid == n->portid && net_eq(l->net, n->net))
			ovpn_nl_listener_drop(l);
	spin_unlock_bh(&ovpn_nl_listeners_lock);

	return NOTIFY_DONE;
}

static struct notifier_block ovpn_nl_notifier = {
	.notifier_call = ovpn_nl_urelease,
};

/**
 * ovpn_nl_listeners_init - watch netlink sockets of control listeners
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int ovpn_nl_listeners_init(void)
{
	return netlink_register_notifier(&ovpn_nl_notifier);
}

/**
 * ovpn_nl_listeners_fini - stop watching netlink sockets
 *
 * Context: module exit, every device gone.
 */
void ovpn_nl_listeners_fini(void)
{
	netlink_unregister_notifier(&ovpn_nl_notifier);
	WARN_ON(!list_empty(&ovpn_nl_listeners));
}

/**
 * ovpn_notify_ctrl_packet - hand a received control packet to the listener
 * @ovpn: the device
 * @skb: the packet, unchanged (not consumed)
 * @offset: where the OpenVPN packet starts in @skb (after the UDP header)
 *
 * While a listener is registered, the packet is unicast to it as
 * OVPN_CMD_PACKET {IFINDEX, PACKET {PACKET, PEER_ID}} of the "ovpn-dco"
 * family, and a delivery failure drops it. MP mode: only packets from a
 * peer's transport address; any other goes up the socket.
 *
 * Context: softirq.
 * Return: true if a listener is registered (the caller frees @skb), false
 * if the packet should go up the socket.
 */
bool ovpn_notify_ctrl_packet(struct ovpn_struct *ovpn, struct sk_buff *skb,
			     unsigned int offset)
{
	const struct ovpn_nl_family *fam = &ovpn_nl_family_dco;
	const struct ovpn_nl_op_desc *desc = &fam->op[OVPN_NL_OP_PACKET];
	unsigned int len = skb->len - offset;
	struct ovpn_nl_listener *l;
	struct ovpn_peer *peer;
	struct nlattr *nest;
	struct nlattr *attr;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (!rcu_access_pointer(ovpn->listener))
		return false;

	peer = ovpn_peer_get_by_transp_addr(ovpn, skb);
	/* MP: a sender that is no peer yet is userspace's, on the socket */
	if (!peer && ovpn->mode == OVPN_MODE_MP)
		return false;

	msg = genlmsg_new(nla_total_size(sizeof(u32)) +
			  nla_total_size(nla_total_size(len) +
					 nla_total_size(sizeof(u32))),
			  GFP_ATOMIC);
	if (!msg)
		goto drop;

	hdr = genlmsg_put(msg, 0, 0, fam->genl, 0, desc->cmd);
	if (!hdr || nla_put_u32(msg, OVPN_NL_ATTR_IFINDEX, ovpn->dev->ifindex))
		goto drop_msg;

	nest = nla_nest_start(msg, desc->attr);
	attr = nest ? nla_reserve(msg, OVPN_PACKET_ATTR_PACKET, len) : NULL;
	if (!attr || skb_copy_bits(skb, offset, nla_data(attr), len) ||
	    (peer && nla_put_u32(msg, OVPN_PACKET_ATTR_PEER_ID, peer->id)))
		goto drop_msg;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);

	rcu_read_lock();
	l = rcu_dereference(ovpn->listener);
	if (l) {
		ret = genlmsg_unicast(l->net, msg, l->portid);
	} else {
		nlmsg_free(msg);
		ret = -ENOENT;
	}
	rcu_read_unlock();

	if (ret)
		goto drop;
	goto out;

drop_msg:
	nlmsg_free(msg);
drop:
	ovpn_rx_drop(ovpn, OVPN_STAT_RX_ERRORS);
out:
	if (peer)
		ovpn_peer_put(peer);
	return true;
}

/**
 * ovpn_nl_packet - PACKET: send a control packet to a peer
 * @req: the request ("ovpn-dco" family)
 *
 * The bytes, a complete OpenVPN control packet, go to the peer as they
 * are, over its transport socket.
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nl_packet(struct ovpn_nl_req *req)
{
	struct nlattr *attr = req->tb[OVPN_PACKET_ATTR_PACKET];
	struct ovpn_peer *peer;
	struct sk_buff *skb;
	int ret;

	peer = ovpn_nl_peer_lookup(req);
	if (!peer)
		return -ENOENT;

	skb = alloc_skb(OVPN_UDP_HEADROOM + nla_len(attr), GFP_KERNEL);
	if (!skb) {
		NL_SET_ERR_MSG(req->extack, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	skb_reserve(skb, OVPN_UDP_HEADROOM);
	skb_put_data(skb, nla_data(attr), nla_len(attr));

	local_bh_disable();
	ret = ovpn_send_transport(peer, skb);
	local_bh_enable();

	if (ret == -EMSGSIZE)
		NL_SET_ERR_MSG(req->extack,
			       "packet too big for the peer's transport");
	else if (ret)
		NL_SET_ERR_MSG(req->extack, "cannot send the packet to the peer");
out:
	ovpn_peer_put(peer);
	return ret;
}
