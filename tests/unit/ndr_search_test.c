/* Unit test of the RFC 2544 throughput search (src/cli/ndr_search.c) against simulated
 * devices, no network: a device of capacity C pps forwards min(sent, C * T) frames of a trial
 * of T seconds (so a trial at rate r loses (r - C) * T frames above C). For many capacities,
 * maxima, minima, resolutions (fractions and absolute) and loss thresholds (NDR and PDR), the
 * rate found is the effective capacity C' (the highest rate whose loss is within the
 * threshold) or below it by at most the resolution (none found only when C' is below the
 * resolution); the number of trials is about
 * log2(max / resolution) + 2; an unpaced first trial takes the sender's rate as the max; a
 * capacity above the max gives the max (flagged), one below the min gives none; a device
 * that loses frames now and then (a failed verification) makes the search go on below, never
 * above what passed; the trial limit and the verification limit end a search. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "cli/ndr_search.h"

struct dev {
	double cap;          /* pps */
	double trial_s;
	double sender_max;   /* pps an unpaced trial reaches */
	unsigned flaky_every; /* every Nth trial at or below the capacity loses one frame (0: none) */
	unsigned n;
};

static void trial(struct dev *d, const struct ndr_trial *t, double *measured, uint64_t *sent,
		  uint64_t *recv)
{
	double rate = t->kind == NDR_TRIAL_UNPACED ? d->sender_max : t->rate_pps;
	*measured = rate;
	*sent = (uint64_t)floor(rate * d->trial_s);
	uint64_t room = (uint64_t)floor(d->cap * d->trial_s);
	*recv = *sent < room ? *sent : room;
	d->n++;
	if (d->flaky_every && d->n % d->flaky_every == 0 && *recv == *sent && *recv)
		(*recv)--;
}

/* Runs a whole search; returns the trials used. */
static unsigned run(struct ndr_search *s, const struct ndr_search_opts *o, struct dev *d)
{
	ndr_search_init(s, o);
	struct ndr_trial t;
	unsigned n = 0, last_index = 0;
	while (ndr_search_next(s, &t)) {
		double m;
		uint64_t sent, recv;
		CHECK(t.index == last_index + 1, "trial index %u after %u", t.index, last_index);
		last_index = t.index;
		CHECK(t.kind == NDR_TRIAL_UNPACED || (t.rate_pps >= 1 && t.rate_pps == floor(t.rate_pps)),
		      "trial rate %g is whole and positive", t.rate_pps);
		trial(d, &t, &m, &sent, &recv);
		ndr_search_report(s, m, sent, recv);
		if (++n > 200)
			break;
	}
	return n;
}

/* The highest whole rate whose loss at threshold th over trial_s passes on capacity cap. */
static double effective(double cap, double th, double trial_s, double max)
{
	double r = floor(th > 0 ? cap / (1 - th) + 2 : cap + 2);
	for (; r >= 1; r--) {
		uint64_t sent = (uint64_t)floor(r * trial_s), room = (uint64_t)floor(cap * trial_s);
		uint64_t recv = sent < room ? sent : room;
		if (ndr_trial_passes(sent, recv, th))
			break;
	}
	return r < max ? r : max;
}

