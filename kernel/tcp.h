/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - TCP transport
 */

#ifndef _NET_OVPN_DCO_TCP_H_
#define _NET_OVPN_DCO_TCP_H_

#include <linux/build_bug.h>
#include <linux/limits.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "notify.h"

struct netlink_ext_ack;
struct ovpn_peer;
struct ovpn_socket;
struct ovpn_tcp_protos;
struct sock;
struct socket;

/* the length in front of every packet of the stream */
#define OVPN_TCP_LEN_SIZE	sizeof(__be16)
/* the longest frame, length included */
#define OVPN_TCP_FRAME_MAX	(OVPN_TCP_LEN_SIZE + U16_MAX)
/* kernel frames queued while userspace owns the socket */
#define OVPN_TCP_MAX_QUEUED	64
/* what one userspace send() writes at most, as one unit */
#define OVPN_TCP_SEND_MAX	(2 * OVPN_TCP_FRAME_MAX)
/*
 * Lockdep subclass of the socket spinlock taken on TX: the data path may
 * run under the spinlock of another TCP socket (its ACK processing sent
 * a packet through the tunnel), taken with SINGLE_DEPTH_NESTING.
 */
#define OVPN_TCP_LOCK_SUBCLASS	2

/* bits of ovpn_tcp.flags */
enum {
	OVPN_TCP_DETACHED,	/* detached, or being detached */
	OVPN_TCP_RX_STOPPED,	/* stream error: no more parsing */
	OVPN_TCP_RX_PAUSED,	/* the user queue is full */
	OVPN_TCP_TX_ERROR,	/* the stream is broken: no more writing */
	OVPN_TCP_TX_SCHEDULED,	/* tx_work is queued */
	OVPN_TCP_DEL_PENDING,	/* del_work was queued (once) */
};

/* where a frame of the user queue was read up to */
struct ovpn_tcp_cb {
	unsigned int offset;
};

static inline struct ovpn_tcp_cb *ovpn_tcp_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct ovpn_tcp_cb) > sizeof(skb->cb));
	return (struct ovpn_tcp_cb *)skb->cb;
}

/**
 * struct ovpn_tcp - the TCP state of an attached socket
 * @osock: the struct ovpn_socket this belongs to
 * @protos: the socket operations installed on the socket, and the
 *	socket's own ones, restored on detach
 * @refs: one reference for @osock (dropped when it is freed), one per
 *	task inside our recvmsg() or sendmsg()
 * @flags: OVPN_TCP_* bits
 * @del_reason: why the peer goes, for the deferred deletion
 * @user_queue: non-DATA_V2 frames, with their length prefix, waiting for
 *	userspace recvmsg(); the first one may be partly read already
 * @user_bytes: unread bytes in @user_queue (socket lock)
 * @rx_skb: the frame being received, length included, once its length
 *	is known (socket lock)
 * @rx_need: bytes @rx_skb still misses
 * @rx_discard: bytes of a frame being dropped still to skip
 * @rx_hdr: the length of the next frame, as far as received
 * @rx_hdr_len: bytes of @rx_hdr received
 * @out_queue: frames the kernel sent while userspace owned the socket,
 *	waiting for release_sock() (its own lock)
 * @out_skb: the frame being written to the stream: nothing else may be
 *	written before it is complete (socket lock)
 * @out_off: bytes of @out_skb already written
 * @tx_work: writes pending frames once the socket has room again
 * @del_work: deletes the peer of the socket (FIN, RST, stream error)
 * @saved_data_ready: the socket's own callbacks and allocation flags,
 *	restored on detach
 * @saved_write_space: see @saved_data_ready
 * @saved_state_change: see @saved_data_ready
 * @saved_allocation: see @saved_data_ready
 * @saved_task_frag: see @saved_data_ready
 *
 * One per attached TCP socket, and so one per peer: a TCP socket carries
 * exactly one peer.
 */
struct ovpn_tcp {
	struct ovpn_socket *osock;
	struct ovpn_tcp_protos *protos;
	refcount_t refs;
	unsigned long flags;
	enum ovpn_nl_reason del_reason;
	struct sk_buff_head user_queue;
	unsigned int user_bytes;
	struct sk_buff *rx_skb;
	unsigned int rx_need;
	unsigned int rx_discard;
	u8 rx_hdr[2];
	u8 rx_hdr_len;
	struct sk_buff_head out_queue;
	struct sk_buff *out_skb;
	unsigned int out_off;
	struct work_struct tx_work;
	struct work_struct del_work;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	gfp_t saved_allocation;
	bool saved_task_frag;
};

/* the stream: tcp.c */
void ovpn_tcp_put(struct ovpn_tcp *tcp);
int ovpn_tcp_send_skb(struct ovpn_peer *peer, struct sk_buff *skb);
struct ovpn_tcp *ovpn_tcp_rcu(struct sock *sk);
int ovpn_tcp_flush(struct sock *sk, struct ovpn_tcp *tcp);
int ovpn_tcp_flush_pending(struct sock *sk, struct ovpn_tcp *tcp);
bool ovpn_tcp_tx_pending(struct ovpn_tcp *tcp);
void ovpn_tcp_tx_purge(struct ovpn_tcp *tcp);
bool ovpn_tcp_user_full(struct sock *sk, struct ovpn_tcp *tcp);
void ovpn_tcp_rx(struct sock *sk, struct ovpn_tcp *tcp);
void ovpn_tcp_data_ready(struct sock *sk);
void ovpn_tcp_write_space(struct sock *sk);
void ovpn_tcp_state_change(struct sock *sk);
void ovpn_tcp_tx_work(struct work_struct *work);
void ovpn_tcp_del_work(struct work_struct *work);

/* the userspace side of the socket: tcp_sock.c */
int ovpn_tcp_socket_attach(struct socket *sock, struct ovpn_socket *osock,
			   struct netlink_ext_ack *extack);
void ovpn_tcp_socket_detach(struct ovpn_socket *osock);
struct ovpn_socket *ovpn_tcp_socket_lookup(struct sock *sk);

#endif /* _NET_OVPN_DCO_TCP_H_ */
