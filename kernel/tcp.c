// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - TCP transport
 *
 * A TCP peer comes with an established TCP socket of its own; the stream
 * carries OpenVPN packets, each preceded by its length (2 bytes, big
 * endian). Attaching the socket replaces its sk_data_ready, sk_write_space
 * and sk_state_change callbacks and its operations: sk_prot and
 * sk_socket->ops become copies of the socket's own ones (built at the
 * first attach of each family, IPv4 and IPv6) with recvmsg, sendmsg,
 * close, disconnect, release_cb, sock_is_readable and poll overridden.
 * Detaching restores all of it, and the socket goes on as a plain TCP
 * socket.
 *
 * RX. sk_data_ready moves all the unread bytes of the receive queue into
 * frames, under the socket lock (tcp_read_done() consumes them, so TCP's
 * buffer and window stay open); the frame in progress is kept here until
 * complete. DATA_V2 frames go to ovpn_recv(); every other frame is queued,
 * length prefix included, on a queue that our recvmsg() reads as a byte
 * stream, so userspace reads exactly the control part of the original
 * stream, and poll() reports it readable only when that queue is not
 * empty (or at the end of the stream). When the queue holds more than the
 * socket's receive buffer, parsing pauses until userspace reads: the TCP
 * window then closes. A zero length is a stream error: parsing stops and
 * the peer goes with reason TRANSPORT_ERROR; FIN removes it with reason
 * TRANSPORT_DISCONNECT, RST or any socket error with TRANSPORT_ERROR, all
 * from a work item (deletion sleeps). On detach, the control frames
 * userspace has not read and the frame in progress are put back at the
 * head of the receive queue: the plain socket then reads exactly the part
 * of the stream ovpn-dco did not consume.
 *
 * TX. A frame is written with tcp_sendmsg_locked(MSG_DONTWAIT |
 * MSG_NOSIGNAL) under the socket lock, from whatever context the data
 * path runs in (bottom halves disabled): with the spinlock if userspace
 * does not own the socket; if it does, the frame is queued (bounded) and
 * written by our release_cb when userspace releases it. A frame TCP only
 * took in part stays pending (out_skb) and must be completed before
 * anything else goes out: a work item does it when TCP has room again,
 * after sk_write_space. While a frame is pending a new data packet is
 * dropped, as on a full device queue. Userspace send() goes through the
 * same rules: pending frames first, then its whole buffer (up to
 * OVPN_TCP_SEND_MAX bytes) at once, the rest of what TCP did not take
 * becoming the pending frame; so kernel and userspace frames never
 * interleave as long as each send() carries whole frames, as OpenVPN
 * does.
 *
 * Lifetime. struct ovpn_tcp lives as long as its struct ovpn_socket and
 * the tasks inside our recvmsg()/sendmsg() (which may sleep while the
 * socket is detached); each of those holds a module reference too, as
 * does our close() while TCP's close, which may linger, runs from it. A
 * scheduled work holds a reference on the struct ovpn_socket, so the
 * socket cannot be detached while a work is pending, and detaching never
 * waits for one.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bvec.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/dst.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "io.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "proto.h"
#include "socket.h"
#include "stats.h"
#include "tcp.h"

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

/**
 * struct ovpn_tcp_protos - the operations of attached TCP sockets
 * @orig_prot: the sockets' own sk_prot
 * @orig_ops: their own sk_socket->ops
 * @prot: copy of @orig_prot with our overrides
 * @ops: copy of @orig_ops with our overrides
 *
 * One for IPv4 and one for IPv6 sockets, built at the first attach of a
 * socket of the family, under the socket mutex of socket.c, never changed
 * afterwards.
 */
struct ovpn_tcp_protos {
	struct proto *orig_prot;
	const struct proto_ops *orig_ops;
	struct proto prot;
	struct proto_ops ops;	/* filled at run time */
};

static struct ovpn_tcp_protos ovpn_tcp_protos_v4;
static struct ovpn_tcp_protos ovpn_tcp_protos_v6;

/* where a frame of the user queue was read up to */
struct ovpn_tcp_cb {
	unsigned int offset;
};

static struct ovpn_tcp_cb *ovpn_tcp_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct ovpn_tcp_cb) > sizeof(skb->cb));
	return (struct ovpn_tcp_cb *)skb->cb;
}

static const struct ovpn_tcp_protos *ovpn_tcp_protos_of(const struct sock *sk)
{
	return sk->sk_family == AF_INET6 ? &ovpn_tcp_protos_v6 :
					   &ovpn_tcp_protos_v4;
}

/**
 * ovpn_tcp_put - drop a reference on the TCP state of a socket
 * @tcp: the state
 *
 * Context: any.
 */
void ovpn_tcp_put(struct ovpn_tcp *tcp)
{
	if (refcount_dec_and_test(&tcp->refs))
		kfree(tcp);
}

/*
 * The state of an attached socket, for a task entering our recvmsg() or
 * sendmsg(), with a reference on it and on the module. Socket locked.
 */
static struct ovpn_tcp *ovpn_tcp_get_user(struct sock *sk)
{
	struct ovpn_socket *osock;
	struct ovpn_tcp *tcp;

	/* detaching takes the socket lock: stable */
	rcu_read_lock();
	osock = rcu_dereference_sk_user_data(sk);
	tcp = osock ? osock->tcp : NULL;
	rcu_read_unlock();

	if (!tcp || test_bit(OVPN_TCP_DETACHED, &tcp->flags))
		return NULL;

	refcount_inc(&tcp->refs);
	__module_get(THIS_MODULE);
	return tcp;
}

