// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - a peer's cached route
 *
 * A peer sends to one remote, so one cached route serves every CPU: a
 * struct ovpn_dst holds a reference on the route and the source address
 * that goes with it, and is replaced as a whole (RCU) when the route
 * changes or the peer floats. Readers take their own reference on the
 * route, as with the kernel's dst_cache; the memory is one small object a
 * peer, allocated on the first packet sent, not one slot per possible CPU.
 */

#include <linux/slab.h>
#include <net/dst.h>
#include <net/ip6_fib.h>
#include <net/route.h>

#include "dst.h"

/**
 * struct ovpn_dst - a cached route
 * @dst: the route, referenced
 * @cookie: what dst_check() needs for an IPv6 route; 0 for IPv4
 * @saddr: the source address chosen with the route
 * @saddr.ip4: IPv4
 * @saddr.ip6: IPv6
 * @rcu: freeing, once no reader can see it
 */
struct ovpn_dst {
	struct dst_entry *dst;
	u32 cookie;
	union {
		__be32 ip4;
		struct in6_addr ip6;
	} saddr;
	struct rcu_head rcu;
};

static void ovpn_dst_free_rcu(struct rcu_head *head)
{
	struct ovpn_dst *d = container_of(head, struct ovpn_dst, rcu);

	dst_release(d->dst);
	kfree(d);
}

/* publish @d (may be NULL) in place of the current route */
static void ovpn_dst_replace(struct ovpn_dst_cache *cache, struct ovpn_dst *d)
{
	struct ovpn_dst *old;

	old = unrcu_pointer(xchg(&cache->cur, RCU_INITIALIZER(d)));
	if (old)
		call_rcu(&old->rcu, ovpn_dst_free_rcu);
}

/*
 * The cached route, referenced, if it is still valid; under RCU. A route
 * that went stale is dropped from the cache.
 */
static struct ovpn_dst *ovpn_dst_get(struct ovpn_dst_cache *cache)
{
	struct ovpn_dst *d = rcu_dereference(cache->cur);

	if (!d)
		return NULL;

	if (unlikely(!dst_check(d->dst, d->cookie))) {
		/* only one of the CPUs that see it stale frees it */
		if (cmpxchg(&cache->cur, RCU_INITIALIZER(d), NULL) ==
		    RCU_INITIALIZER(d))
			call_rcu(&d->rcu, ovpn_dst_free_rcu);
		return NULL;
	}

	/* @d holds a reference until a grace period after it is replaced */
	dst_hold(d->dst);
	return d;
}

/* cache @dst (a reference of its own) with @cookie; the source is the caller's */
static struct ovpn_dst *ovpn_dst_new(struct dst_entry *dst, u32 cookie)
{
	struct ovpn_dst *d = kmalloc(sizeof(*d), GFP_ATOMIC);

	if (unlikely(!d))
		return NULL;	/* not cached: the next packet looks it up */

	dst_hold(dst);
	d->dst = dst;
	d->cookie = cookie;
	return d;
}

/**
 * ovpn_dst_get_ip4 - the cached IPv4 route to the peer
 * @cache: the peer's cache
 * @saddr: out: the source address that goes with the route
 *
 * Context: any.
 * Return: the route with a reference, or NULL if none is cached or it
 * went stale.
 */
struct rtable *ovpn_dst_get_ip4(struct ovpn_dst_cache *cache, __be32 *saddr)
{
	struct rtable *rt = NULL;
	struct ovpn_dst *d;

	rcu_read_lock();
	d = ovpn_dst_get(cache);
	if (d) {
		*saddr = d->saddr.ip4;
		rt = container_of(d->dst, struct rtable, dst);
	}
	rcu_read_unlock();

	return rt;
}

/**
 * ovpn_dst_set_ip4 - cache the IPv4 route to the peer
 * @cache: the peer's cache
 * @dst: the route; the cache takes a reference of its own
 * @saddr: the source address that goes with it
 *
 * Context: any (allocates with GFP_ATOMIC; on failure nothing is cached).
 */
void ovpn_dst_set_ip4(struct ovpn_dst_cache *cache, struct dst_entry *dst,
		      __be32 saddr)
{
	struct ovpn_dst *d = ovpn_dst_new(dst, 0);

	if (d) {
		d->saddr.ip4 = saddr;
		ovpn_dst_replace(cache, d);
	}
}

#if IS_ENABLED(CONFIG_IPV6)
/**
 * ovpn_dst_get_ip6 - the cached IPv6 route to the peer
 * @cache: the peer's cache
 * @saddr: out: the source address that goes with the route
 *
 * Context: any.
 * Return: the route with a reference, or NULL if none is cached or it
 * went stale.
 */
struct dst_entry *ovpn_dst_get_ip6(struct ovpn_dst_cache *cache,
				   struct in6_addr *saddr)
{
	struct dst_entry *dst = NULL;
	struct ovpn_dst *d;

	rcu_read_lock();
	d = ovpn_dst_get(cache);
	if (d) {
		*saddr = d->saddr.ip6;
		dst = d->dst;
	}
	rcu_read_unlock();

	return dst;
}

/**
 * ovpn_dst_set_ip6 - cache the IPv6 route to the peer
 * @cache: the peer's cache
 * @dst: the route; the cache takes a reference of its own
 * @saddr: the source address that goes with it
 *
 * Context: any (allocates with GFP_ATOMIC; on failure nothing is cached).
 */
void ovpn_dst_set_ip6(struct ovpn_dst_cache *cache, struct dst_entry *dst,
		      const struct in6_addr *saddr)
{
	struct ovpn_dst *d;

	d = ovpn_dst_new(dst, rt6_get_cookie(container_of(dst, struct rt6_info,
							  dst)));
	if (d) {
		d->saddr.ip6 = *saddr;
		ovpn_dst_replace(cache, d);
	}
}
#endif

/**
 * ovpn_dst_reset - forget the cached route (the peer's remote changed)
 * @cache: the peer's cache
 *
 * Context: any.
 */
void ovpn_dst_reset(struct ovpn_dst_cache *cache)
{
	ovpn_dst_replace(cache, NULL);
}

/**
 * ovpn_dst_destroy - free the cache of a peer being freed
 * @cache: the cache, which no reader can reach any more
 *
 * Context: any, a grace period after the peer's last use (its RCU
 * callback).
 */
void ovpn_dst_destroy(struct ovpn_dst_cache *cache)
{
	struct ovpn_dst *d = rcu_dereference_protected(cache->cur, true);

	RCU_INIT_POINTER(cache->cur, NULL);
	if (d) {
		dst_release(d->dst);
		kfree(d);
	}
}
