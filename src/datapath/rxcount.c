/* XDP receive counter: loads the xdperf_rx skeleton, attaches it with a bpf_link and sums its
 * per-CPU counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "datapath/bpf_util.h"
#include "datapath/rxcount.h"
#include "util/err.h"
#include "bpf/xdperf_bpf.h"
#include "xdperf_rx_bpf.skel.h"

struct dp_rxcount {
	struct xdperf_rx_bpf *skel;
	struct bpf_link *link;
	int ncpu;
	struct xdperf_bpf_rx_cpu *vals; /* ncpu entries, read buffer */
};

int dp_rxcount_open(int ifindex, const char *ifname, bool pass, struct dp_rxcount **out,
		    char *err, size_t errlen)
{
	dp_bpf_quiet_libbpf();
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0) {
		xdperf_errf(err, errlen, "rxcount: cannot count the possible CPUs: %s",
			    strerror(ncpu ? -ncpu : EINVAL));
		return ncpu ? ncpu : -EINVAL;
	}
	struct dp_rxcount *c = calloc(1, sizeof(*c));
	if (c)
		c->vals = calloc((size_t)ncpu, sizeof(*c->vals));
	if (!c || !c->vals) {
		free(c);
		xdperf_errf(err, errlen, "rxcount: out of memory for %s", ifname);
		return -ENOMEM;
	}
	c->ncpu = ncpu;
	int e;
	c->skel = xdperf_rx_bpf__open();
	if (!c->skel) {
		e = -errno;
		xdperf_errf(err, errlen, "rxcount: cannot open the BPF program for %s: %s", ifname,
			    strerror(-e));
		goto fail;
	}
	c->skel->bss->pass = pass ? 1 : 0;
	e = xdperf_rx_bpf__load(c->skel);
	if (e) {
		dp_bpf_load_error(err, errlen, "rxcount", ifname, e);
		goto fail;
	}
	c->link = bpf_program__attach_xdp(c->skel->progs.xdperf_rx, ifindex);
	if (!c->link) {
		e = -errno;
		dp_bpf_attach_error(err, errlen, "rxcount", ifname, e);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	dp_rxcount_close(c);
	return e;
}

int dp_rxcount_read(struct dp_rxcount *c, uint64_t *packets, uint64_t *bytes)
{
	__u32 zero = 0;
	if (bpf_map__lookup_elem(c->skel->maps.rx_cpu, &zero, sizeof(zero), c->vals,
				 sizeof(*c->vals) * (size_t)c->ncpu, 0))
		return -errno;
	uint64_t p = 0, b = 0;
	for (int i = 0; i < c->ncpu; i++) {
		p += c->vals[i].packets;
		b += c->vals[i].bytes;
	}
	*packets = p;
	*bytes = b;
	return 0;
}

void dp_rxcount_close(struct dp_rxcount *c)
{
	if (!c)
		return;
	bpf_link__destroy(c->link);
	xdperf_rx_bpf__destroy(c->skel);
	free(c->vals);
	free(c);
}
