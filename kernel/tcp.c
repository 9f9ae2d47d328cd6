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
 * Here: the stream (framing, RX, TX, callbacks); tcp_sock.c (which calls
 * into this file, never the reverse): the operations, attach and detach.
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

/**
 * ovpn_tcp_rcu - the TCP state of an attached socket
 * @sk: the socket
 *
 * Context: under RCU.
 * Return: the state, or NULL once detached.
 */
struct ovpn_tcp *ovpn_tcp_rcu(struct sock *sk)
{
	struct ovpn_socket *osock = rcu_dereference_sk_user_data(sk);

	if (unlikely(!osock))
		return NULL;
	return osock->tcp;
}

/**
 * ovpn_tcp_del_work - delete the peer of a socket whose stream ended
 * @work: ovpn_tcp.del_work
 *
 * Drops the struct ovpn_socket reference ovpn_tcp_schedule_del() took.
 *
 * Context: process context (system workqueue).
 */
void ovpn_tcp_del_work(struct work_struct *work)
{
	struct ovpn_tcp *tcp = container_of(work, struct ovpn_tcp, del_work);
	struct ovpn_socket *osock = tcp->osock;

	/* against the direction: the stream ended, its peer goes (peer.c) */
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

/**
 * ovpn_tcp_flush - write the pending frames, in order
 * @sk: the socket
 * @tcp: its state
 *
 * Context: socket locked (spinlock without owner, or owner).
 * Return: 0 once all of them are written, -EAGAIN if TCP has no room
 * left, another negative errno if the stream is broken.
 */
int ovpn_tcp_flush(struct sock *sk, struct ovpn_tcp *tcp)
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

/**
 * ovpn_tcp_tx_pending - tell whether frames wait to be written
 * @tcp: the state of a socket
 *
 * Context: any; lockless.
 * Return: true if a frame is pending or queued.
 */
bool ovpn_tcp_tx_pending(struct ovpn_tcp *tcp)
{
	return READ_ONCE(tcp->out_skb) ||
	       !skb_queue_empty_lockless(&tcp->out_queue);
}

/**
 * ovpn_tcp_tx_purge - drop the frames waiting to be written
 * @tcp: the state of a socket
 *
 * Context: socket locked.
 */
void ovpn_tcp_tx_purge(struct ovpn_tcp *tcp)
{
	kfree_skb(tcp->out_skb);
	tcp->out_skb = NULL;
	skb_queue_purge(&tcp->out_queue);
}

/**
 * ovpn_tcp_flush_pending - write the pending frames, or give up the stream
 * @sk: the socket
 * @tcp: its state
 *
 * ovpn_tcp_flush(), and on a broken stream: stop writing, drop what is
 * pending, delete the peer.
 *
 * Context: socket locked.
 * Return: as ovpn_tcp_flush().
 */
int ovpn_tcp_flush_pending(struct sock *sk, struct ovpn_tcp *tcp)
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

/**
 * ovpn_tcp_tx_work - write the pending frames once TCP has room again
 * @work: ovpn_tcp.tx_work
 *
 * Context: process context (system workqueue).
 */
void ovpn_tcp_tx_work(struct work_struct *work)
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

/**
 * ovpn_tcp_user_full - tell whether the user queue is at its limit
 * @sk: the socket
 * @tcp: its state
 *
 * The limit is the receive buffer, at least one frame.
 *
 * Context: socket locked.
 * Return: true if no more control frames may be queued for userspace.
 */
bool ovpn_tcp_user_full(struct sock *sk, struct ovpn_tcp *tcp)
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

/**
 * ovpn_tcp_rx - parse the unread stream into frames
 * @sk: the socket
 * @tcp: its state
 *
 * Moves everything the receive queue holds into frames, delivering each
 * frame once complete; the frame in progress is kept here, so TCP's
 * buffer (and window) is always free.
 *
 * Context: socket locked, bottom halves disabled.
 */
void ovpn_tcp_rx(struct sock *sk, struct ovpn_tcp *tcp)
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
				ovpn_rx_drop(tcp->osock->ovpn,
					     OVPN_STAT_RX_ERRORS);
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

/**
 * ovpn_tcp_data_ready - sk_data_ready of an attached socket: new data, FIN
 * @sk: the socket
 *
 * Context: socket locked (spinlock or owner).
 */
void ovpn_tcp_data_ready(struct sock *sk)
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

/**
 * ovpn_tcp_write_space - sk_write_space of an attached socket
 * @sk: the socket, whose TCP has room again
 *
 * Context: socket locked.
 */
void ovpn_tcp_write_space(struct sock *sk)
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

/**
 * ovpn_tcp_state_change - sk_state_change of an attached socket
 * @sk: the socket: FIN, RST, errors
 *
 * Context: socket locked.
 */
void ovpn_tcp_state_change(struct sock *sk)
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
