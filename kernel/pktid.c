// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - packet ids and replay window
 *
 * The replay window is a bitmap of OVPN_REPLAY_WINDOW bits indexed by
 * id % OVPN_REPLAY_WINDOW. It covers the ids top - OVPN_REPLAY_WINDOW + 1
 * to top, where top is the highest id accepted. An id above top moves the
 * window up: the bits of the ids that leave it are cleared, and they are
 * exactly the bits the new ids top + 1 .. id will use.
 */

#define pr_fmt(fmt) "ovpn-dco: " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>

#include "pktid.h"

/* id % OVPN_REPLAY_WINDOW is then a mask */
static_assert((OVPN_REPLAY_WINDOW & (OVPN_REPLAY_WINDOW - 1)) == 0);

#ifdef CONFIG_OVPN_DCO_DEBUG
/*
 * Debug builds only: the last TX packet id a new key counts as used, so
 * tests can reach the end of the id space (e.g. 4294967293: the key sends
 * ids 4294967294 and 4294967295, then is retired).
 */
static unsigned int debug_tx_pktid_start;
module_param(debug_tx_pktid_start, uint, 0644);
MODULE_PARM_DESC(debug_tx_pktid_start,
		 "debug: last TX packet id a new key counts as used (0: none)");
#define OVPN_PKTID_XMIT_START	READ_ONCE(debug_tx_pktid_start)
#else
#define OVPN_PKTID_XMIT_START	0
#endif

/**
 * ovpn_pktid_xmit_init - start the packet ids of a key slot
 * @p: the TX packet id state
 *
 * The first ovpn_pktid_xmit_next() then returns 1 (in debug builds, one
 * more than the debug_tx_pktid_start module parameter).
 */
void ovpn_pktid_xmit_init(struct ovpn_pktid_xmit *p)
{
	atomic64_set(&p->seq, OVPN_PKTID_XMIT_START);
}

/**
 * ovpn_pktid_xmit_next - take the id of the next packet
 * @p: the TX packet id state
 * @id: where to store the id, 1 to U32_MAX
 *
 * Ids never wrap: a key whose last id was used must be replaced.
 *
 * Context: any; lockless.
 * Return: 0, or -ERANGE once U32_MAX was used (then forever).
 */
int ovpn_pktid_xmit_next(struct ovpn_pktid_xmit *p, u32 *id)
{
	s64 last = atomic64_fetch_add_unless(&p->seq, 1, U32_MAX);

	if (unlikely(last == U32_MAX))
		return -ERANGE;

	*id = last + 1;
	return 0;
}

/**
 * ovpn_pktid_recv_init - start an empty replay window
 * @p: the RX replay window
 */
void ovpn_pktid_recv_init(struct ovpn_pktid_recv *p)
{
	spin_lock_init(&p->lock);
	p->top = 0;
	bitmap_zero(p->bitmap, OVPN_REPLAY_WINDOW);
}

/* move the window up to @id > p->top; caller holds p->lock */
static void ovpn_pktid_recv_slide(struct ovpn_pktid_recv *p, u32 id)
{
	u32 diff = id - p->top;
	unsigned int start, n;

	if (diff >= OVPN_REPLAY_WINDOW) {
		bitmap_zero(p->bitmap, OVPN_REPLAY_WINDOW);
	} else {
		/*
		 * The bits of top + 1 .. id, which held the ids now leaving
		 * the window; the range may wrap around the end of the bitmap.
		 */
		start = (p->top + 1) % OVPN_REPLAY_WINDOW;
		n = min_t(u32, diff, OVPN_REPLAY_WINDOW - start);
		bitmap_clear(p->bitmap, start, n);
		bitmap_clear(p->bitmap, 0, diff - n);
	}

	p->top = id;
}

/**
 * ovpn_pktid_recv - check a received packet id and record it
 * @p: the RX replay window
 * @id: the packet id, from a packet that passed authentication
 *
 * Context: any but hard IRQ; takes p->lock with bottom halves disabled.
 * Return: 0 if @id is new (it is recorded), -EINVAL for id 0, -EEXIST for
 * an id already received, -ERANGE for an id below the window.
 */
int ovpn_pktid_recv(struct ovpn_pktid_recv *p, u32 id)
{
	unsigned int bit = id % OVPN_REPLAY_WINDOW;
	int ret = 0;

	if (unlikely(!id))
		return -EINVAL;

	spin_lock_bh(&p->lock);

	if (id > p->top) {
		ovpn_pktid_recv_slide(p, id);
	} else if (p->top - id >= OVPN_REPLAY_WINDOW) {
		ret = -ERANGE;
		goto unlock;
	} else if (test_bit(bit, p->bitmap)) {
		ret = -EEXIST;
		goto unlock;
	}

	__set_bit(bit, p->bitmap);

unlock:
	spin_unlock_bh(&p->lock);
	return ret;
}
