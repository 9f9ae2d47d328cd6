// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - keepalive
 *
 * A peer with a keepalive interval gets a ping (the 16-byte magic, sent
 * as a normal DATA_V2 packet) after that many seconds without TX; a peer
 * with a keepalive timeout is deleted, with reason EXPIRED, after that
 * many seconds without authenticated RX. The data path stamps
 * peer->last_sent and peer->last_recv; this file only reads them.
 *
 * One delayed work per device scans every peer under RCU, collects the
 * due ones in batches, with a reference, and pings or expires them
 * outside RCU. It re-arms itself for the earliest deadline it
 * saw, but never sooner than OVPN_KEEPALIVE_MIN_GAP: with thousands of
 * peers whose deadlines are spread out, a scan covers all that became due
 * meanwhile, at most four scans a second. SET_PEER restarts the peer's
 * clocks, so its first deadline is at least a second away: under
 * ovpn->lock it moves the queued work earlier if that deadline comes
 * first, or, while the work runs, records the deadline for the end of the
 * run (ovpn->keepalive_*). A burst of SET_PEERs costs no scan.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "io.h"
#include "keepalive.h"
#include "notify.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "proto.h"
#include "stats.h"
#include "udp.h"

/* peers a scan looks at per RCU read-side critical section */
#define OVPN_PEER_SCAN_STRIDE	512
/* the keepalive work runs at most this often */
#define OVPN_KEEPALIVE_MIN_GAP	(HZ / 4)

/* seconds to jiffies, saturating */
static unsigned long ovpn_secs_to_jiffies(u32 secs)
{
	return min_t(u64, (u64)secs * HZ, MAX_JIFFY_OFFSET);
}

/*
 * The earliest keepalive deadline of @peer (jiffies) in *@deadline.
 * Lockless. Return: false if it has none (keepalive off, or deleted).
 */
static bool ovpn_peer_keepalive_deadline(struct ovpn_peer *peer,
					 unsigned long *deadline)
{
	u32 interval = READ_ONCE(peer->keepalive_interval);
	u32 timeout = READ_ONCE(peer->keepalive_timeout);
	unsigned long d;

	if (READ_ONCE(peer->deleted) || (!interval && !timeout))
		return false;

	if (interval)
		*deadline = READ_ONCE(peer->last_sent) +
			    ovpn_secs_to_jiffies(interval);
	if (timeout) {
		d = READ_ONCE(peer->last_recv) + ovpn_secs_to_jiffies(timeout);
		if (!interval || time_before(d, *deadline))
			*deadline = d;
	}

	return true;
}

/**
 * ovpn_peer_set_keepalive - change the keepalive settings of a peer
 * @peer: the peer
 * @interval: seconds without TX before a ping; NULL: unchanged; 0: off
 * @timeout: seconds without authenticated RX before the peer expires;
 *	NULL: unchanged; 0: off
 *
 * Both clocks restart now; the keepalive work is due when the first of
 * the peer's new deadlines is.
 *
 * Context: process context.
 */
void ovpn_peer_set_keepalive(struct ovpn_peer *peer, const u32 *interval,
			     const u32 *timeout)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	unsigned long now = jiffies, deadline;

	spin_lock_bh(&ovpn->lock);
	if (interval)
		WRITE_ONCE(peer->keepalive_interval, *interval);
	if (timeout)
		WRITE_ONCE(peer->keepalive_timeout, *timeout);
	WRITE_ONCE(peer->last_sent, now);
	WRITE_ONCE(peer->last_recv, now);

	if (!ovpn->dying && !peer->deleted &&
	    ovpn_peer_keepalive_deadline(peer, &deadline) &&
	    (!ovpn->keepalive_armed ||
	     time_before(deadline, ovpn->keepalive_at))) {
		ovpn->keepalive_at = deadline;
		ovpn->keepalive_armed = true;
		/* a running work re-arms itself at the end, @deadline included */
		if (!ovpn->keepalive_running)
			mod_delayed_work(system_dfl_wq, &ovpn->keepalive_work,
					 deadline - now);
	}
	spin_unlock_bh(&ovpn->lock);
}

/*
 * Send a keepalive ping to @peer, held by the caller. The ping magic goes
 * through the normal TX path as an encrypted DATA_V2 packet; it is counted
 * in the peer's VPN and LINK counters and in tx_keepalive, not in the
 * device's tstats. Process context.
 */
static void ovpn_keepalive_xmit(struct ovpn_peer *peer)
{
	struct sk_buff *skb;

	skb = alloc_skb(OVPN_UDP_HEADROOM + OVPN_DATA_V2_OVERHEAD +
			sizeof(ovpn_keepalive_message), GFP_KERNEL);
	if (unlikely(!skb)) {
		ovpn_tx_drop(peer->ovpn, OVPN_STAT_TX_ERRORS);
		return;
	}

	skb_reserve(skb, OVPN_UDP_HEADROOM + OVPN_DATA_V2_OVERHEAD);
	skb_put_data(skb, ovpn_keepalive_message,
		     sizeof(ovpn_keepalive_message));

	local_bh_disable();
	ovpn_send(peer, skb, true);
	local_bh_enable();
}