static void test_many(void)
{
	static const double caps[] = { 1, 2, 7, 100, 999, 1000, 1001, 14880, 20161, 33333,
				       123457, 812743, 1488095, 9999999 };
	static const double fracs[] = { 0.5, 0.1, 0.05, 0.01, 0.001 };
	static const double abses[] = { 1, 10, 500, 20000 };
	static const double ths[] = { 0, 0.001, 0.05, 0.2 };
	unsigned cases = 0, bad = 0;
	for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++)
		for (size_t ti = 0; ti < sizeof ths / sizeof ths[0]; ti++)
			for (size_t ri = 0; ri < 9; ri++)
				for (int mi = 0; mi < 3; mi++) {
					double cap = caps[ci], th = ths[ti];
					/* max: above the capacity by 1.3x and 17x, and unpaced (the sender's
					 * rate, 3x) */
					double max = mi == 0 ? ceil(cap * 1.3) + 3 : mi == 1 ? cap * 17 + 5 : 0;
					struct dev d = { .cap = cap, .trial_s = 1, .sender_max = ceil(cap * 3) + 3 };
					struct ndr_search_opts o = { .max_pps = max, .threshold = th };
					if (ri < 5)
						o.resolution = fracs[ri];
					else
						o.resolution_pps = abses[ri - 5];
					struct ndr_search s;
					unsigned n = run(&s, &o, &d);
					double realmax = max > 0 ? max : d.sender_max;
					double want = effective(cap, th, 1, realmax);
					double res = o.resolution_pps > 0 ? o.resolution_pps : o.resolution * realmax;
					if (res < 1)
						res = 1;
					cases++;
					/* none: only when the capacity is below the resolution */
					bool ok = (s.status == NDR_FOUND || (s.status == NDR_NONE && want <= res)) &&
						  s.found_pps <= want && want - s.found_pps <= res && s.res_pps == res;
					/* trials: the max, log2(max / res) steps, the verification (+1 unpaced) */
					double steps = ceil(log2(realmax / res));
					unsigned limit = (unsigned)(steps > 0 ? steps : 0) + 3;
					if (!ok || n > limit) {
						if (bad++ < 10)
							CHECK(0, "cap %g th %g max %g res %g: status %s found %g (want %g "
								 "within %g), %u trials (limit %u)", cap, th, realmax, res,
							      ndr_status_name(s.status), s.found_pps, want, res, n, limit);
					}
				}
	CHECK(bad == 0, "%u of %u searches found the throughput within the resolution in "
			"log2(max/res)+3 trials", cases - bad, cases);
	printf("ok %u searches on simulated devices within their resolution\n", cases);
}

static void test_edges(void)
{
	struct ndr_search s;
	/* capacity above the max: the max, flagged; 2 trials (max, verification) */
	struct dev d = { .cap = 5000, .trial_s = 1 };
	struct ndr_search_opts o = { .max_pps = 4000, .resolution = 0.01 };
	unsigned n = run(&s, &o, &d);
	CHECK(s.status == NDR_FOUND && s.found_pps == 4000 && s.max_passed && !s.sender_limited && n == 2,
	      "capacity above the max: %s %g, max_passed %d, %u trials", ndr_status_name(s.status), s.found_pps,
	      s.max_passed, n);
	/* unpaced and the device keeps up: the sender's rate, flagged */
	d = (struct dev){ .cap = 1e7, .trial_s = 1, .sender_max = 123456.7 };
	o = (struct ndr_search_opts){ .resolution = 0.01 };
	n = run(&s, &o, &d);
	CHECK(s.status == NDR_FOUND && s.found_pps == 123456 && s.sender_limited && n == 2,
	      "unpaced, sender-limited: %s %g sender_limited %d, %u trials", ndr_status_name(s.status),
	      s.found_pps, s.sender_limited, n);
	/* capacity below the min: none, after trying the min */
	d = (struct dev){ .cap = 900, .trial_s = 1 };
	o = (struct ndr_search_opts){ .max_pps = 10000, .min_pps = 1000, .resolution = 0.01 };
	n = run(&s, &o, &d);
	CHECK(s.status == NDR_NONE && s.found_pps == 0 && d.n == n, "capacity below the min: %s %g after %u trials",
	      ndr_status_name(s.status), s.found_pps, n);
	/* capacity just at the min: the min */
	d = (struct dev){ .cap = 1000, .trial_s = 1 };
	n = run(&s, &o, &d);
	CHECK(s.status == NDR_FOUND && s.found_pps == 1000, "capacity = min: %s %g", ndr_status_name(s.status),
	      s.found_pps);
	/* a device that forwards nothing, without a min: none */
	d = (struct dev){ .cap = 0, .trial_s = 1 };
	o = (struct ndr_search_opts){ .max_pps = 10000, .resolution = 0.01 };
	n = run(&s, &o, &d);
	CHECK(s.status == NDR_NONE && s.found_pps == 0, "dead device: %s %g (%u trials)", ndr_status_name(s.status),
	      s.found_pps, n);
	/* the unpaced trial sends nothing: none, no further trial */
	d = (struct dev){ .cap = 1000, .trial_s = 1, .sender_max = 0 };
	o = (struct ndr_search_opts){ .resolution = 0.01 };
	n = run(&s, &o, &d);
	CHECK(s.status == NDR_NONE && n == 1, "unpaced trial sent nothing: %s after %u", ndr_status_name(s.status), n);
	/* max below the min: none without a trial */
	o = (struct ndr_search_opts){ .max_pps = 10, .min_pps = 20, .resolution = 0.01 };
	n = run(&s, &o, &d);
	CHECK(s.status == NDR_NONE && n == 0, "max below min: %s after %u", ndr_status_name(s.status), n);
	/* the trial limit */
	d = (struct dev){ .cap = 777777, .trial_s = 1 };
	o = (struct ndr_search_opts){ .max_pps = 1e7, .resolution_pps = 1, .max_trials = 5 };
	n = run(&s, &o, &d);
	CHECK(s.status == NDR_TRIAL_LIMIT && n == 5 && s.found_pps <= 777777,
	      "trial limit 5: %s %g after %u", ndr_status_name(s.status), s.found_pps, n);
	/* PDR above NDR on the same device */
	struct ndr_search s2;
	d = (struct dev){ .cap = 20000, .trial_s = 1 };
	o = (struct ndr_search_opts){ .max_pps = 40000, .resolution = 0.01 };
	run(&s, &o, &d);
	o.threshold = 0.05;
	d.n = 0;
	run(&s2, &o, &d);
	CHECK(s.status == NDR_FOUND && s2.status == NDR_FOUND && s2.found_pps > s.found_pps &&
	      s2.found_pps <= 20000 / 0.95 && s2.found_pps >= 20000 / 0.95 - 400,
	      "PDR 5%% %g > NDR %g", s2.found_pps, s.found_pps);
}

