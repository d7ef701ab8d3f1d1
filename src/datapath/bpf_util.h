/* Small pieces shared by the BPF loaders in src/datapath/: libbpf's logging and the one-line
 * messages for programs the kernel will not load. */
#ifndef XDPERF_DATAPATH_BPF_UTIL_H
#define XDPERF_DATAPATH_BPF_UTIL_H

#include <stddef.h>

/* libbpf prints nothing unless XDPERF_DEBUG_BPF=1 is set (then everything, to stderr). */
void dp_bpf_quiet_libbpf(void);

/* err := "<who>: cannot load the BPF program for <ifname>: <reason>", e a negative errno. */
void dp_bpf_load_error(char *err, size_t errlen, const char *who, const char *ifname, int e);

#endif
