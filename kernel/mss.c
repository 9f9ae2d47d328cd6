// SPDX-License-Identifier: GPL-2.0-only
/*
 * ovpn-dco: OpenVPN data channel offload - TCP MSS clamping (mssfix)
 *
 * What OpenVPN's --mssfix does in userspace, done on the offloaded data
 * path: the MSS option of a TCP SYN (or SYN-ACK) crossing the tunnel, in
 * either direction, is lowered - never raised - so that a full-size
 * segment, once encapsulated for the peer it travels with, makes an outer
 * packet of at most the device's mssfix bytes, outer IP and transport
 * headers included (OpenVPN's "mssfix N mtu"; its default, 1492, is ours).
 *
 * The largest MSS is OpenVPN's: mssfix, less the outer IP header (20 or
 * 40), the transport header (UDP 8, TCP 20 and the 2-byte frame length),
 * the DATA_V2 overhead (24) and an inner IPv4 and TCP header (40); 20 less
 * again for an inner IPv6 packet. UDP over IPv4 with the default: 1400.
 *
 * Only the MSS option changes; the TCP checksum follows incrementally.
 * Options are read within the TCP header the packet declares and that the
 * IP length covers; a malformed option list (an option running past the
 * header, a length under 2) ends the walk and an MSS option of the wrong
 * length is skipped: such packets pass as they came. Fragments after the
 * first carry no TCP header and pass too. mssfix 0 turns clamping off.
 */

#include <linux/bits.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/moduleparam.h>
#include <linux/skbuff.h>
#include <linux/swab.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "mss.h"
#include "ovpnstruct.h"
#include "peer.h"
#include "proto.h"
#include "socket.h"
#include "stats.h"

/* an inner IPv4 header and a TCP header without options */
#define OVPN_MSS_INNER_HDRS	(sizeof(struct iphdr) + sizeof(struct tcphdr))
/* what an inner IPv6 header costs over an IPv4 one */
#define OVPN_MSS_INNER_IPV6	(sizeof(struct ipv6hdr) - sizeof(struct iphdr))
/* a TCP transport: its header and the frame length of each packet */
#define OVPN_MSS_TCP_TRANSPORT	(sizeof(struct tcphdr) + sizeof(__be16))

unsigned short ovpn_mssfix_default = OVPN_MSSFIX_DEFAULT;

/**
 * ovpn_mssfix_valid - whether a device may take an mssfix value
 * @mssfix: the value
 *
 * Return: true for 0 (off) and for OVPN_MSSFIX_MIN to 65535.
 */
bool ovpn_mssfix_valid(unsigned int mssfix)
{
	return !mssfix || (mssfix >= OVPN_MSSFIX_MIN && mssfix <= U16_MAX);
}

static int ovpn_mssfix_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned short mssfix;
	int err;

	err = kstrtou16(val, 0, &mssfix);
	if (err)
		return err;
	if (!ovpn_mssfix_valid(mssfix))
		return -EINVAL;

	*(unsigned short *)kp->arg = mssfix;
	return 0;
}

static const struct kernel_param_ops ovpn_mssfix_param_ops = {
	.set = ovpn_mssfix_param_set,
	.get = param_get_ushort,
};

module_param_cb(mssfix, &ovpn_mssfix_param_ops, &ovpn_mssfix_default, 0644);
MODULE_PARM_DESC(mssfix,
		 "mssfix of new devices: largest outer packet a clamped TCP MSS allows (default 1492; 0 off; else at least 576)");

/* peer->mss_outer: set, and the transport's facts */
#define OVPN_MSS_OUTER_SET	BIT(0)
#define OVPN_MSS_OUTER_TCP	BIT(1)
#define OVPN_MSS_OUTER_IPV6	BIT(2)

