/* A device's own counters: see nicstats.h. */
#include <dirent.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "datapath/nicstats.h"
#include "util/err.h"

static int add(struct dp_nicstats *o, size_t *cap, const char *prefix, const char *name, uint64_t v)
{
	if (o->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct dp_nicstat *s = realloc(o->s, nc * sizeof *s);
		if (!s)
			return -ENOMEM;
		o->s = s;
		*cap = nc;
	}
	snprintf(o->s[o->n].name, sizeof o->s[o->n].name, "%s%s", prefix, name);
	o->s[o->n++].value = v;
	return 0;
}

static int ioctl_eth(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

/* The driver's counters (ethtool -S), when it has any. */
static int driver_stats(const char *ifname, struct dp_nicstats *o, size_t *cap)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	struct { struct ethtool_sset_info h; uint32_t len; } ss = { .h = { .cmd = ETHTOOL_GSSET_INFO,
								       .sset_mask = 1ull << ETH_SS_STATS } };
	int rc = 0;
	if (ioctl_eth(fd, ifname, &ss) || !(ss.h.sset_mask & (1ull << ETH_SS_STATS)) || !ss.len ||
	    ss.len > 65536)
		goto out;
	uint32_t n = ss.len;
	struct ethtool_gstrings *gs = calloc(1, sizeof *gs + (size_t)n * ETH_GSTRING_LEN);
	struct ethtool_stats *st = calloc(1, sizeof *st + (size_t)n * sizeof(uint64_t));
	if (!gs || !st) {
		rc = -ENOMEM;
	} else {
		gs->cmd = ETHTOOL_GSTRINGS;
		gs->string_set = ETH_SS_STATS;
		gs->len = n;
		st->cmd = ETHTOOL_GSTATS;
		st->n_stats = n;
		if (!ioctl_eth(fd, ifname, gs) && !ioctl_eth(fd, ifname, st))
			for (uint32_t i = 0; i < n && !rc; i++) {
				char name[ETH_GSTRING_LEN + 1];
				memcpy(name, gs->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
				name[ETH_GSTRING_LEN] = 0;
				rc = add(o, cap, "ethtool:", name, st->data[i]);
			}
	}
	free(gs);
	free(st);
out:
	close(fd);
	return rc;
}

int dp_nicstats_read(const char *ifname, struct dp_nicstats *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	size_t cap = 0;
	char path[160];
	snprintf(path, sizeof path, "/sys/class/net/%s/statistics", ifname);
	DIR *d = opendir(path);
	if (!d) {
		int e = -errno;
		xdperf_errf(err, errlen, "%s: cannot read the device's counters (%s): %s", ifname, path,
			    strerror(-e));
		return e;
	}
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char f[600], line[64];
		snprintf(f, sizeof f, "%s/%s", path, e->d_name);
		FILE *fp = fopen(f, "r");
		if (!fp)
			continue;
		if (fgets(line, sizeof line, fp))
			rc = add(out, &cap, "", e->d_name, strtoull(line, NULL, 10));
		fclose(fp);
	}
	closedir(d);
	if (!rc)
		rc = driver_stats(ifname, out, &cap);
	if (rc) {
		dp_nicstats_free(out);
		xdperf_errf(err, errlen, "%s: out of memory for its counters", ifname);
	}
	return rc;
}

int dp_nicstats_diff(const struct dp_nicstats *before, const struct dp_nicstats *after,
		     struct dp_nicstats *diff)
{
	memset(diff, 0, sizeof *diff);
	size_t cap = 0;
	for (size_t i = 0; i < after->n; i++)
		for (size_t j = 0; j < before->n; j++) {
			if (strcmp(after->s[i].name, before->s[j].name))
				continue;
			if (after->s[i].value > before->s[j].value &&
			    add(diff, &cap, "", after->s[i].name, after->s[i].value - before->s[j].value)) {
				dp_nicstats_free(diff);
				return -ENOMEM;
			}
			break;
		}
	return 0;
}

void dp_nicstats_free(struct dp_nicstats *s)
{
	free(s->s);
	s->s = NULL;
	s->n = 0;
}
