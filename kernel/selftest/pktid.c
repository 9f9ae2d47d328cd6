// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - self-test of the packet ids
 *
 * Debug builds only (CONFIG_OVPN_DCO_DEBUG): run at module init, the
 * module does not load if it fails. Every check is a case; a failing case
 * is reported and ends its group (later checks of a group depend on the
 * earlier ones), the other groups still run. One summary line follows.
 */

#define pr_fmt(fmt) "ovpn-dco: " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../pktid.h"
#include "selftest.h"

/* ids a random sequence may use above its base, remembered by the reference */
#define OVPN_PKTID_TEST_SPAN	BIT(24)
/* the second sequence starts this far below U32_MAX */
#define OVPN_PKTID_TEST_NEAR_END	BIT(22)
/* random ids checked per sequence */
#define OVPN_PKTID_TEST_STEPS	10000
/* fixed seed: every run checks the same sequences */
#define OVPN_PKTID_TEST_SEED	0x6f76706e64636f31ULL	/* "ovpndco1" */
/* failures reported one by one; the summary counts all of them */
#define OVPN_PKTID_TEST_REPORTS	16

/**
 * struct ovpn_pktid_test - state of the self-test
 * @win: the window under test
 * @xmit: the TX ids under test
 * @seen: reference: every id accepted so far, as id - @base
 * @base: the lowest id the random sequence uses
 * @last: the highest id the random sequence uses, as id - @base
 * @seen_max: reference: the highest id accepted, 0 before the first
 * @rng: state of the pseudo-random generator (xorshift64*)
 * @run: cases run
 * @failed: cases failed
 * @group: the group of checks running, for the failure message
 */
struct ovpn_pktid_test {
	struct ovpn_pktid_recv win;
	struct ovpn_pktid_xmit xmit;
	unsigned long *seen;
	u32 base;
	u32 last;
	u32 seen_max;
	u64 rng;
	unsigned int run;
	unsigned int failed;
	const char *group;
};

/* count a case; report it if it failed. Return: @ok */
static bool ovpn_pktid_test_case(struct ovpn_pktid_test *t, bool ok)
{
	t->run++;
	if (!ok)
		t->failed++;
	return ok;
}

static bool ovpn_pktid_test_recv(struct ovpn_pktid_test *t, u32 id, int want)
{
	int got = ovpn_pktid_recv(&t->win, id);

	if (!ovpn_pktid_test_case(t, got == want)) {
		if (t->failed <= OVPN_PKTID_TEST_REPORTS)
			pr_err("pktid self-test: FAIL %s: id %u returned %d, expected %d (case %u)\n",
			       t->group, id, got, want, t->run);
		return false;
	}

	return true;
}

/* ovpn_pktid_recv() of each id of @ids, expecting @want */
static bool ovpn_pktid_test_seq(struct ovpn_pktid_test *t, const u32 *ids,
				unsigned int n, int want)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!ovpn_pktid_test_recv(t, ids[i], want))
			return false;

	return true;
}

/* ovpn_pktid_recv() of @first .. @last, expecting @want */
static bool ovpn_pktid_test_range(struct ovpn_pktid_test *t, u32 first,
				  u32 last, int want)
{
	u32 id = first;

	for (;;) {
		if (!ovpn_pktid_test_recv(t, id, want))
			return false;
		if (id == last)
			return true;
		id++;
	}
}

static void ovpn_pktid_test_start(struct ovpn_pktid_test *t,
				  const char *group)
{
	t->group = group;
	ovpn_pktid_recv_init(&t->win);
}

/* id 0, duplicates and reordering at the start of a window: 23 cases */
static bool ovpn_pktid_test_basic(struct ovpn_pktid_test *t)
{
	static const u32 fresh[] = { 5, 3, 4, 1, 2, 7 };
	static const u32 dups[] = { 1, 2, 3, 4, 5, 7 };

	ovpn_pktid_test_start(t, "basic");
	return ovpn_pktid_test_recv(t, 0, -EINVAL) &&
	       ovpn_pktid_test_seq(t, fresh, ARRAY_SIZE(fresh), 0) &&
	       ovpn_pktid_test_seq(t, dups, ARRAY_SIZE(dups), -EEXIST) &&
	       ovpn_pktid_test_recv(t, 0, -EINVAL) &&
	       ovpn_pktid_test_recv(t, 6, 0) &&
	       ovpn_pktid_test_recv(t, 6, -EEXIST) &&
	       /* id 0 never, whatever the window holds */
	       ovpn_pktid_test_recv(t, 0, -EINVAL) &&
	       ovpn_pktid_test_range(t, 8, 12, 0) &&
	       ovpn_pktid_test_recv(t, 0, -EINVAL);
}

