# xdperf-plugin.mk: builds an xdperf generator plugin (C -> a stripped WebAssembly module) out of
# the xdperf tree, from the plugin SDK in the directory of this file (make install puts both in
# PREFIX/share/xdperf/sdk; the SDK is found relative to this file, so a moved or DESTDIR-staged
# tree works, and so does the source tree's sdk/). One command:
#
#     make -f /usr/local/share/xdperf/sdk/xdperf-plugin.mk PLUGIN=foo     # foo.c -> foo.wasm
#
# or a Makefile of three lines (`xdperf plugin new NAME` writes one):
#
#     XDPERF_SDK ?= /usr/local/share/xdperf/sdk
#     PLUGIN = foo
#     include $(XDPERF_SDK)/xdperf-plugin.mk
#
# Set before the include or on the command line:
#   PLUGIN          the plugin's name: builds $(PLUGIN).wasm (required)
#   PLUGIN_SRCS     its C sources (default: $(PLUGIN).c)
#   PLUGIN_CFLAGS   more compiler flags (-I..., -D...)
#   PLUGIN_ABI      generator (default): the SDK exports plugin_init / plugin_process /
#                   plugin_cleanup and calls the plugin's xdp_generate(); own: the plugin defines
#                   them itself (a verifier), the SDK is built with -DXDP_SDK_NO_GENERATOR_ABI
#   PLUGIN_STRIP    1 (default): no debug info or names in the module (-Wl,--strip-all); 0 keeps
#                   them (function names in a trap's backtrace)
#   WASM_CC         the compiler (default clang; it needs the wasm32-wasi target: wasm-ld and
#                   wasi-libc, Debian: clang lld wasi-libc); WASI_SYSROOT, if set, its --sysroot
# Targets: all (the default when this file is the first makefile) builds $(PLUGIN).wasm; clean
# removes it. Run it: xdperf -p ./foo.wasm -o foo.pcap -c 10 (xdperf plugin run ./foo.wasm shows
# its templates decoded).

# The directory of this file (before anything else is included).
XDPERF_SDK_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

ifeq ($(strip $(PLUGIN)),)
$(error xdperf-plugin.mk: set PLUGIN=NAME (builds NAME.wasm from NAME.c))
endif

WASM_CC ?= clang
PLUGIN_SRCS ?= $(PLUGIN).c
PLUGIN_ABI ?= generator
PLUGIN_STRIP ?= 1

ifeq ($(filter generator own,$(PLUGIN_ABI)),)
$(error xdperf-plugin.mk: PLUGIN_ABI=$(PLUGIN_ABI): want generator or own)
endif

XDPERF_COMMA := ,
XDPERF_SDK_SRCS := $(wildcard $(XDPERF_SDK_DIR)/*.c)
XDPERF_SDK_HDRS := $(wildcard $(XDPERF_SDK_DIR)/*.h)
ifeq ($(XDPERF_SDK_SRCS),)
$(error xdperf-plugin.mk: no SDK sources (*.c) in $(XDPERF_SDK_DIR))
endif

XDPERF_PLUGIN_CFLAGS := --target=wasm32-wasi -O2 -Wall -Wextra -mexec-model=reactor \
	-I$(XDPERF_SDK_DIR) $(if $(WASI_SYSROOT),--sysroot=$(WASI_SYSROOT)) \
	$(if $(filter own,$(PLUGIN_ABI)),-DXDP_SDK_NO_GENERATOR_ABI)
XDPERF_PLUGIN_LDFLAGS := -Wl,--export=plugin_init -Wl,--export=plugin_process \
	-Wl,--export=plugin_cleanup -Wl,--export=malloc -Wl,--export=free \
	$(if $(filter 1,$(PLUGIN_STRIP)),-Wl$(XDPERF_COMMA)--strip-all)

.PHONY: all clean
all: $(PLUGIN).wasm

$(PLUGIN).wasm: $(PLUGIN_SRCS) $(XDPERF_SDK_SRCS) $(XDPERF_SDK_HDRS) $(XDPERF_SDK_DIR)/xdperf-plugin.mk
	$(WASM_CC) $(XDPERF_PLUGIN_CFLAGS) $(PLUGIN_CFLAGS) $(XDPERF_PLUGIN_LDFLAGS) -o $@ \
		$(PLUGIN_SRCS) $(XDPERF_SDK_SRCS)

clean:
	rm -f $(PLUGIN).wasm
