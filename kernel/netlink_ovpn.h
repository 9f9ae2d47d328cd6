/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - the "ovpn" generic netlink family
 *
 * The API of the in-tree "ovpn" driver (Linux 6.16+), spoken by OpenVPN
 * 2.7, served by this module on kernels that lack that driver: Kbuild
 * builds these files and defines OVPN_DCO_OVPN_API only when the target
 * .config has no CONFIG_OVPN, so the module never takes the "ovpn" names
 * from the in-tree driver. The layout comes from uapi/linux/ovpn.yaml, the
 * kernel's own spec (netlink_gen_ovpn*.h, generated); replies, errnos and
 * extack messages are those of the in-tree driver, "ovpn: " prefix
 * included, so that a program cannot tell the two apart (the harness's
 * conformance test compares them).
 *
 * netlink_ovpn.c: registration, the device of a request, PEER_GET and
 * PEER_DEL; netlink_ovpn_peer.c: PEER_NEW and PEER_SET;
 * netlink_ovpn_key.c: the key commands; netlink_ovpn_ntf.c: the
 * notifications (peer-del-ntf, key-swap-ntf, peer-float-ntf).
 */

#ifndef _NET_OVPN_DCO_NETLINK_OVPN_H_
#define _NET_OVPN_DCO_NETLINK_OVPN_H_

#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "crypto.h"
#include "netlink.h"
#include "proto.h"
#include "netlink_gen_ovpn_uapi.h"

struct ovpn_peer;
struct ovpn_struct;

/* an extack message as the in-tree driver words it (NL_SET_ERR_MSG_MOD) */
#define OVPN_NLO_MSG(extack, msg)	NL_SET_ERR_MSG(extack, "ovpn: " msg)

/*
 * a formatted one; kernels without NL_SET_ERR_MSG_FMT (6.1) get @plain,
 * the same words without the numbers
 */
#define OVPN_NLO_MSG_FMT(extack, plain, fmt, ...)			\
	ovpn_compat_err_fmt(extack, "ovpn: " plain, "ovpn: " fmt,	\
			    ##__VA_ARGS__)

struct ovpn_struct *ovpn_nlo_dev_get(struct net *net, struct nlattr **attrs,
				     struct netlink_ext_ack *extack);
void ovpn_nlo_dev_put(struct ovpn_struct *ovpn);
struct ovpn_struct *ovpn_nlo_begin(struct genl_info *info, unsigned int type,
				   struct nlattr **tb, unsigned int max,
				   const struct nla_policy *policy);
struct ovpn_peer *ovpn_nlo_peer(struct ovpn_struct *ovpn, struct nlattr **tb,
				struct netlink_ext_ack *extack);
struct genl_family *ovpn_nlo_family(void);

int ovpn_nlo_peer_new_doit(struct sk_buff *skb, struct genl_info *info);
int ovpn_nlo_peer_set_doit(struct sk_buff *skb, struct genl_info *info);
int ovpn_nlo_peer_get_doit(struct sk_buff *skb, struct genl_info *info);
int ovpn_nlo_peer_get_dumpit(struct sk_buff *skb,
			     struct netlink_callback *cb);
int ovpn_nlo_peer_del_doit(struct sk_buff *skb, struct genl_info *info);
int ovpn_nlo_key_new_doit(struct sk_buff *skb, struct genl_info *info);
int ovpn_nlo_key_get_doit(struct sk_buff *skb, struct genl_info *info);
int ovpn_nlo_key_swap_doit(struct sk_buff *skb, struct genl_info *info);
int ovpn_nlo_key_del_doit(struct sk_buff *skb, struct genl_info *info);

/* ovpn_nlo_register(), ovpn_nlo_unregister() and the PEER_DEL_NTF are in
 * netlink.h, for netlink.c and netlink_peer.c
 */

#endif /* _NET_OVPN_DCO_NETLINK_OVPN_H_ */
