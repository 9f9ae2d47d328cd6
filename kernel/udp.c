// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - UDP transport
 *
 * RX: the UDP stack hands every datagram of an attached socket to
 * ovpn_udp_encap_recv() (softirq, RCU). DATA_V2 packets are decrypted and
 * consumed; anything else is a control packet for userspace: unicast over
 * netlink to a REGISTER_PACKET listener ("ovpn-dco" family), or left to
 * the UDP stack, untouched, to be queued on the socket.
 *
 * TX: ovpn_udp_send_skb() routes a ready DATA_V2 (or control) packet to
 * the peer, through the peer's dst_cache, with the socket's port as source
 * port. An IPv4 peer on an AF_INET6 dual-stack socket goes the IPv4 way.
 * The encrypted segments of a GSO send go as one train (train.c).
 * Outer IPv4 has DF clear and outer IPv6 may be fragmented locally, so
 * inner packets up to the device MTU always get through.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "io.h"
#include "notify.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "proto.h"
#include "socket.h"
#include "stats.h"
#include "udp.h"

/*
 * A non-DATA_V2 packet: count it, then hand it to the netlink listener if
 * there is one. Return: 0 if consumed, 1 to let the UDP stack queue it to
 * the socket (skb->data still at the UDP header, as the stack expects).
 */
static int ovpn_udp_control(struct ovpn_struct *ovpn, struct sk_buff *skb)
{
	ovpn_stats_inc(ovpn, OVPN_STAT_RX_CONTROL);

	if (ovpn_notify_ctrl_packet(ovpn, skb, sizeof(struct udphdr))) {
		consume_skb(skb);
		return 0;
	}

	return 1;
}

/*
 * udp_sock.encap_rcv: every datagram of an attached socket, with
 * skb->data at the UDP header and the UDP checksum already verified.
 *
 * Context: softirq, under rcu_read_lock().
 * Return: 0 if the packet was consumed (delivered or dropped), 1 to let
 * the UDP stack queue it to the socket.
 */
static int ovpn_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	struct ovpn_socket *osock;
	struct ovpn_struct *ovpn;
	struct ovpn_peer *peer;
	u8 opcode;

	osock = rcu_dereference_sk_user_data(sk);
	if (unlikely(!osock))
		return 1;	/* being detached: a plain UDP socket again */
	ovpn = osock->ovpn;

	/* an empty datagram has no opcode: not OpenVPN */
	if (unlikely(skb->len <= sizeof(struct udphdr))) {
		ovpn_rx_drop(ovpn, OVPN_STAT_RX_MALFORMED);
		goto drop;
	}

	if (unlikely(!pskb_may_pull(skb, sizeof(struct udphdr) + 1))) {
		ovpn_rx_drop(ovpn, OVPN_STAT_RX_ERRORS);
		goto drop;
	}

	opcode = skb->data[sizeof(struct udphdr)] >> OVPN_OPCODE_SHIFT;
	if (opcode != OVPN_OP_DATA_V2)
		return ovpn_udp_control(ovpn, skb);

	if (unlikely(skb->len < sizeof(struct udphdr) + OVPN_DATA_V2_OVERHEAD)) {
		ovpn_rx_drop(ovpn, OVPN_STAT_RX_MALFORMED);
		goto drop;
	}

	if (unlikely(!pskb_may_pull(skb, sizeof(struct udphdr) +
					 OVPN_OPCODE_SIZE))) {
		ovpn_rx_drop(ovpn, OVPN_STAT_RX_ERRORS);
		goto drop;
	}

	__skb_pull(skb, sizeof(struct udphdr));
	peer = ovpn_peer_get_rx(ovpn, osock, skb);
	if (unlikely(!peer))
		goto drop;

	/* consumes the packet and the peer reference */
	ovpn_recv(peer, skb);
	return 0;

drop:
	kfree_skb(skb);
	return 0;
}

/*
 * udp_sock.encap_destroy: userspace closed the socket. Its peers go, with
 * reason TRANSPORT_DISCONNECT, and the last one detaches the socket.
 *
 * Context: process context (the socket's release), socket not locked.
 */
