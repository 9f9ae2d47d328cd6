// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - AEAD encryption of DATA_V2
 *
 * Packets are encrypted and decrypted in place, in two ways:
 *
 * - ChaCha20-Poly1305 with the kernel's ChaCha20 and Poly1305 library
 *   functions (crypto_chachapoly.c) on the linearized packet: synchronous,
 *   nothing allocated per packet unless the packet must be made linear or
 *   writable.
 *
 * - AES-GCM with a crypto API transform ("gcm(aes)"), so that the AES-NI/
 *   VAES code or an offload engine does the work. The tag sits on the wire
 *   between the header and the ciphertext, while the kernel AEAD API wants
 *   it after the text: the scatterlist of a request therefore lists
 *
 *	header bytes 0..7 (AAD) | bytes 24.. (text) | header bytes 8..23 (tag)
 *
 *   The transforms are allocated without restricting them to synchronous
 *   implementations (on x86 the AES-NI one is "asynchronous": it defers to
 *   cryptd when the FPU is not usable): a request may complete later, from
 *   the crypto driver's context, and then calls the caller's
 *   ovpn_crypto_done_t. That is also why its per-packet state (the struct
 *   aead_request with the transform's context, the scatterlist and the
 *   nonce: struct ovpn_aead_ctx) is one kmalloc(GFP_ATOMIC) per packet and
 *   not per-CPU space: a request that went asynchronous still owns it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/netlink.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/aead.h>

#include "compat.h"
#include "crypto.h"
#include "crypto_aead.h"
#include "crypto_chachapoly.h"
#include "pktid.h"
#include "proto.h"

/* P_DATA_V2, in the top 5 bits of the first byte; the key id below */
#define OVPN_AEAD_OP_DATA_V2		9
#define OVPN_AEAD_OPCODE_SHIFT		3

/* associated data: the op/key id/peer id word and the packet id */
#define OVPN_AEAD_AAD_SIZE		(OVPN_OPCODE_SIZE + OVPN_PKTID_SIZE)
/* nonce: the packet id, then the nonce tail */
#define OVPN_AEAD_NONCE_SIZE		(OVPN_PKTID_SIZE + OVPN_NONCE_TAIL_SIZE)

static_assert(OVPN_AEAD_AAD_SIZE + OVPN_TAG_SIZE == OVPN_DATA_V2_OVERHEAD);
static_assert(OVPN_AEAD_AAD_SIZE == OVPN_CHACHAPOLY_AAD_SIZE);
static_assert(OVPN_AEAD_NONCE_SIZE == OVPN_CHACHAPOLY_NONCE_SIZE);
static_assert(OVPN_TAG_SIZE == OVPN_CHACHAPOLY_TAG_SIZE);

/**
 * struct ovpn_aead_ctx - state of one encryption or decryption
 * @skb: the packet
 * @ks: its key slot, referenced until the operation ends
 * @done: the caller's completion, for an asynchronous end
 * @req: the AEAD request, in the same allocation
 * @iv: the nonce, in the same allocation, aligned for the transform
 * @pktid: decryption: the packet id, for the replay check
 * @sg: AAD | text | tag
 */
struct ovpn_aead_ctx {
	struct sk_buff *skb;
	struct ovpn_crypto_key_slot *ks;
	ovpn_crypto_done_t done;
	struct aead_request *req;
	u8 *iv;
	u32 pktid;
	struct scatterlist sg[];
};

/*
 * One allocation: the struct with @nsg scatterlist entries, the request
 * and its transform-specific context, then the nonce.
 */
static struct ovpn_aead_ctx *ovpn_aead_ctx_alloc(struct crypto_aead *tfm,
						 unsigned int nsg)
{
	unsigned int iv_align = crypto_aead_alignmask(tfm) + 1;
	struct ovpn_aead_ctx *ctx;
	size_t req_off, iv_off;

	req_off = ALIGN(struct_size(ctx, sg, nsg),
			__alignof__(struct aead_request));
	iv_off = req_off + sizeof(struct aead_request) +
		 crypto_aead_reqsize(tfm);

	ctx = kmalloc(iv_off + iv_align - 1 + OVPN_AEAD_NONCE_SIZE,
		      GFP_ATOMIC);
	if (unlikely(!ctx))
		return NULL;

	ctx->req = (struct aead_request *)((u8 *)ctx + req_off);
	ctx->iv = PTR_ALIGN((u8 *)ctx + iv_off, iv_align);
	aead_request_set_tfm(ctx->req, tfm);
	sg_init_table(ctx->sg, nsg);
	return ctx;
}