static void ovpn_tcp_put_user(struct ovpn_tcp *tcp)
{
	ovpn_tcp_put(tcp);
	module_put(THIS_MODULE);
}

/* the state of an attached socket, under RCU; NULL once detached */
static struct ovpn_tcp *ovpn_tcp_rcu(struct sock *sk)
{
	struct ovpn_socket *osock = rcu_dereference_sk_user_data(sk);

	if (unlikely(!osock))
		return NULL;
	return osock->tcp;
}

static void ovpn_tcp_del_work(struct work_struct *work)
{
	struct ovpn_tcp *tcp = container_of(work, struct ovpn_tcp, del_work);
	struct ovpn_socket *osock = tcp->osock;

	ovpn_peers_del_by_sock(osock->ovpn, osock, tcp->del_reason);
	ovpn_socket_put(osock);
}

/*
 * The stream is over or broken: delete the peer, from a work (the first
 * reason wins). Context: any, socket locked or under RCU.
 */
static void ovpn_tcp_schedule_del(struct ovpn_tcp *tcp,
				  enum ovpn_nl_reason reason)
{
	if (test_and_set_bit(OVPN_TCP_DEL_PENDING, &tcp->flags))
		return;

	tcp->del_reason = reason;
	/* no reference left: the peer is being deleted already */
	if (ovpn_socket_hold(tcp->osock))
		schedule_work(&tcp->del_work);
}

/* may the kernel write to the stream now? Socket locked */
static bool ovpn_tcp_writable(const struct sock *sk)
{
	/* without a struct socket (closed) TCP would dereference it */
	return sk->sk_socket && !sk->sk_err &&
	       !(sk->sk_shutdown & SEND_SHUTDOWN) &&
	       ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT));
}

/*
 * Write @skb from *@off on, without waiting. Socket locked.
 * Return: 0 once all of it is written, -EAGAIN if TCP has no room left
 * (*@off tells how far it got), another negative errno if the stream is
 * broken.
 */
static int ovpn_tcp_write(struct sock *sk, struct sk_buff *skb,
			  unsigned int *off)
{
	unsigned int headlen = skb_headlen(skb);
	struct msghdr msg = {};
	unsigned int o, len;
	struct bio_vec bv;
	struct kvec kv;
	int i, ret;

	while (*off < skb->len) {
		if (unlikely(!ovpn_tcp_writable(sk)))
			return -EPIPE;

		if (*off < headlen) {
			kv.iov_base = skb->data + *off;
			kv.iov_len = headlen - *off;
			len = kv.iov_len;
			iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &kv, 1, len);
		} else {
			o = *off - headlen;
			for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
				const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

				if (o < skb_frag_size(frag))
					break;
				o -= skb_frag_size(frag);
			}
			/* a frame never has a frag_list: linearized before */
			if (WARN_ON_ONCE(i == skb_shinfo(skb)->nr_frags))
				return -EINVAL;

			bv.bv_page = skb_frag_page(&skb_shinfo(skb)->frags[i]);
			bv.bv_offset = skb_frag_off(&skb_shinfo(skb)->frags[i]) + o;
			bv.bv_len = skb_frag_size(&skb_shinfo(skb)->frags[i]) - o;
			len = bv.bv_len;
			iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, len);
		}

		msg.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
		if (*off + len < skb->len)
			msg.msg_flags |= MSG_MORE;

		ret = tcp_sendmsg_locked(sk, &msg, len);
		if (ret <= 0)
			return ret ?: -EAGAIN;

		*off += ret;
		if (ret < len)
			return -EAGAIN;
	}

	return 0;
}

/*
 * Write the pending frames, in order. Socket locked (spinlock without
 * owner, or owner). Return: as ovpn_tcp_write().
 */
static int ovpn_tcp_flush(struct sock *sk, struct ovpn_tcp *tcp)
{
	int ret;

	for (;;) {
		if (!tcp->out_skb) {
			tcp->out_skb = skb_dequeue(&tcp->out_queue);
			tcp->out_off = 0;
			if (!tcp->out_skb)
				return 0;
		}

		ret = ovpn_tcp_write(sk, tcp->out_skb, &tcp->out_off);
		if (ret)
			return ret;

		consume_skb(tcp->out_skb);
		tcp->out_skb = NULL;
	}
}

static bool ovpn_tcp_tx_pending(struct ovpn_tcp *tcp)
{
	return READ_ONCE(tcp->out_skb) ||
	       !skb_queue_empty_lockless(&tcp->out_queue);
}

/* drop what is pending. Socket locked */
static void ovpn_tcp_tx_purge(struct ovpn_tcp *tcp)
{
	kfree_skb(tcp->out_skb);
	tcp->out_skb = NULL;
	skb_queue_purge(&tcp->out_queue);
}

/*
 * ovpn_tcp_flush(), and on a broken stream: stop writing, drop what is
 * pending, delete the peer. Socket locked.
 */
static int ovpn_tcp_flush_pending(struct sock *sk, struct ovpn_tcp *tcp)
{
	int ret;

	if (test_bit(OVPN_TCP_TX_ERROR, &tcp->flags))
		return -EPIPE;

	ret = ovpn_tcp_flush(sk, tcp);
	if (likely(!ret || ret == -EAGAIN))
		return ret;

	net_dbg_ratelimited("%s: peer socket: TCP write error %d\n",
			    netdev_name(tcp->osock->ovpn->dev), ret);
	set_bit(OVPN_TCP_TX_ERROR, &tcp->flags);
	ovpn_tcp_tx_purge(tcp);
	ovpn_tcp_schedule_del(tcp, OVPN_NL_REASON_TRANSPORT_ERROR);
	return ret;
}

