# ovpn-dco: out-of-tree build plus the harness entry points.
#   make                 build kernel/ovpn-dco.ko against KDIR
#   make demo            build, boot the default kernel, run a real OpenVPN tunnel over ovpn-dco
#                        (OPENVPN=2.7: Debian unstable's OpenVPN 2.7 on the ovpn family)
#   make test            the test suite (PYTEST_ARGS are passed to pytest)
#   make test-openvpn27  the OpenVPN 2.7 tests (Debian unstable's, from the sid chroot), the longer set too
#   make bench           throughput and packet rate vs WireGuard, OpenVPN userspace, veth (BENCH_ARGS)
#   make bench-scale     100,000 peers on one device, 64 possible CPUs: add rate, memory per peer, lookup cost (SCALE_ARGS)
#   make checkpatch      checkpatch.pl --strict on kernel/ and kernel/selftest/ (Debian's linux-source-6.1)
#   make lint            ruff on the harness and tests
#   make gen             regenerate kernel/netlink_gen_*.h from uapi/linux/*.yaml (pyharness/proto/nlgen.py)
#   make install         install the module for KDIR's kernel (depmod)
#   make dkms-install    copy the sources to /usr/src/ovpn-dco-VERSION, dkms add/build/install
#   make dkms-remove     dkms remove --all, and the sources from /usr/src
#   make matrix          the test suite on every kernel of the matrix; README table
#   make check-debug     the whole suite on the debug kernel (KASAN, lockdep, kmemleak...; built once, cached)
#   make fuzz            netlink and packet fuzzers, 100,000+ each, in one guest; figures in fuzz/results.json
#   make races           race tests x10 iterations (RACES_ARGS="--scale N"); figures/races.json

KDIR ?= /lib/modules/$(shell uname -r)/build
VENV ?= $(CURDIR)/.venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
RACES_ARGS ?=
BENCH_ARGS ?=
VERSION := $(shell sed -n 's/^\#define OVPN_DRV_VERSION[[:space:]]*"\(.*\)"/\1/p' $(CURDIR)/kernel/main.h)
# what DKMS needs of the tree, and where dkms-src puts it
DKMS_FILES := dkms.conf Makefile Kconfig kernel/Kbuild kernel/Makefile kernel/*.[ch] kernel/selftest/*.[ch] \
	uapi/linux/*.h
DKMS_SRC ?= $(DESTDIR)/usr/src/ovpn-dco-$(VERSION)
KERNELRELEASE_OF_KDIR = $(notdir $(patsubst %/build,%,$(KDIR)))

.PHONY: all modules clean demo test test-openvpn27 lint gen install bench bench-scale checkpatch matrix dkms-src dkms-install dkms-remove version check-debug fuzz races conformance-record

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel CONFIG_OVPN_DCO=m modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel CONFIG_OVPN_DCO=m modules_install
	depmod -a $(KERNELRELEASE_OF_KDIR)

version:
	@echo $(VERSION)

dkms-src:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cd $(CURDIR) && cp --parents $(DKMS_FILES) $(DKMS_SRC)/

dkms-install: dkms-src
	dkms add -m ovpn-dco -v $(VERSION)
	dkms build -m ovpn-dco -v $(VERSION) -k $(KERNELRELEASE_OF_KDIR)
	dkms install -m ovpn-dco -v $(VERSION) -k $(KERNELRELEASE_OF_KDIR)

dkms-remove:
	-dkms remove -m ovpn-dco -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

demo:
	$(PY) -m pyharness.cli demo $(if $(OPENVPN),--openvpn $(OPENVPN))

test:
	$(PY) -m pytest $(PYTEST_ARGS)

test-openvpn27:
	$(PY) -m pytest --openvpn27-full -m "openvpn27 or openvpn27_full" tests/guest $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check pyharness tests
	$(VENV)/bin/ruff format --check pyharness tests

gen:
	$(PY) -m pyharness.proto.nlgen

matrix:
	$(PY) -m pyharness.matrix.run $(PYTEST_ARGS)

# fails on any WARN, BUG, KASAN/UBSAN report, lockdep or RCU splat, or kmemleak report
check-debug:
	$(PY) -m pyharness.matrix.debugkernel
	$(PY) -m pytest --kernel debug $(PYTEST_ARGS)

races:
	$(PY) -m pyharness.races.run $(RACES_ARGS)

bench:
	$(PY) -m pyharness.bench.run $(BENCH_ARGS)

bench-scale:
	$(PY) -m pyharness.bench.scale_run $(SCALE_ARGS)

# rewrite tests/guest/data/ovpn_conformance.json from the in-tree ovpn of Debian unstable's kernel
conformance-record:
	$(PY) -m pytest tests/guest/test_ovpn_conformance.py --kernel sid --record-conformance -k intree $(PYTEST_ARGS)

FUZZ_SEED ?=
FAMILY ?=
fuzz:
	$(PY) -m pyharness.cli fuzz --out fuzz $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) $(if $(FAMILY),--family $(FAMILY))

checkpatch:
	bash scripts/checkpatch.sh