/*
 * The scatterlist of a packet whose header starts at skb->data: AAD, the
 * @len bytes of text after the header, the tag.
 */
static int ovpn_aead_ctx_map(struct ovpn_aead_ctx *ctx, struct sk_buff *skb,
			     unsigned int len)
{
	int n;

	sg_set_buf(&ctx->sg[0], skb->data, OVPN_AEAD_AAD_SIZE);

	n = skb_to_sgvec_nomark(skb, &ctx->sg[1], OVPN_DATA_V2_OVERHEAD, len);
	if (unlikely(n < 0))
		return n;

	sg_set_buf(&ctx->sg[n + 1], skb->data + OVPN_AEAD_AAD_SIZE,
		   OVPN_TAG_SIZE);
	sg_mark_end(&ctx->sg[n + 1]);
	return 0;
}

/* the nonce of the packet whose header starts at @hdr */
static void ovpn_aead_nonce(u8 *iv, const u8 *hdr, const u8 *tail)
{
	memcpy(iv, hdr + OVPN_OPCODE_SIZE, OVPN_PKTID_SIZE);
	memcpy(iv + OVPN_PKTID_SIZE, tail, OVPN_NONCE_TAIL_SIZE);
}

/* the packet id of the packet whose header starts at @hdr */
static u32 ovpn_aead_pktid(const u8 *hdr)
{
	__be32 be_pktid;

	memcpy(&be_pktid, hdr + OVPN_OPCODE_SIZE, OVPN_PKTID_SIZE);
	return be32_to_cpu(be_pktid);
}

/* push the DATA_V2 header (its tag still to come) in front of the text */
static u8 *ovpn_aead_push_header(struct sk_buff *skb,
				 const struct ovpn_crypto_key_slot *ks,
				 u32 peer_id, u32 pktid)
{
	__be32 be_pktid = cpu_to_be32(pktid);
	u8 *hdr = skb_push(skb, OVPN_DATA_V2_OVERHEAD);

	hdr[0] = (OVPN_AEAD_OP_DATA_V2 << OVPN_AEAD_OPCODE_SHIFT) | ks->key_id;
	hdr[1] = peer_id >> 16;
	hdr[2] = peer_id >> 8;
	hdr[3] = peer_id;
	memcpy(hdr + OVPN_OPCODE_SIZE, &be_pktid, OVPN_PKTID_SIZE);
	return hdr;
}

/* ChaCha20-Poly1305: encrypt the linearized packet, push the header */
static int ovpn_chachapoly_encrypt_skb(struct ovpn_crypto_key_slot *ks,
				       u32 peer_id, u32 pktid,
				       struct sk_buff *skb)
{
	unsigned int len = skb->len;
	u8 nonce[OVPN_AEAD_NONCE_SIZE];
	u8 *hdr;

	if (unlikely(skb_linearize_cow(skb)))
		return -ENOMEM;

	hdr = ovpn_aead_push_header(skb, ks, peer_id, pktid);
	ovpn_aead_nonce(nonce, hdr, ks->nonce_tail_xmit);
	ovpn_chachapoly_seal(ks->chacha_xmit, nonce, hdr,
			     hdr + OVPN_DATA_V2_OVERHEAD, len,
			     hdr + OVPN_AEAD_AAD_SIZE);
	return 0;
}

/* the operation starts: it holds the key slot until ovpn_aead_ctx_end() */
static void ovpn_aead_ctx_start(struct ovpn_aead_ctx *ctx, struct sk_buff *skb,
				struct ovpn_crypto_key_slot *ks,
				ovpn_crypto_done_t done)
{
	ctx->skb = skb;
	ctx->ks = ks;
	ctx->done = done;
	ovpn_crypto_key_slot_hold(ks);

	ovpn_skb_cb(skb)->ks = ks;
	ovpn_skb_cb(skb)->ctx = ctx;
}

