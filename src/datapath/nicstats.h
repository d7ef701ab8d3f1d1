/* A device's own counters (`--nic-stats`): the kernel's (/sys/class/net/IF/statistics) and the
 * driver's (ethtool -S, ETHTOOL_GSTATS), read before and after a run; the summary shows what
 * changed. */
#ifndef XDPERF_DATAPATH_NICSTATS_H
#define XDPERF_DATAPATH_NICSTATS_H

#include <stddef.h>
#include <stdint.h>

struct dp_nicstat {
	char name[48];          /* "tx_packets" (kernel) or "ethtool:tx_queue_0_xdp_xmit" */
	uint64_t value;
};

struct dp_nicstats {
	struct dp_nicstat *s;   /* malloc'd */
	size_t n;
};

/* Reads every counter of ifname into *out (free with dp_nicstats_free). 0, or -errno with one
 * line in err (the kernel's counters must be readable; the driver's are added when it has some). */
int dp_nicstats_read(const char *ifname, struct dp_nicstats *out, char *err, size_t errlen);

/* after - before for the counters present in both whose value changed, into *diff (free it with
 * dp_nicstats_free). A counter that went down (the driver reset it) is left out. 0 or -ENOMEM. */
int dp_nicstats_diff(const struct dp_nicstats *before, const struct dp_nicstats *after,
		     struct dp_nicstats *diff);

void dp_nicstats_free(struct dp_nicstats *s);

#endif
