/* Device and veth-peer information over rtnetlink (src/datapath/link.h). One RTM_GETLINK per
 * device; a peer in another namespace is asked for with IFLA_TARGET_NETNSID. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "datapath/link.h"
#include "util/clock.h"
#include "util/err.h"

struct req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[64];
};

static void add_attr(struct req *r, unsigned short type, const void *data, unsigned short len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* The parts of one RTM_NEWLINK this module reads. */
struct parsed {
	struct dp_link_dev d;
	int link;      /* IFLA_LINK (a veth's peer ifindex), 0 = none */
	int link_nsid; /* IFLA_LINK_NETNSID, -1 = the same namespace */
};

static void parse_nested(struct rtattr *nest, struct parsed *p)
{
	int len = (int)RTA_PAYLOAD(nest);
	for (struct rtattr *a = RTA_DATA(nest); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (nest->rta_type == IFLA_LINKINFO && a->rta_type == IFLA_INFO_KIND) {
			size_t n = RTA_PAYLOAD(a) < sizeof p->d.kind - 1 ? RTA_PAYLOAD(a)
									 : sizeof p->d.kind - 1;
			memcpy(p->d.kind, RTA_DATA(a), n);
			p->d.kind[n] = '\0';
		} else if (nest->rta_type == IFLA_XDP && a->rta_type == IFLA_XDP_ATTACHED) {
			p->d.xdp = *(unsigned char *)RTA_DATA(a) != XDP_ATTACHED_NONE;
		}
	}
}

static void parse_link(struct nlmsghdr *nh, struct parsed *p)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	memset(p, 0, sizeof *p);
	p->link_nsid = -1;
	p->d.ifindex = ifi->ifi_index;
	p->d.up = (ifi->ifi_flags & IFF_UP) != 0;
	p->d.carrier = (ifi->ifi_flags & IFF_RUNNING) != 0;
	int len = (int)IFLA_PAYLOAD(nh);
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(p->d.name, sizeof p->d.name, "%.*s", (int)RTA_PAYLOAD(a),
				 (const char *)RTA_DATA(a));
			break;
		case IFLA_MTU:
			memcpy(&p->d.mtu, RTA_DATA(a), sizeof p->d.mtu);
			break;
		case IFLA_CARRIER:
			p->d.carrier = *(unsigned char *)RTA_DATA(a) != 0;
			break;
		case IFLA_LINK:
			memcpy(&p->link, RTA_DATA(a), sizeof p->link);
			break;
		case IFLA_LINK_NETNSID:
			memcpy(&p->link_nsid, RTA_DATA(a), sizeof p->link_nsid);
			break;
		case IFLA_LINKINFO:
		case IFLA_XDP:
			parse_nested(a, p);
			break;
		default:
			break;
		}
	}
	/* a device that is not up has no carrier to speak of */
	p->d.carrier = p->d.carrier && p->d.up;
}

/* RTM_GETLINK for ifindex (in the namespace nsid, or ours when nsid < 0). 0, or -errno. */
static int get_link(int fd, int ifindex, int nsid, struct parsed *p)
{
	static unsigned seq;
	struct req r;
	memset(&r, 0, sizeof r);
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof r.ifi);
	r.nh.nlmsg_type = RTM_GETLINK;
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.nh.nlmsg_seq = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	if (nsid >= 0) {
		int v = nsid;
		add_attr(&r, IFLA_TARGET_NETNSID, &v, sizeof v);
	}
	unsigned mask = RTEXT_FILTER_SKIP_STATS;
	add_attr(&r, IFLA_EXT_MASK, &mask, sizeof mask);
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	if (sendto(fd, &r, r.nh.nlmsg_len, 0, (struct sockaddr *)&to, sizeof to) < 0)
		return -errno;
	/* long enough for one link message with its attributes (stats skipped) */
	static __thread char buf[32768];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		int left = (int)n;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, left);
		     nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_seq != r.nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);
				return e->error ? e->error : -ENODEV;
			}
			if (nh->nlmsg_type == RTM_NEWLINK) {
				parse_link(nh, p);
				return 0;
			}
		}
	}
}

int dp_link_query(int ifindex, struct dp_link *l, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		int e = -errno;
		xdperf_errf(err, errlen, "cannot open a netlink socket: %s", strerror(-e));
		return e;
	}
	struct timeval tv = { 1, 0 }; /* the kernel answers at once; never wait forever */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_nl self = { .nl_family = AF_NETLINK };
	struct parsed p;
	int e = bind(fd, (struct sockaddr *)&self, sizeof self) ? -errno : 0;
	if (!e)
		e = get_link(fd, ifindex, -1, &p);
	if (e) {
		close(fd);
		if (e == -ENODEV)
			xdperf_errf(err, errlen, "interface %d no longer exists", ifindex);
		else
			xdperf_errf(err, errlen, "reading interface %d over netlink: %s", ifindex,
				    strerror(-e));
		return e;
	}
	l->dev = p.d;
	l->is_veth = !strcmp(p.d.kind, "veth");
	if (l->is_veth && p.link > 0) {
		struct parsed q;
		if (get_link(fd, p.link, p.link_nsid, &q) == 0) {
			l->peer = q.d;
			l->peer_known = true;
			l->peer_other_ns = p.link_nsid >= 0;
		}
	}
	close(fd);
	return 0;
}

