/* libbpf logging control and load-failure messages for the BPF loaders. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
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

/* True when this process may load BPF programs as far as capabilities go (CAP_BPF or
 * CAP_SYS_ADMIN in its effective set): a refusal then comes from the verifier or a policy. */
static bool may_load_bpf(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long eff = 0;
	bool found = false;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	if (f)
		fclose(f);
	if (!found)
		return geteuid() == 0;
	return (eff >> 39 & 1) || (eff >> 21 & 1); /* CAP_BPF, CAP_SYS_ADMIN */
}

void dp_bpf_load_error(char *err, size_t errlen, const char *who, const char *ifname, int e)
{
	if ((e == -EPERM || e == -EACCES) && may_load_bpf())
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

void dp_bpf_attach_error(char *err, size_t errlen, const char *who, const char *ifname, int e)
{
	if (e == -EPERM || e == -EACCES)
		xdperf_errf(err, errlen, "%s: cannot attach XDP to %s: %s (needs root, or CAP_BPF and "
			    "CAP_NET_ADMIN)", who, ifname, strerror(-e));
	else if (e == -EBUSY || e == -EEXIST)
		xdperf_errf(err, errlen, "%s: cannot attach XDP to %s: %s (another XDP program is "
			    "attached)", who, ifname, strerror(-e));
	else if (e == -ERANGE)
		xdperf_errf(err, errlen, "%s: cannot attach XDP to %s: %s (its MTU, or its veth "
			    "peer's, is too large for a program without multi-buffer support: jumbo "
			    "frames)", who, ifname, strerror(-e));
	else
		xdperf_errf(err, errlen, "%s: cannot attach XDP to %s: %s", who, ifname, strerror(-e));
}

/* The bit offset of `member` inside the type `id` (recursing into anonymous members), or -1. */
static long member_bits(const struct btf *btf, __u32 id, const char *member, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!t || depth > 8 || (!btf_is_struct(t) && !btf_is_union(t)))
		return -1;
	const struct btf_member *m = btf_members(t);
	for (__u16 i = 0; i < btf_vlen(t); i++, m++) {
		__u32 off = btf_member_bit_offset(t, i);
		const char *name = btf__name_by_offset(btf, m->name_off);
		if (name && !strcmp(name, member))
			return off;
		if (name && *name)
			continue;
		__s32 inner = btf__resolve_type(btf, m->type);
		long sub = inner < 0 ? -1 : member_bits(btf, (__u32)inner, member, depth + 1);
		if (sub >= 0)
			return (long)off + sub;
	}
	return -1;
}

int dp_kernel_member_offset(const char *type, const char *member)
{
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf)
		return -ENOENT;
	__s32 id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	long bits = id < 0 ? -1 : member_bits(btf, (__u32)id, member, 0);
	btf__free(btf);
	if (bits < 0 || bits % 8)
		return -ENOENT;
	return (int)(bits / 8);
}
