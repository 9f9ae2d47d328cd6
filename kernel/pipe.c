// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - the crypto pipelines
 *
 * Doing the crypto where a packet shows up - in the softirq of the CPU
 * that received it, or in the sending task's context - puts all of a
 * tunnel's crypto of one direction on one CPU. On receive it also starves
 * whatever else runs there: under a flood the softirq takes the CPU from
 * the application the packets are for, and fewer packets are delivered
 * the faster they come (receive livelock). So the packet is only queued,
 * and the work is spread:
 *
 *  1. ovpn_pipe_enqueue() (softirq, or bottom halves disabled) appends the
 *     packet to a cell, a queue in entry order - on receive the cell of
 *     the current CPU, on transmit the one of the packet's peer - and to
 *     the pipeline's ring, then queues the worker of the current CPU -
 *     or, when the cell has more than OVPN_PIPE_SPREAD packets waiting, of
 *     the next online CPU in turn: a stream the entry CPU keeps up with
 *     stays there, the excess of a burst or a flood goes to every CPU.
 *  2. ovpn_pipe_work() (process context) takes packets from the ring and
 *     starts their crypto (ops->crypt), OVPN_PIPE_BATCH at a time with
 *     bottom halves disabled; each result goes into the packet's control
 *     block (ovpn_pipe_done()) and the packet's cell is scheduled, so that
 *     a batch is finished by one poll (GRO, or a train, sees it whole).
 *     Workers are ordinary kernel threads: the scheduler shares the CPU
 *     between them and the applications.
 *  3. The cell's NAPI poll (ovpn_pipe_poll(), softirq, on the CPU that
 *     scheduled it) takes from the head of the queue for as long as the
 *     head is done, at most its budget per poll, and hands that run to
 *     ops->finish: delivery up the stack (io.c) or sending (tx.c). The
 *     transmit pipeline sends whole runs (ops->whole_runs): a run that a
 *     packet still being encrypted follows waits for it, so that the
 *     segments of a GSO send leave in one train.
 *
 * What enters a cell leaves it in the same order, however the crypto
 * operations end: a peer's received packets arrive on one CPU (the NIC
 * hashes the outer flow; a TCP stream is read in order) and go to its
 * cell; the packets sent to a peer, from any CPU, go to the peer's cell,
 * and take their packet ids there, in the queue's order.
 *
 * Memory: per pipeline, a ring of pointers and a cell and a worker per
 * possible CPU; nothing per peer. ovpn_pipe_enqueue() refuses a packet
 * when its cell or the ring is full: the pipeline never holds more than
 * that. A packet holds its peer and its key slot until finished.
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
#include "ovpnstruct.h"
#include "pipe.h"

/* packets a worker handles with bottom halves disabled */
#define OVPN_PIPE_BATCH		NAPI_POLL_WEIGHT
/* a cell with more packets waiting than this spreads them over the CPUs */
#define OVPN_PIPE_SPREAD	16
/* ovpn_skb_cb(skb)->result of a packet whose crypto work did not end */
#define OVPN_PIPE_PENDING	1

/**
 * struct ovpn_pipe_cell - a queue of a pipeline's packets (per possible CPU)
 * @queue: in the order they were queued, done or not
 * @napi: finishes from the head of @queue
 * @pipe: the pipeline
 */
struct ovpn_pipe_cell {
	struct sk_buff_head queue;
	struct napi_struct napi;
	struct ovpn_pipe *pipe;
};

/**
 * struct ovpn_pipe_worker - the crypto work of a pipeline on one CPU
 * @work: runs ovpn_pipe_work()
 * @pipe: the pipeline
 */
struct ovpn_pipe_worker {
	struct work_struct work;
	struct ovpn_pipe *pipe;
};

/* bound to CPUs: ovpn_pipe_enqueue() picks the CPU of every work item */
static struct workqueue_struct *ovpn_pipe_wq;

/* the result of @skb's crypto work, or OVPN_PIPE_PENDING */
static int ovpn_pipe_result(struct sk_buff *skb)
{
	/* pairs with ovpn_pipe_done(): the data is seen with the result */
	return smp_load_acquire(&ovpn_skb_cb(skb)->result);
}

