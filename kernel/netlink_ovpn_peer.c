// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: generic netlink family "ovpn" - PEER_NEW and PEER_SET
 *
 * The checks the in-tree driver makes of a peer's attributes, in its order
 * and with its messages, then the peer as the other families make it
 * (netlink_peer.c).
 *
 * What this module does not do as the in-tree driver does, each reported
 * with its own error: VPN addresses cannot change once a peer is added
 * (PEER_SET with different ones: -EOPNOTSUPP), and a UDP remote address
 * must be of the socket's family (-EAFNOSUPPORT).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "keepalive.h"
#include "netlink_ovpn.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "socket.h"

/* the family of an address given as IPv4 or (maybe v4-mapped) IPv6 */
static sa_family_t ovpn_nlo_addr_family(struct nlattr *v4, struct nlattr *v6)
{
	if (v4)
		return AF_INET;
	if (v6)
		return ipv6_addr_v4mapped(nla_data(v6)) ? AF_INET : AF_INET6;
	return AF_UNSPEC;
}

/* the checks the in-tree driver makes of PEER_NEW and PEER_SET alike */
static int ovpn_nlo_peer_precheck(struct ovpn_struct *ovpn,
				  struct genl_info *info, struct nlattr **tb)
{
	struct netlink_ext_ack *extack = info->extack;
	bool remote = tb[OVPN_A_PEER_REMOTE_IPV4] || tb[OVPN_A_PEER_REMOTE_IPV6];
	sa_family_t local_fam, remote_fam;

	if (NL_REQ_ATTR_CHECK(extack, info->attrs[OVPN_A_PEER], tb,
			      OVPN_A_PEER_ID))
		return -EINVAL;

	if (tb[OVPN_A_PEER_REMOTE_IPV4] && tb[OVPN_A_PEER_REMOTE_IPV6]) {
		OVPN_NLO_MSG(extack,
			     "cannot specify both remote IPv4 or IPv6 address");
		return -EINVAL;
	}
	if (!remote && tb[OVPN_A_PEER_REMOTE_PORT]) {
		OVPN_NLO_MSG(extack,
			     "cannot specify remote port without IP address");
		return -EINVAL;
	}
	if (remote && !tb[OVPN_A_PEER_REMOTE_PORT]) {
		OVPN_NLO_MSG(extack,
			     "cannot specify remote IP address without port");
		return -EINVAL;
	}
	if (!tb[OVPN_A_PEER_REMOTE_IPV4] && tb[OVPN_A_PEER_LOCAL_IPV4]) {
		OVPN_NLO_MSG(extack,
			     "cannot specify local IPv4 address without remote");
		return -EINVAL;
	}
	if (!tb[OVPN_A_PEER_REMOTE_IPV6] && tb[OVPN_A_PEER_LOCAL_IPV6]) {
		OVPN_NLO_MSG(extack,
			     "cannot specify local IPV6 address without remote");
		return -EINVAL;
	}

	local_fam = ovpn_nlo_addr_family(tb[OVPN_A_PEER_LOCAL_IPV4],
					 tb[OVPN_A_PEER_LOCAL_IPV6]);
	remote_fam = ovpn_nlo_addr_family(tb[OVPN_A_PEER_REMOTE_IPV4],
					  tb[OVPN_A_PEER_REMOTE_IPV6]);
	if (local_fam != AF_UNSPEC && remote_fam != AF_UNSPEC &&
	    local_fam != remote_fam) {
		OVPN_NLO_MSG(extack,
			     "mismatching local and remote address families");
		return -EINVAL;
	}
	if (remote_fam != AF_INET6 && tb[OVPN_A_PEER_REMOTE_IPV6_SCOPE_ID]) {
		OVPN_NLO_MSG(extack,
			     "cannot specify scope id without remote IPv6 address");
		return -EINVAL;
	}

