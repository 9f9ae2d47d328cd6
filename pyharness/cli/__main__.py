"""``python -m pyharness.cli``: the ovpn-dco-harness command."""

import sys

from .main import main

sys.exit(main())
