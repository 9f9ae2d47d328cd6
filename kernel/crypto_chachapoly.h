/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - ChaCha20-Poly1305 (RFC 8439)
 * from the kernel's ChaCha20 and Poly1305 library functions, synchronous,
 * on a linear buffer. See crypto_chachapoly.c.
 */

#ifndef _NET_OVPN_DCO_CRYPTO_CHACHAPOLY_H_
#define _NET_OVPN_DCO_CRYPTO_CHACHAPOLY_H_

#include <linux/types.h>

/* the key: 32 bytes, as 8 little-endian words */
#define OVPN_CHACHAPOLY_KEY_WORDS	8
/* OpenVPN's nonce: the packet id, then the nonce tail */
#define OVPN_CHACHAPOLY_NONCE_SIZE	12
/* OpenVPN's associated data: op/key id/peer id word and packet id */
#define OVPN_CHACHAPOLY_AAD_SIZE	8
#define OVPN_CHACHAPOLY_TAG_SIZE	16

void ovpn_chachapoly_key(u32 *words, const u8 *key);
void ovpn_chachapoly_seal(const u32 *key, const u8 *nonce, const u8 *aad,
			  u8 *text, unsigned int len, u8 *tag);
int ovpn_chachapoly_open(const u32 *key, const u8 *nonce, const u8 *aad,
			 u8 *text, unsigned int len, const u8 *tag);

#endif /* _NET_OVPN_DCO_CRYPTO_CHACHAPOLY_H_ */