/**
 * ovpn_pipe_done - a packet's crypto work ended
 * @skb: the packet, in its cell since ovpn_pipe_enqueue()
 * @err: 0 or the negative errno of the failure
 *
 * Publishes the result and schedules the packet's cell, which finishes
 * the packet once the packets before it are done. @skb belongs to the
 * cell from here on.
 *
 * Context: any but hard IRQ (process context for a synchronous operation,
 * the crypto driver's completion for an asynchronous one).
 */
void ovpn_pipe_done(struct sk_buff *skb, int err)
{
	struct ovpn_pipe_cell *cell = ovpn_skb_cb(skb)->cell;

	/* after this store the cell's poll may free @skb at any time */
	smp_store_release(&ovpn_skb_cb(skb)->result, err);

	local_bh_disable();
	napi_schedule(&cell->napi);
	local_bh_enable();
}

/**
 * ovpn_pipe_work - the body of a pipeline's worker
 * @work: the worker's work item
 *
 * Each pipeline's work function is a wrapper of its own, so that traces
 * tell the pipelines apart.
 *
 * Context: process context (the pipelines' workqueue).
 */
void ovpn_pipe_work(struct work_struct *work)
{
	struct ovpn_pipe_worker *worker;
	struct ovpn_pipe *pipe;
	struct sk_buff *skb;
	int n;

	worker = container_of(work, struct ovpn_pipe_worker, work);
	pipe = worker->pipe;
	do {
		/*
		 * The cells a batch scheduled poll when bottom halves are
		 * enabled again: once for the batch.
		 */
		local_bh_disable();
		for (n = 0; n < OVPN_PIPE_BATCH; n++) {
			skb = ptr_ring_consume(&pipe->ring);
			if (!skb)
				break;
			pipe->ops->crypt(skb);
		}
		local_bh_enable();
		cond_resched();
	} while (n == OVPN_PIPE_BATCH);
}

