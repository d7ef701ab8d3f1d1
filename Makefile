# xdperf build: `make` (binary, library, plugins), `make test`, `make demo`, `make bench`, `make fuzz`.
# Every user-facing target first installs missing Debian packages (scripts/deps.sh, idempotent).

CC      ?= gcc
BUILD   := build
CSTD    := -std=gnu11
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
OPT     ?= -O2 -g
CFLAGS_ALL := $(CSTD) $(WARN) $(OPT) -D_GNU_SOURCE -Iinclude -Isrc -fno-strict-aliasing -ffp-contract=off $(EXTRA_CFLAGS)
LDLIBS  := -lbpf -ljansson -lyaml -lsodium -lmicrohttpd -lgnutls -lcurl -lm -lpthread
BPFTOOL ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)

LIB_SRCS := $(wildcard src/util/*.c src/wasm/*.c src/plugin/*.c src/hotload/*.c src/responder/*.c src/packet/*.c src/profile/*.c src/datapath/*.c src/server/*.c src/ctl/*.c src/report/*.c)
CLI_SRCS := $(wildcard src/cli/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ASAN_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/asan/obj/%.o)
ASAN_CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/asan/obj/%.o)

# BPF programs: src/bpf/NAME.bpf.c -> build/bpf/NAME.bpf.o -> build/bpf/NAME_bpf.skel.h
# (bpftool skeleton, the object embedded), included by the loaders in src/datapath/.
BPF_SRCS := $(wildcard src/bpf/*.bpf.c)
BPF_SKELS := $(BPF_SRCS:src/bpf/%.bpf.c=$(BUILD)/bpf/%_bpf.skel.h)
BPF_CFLAGS := -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -target bpf -I/usr/include/$(shell gcc -dumpmachine) -Isrc/bpf
CFLAGS_ALL += -I$(BUILD)/bpf

# The version: VERSION, plus `git describe` when built from a checkout, written into
# build/gen/version_gen.h (rewritten only when it changes, so a rebuild follows a new commit).
VERSION_RELEASE := $(shell cat VERSION)
VERSION_GIT := $(shell git describe --always --dirty --exclude '*' 2>/dev/null)
VERSION_FULL := $(VERSION_RELEASE)$(if $(VERSION_GIT), (git $(VERSION_GIT)))
CFLAGS_ALL += -I$(BUILD)/gen
$(shell mkdir -p $(BUILD)/gen; printf '#define XDPERF_VERSION_RELEASE "%s"\n#define XDPERF_VERSION_FULL "%s"\n' \
	'$(VERSION_RELEASE)' '$(VERSION_FULL)' > $(BUILD)/gen/version_gen.h.new; \
	cmp -s $(BUILD)/gen/version_gen.h.new $(BUILD)/gen/version_gen.h || \
	mv $(BUILD)/gen/version_gen.h.new $(BUILD)/gen/version_gen.h; rm -f $(BUILD)/gen/version_gen.h.new)

# Generator plugins: plugins/NAME.c (+ the SDK) -> build/plugins/NAME.wasm (WASI reactors).
PLUGIN_SRCS := $(wildcard plugins/*.c)
PLUGINS := $(PLUGIN_SRCS:plugins/%.c=$(BUILD)/plugins/%.wasm)
SDK_SRCS := $(wildcard sdk/*.c)
PLUGIN_CFLAGS := --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Isdk -mexec-model=reactor \
	-Wl,--export=plugin_init -Wl,--export=plugin_process -Wl,--export=plugin_cleanup \
	-Wl,--export=malloc -Wl,--export=free

# Protocol modules: protocols/NAME.c and the hot-load example's module -> build/protocols/NAME.wasm
# (header-only SDK sdk/xdperf_protocol.h; its export_name attributes give alloc, free, handle), a
# folder apart from the generator plugins, so -p NAME never finds a protocol module.
PROTO_SRCS := $(wildcard protocols/*.c) examples/hotload/example_protocol.c
PROTOS := $(patsubst %.c,$(BUILD)/protocols/%.wasm,$(notdir $(PROTO_SRCS)))
PROTO_CFLAGS := --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Isdk -mexec-model=reactor
EXAMPLES := $(BUILD)/examples/hotload

.PHONY: all deps test demo bench fuzz clean asan plugins install uninstall deb

# Where `make install` puts things (DESTDIR: a staging root, e.g. for packaging). The binary's
# default plugin path is PREFIX's; it also looks next to itself (../share/xdperf/plugins), so
# an installed tree moved elsewhere still finds its plugins.
PREFIX ?= /usr/local
DATADIR := $(PREFIX)/share/xdperf
# (PATHS_GEN: where that header goes; `make deb` keeps its own, so packaging never rebuilds
# build/xdperf.)
PATHS_GEN ?= $(BUILD)/gen
$(shell mkdir -p $(PATHS_GEN); printf '#define XDPERF_DATADIR "%s"\n#define XDPERF_DOCDIR "%s"\n' '$(DATADIR)' \
	'$(PREFIX)/share/doc/xdperf' > $(PATHS_GEN)/paths_gen.h.new; \
	cmp -s $(PATHS_GEN)/paths_gen.h.new $(PATHS_GEN)/paths_gen.h || \
	mv $(PATHS_GEN)/paths_gen.h.new $(PATHS_GEN)/paths_gen.h; rm -f $(PATHS_GEN)/paths_gen.h.new)

# The shared library's names (the rule is below, by libxdperf.a).
SO_MAJOR := $(firstword $(subst ., ,$(VERSION_RELEASE)))
SO_NAME := libxdperf.so.$(SO_MAJOR)
SO_REAL := libxdperf.so.$(VERSION_RELEASE)
all: deps $(BUILD)/xdperf $(BUILD)/libxdperf.a $(BUILD)/$(SO_REAL) plugins $(EXAMPLES)

plugins: $(PLUGINS) $(PROTOS)
$(BUILD)/plugins/%.wasm: plugins/%.c $(SDK_SRCS) $(wildcard sdk/*.h) | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  WASM    $@")
	$(Q)clang $(PLUGIN_CFLAGS) -o $@ $< $(SDK_SRCS)

# Verifier plugins: plugins/verify_NAME.c (+ the SDK) -> build/plugins/verify_NAME.wasm. They
# answer a frame check ({"packet":...} -> {"result":{"valid":...}}), not the template request, so
# they define the exported ABI themselves and build the SDK with -DXDP_SDK_NO_GENERATOR_ABI: its
# helpers (JSON reader/writer, base64, checksums, logging) without its generator plugin_init /
# plugin_process / plugin_cleanup. (This pattern rule has the shorter stem, so make prefers it to
# the generic one above.)
$(BUILD)/plugins/verify_%.wasm: plugins/verify_%.c $(SDK_SRCS) $(wildcard sdk/*.h) | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  WASM    $@")
	$(Q)clang $(PLUGIN_CFLAGS) -DXDP_SDK_NO_GENERATOR_ABI -o $@ $< $(SDK_SRCS)

$(BUILD)/protocols/%.wasm: protocols/%.c sdk/xdperf_protocol.h | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  WASM    $@")
	$(Q)clang $(PROTO_CFLAGS) -o $@ $<

$(BUILD)/protocols/%.wasm: examples/hotload/%.c sdk/xdperf_protocol.h | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  WASM    $@")
	$(Q)clang $(PROTO_CFLAGS) -o $@ $<

# Plugins and protocol modules in Rust and AssemblyScript (`make plugins-extra`; `make test`
# builds them) into build/plugins and build/protocols like the C ones:
#  - plugins/rust/NAME.rs, protocols/rust/NAME.rs: one-file crates (sdk/rust/xdperf.rs, no
#    crates) built by Debian's rustc, /usr/bin/rustc whatever PATH holds (wasm32-wasip1 where the
#    compiler knows it, else wasm32-wasi); malloc/free are wasi-libc's, exported by link arguments;
#  - plugins/as/NAME.ts, protocols/as/NAME.ts: asc from sdk/assemblyscript (npm ci against its
#    package-lock.json, once: offline after that), default runtime; a generator plugin's
#    NAME.config.json is appended as its declared configuration.
# scripts/deps.sh toolchains installs rustc, its wasm32 standard library, Node.js and npm.
RUSTC ?= /usr/bin/rustc
RUST_TARGET = $(shell $(RUSTC) --print target-list 2>/dev/null | grep -qx wasm32-wasip1 && echo wasm32-wasip1 || echo wasm32-wasi)
RUST_FLAGS = --edition 2021 --target $(RUST_TARGET) --crate-type cdylib -O -C strip=debuginfo
AS_DIR := sdk/assemblyscript
AS_STAMP := $(AS_DIR)/node_modules/.xdperf-npm-ci
ASC := $(AS_DIR)/node_modules/.bin/asc
EXTRA_PLUGINS := $(patsubst plugins/rust/%.rs,$(BUILD)/plugins/%.wasm,$(wildcard plugins/rust/*.rs)) \
	$(patsubst plugins/as/%.ts,$(BUILD)/plugins/%.wasm,$(wildcard plugins/as/*.ts))
EXTRA_PROTOS := $(patsubst protocols/rust/%.rs,$(BUILD)/protocols/%.wasm,$(wildcard protocols/rust/*.rs)) \
	$(patsubst protocols/as/%.ts,$(BUILD)/protocols/%.wasm,$(wildcard protocols/as/*.ts))
.PHONY: plugins-extra deps-toolchains
plugins-extra: $(EXTRA_PLUGINS) $(EXTRA_PROTOS)
deps-toolchains: | deps
	@scripts/deps.sh toolchains
$(BUILD)/plugins/%.wasm: plugins/rust/%.rs sdk/rust/xdperf.rs | deps-toolchains
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  RUSTC   $@")
	$(Q)$(RUSTC) $(RUST_FLAGS) -C link-arg=--export=malloc -C link-arg=--export=free -o $@ $<
$(BUILD)/protocols/%.wasm: protocols/rust/%.rs sdk/rust/xdperf.rs | deps-toolchains
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  RUSTC   $@")
	$(Q)$(RUSTC) $(RUST_FLAGS) -C link-arg=--export=free -o $@ $<
$(AS_STAMP): $(AS_DIR)/package.json $(AS_DIR)/package-lock.json | deps-toolchains
	@$(if $(Q),echo "  NPM CI  $(AS_DIR)")
	$(Q)cd $(AS_DIR) && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@
$(BUILD)/plugins/%.wasm: plugins/as/%.ts $(AS_DIR)/xdperf.ts $(AS_DIR)/add-config.js $(AS_STAMP)
	@mkdir -p $(dir $@) $(BUILD)/as
	@$(if $(Q),echo "  ASC     $@")
	$(Q)$(ASC) $< -o $(BUILD)/as/$*.wasm --optimize
	$(Q)if [ -f plugins/as/$*.config.json ]; then \
		node $(AS_DIR)/add-config.js $(BUILD)/as/$*.wasm plugins/as/$*.config.json $@; \
	else cp $(BUILD)/as/$*.wasm $@; fi
$(foreach c,$(wildcard plugins/as/*.config.json),$(eval $(BUILD)/plugins/$(notdir $(c:.config.json=.wasm)): $(c)))
$(BUILD)/protocols/%.wasm: protocols/as/%.ts $(AS_DIR)/xdperf.ts $(AS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  ASC     $@")
	$(Q)$(ASC) $< -o $@ --optimize

$(BUILD)/examples/hotload: examples/hotload/main.c $(BUILD)/libxdperf.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -MF $@.d -MT $@ -o $@ $< $(BUILD)/libxdperf.a $(LDLIBS)

deps:
	@scripts/deps.sh build

$(BUILD)/bpf/%.bpf.o: src/bpf/%.bpf.c $(wildcard src/bpf/*.h) | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BPF     $<")
	$(Q)clang $(BPF_CFLAGS) -c $< -o $@

# the server program publishes its stamp rings' heads with an atomic exchange (BPF v3)
$(BUILD)/bpf/xdperf_srv.bpf.o: BPF_CFLAGS += -mcpu=v3

$(BUILD)/bpf/%_bpf.skel.h: $(BUILD)/bpf/%.bpf.o
	@$(if $(Q),echo "  SKEL    $@")
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

.SECONDARY: $(BPF_SRCS:src/bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)

# The loaders include the skeletons.
$(filter $(BUILD)/obj/src/datapath/% $(BUILD)/obj/src/server/%,$(LIB_OBJS)) $(filter $(BUILD)/asan/obj/src/datapath/% $(BUILD)/asan/obj/src/server/%,$(ASAN_LIB_OBJS)): $(BPF_SKELS)

# V=1 shows the full commands.
Q := $(if $(V),,@)

# Every compiled file waits for the packages (deps) also under `make -j`.
$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/asan/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(CFLAGS_ALL) $(ASAN_FLAGS) -O1 -MMD -MP -c $< -o $@

# The shared library: libxdperf.so.VERSION, soname libxdperf.so.MAJOR (VERSION's first number),
# exporting the public API only (xdperf_* and xwasm_* as declared in include/xdperf/*.h; the
# version script build/gen/libxdperf.map is made from the headers). The library's objects are
# position-independent for it; the binary links the same objects statically (libxdperf.a).
$(LIB_OBJS): CFLAGS_ALL += -fPIC
$(BUILD)/gen/libxdperf.map: $(wildcard include/xdperf/*.h)
	@mkdir -p $(dir $@)
	$(Q){ echo 'XDPERF_$(SO_MAJOR) {'; echo '  global:'; \
	  cat $^ | tr -s ' \t*' '\n\n\n' | sed -n 's/^\(\(xdperf\|xwasm\)_[a-z0-9_]*\)(.*/    \1;/p' | sort -u; \
	  echo '  local: *;'; echo '};'; } >$@.tmp && mv $@.tmp $@
