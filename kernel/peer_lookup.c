// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - peer lookups and float
 *
 * P2P mode: the one peer in ovpn->peer; MP mode: the tables of
 * peer_table.c. Here: the lookups of both modes that return the peer with
 * a reference (ovpn_peer_get_*()), the dump's cursor and the float of a
 * peer to a new remote address (ovpn_peer_float()); the reverse path
 * check of MP mode is in peer_route.c. Adding and deleting peers is
 * peer.c's; peer.c calls ovpn_peer_hash() and ovpn_peer_unhash()
 * (peer_table.c) to publish and unpublish a peer, and this file calls back
 * into peer.c only for ovpn_peer_put().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/ip6_fib.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/route.h>
#include <uapi/linux/ovpn_dco.h>

#include "compat.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "proto.h"
#include "stats.h"

/* P2P: the one peer, with a reference */
static struct ovpn_peer *ovpn_peer_get_p2p(struct ovpn_struct *ovpn)
{
	struct ovpn_peer *peer;

	rcu_read_lock();
	peer = rcu_dereference(ovpn->peer);
	if (peer && !ovpn_peer_hold(peer))
		peer = NULL;
	rcu_read_unlock();

	return peer;
}

/* a peer found under RCU, with a reference, or NULL */
static struct ovpn_peer *ovpn_peer_hold_rcu(struct ovpn_peer *peer)
{
	return peer && ovpn_peer_hold(peer) ? peer : NULL;
}

/**
 * ovpn_peer_get_by_id - find a peer by id
 * @ovpn: the device
 * @peer_id: the peer id
 *
 * Context: any.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_by_id(struct ovpn_struct *ovpn, u32 peer_id)
{
	struct ovpn_peer *peer;

	if (ovpn->mode != OVPN_MODE_MP) {
		peer = ovpn_peer_get_p2p(ovpn);
		if (peer && peer->id != peer_id) {
			ovpn_peer_put(peer);
			peer = NULL;
		}
		return peer;
	}

	rcu_read_lock();
	peer = ovpn_peer_hold_rcu(ovpn_peer_lookup_id(ovpn, peer_id));
	rcu_read_unlock();

	return peer;
}

/**
 * ovpn_peer_get_rx - the peer a received DATA_V2 packet belongs to
 * @ovpn: the device
 * @osock: the transport socket the packet arrived on
 * @skb: the packet, skb->data at the DATA_V2 header (at least 4 bytes linear)
 *
 * The peer is found by the id in the header and must use @osock. Otherwise
 * the drop is counted (rx_unknown_peer) and the caller frees the packet.
 *
 * Context: softirq or process context.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_rx(struct ovpn_struct *ovpn,
				   struct ovpn_socket *osock,
				   struct sk_buff *skb)
{
	u32 peer_id = get_unaligned_be32(skb->data) & OVPN_PEER_ID_MAX;
	struct ovpn_peer *peer = ovpn_peer_get_by_id(ovpn, peer_id);

	if (likely(peer && rcu_access_pointer(peer->sock) == osock))
		return peer;

	if (peer)
		ovpn_peer_put(peer);
	net_dbg_ratelimited("%s: DATA_V2 for unknown peer %u\n",
			    netdev_name(ovpn->dev), peer_id);
	ovpn_rx_drop(ovpn, OVPN_STAT_RX_UNKNOWN_PEER);
	return NULL;
}

/*
 * MP: the peer an IPv4 packet to send goes to, under RCU: the one whose
 * VPN address is the gateway of the packet's route, or else its
 * destination. The IPv4 header is in the linear part.
 */
static struct ovpn_peer *ovpn_peer_tx4(struct ovpn_struct *ovpn,
				       struct sk_buff *skb)
{
	__be32 nexthop = ((const struct iphdr *)skb->data)->daddr;
	const struct dst_entry *dst = skb_dst(skb);
	const struct rtable *rt;

	/* the route the stack chose for this device (netif_keep_dst()) */
	if (dst && dst->dev == ovpn->dev && dst->ops->family == AF_INET) {
		rt = container_of(dst, struct rtable, dst);
		if (rt->rt_gw_family == AF_INET)
			nexthop = rt->rt_gw4;
		else if (rt->rt_gw_family == AF_INET6)
			return ovpn_peer_lookup_vpn6(ovpn, &rt->rt_gw6);
	}

