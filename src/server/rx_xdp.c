/* Server receive backend over XDP: loads src/bpf/xdperf_srv.bpf.c (bpftool skeleton),
 * attaches it to the device through a bpf_link (gone with the process whatever way it ends),
 * sums its per-CPU counters (the earliest first and the latest last frame time since the
 * restart: its reset_ns) and reads its stamp rings (one per CPU, stamp_rings.c) and its
 * sample ring buffer every millisecond (neither wakes the reader). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "datapath/bpf_util.h"
#include "server/rx.h"
#include "server/stamp_rings.h"
#include "util/arch.h"
#include "util/clock.h"
#include "util/err.h"
#include "xdperf_srv_bpf.skel.h"

struct rx_xdp {
	struct srv_rx rx;
	struct srv_rx_cfg cfg;
	struct xdperf_srv_bpf *skel;
	struct bpf_link *link;
	struct bpf_link *exc_link;   /* xdp:xdp_exception, with reflect */
	struct ring_buffer *rb;     /* samples */
	struct srv_stamp_rings *stamps;
	int ncpu;
	struct xdperf_bpf_srv_cpu *vals;
	bool discard;
	_Atomic uint64_t queue_full; /* samples the program copied that the verifier had no room for */
};

static void on_stamp(void *ctx, const struct xdperf_bpf_srv_rec *r)
{
	struct rx_xdp *x = ctx;
	x->cfg.sink.stamp(x->cfg.sink.ctx, r->run, r->stream, r->seq, r->tx_ns, r->rx_ns);
}

static int on_sample(void *ctx, void *data, size_t len)
{
	struct rx_xdp *x = ctx;
	if (x->discard || len < sizeof(struct xdperf_bpf_srv_sample))
		return 0;
	if (!x->cfg.sink.sample(x->cfg.sink.ctx, data))
		atomic_fetch_add(&x->queue_full, 1);
	return 0;
}

static int xdp_counters(struct srv_rx *rx, struct xdperf_bpf_srv_cpu *sum)
{
	struct rx_xdp *x = (struct rx_xdp *)rx;
	__u32 zero = 0;
	if (bpf_map__lookup_elem(x->skel->maps.srv_cpu, &zero, sizeof zero, x->vals,
				 sizeof(*x->vals) * (size_t)x->ncpu, 0))
		return -errno;
	memset(sum, 0, sizeof *sum);
	uint64_t since = x->skel->bss->reset_ns;
	for (int i = 0; i < x->ncpu; i++) {
		const struct xdperf_bpf_srv_cpu *v = &x->vals[i];
		/* a CPU's times from before the restart are not this interval's */
		if (v->first_ns >= since && v->first_ns && (!sum->first_ns || v->first_ns < sum->first_ns)) {
			sum->first_ns = v->first_ns;
			sum->first_len = v->first_len;
		}
		if (v->last_ns >= since && v->last_ns > sum->last_ns)
			sum->last_ns = v->last_ns;
		sum->packets += v->packets;
		sum->bytes += v->bytes;
		sum->passed += v->passed;
		sum->stamped += v->stamped;
		sum->unstamped += v->unstamped;
		sum->ring_full += v->ring_full;
		sum->sampled += v->sampled;
		sum->sample_full += v->sample_full;
		sum->reflected += v->reflected;
		sum->not_reflected += v->not_reflected;
		sum->reflect_failed += v->reflect_failed;
	}
	/* copied to the ring but not taken by the verifier: skipped, not sampled */
	uint64_t q = atomic_load(&x->queue_full);
	sum->sampled -= q < sum->sampled ? q : sum->sampled;
	sum->sample_full += q;
	return 0;
}

static void xdp_poll(struct srv_rx *rx, bool discard)
{
	struct rx_xdp *x = (struct rx_xdp *)rx;
	/* the program's receive times are monotonic + this: kept current across time steps */
	x->skel->bss->tai_off = xdperf_tai_minus_mono_ns(NULL);
	x->discard = discard;
	if (x->stamps)
		(void)srv_stamp_rings_read(x->stamps, discard ? NULL : on_stamp, x);
	(void)ring_buffer__consume(x->rb);
	x->discard = false;
}

static void xdp_restart(struct srv_rx *rx, uint64_t ns)
{
	struct rx_xdp *x = (struct rx_xdp *)rx;
	x->skel->bss->reset_ns = ns; /* the program reads it per frame */
}

static void xdp_wait(struct srv_rx *rx)
{
	(void)rx;
	/* stamps come without wakeups: look again in a millisecond */
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
}

static void xdp_close(struct srv_rx *rx)
{
	struct rx_xdp *x = (struct rx_xdp *)rx;
	if (!x)
		return;
	ring_buffer__free(x->rb);
	srv_stamp_rings_close(x->stamps);
	bpf_link__destroy(x->link);
	bpf_link__destroy(x->exc_link);
	xdperf_srv_bpf__destroy(x->skel);
	free(x->vals);
	free(x);
}

