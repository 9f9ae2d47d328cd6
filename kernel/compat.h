/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - kernel API compatibility
 *
 * Every difference between the kernels ovpn-dco builds against lives here,
 * and no other file tests LINUX_VERSION_CODE. Test for a feature (a macro
 * that came with the new API) where one exists: distribution kernels
 * backport APIs without changing their version (Debian's 6.1 already has
 * the core-managed per-CPU statistics of 6.7, for instance).
 *
 * Where a change came without a macro to test, Kbuild probes the target
 * kernel's headers (kernel/Kbuild: ovpn_probe) and defines an
 * OVPN_COMPAT_* macro for this file. No version number is tested.
 *
 * Built W=1 clean and tested against Debian 12's 6.1, 6.12 (Debian 12
 * backports and Debian 13) and Debian unstable's 7.x (see README, kernel
 * support). One difference lives in the uapi headers themselves: 6.16+
 * <linux/if_link.h> defines IFLA_OVPN_* and enum ovpn_mode for the in-tree
 * "ovpn" driver, with our names and values; uapi/linux/ovpn_dco*.h include
 * it and skip their own copies when IFLA_OVPN_MAX is defined.
 */

#ifndef _NET_OVPN_DCO_COMPAT_H_
#define _NET_OVPN_DCO_COMPAT_H_

#include <linux/netdevice.h>
#include <linux/uio.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/rtnetlink.h>
#include <net/sock.h>
#include <net/udp_tunnel.h>
#include <linux/udp.h>

/*
 * skb_gso_segment() moved from <linux/netdevice.h> to <net/gso.h> in 6.5,
 * backported to 6.4.10 and to distribution kernels: test for the header
 * (quoted: found through the kernel's include path all the same).
 */
#if __has_include("net/gso.h")
#include <net/gso.h>
#endif

/*
 * IPv6 could be a module until 7.0: its functions were reached through
 * ipv6_stub (<net/ipv6_stubs.h>). 7.0 removed the stub along with the
 * header; IPv6 is then built in and called directly.
 */
#if __has_include("net/ipv6_stubs.h")
#include <net/ipv6_stubs.h>
#define OVPN_COMPAT_IPV6_STUB	1
#else
#include <net/ipv6.h>
#endif

/*
 * get_unaligned() and friends: <asm/unaligned.h> until 6.11, then
 * <linux/unaligned.h>.
 */
#if __has_include("linux/unaligned.h")
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "main.h"

/*
 * Lockless TX: a feature bit until 6.12, a net_device field since then.
 */
