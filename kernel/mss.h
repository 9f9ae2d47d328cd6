/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - TCP MSS clamping (mssfix)
 */

#ifndef _NET_OVPN_DCO_MSS_H_
#define _NET_OVPN_DCO_MSS_H_

#include <linux/types.h>

struct ovpn_peer;
struct sk_buff;

/* OpenVPN's default "mssfix 1492 mtu": the whole outer packet */
#define OVPN_MSSFIX_DEFAULT	1492
/* the smallest mssfix a device takes, 0 apart (off): IPv4's minimum MTU */
#define OVPN_MSSFIX_MIN		576

/**
 * enum ovpn_mss_dir - which way a packet crosses the tunnel
 * @OVPN_MSS_TX: into the tunnel, before encryption
 * @OVPN_MSS_RX: out of the tunnel, after decryption
 */
enum ovpn_mss_dir {
	OVPN_MSS_TX,
	OVPN_MSS_RX,
};

extern unsigned short ovpn_mssfix_default;

bool ovpn_mssfix_valid(unsigned int mssfix);
void ovpn_mss_note_transport(struct ovpn_peer *peer);
void ovpn_mss_clamp(struct ovpn_peer *peer, struct sk_buff *skb,
		    enum ovpn_mss_dir dir);

#endif /* _NET_OVPN_DCO_MSS_H_ */
