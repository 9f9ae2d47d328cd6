/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - the network device
 */

#ifndef _NET_OVPN_DCO_MAIN_H_
#define _NET_OVPN_DCO_MAIN_H_

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/types.h>
#include <net/ip.h>

#include "proto.h"

/* link kind, ethtool driver name */
#define OVPN_DRV_NAME		"ovpn-dco"
#define OVPN_DRV_VERSION	"0.1.0"

/* a 1500-byte transport MTU carries a full packet over UDP and IPv6 */
#define OVPN_DEFAULT_MTU	(ETH_DATA_LEN - OVPN_UDP6_OVERHEAD)
#define OVPN_MIN_MTU		IPV4_MIN_MTU
#define OVPN_MAX_MTU		(IP_MAX_MTU - OVPN_UDP6_OVERHEAD)

/* room for the encapsulation and an Ethernet header below it */
#define OVPN_HEAD_ROOM		ALIGN(OVPN_UDP6_OVERHEAD + ETH_HLEN, 4)

struct net_device;

bool ovpn_dev_is_valid(const struct net_device *dev);

#endif /* _NET_OVPN_DCO_MAIN_H_ */
