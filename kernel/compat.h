/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - kernel API compatibility
 *
 * Every difference between the kernels ovpn-dco builds against lives here,
 * and no other file tests LINUX_VERSION_CODE. Test for a feature (a macro
 * that came with the new API) where one exists: distribution kernels
 * backport APIs without changing their version (Debian's 6.1 already has
 * the core-managed per-CPU statistics of 6.7, for instance).
 *
 * Built against Debian 12's 6.1 only so far. The branches for newer kernels
 * follow their changelogs and have not been compiled yet.
 *
 * Known work for newer kernels:
 * - 6.16+: <linux/if_link.h> defines IFLA_OVPN_UNSPEC, IFLA_OVPN_MODE,
 *   IFLA_OVPN_MAX and enum ovpn_mode (for the in-tree "ovpn" driver) with
 *   the names and values of our uapi headers, so including both fails.
 *   They are enumerators, not macros: detect the kernel here and have the
 *   uapi headers skip their own copies behind a guard macro.
 */

#ifndef _NET_OVPN_DCO_COMPAT_H_
#define _NET_OVPN_DCO_COMPAT_H_

#include <linux/netdevice.h>
#include <linux/version.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>

#include "main.h"

/*
 * Lockless TX: a feature bit until 6.12, a net_device field since then.
 */
static inline void ovpn_compat_set_lltx(struct net_device *dev)
{
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

/*
 * Per-CPU device statistics (struct pcpu_sw_netstats), read through
 * dev_get_tstats64(). The driver allocates them itself: that works on every
 * kernel, including those where the core could do it (pcpu_stat_type,
 * 6.7+ and backports), since NETDEV_PCPU_STAT_NONE stays the default.
 */
static inline int ovpn_compat_tstats_alloc(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static inline void ovpn_compat_tstats_free(struct net_device *dev)
{
	free_percpu(dev->tstats);
	dev->tstats = NULL;
}

/*
 * rtnl_link_ops.newlink: 6.15 replaced (src_net, dev, tb, data, extack) by
 * (dev, params, extack). ovpn_compat_newlink() has the running kernel's
 * signature and calls ovpn_dev_newlink() (main.c).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
static inline int ovpn_compat_newlink(struct net_device *dev,
				      struct rtnl_newlink_params *params,
				      struct netlink_ext_ack *extack)
{
	return ovpn_dev_newlink(dev, params->data, extack);
}
#else
static inline int ovpn_compat_newlink(struct net *src_net,
				      struct net_device *dev,
				      struct nlattr *tb[],
				      struct nlattr *data[],
				      struct netlink_ext_ack *extack)
{
	return ovpn_dev_newlink(dev, data, extack);
}
#endif

/*
 * The attributes of a dump request, parsed by the genetlink core: 6.6 moved
 * them into a struct genl_info inside struct genl_dumpit_info.
 */
static inline struct nlattr **
ovpn_compat_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * Multicast groups that only CAP_NET_ADMIN may join (6.7, backported to
 * the stable kernels): peer notifications are for the daemon only.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define OVPN_COMPAT_MCGRP(grp_name)					\
	{ .name = grp_name, .flags = GENL_MCAST_CAP_NET_ADMIN }
#else
#define OVPN_COMPAT_MCGRP(grp_name)	{ .name = grp_name }
#endif

#endif /* _NET_OVPN_DCO_COMPAT_H_ */