	if (ovpn->mode == OVPN_MODE_P2P &&
	    (tb[OVPN_A_PEER_VPN_IPV4] || tb[OVPN_A_PEER_VPN_IPV6])) {
		OVPN_NLO_MSG(extack, "unexpected VPN IP in P2P mode");
		return -EINVAL;
	}

	if (!tb[OVPN_A_PEER_KEEPALIVE_INTERVAL] !=
	    !tb[OVPN_A_PEER_KEEPALIVE_TIMEOUT]) {
		OVPN_NLO_MSG(extack,
			     "keepalive interval and timeout are required together");
		return -EINVAL;
	}

	return 0;
}

/* MP: the VPN addresses a peer ends up with must be usable unicast ones */
static int ovpn_nlo_check_vpn_addrs(__be32 addr4, const struct in6_addr *addr6,
				    struct netlink_ext_ack *extack)
{
	int type;

	if (addr4 == htonl(INADDR_ANY) && ipv6_addr_any(addr6)) {
		OVPN_NLO_MSG(extack,
			     "at least one VPN IP must be configured in MP mode");
		return -EINVAL;
	}

	if (ipv4_is_multicast(addr4) || ipv4_is_lbcast(addr4) ||
	    ipv4_is_loopback(addr4)) {
		OVPN_NLO_MSG(extack,
			     "VPN IPv4 address must be valid unicast or any");
		return -EADDRNOTAVAIL;
	}

	if (!ipv6_addr_any(addr6)) {
		type = ipv6_addr_type(addr6);
		if (!(type & IPV6_ADDR_UNICAST) ||
		    (type & (IPV6_ADDR_LOOPBACK | IPV6_ADDR_COMPATv4))) {
			OVPN_NLO_MSG(extack,
				     "VPN IPv6 address must be valid unicast or any");
			return -EADDRNOTAVAIL;
		}
	}

	return 0;
}

/*
 * The remote (and local) address of @tb as a new bind, checked against the
 * socket's @family; NULL without a remote address.
 */
static struct ovpn_bind *ovpn_nlo_bind(struct nlattr **tb,
				       unsigned short family, bool v6only,
				       struct netlink_ext_ack *extack)
{
	struct nlattr *r6 = tb[OVPN_A_PEER_REMOTE_IPV6];
	struct nlattr *l6 = tb[OVPN_A_PEER_LOCAL_IPV6];
	__be16 port = nla_get_be16(tb[OVPN_A_PEER_REMOTE_PORT]);
	struct ovpn_bind *bind;
	struct in6_addr in6;

	bind = kzalloc(sizeof(*bind), GFP_KERNEL);
	if (!bind)
		return ERR_PTR(-ENOMEM);

	if (tb[OVPN_A_PEER_REMOTE_IPV4] ||
	    ipv6_addr_v4mapped(nla_data(r6))) {
		bind->remote.in4.sin_family = AF_INET;
		bind->remote.in4.sin_port = port;
		bind->remote.in4.sin_addr.s_addr =
			tb[OVPN_A_PEER_REMOTE_IPV4] ?
			nla_get_in_addr(tb[OVPN_A_PEER_REMOTE_IPV4]) :
			nla_get_in6_addr(r6).s6_addr32[3];
		if (tb[OVPN_A_PEER_LOCAL_IPV4]) {
			bind->local.ipv4.s_addr =
				nla_get_in_addr(tb[OVPN_A_PEER_LOCAL_IPV4]);
			bind->has_local = true;
		} else if (l6) {
			bind->local.ipv4.s_addr =
				nla_get_in6_addr(l6).s6_addr32[3];
			bind->has_local = true;
		}
		if (family == AF_INET6 && v6only)
			goto err_family;
	} else {
		in6 = nla_get_in6_addr(r6);
		bind->remote.in6.sin6_family = AF_INET6;
		bind->remote.in6.sin6_port = port;
		bind->remote.in6.sin6_addr = in6;
		if (tb[OVPN_A_PEER_REMOTE_IPV6_SCOPE_ID])
			bind->remote.in6.sin6_scope_id =
				nla_get_u32(tb[OVPN_A_PEER_REMOTE_IPV6_SCOPE_ID]);
		if (l6) {
			bind->local.ipv6 = nla_get_in6_addr(l6);
			bind->has_local = true;
		}
		if (family != AF_INET6)
			goto err_family;
	}

