// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - reverse path check
 *
 * MP mode: the system routing table decides which peer a packet goes to
 * (ovpn_peer_get_tx(), peer_lookup.c); a decrypted packet is delivered
 * only if that same table leads its inner source back to the peer it came
 * from (ovpn_peer_check_by_src()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <net/ip6_fib.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <uapi/linux/ovpn_dco.h>

#include "compat.h"
#include "ovpnstruct.h"
#include "peer.h"

/*
 * MP: the peer that the route to @addr through the device leads to (its
 * gateway, else @addr itself), under RCU; NULL if @addr is not routed
 * through the device.
 */
static struct ovpn_peer *ovpn_peer_route4(struct ovpn_struct *ovpn,
					  __be32 addr)
{
	struct flowi4 fl = {
		.daddr = addr,
		.flowi4_oif = ovpn->dev->ifindex,
	};
	struct ovpn_peer *peer = NULL;
	struct rtable *rt;

	rt = ip_route_output_key(dev_net(ovpn->dev), &fl);
	if (IS_ERR(rt))
		return NULL;

	if (rt->dst.dev == ovpn->dev) {
		if (rt->rt_gw_family == AF_INET)
			peer = ovpn_peer_lookup_vpn4(ovpn, rt->rt_gw4);
		else if (rt->rt_gw_family == AF_INET6)
			peer = ovpn_peer_lookup_vpn6(ovpn, &rt->rt_gw6);
		else
			peer = ovpn_peer_lookup_vpn4(ovpn, addr);
	}

	ip_rt_put(rt);
	return peer;
}

#if IS_ENABLED(CONFIG_IPV6)
/* MP: the same for IPv6 */
static struct ovpn_peer *ovpn_peer_route6(struct ovpn_struct *ovpn,
					  const struct in6_addr *addr)
{
	struct flowi6 fl = {
		.daddr = *addr,
		.flowi6_oif = ovpn->dev->ifindex,
	};
	struct ovpn_peer *peer = NULL;
	const struct rt6_info *rt;
	struct dst_entry *dst;

	dst = ovpn_compat_ip6_dst_lookup_flow(dev_net(ovpn->dev), NULL, &fl);
	if (IS_ERR(dst))
		return NULL;

	if (dst->dev == ovpn->dev) {
		rt = container_of(dst, struct rt6_info, dst);
		peer = ovpn_peer_lookup_vpn6(ovpn, rt->rt6i_flags & RTF_GATEWAY ?
						   &rt->rt6i_gateway : addr);
	}

	dst_release(dst);
	return peer;
}
#endif

/**
 * ovpn_peer_check_by_src - the reverse path check of a decrypted packet
 * @ovpn: the device
 * @skb: the plaintext, its IP header at skb->data in the linear part
 * @proto: its protocol, ETH_P_IP or ETH_P_IPV6
 * @peer: the peer it came from
 *
 * MP mode: the inner source must be @peer's VPN address, or an address
 * routed through the device via @peer (a route whose gateway is @peer's
 * VPN address), or an IPv6 link-local address (the stack never forwards
 * those). P2P mode: anything goes.
 *
 * Context: softirq.
 * Return: true if the packet may be delivered.
 */
bool ovpn_peer_check_by_src(struct ovpn_struct *ovpn, struct sk_buff *skb,
			    __be16 proto, struct ovpn_peer *peer)
{
	const struct in6_addr *saddr6;
	bool match = false;
	__be32 saddr4;

	if (ovpn->mode != OVPN_MODE_MP)
		return true;

	switch (proto) {
	case htons(ETH_P_IP):
		saddr4 = ((const struct iphdr *)skb->data)->saddr;
		if (peer->has_ipv4 && peer->vpn_ipv4 == saddr4)
			return true;

		rcu_read_lock();
		match = ovpn_peer_route4(ovpn, saddr4) == peer;
		rcu_read_unlock();
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case htons(ETH_P_IPV6):
		saddr6 = &((const struct ipv6hdr *)skb->data)->saddr;
		if (peer->has_ipv6 && ipv6_addr_equal(&peer->vpn_ipv6, saddr6))
			return true;
		/*
		 * Link-local: router solicitations and the like of the
		 * peer's own device. Never forwarded; no peer owns one.
		 */
		if (ipv6_addr_type(saddr6) & IPV6_ADDR_LINKLOCAL)
			return true;

		rcu_read_lock();
		match = ovpn_peer_route6(ovpn, saddr6) == peer;
		rcu_read_unlock();
		break;
#endif
	}

	return match;
}
