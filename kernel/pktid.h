/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - packet ids and replay window
 *
 * Every key slot numbers the packets it encrypts from 1 up, on 32 bits, and
 * never wraps: once 0xFFFFFFFF was used the key is exhausted. The receiver
 * accepts each id once, within a window of the highest id seen.
 */

#ifndef _NET_OVPN_DCO_PKTID_H_
#define _NET_OVPN_DCO_PKTID_H_

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* ids the receiver remembers, counting the highest one; a power of two */
#define OVPN_REPLAY_WINDOW	2048

/**
 * struct ovpn_pktid_xmit - packet ids of the packets a key slot encrypts
 * @seq: the last id used, 0 before the first packet; stops at U32_MAX
 */
struct ovpn_pktid_xmit {
	atomic64_t seq;
};

/**
 * struct ovpn_pktid_recv - replay window of the packets a key slot decrypts
 * @lock: serializes ovpn_pktid_recv() (softirq and crypto completions)
 * @top: the highest id accepted so far, 0 before the first packet
 * @bitmap: bit (id % OVPN_REPLAY_WINDOW) is set when id was accepted, for
 *	the ids of the window: top - OVPN_REPLAY_WINDOW < id <= top
 */
struct ovpn_pktid_recv {
	spinlock_t lock; /* @top and @bitmap */
	u32 top;
	unsigned long bitmap[BITS_TO_LONGS(OVPN_REPLAY_WINDOW)];
};

void ovpn_pktid_xmit_init(struct ovpn_pktid_xmit *p);
int ovpn_pktid_xmit_next(struct ovpn_pktid_xmit *p, u32 *id);
void ovpn_pktid_recv_init(struct ovpn_pktid_recv *p);
int ovpn_pktid_recv(struct ovpn_pktid_recv *p, u32 id);

#endif /* _NET_OVPN_DCO_PKTID_H_ */