$(BUILD)/$(SO_REAL): $(LIB_OBJS) $(BUILD)/gen/libxdperf.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,$(SO_NAME) -Wl,--version-script=$(BUILD)/gen/libxdperf.map -Wl,--no-undefined \
		-o $@ $(LIB_OBJS) $(LDLIBS)
	$(Q)ln -sf $(SO_REAL) $(BUILD)/$(SO_NAME) && ln -sf $(SO_NAME) $(BUILD)/libxdperf.so
$(BUILD)/libxdperf.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/xdperf: $(CLI_OBJS) $(BUILD)/libxdperf.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $(CLI_OBJS) $(BUILD)/libxdperf.a $(LDLIBS)

# Sanitizer build of the same binary; the test suite runs it. Its objects also make
# build/asan/libxdperf.a, which the unit-test programs of tests/ link (ASan/UBSan, -O1).
asan: $(BUILD)/asan/xdperf $(BUILD)/asan/libxdperf.a
$(BUILD)/asan/libxdperf.a: $(ASAN_LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/asan/xdperf: $(ASAN_CLI_OBJS) $(ASAN_LIB_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_ALL) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS)

# The build under test uses every CPU (-j, the rules are written for it); tests/run.sh runs
# the cases without namespaces or root beside each other, those with them alone.
NPROC := $(shell nproc 2>/dev/null || echo 1)
test: deps
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory -j$(NPROC) all asan plugins-extra
	@tests/run.sh