	return ovpn_peer_lookup_vpn4(ovpn, nexthop);
}

/* MP: the same for an IPv6 packet */
static struct ovpn_peer *ovpn_peer_tx6(struct ovpn_struct *ovpn,
				       struct sk_buff *skb)
{
	const struct in6_addr *nexthop =
		&((const struct ipv6hdr *)skb->data)->daddr;
	const struct dst_entry *dst = skb_dst(skb);
	const struct rt6_info *rt;

	if (dst && dst->dev == ovpn->dev && dst->ops->family == AF_INET6) {
		rt = container_of(dst, struct rt6_info, dst);
		if (rt->rt6i_flags & RTF_GATEWAY)
			nexthop = &rt->rt6i_gateway;
	}

	return ovpn_peer_lookup_vpn6(ovpn, nexthop);
}

/**
 * ovpn_peer_get_tx - the peer a packet to send goes to
 * @ovpn: the device
 * @skb: the packet, its IP header in the linear part, skb->protocol set
 *
 * P2P mode: the one peer, whatever the destination. MP mode: the routing
 * table decides: if the packet's route has a gateway, the peer whose VPN
 * address is that gateway, else the peer whose VPN address is the
 * destination.
 *
 * Context: any.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_tx(struct ovpn_struct *ovpn,
				   struct sk_buff *skb)
{
	struct ovpn_peer *peer;

	if (ovpn->mode != OVPN_MODE_MP)
		return ovpn_peer_get_p2p(ovpn);

	rcu_read_lock();
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		peer = ovpn_peer_tx4(ovpn, skb);
		break;
	case htons(ETH_P_IPV6):
		peer = ovpn_peer_tx6(ovpn, skb);
		break;
	default:
		peer = NULL;
		break;
	}
	peer = ovpn_peer_hold_rcu(peer);
	rcu_read_unlock();

	return peer;
}

/* does the outer source of @skb equal the remote of @bind? */
static bool ovpn_bind_matches(const struct ovpn_bind *bind,
			      struct sk_buff *skb)
{
	__be16 port = udp_hdr(skb)->source;

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return bind->remote.sa.sa_family == AF_INET &&
		       bind->remote.in4.sin_port == port &&
		       bind->remote.in4.sin_addr.s_addr == ip_hdr(skb)->saddr;
#if IS_ENABLED(CONFIG_IPV6)
	case htons(ETH_P_IPV6):
		return bind->remote.sa.sa_family == AF_INET6 &&
		       bind->remote.in6.sin6_port == port &&
		       ipv6_addr_equal(&bind->remote.in6.sin6_addr,
				       &ipv6_hdr(skb)->saddr);
#endif
	}

	/* not a transport we know: do not move */
	return true;
}

/**
 * ovpn_peer_get_by_transp_addr - the peer a received packet comes from
 * @ovpn: the device
 * @skb: the UDP packet, as received on the transport (IP and UDP headers)
 *
 * P2P mode: the one peer, whatever the source: the socket serves no other.
 * MP mode: the peer whose remote address and port are the packet's
 * source.
 *
 * Context: any.
 * Return: the peer with a reference, or NULL.
 */
struct ovpn_peer *ovpn_peer_get_by_transp_addr(struct ovpn_struct *ovpn,
					       struct sk_buff *skb)
{
	struct ovpn_peer *peer;

	if (ovpn->mode != OVPN_MODE_MP)
		return ovpn_peer_get_p2p(ovpn);

	rcu_read_lock();
	peer = ovpn_peer_hold_rcu(ovpn_peer_lookup_transp(ovpn, skb));
	rcu_read_unlock();

	return peer;
}

/**
 * ovpn_peer_dump_next - the next peer of a dump
 * @ovpn: the device
 * @id: the dump's cursor: in, the lowest peer id to return (0 to start);
 *	out, the id of the peer returned. The caller sets it to that id + 1
 *	once the peer is sent. OVPN_PEER_ID_END: the dump is over.
 *
 * Context: any.
 * Return: the peer with a reference, or NULL past the last one.
 */
