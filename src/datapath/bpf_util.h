/* Small pieces shared by the BPF loaders (src/datapath/, src/server/): libbpf's logging, the
 * one-line messages for programs the kernel will not load or attach, and kernel struct
 * offsets from BTF. */
#ifndef XDPERF_DATAPATH_BPF_UTIL_H
#define XDPERF_DATAPATH_BPF_UTIL_H

#include <stddef.h>

/* libbpf prints nothing unless XDPERF_DEBUG_BPF=1 is set (then everything, to stderr). */
void dp_bpf_quiet_libbpf(void);

/* err := "<who>: cannot load the BPF program for <ifname>: <reason>", e a negative errno. */
void dp_bpf_load_error(char *err, size_t errlen, const char *who, const char *ifname, int e);

/* One line for a failed XDP attach of who's program to ifname (-errno e): privileges, another
 * program already attached, or the error itself. */
void dp_bpf_attach_error(char *err, size_t errlen, const char *who, const char *ifname, int e);

/* The byte offset of member `member` of struct `type` in the running kernel (its BTF,
 * /sys/kernel/btf/vmlinux; members of anonymous structs and unions are looked into), or
 * -errno (-ENOENT: no such type or member, or no kernel BTF). */
int dp_kernel_member_offset(const char *type, const char *member);

#endif