int srv_rx_xdp_open(const struct srv_rx_cfg *cfg, struct srv_rx **out, char *err, size_t errlen)
{
	dp_bpf_quiet_libbpf();
	int ncpu = libbpf_num_possible_cpus();
	struct rx_xdp *x = calloc(1, sizeof *x);
	if (!x || ncpu <= 0 || !(x->vals = calloc((size_t)ncpu, sizeof *x->vals))) {
		free(x);
		xdperf_errf(err, errlen, "server: out of memory for %s", cfg->ifname);
		return -ENOMEM;
	}
	x->rx = (struct srv_rx){ .name = "xdp", .clock = CLOCK_MONOTONIC, .counters = xdp_counters,
				 .restart = xdp_restart, .poll = xdp_poll, .wait = xdp_wait, .close = xdp_close };
	x->cfg = *cfg;
	x->ncpu = ncpu;
	int e;
	x->skel = xdperf_srv_bpf__open();
	if (!x->skel) {
		e = -errno;
		xdperf_errf(err, errlen, "server: cannot open the BPF program for %s: %s", cfg->ifname,
			    strerror(-e));
		goto fail;
	}
	x->skel->bss->tai_off = xdperf_tai_minus_mono_ns(NULL);
	x->skel->bss->port = cfg->port;
	x->skel->bss->stamp = cfg->stamp;
	x->skel->bss->sample_every = cfg->sample_every;
	x->skel->bss->reflect = (__u32)cfg->reflect;
	x->skel->bss->ifindex = (__u32)cfg->ifindex;
	if (cfg->reflect) {
		/* frames the device cannot send back are counted from xdp:xdp_exception, which
		 * names the device by its struct net_device */
		int off = dp_kernel_member_offset("net_device", "ifindex");
		if (off < 0) {
			e = off;
			xdperf_errf(err, errlen, "server: --reflect on %s: cannot find struct net_device's "
				    "ifindex in the kernel's BTF (/sys/kernel/btf/vmlinux), so frames the "
				    "device fails to send back could not be counted", cfg->ifname);
			goto fail;
		}
		x->skel->bss->ifindex_off = (__u32)off;
	} else {
		bpf_program__set_autoload(x->skel->progs.xdperf_srv_exception, false);
	}
	x->skel->bss->plain_head = XDPERF_ARCH_STORES_IN_ORDER;
	x->skel->rodata->word_reads = XDPERF_ARCH_UNALIGNED;
	unsigned shift = cfg->stamp ? srv_stamp_rings_shift(ncpu) : 0;
	x->skel->bss->ring_shift = shift;
	if ((e = srv_stamp_rings_size(x->skel->maps.stamp_recs, x->skel->maps.stamp_pos, ncpu, shift))) {
		xdperf_errf(err, errlen, "server: cannot size the stamp rings for %s: %s", cfg->ifname,
			    strerror(-e));
		goto fail;
	}
	if (!cfg->sample_every)
		bpf_map__set_max_entries(x->skel->maps.samples, 4096);
	e = xdperf_srv_bpf__load(x->skel);
	if (e) {
		dp_bpf_load_error(err, errlen, "server", cfg->ifname, e);
		goto fail;
	}
	if (cfg->stamp && (e = srv_stamp_rings_open(bpf_map__fd(x->skel->maps.stamp_recs),
						     bpf_map__fd(x->skel->maps.stamp_pos), ncpu, shift,
						     &x->stamps))) {
		xdperf_errf(err, errlen, "server: cannot map the stamp rings for %s: %s", cfg->ifname,
			    strerror(-e));
		goto fail;
	}
	x->rb = ring_buffer__new(bpf_map__fd(x->skel->maps.samples), on_sample, x, NULL);
	if (!x->rb) {
		e = -errno;
		xdperf_errf(err, errlen, "server: cannot map the sample ring for %s: %s", cfg->ifname,
			    strerror(-e));
		goto fail;
	}
	if (cfg->reflect && !(x->exc_link = bpf_program__attach(x->skel->progs.xdperf_srv_exception))) {
		e = -errno;
		xdperf_errf(err, errlen, "server: --reflect on %s: cannot attach to xdp:xdp_exception: %s",
			    cfg->ifname, strerror(-e));
		goto fail;
	}
	x->link = bpf_program__attach_xdp(x->skel->progs.xdperf_srv, cfg->ifindex);
	if (!x->link) {
		e = -errno;
		dp_bpf_attach_error(err, errlen, "server", cfg->ifname, e);
		goto fail;
	}
	*out = &x->rx;
	return 0;
fail:
	xdp_close(&x->rx);
	return e ? e : -EINVAL;
}
