/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - transport sockets
 */

#ifndef _NET_OVPN_DCO_SOCKET_H_
#define _NET_OVPN_DCO_SOCKET_H_

#include <linux/kref.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>

struct netlink_ext_ack;
struct ovpn_struct;
struct ovpn_tcp;
struct sock;
struct socket;

/**
 * struct ovpn_socket - a userspace transport socket used by a device
 * @ovpn: the device whose peers use the socket (holds a reference on it)
 * @sk: the socket (holds a reference on it, not on its file)
 * @dev_tracker: the reference on ovpn->dev
 * @refcount: one reference per peer using the socket, plus temporary ones
 * @tcp: TCP socket: its framing, queues and saved operations (tcp.h);
 *	NULL for a UDP socket
 * @mc_loop: UDP: the socket's multicast loopback setting before we
 *	attached it
 * @rcu: freeing
 *
 * One per kernel socket, found in sk->sk_user_data (RCU). Created by the
 * first NEW_PEER naming the socket; when the last reference goes, the
 * socket gets its normal UDP or TCP behaviour back and userspace keeps
 * using it. A UDP socket may carry many peers of one device, a TCP socket
 * exactly one.
 */
struct ovpn_socket {
	struct ovpn_struct *ovpn;
	struct sock *sk;
	netdevice_tracker dev_tracker;
	struct kref refcount;
	struct ovpn_tcp *tcp;
	bool mc_loop;
	struct rcu_head rcu;
};

bool ovpn_socket_is_tcp(const struct sock *sk);
int ovpn_socket_check(struct socket *sock, struct netlink_ext_ack *extack);
struct ovpn_socket *ovpn_socket_get(struct socket *sock,
				    struct ovpn_struct *ovpn,
				    struct netlink_ext_ack *extack);
void ovpn_socket_put(struct ovpn_socket *osock);

/**
 * ovpn_socket_hold - take a reference on a socket found under RCU
 * @osock: the socket
 *
 * Return: false if the socket is being detached.
 */
static inline bool ovpn_socket_hold(struct ovpn_socket *osock)
{
	return kref_get_unless_zero(&osock->refcount);
}

#endif /* _NET_OVPN_DCO_SOCKET_H_ */
