/* Responder listeners: "udp://ADDR:PORT" / "tcp://ADDR:PORT" parsing, one SO_REUSEPORT socket per
 * worker bound to the same address, address text and the 5-tuple flow key. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "responder/responder.h"
#include "util/err.h"

int rs_parse_url(const char *url, bool *tcp, struct sockaddr_storage *sa, socklen_t *salen,
		 char *err, size_t errlen)
{
	const char *rest;
	if (!strncmp(url, "udp://", 6)) {
		*tcp = false;
	} else if (!strncmp(url, "tcp://", 6)) {
		*tcp = true;
	} else {
		xdperf_errf(err, errlen, "listen address '%s': want udp://ADDR:PORT or tcp://ADDR:PORT", url);
		return -EINVAL;
	}
	rest = url + 6;
	char host[64];
	const char *colon;
	if (*rest == '[') {
		const char *close = strchr(rest, ']');
		if (!close || close[1] != ':' || (size_t)(close - rest - 1) >= sizeof host) {
			xdperf_errf(err, errlen, "listen address '%s': an IPv6 address is written [ADDR]:PORT", url);
			return -EINVAL;
		}
		memcpy(host, rest + 1, close - rest - 1);
		host[close - rest - 1] = 0;
		colon = close + 1;
	} else {
		colon = strrchr(rest, ':');
		if (!colon || (size_t)(colon - rest) >= sizeof host) {
			xdperf_errf(err, errlen, "listen address '%s': missing :PORT", url);
			return -EINVAL;
		}
		memcpy(host, rest, colon - rest);
		host[colon - rest] = 0;
	}
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535) {
		xdperf_errf(err, errlen, "listen address '%s': port '%s' is not a number 0..65535", url, colon + 1);
		return -EINVAL;
	}
	memset(sa, 0, sizeof *sa);
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*salen = sizeof *s4;
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*salen = sizeof *s6;
	} else {
		xdperf_errf(err, errlen, "listen address '%s': '%s' is not an IPv4 or [IPv6] address", url, host);
		return -EINVAL;
	}
	return 0;
}

void rs_format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
}

/* Address bytes (IPv4 as v4-mapped IPv6) and port of sa. */
static void addr_bytes(const struct sockaddr *sa, uint8_t a[16], uint8_t p[2])
{
	memset(a, 0, 16);
	memset(p, 0, 2);
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &s4->sin_addr, 4);
		memcpy(p, &s4->sin_port, 2);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		memcpy(a, &s6->sin6_addr, 16);
		memcpy(p, &s6->sin6_port, 2);
	}
}

void rs_flow_key(uint8_t key[RS_KEY_LEN], int proto, const struct sockaddr *peer, const struct sockaddr *local)
{
	key[0] = (uint8_t)proto;
	key[1] = 0;
	addr_bytes(peer, key + 2, key + 18);
	addr_bytes(local, key + 20, key + 36);
}

int rs_open_socket(const struct sockaddr_storage *sa, socklen_t salen, bool tcp, bool reuseport, const char *name,
		   char *err, size_t errlen)
{
	int fam = sa->ss_family;
	int fd = socket(fam, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		xdperf_errf(err, errlen, "%s: socket: %s", name, strerror(e));
		return -e;
	}
	int one = 1;
	if (tcp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one)) {
		int e = errno;
		xdperf_errf(err, errlen, "%s: SO_REUSEPORT: %s", name, strerror(e));
		close(fd);
		return -e;
	}
	if (!tcp) {
		/* The local address of each datagram: part of the flow key, and the source of the answer. */
		if (fam == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
		int buf = 4 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	}
	if (bind(fd, (const struct sockaddr *)sa, salen)) {
		int e = errno;
		if (e == EADDRINUSE)
			xdperf_errf(err, errlen, "%s: address already in use (another process listens there)", name);
		else if (e == EACCES)
			xdperf_errf(err, errlen, "%s: permission denied (ports below 1024 need root or "
				    "CAP_NET_BIND_SERVICE)", name);
		else if (e == EADDRNOTAVAIL)
			xdperf_errf(err, errlen, "%s: no local interface has this address", name);
		else
			xdperf_errf(err, errlen, "%s: bind: %s", name, strerror(e));
		close(fd);
		return -e;
	}
	if (tcp && listen(fd, 1024)) {
		int e = errno;
		xdperf_errf(err, errlen, "%s: listen: %s", name, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

/* A free port is first taken without SO_REUSEPORT, so that a port another process holds (even one
 * using SO_REUSEPORT itself) is reported as taken; the workers' sockets then share it. */
int rs_bind(struct xdperf_responder *s, struct rs_listener *l, char *err, size_t errlen)
{
	uint32_t n = s->opts.workers;
	for (uint32_t i = 0; i < n; i++)
		l->fds[i] = -1;
	int probe = rs_open_socket(&l->addr, l->addrlen, l->tcp, false, l->url, err, errlen);
	if (probe < 0)
		return probe;
	socklen_t len = sizeof l->addr;
	getsockname(probe, (struct sockaddr *)&l->addr, &len);
	close(probe);
	for (uint32_t i = 0; i < n; i++) {
		int fd = rs_open_socket(&l->addr, l->addrlen, l->tcp, true, l->url, err, errlen);
		if (fd < 0) {
			for (uint32_t j = 0; j < i; j++)
				close(l->fds[j]);
			return fd;
		}
		l->fds[i] = fd;
	}
	char a[72];
	rs_format_addr((struct sockaddr *)&l->addr, a, sizeof a);
	snprintf(l->url, sizeof l->url, "%s://%s", l->tcp ? "tcp" : "udp", a);
	return 0;
}
