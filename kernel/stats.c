// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - counters
 */

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "ovpnstruct.h"
#include "stats.h"

/* ethtool -S names, in the order of enum ovpn_stat */
static const char ovpn_stat_names[__OVPN_STAT_COUNT][ETH_GSTRING_LEN] = {
	[OVPN_STAT_RX_MALFORMED]	= "rx_malformed",
	[OVPN_STAT_RX_UNKNOWN_PEER]	= "rx_unknown_peer",
	[OVPN_STAT_RX_NO_KEY]		= "rx_no_key",
	[OVPN_STAT_RX_AUTH_FAILED]	= "rx_auth_failed",
	[OVPN_STAT_RX_REPLAY]		= "rx_replay",
	[OVPN_STAT_RX_KEEPALIVE]	= "rx_keepalive",
	[OVPN_STAT_RX_CONTROL]		= "rx_control",
	[OVPN_STAT_TX_NO_PEER]		= "tx_no_peer",
	[OVPN_STAT_TX_NO_KEY]		= "tx_no_key",
	[OVPN_STAT_TX_KEY_EXHAUSTED]	= "tx_key_exhausted",
	[OVPN_STAT_TX_MALFORMED]	= "tx_malformed",
	[OVPN_STAT_TX_ERRORS]		= "tx_errors",
	[OVPN_STAT_TX_KEEPALIVE]	= "tx_keepalive",
	[OVPN_STAT_RX_BAD_SOURCE]	= "rx_bad_source",
	[OVPN_STAT_TX_MSS_CLAMPED]	= "tx_mss_clamped",
	[OVPN_STAT_RX_MSS_CLAMPED]	= "rx_mss_clamped",
	[OVPN_STAT_TX_TRAINS]		= "tx_trains",
	[OVPN_STAT_TX_TRAIN_PACKETS]	= "tx_train_packets",
	[OVPN_STAT_RX_QUEUE_FULL]	= "rx_queue_full",
	[OVPN_STAT_RX_ERRORS]		= "rx_errors",
	[OVPN_STAT_TX_QUEUE_FULL]	= "tx_queue_full",
};

/**
 * ovpn_stats_inc - count one event in a reason counter of a device
 * @ovpn: the device
 * @stat: the counter
 *
 * Context: any (this_cpu_inc() is safe against preemption and interrupts).
 */
void ovpn_stats_inc(struct ovpn_struct *ovpn, enum ovpn_stat stat)
{
	this_cpu_inc(ovpn->stats->cnt[stat]);
}

/**
 * ovpn_stats_add - count events in a reason counter of a device
 * @ovpn: the device
 * @stat: the counter
 * @n: how many
 *
 * Context: any.
 */
void ovpn_stats_add(struct ovpn_struct *ovpn, enum ovpn_stat stat,
		    unsigned int n)
{
	this_cpu_add(ovpn->stats->cnt[stat], n);
}

/**
 * ovpn_rx_drop - count a received packet dropped for a reason
 * @ovpn: the device
 * @stat: the reason
 *
 * Counts the drop in the device's rx_dropped and in @stat. The caller
 * frees the packet.
 *
 * Context: any.
 */
void ovpn_rx_drop(struct ovpn_struct *ovpn, enum ovpn_stat stat)
{
	dev_core_stats_rx_dropped_inc(ovpn->dev);
	ovpn_stats_inc(ovpn, stat);
}

/**
 * ovpn_tx_drop - count a packet to send dropped for a reason
 * @ovpn: the device
 * @stat: the reason
 *
 * Counts the drop in the device's tx_dropped and in @stat. The caller
 * frees the packet.
 *
 * Context: any.
 */
void ovpn_tx_drop(struct ovpn_struct *ovpn, enum ovpn_stat stat)
{
	dev_core_stats_tx_dropped_inc(ovpn->dev);
	ovpn_stats_inc(ovpn, stat);
}

/**
 * ovpn_stats_alloc - allocate the reason counters of a device
 * @ovpn: the device
 *
 * Context: process context (ndo_init).
 * Return: 0 or -ENOMEM.
 */
int ovpn_stats_alloc(struct ovpn_struct *ovpn)
{
	ovpn->stats = alloc_percpu(struct ovpn_dev_stats);
	return ovpn->stats ? 0 : -ENOMEM;
}

/**
 * ovpn_stats_free - free the reason counters of a device
 * @ovpn: the device, with no user of its counters left
 */
void ovpn_stats_free(struct ovpn_struct *ovpn)
{
	free_percpu(ovpn->stats);
	ovpn->stats = NULL;
}

/**
 * ovpn_ethtool_get_sset_count - ethtool_ops.get_sset_count
 * @dev: the device
 * @sset: the string set
 *
 * Return: the number of counters for ETH_SS_STATS, else -EOPNOTSUPP.
 */
int ovpn_ethtool_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? __OVPN_STAT_COUNT : -EOPNOTSUPP;
}

/**
 * ovpn_ethtool_get_strings - ethtool_ops.get_strings
 * @dev: the device
 * @sset: the string set
 * @data: room for ovpn_ethtool_get_sset_count() strings
 */
void ovpn_ethtool_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, ovpn_stat_names, sizeof(ovpn_stat_names));
}

/**
 * ovpn_ethtool_get_stats - ethtool_ops.get_ethtool_stats
 * @dev: the device
 * @stats: unused
 * @data: room for ovpn_ethtool_get_sset_count() counters
 *
 * Sums the per-CPU counters. On 32-bit machines a counter read while it
 * is updated can be off; the next read is right.
 */
void ovpn_ethtool_get_stats(struct net_device *dev,
			    struct ethtool_stats *stats, u64 *data)
{
	struct ovpn_struct *ovpn = netdev_priv(dev);
	int cpu, i;

	memset(data, 0, __OVPN_STAT_COUNT * sizeof(*data));
	for_each_possible_cpu(cpu) {
		const struct ovpn_dev_stats *s = per_cpu_ptr(ovpn->stats, cpu);

		for (i = 0; i < __OVPN_STAT_COUNT; i++)
			data[i] += READ_ONCE(s->cnt[i]);
	}
}
