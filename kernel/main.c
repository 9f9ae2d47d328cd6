// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload
 *
 * Module init and exit, the "ovpn-dco" link kind and its network device.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <net/netlink.h>
#include <net/rtnetlink.h>
#include <uapi/linux/ovpn_dco.h>

#include "compat.h"
#include "io.h"
#include "keepalive.h"
#include "main.h"
#include "mss.h"
#include "netlink.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "pipe.h"
#include "stats.h"
#include "selftest/selftest.h"

/* OpenVPN sets the MTU to --tun-mtu, 1500 by default */
static_assert(OVPN_MAX_MTU >= ETH_DATA_LEN);

#define OVPN_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | \
			 NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

static int ovpn_net_init(struct net_device *dev)
{
	struct ovpn_struct *ovpn = netdev_priv(dev);
	int err;

	err = ovpn_compat_tstats_alloc(dev);
	if (err)
		return err;

	err = ovpn_stats_alloc(ovpn);
	if (err)
		goto err_tstats;

	err = ovpn_rx_init(ovpn);
	if (err)
		goto err_stats;

	err = ovpn_tx_init(ovpn);
	if (err)
		goto err_rx;

	/* MP: the peer tables; ovpn_priv_free() frees them */
	err = ovpn_peers_init(ovpn);
	if (err)
		goto err_tx;

	return 0;

err_tx:
	ovpn_pipe_destroy(&ovpn->tx);
err_rx:
	ovpn_pipe_destroy(&ovpn->rx);
err_stats:
	ovpn_stats_free(ovpn);
err_tstats:
	ovpn_compat_tstats_free(dev);
	return err;
}

/*
 * What refers to the device goes before it is unregistered: peers, the
 * keepalive work, the control packet listener. Done in dellink, and again
 * (a no-op then) in ndo_uninit for any other way to unregister.
 */
static void ovpn_struct_teardown(struct ovpn_struct *ovpn)
{
	ovpn_peers_teardown(ovpn);
	ovpn_nl_unregister_listener(ovpn);
}

/* RTNL held; the device is down and dying: no packet enters the pipeline */
static void ovpn_net_uninit(struct net_device *dev)
{
	struct ovpn_struct *ovpn = netdev_priv(dev);

	ovpn_struct_teardown(ovpn);
	ovpn_pipe_destroy(&ovpn->tx);
	ovpn_pipe_destroy(&ovpn->rx);
}

static int ovpn_net_open(struct net_device *dev)
{
	netif_tx_start_all_queues(dev);
	return 0;
}

static int ovpn_net_stop(struct net_device *dev)
{
	netif_tx_stop_all_queues(dev);
	return 0;
}

