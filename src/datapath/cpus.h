/* Which CPUs sender threads run on (`--cpus LIST|auto|local|node:N`, `xdperf probe`): CPU lists
 * as the kernel writes them ("0-3,8"), the device's NUMA node, and the CPUs of a node. */
#ifndef XDPERF_DATAPATH_CPUS_H
#define XDPERF_DATAPATH_CPUS_H

#include <stddef.h>

#define DP_CPUS_MAX 1024

/* "0-3,8,10-11" into cpus[0..*n) (ascending, no repeats; at most max). 0, or -EINVAL with one
 * line in err naming the bad part. */
int dp_cpulist_parse(const char *s, int *cpus, unsigned max, unsigned *n, char *err, size_t errlen);

/* cpus[0..n) as a list ("0-3,8") into buf. */
void dp_cpulist_format(const int *cpus, unsigned n, char *buf, size_t len);

/* The NUMA node of the device (its /sys/class/net/IF/device/numa_node), or -1 (none: a virtual
 * device, or a machine with one node). */
int dp_device_numa_node(const char *ifname);

/* The CPUs a run may use for spec, in the order threads take them, limited to those this
 * process may run on (sched_getaffinity):
 *   NULL / "" / "auto"  the device's NUMA node's CPUs first, then the others
 *   "local"             the device's NUMA node's CPUs only (all when it has no node)
 *   "node:N"            node N's CPUs
 *   a list "0-3,8"      those CPUs, in that order (each must be allowed)
 * ifname may be NULL (no device: auto = every allowed CPU). 0, or -EINVAL / -ENOENT with one
 * line in err. */
int dp_cpus_resolve(const char *spec, const char *ifname, int *cpus, unsigned max, unsigned *n,
		    char *err, size_t errlen);

#endif