/*
 * The oldest id of the window accepted once, the one below it refused,
 * bits reused: 9 cases, then 5 * w + 3006 cases on a full window.
 */
static bool ovpn_pktid_test_edges(struct ovpn_pktid_test *t)
{
	const u32 w = OVPN_REPLAY_WINDOW;

	ovpn_pktid_test_start(t, "edges");
	if (!ovpn_pktid_test_recv(t, 3000, 0) ||
	    !ovpn_pktid_test_recv(t, 3000 - w + 1, 0) ||
	    !ovpn_pktid_test_recv(t, 3000 - w, -ERANGE) ||
	    !ovpn_pktid_test_recv(t, 3000 - w + 1, -EEXIST) ||
	    !ovpn_pktid_test_recv(t, 2999, 0) ||
	    /* one step up: 3000 - w + 1 leaves, its bit goes to 3001 */
	    !ovpn_pktid_test_recv(t, 3001, 0) ||
	    !ovpn_pktid_test_recv(t, 3000 - w + 1, -ERANGE) ||
	    !ovpn_pktid_test_recv(t, 3000 - w + 2, 0) ||
	    !ovpn_pktid_test_recv(t, 3001, -EEXIST))
		return false;

	/* a full window, then moves that reuse set bits, wrapping around */
	ovpn_pktid_test_start(t, "edges, full window");
	return ovpn_pktid_test_range(t, 1, w, 0) &&
	       ovpn_pktid_test_range(t, 1, w, -EEXIST) &&
	       ovpn_pktid_test_recv(t, w + 1, 0) &&
	       ovpn_pktid_test_recv(t, w + 1, -EEXIST) &&
	       ovpn_pktid_test_recv(t, 1, -ERANGE) &&
	       ovpn_pktid_test_range(t, 2, w, -EEXIST) &&
	       /* up by 1000: 2 .. 1001 leave, 1002 .. w stay */
	       ovpn_pktid_test_recv(t, w + 1001, 0) &&
	       ovpn_pktid_test_range(t, 1, 1001, -ERANGE) &&
	       ovpn_pktid_test_range(t, 1002, w + 1, -EEXIST) &&
	       ovpn_pktid_test_range(t, w + 2, w + 1000, 0) &&
	       ovpn_pktid_test_range(t, w + 1, w + 1001, -EEXIST) &&
	       /* up by w - 1: only the current top stays */
	       ovpn_pktid_test_recv(t, 2 * w + 1000, 0) &&
	       ovpn_pktid_test_range(t, w + 1, w + 1000, -ERANGE) &&
	       ovpn_pktid_test_recv(t, w + 1001, -EEXIST) &&
	       ovpn_pktid_test_range(t, w + 1002, 2 * w + 999, 0) &&
	       /* the oldest id of a full window is taken, the next is out */
	       ovpn_pktid_test_recv(t, w + 1001, -EEXIST) &&
	       ovpn_pktid_test_recv(t, w + 1000, -ERANGE);
}