/* A device that loses a frame on every 3rd trial whatever the rate: every rate found passed its
 * verification and lies at or below the capacity; failed verifications are counted and limited. */
static void test_flaky(void)
{
	unsigned found = 0, unstable = 0;
	for (unsigned every = 2; every <= 7; every++)
		for (double cap = 1000; cap < 1e6; cap *= 3.7) {
			struct dev d = { .cap = cap, .trial_s = 1, .flaky_every = every };
			struct ndr_search_opts o = { .max_pps = cap * 2, .resolution = 0.02 };
			struct ndr_search s;
			unsigned n = run(&s, &o, &d);
			CHECK(n <= 64, "flaky every %u cap %g: %u trials", every, cap, n);
			CHECK(s.found_pps <= cap, "flaky every %u cap %g: found %g <= capacity", every, cap, s.found_pps);
			CHECK(s.status == NDR_FOUND || s.status == NDR_UNSTABLE || s.status == NDR_NONE,
			      "flaky: status %s", ndr_status_name(s.status));
			if (s.status == NDR_FOUND)
				CHECK(s.last_pass, "flaky: found after a passing verification");
			if (s.status == NDR_UNSTABLE)
				CHECK(s.verify_fails == 3, "flaky: unstable after 3 failed verifications (%u)",
				      s.verify_fails);
			found += s.status == NDR_FOUND;
			unstable += s.status == NDR_UNSTABLE;
		}
	CHECK(found > 0, "flaky: some searches still found a rate (%u found, %u unstable)", found, unstable);
	printf("ok flaky devices: %u found, %u unstable\n", found, unstable);
}

static void test_passes(void)
{
	CHECK(!ndr_trial_passes(0, 0, 0.5), "nothing sent fails");
	CHECK(ndr_trial_passes(100, 100, 0), "no loss passes NDR");
	CHECK(ndr_trial_passes(100, 105, 0), "duplicates beyond sent pass");
	CHECK(!ndr_trial_passes(100, 99, 0), "one lost fails NDR");
	CHECK(ndr_trial_passes(100, 95, 0.05), "5%% lost passes PDR 0.05");
	CHECK(!ndr_trial_passes(100, 94, 0.05), "6%% lost fails PDR 0.05");
}

int main(void)
{
	test_passes();
	test_edges();
	test_many();
	test_flaky();
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
