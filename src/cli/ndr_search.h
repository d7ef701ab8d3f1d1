/* The RFC 2544 throughput search of `xdperf ndr`, without a device: which rate to try next
 * given the outcome of the trials so far (binary search between a min and a max rate down to
 * a resolution, then a verification trial at the rate found). The caller runs each trial and
 * reports its counts; tests/unit/ndr_search_test.c drives it with a simulated device.
 *
 *   struct ndr_search s;
 *   ndr_search_init(&s, &opts);
 *   struct ndr_trial t;
 *   while (ndr_search_next(&s, &t)) {
 *           ... send at t.rate_pps (t.kind == NDR_TRIAL_UNPACED: unpaced) for the trial time ...
 *           ndr_search_report(&s, measured_pps, sent, received);
 *   }
 *   ... s.found_pps, s.status ...
 *
 * A trial passes when it sent something and lost (sent - received, at least 0) at most
 * threshold * sent frames (threshold 0: none at all, NDR). Rates are whole frames per second.
 * The search keeps lo, the highest rate that passed (or min_pps, untried), and hi, the lowest
 * that failed (or the max, untried), and tries floor((lo + hi) / 2) until hi - lo is at most
 * the resolution; then lo is verified by one more trial. If the throughput (the highest
 * passing rate, assuming loss grows with the rate) is C with min <= C < max, the rate found
 * is within (C - resolution, C]. A failed verification makes that rate the new hi and the
 * search goes on below it (at most max_verify times). */
#ifndef XDPERF_CLI_NDR_SEARCH_H
#define XDPERF_CLI_NDR_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#define NDR_TRIALS_MAX 128 /* the most trials of one search (opts.max_trials at most) */

enum ndr_trial_kind {
	NDR_TRIAL_UNPACED = 0, /* as fast as the sender goes: its measured rate becomes the max */
	NDR_TRIAL_SEARCH = 1,  /* a step of the binary search (the first: the max itself) */
	NDR_TRIAL_VERIFY = 2,  /* the final trial at the rate found */
};

enum ndr_status {
	NDR_RUNNING = 0,
	NDR_FOUND,       /* found_pps passed its verification trial */
	NDR_NONE,        /* no rate at or above min_pps passed (found_pps 0) */
	NDR_UNSTABLE,    /* verification failed max_verify times; found_pps: the highest rate that
			  * passed at all below the last failure (0: none), not verified */
	NDR_TRIAL_LIMIT, /* max_trials reached; found_pps as for NDR_UNSTABLE */
};

struct ndr_search_opts {
	double min_pps;        /* lowest rate searched, >= 0 (0: none) */
	double max_pps;        /* highest rate; 0: unknown, the first trial is unpaced */
	double resolution;     /* the resolution as a fraction of the max (0 < x < 1) ... */
	double resolution_pps; /* ... or in frames per second (> 0: used instead) */
	double threshold;      /* loss allowed, as a fraction of the frames sent (0 <= x < 1) */
	unsigned max_trials;   /* 0 = 64; at most NDR_TRIALS_MAX */
	unsigned max_verify;   /* verification trials that may fail; 0 = 3 */
};

struct ndr_trial {
	enum ndr_trial_kind kind;
	double rate_pps;       /* the rate to send at (0 for an unpaced trial) */
	unsigned index;        /* 1, 2, ... */
};

struct ndr_search {
	struct ndr_search_opts o;
	double max_pps;        /* the max (known after an unpaced first trial) */
	double res_pps;        /* the resolution in frames per second (>= 1) */
	double lo, hi;         /* see above */
	bool lo_passed;        /* lo is a rate that passed (else min_pps, untried) */
	bool hi_failed;        /* hi is a rate that failed (else the max, untried) */
	struct ndr_trial cur;  /* the trial asked for, awaiting its report */
	bool pending;
	unsigned trials, verify_fails;
	double passed[NDR_TRIALS_MAX]; /* the rates that passed, in order */
	unsigned npassed;
	enum ndr_status status;
	double found_pps;
	bool sender_limited;   /* the unpaced trial passed: the sender, not the device under test,
				* set the rate found */
	bool max_passed;       /* the max passed: the throughput may be above it */
	bool last_pass;        /* the last reported trial passed */
	double last_loss;      /* its loss fraction */
};

/* Sets up a search; the options are copied (checked by the caller: see each field). */
void ndr_search_init(struct ndr_search *s, const struct ndr_search_opts *o);

/* The next trial into *t; false when the search is over (s->status says how). */
bool ndr_search_next(struct ndr_search *s, struct ndr_trial *t);

/* The outcome of the trial ndr_search_next() gave: measured_pps is the rate the sender
 * reached (used by an unpaced trial only), sent and received the frames. */
void ndr_search_report(struct ndr_search *s, double measured_pps, uint64_t sent, uint64_t received);

/* Whether a trial of sent and received frames passes at loss threshold `threshold`. */
bool ndr_trial_passes(uint64_t sent, uint64_t received, double threshold);

/* "found", "none", "unstable", "trial limit" (or "running"). */
const char *ndr_status_name(enum ndr_status st);

#endif