struct ovpn_peer *ovpn_peer_dump_next(struct ovpn_struct *ovpn,
				      unsigned long *id)
{
	struct ovpn_peer *peer;

	rcu_read_lock();
	while ((peer = ovpn_peer_next(ovpn, id)) && !ovpn_peer_hold(peer))
		(*id)++;	/* being freed */
	rcu_read_unlock();

	return peer;
}

/* a new bind from @skb: remote its outer source, local its destination */
static void ovpn_bind_set_remote(struct ovpn_bind *bind, struct sk_buff *skb)
{
	__be16 port = udp_hdr(skb)->source;

	/* the address the peer sent to is where our replies come from */
	bind->has_local = true;
	if (skb->protocol == htons(ETH_P_IP)) {
		bind->remote.in4.sin_family = AF_INET;
		bind->remote.in4.sin_port = port;
		bind->remote.in4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		bind->local.ipv4.s_addr = ip_hdr(skb)->daddr;
		return;
	}

#if IS_ENABLED(CONFIG_IPV6)
	bind->remote.in6.sin6_family = AF_INET6;
	bind->remote.in6.sin6_port = port;
	bind->remote.in6.sin6_addr = ipv6_hdr(skb)->saddr;
	bind->remote.in6.sin6_scope_id =
		ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr, skb->skb_iif);
	bind->local.ipv6 = ipv6_hdr(skb)->daddr;
#endif
}

/* publish @bind as @peer's endpoints and rehash it; ovpn->lock held */
static void ovpn_peer_replace_bind(struct ovpn_peer *peer,
				   struct ovpn_bind *bind)
{
	ovpn_peer_rebind(peer, bind);
	ovpn_dst_reset(&peer->dst_cache);
}

/**
 * ovpn_peer_float - follow a peer to the source address of a packet
 * @peer: the peer
 * @skb: a packet from the peer that passed authentication and the replay
 *	check, its outer IP and UDP headers still in place
 *
 * If the packet came from another address or port than the peer's
 * remote, the remote becomes that source and the source address we use
 * the packet's destination (as the in-tree driver does: a multi-homed
 * host answers from the address the peer reached). MP mode: the peer is
 * rehashed under its new address in the by_transp table; the
 * "ovpn" family notifies the move (PEER_FLOAT_NTF).
 *
 * Context: softirq.
 */
void ovpn_peer_float(struct ovpn_peer *peer, struct sk_buff *skb)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	struct ovpn_bind *bind, *old;
	bool same;

	rcu_read_lock();
	bind = rcu_dereference(peer->bind);
	same = !bind || ovpn_bind_matches(bind, skb);
	rcu_read_unlock();

	if (likely(same))
		return;

	bind = kzalloc(sizeof(*bind), GFP_ATOMIC);
	if (unlikely(!bind))
		return;
	ovpn_bind_set_remote(bind, skb);

	spin_lock_bh(&ovpn->lock);
	old = rcu_dereference_protected(peer->bind,
					lockdep_is_held(&ovpn->lock));
	if (ovpn_bind_matches(old, skb)) {
		/* another CPU was faster */
		spin_unlock_bh(&ovpn->lock);
		kfree(bind);
		return;
	}

	ovpn_peer_replace_bind(peer, bind);
	spin_unlock_bh(&ovpn->lock);

	net_dbg_ratelimited("%s: peer %u floated\n",
			    netdev_name(ovpn->dev), peer->id);
	ovpn_notify_peer_floated(peer);
	kfree_rcu(old, rcu);
}

/**
 * ovpn_peer_set_bind - give a peer new transport endpoints
 * @peer: the peer (UDP), published (deleted meanwhile or not)
 * @bind: its new endpoints, allocated by the caller; the peer owns them now
 *
 * The "ovpn" family's PEER_SET with a remote address: as a float, but
 * chosen by userspace.
 *
 * Context: process context.
 */
void ovpn_peer_set_bind(struct ovpn_peer *peer, struct ovpn_bind *bind)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	struct ovpn_bind *old;

	spin_lock_bh(&ovpn->lock);
	old = rcu_dereference_protected(peer->bind,
					lockdep_is_held(&ovpn->lock));
	ovpn_peer_replace_bind(peer, bind);
	spin_unlock_bh(&ovpn->lock);

	if (old)
		kfree_rcu(old, rcu);
}