static void ovpn_udp_encap_destroy(struct sock *sk)
{
	struct ovpn_socket *osock;

	rcu_read_lock();
	osock = rcu_dereference_sk_user_data(sk);
	if (osock && !ovpn_socket_hold(osock))
		osock = NULL;
	rcu_read_unlock();

	if (!osock)
		return;

	/* against the direction: the socket closed, its peers go (peer.c) */
	ovpn_peers_del_by_sock(osock->ovpn, osock,
			       OVPN_NL_REASON_TRANSPORT_DISCONNECT);
	ovpn_socket_put(osock);
}

/**
 * ovpn_udp_socket_lookup - the struct ovpn_socket of an attached socket
 * @sk: a UDP socket
 *
 * Context: the caller holds the socket mutex of socket.c, so the result
 * cannot be detached meanwhile.
 * Return: the struct ovpn_socket, or NULL if @sk is not attached by us.
 */
struct ovpn_socket *ovpn_udp_socket_lookup(struct sock *sk)
{
	struct ovpn_socket *osock = NULL;

	rcu_read_lock();
	if (READ_ONCE(udp_sk(sk)->encap_rcv) == ovpn_udp_encap_recv)
		osock = rcu_dereference_sk_user_data(sk);
	rcu_read_unlock();

	return osock;
}

/**
 * ovpn_udp_socket_attach - install our encapsulation on a UDP socket
 * @sock: the socket
 * @osock: what sk_user_data will point to
 * @extack: where to report errors
 *
 * Context: process context, the socket mutex of socket.c held.
 * Return: 0, -EBUSY if another encapsulation uses the socket, -EINVAL if
 * it is not bound to a port.
 */
int ovpn_udp_socket_attach(struct socket *sock, struct ovpn_socket *osock,
			   struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = osock,
		.encap_type = OVPN_UDP_ENCAP,
		.encap_rcv = ovpn_udp_encap_recv,
		.encap_destroy = ovpn_udp_encap_destroy,
	};
	struct sock *sk = sock->sk;
	int ret = 0;

	lock_sock(sk);

	if (READ_ONCE(udp_sk(sk)->encap_type) || READ_ONCE(sk->sk_user_data)) {
		NL_SET_ERR_MSG(extack,
			       "socket already used by another encapsulation");
		ret = -EBUSY;
	} else if (!inet_sk(sk)->inet_sport) {
		NL_SET_ERR_MSG(extack, "socket is not bound to a port");
		ret = -EINVAL;
	} else {
		/* setup_udp_tunnel_sock() turns multicast loopback off */
		osock->mc_loop = ovpn_compat_get_mc_loop(sk);
		ovpn_compat_setup_udp_tunnel_sock(sock, &cfg);
	}

	release_sock(sk);
	return ret;
}

/**
 * ovpn_udp_socket_detach - give a socket its plain UDP behaviour back
 * @osock: the socket, with no reference left
 *
 * Undoes what ovpn_udp_socket_attach() and setup_udp_tunnel_sock() did.
 * Packets already in the encapsulation path see sk_user_data NULL and are
 * queued to the socket.
 *
 * Context: process context; may sleep.
 */
void ovpn_udp_socket_detach(struct ovpn_socket *osock)
{
	struct sock *sk = osock->sk;

	lock_sock(sk);
	WRITE_ONCE(udp_sk(sk)->encap_type, 0);
	WRITE_ONCE(udp_sk(sk)->encap_rcv, NULL);
	WRITE_ONCE(udp_sk(sk)->encap_destroy, NULL);
	rcu_assign_sk_user_data(sk, NULL);
	inet_dec_convert_csum(sk);
	ovpn_compat_set_mc_loop(sk, osock->mc_loop);
	release_sock(sk);
}

/*
 * A train (train.c) leaves as UDP GSO: the stack, or the device, computes
 * each datagram's checksum from the pseudo-header sum udp_set_csum() puts
 * in the UDP header it is about to push. Return: whether the datagrams go
 * without a checksum (the socket's SO_NO_CHECK, never for a train).
 */
