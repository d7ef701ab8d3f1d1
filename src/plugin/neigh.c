/* Neighbour resolution over rtnetlink (src/plugin/neigh.h): a dump of the family's neighbour
 * table filtered by device and address; on a miss, RTM_NEWNEIGH with NTF_USE makes the kernel
 * resolve the address (ARP or neighbour discovery), or a datagram does when that is refused. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "plugin/neigh.h"
#include "util/err.h"

/* States in which the entry's link-layer address is usable. */
#define USABLE (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)

struct target {
	int family;         /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned alen;      /* 4 or 16 */
	int ifindex;
};

struct nreq {
	struct nlmsghdr nh;
	struct ndmsg nd;
	char attrs[32];
};

void xdperf_mac_text(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct timeval tv = { .tv_sec = 1 }; /* the kernel answers at once; never wait longer */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* One neighbour message: 1 and mac when it is t's usable entry, -1 when it is t's failed
 * entry, else 0. */
static int match(const struct nlmsghdr *nh, const struct target *t, uint8_t mac[6])
{
	const struct ndmsg *nd = NLMSG_DATA(nh);
	if (nh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_family != t->family || nd->ndm_ifindex != t->ifindex)
		return 0;
	int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof *nd));
	const uint8_t *lladdr = NULL;
	bool dst = false;
	for (const struct rtattr *a = (const struct rtattr *)((const char *)nd + NLMSG_ALIGN(sizeof *nd));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == t->alen && !memcmp(RTA_DATA(a), t->addr, t->alen))
			dst = true;
		else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
			lladdr = RTA_DATA(a);
	}
	if (!dst)
		return 0;
	if ((nd->ndm_state & USABLE) && lladdr) {
		memcpy(mac, lladdr, 6);
		return 1;
	}
	return nd->ndm_state & NUD_FAILED ? -1 : 0;
}

/* Dumps the family's neighbour table: 1 (found), 0 (not usable yet), -1 (failed) or -errno. */
static int lookup(int fd, const struct target *t, uint8_t mac[6])
{
	struct nreq r;
	memset(&r, 0, sizeof r);
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof r.nd);
	r.nh.nlmsg_type = RTM_GETNEIGH;
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r.nh.nlmsg_seq = (uint32_t)time(NULL);
	r.nd.ndm_family = (uint8_t)t->family;
	if (send(fd, &r, r.nh.nlmsg_len, 0) < 0)
		return -errno;
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	int found = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0)
			return errno == EINTR ? -EINTR : -errno;
		int len = (int)n;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return found;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);
				return e->error ? e->error : found;
			}
			int m = match(nh, t, mac);
			if (m && found != 1)
				found = m;
		}
	}
}

/* Asks the kernel to resolve t (NTF_USE: it creates the entry and sends the request). */
static int kernel_use(int fd, const struct target *t)
{
	struct nreq r;
	memset(&r, 0, sizeof r);
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof r.nd);
	r.nh.nlmsg_type = RTM_NEWNEIGH;
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
	r.nd.ndm_family = (uint8_t)t->family;
	r.nd.ndm_ifindex = t->ifindex;
	r.nd.ndm_state = NUD_NONE;
	r.nd.ndm_flags = NTF_USE;
	struct rtattr *a = (struct rtattr *)((char *)&r + NLMSG_ALIGN(r.nh.nlmsg_len));
	a->rta_type = NDA_DST;
	a->rta_len = (unsigned short)RTA_LENGTH(t->alen);
	memcpy(RTA_DATA(a), t->addr, t->alen);
	r.nh.nlmsg_len = NLMSG_ALIGN(r.nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
	if (send(fd, &r, r.nh.nlmsg_len, 0) < 0)
		return -errno;
	char buf[1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	if (n < 0)
		return -errno;
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	if (NLMSG_OK(nh, (int)n) && nh->nlmsg_type == NLMSG_ERROR)
		return ((const struct nlmsgerr *)NLMSG_DATA(nh))->error;
	return 0;
}

/* The unprivileged way: a datagram to the discard port makes the kernel resolve the next hop. */
static void datagram(const struct target *t, const char *ifname)
{
	int s = socket(t->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t sl;
	if (t->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(9);
		memcpy(&in->sin_addr, t->addr, 4);
		sl = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(9);
		memcpy(&in6->sin6_addr, t->addr, 16);
		in6->sin6_scope_id = (uint32_t)t->ifindex;
		sl = sizeof *in6;
	}
	(void)sendto(s, "", 0, MSG_DONTWAIT, (struct sockaddr *)&ss, sl);
	close(s);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int xdperf_neigh_resolve(const char *ip, const char *ifname, uint8_t mac[6], const volatile sig_atomic_t *stop,
		     char *err, size_t errlen)
{
	struct target t;
	memset(&t, 0, sizeof t);
	if (inet_pton(AF_INET, ip, t.addr) == 1) {
		t.family = AF_INET;
		t.alen = 4;
	} else if (inet_pton(AF_INET6, ip, t.addr) == 1) {
		t.family = AF_INET6;
		t.alen = 16;
	} else {
		xdperf_errf(err, errlen, "neighbour '%s': not an IPv4 or IPv6 address", ip);
		return -EINVAL;
	}
	if (!(t.ifindex = (int)if_nametoindex(ifname))) {
		xdperf_errf(err, errlen, "neighbour %s: no device '%s'", ip, ifname);
		return -ENODEV;
	}
	int fd = nl_open();
	if (fd < 0) {
		xdperf_errf(err, errlen, "neighbour %s on %s: rtnetlink: %s", ip, ifname, strerror(-fd));
		return fd;
	}
	int rc = lookup(fd, &t, mac);
	if (rc == 0 || rc == -1) {
		if (kernel_use(fd, &t))
			datagram(&t, ifname);
		rc = 0;
		for (int i = 0; i < XDPERF_NEIGH_TRIES && rc != 1 && !(stop && *stop); i++) {
			sleep_ms(XDPERF_NEIGH_WAIT_MS);
			rc = lookup(fd, &t, mac);
		}
	}
	close(fd);
	if (rc < -1) {
		xdperf_errf(err, errlen, "neighbour %s on %s: rtnetlink: %s", ip, ifname, strerror(-rc));
		return rc;
	}
	if (rc != 1)
		xdperf_errf(err, errlen, "neighbour %s on %s: not resolved", ip, ifname);
	return rc == 1;
}
