/* What the CPU this is built for allows the XDP programs, for their loaders (the programs are
 * built for the BPF target and learn it through their read-only data at load).
 * XDPERF_ARCH_STORES_IN_ORDER: the CPU keeps a core's stores in order (x86), so a plain store
 * may publish what was stored before it. XDPERF_ARCH_UNALIGNED: the kernel lets XDP programs
 * load and store unaligned words in a frame (CPUs with efficient unaligned access); without
 * it, the verifier refuses such accesses, and the programs read and write a byte at a time. */
#ifndef XDPERF_UTIL_ARCH_H
#define XDPERF_UTIL_ARCH_H

#if defined(__x86_64__) || defined(__i386__)
#define XDPERF_ARCH_STORES_IN_ORDER 1
#else
#define XDPERF_ARCH_STORES_IN_ORDER 0
#endif
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__powerpc64__) || \
	defined(__s390x__)
#define XDPERF_ARCH_UNALIGNED 1
#else
#define XDPERF_ARCH_UNALIGNED 0
#endif

#endif
