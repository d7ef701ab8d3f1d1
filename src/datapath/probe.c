/* What a device offers a run: see probe.h. */
#include <errno.h>
#include <dirent.h>
#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "datapath/cpus.h"
#include "datapath/probe.h"
#include "util/err.h"

static void read_line(const char *ifname, const char *file, char *buf, size_t len)
{
	char path[160];
	snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, file);
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

static int ethtool(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) == 0 ? 0 : -errno;
}

static unsigned count_queues(const char *ifname, const char *prefix)
{
	char path[128];
	snprintf(path, sizeof path, "/sys/class/net/%s/queues", ifname);
	DIR *d = opendir(path);
	unsigned n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return n;
}

/* ---- netdev generic netlink: the XDP features the driver declares ------------------------ */

struct nlreq {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

static int nl_put(struct nlreq *r, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return 0;
}

/* Sends r and finds attribute `want` (of the top level) in the answer: its payload into out. */
static int nl_ask(int fd, struct nlreq *r, uint16_t want, void *out, size_t outlen)
{
	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	if (n < 0)
		return -errno;
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (int)n); nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_ERROR)
			return ((struct nlmsgerr *)NLMSG_DATA(nh))->error ?: -ENOENT;
		int alen = (int)nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
		struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
		while (alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= alen) {
			if ((a->nla_type & NLA_TYPE_MASK) == want) {
				size_t plen = (size_t)a->nla_len - NLA_HDRLEN;
				memcpy(out, (char *)a + NLA_HDRLEN, plen < outlen ? plen : outlen);
				return (int)plen;
			}
			alen -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
		}
	}
	return -ENOENT;
}

#define NETDEV_CMD_DEV_GET_ 1
#define NETDEV_A_DEV_IFINDEX_ 1
#define NETDEV_A_DEV_XDP_FEATURES_ 3

static int xdp_features(int ifindex, uint64_t *features)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	struct timeval tv = { 1, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct nlreq r = { 0 };
	r.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.nh.nlmsg_type = GENL_ID_CTRL;
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.gh.cmd = CTRL_CMD_GETFAMILY;
	r.gh.version = 1;
	nl_put(&r, CTRL_ATTR_FAMILY_NAME, "netdev", 7);
	uint16_t family = 0;
	int rc = nl_ask(fd, &r, CTRL_ATTR_FAMILY_ID, &family, sizeof family);
	if (rc >= 0) {
		memset(&r, 0, sizeof r);
		r.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
		r.nh.nlmsg_type = family;
		r.nh.nlmsg_flags = NLM_F_REQUEST;
		r.gh.cmd = NETDEV_CMD_DEV_GET_;
		r.gh.version = 1;
		uint32_t idx = (uint32_t)ifindex;
		nl_put(&r, NETDEV_A_DEV_IFINDEX_, &idx, sizeof idx);
		*features = 0;
		rc = nl_ask(fd, &r, NETDEV_A_DEV_XDP_FEATURES_, features, sizeof *features);
	}
	close(fd);
	return rc < 0 ? rc : 0;
}

/* ---- XDP attach modes and live frames ------------------------------------------------------ */

/* r0 = verdict; exit */
static int tiny_prog(int verdict)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = verdict },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xdperf_probe", "GPL", insns, 2, NULL);
}

