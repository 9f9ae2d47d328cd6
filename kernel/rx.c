// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - the receive pipeline
 *
 * Decrypting where a packet arrives - in the softirq of the CPU that the
 * NIC (or RPS) picked for the outer UDP flow - puts all of a tunnel's
 * crypto on one CPU and starves whatever else runs there: under a flood
 * the softirq takes the CPU from the application the packets are for, and
 * fewer packets are delivered the faster they come (receive livelock).
 * So the softirq only queues the packet, and the work is spread:
 *
 *  1. ovpn_rx_enqueue() (softirq, the arrival CPU) appends the packet to
 *     that CPU's cell, a queue in arrival order, and to the device's ring,
 *     then queues the worker of the arrival CPU - or, when the cell has
 *     more than OVPN_RX_SPREAD packets waiting, of the next online CPU in
 *     turn: a stream the arrival CPU keeps up with stays there, the excess
 *     of a burst or a flood goes to every CPU.
 *  2. ovpn_rx_work() (process context) takes packets from the ring and
 *     decrypts them (io.c: ovpn_rx_decrypt()), OVPN_RX_BATCH at a time with
 *     bottom halves disabled; each result goes into the packet's control
 *     block (ovpn_rx_done()) and the packet's cell is scheduled, so that a
 *     batch is delivered by one poll and GRO sees it whole. Workers are
 *     ordinary kernel threads: the scheduler shares the CPU between them
 *     and the receiving application.
 *  3. The cell's NAPI poll (ovpn_rx_poll(), softirq, on the CPU that
 *     scheduled it) delivers from the head of the queue for as long as the
 *     head is decrypted, at most its budget per poll (io.c:
 *     ovpn_rx_deliver()).
 *
 * A peer's packets arrive on one CPU (the NIC hashes the outer flow; a TCP
 * stream is read in order), so delivering each cell in order delivers each
 * peer's packets in the order they came, however the decryptions end. The
 * replay check is made there too, at delivery (io.c), so that the replay
 * window sees each peer's packet ids in arrival order, as without the
 * pipeline.
 *
 * Memory: per device, a ring of OVPN_RX_RING_SIZE pointers and a cell and a
 * worker per possible CPU; nothing per peer. A packet is dropped (counted
 * in rx_dropped and rx_queue_full) when its cell holds OVPN_RX_CELL_MAX
 * packets or the ring is full: the pipeline never holds more than that.
 * A packet holds its peer and its key slot (taken on arrival, io.c:
 * ovpn_recv()) until delivered.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/ptr_ring.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "crypto_aead.h"
#include "io.h"
#include "ovpnstruct.h"
#include "rx.h"
#include "stats.h"

/* packets waiting for a worker, per device */
#define OVPN_RX_RING_SIZE	4096
/* packets waiting for delivery (decrypted or not), per cell */
#define OVPN_RX_CELL_MAX	OVPN_RX_RING_SIZE
/* packets a worker decrypts with bottom halves disabled */
#define OVPN_RX_BATCH		NAPI_POLL_WEIGHT
/* a cell with more packets waiting than this spreads them over the CPUs */
#define OVPN_RX_SPREAD		16
/* ovpn_skb_cb(skb)->rx_result of a packet not decrypted yet */
#define OVPN_RX_PENDING		1

/**
 * struct ovpn_rx_cell - the packets that arrived on one CPU
 * @queue: in arrival order, decrypted or not
 * @napi: delivers from the head of @queue
 */
struct ovpn_rx_cell {
	struct sk_buff_head queue;
	struct napi_struct napi;
};

/**
 * struct ovpn_rx_worker - the decryption work of a device on one CPU
 * @work: runs ovpn_rx_work()
 * @ovpn: the device
 */
struct ovpn_rx_worker {
	struct work_struct work;
	struct ovpn_struct *ovpn;
};

/* bound to CPUs: ovpn_rx_enqueue() picks the CPU of every work item */
static struct workqueue_struct *ovpn_rx_wq;

/* the result of @skb's decryption, or OVPN_RX_PENDING */
static int ovpn_rx_result(struct sk_buff *skb)
{
	/* pairs with ovpn_rx_done(): the plaintext is seen with the result */
	return smp_load_acquire(&ovpn_skb_cb(skb)->rx_result);
}

/**
 * ovpn_rx_done - a packet's decryption ended
 * @skb: the packet, in its cell since ovpn_rx_enqueue()
 * @err: 0 (the plaintext is at skb->data) or the negative errno of the
 *	failure
 *
 * Publishes the result and schedules the packet's cell, which delivers or
 * drops the packet once the packets before it are done. @skb belongs to
 * the cell from here on.
 *
 * Context: any but hard IRQ (process context for a synchronous decryption,
 * the crypto driver's completion for an asynchronous one).
 */