/* the CPU for the next spread work item: the online CPUs in turn */
static int ovpn_pipe_next_cpu(struct ovpn_pipe *pipe)
{
	int cpu = cpumask_next(READ_ONCE(pipe->last_cpu), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	/* a lost update only repeats a CPU */
	WRITE_ONCE(pipe->last_cpu, cpu);
	return cpu;
}

/**
 * ovpn_pipe_enqueue - queue a packet for its crypto work
 * @pipe: the pipeline
 * @skb: the packet, with its control block set up for @pipe's ops;
 *	consumed on success
 * @cpu: the possible CPU whose cell the packet goes to: the current one
 *	(receive), or one chosen by the caller to keep packets in one order
 *	(transmit: one cell per peer)
 *
 * Context: softirq, or process context with bottom halves disabled.
 * Return: 0 if the pipeline took @skb (from here on it is finished, or
 * discarded and counted, in order); -ENOBUFS if its cell or the ring is
 * full, -ENODEV if the device is going away, or the error of
 * ops->queued: @skb is then the caller's.
 */
int ovpn_pipe_enqueue(struct ovpn_pipe *pipe, struct sk_buff *skb, int cpu)
{
	struct ovpn_pipe_cell *cell;
	int ret = 0;
	u32 qlen;

	/* ovpn_pipe_destroy() waits for the RCU readers that saw !dying */
	rcu_read_lock();
	if (unlikely(READ_ONCE(pipe->ovpn->dying))) {
		ret = -ENODEV;
		goto out;
	}

	cell = per_cpu_ptr(pipe->cells, cpu);
	ovpn_skb_cb(skb)->cell = cell;
	ovpn_skb_cb(skb)->result = OVPN_PIPE_PENDING;

	spin_lock(&cell->queue.lock);
	if (unlikely(skb_queue_len(&cell->queue) >= pipe->cell_max)) {
		spin_unlock(&cell->queue.lock);
		ret = -ENOBUFS;
		goto out;
	}
	__skb_queue_tail(&cell->queue, skb);
	if (pipe->ops->queued) {
		ret = pipe->ops->queued(skb);
		if (unlikely(ret)) {
			__skb_unlink(skb, &cell->queue);
			spin_unlock(&cell->queue.lock);
			goto out;
		}
	}
	qlen = skb_queue_len(&cell->queue);
	spin_unlock(&cell->queue.lock);

	if (unlikely(ptr_ring_produce(&pipe->ring, skb))) {
		/* still pending, so no poll took it: the caller drops it */
		spin_lock(&cell->queue.lock);
		__skb_unlink(skb, &cell->queue);
		spin_unlock(&cell->queue.lock);
		ret = -ENOBUFS;
		goto out;
	}

	/* this CPU's worker, unless the cell falls behind: then every CPU's */
	cpu = qlen > OVPN_PIPE_SPREAD ? ovpn_pipe_next_cpu(pipe) :
					smp_processor_id();
	queue_work_on(cpu, ovpn_pipe_wq,
		      &per_cpu_ptr(pipe->workers, cpu)->work);
out:
	rcu_read_unlock();
	return ret;
}

/**
 * ovpn_pipe_idle - whether a cell is empty
 * @pipe: the pipeline
 * @cpu: the possible CPU of the cell
 *
 * Context: bottom halves disabled.
 * Return: true if no packet is left in the cell: a packet that would go
 * there may then bypass the pipeline without overtaking one in it (but
 * for one queued meanwhile on another CPU).
 */
bool ovpn_pipe_idle(struct ovpn_pipe *pipe, int cpu)
{
	return skb_queue_empty_lockless(&per_cpu_ptr(pipe->cells, cpu)->queue);
}

/*
 * Unlink into @done the run of finished packets at the head of @cell's
 * queue, at most @budget. With ops->whole_runs, a run that a pending
 * packet follows stays queued unless it fills @budget: that packet's end
 * schedules the cell again, and the run then leaves longer.
 */
static int ovpn_pipe_cell_take(struct ovpn_pipe_cell *cell,
			       struct sk_buff_head *done, int budget)
{
	struct sk_buff *skb;
	int n = 0;

	spin_lock(&cell->queue.lock);
	skb_queue_walk(&cell->queue, skb) {
		if (n == budget || ovpn_pipe_result(skb) == OVPN_PIPE_PENDING)
			break;
		n++;
	}
	if (cell->pipe->ops->whole_runs && n < budget &&
	    n < skb_queue_len(&cell->queue))
		n = 0;
	while (n--)
		__skb_queue_tail(done, __skb_dequeue(&cell->queue));
	spin_unlock(&cell->queue.lock);

	return skb_queue_len(done);
}

static int ovpn_pipe_poll(struct napi_struct *napi, int budget)
{
	struct ovpn_pipe_cell *cell;
	struct sk_buff_head done;
	int n;

	cell = container_of(napi, struct ovpn_pipe_cell, napi);
	__skb_queue_head_init(&done);
	n = ovpn_pipe_cell_take(cell, &done, budget);
	if (n)
		cell->pipe->ops->finish(napi, &done);

	/*
	 * An operation that ends after the check above schedules the cell
	 * again: napi_complete_done() then reports the poll missed it.
	 */
	if (n < budget)
		napi_complete_done(napi, n);
	return n;
}

/**
 * ovpn_pipe_init - set up a crypto pipeline of a new device
 * @pipe: the pipeline
 * @ovpn: the device, being registered (ndo_init)
 * @ops: what the pipeline does with its packets
 * @work: the work function of its workers: a wrapper of ovpn_pipe_work()
 * @size: the most packets the ring, and each cell, holds
 *
 * Context: process context, RTNL held.
 * Return: 0 or -ENOMEM.
 */
int ovpn_pipe_init(struct ovpn_pipe *pipe, struct ovpn_struct *ovpn,
		   const struct ovpn_pipe_ops *ops, work_func_t work,
		   unsigned int size)
{
	int cpu, err;

	err = ptr_ring_init(&pipe->ring, size, GFP_KERNEL);
	if (err)
		return err;

	pipe->cells = alloc_percpu(struct ovpn_pipe_cell);
	pipe->workers = alloc_percpu(struct ovpn_pipe_worker);
	if (!pipe->cells || !pipe->workers) {
		free_percpu(pipe->workers);
		free_percpu(pipe->cells);
		ptr_ring_cleanup(&pipe->ring, NULL);
		return -ENOMEM;
	}

	pipe->ovpn = ovpn;
	pipe->ops = ops;
	pipe->cell_max = size;
	pipe->last_cpu = -1;
	for_each_possible_cpu(cpu) {
		struct ovpn_pipe_cell *cell = per_cpu_ptr(pipe->cells, cpu);
		struct ovpn_pipe_worker *worker;

		worker = per_cpu_ptr(pipe->workers, cpu);
		skb_queue_head_init(&cell->queue);
		cell->pipe = pipe;
		netif_napi_add(ovpn->dev, &cell->napi, ovpn_pipe_poll);
		napi_enable(&cell->napi);

		INIT_WORK(&worker->work, work);
		worker->pipe = pipe;
	}

	return 0;
}

/* whether a packet of any cell still waits for its crypto work to end */
static bool ovpn_pipe_pending(struct ovpn_pipe *pipe)
{
	struct sk_buff *skb;
	bool pending = false;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ovpn_pipe_cell *cell = per_cpu_ptr(pipe->cells, cpu);

		spin_lock_bh(&cell->queue.lock);
		skb_queue_walk(&cell->queue, skb)
			pending |= ovpn_pipe_result(skb) == OVPN_PIPE_PENDING;
		spin_unlock_bh(&cell->queue.lock);
	}

	return pending;
}

