"""The kernels beyond the host's: the Debian matrix, the debug kernel, resolving ``--kernel``, the caches.

``debian`` fetches the matrix kernels, ``debugkernel`` builds the debug kernel and
``kernelcheck`` judges its splats, ``resolve`` maps a ``--kernel`` name to a kernel of any
of them, ``openvpn27`` and ``dkms_anchor`` fetch what guests run beside the module
(unstable's OpenVPN 2.7; Debian 12's openvpn-dco-dkms, the bench's anchor, built for a
kernel), ``cache`` accounts for (and prunes) what they leave on disk, and ``run`` is
``make matrix``. Builds on ``pyharness.vm``.
"""
