/* Text form of a server report: counters and rates over the active interval, stamp analysis (loss, duplicates, reordering),
 * latency with its clock caveat, the first streams, verifier verdicts, and warnings for what
 * could not be analysed. */
#include <inttypes.h>
#include <stdio.h>
#include "cli/server_print.h"
#include "server/streams.h"

#define STREAM_LINES 16

void fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.*f us", ns < 1e4 ? 2 : ns < 1e5 ? 1 : 0, ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.*f ms", ns < 1e7 ? 2 : ns < 1e8 ? 1 : 0, ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
}

static void latency_line(FILE *f, const char *lead, const struct xdperf_latency *l)
{
	char a[6][24];
	fmt_ns(a[0], sizeof a[0], (double)l->min_ns);
	fmt_ns(a[1], sizeof a[1], l->avg_ns);
	fmt_ns(a[2], sizeof a[2], (double)l->p50_ns);
	fmt_ns(a[3], sizeof a[3], (double)l->p99_ns);
	fmt_ns(a[4], sizeof a[4], (double)l->p999_ns);
	fmt_ns(a[5], sizeof a[5], (double)l->max_ns);
	fprintf(f, "%smin %s  avg %s  p50 %s  p99 %s  p99.9 %s  max %s\n", lead, a[0], a[1], a[2],
		a[3], a[4], a[5]);
}

void print_server_report(FILE *f, const struct xdperf_server_report *r, uint64_t sent,
			 uint64_t lost_vs_sent)
{
	const struct xdperf_server_stats *st = &r->stats;
	char what[48];
	if (r->port)
		snprintf(what, sizeof what, "UDP port %u", r->port);
	else
		snprintf(what, sizeof what, "every frame");
	fprintf(f, "server %s (%s, %s): received %" PRIu64 " packet%s (%" PRIu64 " bytes)", r->device,
		r->mode, what, st->packets, st->packets == 1 ? "" : "s", st->bytes);
	double pps, bps;
	if (xdperf_server_rates(st, &pps, &bps))
		fprintf(f, " in %.6f s between the first and last frame: %.0f pps, %.1f Mbps", st->active_s,
			pps, bps / 1e6);
	else if (st->packets == 1)
		fprintf(f, ", one frame (%.6f s after counting started): no rate", st->first_s);
	else if (st->packets)
		fprintf(f, " with no time between the first and last frame: no rate");
	fprintf(f, " (counting for %.3f s)", st->seconds > 0 ? st->seconds : 0);
	if (r->port)
		fprintf(f, "; %" PRIu64 " other frame%s passed to the stack", st->passed,
			st->passed == 1 ? "" : "s");
	fprintf(f, "\n");
	if (r->reflect)
		fprintf(f, "  reflected %" PRIu64 " (%s swapped), %" PRIu64 " of them the device could "
			"not send back; %" PRIu64 " counted frame%s not IP, passed on\n", st->reflected,
			r->reflect == XDPERF_REFLECT_PORTS ? "addresses and ports" : "addresses",
			st->reflect_failed, st->not_reflected, st->not_reflected == 1 ? "" : "s");
	if (r->stamp) {
		const struct xdperf_stream_report *t = &r->total;
		uint64_t lost = sent != UINT64_MAX ? lost_vs_sent : t->lost;
		double base = sent != UINT64_MAX ? (double)sent : (double)(t->unique + t->lost);
		fprintf(f, "  stamps: %" PRIu64 " received (%" PRIu64 " distinct)", t->received,
			t->unique);
		if (sent != UINT64_MAX)
			fprintf(f, " of %" PRIu64 " sent", sent);
		fprintf(f, ", %" PRIu64 " lost (%.3f%%), %" PRIu64 " duplicated, %" PRIu64
			   " reordered; %" PRIu64 " frame%s without a stamp; %zu stream%s\n",
			lost, base > 0 ? 100.0 * (double)lost / base : 0.0, t->duplicated, t->reordered,
			st->unstamped, st->unstamped == 1 ? "" : "s", r->nstreams,
			r->nstreams == 1 ? "" : "s");
		if (t->latency.count) {
			latency_line(f, "  one-way latency: ", &t->latency);
			fprintf(f, "    (sender's and receiver's CLOCK_TAI compared: valid only when both "
				   "share a clock, e.g. one host, or are synchronised with PTP)\n");
			if (t->latency.negative)
				fprintf(f, "    warning: %" PRIu64 " frames arrived before they were sent by "
					   "this host's clock: the clocks differ\n",
					t->latency.negative);
		}
		if (r->nruns > 1) {
			fprintf(f, "  %zu generator runs (streams and sequence numbers are per run):\n",
				r->nruns);
			for (size_t i = 0; i < r->nruns && i < STREAM_LINES; i++) {
				const struct xdperf_run_report *u = &r->runs[i];
				char id[48];
				if (u->run)
					snprintf(id, sizeof id, "run %08x", u->run);
				else
					snprintf(id, sizeof id, "run 0 (version 1 stamps)");
				fprintf(f, "  %s: %zu stream%s, %" PRIu64 " received (%" PRIu64 " distinct), %"
					   PRIu64 " lost in between, %" PRIu64 " duplicated, %" PRIu64
					   " reordered\n", id, u->nstreams, u->nstreams == 1 ? "" : "s",
					u->received, u->unique, u->lost, u->duplicated, u->reordered);
			}
			if (r->nruns > STREAM_LINES)
				fprintf(f, "  ... %zu more runs (--json lists all)\n",
					r->nruns - STREAM_LINES);
		}
		for (size_t i = 0; i < r->nstreams && i < STREAM_LINES; i++) {
			const struct xdperf_stream_report *s = &r->streams[i];
			char p50[24], p99[24], run[24] = "";
			fmt_ns(p50, sizeof p50, (double)s->latency.p50_ns);
			fmt_ns(p99, sizeof p99, (double)s->latency.p99_ns);
			if (r->nruns > 1)
				snprintf(run, sizeof run, "run %08x ", s->run);
			fprintf(f, "  %sstream %u (thread %u, template %u): %" PRIu64 " received, seq %" PRIu64
				   "..%" PRIu64 ", %" PRIu64 " lost in between, %" PRIu64 " duplicated, %" PRIu64
				   " reordered, latency p50 %s p99 %s\n",
				run, s->stream, s->stream >> 16, s->stream & 0xffff, s->received, s->first_seq,
				s->last_seq, s->lost, s->duplicated, s->reordered, p50, p99);
		}
		if (r->nstreams > STREAM_LINES)
			fprintf(f, "  ... %zu more streams (--json lists all)\n", r->nstreams - STREAM_LINES);
		if (st->ring_full)
			fprintf(f, "  warning: %" PRIu64 " stamped frames arrived but were not analysed (the "
				   "receiver fell behind); per-stream figures count them as lost\n",
				st->ring_full);
		if (r->streams_over_limit)
			fprintf(f, "  warning: %" PRIu64 " stamped frames belong to streams beyond the "
				   "%d analysed\n", r->streams_over_limit, SRV_STREAMS_MAX);
	}
	if (r->verifier) {
		fprintf(f, "  verifier: %" PRIu64 " sampled, %" PRIu64 " valid, %" PRIu64 " invalid, %" PRIu64
			   " failed", st->sampled, r->valid, r->invalid, r->verifier_failed);
		if (st->sample_full)
			fprintf(f, ", %" PRIu64 " samples skipped (verifier busy)", st->sample_full);
		fprintf(f, "\n");
		if (r->first_error[0])
			fprintf(f, "    first: %s\n", r->first_error);
	}
}