static const struct net_device_ops ovpn_netdev_ops = {
	.ndo_init		= ovpn_net_init,
	.ndo_uninit		= ovpn_net_uninit,
	.ndo_open		= ovpn_net_open,
	.ndo_stop		= ovpn_net_stop,
	.ndo_start_xmit		= ovpn_net_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

/**
 * ovpn_dev_is_valid - tell whether a device is an ovpn-dco device
 * @dev: any network device
 *
 * Return: true if @dev was created by this module (link kind "ovpn-dco").
 */
bool ovpn_dev_is_valid(const struct net_device *dev)
{
	return dev->netdev_ops == &ovpn_netdev_ops;
}

static void ovpn_get_drvinfo(struct net_device *dev,
			     struct ethtool_drvinfo *info)
{
	strscpy(info->driver, OVPN_DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, "ovpn", sizeof(info->bus_info));
}

static const struct ethtool_ops ovpn_ethtool_ops = {
	.get_drvinfo		= ovpn_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= ovpn_ethtool_get_sset_count,
	.get_strings		= ovpn_ethtool_get_strings,
	.get_ethtool_stats	= ovpn_ethtool_get_stats,
};

static const struct device_type ovpn_type = {
	.name = OVPN_DRV_NAME,
};

/* runs once the last reference on the device is gone, before it is freed */
static void ovpn_priv_free(struct net_device *dev)
{
	ovpn_peers_free(netdev_priv(dev));
	ovpn_stats_free(netdev_priv(dev));
	ovpn_compat_tstats_free(dev);
}

static void ovpn_setup(struct net_device *dev)
{
	struct ovpn_struct *ovpn = netdev_priv(dev);

	ovpn->dev = dev;
	spin_lock_init(&ovpn->lock);
	INIT_DELAYED_WORK(&ovpn->keepalive_work, ovpn_keepalive_work);

	/* layer 3 only, point to point, no link-layer header */
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->hard_header_len = 0;
	dev->addr_len = 0;

	/* no qdisc by default: one TX queue, never stopped while up */
	dev->priv_flags |= IFF_NO_QUEUE;
	ovpn_compat_set_lltx(dev);

	dev->mtu = OVPN_DEFAULT_MTU;
	dev->min_mtu = OVPN_MIN_MTU;
	dev->max_mtu = OVPN_MAX_MTU;
	dev->needed_headroom = OVPN_HEAD_ROOM;

	dev->features |= OVPN_FEATURES;
	dev->hw_features |= OVPN_FEATURES;
	dev->hw_enc_features |= OVPN_FEATURES;

	dev->netdev_ops = &ovpn_netdev_ops;
	dev->ethtool_ops = &ovpn_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = ovpn_priv_free;
	SET_NETDEV_DEVTYPE(dev, &ovpn_type);
}

static const struct nla_policy ovpn_policy[IFLA_OVPN_MAX + 1] = {
	[IFLA_OVPN_UNSPEC] = { .strict_start_type = IFLA_OVPN_MODE },
	[IFLA_OVPN_MODE] = NLA_POLICY_RANGE(NLA_U8, OVPN_MODE_P2P,
					    OVPN_MODE_MP),
};

/**
 * ovpn_dev_newlink - configure and register a new ovpn-dco device
 * @dev: the device, allocated and set up by ovpn_setup()
 * @data: IFLA_INFO_DATA attributes, checked against ovpn_policy; may be NULL
 * @extack: where to report errors
 *
 * Reached through ovpn_newlink(), the rtnl_link_ops.newlink of the
 * running kernel. The mode is P2P unless IFLA_OVPN_MODE says otherwise.
 *
 * Context: RTNL held.
 * Return: 0 or a negative errno.
 */
static int ovpn_dev_newlink(struct net_device *dev, struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	struct ovpn_struct *ovpn = netdev_priv(dev);
	int err;

	ovpn->mode = OVPN_MODE_P2P;
	ovpn->mssfix = READ_ONCE(ovpn_mssfix_default);
	if (data && data[IFLA_OVPN_MODE])
		ovpn->mode = nla_get_u8(data[IFLA_OVPN_MODE]);

	/*
	 * The carrier stays on (the default) and the device reports operstate
	 * UNKNOWN, like tun and wireguard. Peers may drive it later.
	 */
	err = register_netdevice(dev);
	if (err)
		return err;

	netdev_dbg(dev, "created in %s mode\n",
		   ovpn->mode == OVPN_MODE_MP ? "MP" : "P2P");
	return 0;
}

/* rtnl_link_ops.newlink, with the running kernel's signature (compat.h) */
static OVPN_COMPAT_NEWLINK(ovpn_newlink)
{
	return ovpn_dev_newlink(dev, OVPN_COMPAT_NEWLINK_DATA, extack);
}

/*
 * Called for "ip link del", for every device of a network namespace that
 * goes away and, through rtnl_link_unregister(), for every ovpn-dco device
 * in every namespace when the module is unloaded. Peers go here, with
 * reason TEARDOWN, before the device is queued for unregistration.
 */
static void ovpn_dellink(struct net_device *dev, struct list_head *head)
{
	netdev_dbg(dev, "deleting\n");
	ovpn_struct_teardown(netdev_priv(dev));
	unregister_netdevice_queue(dev, head);
}

static size_t ovpn_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u8));	/* IFLA_OVPN_MODE */
}

