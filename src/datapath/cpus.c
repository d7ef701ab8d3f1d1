/* CPU placement for sender threads: see cpus.h. */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "datapath/cpus.h"
#include "util/err.h"

int dp_cpulist_parse(const char *s, int *cpus, unsigned max, unsigned *n, char *err, size_t errlen)
{
	static bool seen[DP_CPUS_MAX];
	memset(seen, 0, sizeof seen);
	*n = 0;
	const char *p = s;
	if (!s || !*s) {
		xdperf_errf(err, errlen, "an empty CPU list");
		return -EINVAL;
	}
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9')
			goto bad;
		long a = strtol(p, &end, 10), b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				goto bad;
			b = strtol(end + 1, &end, 10);
		}
		if (a < 0 || b < a || b >= DP_CPUS_MAX || (*end && *end != ',' && *end != '\n'))
			goto bad;
		for (long c = a; c <= b; c++) {
			if (seen[c])
				continue;
			if (*n == max) {
				xdperf_errf(err, errlen, "more than %u CPUs in '%s'", max, s);
				return -EINVAL;
			}
			seen[c] = true;
			cpus[(*n)++] = (int)c;
		}
		p = *end ? end + 1 : end;
		if (*end == '\n')
			break;
	}
	return 0;
bad:
	xdperf_errf(err, errlen, "'%s' is not a CPU list (e.g. 0-3,8; CPUs 0..%d)", s, DP_CPUS_MAX - 1);
	return -EINVAL;
}

void dp_cpulist_format(const int *cpus, unsigned n, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < n && o < len;) {
		unsigned j = i;
		while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
			j++;
		if (j > i)
			o += (size_t)snprintf(buf + o, len - o, "%s%d-%d", o ? "," : "", cpus[i], cpus[j]);
		else
			o += (size_t)snprintf(buf + o, len - o, "%s%d", o ? "," : "", cpus[i]);
		i = j + 1;
	}
}

int dp_device_numa_node(const char *ifname)
{
	char path[128];
	snprintf(path, sizeof path, "/sys/class/net/%s/device/numa_node", ifname);
	FILE *f = fopen(path, "r");
	int node = -1;
	if (f) {
		if (fscanf(f, "%d", &node) != 1)
			node = -1;
		fclose(f);
	}
	return node;
}

/* The CPUs of NUMA node `node` (sysfs), or -ENOENT. */
static int node_cpus(int node, int *cpus, unsigned max, unsigned *n, char *err, size_t errlen)
{
	char path[96], line[4096];
	snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(line, sizeof line, f)) {
		if (f)
			fclose(f);
		xdperf_errf(err, errlen, "NUMA node %d: no such node (%s)", node, path);
		return -ENOENT;
	}
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	if (!line[0]) {
		*n = 0;
		return 0;
	}
	return dp_cpulist_parse(line, cpus, max, n, err, errlen);
}

int dp_cpus_resolve(const char *spec, const char *ifname, int *cpus, unsigned max, unsigned *n,
		    char *err, size_t errlen)
{
	cpu_set_t allowed;
	*n = 0;
	if (sched_getaffinity(0, sizeof allowed, &allowed)) {
		int e = -errno;
		xdperf_errf(err, errlen, "reading the CPUs this process may use: %s", strerror(-e));
		return e;
	}
	int list[DP_CPUS_MAX];
	unsigned nl = 0;
	int rc;
	bool is_list = spec && *spec >= '0' && *spec <= '9';
	if (is_list) {
		if ((rc = dp_cpulist_parse(spec, list, DP_CPUS_MAX, &nl, err, errlen)))
			return rc;
		for (unsigned i = 0; i < nl; i++)
			if (list[i] >= CPU_SETSIZE || !CPU_ISSET(list[i], &allowed)) {
				xdperf_errf(err, errlen, "CPU %d: this process may not run there (or it does "
					    "not exist)", list[i]);
				return -EINVAL;
			}
		if (nl > max) {
			xdperf_errf(err, errlen, "more than %u CPUs", max);
			return -EINVAL;
		}
		memcpy(cpus, list, nl * sizeof *list);
		*n = nl;
		return 0;
	}
	int node = -1;
	bool only = false;
	if (spec && !strncmp(spec, "node:", 5)) {
		char *end;
		long v = strtol(spec + 5, &end, 10);
		if (!spec[5] || *end || v < 0 || v > 4095) {
			xdperf_errf(err, errlen, "'%s' is not node:N", spec);
			return -EINVAL;
		}
		node = (int)v;
		only = true;
	} else if (spec && !strcmp(spec, "local")) {
		node = ifname ? dp_device_numa_node(ifname) : -1;
		only = node >= 0;
	} else if (spec && *spec && strcmp(spec, "auto")) {
		xdperf_errf(err, errlen, "'%s' is not a CPU list, auto, local or node:N", spec);
		return -EINVAL;
	} else {
		node = ifname ? dp_device_numa_node(ifname) : -1;
	}
	if (node >= 0 && (rc = node_cpus(node, list, DP_CPUS_MAX, &nl, err, errlen)))
		return rc;
	/* the node's allowed CPUs, then (unless only the node) every other allowed CPU */
	for (unsigned i = 0; i < nl && *n < max; i++)
		if (list[i] < CPU_SETSIZE && CPU_ISSET(list[i], &allowed))
			cpus[(*n)++] = list[i];
	if (!only)
		for (int c = 0; c < CPU_SETSIZE && *n < max; c++) {
			bool in_node = false;
			for (unsigned i = 0; i < nl; i++)
				in_node = in_node || list[i] == c;
			if (CPU_ISSET(c, &allowed) && !in_node)
				cpus[(*n)++] = c;
		}
	if (!*n) {
		xdperf_errf(err, errlen, "%s: none of its CPUs may be used by this process", spec);
		return -EINVAL;
	}
	return 0;
}

int xdperf_tx_cpus(const char *spec, const char *ifname, int *cpus, unsigned max, unsigned *n,
		   char *err, size_t errlen)
{
	if (!cpus || !n) {
		xdperf_errf(err, errlen, "cpus: no array to fill");
		return -EINVAL;
	}
	return dp_cpus_resolve(spec, ifname, cpus, max, n, err, errlen);
}
