/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - a peer's cached route
 */

#ifndef _NET_OVPN_DCO_DST_H_
#define _NET_OVPN_DCO_DST_H_

#include <linux/in6.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

struct dst_entry;
struct ovpn_dst;
struct rtable;

/**
 * struct ovpn_dst_cache - the route to a peer's remote, with its source
 * @cur: the cached route (RCU), or NULL
 *
 * One slot per peer, whatever the number of CPUs (the kernel's dst_cache
 * is per CPU: 40 bytes a peer for every possible CPU). Zeroed: empty.
 */
struct ovpn_dst_cache {
	struct ovpn_dst __rcu *cur;
};

struct rtable *ovpn_dst_get_ip4(struct ovpn_dst_cache *cache, __be32 *saddr);
void ovpn_dst_set_ip4(struct ovpn_dst_cache *cache, struct dst_entry *dst,
		      __be32 saddr);
struct dst_entry *ovpn_dst_get_ip6(struct ovpn_dst_cache *cache,
				   struct in6_addr *saddr);
void ovpn_dst_set_ip6(struct ovpn_dst_cache *cache, struct dst_entry *dst,
		      const struct in6_addr *saddr);
void ovpn_dst_reset(struct ovpn_dst_cache *cache);
void ovpn_dst_destroy(struct ovpn_dst_cache *cache);

#endif /* _NET_OVPN_DCO_DST_H_ */