/**
 * ovpn_pipe_destroy - tear a crypto pipeline down
 * @pipe: the pipeline of a device that is dying (ovpn_peers_teardown()),
 *	or was never registered
 *
 * Waits for the packets being enqueued and worked on, then discards every
 * packet not finished yet (and the references each holds).
 *
 * Context: process context, RTNL held (ndo_uninit, ndo_init's error path).
 */
void ovpn_pipe_destroy(struct ovpn_pipe *pipe)
{
	struct sk_buff *skb;
	int cpu;

	/* no ovpn_pipe_enqueue() after this one: the device is dying */
	synchronize_net();

	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(pipe->workers, cpu)->work);
	/* none left, unless a worker's CPU went offline meanwhile */
	local_bh_disable();
	while ((skb = ptr_ring_consume(&pipe->ring)))
		pipe->ops->crypt(skb);
	local_bh_enable();
	/* an asynchronous operation still owns its packet */
	while (ovpn_pipe_pending(pipe))
		msleep(20);

	for_each_possible_cpu(cpu) {
		struct ovpn_pipe_cell *cell = per_cpu_ptr(pipe->cells, cpu);

		napi_disable(&cell->napi);
		__netif_napi_del(&cell->napi);
	}
	/* no poll runs any more, and none will see the cells again */
	synchronize_net();

	for_each_possible_cpu(cpu) {
		struct ovpn_pipe_cell *cell = per_cpu_ptr(pipe->cells, cpu);

		while ((skb = __skb_dequeue(&cell->queue)))
			pipe->ops->discard(skb);
	}

	ptr_ring_cleanup(&pipe->ring, NULL);
	free_percpu(pipe->workers);
	free_percpu(pipe->cells);
}

/**
 * ovpn_pipe_wq_init - create the workqueue of the pipelines' workers
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int ovpn_pipe_wq_init(void)
{
	/*
	 * per-CPU (queue_work_on() picks the CPU); CPU-bound work items, not
	 * counted against the per-CPU concurrency
	 */
	ovpn_pipe_wq = alloc_workqueue("ovpn-dco-crypt",
				       OVPN_COMPAT_WQ_PERCPU_FLAG |
				       WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	return ovpn_pipe_wq ? 0 : -ENOMEM;
}

/**
 * ovpn_pipe_wq_destroy - destroy the workqueue of the pipelines' workers
 *
 * Context: module exit, after every device is gone.
 */
void ovpn_pipe_wq_destroy(void)
{
	destroy_workqueue(ovpn_pipe_wq);
}