	return bind;

err_family:
	kfree(bind);
	OVPN_NLO_MSG_FMT(extack, "cannot set peer sockaddr",
			 "cannot set peer sockaddr: %d", -EAFNOSUPPORT);
	return ERR_PTR(-EAFNOSUPPORT);
}

/* PEER_NEW's socket: looked up in the caller's file table, checked */
static struct socket *ovpn_nlo_socket(struct genl_info *info,
				      struct nlattr **tb)
{
	u32 fd = nla_get_u32(tb[OVPN_A_PEER_SOCKET]);
	bool remote = tb[OVPN_A_PEER_REMOTE_IPV4] || tb[OVPN_A_PEER_REMOTE_IPV6];
	struct socket *sock;
	int err;

	sock = sockfd_lookup(fd, &err);
	if (!sock) {
		OVPN_NLO_MSG_FMT(info->extack, "cannot lookup peer socket",
				 "cannot lookup peer socket (fd=%u): %d", fd,
				 err);
		return ERR_PTR(-ENOTSOCK);
	}

	if (sock->sk->sk_protocol == IPPROTO_UDP && !remote) {
		OVPN_NLO_MSG(info->extack,
			     "missing remote IP address for UDP socket");
		err = -EINVAL;
		goto err_put;
	}
	if (sock->sk->sk_protocol == IPPROTO_TCP && remote) {
		OVPN_NLO_MSG(info->extack,
			     "unexpected remote IP address with TCP socket");
		err = -EINVAL;
		goto err_put;
	}

	/* the in-tree driver's answer to a socket of another protocol */
	if (sock->sk->sk_protocol != IPPROTO_UDP &&
	    sock->sk->sk_protocol != IPPROTO_TCP)
		err = -EOPNOTSUPP;
	else
		err = ovpn_socket_check(sock, NULL);
	if (err) {
		OVPN_NLO_MSG_FMT(info->extack, "cannot encapsulate socket",
				 "cannot encapsulate socket: %d", err);
		err = -ENOTSOCK;
		goto err_put;
	}

	return sock;

err_put:
	sockfd_put(sock);
	return ERR_PTR(err);
}