/* free @ctx; the caller then puts the key slot it returns */
static struct ovpn_crypto_key_slot *ovpn_aead_ctx_end(struct ovpn_aead_ctx *ctx)
{
	struct ovpn_crypto_key_slot *ks = ctx->ks;

	ovpn_skb_cb(ctx->skb)->ctx = NULL;
	kfree(ctx);
	return ks;
}

/* an asynchronous operation ended: hand the packet to the caller's done */
static void ovpn_aead_ctx_complete(struct ovpn_aead_ctx *ctx, int err)
{
	ovpn_crypto_done_t done = ctx->done;
	struct sk_buff *skb = ctx->skb;
	struct ovpn_crypto_key_slot *ks;

	ks = ovpn_aead_ctx_end(ctx);
	done(skb, err);
	ovpn_crypto_key_slot_put(ks);
}

/* a request returned: did it go asynchronous? */
static bool ovpn_aead_in_progress(int ret)
{
	/* -EBUSY: queued in the backlog (CRYPTO_TFM_REQ_MAY_BACKLOG) */
	return ret == -EINPROGRESS || ret == -EBUSY;
}

static void ovpn_aead_encrypt_done(void *data, int err)
{
	/* a backlogged request started: the real end comes later */
	if (err == -EINPROGRESS)
		return;

	ovpn_aead_ctx_complete(data, err);
}

OVPN_COMPAT_CRYPTO_DONE(ovpn_aead_encrypt_done_cb, ovpn_aead_encrypt_done)

/**
 * ovpn_aead_encrypt - encrypt a packet into a DATA_V2 packet
 * @ks: the key slot (PRIMARY), referenced by the caller for the call
 * @peer_id: the peer id to put in the header, 24 bits
 * @pktid: the packet id, taken from @ks by the caller
 *	(ovpn_pktid_xmit_next())
 * @skb: the plaintext, linear or not, with OVPN_DATA_V2_OVERHEAD bytes of
 *	headroom (skb_cow_head()) and no pending checksum
 * @done: called when the encryption ends, if it goes asynchronous
 *
 * Encrypts in place (making the packet writable first) and pushes the
 * header: at the end skb->data is the whole DATA_V2 packet,
 * OVPN_DATA_V2_OVERHEAD bytes longer than the plaintext.
 *
 * Context: softirq or process context, bottom halves disabled or not.
 * Return: 0 when done; -EINPROGRESS when the encryption continues
 * asynchronously: @done then receives @skb and the result, and owns @skb;
 * otherwise a negative errno, with @done not called and @skb (its content
 * undefined) left to the caller: -ENOMEM, or an error of the transform.
 */
int ovpn_aead_encrypt(struct ovpn_crypto_key_slot *ks, u32 peer_id,
		      u32 pktid, struct sk_buff *skb, ovpn_crypto_done_t done)
{
	unsigned int len = skb->len;
	struct ovpn_aead_ctx *ctx;
	struct sk_buff *trailer;
	int nfrags, ret;
	u8 *hdr;

	/* the caller made room already: this only checks it */
	if (unlikely(skb_cow_head(skb, OVPN_DATA_V2_OVERHEAD)))
		return -ENOMEM;

	if (ks->chachapoly)
		return ovpn_chachapoly_encrypt_skb(ks, peer_id, pktid, skb);

	/* writable data, frags pulled in; the number of pieces of data */
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nfrags < 0))
		return nfrags;

	ctx = ovpn_aead_ctx_alloc(ks->encrypt, nfrags + 2);
	if (unlikely(!ctx))
		return -ENOMEM;

	hdr = ovpn_aead_push_header(skb, ks, peer_id, pktid);
	ret = ovpn_aead_ctx_map(ctx, skb, len);
	if (unlikely(ret)) {
		kfree(ctx);
		return ret;
	}

	ovpn_aead_nonce(ctx->iv, hdr, ks->nonce_tail_xmit);
	aead_request_set_callback(ctx->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  ovpn_aead_encrypt_done_cb, ctx);
	aead_request_set_crypt(ctx->req, ctx->sg, ctx->sg, len, ctx->iv);
	aead_request_set_ad(ctx->req, OVPN_AEAD_AAD_SIZE);

	ovpn_aead_ctx_start(ctx, skb, ks, done);
	ret = crypto_aead_encrypt(ctx->req);
	if (ovpn_aead_in_progress(ret))
		return -EINPROGRESS;

	ovpn_crypto_key_slot_put(ovpn_aead_ctx_end(ctx));
	return ret;
}

