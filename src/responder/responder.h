/* Internals of the protocol responder (include/xdperf/serve.h): listeners, workers and their
 * per-listener counters, shared by responder.c (lifecycle, event loop), listener.c (addresses,
 * sockets), udp.c (datagram batches) and tcp.c (length-prefixed connections). */
#ifndef XDPERF_RESPONDER_H
#define XDPERF_RESPONDER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "util/log.h"
#include "xdperf/serve.h"

#define RS_KEY_LEN 38       /* flow key: proto, peer addr[16] port[2], local addr[16] port[2] */
#define RS_UDP_MAX 65535    /* receive buffer per datagram */
#define RS_TCP_PAUSE (4u << 20) /* stop reading a connection with this much unsent output */

/* Counters of one listener in one worker: written by that worker only (rs_add), read by
 * xdperf_responder_stats with relaxed atomic loads. */
struct rs_counters {
	uint64_t requests, replies, empty, failed, send_errors, rx_bytes, tx_bytes;
	uint64_t connections, open_connections, framing_errors, refused, idle_closed;
};

#define rs_add(field, n) __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)

/* What an epoll event points at. */
enum rs_ev_kind { RS_EV_STOP, RS_EV_UDP, RS_EV_TCP_LISTEN, RS_EV_CONN };
struct rs_ev {
	enum rs_ev_kind kind;
	int fd;
	uint32_t li; /* listener index */
};

struct rs_listener {
	char url[80];
	char id[XDPERF_PROTO_ID_MAX];
	bool tcp, shared;
	struct sockaddr_storage addr; /* as bound (real port) */
	socklen_t addrlen;
	int *fds;                     /* one socket per worker */
};

struct rs_conn;

struct rs_worker {
	struct xdperf_responder *s;
	uint32_t idx;
	pthread_t thread;
	bool started;
	int epfd;
	int spare_fd;                 /* a descriptor kept free for refusing connections at EMFILE */
	struct rs_ev stop_ev;
	struct rs_ev *lev;            /* per listener */
	struct rs_counters *cnt;      /* per listener */
	struct xdperf_worker *w;
	/* UDP batch */
	struct mmsghdr *rx, *tx;
	struct iovec *riov, *tiov;
	struct sockaddr_storage *peers;
	uint8_t *rbuf;                /* batch * RS_UDP_MAX, mmap'd */
	uint8_t (*rctl)[64], (*tctl)[64];
	struct xdperf_proto_buf *outs;
	/* TCP connections */
	struct rs_conn *conns;
	uint64_t idle_swept_ms;       /* when the idle connections were last looked for */
	/* rate-limited log */
	struct xdperf_log_limit log_limit;
	char log_what[48];
	char err[256];
};

struct xdperf_responder {
	struct xdperf_registry *r;
	struct xdperf_responder_opts opts;
	struct rs_listener *ls;
	uint32_t nls;
	struct rs_worker *ws;
	int stopfd;                   /* eventfd in every worker's epoll set */
	bool started;
	atomic_bool stopped;          /* set first by xdperf_responder_stop: workers read no more */
	atomic_uint open_conns;       /* over all workers, against max_connections */
};

/* listener.c */
int rs_parse_url(const char *url, bool *tcp, struct sockaddr_storage *sa, socklen_t *salen,
		 char *err, size_t errlen);
/* A non-blocking socket bound to sa (TCP: listening), with SO_REUSEPORT when asked; UDP ones
 * report each datagram's local address. Errors name `name` and say what to do. Returns the fd
 * or a negative errno. */
int rs_open_socket(const struct sockaddr_storage *sa, socklen_t salen, bool tcp, bool reuseport, const char *name,
		   char *err, size_t errlen);
/* Binds one socket per worker for l (l->addr set from url; port 0 becomes the real one). */
int rs_bind(struct xdperf_responder *s, struct rs_listener *l, char *err, size_t errlen);
void rs_format_addr(const struct sockaddr *sa, char *buf, size_t len);
/* Flow key of (proto, peer, local). */
void rs_flow_key(uint8_t key[RS_KEY_LEN], int proto, const struct sockaddr *peer, const struct sockaddr *local);

/* responder.c */
void rs_log(struct rs_worker *wk, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Routes one message of listener li; 0 or a negative errno (logged and counted by the caller). */
int rs_call(struct rs_worker *wk, uint32_t li, const uint8_t key[RS_KEY_LEN], const uint8_t *in, size_t len,
	    struct xdperf_proto_buf *out);

/* udp.c */
int rs_udp_setup(struct rs_worker *wk);
void rs_udp_free(struct rs_worker *wk);
void rs_udp_ready(struct rs_worker *wk, uint32_t li, int fd);

/* tcp.c */
void rs_tcp_accept(struct rs_worker *wk, uint32_t li, int fd);
void rs_tcp_event(struct rs_worker *wk, struct rs_ev *ev, uint32_t events);
void rs_tcp_close_all(struct rs_worker *wk);
/* ms between idle sweeps, or -1 when connections never idle out (epoll_wait's timeout). */
int rs_tcp_sweep_interval(const struct xdperf_responder *s);
/* Closes the connections idle for idle_timeout_ms (counted, logged). */
void rs_tcp_sweep(struct rs_worker *wk, uint64_t now_ms);

#endif
