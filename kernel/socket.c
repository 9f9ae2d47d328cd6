// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - transport sockets
 *
 * NEW_PEER names a socket of the caller by its file descriptor. The first
 * peer using a socket attaches it (struct ovpn_socket in sk_user_data,
 * UDP encapsulation callbacks, or TCP callbacks and operations); every
 * peer holds a reference on the struct ovpn_socket, which holds one on the
 * struct sock - not on the file, so userspace closing its descriptor
 * destroys the socket and our encap_destroy callback (udp.c) or close
 * operation (tcp.c) removes the peers. When the last peer goes, the socket
 * is detached and behaves as a plain UDP or TCP socket again. A UDP socket
 * is shared by the peers of one device; a TCP socket carries one peer.
 *
 * Attaching and detaching are serialized by ovpn_socket_mutex, so a
 * struct ovpn_socket found in sk_user_data with the mutex held always has
 * a reference left; the last put takes the mutex (kref_put_mutex()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "ovpnstruct.h"
#include "socket.h"
#include "tcp.h"
#include "udp.h"

static DEFINE_MUTEX(ovpn_socket_mutex);

/* the socket and the device reference go after readers are done (RCU) */
static void ovpn_socket_free_rcu(struct rcu_head *head)
{
	struct ovpn_socket *osock = container_of(head, struct ovpn_socket,
						 rcu);

	if (osock->tcp)
		ovpn_tcp_put(osock->tcp);
	sock_put(osock->sk);
	netdev_put(osock->ovpn->dev, &osock->dev_tracker);
	kfree(osock);
}

/* kref release, called with ovpn_socket_mutex held; releases it */
static void ovpn_socket_release(struct kref *kref)
	__releases(&ovpn_socket_mutex)
{
	struct ovpn_socket *osock = container_of(kref, struct ovpn_socket,
						 refcount);

	if (osock->tcp)
		ovpn_tcp_socket_detach(osock);
	else
		ovpn_udp_socket_detach(osock);
	mutex_unlock(&ovpn_socket_mutex);

	call_rcu(&osock->rcu, ovpn_socket_free_rcu);
}

/**
 * ovpn_socket_put - drop a reference on a transport socket
 * @osock: the socket
 *
 * The last reference detaches the socket from the device.
 *
 * Context: process context; may sleep.
 */
void ovpn_socket_put(struct ovpn_socket *osock)
{
	might_sleep();
	kref_put_mutex(&osock->refcount, ovpn_socket_release,
		       &ovpn_socket_mutex);
}

/**
 * ovpn_socket_is_tcp - tell a TCP transport socket from a UDP one
 * @sk: a socket that passed ovpn_socket_check()
 *
 * Return: true for TCP.
 */
bool ovpn_socket_is_tcp(const struct sock *sk)
{
	return sk->sk_protocol == IPPROTO_TCP;
}

/**
 * ovpn_socket_check - tell whether a socket can carry peers
 * @sock: the socket
 * @extack: where to report errors
 *
 * UDP sockets and connected TCP sockets, IPv4 or IPv6.
 *
 * Return: 0 or -EINVAL.
 */
int ovpn_socket_check(struct socket *sock, struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;

	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6) {
		NL_SET_ERR_MSG(extack, "socket is not an IPv4 or IPv6 socket");
		return -EINVAL;
	}

	if (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP) {
		/* checked again, under the socket lock, on attach */
		if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED) {
			NL_SET_ERR_MSG(extack, "TCP socket is not connected");
			return -EINVAL;
		}
		return 0;
	}

	if (sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP) {
		NL_SET_ERR_MSG(extack, "socket is neither a UDP nor a TCP socket");
		return -EINVAL;
	}

	return 0;
}

/**
 * ovpn_socket_get - attach a socket to a device, or share its attachment
 * @sock: the socket, resolved from the caller's descriptor and held by
 *	the caller
 * @ovpn: the device
 * @extack: where to report errors
 *
 * The socket must pass ovpn_socket_check(). A UDP socket already
 * attached to @ovpn is shared; one attached to another device, or used by
 * any other UDP encapsulation, is refused. A TCP socket carries one peer:
 * one already attached is refused.
 *
 * Context: process context; may sleep.
 * Return: the socket with a new reference, or an ERR_PTR().
 */
struct ovpn_socket *ovpn_socket_get(struct socket *sock,
				    struct ovpn_struct *ovpn,
				    struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;
	struct ovpn_socket *osock;
	int ret;

	ret = ovpn_socket_check(sock, extack);
	if (ret)
		return ERR_PTR(ret);

	mutex_lock(&ovpn_socket_mutex);

	if (ovpn_socket_is_tcp(sk)) {
		if (ovpn_tcp_socket_lookup(sk)) {
			NL_SET_ERR_MSG(extack,
				       "TCP socket already carries a peer");
			osock = ERR_PTR(-EBUSY);
			goto out;
		}
		goto attach;
	}

	osock = ovpn_udp_socket_lookup(sk);
	if (osock) {
		if (osock->ovpn != ovpn) {
			NL_SET_ERR_MSG(extack,
				       "socket already used by another ovpn-dco device");
			osock = ERR_PTR(-EBUSY);
			goto out;
		}
		/* the release takes the mutex: a reference is left */
		kref_get(&osock->refcount);
		goto out;
	}

attach:
	osock = kzalloc(sizeof(*osock), GFP_KERNEL);
	if (!osock) {
		osock = ERR_PTR(-ENOMEM);
		goto out;
	}

	osock->ovpn = ovpn;
	osock->sk = sk;
	kref_init(&osock->refcount);
	sock_hold(sk);
	netdev_hold(ovpn->dev, &osock->dev_tracker, GFP_KERNEL);

	if (ovpn_socket_is_tcp(sk))
		ret = ovpn_tcp_socket_attach(sock, osock, extack);
	else
		ret = ovpn_udp_socket_attach(sock, osock, extack);
	if (ret) {
		netdev_put(ovpn->dev, &osock->dev_tracker);
		sock_put(sk);
		kfree(osock);
		osock = ERR_PTR(ret);
	}
out:
	mutex_unlock(&ovpn_socket_mutex);
	return osock;
}