static bool ovpn_udp_prepare_csum(struct sk_buff *skb, bool nocheck)
{
	if (!skb_is_gso(skb))
		return nocheck;

	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_headroom(skb) - sizeof(struct udphdr);
	skb->csum_offset = offsetof(struct udphdr, check);
	return false;
}

/* the source address when the peer has no LOCAL_IP: the bound one, if any */
static __be32 ovpn_udp4_sock_saddr(const struct sock *sk)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		if (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))
			return sk->sk_v6_rcv_saddr.s6_addr32[3];
		return 0;
	}
#endif
	return sk->sk_rcv_saddr;
}

static int ovpn_udp4_output(struct ovpn_peer *peer,
			    const struct ovpn_bind *bind, struct sock *sk,
			    struct sk_buff *skb, bool xnet)
{
	struct flowi4 fl = {
		.saddr = bind->has_local ? bind->local.ipv4.s_addr :
					   ovpn_udp4_sock_saddr(sk),
		.daddr = bind->remote.in4.sin_addr.s_addr,
		.fl4_sport = inet_sk(sk)->inet_sport,
		.fl4_dport = bind->remote.in4.sin_port,
		.flowi4_proto = IPPROTO_UDP,
		.flowi4_mark = sk->sk_mark,
		.flowi4_oif = sk->sk_bound_dev_if,
	};
	struct rtable *rt;
	bool nocheck;
	int ret;

	rt = ovpn_dst_get_ip4(&peer->dst_cache, &fl.saddr);
	if (rt)
		goto transmit;

	rt = ip_route_output_flow(sock_net(sk), &fl, sk);
	if (IS_ERR(rt) && PTR_ERR(rt) == -EINVAL && fl.saddr) {
		/* the source address is not ours (any more): route's choice */
		net_dbg_ratelimited("%s: peer %u: source %pI4 unusable\n",
				    netdev_name(peer->ovpn->dev), peer->id,
				    &fl.saddr);
		fl.saddr = 0;
		rt = ip_route_output_flow(sock_net(sk), &fl, sk);
	}
	if (IS_ERR(rt))
		return PTR_ERR(rt);

	ovpn_dst_set_ip4(&peer->dst_cache, &rt->dst, fl.saddr);

transmit:
	if (unlikely(rt->dst.dev == peer->ovpn->dev)) {
		/* the peer is routed through the tunnel itself */
		ip_rt_put(rt);
		return -ELOOP;
	}

	ret = skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
				rt->dst.header_len + sizeof(struct iphdr) +
				sizeof(struct udphdr));
	if (unlikely(ret)) {
		ip_rt_put(rt);
		return ret;
	}

	nocheck = ovpn_udp_prepare_csum(skb, sk->sk_no_check_tx);
	/* DF clear: a large packet is fragmented rather than dropped */
	ovpn_compat_udp_tunnel_xmit_skb(rt, sk, skb, fl.saddr, fl.daddr, 0,
					ip4_dst_hoplimit(&rt->dst), 0,
					fl.fl4_sport, fl.fl4_dport, xnet,
					nocheck);
	return 0;
}

#if IS_ENABLED(CONFIG_IPV6)
static int ovpn_udp6_output(struct ovpn_peer *peer,
			    const struct ovpn_bind *bind, struct sock *sk,
			    struct sk_buff *skb)
{
	struct flowi6 fl = {
		.saddr = bind->has_local ? bind->local.ipv6 :
					   sk->sk_v6_rcv_saddr,
		.daddr = bind->remote.in6.sin6_addr,
		.fl6_sport = inet_sk(sk)->inet_sport,
		.fl6_dport = bind->remote.in6.sin6_port,
		.flowi6_proto = IPPROTO_UDP,
		.flowi6_mark = sk->sk_mark,
		.flowi6_oif = sk->sk_bound_dev_if,
	};
	struct dst_entry *dst;
	bool nocheck;
	int ret;