static void ovpn_tcp_tx_work(struct work_struct *work)
{
	struct ovpn_tcp *tcp = container_of(work, struct ovpn_tcp, tx_work);
	struct ovpn_socket *osock = tcp->osock;
	struct sock *sk = osock->sk;

	clear_bit(OVPN_TCP_TX_SCHEDULED, &tcp->flags);

	lock_sock(sk);
	if (!test_bit(OVPN_TCP_DETACHED, &tcp->flags))
		ovpn_tcp_flush_pending(sk, tcp);
	release_sock(sk);

	ovpn_socket_put(osock);
}

/**
 * ovpn_tcp_send_skb - send a packet to a peer over its TCP socket
 * @peer: the peer
 * @skb: the packet (DATA_V2 or control, without length); consumed
 *
 * The packet gets its length prefix and is written to the stream, or
 * queued until the stream is free. Nothing else is ever written in the
 * middle of it.
 *
 * Context: bottom halves disabled.
 * Return: 0 if the frame was written or queued, else a negative errno
 * (the packet is dropped).
 */
int ovpn_tcp_send_skb(struct ovpn_peer *peer, struct sk_buff *skb)
{
	struct ovpn_socket *osock;
	struct dst_entry *dst;
	struct ovpn_tcp *tcp;
	struct sock *sk;
	unsigned int len;
	int ret;

	rcu_read_lock();

	osock = rcu_dereference(peer->sock);
	if (unlikely(!osock || !osock->tcp)) {
		/* the peer was deleted meanwhile */
		ret = -ENOTCONN;
		goto out;
	}
	tcp = osock->tcp;
	sk = osock->sk;

	/* the socket is routed through the tunnel itself */
	dst = rcu_dereference(sk->sk_dst_cache);
	if (unlikely(skb->sk == sk || (dst && dst->dev == peer->ovpn->dev))) {
		net_dbg_ratelimited("%s: peer %u: TCP socket routed over itself\n",
				    netdev_name(peer->ovpn->dev), peer->id);
		ret = -ELOOP;
		goto out;
	}

	len = skb->len;
	if (unlikely(len > U16_MAX)) {
		ret = -EMSGSIZE;
		goto out;
	}

	if (unlikely((skb_has_frag_list(skb) && skb_linearize(skb)) ||
		     skb_cow_head(skb, OVPN_TCP_LEN_SIZE))) {
		ret = -ENOMEM;
		goto out;
	}
	put_unaligned_be16(len, __skb_push(skb, OVPN_TCP_LEN_SIZE));

	spin_lock_nested(&sk->sk_lock.slock, OVPN_TCP_LOCK_SUBCLASS);
	if (unlikely(test_bit(OVPN_TCP_DETACHED, &tcp->flags) ||
		     test_bit(OVPN_TCP_TX_ERROR, &tcp->flags))) {
		ret = -EPIPE;
	} else if (sock_owned_by_user(sk)) {
		/* written by ovpn_tcp_release_cb() */
		if (skb_queue_len(&tcp->out_queue) < OVPN_TCP_MAX_QUEUED) {
			skb_queue_tail(&tcp->out_queue, skb);
			skb = NULL;
			ret = 0;
		} else {
			ret = -ENOBUFS;
		}
	} else {
		ret = ovpn_tcp_flush_pending(sk, tcp);
		if (!ret) {
			tcp->out_skb = skb;
			tcp->out_off = 0;
			skb = NULL;
			ret = ovpn_tcp_flush_pending(sk, tcp);
			/* taken in part: the rest goes first, later */
			if (ret == -EAGAIN)
				ret = 0;
		} else if (ret == -EAGAIN) {
			/* no room behind the pending frame: a full queue */
			ret = -ENOBUFS;
		}
	}
	spin_unlock(&sk->sk_lock.slock);

out:
	rcu_read_unlock();
	kfree_skb(skb);
	return ret;
}

/*
 * Copy @len bytes of the unread receive queue, from @off on. Socket
 * locked. Return: false if fewer bytes are there.
 */
static bool ovpn_tcp_peek(struct sock *sk, unsigned int off, void *to,
			  unsigned int len)
{
	u32 seq = tcp_sk(sk)->copied_seq + off;
	struct sk_buff *skb;
	unsigned int n;
	u32 skb_off;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		skb_off = seq - TCP_SKB_CB(skb)->seq;
		if (skb_off >= skb->len)
			continue;

		n = min(len, skb->len - skb_off);
		if (skb_copy_bits(skb, skb_off, to, n))
			return false;

		to += n;
		seq += n;
		len -= n;
		if (!len)
			return true;
	}

	return false;
}

/* a control frame, length included, for userspace. Socket locked */
static void ovpn_tcp_to_user(struct sock *sk, struct ovpn_tcp *tcp,
			     struct sk_buff *skb)
{
	ovpn_stats_inc(tcp->osock->ovpn, OVPN_STAT_RX_CONTROL);

	ovpn_tcp_cb(skb)->offset = 0;
	tcp->user_bytes += skb->len;
	skb_queue_tail(&tcp->user_queue, skb);

	/* wake up readers and pollers */
	tcp->saved_data_ready(sk);
}

/* one complete frame, length included. Socket locked, BHs disabled */
static void ovpn_tcp_rx_frame(struct sock *sk, struct ovpn_tcp *tcp,
			      struct sk_buff *skb)
{
	struct ovpn_struct *ovpn = tcp->osock->ovpn;
	struct ovpn_peer *peer;
	u8 opcode;