/**
 * ovpn_nlo_peer_new_doit - PEER_NEW: add a peer on a UDP or TCP socket
 * @skb: the request
 * @info: its attributes: OVPN_A_IFINDEX and the OVPN_A_PEER nest
 *
 * As NEW_PEER of the other families (P2P: a new peer replaces the old
 * one; MP: ids and VPN addresses are unique), with the in-tree driver's
 * attributes: the remote as address, port and scope id, an optional
 * tx-id and keepalive settings. The file stays held until the peer is
 * published or given up, as in ovpn_nl_new_peer().
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nlo_peer_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[OVPN_A_PEER_MAX + 1];
	struct in6_addr vpn6 = IN6ADDR_ANY_INIT;
	struct ovpn_bind *bind = NULL;
	struct ovpn_socket *osock;
	struct ovpn_struct *ovpn;
	struct ovpn_peer *peer;
	struct socket *sock;
	__be32 vpn4 = 0;
	u32 ka[2];
	int ret;

	ovpn = ovpn_nlo_begin(info, OVPN_A_PEER, tb, OVPN_A_PEER_MAX,
			      ovpn_nlo_peer_new_input_policy);
	if (IS_ERR(ovpn))
		return PTR_ERR(ovpn);

	ret = ovpn_nlo_peer_precheck(ovpn, info, tb);
	if (ret)
		goto out_dev;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[OVPN_A_PEER], tb,
			      OVPN_A_PEER_SOCKET)) {
		ret = -EINVAL;
		goto out_dev;
	}

	if (ovpn->mode == OVPN_MODE_MP) {
		if (tb[OVPN_A_PEER_VPN_IPV4])
			vpn4 = nla_get_in_addr(tb[OVPN_A_PEER_VPN_IPV4]);
		if (tb[OVPN_A_PEER_VPN_IPV6])
			vpn6 = nla_get_in6_addr(tb[OVPN_A_PEER_VPN_IPV6]);
		ret = ovpn_nlo_check_vpn_addrs(vpn4, &vpn6, info->extack);
		if (ret)
			goto out_dev;
	}

	sock = ovpn_nlo_socket(info, tb);
	if (IS_ERR(sock)) {
		ret = PTR_ERR(sock);
		goto out_dev;
	}

	if (tb[OVPN_A_PEER_REMOTE_IPV4] || tb[OVPN_A_PEER_REMOTE_IPV6]) {
		bind = ovpn_nlo_bind(tb, sock->sk->sk_family,
				     ipv6_only_sock(sock->sk), info->extack);
		if (IS_ERR(bind)) {
			ret = PTR_ERR(bind);
			goto out_sock;
		}
	}

	peer = ovpn_peer_new(ovpn, nla_get_u32(tb[OVPN_A_PEER_ID]));
	if (IS_ERR(peer)) {
		kfree(bind);
		ret = PTR_ERR(peer);
		OVPN_NLO_MSG_FMT(info->extack, "cannot create new peer object",
				 "cannot create new peer object for peer %u: %d",
				 nla_get_u32(tb[OVPN_A_PEER_ID]), ret);
		goto out_sock;
	}
	RCU_INIT_POINTER(peer->bind, bind);
	if (tb[OVPN_A_PEER_TX_ID])
		peer->tx_id = nla_get_u32(tb[OVPN_A_PEER_TX_ID]);
	if (tb[OVPN_A_PEER_VPN_IPV4]) {
		peer->vpn_ipv4 = vpn4;
		peer->has_ipv4 = true;
	}
	if (tb[OVPN_A_PEER_VPN_IPV6]) {
		peer->vpn_ipv6 = vpn6;
		peer->has_ipv6 = true;
	}

	osock = ovpn_socket_get(sock, ovpn, NULL);
	if (IS_ERR(osock)) {
		ret = -ENOTSOCK;
		OVPN_NLO_MSG_FMT(info->extack, "cannot encapsulate socket",
				 "cannot encapsulate socket: %ld",
				 PTR_ERR(osock));
		goto out_peer;
	}
	RCU_INIT_POINTER(peer->sock, osock);

	ret = ovpn_peer_add(peer, NULL);
	if (ret) {
		OVPN_NLO_MSG_FMT(info->extack,
				 "cannot add new peer to hashtable",
				 "cannot add new peer (id=%u) to hashtable: %d",
				 peer->id, ret);
		goto out_peer;
	}

	/* published: from now on the table owns the peer */
	if (tb[OVPN_A_PEER_KEEPALIVE_INTERVAL]) {
		ka[0] = nla_get_u32(tb[OVPN_A_PEER_KEEPALIVE_INTERVAL]);
		ka[1] = nla_get_u32(tb[OVPN_A_PEER_KEEPALIVE_TIMEOUT]);
		ovpn_peer_set_keepalive(peer, &ka[0], &ka[1]);
	}
	goto out_sock;

out_peer:
	ovpn_peer_abort(peer);
out_sock:
	sockfd_put(sock);
out_dev:
	ovpn_nlo_dev_put(ovpn);
	return ret;
}