demo: deps all
	@scripts/deps.sh demo
	@scripts/demo.sh

bench: deps all
	@scripts/deps.sh bench
	@bench/run.sh

# bench/tx_dry.sh's ablation: xdperf with its transmit program compiled with
# XDPERF_TX_ABLATE=N (bench/tx_ablate.h: one step taken out), for measurement only.
$(BUILD)/bench/ablate-tx/%/xdperf: src/bpf/xdperf_tx.bpf.c bench/tx_ablate.h $(wildcard src/bpf/*.h) \
		src/datapath/xdp.c $(CLI_OBJS) $(BUILD)/libxdperf.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  ABLATE  $@")
	$(Q)clang $(BPF_CFLAGS) -Wno-unused-function -DXDPERF_TX_ABLATE=$* -c $< -o $(dir $@)xdperf_tx.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $(dir $@)xdperf_tx.bpf.o name xdperf_tx_bpf > $(dir $@)xdperf_tx_bpf.skel.h
	$(Q)$(CC) -I$(dir $@) $(CFLAGS_ALL) -c src/datapath/xdp.c -o $(dir $@)xdp.o
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $(CLI_OBJS) $(dir $@)xdp.o $(BUILD)/libxdperf.a $(LDLIBS)

fuzz: deps
	@scripts/deps.sh test
	@tests/fuzz/run.sh $(or $(FUZZ_SECONDS),600)

# Generator plugins (with the verifiers) to share/xdperf/plugins, protocol modules to
# share/xdperf/protocols (apart: -p NAME finds generator plugins only), the library, its headers,
# the plugin SDK (sources, to build plugins out of the tree), the docs.
GEN_WASMS = $(PLUGINS)
PROTO_WASMS = $(PROTOS)
# LIBDIR: the libraries and libxdperf.pc (pkgconfig/; its paths are PREFIX's and LIBDIR's, so
# with DESTDIR use PKG_CONFIG_SYSROOT_DIR=DESTDIR). ldconfig runs when installing to the system.
LIBDIR ?= $(PREFIX)/lib
INSTALL_BIN ?= $(BUILD)/xdperf
# PYTHONDIR: the Python package (python/xdperf, pure Python: one copy serves every Python 3).
# Debian's python3 reads /usr/lib/python3/dist-packages (version-independent; dpkg's) and
# /usr/local/lib/python3.N/dist-packages (N: its minor version, asked of python3 at install).
# Any other PREFIX gets PREFIX/lib/python3/dist-packages, to add to PYTHONPATH. The installed
# package records LIBDIR and DATADIR (xdperf/_installed.py) to find the library without
# ldconfig and the plugins by name.
PYTHON3 ?= $(firstword $(wildcard /usr/bin/python3) python3)
PYTHONDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/python3/dist-packages,$(if $(filter /usr/local,$(PREFIX)),/usr/local/lib/python3.$(shell $(PYTHON3) -c 'import sys; print(sys.version_info[1])' 2>/dev/null)/dist-packages,$(PREFIX)/lib/python3/dist-packages))
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/plugins $(DESTDIR)$(DATADIR)/protocols \
		$(DESTDIR)$(DATADIR)/sdk $(DESTDIR)$(PREFIX)/include/xdperf $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(PREFIX)/share/doc/xdperf
	install -m 644 $(BUILD)/$(SO_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SO_REAL) $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(LIBDIR)/libxdperf.so
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'libdir=$(LIBDIR)' '' 'Name: libxdperf' \
	  'Description: xdperf: WebAssembly traffic generation, protocol hot loading, a WebAssembly engine' \
	  'Version: $(VERSION_RELEASE)' 'Requires.private: libbpf jansson yaml-0.1 libsodium libmicrohttpd gnutls libcurl' \
	  'Libs: -L$${libdir} -lxdperf' 'Libs.private: -lm -lpthread' 'Cflags: -I$${includedir}' \
	  >$(DESTDIR)$(LIBDIR)/pkgconfig/libxdperf.pc
	$(if $(DESTDIR),,-ldconfig 2>/dev/null)
	install -m 755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/xdperf
	install -m 644 $(GEN_WASMS) $(DESTDIR)$(DATADIR)/plugins/
	install -m 644 $(PROTO_WASMS) $(DESTDIR)$(DATADIR)/protocols/
	install -m 644 sdk/*.h sdk/*.c sdk/xdperf-plugin.mk $(DESTDIR)$(DATADIR)/sdk/
	install -d $(DESTDIR)$(PREFIX)/share/pkgconfig
	sed 's/@VERSION@/$(VERSION_RELEASE)/' sdk/xdperf-plugin.pc.in >$(DESTDIR)$(PREFIX)/share/pkgconfig/xdperf-plugin.pc
	install -m 644 include/xdperf/*.h $(DESTDIR)$(PREFIX)/include/xdperf/
	install -m 644 $(BUILD)/libxdperf.a $(DESTDIR)$(LIBDIR)/
	install -m 644 README.md $(filter-out docs/README.md,$(wildcard docs/*.md)) $(DESTDIR)$(PREFIX)/share/doc/xdperf/
	install -d $(DESTDIR)$(PREFIX)/share/doc/xdperf/plugins
	install -m 644 docs/plugins/*.md $(DESTDIR)$(PREFIX)/share/doc/xdperf/plugins/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 scripts/xdperf.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/xdperf
	install -d $(DESTDIR)$(PYTHONDIR)/xdperf
	install -m 644 python/xdperf/*.py python/xdperf/py.typed $(DESTDIR)$(PYTHONDIR)/xdperf/
	printf '"""Written by make install."""\nLIBDIR = "%s"\nSO_NAME = "%s"\nDATADIR = "%s"\n' '$(LIBDIR)' '$(SO_NAME)' '$(DATADIR)' \
	  >$(DESTDIR)$(PYTHONDIR)/xdperf/_installed.py
	$(if $(filter /usr /usr/local,$(PREFIX)),,@echo "xdperf: the Python package is in $(PYTHONDIR): add it to PYTHONPATH")

# The Debian package build/xdperf_VERSION_ARCH.deb (scripts/mkdeb.sh: dpkg-deb, dependencies
# from dpkg-shlibdeps). Its binary is build/deb/xdperf: the CLI compiled again for PREFIX /usr.
DEB_GEN := $(BUILD)/deb/gen
DEB_CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/deb/obj/%.o)
$(DEB_GEN)/paths_gen.h: Makefile
	@mkdir -p $(dir $@)
	$(Q)printf '#define XDPERF_DATADIR "%s"\n#define XDPERF_DOCDIR "%s"\n' /usr/share/xdperf /usr/share/doc/xdperf >$@
$(BUILD)/deb/obj/%.o: %.c $(DEB_GEN)/paths_gen.h | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC deb  $<")
	$(Q)$(CC) -I$(DEB_GEN) $(CFLAGS_ALL) -MMD -MP -c $< -o $@
$(BUILD)/deb/xdperf: $(DEB_CLI_OBJS) $(BUILD)/libxdperf.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $(DEB_CLI_OBJS) $(BUILD)/libxdperf.a $(LDLIBS)
deb: all $(BUILD)/deb/xdperf
	@scripts/mkdeb.sh

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/xdperf $(DESTDIR)$(LIBDIR)/libxdperf.a $(DESTDIR)$(LIBDIR)/$(SO_REAL) \
		$(DESTDIR)$(LIBDIR)/$(SO_NAME) $(DESTDIR)$(LIBDIR)/libxdperf.so $(DESTDIR)$(LIBDIR)/pkgconfig/libxdperf.pc
	rm -f $(DESTDIR)$(PREFIX)/share/pkgconfig/xdperf-plugin.pc
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(PREFIX)/include/xdperf $(DESTDIR)$(PREFIX)/share/doc/xdperf \
		$(DESTDIR)$(PYTHONDIR)/xdperf
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/xdperf

# Man pages: man/NAME.N.scd -> build/man/NAME.N (scdoc; dated by the source's last commit),
# installed gzipped in share/man/manN. tests/cases/man_pages.sh checks them against the options.
MAN_SRCS := $(wildcard man/*.scd)
MANS := $(MAN_SRCS:man/%.scd=$(BUILD)/man/%)
MANDIR := $(PREFIX)/share/man
.PHONY: man install-man uninstall-man
all: man
man: $(MANS)
$(BUILD)/man/%: man/%.scd | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  SCDOC   $@")
	$(Q)t=$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct -- $< 2>/dev/null)}; \
		SOURCE_DATE_EPOCH=$${t:-$$(date +%s)} scdoc < $< > $@.tmp && mv $@.tmp $@
install: install-man
install-man: $(MANS)
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	for m in $(notdir $(MANS)); do gzip -9n -c $(BUILD)/man/$$m > $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m.gz && \
		chmod 644 $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m.gz || exit 1; done
uninstall: uninstall-man
uninstall-man:
	rm -f $(foreach m,$(notdir $(MANS)),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(m).gz)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