/* jumps of the window and ids next to U32_MAX: 16 cases */
static bool ovpn_pktid_test_jump(struct ovpn_pktid_test *t)
{
	const u32 w = OVPN_REPLAY_WINDOW;

	ovpn_pktid_test_start(t, "far jump");
	return ovpn_pktid_test_recv(t, 100, 0) &&
	       ovpn_pktid_test_recv(t, 1000100, 0) &&
	       ovpn_pktid_test_recv(t, 100, -ERANGE) &&
	       ovpn_pktid_test_recv(t, 1000100 - w, -ERANGE) &&
	       ovpn_pktid_test_recv(t, 1000100 - w + 1, 0) &&
	       ovpn_pktid_test_recv(t, 1000099, 0) &&
	       ovpn_pktid_test_recv(t, 1000100 + w, 0) &&
	       ovpn_pktid_test_recv(t, 1000100, -ERANGE) &&
	       ovpn_pktid_test_recv(t, U32_MAX, 0) &&
	       ovpn_pktid_test_recv(t, U32_MAX, -EEXIST) &&
	       ovpn_pktid_test_recv(t, U32_MAX - w + 1, 0) &&
	       ovpn_pktid_test_recv(t, U32_MAX - w, -ERANGE) &&
	       ovpn_pktid_test_recv(t, 1000100 + w, -ERANGE) &&
	       ovpn_pktid_test_recv(t, U32_MAX - 1, 0) &&
	       ovpn_pktid_test_recv(t, U32_MAX - 1, -EEXIST) &&
	       ovpn_pktid_test_recv(t, 0, -EINVAL);
}

/* xorshift64*: small, deterministic, good enough to pick test ids */
static u32 ovpn_pktid_test_rand(struct ovpn_pktid_test *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return (t->rng * 0x2545f4914f6cdd1dULL) >> 32;
}

/*
 * The reference: a window that remembers every id it accepted (a bitmap
 * over the whole span of the sequence) and refuses ids more than the
 * window's size below the highest one.
 */
static int ovpn_pktid_test_reference(struct ovpn_pktid_test *t, u32 id)
{
	if (!id)
		return -EINVAL;
	if (id <= t->seen_max && t->seen_max - id >= OVPN_REPLAY_WINDOW)
		return -ERANGE;
	if (test_bit(id - t->base, t->seen))
		return -EEXIST;

	__set_bit(id - t->base, t->seen);
	t->seen_max = max(t->seen_max, id);
	return 0;
}

/* the next id of a random sequence, relative to its base */
static u32 ovpn_pktid_test_next(struct ovpn_pktid_test *t)
{
	u32 top = t->seen_max ? t->seen_max - t->base : 0;
	u32 r = ovpn_pktid_test_rand(t);
	u32 x = r >> 8;
	u32 rel;

	switch (r & 0xff) {
	case 0 ... 119:		/* next ids, sometimes skipping a few */
		rel = top + 1 + x % 4;
		break;
	case 120 ... 169:	/* late, sometimes just too late */
		rel = top - min(top, x % (OVPN_REPLAY_WINDOW + 64));
		break;
	case 170 ... 209:	/* repeated */
		rel = top - min(top, x % 8);
		break;
	case 210 ... 239:	/* ahead, within a window */
		rel = top + x % OVPN_REPLAY_WINDOW;
		break;
	case 240 ... 249:	/* ahead, a few windows */
		rel = top + x % (4 * OVPN_REPLAY_WINDOW);
		break;
	case 250 ... 252:	/* a large jump */
		rel = top + x % BIT(16);
		break;
	default:		/* a large backtrack */
		rel = top - min(top, x % BIT(16));
		break;
	}

	return min(rel, t->last);
}

/*
 * A random mix of in-order, reordered, repeated, old, far and far-back
 * ids from @base to @base + @last, each checked against the reference:
 * OVPN_PKTID_TEST_STEPS cases.
 */
static bool ovpn_pktid_test_random(struct ovpn_pktid_test *t, u32 base,
				   u32 last, const char *group)
{
	unsigned int step;
	u32 id;

	ovpn_pktid_test_start(t, group);
	bitmap_zero(t->seen, OVPN_PKTID_TEST_SPAN);
	t->base = base;
	t->last = last;
	t->seen_max = 0;

	for (step = 0; step < OVPN_PKTID_TEST_STEPS; step++) {
		id = base + ovpn_pktid_test_next(t);
		if (!ovpn_pktid_test_recv(t, id,
					  ovpn_pktid_test_reference(t, id))) {
			pr_err("pktid self-test: %s: step %u, seed %#llx\n",
			       group, step, OVPN_PKTID_TEST_SEED);
			return false;
		}
	}

	return true;
}