	opcode = skb->data[OVPN_TCP_LEN_SIZE] >> OVPN_OPCODE_SHIFT;
	if (opcode != OVPN_OP_DATA_V2) {
		ovpn_tcp_to_user(sk, tcp, skb);
		return;
	}

	__skb_pull(skb, OVPN_TCP_LEN_SIZE);
	if (unlikely(skb->len < OVPN_DATA_V2_OVERHEAD)) {
		ovpn_rx_drop(ovpn, OVPN_STAT_RX_MALFORMED);
		goto drop;
	}

	peer = ovpn_peer_get_rx(ovpn, tcp->osock, skb);
	if (unlikely(!peer))
		goto drop;

	/* consumes the packet and the peer reference */
	ovpn_recv(peer, skb);
	return;

drop:
	kfree_skb(skb);
}

/* user queue limit: the receive buffer, at least one frame */
static bool ovpn_tcp_user_full(struct sock *sk, struct ovpn_tcp *tcp)
{
	return tcp->user_bytes >= max_t(unsigned int, READ_ONCE(sk->sk_rcvbuf),
					OVPN_TCP_FRAME_MAX);
}

/*
 * Take @n unread bytes off the receive queue into @to (NULL: drop them).
 * Socket locked.
 */
static bool ovpn_tcp_take(struct sock *sk, void *to, unsigned int n)
{
	if (to && !ovpn_tcp_peek(sk, 0, to, n))
		return false;

	tcp_read_done(sk, n);
	return true;
}

/*
 * Move everything the receive queue holds into frames, delivering each
 * frame once complete; the frame in progress is kept here, so TCP's
 * buffer (and window) is always free. Socket locked, bottom halves
 * disabled.
 */
static void ovpn_tcp_rx(struct sock *sk, struct ovpn_tcp *tcp)
{
	struct sk_buff *skb;
	unsigned int n, flen;
	int avail;

	while (!test_bit(OVPN_TCP_DETACHED, &tcp->flags) &&
	       !test_bit(OVPN_TCP_RX_STOPPED, &tcp->flags)) {
		if (ovpn_tcp_user_full(sk, tcp)) {
			set_bit(OVPN_TCP_RX_PAUSED, &tcp->flags);
			return;
		}

		avail = tcp_inq(sk);
		if (avail <= 0)
			return;

		if (tcp->rx_discard) {
			/* the rest of a frame we had no memory for */
			n = min_t(unsigned int, avail, tcp->rx_discard);
			if (!ovpn_tcp_take(sk, NULL, n))
				return;
			tcp->rx_discard -= n;
			continue;
		}

		if (!tcp->rx_skb) {
			/* the length, maybe one byte at a time */
			n = min_t(unsigned int, avail,
				  OVPN_TCP_LEN_SIZE - tcp->rx_hdr_len);
			if (!ovpn_tcp_take(sk, tcp->rx_hdr + tcp->rx_hdr_len, n))
				return;
			tcp->rx_hdr_len += n;
			if (tcp->rx_hdr_len < OVPN_TCP_LEN_SIZE)
				continue;

			flen = get_unaligned_be16(tcp->rx_hdr);
			if (unlikely(!flen)) {
				/* kept for the stream given back on detach */
				net_dbg_ratelimited("%s: zero length frame on TCP\n",
						    netdev_name(tcp->osock->ovpn->dev));
				set_bit(OVPN_TCP_RX_STOPPED, &tcp->flags);
				ovpn_tcp_schedule_del(tcp,
						      OVPN_NL_REASON_TRANSPORT_ERROR);
				return;
			}

			tcp->rx_hdr_len = 0;
			skb = alloc_skb(OVPN_TCP_LEN_SIZE + flen,
					GFP_ATOMIC | __GFP_NOWARN);
			if (unlikely(!skb)) {
				dev_core_stats_rx_dropped_inc(tcp->osock->ovpn->dev);
				tcp->rx_discard = flen;
				continue;
			}
			skb_put_data(skb, tcp->rx_hdr, OVPN_TCP_LEN_SIZE);
			tcp->rx_skb = skb;
			tcp->rx_need = flen;
			continue;
		}

		n = min_t(unsigned int, avail, tcp->rx_need);
		if (!ovpn_tcp_take(sk, skb_tail_pointer(tcp->rx_skb), n))
			return;
		__skb_put(tcp->rx_skb, n);
		tcp->rx_need -= n;
		if (tcp->rx_need)
			continue;

		skb = tcp->rx_skb;
		tcp->rx_skb = NULL;
		ovpn_tcp_rx_frame(sk, tcp, skb);
	}
}

/* sk_data_ready: new data, FIN. Socket locked (spinlock or owner) */
static void ovpn_tcp_data_ready(struct sock *sk)
{
	struct ovpn_tcp *tcp;

	rcu_read_lock();
	tcp = ovpn_tcp_rcu(sk);
	if (likely(tcp)) {
		/* the backlog of release_sock() runs with BHs enabled */
		local_bh_disable();
		ovpn_tcp_rx(sk, tcp);
		local_bh_enable();
	}
	rcu_read_unlock();
}

/* sk_write_space: TCP has room again. Socket locked */
static void ovpn_tcp_write_space(struct sock *sk)
{
	void (*write_space)(struct sock *sk) = NULL;
	struct ovpn_tcp *tcp;

	rcu_read_lock();
	tcp = ovpn_tcp_rcu(sk);
	if (likely(tcp)) {
		if (ovpn_tcp_tx_pending(tcp) && sk_stream_is_writeable(sk) &&
		    !test_and_set_bit(OVPN_TCP_TX_SCHEDULED, &tcp->flags)) {
			if (ovpn_socket_hold(tcp->osock))
				schedule_work(&tcp->tx_work);
			else
				clear_bit(OVPN_TCP_TX_SCHEDULED, &tcp->flags);
		}
		write_space = tcp->saved_write_space;
	}
	rcu_read_unlock();

	if (write_space)
		write_space(sk);
}

