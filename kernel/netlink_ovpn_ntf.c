// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: generic netlink family "ovpn" - notifications
 *
 * PEER_DEL_NTF, KEY_SWAP_NTF and PEER_FLOAT_NTF on the "peers" group, in the
 * network namespace of the peer's transport socket, as the in-tree driver
 * sends them. The data path reaches these through notify.h only.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "netlink_ovpn.h"
#include "notify.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "socket.h"

/* a notification @cmd about @peer: its header, OVPN_A_IFINDEX, nest @attr */
static struct sk_buff *ovpn_nlo_ntf_start(struct ovpn_peer *peer, u8 cmd,
					  int attr, struct nlattr **nest,
					  gfp_t gfp)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, gfp);
	if (!msg)
		return NULL;

	if (!genlmsg_put(msg, 0, 0, ovpn_nlo_family(), 0, cmd) ||
	    nla_put_u32(msg, OVPN_A_IFINDEX, peer->ovpn->dev->ifindex))
		goto err;

	*nest = nla_nest_start(msg, attr);
	if (!*nest)
		goto err;
	return msg;

err:
	nlmsg_free(msg);
	return NULL;
}

/* the namespace of @peer's notifications: its socket's, else its device's */
static struct net *ovpn_nlo_ntf_net(struct ovpn_peer *peer)
{
	struct ovpn_socket *osock = rcu_dereference(peer->sock);

	return osock ? sock_net(osock->sk) : dev_net(peer->ovpn->dev);
}

/* close @nest and multicast @msg in the namespace of @peer's socket */
static void ovpn_nlo_ntf_send(struct ovpn_peer *peer, struct sk_buff *msg,
			      struct nlattr *nest, gfp_t gfp)
{
	nla_nest_end(msg, nest);
	/* the message is alone in @msg: its header is at the start */
	nlmsg_end(msg, nlmsg_hdr(msg));

	rcu_read_lock();
	/* -ESRCH (nobody listening any more) is fine */
	genlmsg_multicast_netns(ovpn_nlo_family(), ovpn_nlo_ntf_net(peer), msg,
				0, OVPN_NLGRP_PEERS, gfp);
	rcu_read_unlock();
}

/*
 * Whether anyone listens to @peer's notifications: if not, none is built
 * (OpenVPN listens on one family of the three a notification goes to).
 */
static bool ovpn_nlo_ntf_wanted(struct ovpn_peer *peer)
{
	bool wanted;

	rcu_read_lock();
	wanted = genl_has_listeners(ovpn_nlo_family(), ovpn_nlo_ntf_net(peer),
				    OVPN_NLGRP_PEERS);
	rcu_read_unlock();
	return wanted;
}

/**
 * ovpn_nlo_notify_peer_deleted - PEER_DEL_NTF {IFINDEX, PEER {DEL_REASON, ID}}
 * @peer: the deleted peer
 * @reason: the in-tree driver's OVPN_DEL_PEER_REASON_* value
 *
 * Context: process context.
 */
void ovpn_nlo_notify_peer_deleted(struct ovpn_peer *peer, u32 reason)
{
	struct nlattr *nest;
	struct sk_buff *msg;

	if (!ovpn_nlo_ntf_wanted(peer))
		return;

	msg = ovpn_nlo_ntf_start(peer, OVPN_CMD_PEER_DEL_NTF, OVPN_A_PEER,
				 &nest, GFP_KERNEL);
	if (!msg || nla_put_u32(msg, OVPN_A_PEER_DEL_REASON, reason) ||
	    nla_put_u32(msg, OVPN_A_PEER_ID, peer->id))
		goto err;

	ovpn_nlo_ntf_send(peer, msg, nest, GFP_KERNEL);
	return;

err:
	nlmsg_free(msg);
	netdev_warn_once(peer->ovpn->dev,
			 "cannot notify the deletion of peer %u\n", peer->id);
}

/**
 * ovpn_notify_key_exhausted - KEY_SWAP_NTF {IFINDEX, KEYCONF {PEER_ID, KEY_ID}}
 * @peer: the peer whose primary key ran out of packet ids
 * @key_id: that key's id
 *
 * The key id is a u16, as the in-tree driver sends it.
 *
 * Context: the TX path (bottom halves disabled).
 */
void ovpn_notify_key_exhausted(struct ovpn_peer *peer, u8 key_id)
{
	struct nlattr *nest;
	struct sk_buff *msg;

	netdev_info(peer->ovpn->dev,
		    "peer with id %u must rekey - primary key unusable.\n",
		    peer->id);
	if (!ovpn_nlo_ntf_wanted(peer))
		return;

	msg = ovpn_nlo_ntf_start(peer, OVPN_CMD_KEY_SWAP_NTF, OVPN_A_KEYCONF,
				 &nest, GFP_ATOMIC);
	if (!msg || nla_put_u32(msg, OVPN_A_KEYCONF_PEER_ID, peer->id) ||
	    nla_put_u16(msg, OVPN_A_KEYCONF_KEY_ID, key_id)) {
		nlmsg_free(msg);
		return;
	}

	ovpn_nlo_ntf_send(peer, msg, nest, GFP_ATOMIC);
}

/**
 * ovpn_notify_peer_floated - PEER_FLOAT_NTF {IFINDEX, PEER {ID, REMOTE_*}}
 * @peer: the peer, its new remote endpoint published
 *
 * Context: the RX path (softirq).
 */
void ovpn_notify_peer_floated(struct ovpn_peer *peer)
{
	const struct ovpn_bind *bind;
	struct nlattr *nest;
	struct sk_buff *msg;
	int err = -EMSGSIZE;

	if (!ovpn_nlo_ntf_wanted(peer))
		return;

	msg = ovpn_nlo_ntf_start(peer, OVPN_CMD_PEER_FLOAT_NTF, OVPN_A_PEER,
				 &nest, GFP_ATOMIC);
	if (!msg || nla_put_u32(msg, OVPN_A_PEER_ID, peer->id))
		goto err;

	rcu_read_lock();
	bind = rcu_dereference(peer->bind);
	if (bind && bind->remote.sa.sa_family == AF_INET)
		err = nla_put_in_addr(msg, OVPN_A_PEER_REMOTE_IPV4,
				      bind->remote.in4.sin_addr.s_addr) ||
		      nla_put_be16(msg, OVPN_A_PEER_REMOTE_PORT,
				   bind->remote.in4.sin_port);
	else if (bind)
		err = nla_put_in6_addr(msg, OVPN_A_PEER_REMOTE_IPV6,
				       &bind->remote.in6.sin6_addr) ||
		      nla_put_u32(msg, OVPN_A_PEER_REMOTE_IPV6_SCOPE_ID,
				  bind->remote.in6.sin6_scope_id) ||
		      nla_put_be16(msg, OVPN_A_PEER_REMOTE_PORT,
				   bind->remote.in6.sin6_port);
	rcu_read_unlock();
	if (err)
		goto err;

	ovpn_nlo_ntf_send(peer, msg, nest, GFP_ATOMIC);
	return;

err:
	nlmsg_free(msg);
}
