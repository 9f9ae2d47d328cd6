/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - wire format constants
 */

#ifndef _NET_OVPN_DCO_PROTO_H_
#define _NET_OVPN_DCO_PROTO_H_

#include <linux/ipv6.h>
#include <linux/udp.h>

/* DATA_V2 header: opcode (5 bits), key id (3 bits), peer id (24 bits) */
#define OVPN_OPCODE_SIZE	4
/* packet id, sent in clear and used in the AEAD nonce */
#define OVPN_PKTID_SIZE		4
/* AEAD tag (AES-GCM and ChaCha20-Poly1305), placed before the ciphertext */
#define OVPN_TAG_SIZE		16

/* bytes a DATA_V2 packet adds in front of the payload */
#define OVPN_DATA_V2_OVERHEAD	(OVPN_OPCODE_SIZE + OVPN_PKTID_SIZE + \
				 OVPN_TAG_SIZE)

/*
 * Worst-case datagram overhead: UDP over IPv6, 40 + 8 + 24 = 72 bytes.
 * TCP carries a longer header, but as a stream it does not bound the MTU.
 */
#define OVPN_UDP6_OVERHEAD	(sizeof(struct ipv6hdr) +		\
				 sizeof(struct udphdr) +		\
				 OVPN_DATA_V2_OVERHEAD)

/* highest peer id: 24 bits */
#define OVPN_PEER_ID_MAX	0xFFFFFFU
/* highest key id: 3 bits */
#define OVPN_KEY_ID_MAX		7
/* the per-direction part of the AEAD nonce that the control channel sets */
#define OVPN_NONCE_TAIL_SIZE	8

#endif /* _NET_OVPN_DCO_PROTO_H_ */