static inline void ovpn_compat_set_lltx(struct net_device *dev)
{
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

/*
 * Per-CPU device statistics (struct pcpu_sw_netstats), read through
 * dev_get_tstats64(). The driver allocates them itself: that works on every
 * kernel, including those where the core could do it (pcpu_stat_type,
 * 6.7+ and backports), since NETDEV_PCPU_STAT_NONE stays the default.
 */
static inline int ovpn_compat_tstats_alloc(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static inline void ovpn_compat_tstats_free(struct net_device *dev)
{
	free_percpu(dev->tstats);
	dev->tstats = NULL;
}

/*
 * rtnl_link_ops.newlink: 6.15 replaced (src_net, dev, tb, data, extack) by
 * (dev, params, extack) (OVPN_COMPAT_NEWLINK_PARAMS: a Kbuild probe for
 * struct rtnl_newlink_params).
 *
 * "static OVPN_COMPAT_NEWLINK(name) { ... }" defines a newlink with the
 * running kernel's signature; in its body, OVPN_COMPAT_NEWLINK_DATA is
 * the IFLA_INFO_DATA attributes (may be NULL). Its dev and extack
 * arguments have the same names in both.
 */
#ifdef OVPN_COMPAT_NEWLINK_PARAMS
#define OVPN_COMPAT_NEWLINK(name)					\
	int name(struct net_device *dev,				\
		 struct rtnl_newlink_params *params,			\
		 struct netlink_ext_ack *extack)
#define OVPN_COMPAT_NEWLINK_DATA	(params->data)
#else
#define OVPN_COMPAT_NEWLINK(name)					\
	int name(struct net *src_net, struct net_device *dev,		\
		 struct nlattr *tb[], struct nlattr *data[],		\
		 struct netlink_ext_ack *extack)
#define OVPN_COMPAT_NEWLINK_DATA	data
#endif

/*
 * The attributes of a dump request, parsed by the genetlink core: 6.6 moved
 * them into a struct genl_info inside struct genl_dumpit_info, read with
 * genl_info_dump() (OVPN_COMPAT_GENL_INFO_DUMP: a Kbuild probe).
 */
static inline struct nlattr **
ovpn_compat_dump_attrs(struct netlink_callback *cb)
{
#ifdef OVPN_COMPAT_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * Multicast groups that only CAP_NET_ADMIN may join (6.7, backported to
 * the stable kernels): peer notifications are for the daemon only.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define OVPN_COMPAT_MCGRP(grp_name)					\
	{ .name = grp_name, .flags = GENL_MCAST_CAP_NET_ADMIN }
#else
#define OVPN_COMPAT_MCGRP(grp_name)	{ .name = grp_name }
#endif

/*
 * udp_sock.encap_type of our sockets: a private value no other user has.
 * 6.16 brought UDP_ENCAP_OVPNINUDP (8) for the in-tree "ovpn" driver; it
 * is that driver's, and ours must not claim it, so that a socket attached
 * by one of the two modules is never taken for one of the other's.
 */
#define OVPN_UDP_ENCAP	100
#ifdef UDP_ENCAP_OVPNINUDP
static_assert(OVPN_UDP_ENCAP != UDP_ENCAP_OVPNINUDP);
#endif

/*
 * Multicast loopback of a socket: a bit field of struct inet_sock until
 * 6.6, a bit of inet_sk(sk)->inet_flags since (inet_test_bit() appeared
 * with it). setup_udp_tunnel_sock() clears it; detaching restores it.
 */
static inline bool ovpn_compat_get_mc_loop(struct sock *sk)
{
#ifdef inet_test_bit
	return inet_test_bit(MC_LOOP, sk);
#else
	return inet_sk(sk)->mc_loop;
#endif
}

static inline void ovpn_compat_set_mc_loop(struct sock *sk, bool on)
{
#ifdef inet_assign_bit
	inet_assign_bit(MC_LOOP, sk, on);
#else
	inet_sk(sk)->mc_loop = on;
#endif
}

/*
 * setup_udp_tunnel_sock() takes the struct sock since 7.0, the struct
 * socket before (OVPN_COMPAT_UDP_TUNNEL_SETUP_SK: a Kbuild probe).
 */
static inline void
ovpn_compat_setup_udp_tunnel_sock(struct socket *sock,
				  struct udp_tunnel_sock_cfg *cfg)
{
#ifdef OVPN_COMPAT_UDP_TUNNEL_SETUP_SK
	setup_udp_tunnel_sock(sock_net(sock->sk), sock->sk, cfg);
#else
	setup_udp_tunnel_sock(sock_net(sock->sk), sock, cfg);
#endif
}

/*
 * udp_tunnel_xmit_skb() and udp_tunnel6_xmit_skb() take a trailing IP
 * control block flags argument since 6.17 (OVPN_COMPAT_UDP_TUNNEL_IPCB_FLAGS:
 * a Kbuild probe). The device
 * argument of the IPv6 one is only used for statistics: always NULL here,
 * so that the device's tstats keep counting inner packets only.
 */
static inline void
ovpn_compat_udp_tunnel_xmit_skb(struct rtable *rt, struct sock *sk,
				struct sk_buff *skb, __be32 src, __be32 dst,
				u8 tos, u8 ttl, __be16 df, __be16 src_port,
				__be16 dst_port, bool xnet, bool nocheck)
{
#ifdef OVPN_COMPAT_UDP_TUNNEL_IPCB_FLAGS
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, src_port,
			    dst_port, xnet, nocheck, 0);
#else
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, src_port,
			    dst_port, xnet, nocheck);
#endif
}

#if IS_ENABLED(CONFIG_IPV6)
static inline void
ovpn_compat_udp_tunnel6_xmit_skb(struct dst_entry *dst, struct sock *sk,
				 struct sk_buff *skb, struct in6_addr *saddr,
				 struct in6_addr *daddr, u8 prio, u8 ttl,
				 __be32 label, __be16 src_port,
				 __be16 dst_port, bool nocheck)
{
#ifdef OVPN_COMPAT_UDP_TUNNEL_IPCB_FLAGS
	udp_tunnel6_xmit_skb(dst, sk, skb, NULL, saddr, daddr, prio, ttl,
			     label, src_port, dst_port, nocheck, 0);
#else
	udp_tunnel6_xmit_skb(dst, sk, skb, NULL, saddr, daddr, prio, ttl,
			     label, src_port, dst_port, nocheck);
#endif
}
#endif