/*
 * After the transform: for an authentic packet, its packet id goes to the
 * caller (the replay check is the caller's, in arrival order), then the
 * header goes. Returns the result of ovpn_aead_decrypt().
 */
static int ovpn_aead_decrypt_finish(struct ovpn_crypto_key_slot *ks,
				    struct sk_buff *skb, u32 pktid, int err)
{
	if (unlikely(err))
		return err;

	ovpn_skb_cb(skb)->pktid = pktid;
	/* in the linear part: see ovpn_aead_decrypt() */
	__skb_pull(skb, OVPN_DATA_V2_OVERHEAD);
	/* any checksum the device computed was over the ciphertext */
	skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

static void ovpn_aead_decrypt_done(void *data, int err)
{
	struct ovpn_aead_ctx *ctx = data;

	if (err == -EINPROGRESS)
		return;

	ovpn_aead_ctx_complete(ctx, ovpn_aead_decrypt_finish(ctx->ks, ctx->skb,
							     ctx->pktid, err));
}

OVPN_COMPAT_CRYPTO_DONE(ovpn_aead_decrypt_done_cb, ovpn_aead_decrypt_done)

/* ChaCha20-Poly1305: authenticate and decrypt the linearized packet */
static int ovpn_chachapoly_decrypt_skb(struct ovpn_crypto_key_slot *ks,
				       struct sk_buff *skb, unsigned int len)
{
	u8 nonce[OVPN_AEAD_NONCE_SIZE];
	u8 *hdr;
	int ret;

	if (unlikely(skb_linearize_cow(skb)))
		return -ENOMEM;

	hdr = skb->data;
	ovpn_aead_nonce(nonce, hdr, ks->nonce_tail_recv);
	ret = ovpn_chachapoly_open(ks->chacha_recv, nonce, hdr,
				   hdr + OVPN_DATA_V2_OVERHEAD, len,
				   hdr + OVPN_AEAD_AAD_SIZE);
	return ovpn_aead_decrypt_finish(ks, skb, ovpn_aead_pktid(hdr), ret);
}

/**
 * ovpn_aead_decrypt - authenticate and decrypt a DATA_V2 packet
 * @ks: the key slot of the packet's key id, referenced by the caller for
 *	the call
 * @skb: the whole DATA_V2 packet at skb->data, linear or not
 * @done: called when the decryption ends, if it goes asynchronous
 *
 * Decrypts in place (making the packet writable first). Only once the tag
 * proved the packet authentic is its packet id handed to the caller, in
 * ovpn_skb_cb(skb)->pktid, for the replay check (ovpn_pktid_recv() on
 * the replay window of @ks), which the caller makes in the order the
 * packets arrived. Then the header goes: at the end skb->data is the
 * plaintext, skb->ip_summed CHECKSUM_NONE.
 *
 * Context: softirq or process context, bottom halves disabled or not.
 * Return: 0 when done; -EINPROGRESS when the decryption continues
 * asynchronously: @done then receives @skb and the result, and owns @skb;
 * otherwise a negative errno, with @done not called and @skb (its content
 * undefined) left to the caller: -EBADMSG when authentication failed,
 * -EINVAL (a packet shorter than OVPN_DATA_V2_OVERHEAD), -ENOMEM, or an
 * error of the transform.
 */
int ovpn_aead_decrypt(struct ovpn_crypto_key_slot *ks, struct sk_buff *skb,
		      ovpn_crypto_done_t done)
{
	struct ovpn_aead_ctx *ctx;
	struct sk_buff *trailer;
	unsigned int len;
	int nfrags, ret;

	if (unlikely(skb->len < OVPN_DATA_V2_OVERHEAD))
		return -EINVAL;
	len = skb->len - OVPN_DATA_V2_OVERHEAD;

	if (ks->chachapoly)
		return ovpn_chachapoly_decrypt_skb(ks, skb, len);

	/* the header in the linear part, so that it can be mapped and pulled */
	if (unlikely(!pskb_may_pull(skb, OVPN_DATA_V2_OVERHEAD)))
		return -ENOMEM;

	nfrags = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nfrags < 0))
		return nfrags;

	ctx = ovpn_aead_ctx_alloc(ks->decrypt, nfrags + 2);
	if (unlikely(!ctx))
		return -ENOMEM;

	ret = ovpn_aead_ctx_map(ctx, skb, len);
	if (unlikely(ret)) {
		kfree(ctx);
		return ret;
	}

	ovpn_aead_nonce(ctx->iv, skb->data, ks->nonce_tail_recv);
	ctx->pktid = ovpn_aead_pktid(skb->data);
	aead_request_set_callback(ctx->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  ovpn_aead_decrypt_done_cb, ctx);
	/* the text to decrypt includes the tag */
	aead_request_set_crypt(ctx->req, ctx->sg, ctx->sg, len + OVPN_TAG_SIZE,
			       ctx->iv);
	aead_request_set_ad(ctx->req, OVPN_AEAD_AAD_SIZE);

	ovpn_aead_ctx_start(ctx, skb, ks, done);
	ret = crypto_aead_decrypt(ctx->req);
	if (ovpn_aead_in_progress(ret))
		return -EINPROGRESS;

	ret = ovpn_aead_decrypt_finish(ks, skb, ctx->pktid, ret);
	ovpn_crypto_key_slot_put(ovpn_aead_ctx_end(ctx));
	return ret;
}

