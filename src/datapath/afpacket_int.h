/* Internals shared by the AF_PACKET backend's two send paths: sendmmsg (afpacket.c) and the
 * PACKET_TX_RING (afpacket_ring.c). */
#ifndef XDPERF_DATAPATH_AFPACKET_INT_H
#define XDPERF_DATAPATH_AFPACKET_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "datapath/backend.h"

struct afp {
	struct dp_backend b;
	int ifindex;
	char ifname[64];
	const struct dp_frames *f;
	struct iovec *iov;        /* one per template, pointing at the template frame */
	uint16_t max_len;         /* longest template */
	int use_ring;             /* workers send through a PACKET_TX_RING */
	_Atomic uint64_t packets, bytes, errors;
};

/* A packet socket bound to the device, qdisc bypassed, receiving nothing; fd or -errno. */
int afp_socket(struct afp *a, char *err, size_t errlen);

/* Waits briefly for room in the device queue (spins: failed attempts in a row); -ENETDOWN
 * once the device turns out to be down or without carrier, else 0. */
int afp_backoff(struct afp *a, int fd, unsigned spins);

/* Accounts r accepted frames starting at schedule position *pos (advanced past them). */
void afp_account(struct afp *a, uint32_t *pos, uint64_t r);

/* The TX ring worker: same contract as the backend's worker_open/send/worker_close. */
int afp_ring_open(struct afp *a, unsigned idx, void **w, char *err, size_t errlen);
int afp_ring_send(void *w, uint64_t n, char *err, size_t errlen);
void afp_ring_close(void *w);

#endif