/* sk_state_change: FIN, RST, errors. Socket locked */
static void ovpn_tcp_state_change(struct sock *sk)
{
	void (*state_change)(struct sock *sk) = NULL;
	struct ovpn_tcp *tcp;

	rcu_read_lock();
	tcp = ovpn_tcp_rcu(sk);
	if (likely(tcp)) {
		if (sk->sk_err || (sk->sk_state == TCP_CLOSE &&
				   !sock_flag(sk, SOCK_DONE)))
			ovpn_tcp_schedule_del(tcp,
					      OVPN_NL_REASON_TRANSPORT_ERROR);
		else if (sk->sk_shutdown & RCV_SHUTDOWN)
			ovpn_tcp_schedule_del(tcp,
					      OVPN_NL_REASON_TRANSPORT_DISCONNECT);
		state_change = tcp->saved_state_change;
	}
	rcu_read_unlock();

	if (state_change)
		state_change(sk);
}

/* proto.release_cb: write what the kernel queued meanwhile */
static void ovpn_tcp_release_cb(struct sock *sk)
{
	const struct ovpn_tcp_protos *protos = ovpn_tcp_protos_of(sk);
	struct ovpn_tcp *tcp;

	rcu_read_lock();
	tcp = ovpn_tcp_rcu(sk);
	if (tcp && !test_bit(OVPN_TCP_DETACHED, &tcp->flags) &&
	    ovpn_tcp_tx_pending(tcp))
		ovpn_tcp_flush_pending(sk, tcp);
	rcu_read_unlock();

	if (protos->orig_prot->release_cb)
		protos->orig_prot->release_cb(sk);
}

static bool ovpn_tcp_recv_ready(struct sock *sk, struct ovpn_tcp *tcp)
{
	return !skb_queue_empty_lockless(&tcp->user_queue) ||
	       READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) ||
	       test_bit(OVPN_TCP_DETACHED, &tcp->flags);
}

/*
 * Copy up to @len bytes of the user queue to @msg; with MSG_PEEK, after
 * the *@peeked bytes peeked already. Socket locked (owner).
 * Return: bytes copied, or -EFAULT if none could be.
 */
static int ovpn_tcp_copy_user(struct sock *sk, struct ovpn_tcp *tcp,
			      struct msghdr *msg, size_t len, int flags,
			      size_t *peeked)
{
	size_t skip = *peeked, n;
	struct sk_buff *skb, *tmp;
	unsigned int off;
	int copied = 0;

	skb_queue_walk_safe(&tcp->user_queue, skb, tmp) {
		if (!len)
			break;

		off = ovpn_tcp_cb(skb)->offset;
		if (flags & MSG_PEEK) {
			if (skip >= skb->len - off) {
				skip -= skb->len - off;
				continue;
			}
			off += skip;
			skip = 0;
		}

		n = min_t(size_t, len, skb->len - off);
		if (!(flags & MSG_TRUNC) &&
		    skb_copy_datagram_msg(skb, off, msg, n))
			return copied ?: -EFAULT;

		copied += n;
		len -= n;
		if (flags & MSG_PEEK) {
			*peeked += n;
			continue;
		}

		ovpn_tcp_cb(skb)->offset += n;
		tcp->user_bytes -= n;
		if (ovpn_tcp_cb(skb)->offset == skb->len) {
			skb_unlink(skb, &tcp->user_queue);
			consume_skb(skb);
		}
	}

	/* room again: go on with the stream */
	if (copied && !(flags & MSG_PEEK) &&
	    test_bit(OVPN_TCP_RX_PAUSED, &tcp->flags) &&
	    !ovpn_tcp_user_full(sk, tcp)) {
		clear_bit(OVPN_TCP_RX_PAUSED, &tcp->flags);
		local_bh_disable();
		ovpn_tcp_rx(sk, tcp);
		local_bh_enable();
	}

	return copied;
}

/*
 * proto.recvmsg: the user queue as a byte stream, with TCP's semantics
 * (MSG_PEEK, MSG_WAITALL, SO_RCVLOWAT, timeouts, 0 at the end of the
 * stream). Once the socket is detached, the socket's own recvmsg.
 * @addr_len is NULL on kernels whose recvmsg has no such argument.
 */
static int ovpn_tcp_do_recvmsg(struct sock *sk, struct msghdr *msg,
			       size_t len, int flags, int *addr_len)
{
	const struct ovpn_tcp_protos *protos = ovpn_tcp_protos_of(sk);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct ovpn_tcp *tcp;
	bool detached = false;
	size_t peeked = 0;
	int copied = 0, ret, target;
	long timeo;

	if (unlikely(flags & (MSG_ERRQUEUE | MSG_OOB)))
		goto orig;

	lock_sock(sk);
	tcp = ovpn_tcp_get_user(sk);
	if (!tcp) {
		release_sock(sk);
		goto orig;
	}

	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);

	while (len) {
		ret = ovpn_tcp_copy_user(sk, tcp, msg, len - copied, flags,
					 &peeked);
		if (ret < 0) {
			copied = copied ?: ret;
			break;
		}
		copied += ret;
		if (copied >= target)
			break;

		if (test_bit(OVPN_TCP_DETACHED, &tcp->flags)) {
			detached = !copied;
			break;
		}

		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			    signal_pending(current))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}

		add_wait_queue(sk_sleep(sk), &wait);
		sk_wait_event(sk, &timeo, ovpn_tcp_recv_ready(sk, tcp), &wait);
		remove_wait_queue(sk_sleep(sk), &wait);
	}

	release_sock(sk);
	ovpn_tcp_put_user(tcp);
	if (!detached)
		return copied;
