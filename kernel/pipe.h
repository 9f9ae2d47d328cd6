/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - the crypto pipelines
 *
 * See pipe.c: packets are encrypted or decrypted by workers on every
 * online CPU and leave the pipeline, through NAPI, in the order they
 * entered it on their CPU. A device has two: receive (io.c) and transmit
 * (tx.c).
 */

#ifndef _NET_OVPN_DCO_PIPE_H_
#define _NET_OVPN_DCO_PIPE_H_

#include <linux/ptr_ring.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct napi_struct;
struct ovpn_pipe;
struct ovpn_pipe_cell;
struct ovpn_pipe_worker;
struct ovpn_struct;
struct sk_buff;
struct sk_buff_head;

/**
 * struct ovpn_pipe_ops - what a pipeline does with its packets
 * @crypt: start the crypto work of a packet; the result goes to
 *	ovpn_pipe_done(), now or when an asynchronous operation ends.
 *	Process context (a worker) with bottom halves disabled.
 * @finish: take the packets at the head of a cell whose crypto work
 *	ended, in order, each with its result in ovpn_skb_cb(skb)->result;
 *	consumes them. Softirq (the cell's NAPI poll).
 * @discard: drop a packet the pipeline will not finish (the device is
 *	going away); consumes it.
 * @queued: optional: called under the cell's lock right after a packet
 *	was queued, for what must follow the queue's order (a packet id). A
 *	negative errno takes the packet out again, and ovpn_pipe_enqueue()
 *	returns it.
 * @whole_runs: hand @finish a run of finished packets only when it fills
 *	the poll's budget or no pending packet follows it
 */
struct ovpn_pipe_ops {
	void (*crypt)(struct sk_buff *skb);
	void (*finish)(struct napi_struct *napi, struct sk_buff_head *done);
	void (*discard)(struct sk_buff *skb);
	int (*queued)(struct sk_buff *skb);
	bool whole_runs;
};

/**
 * struct ovpn_pipe - a crypto pipeline of a device
 * @ovpn: the device
 * @ops: what it does with its packets
 * @cells: per possible CPU: a queue of packets in the order they were
 *	queued (receive: in the current CPU's cell; transmit: in the cell of
 *	their peer) and the NAPI context that finishes them
 * @workers: per CPU: the work item that does the crypto on that CPU
 * @ring: the packets waiting for their crypto work, of every cell
 * @cell_max: the most packets a cell holds
 * @last_cpu: the CPU the last spread work item was queued on
 */
struct ovpn_pipe {
	struct ovpn_struct *ovpn;
	const struct ovpn_pipe_ops *ops;
	struct ovpn_pipe_cell __percpu *cells;
	struct ovpn_pipe_worker __percpu *workers;
	struct ptr_ring ring;
	unsigned int cell_max;
	int last_cpu;
};

int ovpn_pipe_init(struct ovpn_pipe *pipe, struct ovpn_struct *ovpn,
		   const struct ovpn_pipe_ops *ops, work_func_t work,
		   unsigned int size);
void ovpn_pipe_destroy(struct ovpn_pipe *pipe);
int ovpn_pipe_enqueue(struct ovpn_pipe *pipe, struct sk_buff *skb, int cpu);
bool ovpn_pipe_idle(struct ovpn_pipe *pipe, int cpu);
void ovpn_pipe_work(struct work_struct *work);
void ovpn_pipe_done(struct sk_buff *skb, int err);

int ovpn_pipe_wq_init(void);
void ovpn_pipe_wq_destroy(void);

#endif /* _NET_OVPN_DCO_PIPE_H_ */
