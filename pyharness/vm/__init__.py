"""One kernel on the host: find it, check its config, build the module against it, boot it in a VM.

Bottom of the host side: paths and caches (``paths``), installed kernels (``kernels``),
chroots with newer toolchains (``chroot``), the Kconfig check (``kconfig``), the out-of-tree
build (``build``), virtme-ng (``vng``) and the guest kernel log (``klog``). Knows nothing of
the matrix or the debug kernel (``pyharness.matrix``).
"""
