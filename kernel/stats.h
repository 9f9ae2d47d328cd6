/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - counters
 *
 * Three kinds of counters:
 * - the device's per-CPU tstats (inner packets and bytes, rx and tx) and
 *   the core's rx_dropped/tx_dropped, read with "ip -s link";
 * - per-device, per-CPU reason counters for drops and special packets,
 *   read with "ethtool -S" (names in stats.c);
 * - per-peer VPN (inner) and LINK (UDP payload) counters, reported by
 *   GET_PEER.
 */

#ifndef _NET_OVPN_DCO_STATS_H_
#define _NET_OVPN_DCO_STATS_H_

#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/types.h>

struct ethtool_stats;
struct net_device;
struct ovpn_struct;

/**
 * enum ovpn_stat - reason counters of a device (ethtool -S)
 * @OVPN_STAT_RX_MALFORMED: too short, or non-IP plaintext
 * @OVPN_STAT_RX_UNKNOWN_PEER: DATA_V2 for a peer id we do not have
 * @OVPN_STAT_RX_NO_KEY: DATA_V2 with a key id not installed
 * @OVPN_STAT_RX_AUTH_FAILED: AEAD tag check failed
 * @OVPN_STAT_RX_REPLAY: packet id 0, duplicate or older than the window
 * @OVPN_STAT_RX_KEEPALIVE: keepalive pings received and consumed
 * @OVPN_STAT_RX_CONTROL: non-DATA_V2 packets passed to userspace
 * @OVPN_STAT_TX_NO_PEER: no peer to send a packet to
 * @OVPN_STAT_TX_NO_KEY: the peer has no primary key
 * @OVPN_STAT_TX_KEY_EXHAUSTED: the primary key ran out of packet ids
 * @OVPN_STAT_TX_MALFORMED: non-IP packet handed to the device
 * @OVPN_STAT_TX_ERRORS: other send failures (memory, route, encryption)
 * @OVPN_STAT_TX_KEEPALIVE: keepalive pings sent
 * @OVPN_STAT_RX_BAD_SOURCE: MP: the inner source address does not map
 *	back to the peer the packet came from (reverse path check)
 * @OVPN_STAT_TX_MSS_CLAMPED: TCP SYNs sent into the tunnel whose MSS was
 *	lowered (mssfix, mss.c)
 * @OVPN_STAT_RX_MSS_CLAMPED: TCP SYNs received from the tunnel whose MSS
 *	was lowered
 * @OVPN_STAT_TX_TRAINS: trains sent: the encrypted segments of a GSO
 *	send as one UDP GSO packet (train.c)
 * @OVPN_STAT_TX_TRAIN_PACKETS: DATA_V2 packets sent in those trains
 * @OVPN_STAT_RX_QUEUE_FULL: DATA_V2 packets dropped because the receive
 *	pipeline was full (pipe.c)
 * @OVPN_STAT_RX_ERRORS: received packets dropped for none of the reasons
 *	above: no memory, a decryption error other than a bad tag, a control
 *	packet userspace could not take, the device down or going away
 * @OVPN_STAT_TX_QUEUE_FULL: packets dropped because the transmit
 *	pipeline was full (pipe.c, tx.c)
 * @__OVPN_STAT_COUNT: number of counters
 */
enum ovpn_stat {
	OVPN_STAT_RX_MALFORMED,
	OVPN_STAT_RX_UNKNOWN_PEER,
	OVPN_STAT_RX_NO_KEY,
	OVPN_STAT_RX_AUTH_FAILED,
	OVPN_STAT_RX_REPLAY,
	OVPN_STAT_RX_KEEPALIVE,
	OVPN_STAT_RX_CONTROL,
	OVPN_STAT_TX_NO_PEER,
	OVPN_STAT_TX_NO_KEY,
	OVPN_STAT_TX_KEY_EXHAUSTED,
	OVPN_STAT_TX_MALFORMED,
	OVPN_STAT_TX_ERRORS,
	OVPN_STAT_TX_KEEPALIVE,
	OVPN_STAT_RX_BAD_SOURCE,
	OVPN_STAT_TX_MSS_CLAMPED,
	OVPN_STAT_RX_MSS_CLAMPED,
	OVPN_STAT_TX_TRAINS,
	OVPN_STAT_TX_TRAIN_PACKETS,
	OVPN_STAT_RX_QUEUE_FULL,
	OVPN_STAT_RX_ERRORS,
	OVPN_STAT_TX_QUEUE_FULL,
	__OVPN_STAT_COUNT,
};

/**
 * struct ovpn_dev_stats - the reason counters of one CPU
 * @cnt: one counter per enum ovpn_stat
 */
struct ovpn_dev_stats {
	u64 cnt[__OVPN_STAT_COUNT];
};

/**
 * struct ovpn_peer_stat - packets and bytes in one direction
 * @packets: packets
 * @bytes: bytes
 */
struct ovpn_peer_stat {
	atomic64_t packets;
	atomic64_t bytes;
};

/**
 * struct ovpn_peer_stats - the counters of a peer
 * @vpn_rx: decrypted packets (inner length, keepalive pings included)
 * @vpn_tx: packets encrypted for the peer (inner length, pings included)
 * @link_rx: authenticated DATA_V2 packets received (UDP payload length)
 * @link_tx: DATA_V2 packets sent (UDP payload length)
 */
struct ovpn_peer_stats {
	struct ovpn_peer_stat vpn_rx;
	struct ovpn_peer_stat vpn_tx;
	struct ovpn_peer_stat link_rx;
	struct ovpn_peer_stat link_tx;
};

/**
 * ovpn_peer_stat_add_many - count packets
 * @stat: the counter
 * @packets: how many
 * @bytes: their length in all
 *
 * Context: any.
 */
static inline void ovpn_peer_stat_add_many(struct ovpn_peer_stat *stat,
					   unsigned int packets,
					   unsigned int bytes)
{
	atomic64_add(packets, &stat->packets);
	atomic64_add(bytes, &stat->bytes);
}

/**
 * ovpn_peer_stat_add - count one packet
 * @stat: the counter
 * @len: its length
 *
 * Context: any.
 */
static inline void ovpn_peer_stat_add(struct ovpn_peer_stat *stat,
				      unsigned int len)
{
	ovpn_peer_stat_add_many(stat, 1, len);
}

void ovpn_stats_inc(struct ovpn_struct *ovpn, enum ovpn_stat stat);
void ovpn_stats_add(struct ovpn_struct *ovpn, enum ovpn_stat stat,
		    unsigned int n);
void ovpn_rx_drop(struct ovpn_struct *ovpn, enum ovpn_stat stat);
void ovpn_tx_drop(struct ovpn_struct *ovpn, enum ovpn_stat stat);
int ovpn_stats_alloc(struct ovpn_struct *ovpn);
void ovpn_stats_free(struct ovpn_struct *ovpn);
int ovpn_ethtool_get_sset_count(struct net_device *dev, int sset);
void ovpn_ethtool_get_strings(struct net_device *dev, u32 sset, u8 *data);
void ovpn_ethtool_get_stats(struct net_device *dev,
			    struct ethtool_stats *stats, u64 *data);

#endif /* _NET_OVPN_DCO_STATS_H_ */
