/* The RFC 2544 throughput search of `xdperf ndr` (src/cli/ndr_search.h): the binary search
 * and its verification trial, as a state machine fed with each trial's counts. */
#include <math.h>
#include <string.h>
#include "cli/ndr_search.h"

bool ndr_trial_passes(uint64_t sent, uint64_t received, double threshold)
{
	if (!sent)
		return false;
	uint64_t lost = received >= sent ? 0 : sent - received;
	if (!lost)
		return true;
	return (double)lost <= threshold * (double)sent;
}

const char *ndr_status_name(enum ndr_status st)
{
	switch (st) {
	case NDR_FOUND: return "found";
	case NDR_NONE: return "none";
	case NDR_UNSTABLE: return "unstable";
	case NDR_TRIAL_LIMIT: return "trial limit";
	default: return "running";
	}
}

static void set_max(struct ndr_search *s, double max)
{
	s->max_pps = floor(max);
	s->res_pps = s->o.resolution_pps > 0 ? s->o.resolution_pps : s->o.resolution * s->max_pps;
	if (s->res_pps < 1)
		s->res_pps = 1;
	s->lo = s->o.min_pps;
	s->hi = s->max_pps;
	s->lo_passed = false;
	s->hi_failed = false;
}

static void ask(struct ndr_search *s, enum ndr_trial_kind kind, double rate)
{
	s->cur = (struct ndr_trial){ .kind = kind, .rate_pps = rate, .index = s->trials + 1 };
	s->pending = true;
}

/* The highest rate that passed below `below`, or 0. */
static double best_pass_below(const struct ndr_search *s, double below)
{
	double best = 0;
	for (unsigned i = 0; i < s->npassed; i++)
		if (s->passed[i] < below && s->passed[i] > best)
			best = s->passed[i];
	return best;
}

static void finish(struct ndr_search *s, enum ndr_status st, double found)
{
	s->status = st;
	s->found_pps = found;
	s->pending = false;
}

/* What comes after a search step (or a failed verification). */
static void decide(struct ndr_search *s)
{
	if (s->hi_failed && s->hi <= s->o.min_pps) {
		finish(s, NDR_NONE, 0); /* even the min failed */
		return;
	}
	if (s->lo_passed && s->lo >= s->max_pps) {
		ask(s, NDR_TRIAL_VERIFY, s->lo); /* the max passed */
		return;
	}
	if (s->hi - s->lo <= s->res_pps) {
		if (s->lo < 1)
			finish(s, NDR_NONE, 0);
		else
			ask(s, NDR_TRIAL_VERIFY, s->lo); /* also the first try of an untried min */
		return;
	}
	/* lo and hi are whole and more than res_pps >= 1 apart: lo < mid < hi */
	ask(s, NDR_TRIAL_SEARCH, floor((s->lo + s->hi) / 2));
}

void ndr_search_init(struct ndr_search *s, const struct ndr_search_opts *o)
{
	memset(s, 0, sizeof *s);
	s->o = *o;
	s->o.min_pps = ceil(o->min_pps > 0 ? o->min_pps : 0);
	if (!s->o.max_trials || s->o.max_trials > NDR_TRIALS_MAX)
		s->o.max_trials = s->o.max_trials ? NDR_TRIALS_MAX : 64;
	if (!s->o.max_verify)
		s->o.max_verify = 3;
	if (o->max_pps > 0) {
		set_max(s, o->max_pps);
		if (s->max_pps < 1 || s->max_pps < s->o.min_pps)
			finish(s, NDR_NONE, 0);
		else
			ask(s, NDR_TRIAL_SEARCH, s->max_pps);
	} else {
		ask(s, NDR_TRIAL_UNPACED, 0);
	}
}

bool ndr_search_next(struct ndr_search *s, struct ndr_trial *t)
{
	if (s->status != NDR_RUNNING)
		return false;
	if (s->trials >= s->o.max_trials) {
		finish(s, NDR_TRIAL_LIMIT, s->lo_passed ? s->lo : 0);
		return false;
	}
	*t = s->cur;
	return true;
}

void ndr_search_report(struct ndr_search *s, double measured_pps, uint64_t sent, uint64_t received)
{
	if (s->status != NDR_RUNNING || !s->pending)
		return;
	struct ndr_trial t = s->cur;
	s->pending = false;
	s->trials++;
	bool pass = ndr_trial_passes(sent, received, s->o.threshold);
	s->last_pass = pass;
	s->last_loss = sent ? (double)(received >= sent ? 0 : sent - received) / (double)sent : 1;
	double rate = t.rate_pps;
	if (t.kind == NDR_TRIAL_UNPACED) {
		if (!(measured_pps >= 1)) {
			finish(s, NDR_NONE, 0); /* no rate to search below */
			return;
		}
		set_max(s, measured_pps);
		if (s->max_pps < s->o.min_pps) {
			finish(s, NDR_NONE, 0);
			return;
		}
		rate = s->max_pps;
		if (pass)
			s->sender_limited = true;
	}
	if (pass && s->npassed < NDR_TRIALS_MAX)
		s->passed[s->npassed++] = rate;
	if (t.kind == NDR_TRIAL_VERIFY) {
		if (pass) {
			finish(s, NDR_FOUND, rate);
			return;
		}
		s->verify_fails++;
		s->hi = rate;
		s->hi_failed = true;
		s->lo = best_pass_below(s, rate);
		s->lo_passed = s->lo > 0;
		if (!s->lo_passed)
			s->lo = s->o.min_pps;
		if (s->verify_fails >= s->o.max_verify) {
			finish(s, NDR_UNSTABLE, s->lo_passed ? s->lo : 0);
			return;
		}
		decide(s);
		return;
	}
	if (pass) {
		if (rate >= s->lo) {
			s->lo = rate;
			s->lo_passed = true;
		}
		if (rate >= s->max_pps)
			s->max_passed = true;
	} else if (rate < s->hi || !s->hi_failed) {
		s->hi = rate;
		s->hi_failed = true;
	}
	decide(s);
}