/* whether the peer's packets travel in IPv6, and over TCP; false if gone */
static bool ovpn_mss_transport_now(struct ovpn_peer *peer, bool *ipv6,
				   bool *tcp)
{
	const struct ovpn_socket *osock;
	const struct ovpn_bind *bind;
	bool ret = false;

	rcu_read_lock();
	osock = rcu_dereference(peer->sock);
	if (!osock)
		goto out;

	*tcp = !!osock->tcp;
	*ipv6 = false;
	bind = rcu_dereference(peer->bind);
	if (bind) {
		*ipv6 = bind->remote.sa.sa_family == AF_INET6 &&
			!ipv6_addr_v4mapped(&bind->remote.in6.sin6_addr);
	} else if (osock->sk->sk_family == AF_INET6) {
#if IS_ENABLED(CONFIG_IPV6)
		*ipv6 = !ipv6_addr_v4mapped(&osock->sk->sk_v6_daddr);
#endif
	}
	ret = true;
out:
	rcu_read_unlock();
	return ret;
}

/**
 * ovpn_mss_note_transport - remember a peer's transport before its socket goes
 * @peer: the peer, its socket still attached
 *
 * A received packet is delivered (and clamped) later than it arrived (the
 * receive pipeline, pipe.c), possibly after its peer's socket went: the
 * clamp then uses the transport noted here.
 *
 * Context: any but hard IRQ.
 */
void ovpn_mss_note_transport(struct ovpn_peer *peer)
{
	bool ipv6, tcp;

	if (!ovpn_mss_transport_now(peer, &ipv6, &tcp))
		return;

	WRITE_ONCE(peer->mss_outer, OVPN_MSS_OUTER_SET |
				    (tcp ? OVPN_MSS_OUTER_TCP : 0) |
				    (ipv6 ? OVPN_MSS_OUTER_IPV6 : 0));
}

/* the transport now, else the one noted as the socket went; false if none */
static bool ovpn_mss_transport(struct ovpn_peer *peer, bool *ipv6, bool *tcp)
{
	u8 outer;

	if (ovpn_mss_transport_now(peer, ipv6, tcp))
		return true;

	outer = READ_ONCE(peer->mss_outer);
	if (!(outer & OVPN_MSS_OUTER_SET))
		return false;

	*tcp = outer & OVPN_MSS_OUTER_TCP;
	*ipv6 = outer & OVPN_MSS_OUTER_IPV6;
	return true;
}

/*
 * The largest TCP MSS the peer's tunnel carries unfragmented, for a segment
 * in IPv6 (@inner_ipv6) or IPv4, with the device's @mssfix (not 0); 0 if
 * the peer has no transport any more.
 */
static unsigned int ovpn_mss_max(struct ovpn_peer *peer, unsigned int mssfix,
				 bool inner_ipv6)
{
	unsigned int overhead = OVPN_DATA_V2_OVERHEAD + OVPN_MSS_INNER_HDRS;
	bool ipv6, tcp;

	if (!ovpn_mss_transport(peer, &ipv6, &tcp))
		return 0;

	overhead += ipv6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	overhead += tcp ? OVPN_MSS_TCP_TRANSPORT : sizeof(struct udphdr);
	if (inner_ipv6)
		overhead += OVPN_MSS_INNER_IPV6;

	/* OVPN_MSSFIX_MIN leaves room for the largest overhead */
	return mssfix > overhead ? mssfix - overhead : 0;
}

/*
 * Lower the MSS options of the TCP header at @thoff, of a packet whose IP
 * length ends at @end. Return: whether an option was lowered.
 */