orig:
	return ovpn_compat_call_recvmsg(protos->orig_prot, sk, msg, len, flags,
					addr_len);
}

static OVPN_COMPAT_RECVMSG(ovpn_tcp_recvmsg)
{
	return ovpn_tcp_do_recvmsg(sk, msg, len, flags,
				   OVPN_COMPAT_RECVMSG_ADDR_LEN);
}

/*
 * TCP took @sent of the @len bytes of @msg: keep the rest as the pending
 * frame, which goes out before anything else. Socket locked (owner).
 * Return: the bytes accepted.
 */
static int ovpn_tcp_keep_rest(struct ovpn_tcp *tcp, struct msghdr *msg,
			      int sent, size_t len)
{
	size_t rest = len - sent;
	struct sk_buff *skb;

	skb = alloc_skb(rest, GFP_KERNEL | __GFP_NOWARN);
	if (!skb)
		return sent;

	if (!copy_from_iter_full(skb_put(skb, rest), rest, &msg->msg_iter)) {
		kfree_skb(skb);
		return sent;
	}

	tcp->out_skb = skb;
	tcp->out_off = 0;
	return len;
}

/*
 * proto.sendmsg: userspace writes to the stream. Pending frames first;
 * then the buffer (up to OVPN_TCP_SEND_MAX bytes) goes out as one unit.
 * Once the socket is detached, the socket's own sendmsg.
 */
static int ovpn_tcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	const struct ovpn_tcp_protos *protos = ovpn_tcp_protos_of(sk);
	int flags = msg->msg_flags, ret;
	struct ovpn_tcp *tcp;
	size_t len, cut;
	long timeo;

	if (unlikely(flags & MSG_OOB))
		return -EOPNOTSUPP;

	lock_sock(sk);
	tcp = ovpn_tcp_get_user(sk);
	if (!tcp) {
		release_sock(sk);
		return protos->orig_prot->sendmsg(sk, msg, size);
	}

	len = min_t(size_t, size, OVPN_TCP_SEND_MAX);
	cut = iov_iter_count(&msg->msg_iter) - len;
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);

	for (;;) {
		if (test_bit(OVPN_TCP_DETACHED, &tcp->flags)) {
			release_sock(sk);
			ovpn_tcp_put_user(tcp);
			return protos->orig_prot->sendmsg(sk, msg, size);
		}

		ret = ovpn_tcp_flush_pending(sk, tcp);
		if (!ret) {
			iov_iter_truncate(&msg->msg_iter, len);
			msg->msg_flags = flags | MSG_DONTWAIT;
			ret = tcp_sendmsg_locked(sk, msg, len);
			msg->msg_flags = flags;
			if (ret > 0 && ret < len)
				ret = ovpn_tcp_keep_rest(tcp, msg, ret, len);
			iov_iter_reexpand(&msg->msg_iter,
					  iov_iter_count(&msg->msg_iter) + cut);
			if (ret != -EAGAIN)
				break;
		} else if (ret != -EAGAIN) {
			ret = sk_stream_error(sk, flags, -EPIPE);
			break;
		}

		/* nothing of this buffer went out: wait for room */
		ret = sk_stream_wait_memory(sk, &timeo);
		if (ret) {
			ret = sk_stream_error(sk, flags, ret);
			break;
		}
	}

	release_sock(sk);
	ovpn_tcp_put_user(tcp);
	return ret;
}

/*
 * proto.close: userspace closed the socket; its peer goes first. TCP's own
 * close then runs from here and may sleep (SO_LINGER, until the FIN is
 * acknowledged): a module reference keeps the module loaded until it
 * returns, so rmmod meanwhile is refused. If the module is already being
 * unloaded, no reference can be taken: the socket is then held until
 * TCP's close returns, and the unload waits for it (the socket holds the
 * device).
 */
static void ovpn_tcp_close(struct sock *sk, long timeout)
{
	const struct ovpn_tcp_protos *protos = ovpn_tcp_protos_of(sk);
	bool pinned = try_module_get(THIS_MODULE);
	struct ovpn_socket *osock;

	rcu_read_lock();
	osock = rcu_dereference_sk_user_data(sk);
	if (osock && !ovpn_socket_hold(osock))
		osock = NULL;
	rcu_read_unlock();

	if (osock) {
		ovpn_peers_del_by_sock(osock->ovpn, osock,
				       OVPN_NL_REASON_TRANSPORT_DISCONNECT);
		if (pinned) {
			ovpn_socket_put(osock);
			osock = NULL;
		}
	}

	protos->orig_prot->close(sk, timeout);

	if (osock)
		ovpn_socket_put(osock);
	if (pinned)
		module_put(THIS_MODULE);
}

/* proto.disconnect (connect(AF_UNSPEC)): not while a peer uses it */
static int ovpn_tcp_disconnect(struct sock *sk, int flags)
{
	return -EBUSY;
}

/* proto.sock_is_readable: control frames are waiting */
static bool ovpn_tcp_sock_is_readable(struct sock *sk)
{
	struct ovpn_tcp *tcp;
	bool ret = false;

	rcu_read_lock();
	tcp = ovpn_tcp_rcu(sk);
	if (tcp)
		ret = !skb_queue_empty_lockless(&tcp->user_queue);
	rcu_read_unlock();

	return ret;
}

/*
 * proto_ops.poll: TCP's, but readable only with control frames queued
 * (or at the end of the stream), not for the bytes TCP holds.
 */
