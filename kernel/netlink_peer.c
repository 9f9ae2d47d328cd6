// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - generic netlink, peers
 *
 * NEW_PEER, SET_PEER, DEL_PEER, GET_PEER (do and dump) and the DEL_PEER
 * notification (notify.h). Handlers run after the common checks
 * of netlink.c; top-level ids, commands, reply counters and delete
 * reasons come from the request's family (struct ovpn_nl_family), nested
 * attribute ids from the uapi header, where both layouts agree.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <uapi/linux/ovpn_dco.h>

#include "keepalive.h"
#include "netlink.h"
#include "notify.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "socket.h"

/**
 * ovpn_nl_peer_lookup - the peer a request names
 * @req: the request, its operation's peer id attribute present
 *
 * Context: process context.
 * Return: the peer with a reference, or NULL with an extack message (the
 * caller returns -ENOENT).
 */
struct ovpn_peer *ovpn_nl_peer_lookup(struct ovpn_nl_req *req)
{
	struct nlattr *attr = req->tb[req->desc->peer_id_attr];
	struct ovpn_peer *peer;

	peer = ovpn_peer_get_by_id(req->ovpn, nla_get_u32(attr));
	if (!peer)
		NL_SET_ERR_MSG_ATTR(req->extack, attr, "no such peer");

	return peer;
}

/* NEW_PEER: SOCKADDR_REMOTE and LOCAL_IP into @bind, checked against @sk */
static int ovpn_nl_parse_bind(struct ovpn_nl_req *req, struct sock *sk,
			      struct ovpn_bind *bind)
{
	struct nlattr *attr = req->tb[OVPN_NEW_PEER_ATTR_SOCKADDR_REMOTE];
	struct netlink_ext_ack *extack = req->extack;
	const struct sockaddr_in6 *in6;
	const struct sockaddr_in *in4;
	const struct sockaddr *sa;
	int len;

	if (!attr) {
		NL_SET_ERR_ATTR_MISS(extack, req->nest,
				     OVPN_NEW_PEER_ATTR_SOCKADDR_REMOTE);
		NL_SET_ERR_MSG(extack,
			       "missing remote address (required for UDP)");
		return -EINVAL;
	}

	sa = nla_data(attr);
	len = nla_len(attr);
	if (len == sizeof(*in4) && sa->sa_family == AF_INET) {
		in4 = nla_data(attr);
		bind->remote.in4.sin_family = AF_INET;
		bind->remote.in4.sin_port = in4->sin_port;
		bind->remote.in4.sin_addr = in4->sin_addr;
	} else if (len == sizeof(*in6) && sa->sa_family == AF_INET6) {
		in6 = nla_data(attr);
		if (ipv6_addr_v4mapped(&in6->sin6_addr)) {
			bind->remote.in4.sin_family = AF_INET;
			bind->remote.in4.sin_port = in6->sin6_port;
			bind->remote.in4.sin_addr.s_addr =
				in6->sin6_addr.s6_addr32[3];
		} else {
			bind->remote.in6.sin6_family = AF_INET6;
			bind->remote.in6.sin6_port = in6->sin6_port;
			bind->remote.in6.sin6_addr = in6->sin6_addr;
			bind->remote.in6.sin6_scope_id = in6->sin6_scope_id;
		}
	} else {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "remote address is neither a sockaddr_in nor a sockaddr_in6");
		return -EINVAL;
	}

	if (bind->remote.sa.sa_family == AF_INET) {
		if (!bind->remote.in4.sin_port ||
		    !bind->remote.in4.sin_addr.s_addr) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "remote address or port is 0");
			return -EINVAL;
		}
		if (sk->sk_family == AF_INET6 && ipv6_only_sock(sk)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "IPv4 remote address on an IPv6-only socket");
			return -EINVAL;
		}
	} else {
		if (!bind->remote.in6.sin6_port ||
		    ipv6_addr_any(&bind->remote.in6.sin6_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "remote address or port is 0");
			return -EINVAL;
		}
		if (sk->sk_family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "IPv6 remote address on an IPv4 socket");
			return -EINVAL;
		}
	}

	attr = req->tb[OVPN_NEW_PEER_ATTR_LOCAL_IP];
	if (!attr)
		return 0;

	len = nla_len(attr);
	if (len != sizeof(struct in_addr) && len != sizeof(struct in6_addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "local IP is neither 4 nor 16 bytes long");
		return -EINVAL;
	}

	if (len == sizeof(struct in_addr) &&
	    bind->remote.sa.sa_family == AF_INET) {
		bind->local.ipv4.s_addr = nla_get_in_addr(attr);
	} else if (len == sizeof(struct in6_addr) &&
		   bind->remote.sa.sa_family == AF_INET6) {
		bind->local.ipv6 = nla_get_in6_addr(attr);
	} else if (len == sizeof(struct in6_addr) &&
		   ipv6_addr_v4mapped(nla_data(attr))) {
		/* an IPv4 remote given as v4-mapped: its local address too */
		bind->local.ipv4.s_addr = nla_get_in6_addr(attr).s6_addr32[3];
	} else {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "local IP and remote address of different families");
		return -EINVAL;
	}

	bind->has_local = true;
	return 0;
}

