// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - TCP, the userspace side
 *
 * What userspace sees of a TCP socket a peer uses (tcp.c: the stream, and
 * the design of both). Attach and detach; the copied operations, whose
 * recvmsg and poll serve the control frames tcp.c queued, as a byte
 * stream, and whose sendmsg writes behind the kernel's pending frames.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "socket.h"
#include "tcp.h"

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

static const struct ovpn_tcp_protos *ovpn_tcp_protos_of(const struct sock *sk)
{
	return sk->sk_family == AF_INET6 ? &ovpn_tcp_protos_v6 :
					   &ovpn_tcp_protos_v4;
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
		/* against the direction: userspace closed it (peer.c) */
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