	if (__ipv6_addr_needs_scope_id(ipv6_addr_type(&fl.daddr)) &&
	    bind->remote.in6.sin6_scope_id)
		fl.flowi6_oif = bind->remote.in6.sin6_scope_id;

	dst = ovpn_dst_get_ip6(&peer->dst_cache, &fl.saddr);
	if (dst)
		goto transmit;

	dst = ovpn_compat_ip6_dst_lookup_flow(sock_net(sk), sk, &fl);
	if (IS_ERR(dst))
		return PTR_ERR(dst);

	ovpn_dst_set_ip6(&peer->dst_cache, dst, &fl.saddr);

transmit:
	if (unlikely(dst->dev == peer->ovpn->dev)) {
		dst_release(dst);
		return -ELOOP;
	}

	ret = skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + dst->header_len +
				sizeof(struct ipv6hdr) +
				sizeof(struct udphdr));
	if (unlikely(ret)) {
		dst_release(dst);
		return ret;
	}

	/* let the stack fragment a packet larger than the path MTU */
	skb->ignore_df = 1;
	nocheck = ovpn_udp_prepare_csum(skb, udp_get_no_check6_tx(sk));
	ovpn_compat_udp_tunnel6_xmit_skb(dst, sk, skb, &fl.saddr, &fl.daddr,
					 0, ip6_dst_hoplimit(dst), 0,
					 fl.fl6_sport, fl.fl6_dport, nocheck);
	return 0;
}
#endif

/* the largest UDP payload a datagram to @family carries: 65535 bytes in all */
static unsigned int ovpn_udp_max_payload(sa_family_t family)
{
	if (family == AF_INET)
		return IP_MAX_MTU - sizeof(struct iphdr) - sizeof(struct udphdr);

	return IPV6_MAXPLEN - sizeof(struct udphdr);
}

/**
 * ovpn_udp_send_skb - send a packet to a peer over its UDP socket
 * @peer: the peer
 * @skb: the UDP payload (a DATA_V2 or control packet), or a train of
 *	DATA_V2 packets (ovpn_train_take(), skb_is_gso()); consumed
 *
 * The packet leaves with the socket's mark, from the socket's port, to
 * the peer's current remote address. A train crosses the outer stack as
 * one UDP GSO packet and is split into its datagrams below it.
 *
 * Context: bottom halves disabled.
 * Return: 0 if the packet was handed to the IP layer, else a negative
 * errno (the packet is freed): -EMSGSIZE if it does not fit in one
 * datagram (a control packet from userspace; data packets always fit).
 */
int ovpn_udp_send_skb(struct ovpn_peer *peer, struct sk_buff *skb)
{
	const struct ovpn_bind *bind;
	struct ovpn_socket *osock;
	struct sock *sk;
	bool xnet;
	int ret;

	rcu_read_lock();

	osock = rcu_dereference(peer->sock);
	bind = rcu_dereference(peer->bind);
	if (unlikely(!osock || !bind)) {
		/* the peer was deleted meanwhile */
		ret = -ENOTCONN;
		goto out;
	}

	/* the IP and UDP length fields would wrap: never send that */
	if (unlikely(skb->len > ovpn_udp_max_payload(bind->remote.sa.sa_family))) {
		ret = -EMSGSIZE;
		goto out;
	}

	sk = osock->sk;
	xnet = !net_eq(sock_net(sk), dev_net(peer->ovpn->dev));

	/* a new packet for the outer stack: no state of the inner one */
	skb_scrub_packet(skb, xnet);
	skb->mark = sk->sk_mark;
	/*
	 * iptunnel_xmit() would count the outer packet in the device's
	 * tstats, which hold inner packets only (io.c counts them)
	 */
	skb->dev = NULL;

	switch (bind->remote.sa.sa_family) {
	case AF_INET:
		ret = ovpn_udp4_output(peer, bind, sk, skb, xnet);
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		ret = ovpn_udp6_output(peer, bind, sk, skb);
		break;
#endif
	default:
		ret = -EAFNOSUPPORT;
		break;
	}

out:
	rcu_read_unlock();
	if (unlikely(ret))
		kfree_skb(skb);
	return ret;
}