/**
 * ovpn_nl_new_peer - NEW_PEER: add a peer
 * @req: the request
 *
 * The socket descriptor is resolved here, in the caller's context (its
 * own file table: a descriptor number of another process means nothing);
 * the peer keeps a reference on the socket, not on its file, which is
 * released before returning. The socket may belong to another network
 * namespace than the device: the encrypted packets then go through the
 * socket's namespace, the tunnel is in the device's (as with WireGuard).
 * P2P mode: an existing peer is replaced and deleted with reason
 * TEARDOWN. MP mode: the peer needs IPV4 and/or IPV6, and its id and VPN
 * addresses must be free (-EEXIST); UDP peers share the socket. The reply
 * is the plain ACK.
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nl_new_peer(struct ovpn_nl_req *req)
{
	struct nlattr *fd_attr = req->tb[OVPN_NEW_PEER_ATTR_SOCKET];
	struct nlattr **tb = req->tb;
	struct ovpn_socket *osock;
	struct ovpn_bind *bind;
	struct ovpn_peer *peer;
	struct socket *sock;
	int ret;

	/* MP: the VPN address is how TX finds the peer */
	if (req->ovpn->mode == OVPN_MODE_MP && !tb[OVPN_NEW_PEER_ATTR_IPV4] &&
	    !tb[OVPN_NEW_PEER_ATTR_IPV6]) {
		NL_SET_ERR_MSG(req->extack, "MP peers need a VPN address");
		return -EINVAL;
	}

	/*
	 * The file stays held until the peer is published or given up: a
	 * close() meanwhile cannot destroy the socket between attaching it
	 * and publishing the peer, where its encap_destroy would miss us.
	 */
	sock = sockfd_lookup((int)nla_get_u32(fd_attr), &ret);
	if (!sock) {
		NL_SET_ERR_MSG_ATTR(req->extack, fd_attr,
				    "no socket with this file descriptor");
		return ret;
	}

	ret = ovpn_socket_check(sock, req->extack);
	if (ret) {
		NL_SET_BAD_ATTR(req->extack, fd_attr);
		goto out_sock;
	}

	/* TCP: the socket is connected; SOCKADDR_REMOTE is ignored */
	bind = NULL;
	if (!ovpn_socket_is_tcp(sock->sk)) {
		bind = kzalloc(sizeof(*bind), GFP_KERNEL);
		if (!bind) {
			ret = -ENOMEM;
			goto out_sock;
		}

		ret = ovpn_nl_parse_bind(req, sock->sk, bind);
		if (ret) {
			kfree(bind);
			goto out_sock;
		}
	}

	peer = ovpn_peer_new(req->ovpn,
			     nla_get_u32(tb[OVPN_NEW_PEER_ATTR_PEER_ID]));
	if (IS_ERR(peer)) {
		kfree(bind);
		ret = PTR_ERR(peer);
		goto out_sock;
	}
	RCU_INIT_POINTER(peer->bind, bind);

	if (tb[OVPN_NEW_PEER_ATTR_IPV4]) {
		peer->vpn_ipv4 = nla_get_in_addr(tb[OVPN_NEW_PEER_ATTR_IPV4]);
		peer->has_ipv4 = true;
	}
	if (tb[OVPN_NEW_PEER_ATTR_IPV6]) {
		peer->vpn_ipv6 = nla_get_in6_addr(tb[OVPN_NEW_PEER_ATTR_IPV6]);
		peer->has_ipv6 = true;
	}

	osock = ovpn_socket_get(sock, req->ovpn, req->extack);
	if (IS_ERR(osock)) {
		NL_SET_BAD_ATTR(req->extack, fd_attr);
		ret = PTR_ERR(osock);
		goto out_peer;
	}
	RCU_INIT_POINTER(peer->sock, osock);

	/* on success the peer belongs to the table: not to be touched */
	ret = ovpn_peer_add(peer, req->extack);
	if (!ret)
		goto out_sock;
	/* these families answer -EEXIST for a VPN address in use, too */
	if (ret == -EADDRINUSE)
		ret = -EEXIST;

