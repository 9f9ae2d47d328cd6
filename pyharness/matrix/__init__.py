"""The kernels beyond the host's: the Debian matrix, the debug kernel, resolving ``--kernel``, the caches.

``debian`` fetches the matrix kernels, ``debugkernel`` builds the debug kernel and
``kernelcheck`` judges its splats, ``resolve`` maps a ``--kernel`` name to a kernel of any
of them, ``cache`` accounts for (and prunes) what they leave on disk, and ``run`` is
``make matrix``. Builds on ``pyharness.vm``.
"""
