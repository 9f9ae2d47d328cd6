"""The netlink fuzzer (nl*) and the packet fuzzer (pkt*), each judged by a reference model.

``nlfuzz`` sends requests built from ``nlspec`` against the live set-up of ``nllab``,
and ``nloracle`` predicts each answer; ``pktfuzz`` sends packets at the devices of
``pktlab``, and ``pktmodel`` predicts each packet's fate; ``run`` is ``make fuzz``.
"""