static int ovpn_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct ovpn_struct *ovpn = netdev_priv(dev);

	if (nla_put_u8(skb, IFLA_OVPN_MODE, ovpn->mode))
		return -EMSGSIZE;

	return 0;
}

/*
 * The same device under each link kind. No changelink: the mode cannot
 * change; no get_num_tx_queues: one queue.
 */
#define OVPN_LINK_OPS(link_kind) {					\
	.kind		= link_kind,					\
	.priv_size	= sizeof(struct ovpn_struct),			\
	.setup		= ovpn_setup,					\
	.policy		= ovpn_policy,					\
	.maxtype	= IFLA_OVPN_MAX,				\
	.newlink	= ovpn_newlink,					\
	.dellink	= ovpn_dellink,					\
	.get_size	= ovpn_get_size,				\
	.fill_info	= ovpn_fill_info,				\
}

static struct rtnl_link_ops ovpn_link_ops __read_mostly =
	OVPN_LINK_OPS(OVPN_DRV_NAME);

#ifdef OVPN_DCO_OVPN_API
/*
 * The in-tree driver's link kind, for OpenVPN 2.7 (netlink_ovpn.h): the
 * same device under the name "ovpn", on kernels that lack that driver.
 */
static struct rtnl_link_ops ovpn_link_ops_ovpn __read_mostly =
	OVPN_LINK_OPS("ovpn");

MODULE_ALIAS_RTNL_LINK("ovpn");
#endif

static struct rtnl_link_ops *const ovpn_link_kinds[] = {
	&ovpn_link_ops,
#ifdef OVPN_DCO_OVPN_API
	&ovpn_link_ops_ovpn,
#endif
};

static int __init ovpn_init(void)
{
	unsigned int i = 0;
	int err;

	/* CONFIG_OVPN_DCO_DEBUG only; the module does not load if it fails */
	err = ovpn_pktid_selftest();
	if (err) {
		pr_err("packet id self-test failed: %d\n", err);
		return err;
	}

	err = ovpn_peer_cache_init();
	if (err)
		return err;

	err = ovpn_pipe_wq_init();
	if (err)
		goto err_cache;

	for (i = 0; i < ARRAY_SIZE(ovpn_link_kinds); i++) {
		err = rtnl_link_register(ovpn_link_kinds[i]);
		if (err) {
			pr_err("cannot register link kind %s: %d\n",
			       ovpn_link_kinds[i]->kind, err);
			goto err_link;
		}
	}

	err = ovpn_nl_register();
	if (err)
		goto err_link;

	return 0;

err_link:
	while (i--)
		rtnl_link_unregister(ovpn_link_kinds[i]);
	ovpn_pipe_wq_destroy();
err_cache:
	ovpn_peer_cache_destroy();
	return err;
}

static void __exit ovpn_cleanup(void)
{
	unsigned int i = ARRAY_SIZE(ovpn_link_kinds);

	/*
	 * Deletes every remaining device of either kind, in every namespace:
	 * their peers' deletion is notified, so the families go afterwards.
	 */
	while (i--)
		rtnl_link_unregister(ovpn_link_kinds[i]);
	ovpn_nl_unregister();
	/* every device is gone, with its pipelines */
	ovpn_pipe_wq_destroy();
	/* the RCU callbacks that free peers, sockets and listeners */
	rcu_barrier();
	ovpn_peer_cache_destroy();
}

module_init(ovpn_init);
module_exit(ovpn_cleanup);

MODULE_DESCRIPTION("OpenVPN data channel offload (ovpn-dco)");
MODULE_AUTHOR("The ovpn-dco authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(OVPN_DRV_VERSION);
MODULE_ALIAS_RTNL_LINK(OVPN_DRV_NAME);