/*
 * An IPv6 route lookup (no final destination): through ipv6_stub while
 * IPv6 may be a module, directly once it is built in.
 */
static inline struct dst_entry *
ovpn_compat_ip6_dst_lookup_flow(struct net *net, const struct sock *sk,
				struct flowi6 *fl6)
{
#ifdef OVPN_COMPAT_IPV6_STUB
	return ipv6_stub->ipv6_dst_lookup_flow(net, sk, fl6, NULL);
#else
	return ip6_dst_lookup_flow(net, sk, fl6, NULL);
#endif
}

/*
 * The completion callback of a crypto request: up to 6.2 it receives the
 * struct crypto_async_request, whose ->data is the pointer given to
 * aead_request_set_callback(); since 6.3 it receives that pointer itself
 * (OVPN_COMPAT_CRYPTO_COMPL_DATA: a Kbuild probe of crypto_completion_t).
 *
 * OVPN_COMPAT_CRYPTO_DONE(name, fn) defines "static void name(...)", a
 * callback with the running kernel's signature that calls
 * "void fn(void *data, int err)".
 */
#ifdef OVPN_COMPAT_CRYPTO_COMPL_DATA
#define OVPN_COMPAT_CRYPTO_DONE(name, fn)				\
	static void name(void *data, int err)				\
	{								\
		fn(data, err);						\
	}
#else
#define OVPN_COMPAT_CRYPTO_DONE(name, fn)				\
	static void name(struct crypto_async_request *req, int err)	\
	{								\
		fn(req->data, err);					\
	}
#endif

/*
 * struct proto's recvmsg: (sk, msg, len, flags, addr_len) until 6.x, without
 * addr_len since 7.0 (OVPN_COMPAT_PROTO_RECVMSG_ADDR_LEN: a Kbuild probe).
 *
 * "static OVPN_COMPAT_RECVMSG(name) { ... }" defines a recvmsg with the
 * running kernel's signature; in its body, OVPN_COMPAT_RECVMSG_ADDR_LEN is
 * its addr_len argument, or NULL when the kernel has none.
 * ovpn_compat_call_recvmsg() calls a proto's recvmsg with or without it.
 */
#ifdef OVPN_COMPAT_PROTO_RECVMSG_ADDR_LEN
#define OVPN_COMPAT_RECVMSG(name)					\
	int name(struct sock *sk, struct msghdr *msg, size_t len, int flags,\
		 int *addr_len)
#define OVPN_COMPAT_RECVMSG_ADDR_LEN	addr_len
#else
#define OVPN_COMPAT_RECVMSG(name)					\
	int name(struct sock *sk, struct msghdr *msg, size_t len, int flags)
#define OVPN_COMPAT_RECVMSG_ADDR_LEN	NULL
#endif

static inline int ovpn_compat_call_recvmsg(const struct proto *prot,
					   struct sock *sk,
					   struct msghdr *msg, size_t len,
					   int flags, int *addr_len)
{
#ifdef OVPN_COMPAT_PROTO_RECVMSG_ADDR_LEN
	return prot->recvmsg(sk, msg, len, flags, addr_len);
#else
	return prot->recvmsg(sk, msg, len, flags);
#endif
}

/*
 * Kernel-built iov_iters name their direction ITER_SOURCE since 6.2 (and
 * the 6.1 stable kernels); WRITE before.
 */
#ifndef ITER_SOURCE
#define ITER_SOURCE	WRITE
#endif

/*
 * Attached TCP sockets: userspace sendfile()/splice() must reach our
 * sendmsg. Until 6.5 struct proto has a sendpage, which inet_sendpage()
 * calls instead; without one it falls back to sendmsg. 6.5 removed it
 * and brought MSG_SPLICE_PAGES.
 */
static inline void ovpn_compat_tcp_prot_no_sendpage(struct proto *prot)
{
#ifndef MSG_SPLICE_PAGES
	prot->sendpage = NULL;
#endif
}

/*
 * sk_page_frag() takes current->task_frag if sk_use_task_frag is set
 * (6.2+, and the 6.1 stable kernels, where sk_allocation must allow
 * sleeping too); attached TCP sockets are written from any task and must
 * use their own sk_frag. Without the flag (OVPN_COMPAT_SK_USE_TASK_FRAG: a
 * Kbuild probe), GFP_ATOMIC in sk_allocation is enough. Sets the flag,
 * returns its old value.
 */
static inline bool ovpn_compat_sk_task_frag(struct sock *sk, bool use)
{
#ifdef OVPN_COMPAT_SK_USE_TASK_FRAG
	bool old = sk->sk_use_task_frag;

	sk->sk_use_task_frag = use;
	return old;
#else
	return false;
#endif
}