/* expire @peer or ping it if due; the caller holds it */
static void ovpn_peer_keepalive_check(struct ovpn_peer *peer)
{
	u32 interval = READ_ONCE(peer->keepalive_interval);
	u32 timeout = READ_ONCE(peer->keepalive_timeout);
	unsigned long now = jiffies;

	if (READ_ONCE(peer->deleted))
		return;

	if (timeout && time_after_eq(now, READ_ONCE(peer->last_recv) +
					  ovpn_secs_to_jiffies(timeout))) {
		netdev_dbg(peer->ovpn->dev, "peer %u expired\n", peer->id);
		ovpn_peer_del(peer, OVPN_NL_REASON_EXPIRED);
		return;
	}

	if (interval && time_after_eq(now, READ_ONCE(peer->last_sent) +
					   ovpn_secs_to_jiffies(interval))) {
		/* counts as sent even if it fails: no busy loop */
		WRITE_ONCE(peer->last_sent, now);
		ovpn_keepalive_xmit(peer);
	}
}

/**
 * struct ovpn_keepalive_scan - one run of the keepalive work
 * @batch: due peers collected under RCU, held
 * @n: how many are in @batch
 * @now: jiffies when the run started: what is due
 * @next: the earliest deadline seen that is not due yet, if @armed
 * @armed: some peer has a keepalive deadline
 */
struct ovpn_keepalive_scan {
	struct ovpn_peer *batch[OVPN_PEER_BATCH];
	unsigned int n;
	unsigned long now;
	unsigned long next;
	bool armed;
};

static void ovpn_keepalive_note(struct ovpn_keepalive_scan *scan,
				unsigned long deadline)
{
	if (!scan->armed || time_before(deadline, scan->next))
		scan->next = deadline;
	scan->armed = true;
}

/*
 * One peer seen by a scan, under RCU: into the batch if due, else its
 * deadline noted. Return: false if it is due and the batch is full.
 */
static bool ovpn_keepalive_visit(struct ovpn_keepalive_scan *scan,
				 struct ovpn_peer *peer)
{
	unsigned long deadline;

	if (!ovpn_peer_keepalive_deadline(peer, &deadline))
		return true;

	if (time_before(scan->now, deadline)) {
		ovpn_keepalive_note(scan, deadline);
		return true;
	}

	if (scan->n == OVPN_PEER_BATCH)
		return false;

	if (ovpn_peer_hold(peer))
		scan->batch[scan->n++] = peer;
	return true;
}

/*
 * Collect due peers from id *@id on, in one RCU read-side section, until
 * the batch is full or OVPN_PEER_SCAN_STRIDE peers are seen. *@id: where
 * to go on; OVPN_PEER_ID_END once every peer was seen.
 */
static void ovpn_keepalive_collect(struct ovpn_struct *ovpn,
				   struct ovpn_keepalive_scan *scan,
				   unsigned long *id)
{
	struct ovpn_peer *peer;
	unsigned int seen = 0;

	scan->n = 0;
	rcu_read_lock();
	while (seen++ < OVPN_PEER_SCAN_STRIDE &&
	       (peer = ovpn_peer_next(ovpn, id))) {
		/* a due peer that did not fit: first of the next batch */
		if (!ovpn_keepalive_visit(scan, peer))
			break;
		(*id)++;
	}
	rcu_read_unlock();
}

/**
 * ovpn_keepalive_work - the keepalive work of a device
 * @work: ovpn->keepalive_work.work
 *
 * Pings or expires every due peer, then re-arms for the earliest deadline
 * left (SET_PEERs during the run included), OVPN_KEEPALIVE_MIN_GAP from
 * now at the soonest.
 *
 * Context: process context (system workqueue).
 */
void ovpn_keepalive_work(struct work_struct *work)
{
	struct ovpn_struct *ovpn = container_of(to_delayed_work(work),
						struct ovpn_struct,
						keepalive_work);
	struct ovpn_keepalive_scan scan = { .now = jiffies };
	unsigned long deadline, delay, now;
	unsigned long id = 0;
	unsigned int i;
	struct ovpn_peer *peer;

	spin_lock_bh(&ovpn->lock);
	ovpn->keepalive_running = true;
	ovpn->keepalive_armed = false;
	spin_unlock_bh(&ovpn->lock);

	while (id < OVPN_PEER_ID_END) {
		ovpn_keepalive_collect(ovpn, &scan, &id);
		for (i = 0; i < scan.n; i++) {
			peer = scan.batch[i];
			ovpn_peer_keepalive_check(peer);
			if (ovpn_peer_keepalive_deadline(peer, &deadline))
				ovpn_keepalive_note(&scan, deadline);
			ovpn_peer_put(peer);
		}
		cond_resched();
	}

	spin_lock_bh(&ovpn->lock);
	ovpn->keepalive_running = false;
	/* a SET_PEER during the run */
	if (ovpn->keepalive_armed)
		ovpn_keepalive_note(&scan, ovpn->keepalive_at);
	ovpn->keepalive_armed = !ovpn->dying && scan.armed;
	if (ovpn->keepalive_armed) {
		now = jiffies;
		delay = time_after(scan.next, now) ? scan.next - now : 0;
		delay = max_t(unsigned long, delay, OVPN_KEEPALIVE_MIN_GAP);
		ovpn->keepalive_at = now + delay;
		mod_delayed_work(system_dfl_wq, &ovpn->keepalive_work, delay);
	}
	spin_unlock_bh(&ovpn->lock);
}