/* a transform of @alg_name keyed with @key */
static struct crypto_aead *ovpn_aead_tfm_new(const char *alg_name,
					     const struct ovpn_key_direction *key,
					     struct netlink_ext_ack *extack)
{
	struct crypto_aead *tfm;
	int ret;

	tfm = crypto_alloc_aead(alg_name, 0, 0);
	if (IS_ERR(tfm)) {
		NL_SET_ERR_MSG(extack, "cannot allocate the AEAD transform");
		pr_err("cannot allocate AEAD transform %s: %ld\n", alg_name,
		       PTR_ERR(tfm));
		return tfm;
	}

	if (crypto_aead_ivsize(tfm) != OVPN_AEAD_NONCE_SIZE) {
		NL_SET_ERR_MSG(extack, "unexpected nonce size of the cipher");
		ret = -EINVAL;
		goto err_free;
	}

	ret = crypto_aead_setauthsize(tfm, OVPN_TAG_SIZE);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot set the AEAD tag size");
		goto err_free;
	}

	ret = crypto_aead_setkey(tfm, key->cipher_key, key->cipher_key_size);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot set the cipher key");
		goto err_free;
	}

	return tfm;

err_free:
	crypto_free_aead(tfm);
	return ERR_PTR(ret);
}

/* whether a key of @size bytes fits @alg, with an extack message if not */
static bool ovpn_aead_key_size_ok(enum ovpn_cipher_alg alg, size_t size,
				  struct netlink_ext_ack *extack)
{
	switch (alg) {
	case OVPN_CIPHER_ALG_AES_GCM:
		if (size == 16 || size == 24 || size == 32)
			return true;
		NL_SET_ERR_MSG(extack, "invalid key size for AES-GCM");
		return false;
	case OVPN_CIPHER_ALG_CHACHA20_POLY1305:
		if (size == 32)
			return true;
		NL_SET_ERR_MSG(extack,
			       "invalid key size for ChaCha20-Poly1305");
		return false;
	default:
		NL_SET_ERR_MSG(extack, "unsupported cipher");
		return false;
	}
}

/* AES-GCM: the transforms of both directions; freed by the caller */
static int ovpn_aead_tfms_new(struct ovpn_crypto_key_slot *ks,
			      const struct ovpn_key_config *kc,
			      struct netlink_ext_ack *extack)
{
	struct crypto_aead *tfm;

	tfm = ovpn_aead_tfm_new("gcm(aes)", &kc->encrypt, extack);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ks->encrypt = tfm;

	tfm = ovpn_aead_tfm_new("gcm(aes)", &kc->decrypt, extack);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ks->decrypt = tfm;
	return 0;
}

