# ovpn-dco: out-of-tree build plus the harness entry points.
#   make                 build kernel/ovpn-dco.ko against KDIR
#   make demo            build, boot the default kernel, run a real OpenVPN tunnel over ovpn-dco
#   make test            the test suite (PYTEST_ARGS are passed to pytest)
#   make bench-scale     10,000 peers on one device: add/dump/delete times, memory per peer
#   make checkpatch      checkpatch.pl --strict on kernel/ (Debian's linux-source-6.1)
#   make lint            ruff on the harness and tests
#   make install         install the module for KDIR's kernel (depmod)

KDIR ?= /lib/modules/$(shell uname -r)/build
VENV ?= $(CURDIR)/.venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: all modules clean demo test lint install bench-scale checkpatch

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel CONFIG_OVPN_DCO=m modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel CONFIG_OVPN_DCO=m modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(KDIR)))

demo:
	$(PY) -m pyharness.cli demo

test:
	$(PY) -m pytest $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check pyharness tests
	$(VENV)/bin/ruff format --check pyharness tests

bench-scale:
	$(PY) -m pyharness.cli bench-scale

checkpatch:
	bash scripts/checkpatch.sh