/* PEER_SET of VPN addresses: only the ones the peer already has */
static int ovpn_nlo_same_vpn_addrs(struct ovpn_peer *peer, struct nlattr **tb,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *a4 = tb[OVPN_A_PEER_VPN_IPV4];
	struct nlattr *a6 = tb[OVPN_A_PEER_VPN_IPV6];
	struct in6_addr vpn6;

	if (a6)
		vpn6 = nla_get_in6_addr(a6);
	if ((a4 && (!peer->has_ipv4 ||
		    peer->vpn_ipv4 != nla_get_in_addr(a4))) ||
	    (a6 && (!peer->has_ipv6 ||
		    !ipv6_addr_equal(&peer->vpn_ipv6, &vpn6)))) {
		OVPN_NLO_MSG(extack,
			     "VPN IP of a peer cannot be changed by this module");
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * ovpn_nlo_peer_set_doit - PEER_SET: change a peer
 * @skb: the request
 * @info: its attributes: OVPN_A_IFINDEX and the OVPN_A_PEER nest
 *
 * Keepalive (both values), tx-id and, for a UDP peer, the remote address
 * can change; VPN addresses only be given again.
 *
 * Context: process context.
 * Return: 0 or a negative errno, with an extack message.
 */
int ovpn_nlo_peer_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[OVPN_A_PEER_MAX + 1];
	struct ovpn_socket *osock;
	struct ovpn_bind *bind;
	struct ovpn_struct *ovpn;
	unsigned short family = AF_UNSPEC;
	struct ovpn_peer *peer;
	bool tcp, v6only = false;
	u32 ka[2];
	int ret;

	ovpn = ovpn_nlo_begin(info, OVPN_A_PEER, tb, OVPN_A_PEER_MAX,
			      ovpn_nlo_peer_set_input_policy);
	if (IS_ERR(ovpn))
		return PTR_ERR(ovpn);

	ret = ovpn_nlo_peer_precheck(ovpn, info, tb);
	if (ret)
		goto out_dev;

	peer = ovpn_nlo_peer(ovpn, tb, info->extack);
	if (!peer) {
		ret = -ENOENT;
		goto out_dev;
	}

	rcu_read_lock();
	osock = rcu_dereference(peer->sock);
	tcp = osock && ovpn_socket_is_tcp(osock->sk);
	if (osock) {
		family = osock->sk->sk_family;
		v6only = ipv6_only_sock(osock->sk);
	}
	rcu_read_unlock();
	if (tcp &&
	    (tb[OVPN_A_PEER_REMOTE_IPV4] || tb[OVPN_A_PEER_REMOTE_IPV6])) {
		OVPN_NLO_MSG(info->extack,
			     "unexpected remote IP address with TCP socket");
		ret = -EINVAL;
		goto out_peer;
	}

	ret = ovpn_nlo_same_vpn_addrs(peer, tb, info->extack);
	if (ret)
		goto out_peer;

	if (tb[OVPN_A_PEER_REMOTE_IPV4] || tb[OVPN_A_PEER_REMOTE_IPV6]) {
		/* a deleted peer has no socket left: as if it were gone */
		bind = family != AF_UNSPEC ?
		       ovpn_nlo_bind(tb, family, v6only, info->extack) :
		       ERR_PTR(-ENOENT);
		if (IS_ERR(bind)) {
			ret = PTR_ERR(bind);
			goto out_peer;
		}
		ovpn_peer_set_bind(peer, bind);
	}

	if (tb[OVPN_A_PEER_TX_ID])
		WRITE_ONCE(peer->tx_id, nla_get_u32(tb[OVPN_A_PEER_TX_ID]));

	if (tb[OVPN_A_PEER_KEEPALIVE_INTERVAL]) {
		ka[0] = nla_get_u32(tb[OVPN_A_PEER_KEEPALIVE_INTERVAL]);
		ka[1] = nla_get_u32(tb[OVPN_A_PEER_KEEPALIVE_TIMEOUT]);
		ovpn_peer_set_keepalive(peer, &ka[0], &ka[1]);
	}

out_peer:
	ovpn_peer_put(peer);
out_dev:
	ovpn_nlo_dev_put(ovpn);
	return ret;
}
