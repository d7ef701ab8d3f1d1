/* libbpf logging control and load-failure messages for the BPF loaders. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "datapath/bpf_util.h"
#include "util/err.h"

static int print_all(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static int print_none(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

void dp_bpf_quiet_libbpf(void)
{
	const char *d = getenv("XDPERF_DEBUG_BPF");
	libbpf_set_print(d && *d && strcmp(d, "0") ? print_all : print_none);
}

void dp_bpf_load_error(char *err, size_t errlen, const char *who, const char *ifname, int e)
{
	if ((e == -EPERM || e == -EACCES) && geteuid() == 0)
		xdperf_errf(err, errlen,
			    "%s: the kernel refused the BPF program for %s: %s (its verifier rejected "
			    "it, or a security policy forbids BPF; XDPERF_DEBUG_BPF=1 shows the log)",
			    who, ifname, strerror(-e));
	else if (e == -EPERM || e == -EACCES)
		xdperf_errf(err, errlen,
			    "%s: cannot load the BPF program for %s: %s (needs root, or CAP_BPF and "
			    "CAP_NET_ADMIN)", who, ifname, strerror(-e));
	else
		xdperf_errf(err, errlen,
			    "%s: cannot load the BPF program for %s: %s (XDPERF_DEBUG_BPF=1 shows the "
			    "kernel's log)", who, ifname, strerror(-e));
}