static __poll_t ovpn_tcp_poll(struct file *file, struct socket *sock,
			      poll_table *wait)
{
	struct sock *sk = sock->sk;
	const struct ovpn_tcp_protos *protos = ovpn_tcp_protos_of(sk);
	__poll_t mask = protos->orig_ops->poll(file, sock, wait);
	struct ovpn_tcp *tcp;

	rcu_read_lock();
	tcp = ovpn_tcp_rcu(sk);
	if (tcp) {
		if (!(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
			mask &= ~(EPOLLIN | EPOLLRDNORM);
		if (!skb_queue_empty_lockless(&tcp->user_queue))
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	rcu_read_unlock();

	return mask;
}

/*
 * The operations for @sk: copies of its own, built for its family at the
 * first attach. Socket mutex of socket.c held, socket locked.
 */
static struct ovpn_tcp_protos *
ovpn_tcp_protos_get(struct sock *sk, struct netlink_ext_ack *extack)
{
	struct ovpn_tcp_protos *protos = sk->sk_family == AF_INET6 ?
					 &ovpn_tcp_protos_v6 :
					 &ovpn_tcp_protos_v4;
	const struct proto_ops *ops = READ_ONCE(sk->sk_socket->ops);
	struct proto *prot = READ_ONCE(sk->sk_prot);

	/*
	 * TCP's own operations, not those of sockmap or the like (compared
	 * through tcp_prot: tcp_recvmsg is not exported since 6.x)
	 */
	if (prot->recvmsg != tcp_prot.recvmsg || prot->sendmsg != tcp_sendmsg ||
	    ops->poll != tcp_poll) {
		NL_SET_ERR_MSG(extack,
			       "TCP socket operations replaced by another user");
		return NULL;
	}

	if (protos->orig_prot) {
		if (protos->orig_prot == prot && protos->orig_ops == ops)
			return protos;
		NL_SET_ERR_MSG(extack,
			       "TCP socket operations replaced by another user");
		return NULL;
	}

	protos->prot = *prot;
	protos->prot.recvmsg = ovpn_tcp_recvmsg;
	protos->prot.sendmsg = ovpn_tcp_sendmsg;
	protos->prot.close = ovpn_tcp_close;
	protos->prot.disconnect = ovpn_tcp_disconnect;
	protos->prot.release_cb = ovpn_tcp_release_cb;
	protos->prot.sock_is_readable = ovpn_tcp_sock_is_readable;
	ovpn_compat_tcp_prot_no_sendpage(&protos->prot);

	protos->ops = *ops;
	protos->ops.poll = ovpn_tcp_poll;
	/* splice() reads through recvmsg */
	protos->ops.splice_read = NULL;

	protos->orig_ops = ops;
	/* the copies are complete before any socket uses them */
	smp_store_release(&protos->orig_prot, prot);
	return protos;
}

/**
 * ovpn_tcp_socket_lookup - the struct ovpn_socket of an attached socket
 * @sk: a TCP socket
 *
 * Context: the caller holds the socket mutex of socket.c.
 * Return: the struct ovpn_socket, or NULL if @sk is not attached by us.
 */
struct ovpn_socket *ovpn_tcp_socket_lookup(struct sock *sk)
{
	struct ovpn_socket *osock = NULL;

	rcu_read_lock();
	if (READ_ONCE(sk->sk_data_ready) == ovpn_tcp_data_ready)
		osock = rcu_dereference_sk_user_data(sk);
	rcu_read_unlock();

	return osock;
}

/**
 * ovpn_tcp_socket_attach - take over a connected TCP socket
 * @sock: the socket
 * @osock: what sk_user_data will point to; gets its struct ovpn_tcp
 * @extack: where to report errors
 *
 * Frames already received are parsed at once (DATA_V2 ones find no peer
 * yet and are dropped).
 *
 * Context: process context, the socket mutex of socket.c held.
 * Return: 0, -EINVAL if the socket is not connected, -EBUSY if another
 * user has taken it over, -ENOMEM.
 */
int ovpn_tcp_socket_attach(struct socket *sock, struct ovpn_socket *osock,
			   struct netlink_ext_ack *extack)
{
	struct ovpn_tcp_protos *protos;
	struct sock *sk = sock->sk;
	struct ovpn_tcp *tcp;
	int ret = 0;

	tcp = kzalloc(sizeof(*tcp), GFP_KERNEL);
	if (!tcp)
		return -ENOMEM;

	tcp->osock = osock;
	refcount_set(&tcp->refs, 1);
	skb_queue_head_init(&tcp->user_queue);
	skb_queue_head_init(&tcp->out_queue);
	INIT_WORK(&tcp->tx_work, ovpn_tcp_tx_work);
	INIT_WORK(&tcp->del_work, ovpn_tcp_del_work);

	lock_sock(sk);

	if (sk->sk_state != TCP_ESTABLISHED) {
		NL_SET_ERR_MSG(extack, "TCP socket is not connected");
		ret = -EINVAL;
		goto err;
	}

	if (rcu_access_pointer(sk->sk_user_data) ||
	    inet_csk(sk)->icsk_ulp_ops) {
		NL_SET_ERR_MSG(extack, "TCP socket already used by another user");
		ret = -EBUSY;
		goto err;
	}

	protos = ovpn_tcp_protos_get(sk, extack);
	if (!protos) {
		ret = -EBUSY;
		goto err;
	}
	tcp->protos = protos;

	tcp->saved_allocation = sk->sk_allocation;
	tcp->saved_task_frag = ovpn_compat_sk_task_frag(sk, false);
	/* the data path writes with bottom halves disabled */
	sk->sk_allocation = GFP_ATOMIC;

	osock->tcp = tcp;
	rcu_assign_sk_user_data(sk, osock);

	write_lock_bh(&sk->sk_callback_lock);
	tcp->saved_data_ready = sk->sk_data_ready;
	tcp->saved_write_space = sk->sk_write_space;
	tcp->saved_state_change = sk->sk_state_change;
	WRITE_ONCE(sk->sk_data_ready, ovpn_tcp_data_ready);
	WRITE_ONCE(sk->sk_write_space, ovpn_tcp_write_space);
	WRITE_ONCE(sk->sk_state_change, ovpn_tcp_state_change);
	write_unlock_bh(&sk->sk_callback_lock);

	WRITE_ONCE(sk->sk_prot, &protos->prot);
	WRITE_ONCE(sock->ops, &protos->ops);

	/* what arrived before */
	local_bh_disable();
	ovpn_tcp_rx(sk, tcp);
	local_bh_enable();

	release_sock(sk);
	return 0;

err:
	release_sock(sk);
	kfree(tcp);
	return ret;
}

/*
 * Put the unread control frames, then the frame in progress, back in
 * front of the unread stream, so that the plain socket reads exactly what
 * ovpn-dco did not consume. Socket locked (owner).
 */
static void ovpn_tcp_requeue_user(struct sock *sk, struct ovpn_tcp *tcp)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb, *tmp;
	unsigned int truesize = 0;
	u32 seq, end;

	/* the frame in progress comes right after them */
	skb = tcp->rx_skb;
	tcp->rx_skb = NULL;
	if (!skb && tcp->rx_hdr_len) {
		skb = alloc_skb(OVPN_TCP_LEN_SIZE, GFP_KERNEL);
		if (skb)
			skb_put_data(skb, tcp->rx_hdr, tcp->rx_hdr_len);
	}
	tcp->rx_hdr_len = 0;
	if (skb) {
		ovpn_tcp_cb(skb)->offset = 0;
		tcp->user_bytes += skb->len;
		skb_queue_tail(&tcp->user_queue, skb);
	}

	if (skb_queue_empty(&tcp->user_queue))
		return;

	if (sock_flag(sk, SOCK_DEAD) || !sk->sk_socket)
		goto purge;

	skb_queue_walk(&tcp->user_queue, skb)
		truesize += skb->truesize;
	if (!sk_rmem_schedule(sk, skb_peek(&tcp->user_queue), truesize))
		goto purge;

	/* a FIN we consumed stays after them */
	end = tp->copied_seq;
	if (sock_flag(sk, SOCK_DONE) && end == tp->rcv_nxt)
		end--;
	seq = end - tcp->user_bytes;

	skb_queue_walk_safe(&tcp->user_queue, skb, tmp) {
		__skb_pull(skb, ovpn_tcp_cb(skb)->offset);
		memset(skb->cb, 0, sizeof(skb->cb));
		TCP_SKB_CB(skb)->seq = seq;
		seq += skb->len;
		TCP_SKB_CB(skb)->end_seq = seq;
		skb_set_owner_r(skb, sk);
	}

	skb_queue_splice_init(&tcp->user_queue, &sk->sk_receive_queue);
	WRITE_ONCE(tp->copied_seq, end - tcp->user_bytes);
	tcp->user_bytes = 0;
	return;

purge:
	skb_queue_purge(&tcp->user_queue);
	tcp->user_bytes = 0;
}

/**
 * ovpn_tcp_socket_detach - give a socket its plain TCP behaviour back
 * @osock: the socket, with no reference left
 *
 * Restores the socket's callbacks and operations. Pending frames get one
 * last chance to be written; unread control frames go back to the
 * receive queue. Tasks waiting in our recvmsg() continue with the
 * socket's own. Safe if userspace closed the socket meanwhile.
 *
 * Context: process context; may sleep.
 */
void ovpn_tcp_socket_detach(struct ovpn_socket *osock)
{
	struct ovpn_tcp *tcp = osock->tcp;
	struct ovpn_tcp_protos *protos = tcp->protos;
	struct sock *sk = osock->sk;

	lock_sock(sk);

	/* no frame is queued after this (ovpn_tcp_send_skb()) */
	spin_lock_bh(&sk->sk_lock.slock);
	set_bit(OVPN_TCP_DETACHED, &tcp->flags);
	spin_unlock_bh(&sk->sk_lock.slock);

	write_lock_bh(&sk->sk_callback_lock);
	WRITE_ONCE(sk->sk_data_ready, tcp->saved_data_ready);
	WRITE_ONCE(sk->sk_write_space, tcp->saved_write_space);
	WRITE_ONCE(sk->sk_state_change, tcp->saved_state_change);
	write_unlock_bh(&sk->sk_callback_lock);

	WRITE_ONCE(sk->sk_prot, protos->orig_prot);
	/* NULL once userspace closed the socket */
	if (sk->sk_socket)
		WRITE_ONCE(sk->sk_socket->ops, protos->orig_ops);
	rcu_assign_sk_user_data(sk, NULL);

	if (ovpn_tcp_tx_pending(tcp) && !test_bit(OVPN_TCP_TX_ERROR, &tcp->flags))
		ovpn_tcp_flush(sk, tcp);
	ovpn_tcp_tx_purge(tcp);

	ovpn_tcp_requeue_user(sk, tcp);

	sk->sk_allocation = tcp->saved_allocation;
	ovpn_compat_sk_task_frag(sk, tcp->saved_task_frag);

	release_sock(sk);

	/* wake up tasks waiting in our recvmsg() */
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
}
