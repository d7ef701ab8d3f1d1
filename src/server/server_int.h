/* Internals of the server (server.c) shared with its control listener (control.c) and its
 * verifier (verifier.c). */
#ifndef XDPERF_SERVER_INT_H
#define XDPERF_SERVER_INT_H

#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include "server/rx.h"
#include "server/streams.h"
#include "xdperf/server.h"

struct srv_control;
struct srv_verifier;

struct xdperf_server {
	char ifname[IF_NAMESIZE + 1];
	struct xdperf_server_opts o;
	struct srv_rx *rx;
	pthread_mutex_t lock;          /* streams, baseline, rx polling */
	struct srv_streams *streams;
	struct xdperf_bpf_srv_cpu base; /* counters at the last reset */
	uint64_t t0_ns;                /* the last reset (or open), ns of rx->clock */
	uint64_t open_ns;              /* the open, ns of rx->clock */
	struct xdperf_bpf_srv_cpu open_base; /* counters at the open */
	pthread_t th;                  /* analysis: polls rx */
	atomic_bool quit;
	struct srv_control *control;
	struct srv_verifier *verifier;
};

/* Verifier (verifier.c): loads and initialises the plugin. 0 or -errno + message. */
int srv_verifier_start(const struct xdperf_server_opts *o, struct srv_verifier **out, char *err,
		       size_t errlen);
/* Queues a sample (copied); false when the queue is full. Any thread. */
bool srv_verifier_push(struct srv_verifier *v, const struct xdperf_bpf_srv_sample *s);
/* Its counters (valid, invalid, failed, first error) into r; reset zeroes them. */
void srv_verifier_report(struct srv_verifier *v, struct xdperf_server_report *r);
void srv_verifier_reset(struct srv_verifier *v);
void srv_verifier_stop(struct srv_verifier *v);

/* Control listener (control.c) on "HOST:PORT". 0 or -errno + message (-EADDRINUSE...). */
int srv_control_start(struct xdperf_server *s, const char *addr, struct srv_control **out,
		      char *err, size_t errlen);
void srv_control_stop(struct srv_control *c);

#endif
