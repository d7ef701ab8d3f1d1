/* XDP receive counter: attaches src/bpf/xdperf_rx.bpf.c to a device (through a bpf_link, so it
 * goes away with the process) and reads the frames and bytes it has seen. Used by
 * `xdperf count`, the tests and the benchmarks on the receiving end of a link. */
#ifndef XDPERF_DATAPATH_RXCOUNT_H
#define XDPERF_DATAPATH_RXCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_rxcount;

/* Attaches the counter to ifindex (named ifname in messages). pass: hand the frames on to the
 * stack after counting (else drop them). 0, or -errno with one line in err. */
int dp_rxcount_open(int ifindex, const char *ifname, bool pass, struct dp_rxcount **out,
		    char *err, size_t errlen);

/* Frames and bytes counted so far (summed over all CPUs). 0 or -errno. */
int dp_rxcount_read(struct dp_rxcount *c, uint64_t *packets, uint64_t *bytes);

/* Detaches and frees (NULL is fine). */
void dp_rxcount_close(struct dp_rxcount *c);

#endif
