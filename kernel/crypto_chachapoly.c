// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - ChaCha20-Poly1305 (RFC 8439)
 *
 * The AEAD is built here from the kernel's ChaCha20 and Poly1305 library
 * functions, which use the CPU's vector units where they can, instead of
 * going through the crypto API's "rfc7539(chacha20,poly1305)" template: no
 * transform, no request to allocate per packet, no scatterlist walk, never
 * asynchronous. The chacha20poly1305 library cannot be used as it is: its
 * nonce is 32 zero bits and a 64-bit counter, while OpenVPN's is the packet
 * id followed by an 8-byte tail.
 *
 * The functions work on one linear buffer, in place.
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#include <crypto/chacha.h>
#include <crypto/poly1305.h>

#include "compat.h"
#include "crypto_chachapoly.h"

static const u8 ovpn_chachapoly_zeros[CHACHA_BLOCK_SIZE];

/*
 * The cipher state for @nonce, with its block counter at 1, and the
 * Poly1305 state keyed with the first half of block 0's key stream.
 */
static void ovpn_chachapoly_start(struct ovpn_chacha *chacha,
				  struct poly1305_desc_ctx *poly,
				  const u32 *key, const u8 *nonce)
{
	u8 iv[CHACHA_IV_SIZE] = {};
	u8 block0[CHACHA_BLOCK_SIZE];

	/* a 32-bit block counter (0), then the nonce */
	memcpy(iv + sizeof(u32), nonce, OVPN_CHACHAPOLY_NONCE_SIZE);
	ovpn_chacha20_init(chacha, key, iv);

	ovpn_chacha20_crypt(chacha, block0, ovpn_chachapoly_zeros,
			    sizeof(block0));
	poly1305_init(poly, block0);
	memzero_explicit(block0, sizeof(block0));
}

/* feed @len bytes, then zeros up to a multiple of 16 */
static void ovpn_chachapoly_update_padded(struct poly1305_desc_ctx *poly,
					  const u8 *data, unsigned int len)
{
	poly1305_update(poly, data, len);
	if (len % POLY1305_BLOCK_SIZE)
		poly1305_update(poly, ovpn_chachapoly_zeros,
				POLY1305_BLOCK_SIZE - len % POLY1305_BLOCK_SIZE);
}

/* the tag over the AAD and the ciphertext */
static void ovpn_chachapoly_tag(struct poly1305_desc_ctx *poly, const u8 *aad,
				const u8 *text, unsigned int len,
				u8 tag[OVPN_CHACHAPOLY_TAG_SIZE])
{
	__le64 lengths[2] = {
		cpu_to_le64(OVPN_CHACHAPOLY_AAD_SIZE),
		cpu_to_le64(len),
	};

	ovpn_chachapoly_update_padded(poly, aad, OVPN_CHACHAPOLY_AAD_SIZE);
	ovpn_chachapoly_update_padded(poly, text, len);
	poly1305_update(poly, (const u8 *)lengths, sizeof(lengths));
	poly1305_final(poly, tag);
}

/**
 * ovpn_chachapoly_key - the key words of a 32-byte key
 * @words: where to write the key, OVPN_CHACHAPOLY_KEY_WORDS words
 * @key: the key as userspace gave it, CHACHA_KEY_SIZE bytes
 */
void ovpn_chachapoly_key(u32 *words, const u8 *key)
{
	unsigned int i;

	for (i = 0; i < OVPN_CHACHAPOLY_KEY_WORDS; i++)
		words[i] = get_unaligned_le32(key + i * sizeof(u32));
}

/**
 * ovpn_chachapoly_seal - encrypt in place and compute the tag
 * @key: the key words (ovpn_chachapoly_key())
 * @nonce: the nonce, OVPN_CHACHAPOLY_NONCE_SIZE bytes
 * @aad: the associated data, OVPN_CHACHAPOLY_AAD_SIZE bytes
 * @text: the plaintext, replaced by the ciphertext
 * @len: its length
 * @tag: where to write the tag, OVPN_CHACHAPOLY_TAG_SIZE bytes; may not
 *	overlap @text
 *
 * Context: any but hard IRQ.
 */
void ovpn_chachapoly_seal(const u32 *key, const u8 *nonce, const u8 *aad,
			  u8 *text, unsigned int len, u8 *tag)
{
	struct poly1305_desc_ctx poly;
	struct ovpn_chacha chacha;

	ovpn_chachapoly_start(&chacha, &poly, key, nonce);
	ovpn_chacha20_crypt(&chacha, text, text, len);
	ovpn_chachapoly_tag(&poly, aad, text, len, tag);

	memzero_explicit(&chacha, sizeof(chacha));
	memzero_explicit(&poly, sizeof(poly));
}

/**
 * ovpn_chachapoly_open - check the tag, then decrypt in place
 * @key: the key words (ovpn_chachapoly_key())
 * @nonce: the nonce, OVPN_CHACHAPOLY_NONCE_SIZE bytes
 * @aad: the associated data, OVPN_CHACHAPOLY_AAD_SIZE bytes
 * @text: the ciphertext, replaced by the plaintext if the tag is right
 * @len: its length
 * @tag: the tag received, OVPN_CHACHAPOLY_TAG_SIZE bytes
 *
 * The ciphertext is left as it is when the tag is wrong.
 *
 * Context: any but hard IRQ.
 * Return: 0, or -EBADMSG when the tag is wrong.
 */
int ovpn_chachapoly_open(const u32 *key, const u8 *nonce, const u8 *aad,
			 u8 *text, unsigned int len, const u8 *tag)
{
	u8 expected[OVPN_CHACHAPOLY_TAG_SIZE];
	struct poly1305_desc_ctx poly;
	struct ovpn_chacha chacha;
	int ret = -EBADMSG;

	ovpn_chachapoly_start(&chacha, &poly, key, nonce);
	ovpn_chachapoly_tag(&poly, aad, text, len, expected);
	if (!crypto_memneq(expected, tag, sizeof(expected))) {
		ovpn_chacha20_crypt(&chacha, text, text, len);
		ret = 0;
	}

	memzero_explicit(&chacha, sizeof(chacha));
	memzero_explicit(&poly, sizeof(poly));
	memzero_explicit(expected, sizeof(expected));
	return ret;
}