out_peer:
	ovpn_peer_abort(peer);
out_sock:
	sockfd_put(sock);
	return ret;
}

/**
 * ovpn_nl_set_peer - SET_PEER: change the keepalive settings of a peer
 * @req: the request
 *
 * A missing KEEPALIVE_INTERVAL or KEEPALIVE_TIMEOUT keeps its value; both
 * keepalive clocks restart.
 *
 * Context: process context.
 * Return: 0 or -ENOENT, with an extack message.
 */
int ovpn_nl_set_peer(struct ovpn_nl_req *req)
{
	struct nlattr *attr_int = req->tb[OVPN_SET_PEER_ATTR_KEEPALIVE_INTERVAL];
	struct nlattr *attr_tmo = req->tb[OVPN_SET_PEER_ATTR_KEEPALIVE_TIMEOUT];
	struct ovpn_peer *peer;
	u32 interval, timeout;

	peer = ovpn_nl_peer_lookup(req);
	if (!peer)
		return -ENOENT;

	if (attr_int)
		interval = nla_get_u32(attr_int);
	if (attr_tmo)
		timeout = nla_get_u32(attr_tmo);

	ovpn_peer_set_keepalive(peer, attr_int ? &interval : NULL,
				attr_tmo ? &timeout : NULL);
	ovpn_peer_put(peer);
	return 0;
}

/**
 * ovpn_nl_del_peer - DEL_PEER: delete a peer
 * @req: the request; a REASON attribute is accepted and ignored
 *
 * The peer goes with reason USERSPACE, notified like any other deletion.
 *
 * Context: process context.
 * Return: 0 or -ENOENT, with an extack message.
 */
int ovpn_nl_del_peer(struct ovpn_nl_req *req)
{
	struct ovpn_peer *peer;
	int ret;

	peer = ovpn_nl_peer_lookup(req);
	if (!peer)
		return -ENOENT;

	ret = ovpn_peer_del(peer, OVPN_NL_REASON_USERSPACE);
	ovpn_peer_put(peer);

	if (ret)
		NL_SET_ERR_MSG_ATTR(req->extack,
				    req->tb[req->desc->peer_id_attr],
				    "no such peer");
	return ret;
}

/* a counter of a peer, by its enum ovpn_nl_stat */
static u64 ovpn_nl_peer_stat(const struct ovpn_peer *peer,
			     enum ovpn_nl_stat stat)
{
	const struct ovpn_peer_stats *s = &peer->stats;

	switch (stat) {
	case OVPN_NL_STAT_VPN_RX_BYTES:
		return atomic64_read(&s->vpn_rx.bytes);
	case OVPN_NL_STAT_VPN_TX_BYTES:
		return atomic64_read(&s->vpn_tx.bytes);
	case OVPN_NL_STAT_VPN_RX_PACKETS:
		return atomic64_read(&s->vpn_rx.packets);
	case OVPN_NL_STAT_VPN_TX_PACKETS:
		return atomic64_read(&s->vpn_tx.packets);
	case OVPN_NL_STAT_LINK_RX_BYTES:
		return atomic64_read(&s->link_rx.bytes);
	case OVPN_NL_STAT_LINK_TX_BYTES:
		return atomic64_read(&s->link_tx.bytes);
	case OVPN_NL_STAT_LINK_RX_PACKETS:
		return atomic64_read(&s->link_rx.packets);
	case OVPN_NL_STAT_LINK_TX_PACKETS:
		return atomic64_read(&s->link_tx.packets);
	default:
		return 0;
	}
}

