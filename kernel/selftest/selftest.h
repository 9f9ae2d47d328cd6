/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ovpn-dco: OpenVPN data channel offload - in-module self-tests
 *
 * Built only in the debug flavour (CONFIG_OVPN_DCO_DEBUG, kernel/Kbuild)
 * and run at module init (main.c); elsewhere they are stubs that pass.
 */

#ifndef _NET_OVPN_DCO_SELFTEST_H_
#define _NET_OVPN_DCO_SELFTEST_H_

#ifdef CONFIG_OVPN_DCO_DEBUG
int ovpn_pktid_selftest(void);
#else
static inline int ovpn_pktid_selftest(void)
{
	return 0;
}
#endif

#endif /* _NET_OVPN_DCO_SELFTEST_H_ */