int dp_link_query_settled(int ifindex, struct dp_link *l, char *err, size_t errlen)
{
	double end = xdperf_mono() + DP_LINK_SETTLE_S;
	for (;;) {
		int e = dp_link_query(ifindex, l, err, errlen);
		if (e || (l->dev.up && l->dev.carrier) || xdperf_mono() >= end)
			return e;
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
}

int dp_link_check_frames(const struct dp_link *l, const uint8_t *const *frame,
			 const uint16_t *len, uint32_t n, char *err, size_t errlen)
{
	for (uint32_t t = 0; t < n; t++) {
		bool vlan = dp_frame_vlan(frame[t], len[t]);
		const char *tag = vlan ? " with its VLAN tag" : "";
		unsigned own = dp_link_max_frame(l->dev.mtu, vlan);
		if (l->dev.mtu && len[t] > own) {
			xdperf_errf(err, errlen, "template %u: %u bytes do not fit the MTU of %s (%u: "
				    "frames up to %u bytes%s); lower the frame size or raise the MTU",
				    t, len[t], l->dev.name, l->dev.mtu, own, tag);
			return -EMSGSIZE;
		}
		unsigned peer = dp_link_max_frame(l->peer.mtu, vlan);
		if (l->peer_known && l->peer.mtu && len[t] > peer) {
			xdperf_errf(err, errlen, "template %u: %u bytes do not fit the MTU of %s, the "
				    "veth peer of %s (%u: frames up to %u bytes%s); lower the frame "
				    "size or raise the peer's MTU",
				    t, len[t], l->peer.name, l->dev.name, l->peer.mtu, peer, tag);
			return -EMSGSIZE;
		}
	}
	return 0;
}

void dp_link_why(const struct dp_link *l, bool xdp, char *buf, size_t len)
{
	const char *dev = l->dev.name;
	if (!l->dev.up)
		snprintf(buf, len, "%s is down", dev);
	else if (l->is_veth && l->peer_known && !l->peer.up)
		snprintf(buf, len, "%s has no carrier: its peer %s is down", dev, l->peer.name);
	else if (!l->dev.carrier)
		snprintf(buf, len, "%s has no carrier (link down)", dev);
	else if (xdp && l->is_veth && l->peer_known && !l->peer.xdp)
		snprintf(buf, len, "%s, the peer of %s, has no XDP program (a veth takes XDP frames "
			 "only when its peer has one, or GRO on)", l->peer.name, dev);
	else
		snprintf(buf, len, "%s", "");
}

int dp_link_hold(struct dp_hold *h, int ifindex, const char *ifname, const struct dp_link *l,
		 double now, char *notice, size_t nlen, char *err, size_t errlen)
{
	if (notice && nlen)
		notice[0] = '\0';
	bool holding = atomic_load(h->hold) != 0;
	if (l->dev.up && l->dev.carrier) {
		if (holding) {
			double d = now - h->since;
			h->held += d;
			atomic_store(h->hold, 0);
			xdperf_errf(notice, nlen, "%s has its carrier again after %.1f s; sending again",
				    ifname, d);
		}
		return 0;
	}
	struct dp_link cur = *l;
	if (!holding) {
		h->since = now;
		atomic_store(h->hold, 1);
		/* a device being removed is down for a moment first: report its removal, not that */
		int e = dp_link_query_settled(ifindex, &cur, NULL, 0);
		if (e == -ENODEV) {
			xdperf_errf(err, errlen, "%s no longer exists (it was removed during the run)",
				    ifname);
			return -ENODEV;
		}
		if (e || (cur.dev.up && cur.dev.carrier)) {
			/* back at once (or unreadable): no notice, the time held still counts */
			h->held += xdperf_mono() - now;
			atomic_store(h->hold, 0);
			return 0;
		}
	}
	char why[400];
	dp_link_why(&cur, false, why, sizeof why);
	if (!holding) {
		xdperf_errf(notice, nlen, "%s; waiting up to %.1f s for it (--stall-timeout)", why,
			    h->stall_timeout);
	} else if (now - h->since >= h->stall_timeout) {
		xdperf_errf(err, errlen, "%s for %.1f s (--stall-timeout)", why, h->stall_timeout);
		return -ENETDOWN;
	}
	return 0;
}