/* the transport attributes of a GET_PEER reply, read under RCU */
static int ovpn_nl_fill_transport(struct sk_buff *skb, struct ovpn_peer *peer)
{
	const struct ovpn_bind *bind;
	struct ovpn_socket *osock;
	int ret = 0;

	rcu_read_lock();

	/* TCP peers have no bind */
	bind = rcu_dereference(peer->bind);
	if (bind && bind->remote.sa.sa_family == AF_INET) {
		if (nla_put(skb, OVPN_GET_PEER_RESP_ATTR_SOCKADDR_REMOTE,
			    sizeof(bind->remote.in4), &bind->remote.in4) ||
		    (bind->has_local &&
		     nla_put_in_addr(skb, OVPN_GET_PEER_RESP_ATTR_LOCAL_IP,
				     bind->local.ipv4.s_addr)))
			ret = -EMSGSIZE;
	} else if (bind) {
		if (nla_put(skb, OVPN_GET_PEER_RESP_ATTR_SOCKADDR_REMOTE,
			    sizeof(bind->remote.in6), &bind->remote.in6) ||
		    (bind->has_local &&
		     nla_put_in6_addr(skb, OVPN_GET_PEER_RESP_ATTR_LOCAL_IP,
				      &bind->local.ipv6)))
			ret = -EMSGSIZE;
	}

	/* the socket is gone once the peer is deleted */
	osock = rcu_dereference(peer->sock);
	if (!ret && osock &&
	    nla_put_be16(skb, OVPN_GET_PEER_RESP_ATTR_LOCAL_PORT,
			 inet_sk(osock->sk)->inet_sport))
		ret = -EMSGSIZE;

	rcu_read_unlock();
	return ret;
}

/* IFINDEX and the family's GET_PEER reply nest for @peer */
static int ovpn_nl_fill_peer(struct sk_buff *skb,
			     const struct ovpn_nl_family *fam,
			     struct net_device *dev, struct ovpn_peer *peer)
{
	const struct ovpn_nl_op_desc *desc = &fam->op[OVPN_NL_OP_GET_PEER];
	u32 interval = READ_ONCE(peer->keepalive_interval);
	u32 timeout = READ_ONCE(peer->keepalive_timeout);
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u32(skb, OVPN_NL_ATTR_IFINDEX, dev->ifindex))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, desc->attr);
	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u32(skb, OVPN_GET_PEER_RESP_ATTR_PEER_ID, peer->id) ||
	    ovpn_nl_fill_transport(skb, peer) ||
	    (peer->has_ipv4 &&
	     nla_put_in_addr(skb, OVPN_GET_PEER_RESP_ATTR_IPV4,
			     peer->vpn_ipv4)) ||
	    (peer->has_ipv6 &&
	     nla_put_in6_addr(skb, OVPN_GET_PEER_RESP_ATTR_IPV6,
			      &peer->vpn_ipv6)) ||
	    nla_put_u32(skb, OVPN_GET_PEER_RESP_ATTR_KEEPALIVE_INTERVAL,
			interval) ||
	    nla_put_u32(skb, OVPN_GET_PEER_RESP_ATTR_KEEPALIVE_TIMEOUT,
			timeout))
		goto err;

	for (i = 0; i < __OVPN_NL_STAT_COUNT; i++) {
		if (!fam->stat_attr[i])
			continue;
		if (nla_put_u64_64bit(skb, fam->stat_attr[i],
				      ovpn_nl_peer_stat(peer, i),
				      OVPN_GET_PEER_RESP_ATTR_UNSPEC))
			goto err;
	}

	nla_nest_end(skb, nest);
	return 0;

err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/**
 * ovpn_nl_get_peer - GET_PEER: one peer
 * @req: the request
 *
 * Replies with the family's GET_PEER command: IFINDEX and the GET_PEER
 * nest (id, endpoints, keepalive settings, the family's u64 counters).
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nl_get_peer(struct ovpn_nl_req *req)
{
	struct ovpn_peer *peer;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	peer = ovpn_nl_peer_lookup(req);
	if (!peer)
		return -ENOENT;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out;
	}

	hdr = genlmsg_put_reply(msg, req->info, req->fam->genl, 0,
				req->desc->cmd);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err_free;
	}

	ret = ovpn_nl_fill_peer(msg, req->fam, req->dev, peer);
	if (ret)
		goto err_free;

	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, req->info);
	goto out;

err_free:
	NL_SET_ERR_MSG(req->extack, "cannot build the reply");
	nlmsg_free(msg);
out:
	ovpn_peer_put(peer);
	return ret;
}

/**
 * ovpn_nl_get_peer_dump - GET_PEER dump: every peer of a device
 * @req: the dump's device and family (no nest)
 * @skb: the reply to fill
 * @cb: the dump; its cursor, from one part to the next: cb->args[1] is
 *	the lowest peer id not sent yet (see ovpn_peer_dump_next())
 *
 * One message per peer, as many as fit in @skb. Every peer that exists
 * during the whole dump is sent exactly once.
 *
 * Context: process context.
 * Return: the length of @skb: 0 when nothing was left to send.
 */
