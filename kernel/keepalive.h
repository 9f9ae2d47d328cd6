/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - keepalive
 */

#ifndef _NET_OVPN_DCO_KEEPALIVE_H_
#define _NET_OVPN_DCO_KEEPALIVE_H_

#include <linux/types.h>

struct ovpn_peer;
struct work_struct;

void ovpn_peer_set_keepalive(struct ovpn_peer *peer, const u32 *interval,
			     const u32 *timeout);
void ovpn_keepalive_work(struct work_struct *work);

#endif /* _NET_OVPN_DCO_KEEPALIVE_H_ */
