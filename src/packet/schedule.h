/* The send schedule: the order in which templates go out, as a cycle of template indexes
 * (shared by the device runs and the pcap writer).
 * Equal weights give plain rotation (0, 1, ..., n-1); unequal weights give a smooth
 * interleaving in which template i appears exactly w_i times per cycle (after reducing the
 * weights by their common divisor and, when the cycle would exceed max_len, scaling them
 * down proportionally). */
#ifndef XDPERF_PACKET_SCHEDULE_H
#define XDPERF_PACKET_SCHEDULE_H

#include <stdint.h>

/* weights: n entries (NULL = all equal), each > 0. On success *out is a malloc'd array of
 * *len (1..max_len) template indexes; returns 0 or -ENOMEM / -EINVAL. */
int xdperf_schedule_build(const uint64_t *weights, uint32_t n, uint32_t max_len, uint32_t **out,
			  uint32_t *len);

struct xdperf_template_set;

/* The weights a template set asks for, into w (s->n entries): the templates' rate_pps when
 * every template has one, else their IMIX weight when every template has one (see imix.h),
 * else their packet_count when every template has one and they are not all equal.
 * Returns 1 (rates), 2 (IMIX weights or counts), or 0 (plain rotation; w untouched). */
int xdperf_schedule_weights(const struct xdperf_template_set *s, uint64_t *w);

#endif