static bool ovpn_pktid_test_xmit_id(struct ovpn_pktid_test *t, u32 want_id,
				    int want)
{
	u32 id = 0;
	int got = ovpn_pktid_xmit_next(&t->xmit, &id);

	if (!ovpn_pktid_test_case(t, got == want && (got || id == want_id))) {
		if (t->failed <= OVPN_PKTID_TEST_REPORTS)
			pr_err("pktid self-test: FAIL %s: returned %d id %u, expected %d id %u (case %u)\n",
			       t->group, got, id, want, want_id, t->run);
		return false;
	}

	return true;
}

/* the TX counter stays at its end: 1 case */
static bool ovpn_pktid_test_xmit_stays(struct ovpn_pktid_test *t)
{
	s64 seq = atomic64_read(&t->xmit.seq);

	if (!ovpn_pktid_test_case(t, seq == U32_MAX)) {
		if (t->failed <= OVPN_PKTID_TEST_REPORTS)
			pr_err("pktid self-test: FAIL %s: TX counter at %lld, expected %u (case %u)\n",
			       t->group, seq, U32_MAX, t->run);
		return false;
	}

	return true;
}

/* TX ids: from 1, the last one is U32_MAX, then -ERANGE: 7 cases */
static bool ovpn_pktid_test_xmit(struct ovpn_pktid_test *t)
{
	t->group = "xmit";
	atomic64_set(&t->xmit.seq, 0);
	if (!ovpn_pktid_test_xmit_id(t, 1, 0) ||
	    !ovpn_pktid_test_xmit_id(t, 2, 0))
		return false;

	t->group = "xmit exhaustion";
	atomic64_set(&t->xmit.seq, U32_MAX - 2);
	return ovpn_pktid_test_xmit_id(t, U32_MAX - 1, 0) &&
	       ovpn_pktid_test_xmit_id(t, U32_MAX, 0) &&
	       ovpn_pktid_test_xmit_id(t, 0, -ERANGE) &&
	       ovpn_pktid_test_xmit_id(t, 0, -ERANGE) &&
	       ovpn_pktid_test_xmit_stays(t);
}

/**
 * ovpn_pktid_selftest - check the packet id code (CONFIG_OVPN_DCO_DEBUG)
 *
 * Description: runs the replay window through id 0, duplicates, its
 * edges (the oldest id of the window accepted once, the one below it
 * refused), far jumps, ids next to U32_MAX, and two pseudo-random
 * sequences of OVPN_PKTID_TEST_STEPS ids each (fixed seed; one from 0, one
 * ending at U32_MAX) checked against a reference that remembers every id;
 * then the TX ids up to their exhaustion. Each failing case is reported;
 * one summary line gives the cases run, passed and failed.
 *
 * Context: process context (module init).
 * Return: 0 if every case passed, -EINVAL if one failed, -ENOMEM.
 */
int ovpn_pktid_selftest(void)
{
	struct ovpn_pktid_test *t;
	int ret = 0;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	t->seen = vmalloc(BITS_TO_LONGS(OVPN_PKTID_TEST_SPAN) * sizeof(long));
	if (!t->seen) {
		kfree(t);
		return -ENOMEM;
	}

	t->rng = OVPN_PKTID_TEST_SEED;
	ovpn_pktid_test_basic(t);
	ovpn_pktid_test_edges(t);
	ovpn_pktid_test_jump(t);
	ovpn_pktid_test_random(t, 0, OVPN_PKTID_TEST_SPAN - 1, "random from 0");
	/* reaches U32_MAX after some 6000 steps, then stays there */
	ovpn_pktid_test_random(t, U32_MAX - OVPN_PKTID_TEST_NEAR_END + 1,
			       OVPN_PKTID_TEST_NEAR_END - 1,
			       "random up to U32_MAX");
	ovpn_pktid_test_xmit(t);

	if (t->failed) {
		pr_err("pktid self-test: %u cases run, %u passed, %u failed\n",
		       t->run, t->run - t->failed, t->failed);
		ret = -EINVAL;
	} else {
		pr_info("pktid self-test: %u cases run, %u passed, 0 failed\n",
			t->run, t->run);
	}

	vfree(t->seen);
	kfree(t);
	return ret;
}
