/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - one generic netlink family
 *
 * The hand-written part of a family, included by each family file
 * (netlink_dco.c, netlink_dco_v2.c) after its own uapi header and before
 * its generated netlink_gen_*.h (make gen: pyharness/proto/nlgen.py, from
 * uapi/linux/ovpn_dco*.yaml). The generated header defines, static:
 *
 *	ovpn_nl_genl		the struct genl_family to register
 *	ovpn_nl_op_desc		struct ovpn_nl_family.op for the family
 *
 * with the policies of every attribute set a request can reach, the
 * operations and the multicast groups. This file adds the includes that
 * header needs, what the YAML cannot say and the family's module alias.
 * The family file then defines its struct ovpn_nl_family with what
 * differs between the layouts.
 *
 * Validation is strict everywhere: no GENL_DONT_VALIDATE_* flag, each
 * nested policy has exactly the attributes of its enum, so unknown and
 * mistyped attributes are rejected at any depth. Widths follow what OpenVPN
 * sends (u8 key slot and key id, u16 cipher, u32 for the rest). Binary
 * attributes get length bounds only, never value ranges.
 */

#ifdef _NET_OVPN_DCO_NETLINK_TMPL_H_
#error "one family per translation unit"
#endif
#define _NET_OVPN_DCO_NETLINK_TMPL_H_

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "netlink.h"

/* what netlink.c assumes of every layout */
static_assert(OVPN_ATTR_IFINDEX == OVPN_NL_ATTR_IFINDEX);
static_assert(OVPN_NEW_PEER_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_SET_PEER_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_DEL_PEER_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_NEW_KEY_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_SWAP_KEYS_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_DEL_KEY_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_GET_PEER_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_PACKET_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);
static_assert(OVPN_DEV_ATTR_MAX < OVPN_NL_NEST_TB_SIZE);

/*
 * What the YAML specs cannot say, for the generated netlink_gen_*.h: every
 * command goes through one handler that makes the checks common to all
 * (device, nest, extack) before dispatching; GET_PEER dumps with its own
 * callbacks; and which attributes a command cannot do without (ynl's
 * genetlink specs have no notion of a required attribute). The PACKET
 * enum is in both uapi headers, so both layouts can define its macro.
 */
#define OVPN_NL_DOIT			ovpn_nl_doit
#define OVPN_NL_GET_PEER_START		ovpn_nl_get_peer_start
#define OVPN_NL_GET_PEER_DUMPIT		ovpn_nl_get_peer_dumpit

#define OVPN_NL_NEW_PEER_REQUIRED	(BIT(OVPN_NEW_PEER_ATTR_PEER_ID) | \
					 BIT(OVPN_NEW_PEER_ATTR_SOCKET))
#define OVPN_NL_SET_PEER_REQUIRED	BIT(OVPN_SET_PEER_ATTR_PEER_ID)
#define OVPN_NL_DEL_PEER_REQUIRED	BIT(OVPN_DEL_PEER_ATTR_PEER_ID)
#define OVPN_NL_NEW_KEY_REQUIRED	(BIT(OVPN_NEW_KEY_ATTR_PEER_ID) | \
					 BIT(OVPN_NEW_KEY_ATTR_KEY_SLOT) | \
					 BIT(OVPN_NEW_KEY_ATTR_KEY_ID) | \
					 BIT(OVPN_NEW_KEY_ATTR_CIPHER_ALG) | \
					 BIT(OVPN_NEW_KEY_ATTR_ENCRYPT_KEY) | \
					 BIT(OVPN_NEW_KEY_ATTR_DECRYPT_KEY))
#define OVPN_NL_SWAP_KEYS_REQUIRED	BIT(OVPN_SWAP_KEYS_ATTR_PEER_ID)
#define OVPN_NL_DEL_KEY_REQUIRED	(BIT(OVPN_DEL_KEY_ATTR_PEER_ID) | \
					 BIT(OVPN_DEL_KEY_ATTR_KEY_SLOT))
#define OVPN_NL_PACKET_REQUIRED		(BIT(OVPN_PACKET_ATTR_PACKET) | \
					 BIT(OVPN_PACKET_ATTR_PEER_ID))
#define OVPN_NL_GET_PEER_REQUIRED	BIT(OVPN_GET_PEER_ATTR_PEER_ID)
#define OVPN_NL_SET_DEV_REQUIRED	BIT(OVPN_DEV_ATTR_MSSFIX)

MODULE_ALIAS_GENL_FAMILY(OVPN_NL_NAME);