/**
 * ovpn_aead_crypto_key_slot_new - a key slot for a key from userspace
 * @kc: the key: cipher, key id, material of both directions
 * @extack: where to report errors; may be NULL
 *
 * Checks the key sizes (AES-GCM 16, 24 or 32 bytes, ChaCha20-Poly1305 32).
 * AES-GCM: allocates and keys the transforms ("gcm(aes)", 16-byte tag);
 * ChaCha20-Poly1305: keeps the keys for the library functions. The slot
 * starts with one reference, packet ids from 1 and an empty replay window.
 *
 * Context: process context, may sleep.
 * Return: the key slot, or an ERR_PTR(): -EINVAL for a bad key size or
 * cipher, -ENOMEM, or the crypto API's error.
 */
struct ovpn_crypto_key_slot *
ovpn_aead_crypto_key_slot_new(const struct ovpn_key_config *kc,
			      struct netlink_ext_ack *extack)
{
	struct ovpn_crypto_key_slot *ks;
	int ret;

	if (!ovpn_aead_key_size_ok(kc->cipher_alg, kc->encrypt.cipher_key_size,
				   extack) ||
	    !ovpn_aead_key_size_ok(kc->cipher_alg, kc->decrypt.cipher_key_size,
				   extack))
		return ERR_PTR(-EINVAL);

	if (kc->key_id > OVPN_KEY_ID_MAX) {
		NL_SET_ERR_MSG(extack, "invalid key id");
		return ERR_PTR(-EINVAL);
	}

	ks = kzalloc(sizeof(*ks), GFP_KERNEL);
	if (!ks)
		return ERR_PTR(-ENOMEM);

	if (kc->cipher_alg == OVPN_CIPHER_ALG_CHACHA20_POLY1305) {
		/* library functions: nothing to allocate */
		ks->chachapoly = true;
		ovpn_chachapoly_key(ks->chacha_xmit, kc->encrypt.cipher_key);
		ovpn_chachapoly_key(ks->chacha_recv, kc->decrypt.cipher_key);
	} else {
		ret = ovpn_aead_tfms_new(ks, kc, extack);
		if (ret) {
			ovpn_aead_crypto_key_slot_destroy(ks);
			return ERR_PTR(ret);
		}
	}

	ks->key_id = kc->key_id;
	memcpy(ks->nonce_tail_xmit, kc->encrypt.nonce_tail,
	       OVPN_NONCE_TAIL_SIZE);
	memcpy(ks->nonce_tail_recv, kc->decrypt.nonce_tail,
	       OVPN_NONCE_TAIL_SIZE);
	ovpn_pktid_xmit_init(&ks->pid_xmit);
	ovpn_pktid_recv_init(&ks->pid_recv);
	kref_init(&ks->refcount);
	return ks;
}

/**
 * ovpn_aead_crypto_key_slot_destroy - free a key slot now
 * @ks: the key slot, unreferenced, or never published
 *
 * Context: any but hard IRQ (RCU callbacks included).
 */
void ovpn_aead_crypto_key_slot_destroy(struct ovpn_crypto_key_slot *ks)
{
	if (ks->encrypt)
		crypto_free_aead(ks->encrypt);
	if (ks->decrypt)
		crypto_free_aead(ks->decrypt);
	kfree_sensitive(ks);
}

static void ovpn_crypto_key_slot_free_rcu(struct rcu_head *head)
{
	struct ovpn_crypto_key_slot *ks;

	ks = container_of(head, struct ovpn_crypto_key_slot, rcu);
	ovpn_aead_crypto_key_slot_destroy(ks);
}

/**
 * ovpn_crypto_key_slot_release - free a key slot, its last reference gone
 * @kref: the refcount of the key slot
 *
 * Called by ovpn_crypto_key_slot_put(); the slot is freed after an RCU
 * grace period, since readers may still try to take a reference.
 * Module unload waits for these with rcu_barrier().
 */
void ovpn_crypto_key_slot_release(struct kref *kref)
{
	struct ovpn_crypto_key_slot *ks;

	ks = container_of(kref, struct ovpn_crypto_key_slot, refcount);
	call_rcu(&ks->rcu, ovpn_crypto_key_slot_free_rcu);
}
