/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - the receive pipeline
 *
 * See rx.c: received DATA_V2 packets are decrypted by workers on every
 * online CPU and delivered, in the order they arrived, by NAPI.
 */

#ifndef _NET_OVPN_DCO_RX_H_
#define _NET_OVPN_DCO_RX_H_

#include <linux/ptr_ring.h>
#include <linux/types.h>

struct ovpn_rx_cell;
struct ovpn_rx_worker;
struct ovpn_struct;
struct sk_buff;

/**
 * struct ovpn_rx - the receive pipeline of a device
 * @cells: per CPU: the packets that arrived on that CPU, in order, and the
 *	NAPI context that delivers them
 * @workers: per CPU: the work item that decrypts on that CPU
 * @ring: the packets waiting to be decrypted, of every cell
 * @last_cpu: the CPU the last packet's work was queued on
 */
struct ovpn_rx {
	struct ovpn_rx_cell __percpu *cells;
	struct ovpn_rx_worker __percpu *workers;
	struct ptr_ring ring;
	int last_cpu;
};

int ovpn_rx_init(struct ovpn_struct *ovpn);
void ovpn_rx_destroy(struct ovpn_struct *ovpn);
int ovpn_rx_enqueue(struct ovpn_struct *ovpn, struct sk_buff *skb);
void ovpn_rx_done(struct sk_buff *skb, int err);

int ovpn_rx_wq_init(void);
void ovpn_rx_wq_destroy(void);

#endif /* _NET_OVPN_DCO_RX_H_ */
