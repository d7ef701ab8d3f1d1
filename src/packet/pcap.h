/* pcap writer: classic libpcap files (magic 0xa1b2c3d4 = microsecond timestamps, version 2.4,
 * snaplen 65535, linktype 1 = Ethernet, host byte order), buffered.
 *
 * A regular file is written atomically: data goes to PATH.tmp-XXXXXX in the same directory,
 * renamed to PATH by xdperf_pcap_close() on success and removed on any failure or abort, so
 * a failed write never leaves a file that looks complete. A path naming an existing
 * non-regular file (a character device such as /dev/stdout or /dev/full, a FIFO) is written
 * directly.
 *
 * Errors return a negative errno and (where an err buffer is taken) a one-line message
 * naming the file, e.g. "cannot write out.pcap: No space left on device".
 */
#ifndef XDPERF_PACKET_PCAP_H
#define XDPERF_PACKET_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "packet/template.h"

#define XDPERF_PCAP_SNAPLEN 65535u
#define XDPERF_PCAP_DEFAULT_GAP_NS 1000u /* 1 µs between packets */
/* The last time a pcap file holds (its seconds are 32 bits): 2106-02-07 06:28:15.999999999 UTC, in
 * ns since the epoch */
#define XDPERF_PCAP_TIME_MAX (4294967295ull * 1000000000ull + 999999999ull)

struct xdperf_pcap;

/* Creates the output (temp file or device) and writes the file header.
 * Returns 0 and a new writer in *out (owned by the caller: finish it with exactly one of
 * xdperf_pcap_close() or xdperf_pcap_abort()), or a negative errno with a message in err. */
int xdperf_pcap_open(const char *path, struct xdperf_pcap **out, char *err, size_t errlen);

/* Appends one packet with timestamp ts_ns (nanoseconds since the epoch, stored as
 * seconds + microseconds). Frames longer than the snaplen are truncated (orig_len kept).
 * frame is borrowed. Returns 0 or a negative errno; the error is sticky: later writes fail
 * too and xdperf_pcap_close() reports it (with the file name) and removes the temp file. */
int xdperf_pcap_write(struct xdperf_pcap *p, const uint8_t *frame, uint32_t len,
		      uint64_t ts_ns);

/* stop (NULL: none; a signal handler's flag) ends a write blocked on a reader that takes
 * nothing once it is raised (the write and xdperf_pcap_close fail with -EINTR, saying so),
 * and close then commits without waiting for the disk. */
void xdperf_pcap_set_stop(struct xdperf_pcap *p, const volatile sig_atomic_t *stop);

/* Flushes, syncs and commits (renames the temp file to the path); always frees p.
 * Returns 0, or a negative errno with a message in err (then nothing is left at the path
 * that was not there before, and the temp file is removed). */
int xdperf_pcap_close(struct xdperf_pcap *p, char *err, size_t errlen);

/* Discards the output: closes and removes the temp file; frees p. NULL is a no-op. */
void xdperf_pcap_abort(struct xdperf_pcap *p);

/* Inter-packet gap in ns for a packet rate (0 = the default 1 µs), rounded down (at least 1). */
uint64_t xdperf_pcap_gap_for_rate(uint64_t rate_pps);

/* Writes `count` packets cycling through the set's templates (packet i is
 * xdperf_template_at(s, i)) with timestamps start_ns + i * gap_ns (gap_ns 0 = 1 µs), then
 * commits. s is borrowed. Returns 0 or a negative errno with a message in err (-ERANGE, nothing
 * written, when the last timestamp would be after XDPERF_PCAP_TIME_MAX). */
int xdperf_pcap_write_templates(const char *path, const struct xdperf_template_set *s,
				uint64_t count, uint64_t start_ns, uint64_t gap_ns, char *err,
				size_t errlen);

/* The same in a given send order, packet i stamped start_ns + i * gap_num / gap_den ns,
 * computed exactly (a fraction: e.g. 10^15 / 500000 for 0.5 packets per second given as
 * 500000 / 10^6, so a rate that does not divide 10^9 keeps its average): packet i is
 * s->t[order[i % order_len]] (order NULL: as above). Templates with modifiers or checksums
 * (t->fields) give each packet the field engine's values, as one sender thread sends them
 * (src/packet/field.h). When *stop becomes nonzero (a signal handler; stop may be NULL) the
 * packets written so far are committed as the file; *written (may be NULL) says how many.
 * count 0 with a stop: until *stop (or a write fails, or a timestamp would pass
 * XDPERF_PCAP_TIME_MAX: -ERANGE after committing what was written); count 0 without one: no
 * packets. progress (may be NULL) is called about once a second of writing with the packets
 * and frame bytes written so far; *bytes (may be NULL) gets their total. */
int xdperf_pcap_write_gap(const char *path, const struct xdperf_template_set *s,
			  const uint32_t *order, uint32_t order_len, uint64_t count, uint64_t start_ns,
			  uint64_t gap_num, uint64_t gap_den, const volatile sig_atomic_t *stop,
			  void (*progress)(void *ctx, uint64_t packets, uint64_t bytes), void *ctx,
			  uint64_t *written, uint64_t *bytes, char *err, size_t errlen);

/* start_ns + i * gap_num / gap_den exactly; false when after XDPERF_PCAP_TIME_MAX (or gap_den
 * is 0). */
bool xdperf_pcap_time_gap(uint64_t start_ns, uint64_t i, uint64_t gap_num, uint64_t gap_den,
			  uint64_t *ts_ns);

#endif