int ovpn_nl_get_peer_dump(struct ovpn_nl_req *req, struct sk_buff *skb,
			  struct netlink_callback *cb)
{
	unsigned long id = cb->args[1];
	struct ovpn_peer *peer;
	void *hdr;
	int ret;

	while ((peer = ovpn_peer_dump_next(req->ovpn, &id))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, req->fam->genl,
				  NLM_F_MULTI, req->desc->cmd);
		ret = hdr ? ovpn_nl_fill_peer(skb, req->fam, req->dev, peer) :
			    -EMSGSIZE;
		ovpn_peer_put(peer);
		if (ret) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			break;
		}

		genlmsg_end(skb, hdr);
		id++;
	}

	cb->args[1] = id;
	return skb->len;
}

/* DEL_PEER notification in one family */
static void ovpn_nl_notify_del_peer_fam(const struct ovpn_nl_family *fam,
					struct ovpn_peer *peer,
					enum ovpn_nl_reason reason)
{
	const struct ovpn_nl_op_desc *desc = &fam->op[OVPN_NL_OP_DEL_PEER];
	struct net_device *dev = peer->ovpn->dev;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	/* nobody listening in this family: nothing to build */
	if (!genl_has_listeners(fam->genl, dev_net(dev), 0))
		return;

	msg = genlmsg_new(nla_total_size(sizeof(u32)) +
			  nla_total_size(nla_total_size(sizeof(u8)) +
					 nla_total_size(sizeof(u32))),
			  GFP_KERNEL);
	if (!msg)
		goto err;

	hdr = genlmsg_put(msg, 0, 0, fam->genl, 0, desc->cmd);
	if (!hdr)
		goto err_free;

	if (nla_put_u32(msg, OVPN_NL_ATTR_IFINDEX, dev->ifindex))
		goto err_free;

	nest = nla_nest_start(msg, desc->attr);
	if (!nest ||
	    nla_put_u8(msg, OVPN_DEL_PEER_ATTR_REASON, fam->reason[reason]) ||
	    nla_put_u32(msg, OVPN_DEL_PEER_ATTR_PEER_ID, peer->id))
		goto err_free;
	nla_nest_end(msg, nest);

	genlmsg_end(msg, hdr);
	/* group 0: "peers"; -ESRCH (nobody listening) is fine */
	genlmsg_multicast_netns(fam->genl, dev_net(dev), msg, 0, 0,
				GFP_KERNEL);
	return;

err_free:
	nlmsg_free(msg);
err:
	netdev_warn_once(dev, "cannot notify the deletion of peer %u\n",
			 peer->id);
}

/**
 * ovpn_notify_peer_deleted - multicast the deletion of a peer
 * @peer: the peer, deleted
 * @reason: why
 *
 * Sends DEL_PEER {IFINDEX, DEL_PEER {REASON, PEER_ID}} on group "peers"
 * of both families, each with its own numbering, in the device's netns,
 * and the "ovpn" family's PEER_DEL_NTF where it is built.
 *
 * Context: process context.
 */
void ovpn_notify_peer_deleted(struct ovpn_peer *peer,
			      enum ovpn_nl_reason reason)
{
	ovpn_nl_notify_del_peer_fam(&ovpn_nl_family_dco, peer, reason);
	ovpn_nl_notify_del_peer_fam(&ovpn_nl_family_dco_v2, peer, reason);
#ifdef OVPN_DCO_OVPN_API
	/* enum ovpn_nl_reason is the "ovpn" family's numbering */
	ovpn_nlo_notify_peer_deleted(peer, reason);
#endif
}