static int try_attach(int ifindex, int prog, __u32 flags, char *why, size_t len)
{
	int e = bpf_xdp_attach(ifindex, prog, flags | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (e) {
		snprintf(why, len, "%s", strerror(-e));
		return 0;
	}
	bpf_xdp_detach(ifindex, flags, NULL);
	return 1;
}

static int try_live_frames(int prog, char *why, size_t len)
{
	uint8_t frame[64] = { 0 };
	memset(frame, 0xff, 6);
	frame[12] = 0x08;
	struct xdp_md ctx = { .data_end = sizeof frame };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof frame,
		    .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	int e = bpf_prog_test_run_opts(prog, &o); /* the program drops the frame: nothing sent */
	if (e) {
		snprintf(why, len, "%s", strerror(-e));
		return 0;
	}
	return 1;
}

int dp_probe(const char *ifname, struct dp_probe *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	if (!ifname || strlen(ifname) >= sizeof p->ifname) {
		xdperf_errf(err, errlen, "'%s' is not an interface name", ifname ? ifname : "");
		return -EINVAL;
	}
	snprintf(p->ifname, sizeof p->ifname, "%s", ifname);
	p->ifindex = (int)if_nametoindex(ifname);
	if (!p->ifindex) {
		xdperf_errf(err, errlen, "no network interface '%s' in this namespace", ifname);
		return -ENODEV;
	}
	p->speed_mbps = -1;
	p->channels_combined = p->channels_rx = p->channels_tx = p->channels_max_combined = -1;
	p->native = p->generic = p->live_frames = -1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
		if (!ethtool(fd, ifname, &di)) {
			snprintf(p->driver, sizeof p->driver, "%.*s", (int)sizeof di.driver, di.driver);
			snprintf(p->version, sizeof p->version, "%.*s", (int)sizeof di.version, di.version);
			snprintf(p->bus, sizeof p->bus, "%.*s", (int)sizeof di.bus_info, di.bus_info);
			snprintf(p->firmware, sizeof p->firmware, "%.*s", (int)sizeof di.fw_version,
				 di.fw_version);
		}
		struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
		if (!ethtool(fd, ifname, &ch)) {
			p->channels_combined = (int)ch.combined_count;
			p->channels_rx = (int)ch.rx_count;
			p->channels_tx = (int)ch.tx_count;
			p->channels_max_combined = (int)ch.max_combined;
		}
		struct ifreq ifr = { 0 };
		snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
		if (!ioctl(fd, SIOCGIFMTU, &ifr))
			p->mtu = ifr.ifr_mtu;
		close(fd);
	}
	char buf[64];
	read_line(ifname, "address", p->mac, sizeof p->mac);
	read_line(ifname, "operstate", p->operstate, sizeof p->operstate);
	read_line(ifname, "speed", buf, sizeof buf);
	if (buf[0] && strtoll(buf, NULL, 10) > 0)
		p->speed_mbps = strtoll(buf, NULL, 10);
	read_line(ifname, "duplex", buf, sizeof buf);
	if (!strcmp(buf, "full") || !strcmp(buf, "half"))
		memcpy(p->duplex, buf, 5);
	p->rx_queues = count_queues(ifname, "rx-");
	p->tx_queues = count_queues(ifname, "tx-");
	p->numa_node = dp_device_numa_node(ifname);
	p->has_xdp_features = xdp_features(p->ifindex, &p->xdp_features) == 0;

	/* XDP: what is attached, and (when nothing is) which modes take a program */
	__u32 id = 0;
	if (!bpf_xdp_query_id(p->ifindex, 0, &id))
		p->attached_prog = id;
	int prog = tiny_prog(XDP_PASS);
	if (prog < 0) {
		snprintf(p->native_why, sizeof p->native_why, "cannot load a BPF program: %s (needs root, "
			 "or CAP_BPF and CAP_NET_ADMIN)", strerror(errno));
		snprintf(p->generic_why, sizeof p->generic_why, "%s", p->native_why);
		snprintf(p->live_why, sizeof p->live_why, "%s", p->native_why);
		return 0;
	}
	if (p->attached_prog) {
		snprintf(p->native_why, sizeof p->native_why, "not tried: program %u is attached", id);
		snprintf(p->generic_why, sizeof p->generic_why, "not tried: program %u is attached", id);
	} else {
		p->native = try_attach(p->ifindex, prog, XDP_FLAGS_DRV_MODE, p->native_why,
				       sizeof p->native_why);
		p->generic = try_attach(p->ifindex, prog, XDP_FLAGS_SKB_MODE, p->generic_why,
					sizeof p->generic_why);
	}
	close(prog);
	int drop = tiny_prog(XDP_DROP);
	if (drop >= 0) {
		p->live_frames = try_live_frames(drop, p->live_why, sizeof p->live_why);
		close(drop);
	}
	return 0;
}
