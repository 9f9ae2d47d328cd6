"""The ovpn-dco-harness command: build, boot and poke at the module from the shell (``main``, ``ctl``)."""