static bool ovpn_mss_fix_tcp(struct sk_buff *skb, unsigned int thoff,
			     unsigned int end, struct ovpn_peer *peer,
			     unsigned int mssfix, bool inner_ipv6)
{
	unsigned int hlen, i, optlen, max = 0;
	bool lowered = false;
	struct tcphdr *th;
	__be16 from, to;
	u16 mss;
	u8 *opt;

	if (end < thoff + sizeof(*th) || !pskb_may_pull(skb, thoff + sizeof(*th)))
		return false;

	th = (struct tcphdr *)(skb->data + thoff);
	if (!th->syn)
		return false;

	hlen = th->doff * 4;
	if (hlen <= sizeof(*th) || end < thoff + hlen ||
	    skb_ensure_writable(skb, thoff + hlen))
		return false;

	th = (struct tcphdr *)(skb->data + thoff);
	opt = (u8 *)(th + 1);
	hlen -= sizeof(*th);

	for (i = 0; i < hlen; i += optlen) {
		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			optlen = 1;
			continue;
		}
		if (hlen - i < 2)
			break;
		optlen = opt[i + 1];
		if (optlen < 2 || optlen > hlen - i)
			break;
		if (opt[i] != TCPOPT_MSS || optlen != TCPOLEN_MSS)
			continue;

		if (!max) {
			max = ovpn_mss_max(peer, mssfix, inner_ipv6);
			if (!max)
				break;
		}
		mss = (opt[i + 2] << 8) | opt[i + 3];
		if (mss <= max)
			continue;

		opt[i + 2] = max >> 8;
		opt[i + 3] = max & 0xff;
		/* the checksum sums 16-bit words from the header's start */
		from = htons(mss);
		to = htons(max);
		if (i & 1) {
			from = (__force __be16)swab16((__force u16)from);
			to = (__force __be16)swab16((__force u16)to);
		}
		inet_proto_csum_replace2(&th->check, skb, from, to, false);
		lowered = true;
	}

	return lowered;
}

static bool ovpn_mss_fix_ipv4(struct sk_buff *skb, struct ovpn_peer *peer,
			      unsigned int mssfix)
{
	const struct iphdr *iph;
	unsigned int ihl, end;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return false;

	iph = (const struct iphdr *)skb->data;
	if (iph->protocol != IPPROTO_TCP || iph->ihl < 5 ||
	    (iph->frag_off & htons(IP_OFFSET)))
		return false;

	ihl = iph->ihl * 4;
	end = ntohs(iph->tot_len);
	if (end < ihl || end > skb->len)
		return false;

	return ovpn_mss_fix_tcp(skb, ihl, end, peer, mssfix, false);
}

static bool ovpn_mss_fix_ipv6(struct sk_buff *skb, struct ovpn_peer *peer,
			      unsigned int mssfix)
{
	const struct ipv6hdr *ip6h;
	unsigned int end;
	__be16 frag_off;
	u8 nexthdr;
	int thoff;

	if (!pskb_may_pull(skb, sizeof(*ip6h)))
		return false;

	ip6h = (const struct ipv6hdr *)skb->data;
	end = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	/* a jumbogram (payload length 0) is not a SYN */
	if (!ip6h->payload_len || end > skb->len)
		return false;

	nexthdr = ip6h->nexthdr;
	thoff = ipv6_skip_exthdr(skb, sizeof(*ip6h), &nexthdr, &frag_off);
	if (thoff < 0 || nexthdr != IPPROTO_TCP ||
	    (ntohs(frag_off) & ~0x7))
		return false;

	return ovpn_mss_fix_tcp(skb, thoff, end, peer, mssfix, true);
}

/**
 * ovpn_mss_clamp - lower the MSS of a TCP SYN crossing a peer's tunnel
 * @peer: the peer the packet goes to or comes from
 * @skb: the plaintext: an IPv4 or IPv6 packet at skb->data whose version
 *	skb->protocol gives, not GSO
 * @dir: the direction, for the counters (ethtool -S)
 *
 * Does nothing when the device's mssfix is 0 or the packet is not a TCP
 * SYN with an MSS option above the peer's limit (ovpn_mss_max()).
 *
 * Context: softirq or bottom halves disabled.
 */
void ovpn_mss_clamp(struct ovpn_peer *peer, struct sk_buff *skb,
		    enum ovpn_mss_dir dir)
{
	struct ovpn_struct *ovpn = peer->ovpn;
	unsigned int mssfix = READ_ONCE(ovpn->mssfix);
	bool lowered;

	if (!mssfix)
		return;

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		lowered = ovpn_mss_fix_ipv4(skb, peer, mssfix);
		break;
	case htons(ETH_P_IPV6):
		lowered = ovpn_mss_fix_ipv6(skb, peer, mssfix);
		break;
	default:
		return;
	}

	if (lowered)
		ovpn_stats_inc(ovpn, dir == OVPN_MSS_TX ?
				     OVPN_STAT_TX_MSS_CLAMPED :
				     OVPN_STAT_RX_MSS_CLAMPED);
}
