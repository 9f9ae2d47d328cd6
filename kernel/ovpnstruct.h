/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - per-device state
 */

#ifndef _NET_OVPN_DCO_OVPNSTRUCT_H_
#define _NET_OVPN_DCO_OVPNSTRUCT_H_

#include <linux/types.h>

struct net_device;

/**
 * struct ovpn_struct - private data of an ovpn-dco device (netdev_priv())
 * @dev: the device
 * @mode: OVPN_MODE_P2P or OVPN_MODE_MP (IFLA_OVPN_MODE), fixed at creation
 */
struct ovpn_struct {
	struct net_device *dev;
	u8 mode;
};

#endif /* _NET_OVPN_DCO_OVPNSTRUCT_H_ */