void ovpn_rx_done(struct sk_buff *skb, int err)
{
	struct ovpn_rx_cell *cell = ovpn_skb_cb(skb)->cell;

	/* after this store the cell's poll may free @skb at any time */
	smp_store_release(&ovpn_skb_cb(skb)->rx_result, err);

	local_bh_disable();
	napi_schedule(&cell->napi);
	local_bh_enable();
}

static void ovpn_rx_work(struct work_struct *work)
{
	struct ovpn_rx_worker *worker;
	struct ptr_ring *ring;
	struct sk_buff *skb;
	int n;

	worker = container_of(work, struct ovpn_rx_worker, work);
	ring = &worker->ovpn->rx.ring;
	do {
		/*
		 * The cells a batch scheduled poll when bottom halves are
		 * enabled again: once for the batch, so that GRO sees it
		 * whole.
		 */
		local_bh_disable();
		for (n = 0; n < OVPN_RX_BATCH; n++) {
			skb = ptr_ring_consume(ring);
			if (!skb)
				break;
			ovpn_rx_decrypt(skb);
		}
		local_bh_enable();
		cond_resched();
	} while (n == OVPN_RX_BATCH);
}

/* the CPU for the next work item: the online CPUs in turn */
static int ovpn_rx_next_cpu(struct ovpn_rx *rx)
{
	int cpu = cpumask_next(READ_ONCE(rx->last_cpu), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	/* a lost update only repeats a CPU */
	WRITE_ONCE(rx->last_cpu, cpu);
	return cpu;
}

/**
 * ovpn_rx_enqueue - queue a received DATA_V2 packet for decryption
 * @ovpn: the device
 * @skb: the packet, with ovpn_skb_cb(skb)->peer set; consumed on success
 *
 * Context: softirq, or process context with bottom halves disabled.
 * Return: 0 if the pipeline took @skb (from here on it is decrypted and
 * delivered, or dropped and counted, in order); -ENOBUFS if its cell or the
 * ring is full or -ENODEV if the device is going away: @skb is then the
 * caller's.
 */
int ovpn_rx_enqueue(struct ovpn_struct *ovpn, struct sk_buff *skb)
{
	struct ovpn_rx *rx = &ovpn->rx;
	struct ovpn_rx_cell *cell;
	int cpu, ret = 0;
	u32 qlen;

	/* ovpn_rx_destroy() waits for the RCU readers that saw !dying */
	rcu_read_lock();
	if (unlikely(READ_ONCE(ovpn->dying))) {
		ret = -ENODEV;
		goto out;
	}

	cell = this_cpu_ptr(rx->cells);
	ovpn_skb_cb(skb)->cell = cell;
	ovpn_skb_cb(skb)->rx_result = OVPN_RX_PENDING;

	spin_lock(&cell->queue.lock);
	if (unlikely(skb_queue_len(&cell->queue) >= OVPN_RX_CELL_MAX)) {
		spin_unlock(&cell->queue.lock);
		ret = -ENOBUFS;
		goto out;
	}
	__skb_queue_tail(&cell->queue, skb);
	qlen = skb_queue_len(&cell->queue);
	spin_unlock(&cell->queue.lock);

	if (unlikely(ptr_ring_produce(&rx->ring, skb))) {
		/* still pending, so no poll took it: the caller drops it */
		spin_lock(&cell->queue.lock);
		__skb_unlink(skb, &cell->queue);
		spin_unlock(&cell->queue.lock);
		ret = -ENOBUFS;
		goto out;
	}

	/* this CPU's worker, unless it falls behind: then every CPU's */
	cpu = qlen > OVPN_RX_SPREAD ? ovpn_rx_next_cpu(rx) : smp_processor_id();
	queue_work_on(cpu, ovpn_rx_wq, &per_cpu_ptr(rx->workers, cpu)->work);
out:
	rcu_read_unlock();
	return ret;
}

/* the head of @cell's queue if it is decrypted, unlinked; else NULL */
static struct sk_buff *ovpn_rx_cell_next(struct ovpn_rx_cell *cell)
{
	struct sk_buff *skb;

	spin_lock(&cell->queue.lock);
	skb = skb_peek(&cell->queue);
	if (skb && ovpn_rx_result(skb) != OVPN_RX_PENDING)
		__skb_unlink(skb, &cell->queue);
	else
		skb = NULL;
	spin_unlock(&cell->queue.lock);

	return skb;
}

static int ovpn_rx_poll(struct napi_struct *napi, int budget)
{
	struct ovpn_rx_cell *cell;
	struct sk_buff *skb;
	int done = 0;

	cell = container_of(napi, struct ovpn_rx_cell, napi);
	while (done < budget && (skb = ovpn_rx_cell_next(cell))) {
		ovpn_rx_deliver(napi, skb, ovpn_rx_result(skb));
		done++;
	}

	/*
	 * A decryption that ends after the check above schedules the cell
	 * again: napi_complete_done() then reports the poll missed it.
	 */
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/**
 * ovpn_rx_init - set up the receive pipeline of a new device
 * @ovpn: the device, being registered (ndo_init)
 *
 * Context: process context, RTNL held.
 * Return: 0 or -ENOMEM.
 */
int ovpn_rx_init(struct ovpn_struct *ovpn)
{
	struct ovpn_rx *rx = &ovpn->rx;
	int cpu, err;

	err = ptr_ring_init(&rx->ring, OVPN_RX_RING_SIZE, GFP_KERNEL);
	if (err)
		return err;

	rx->cells = alloc_percpu(struct ovpn_rx_cell);
	rx->workers = alloc_percpu(struct ovpn_rx_worker);
	if (!rx->cells || !rx->workers) {
		free_percpu(rx->workers);
		free_percpu(rx->cells);
		ptr_ring_cleanup(&rx->ring, NULL);
		return -ENOMEM;
	}

	rx->last_cpu = -1;
	for_each_possible_cpu(cpu) {
		struct ovpn_rx_cell *cell = per_cpu_ptr(rx->cells, cpu);
		struct ovpn_rx_worker *worker = per_cpu_ptr(rx->workers, cpu);

		skb_queue_head_init(&cell->queue);
		netif_napi_add(ovpn->dev, &cell->napi, ovpn_rx_poll);
		napi_enable(&cell->napi);

		INIT_WORK(&worker->work, ovpn_rx_work);
		worker->ovpn = ovpn;
	}

	return 0;
}

/* whether a packet of any cell still waits for its decryption */
static bool ovpn_rx_pending(struct ovpn_rx *rx)
{
	struct sk_buff *skb;
	bool pending = false;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ovpn_rx_cell *cell = per_cpu_ptr(rx->cells, cpu);

		spin_lock_bh(&cell->queue.lock);
		skb_queue_walk(&cell->queue, skb)
			pending |= ovpn_rx_result(skb) == OVPN_RX_PENDING;
		spin_unlock_bh(&cell->queue.lock);
	}

	return pending;
}

/**
 * ovpn_rx_destroy - tear the receive pipeline of a device down
 * @ovpn: the device: dying (ovpn_peers_teardown()), or never registered
 *
 * Waits for the packets being enqueued and decrypted, then drops every
 * packet not delivered yet (and the peer reference each holds).
 *
 * Context: process context, RTNL held (ndo_uninit, ndo_init's error path).
 */
void ovpn_rx_destroy(struct ovpn_struct *ovpn)
{
	struct ovpn_rx *rx = &ovpn->rx;
	struct sk_buff *skb;
	int cpu;

	/* no ovpn_rx_enqueue() after this one: the device is dying */
	synchronize_net();

	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(rx->workers, cpu)->work);
	/* none left, unless a worker's CPU went offline meanwhile */
	while ((skb = ptr_ring_consume_bh(&rx->ring)))
		ovpn_rx_decrypt(skb);
	/* an asynchronous decryption still owns its packet */
	while (ovpn_rx_pending(rx))
		msleep(20);

	for_each_possible_cpu(cpu) {
		struct ovpn_rx_cell *cell = per_cpu_ptr(rx->cells, cpu);

		napi_disable(&cell->napi);
		__netif_napi_del(&cell->napi);
	}
	/* no poll runs any more, and none will see the cells again */
	synchronize_net();

	for_each_possible_cpu(cpu) {
		struct ovpn_rx_cell *cell = per_cpu_ptr(rx->cells, cpu);

		while ((skb = __skb_dequeue(&cell->queue)))
			ovpn_rx_discard(skb, OVPN_STAT_RX_ERRORS);
	}

	ptr_ring_cleanup(&rx->ring, NULL);
	free_percpu(rx->workers);
	free_percpu(rx->cells);
}

/**
 * ovpn_rx_wq_init - create the workqueue of the decryption workers
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int ovpn_rx_wq_init(void)
{
	/*
	 * per-CPU (queue_work_on() picks the CPU); CPU-bound work items, not
	 * counted against the per-CPU concurrency
	 */
	ovpn_rx_wq = alloc_workqueue("ovpn-dco-rx",
				     OVPN_COMPAT_WQ_PERCPU_FLAG |
				     WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	return ovpn_rx_wq ? 0 : -ENOMEM;
}

/**
 * ovpn_rx_wq_destroy - destroy the workqueue of the decryption workers
 *
 * Context: module exit, after every device is gone.
 */
void ovpn_rx_wq_destroy(void)
{
	destroy_workqueue(ovpn_rx_wq);
}