/*
 * The unbound system workqueue, for the keepalive work: system_dfl_wq since
 * 6.17 and later 6.12 stable kernels (OVPN_COMPAT_SYSTEM_DFL_WQ: a Kbuild
 * probe), system_unbound_wq before.
 * 7.x warns once when work is queued on system_wq.
 */
#ifndef OVPN_COMPAT_SYSTEM_DFL_WQ
#define system_dfl_wq system_unbound_wq
#endif

/*
 * The ChaCha20 library keeps its state in an array of 16 words up to 6.12
 * and in a struct chacha_state in 7.x (OVPN_COMPAT_CHACHA_STATE: a Kbuild
 * probe). struct ovpn_chacha holds either; ovpn_chacha20_init() and
 * ovpn_chacha20_crypt() call the library with it.
 */
#include <crypto/chacha.h>

#ifdef OVPN_COMPAT_CHACHA_STATE
struct ovpn_chacha {
	struct chacha_state state;
};

static inline void ovpn_chacha20_init(struct ovpn_chacha *c, const u32 *key,
				      const u8 *iv)
{
	chacha_init(&c->state, key, iv);
}

static inline void ovpn_chacha20_crypt(struct ovpn_chacha *c, u8 *dst,
				       const u8 *src, unsigned int len)
{
	chacha20_crypt(&c->state, dst, src, len);
}
#else
struct ovpn_chacha {
	u32 state[CHACHA_STATE_WORDS];
};

static inline void ovpn_chacha20_init(struct ovpn_chacha *c, const u32 *key,
				      const u8 *iv)
{
	chacha_init(c->state, key, iv);
}

static inline void ovpn_chacha20_crypt(struct ovpn_chacha *c, u8 *dst,
				       const u8 *src, unsigned int len)
{
	chacha20_crypt(c->state, dst, src, len);
}
#endif

/*
 * WQ_PERCPU (6.17): a workqueue bound to CPUs says so; 7.x warns when a
 * workqueue is neither WQ_PERCPU nor WQ_UNBOUND (OVPN_COMPAT_WQ_PERCPU: a
 * Kbuild probe). Before, every workqueue without WQ_UNBOUND was per-CPU.
 */
#ifdef OVPN_COMPAT_WQ_PERCPU
#define OVPN_COMPAT_WQ_PERCPU_FLAG	WQ_PERCPU
#else
#define OVPN_COMPAT_WQ_PERCPU_FLAG	0
#endif

/*
 * NL_SET_ERR_MSG_FMT() (6.2): extack messages with numbers in them. Without
 * it, @plain: the same message without the numbers.
 */
#ifdef NL_SET_ERR_MSG_FMT
#define ovpn_compat_err_fmt(extack, plain, fmt, ...)			\
	NL_SET_ERR_MSG_FMT(extack, fmt, ##__VA_ARGS__)
#else
#define ovpn_compat_err_fmt(extack, plain, fmt, ...)			\
	NL_SET_ERR_MSG(extack, plain)
#endif

/*
 * NLA_UINT (6.8): an unsigned integer of 4 or 8 bytes, the smaller when the
 * value fits (OVPN_COMPAT_NLA_UINT_TYPE: a Kbuild probe). Before, the policy
 * checks the length itself, with the core's words, and the reply puts it
 * as nla_put_uint() would.
 */
#ifdef OVPN_COMPAT_NLA_UINT_TYPE
#define OVPN_COMPAT_NLA_UINT_POLICY	{ .type = NLA_UINT }
#define ovpn_compat_nla_put_uint	nla_put_uint
#else
static inline int ovpn_compat_nla_uint_validate(const struct nlattr *attr,
						struct netlink_ext_ack *extack)
{
	if (nla_len(attr) == sizeof(u32) || nla_len(attr) == sizeof(u64))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr, "invalid attribute length");
	return -EINVAL;
}

#define OVPN_COMPAT_NLA_UINT_POLICY					\
	NLA_POLICY_VALIDATE_FN(NLA_BINARY, ovpn_compat_nla_uint_validate)

static inline int ovpn_compat_nla_put_uint(struct sk_buff *skb, int attrtype,
					   u64 value)
{
	u32 small = value;

	if (small == value)
		return nla_put_u32(skb, attrtype, small);
	return nla_put(skb, attrtype, sizeof(value), &value);
}
#endif

#endif /* _NET_OVPN_DCO_COMPAT_H_ */
