/* Capture file reader: classic pcap (either byte order, microsecond or nanosecond timestamps)
 * and pcapng (Section Header, Interface Description, Enhanced, Simple and the obsolete Packet
 * blocks; several interfaces each with its if_tsresol and if_tsoffset; several sections; every
 * other block skipped). Ethernet captures only: another link type is refused with one line
 * naming the file and the link type. Hostile input (truncated blocks, huge or inconsistent
 * lengths) ends with -EINVAL/-EIO and one line naming the frame number and file offset; a
 * length is never trusted for more than XDPERF_PCAP_READ_MAX bytes.
 *
 *   struct xdperf_pcap_reader *r;
 *   if (xdperf_pcap_reader_open("in.pcapng", &r, err, sizeof err) == 0) {
 *           const uint8_t *d; uint32_t cap, orig; uint64_t ts;
 *           while ((e = xdperf_pcap_reader_next(r, &d, &cap, &orig, &ts, err, sizeof err)) == 1)
 *                   ...;   // d valid until the next call
 *           xdperf_pcap_reader_close(r);
 *   }
 */
#ifndef XDPERF_PACKET_PCAP_READ_H
#define XDPERF_PACKET_PCAP_READ_H

#include <stddef.h>
#include <stdint.h>

/* The longest record (pcap) or block (pcapng) the reader takes: 16 MiB. */
#define XDPERF_PCAP_READ_MAX (16u << 20)

struct xdperf_pcap_reader;

/* Opens path and reads its file header (pcap) or first section header (pcapng). 0, or -errno
 * with one line in err naming the file (-ENOENT..., -EINVAL: not a capture file, -EPROTONOSUPPORT:
 * a pcap whose link type is not Ethernet). */
int xdperf_pcap_reader_open(const char *path, struct xdperf_pcap_reader **out, char *err,
			    size_t errlen);

/* The next frame: 1 with *data (valid until the next call), *caplen (bytes captured),
 * *origlen (bytes on the wire) and *ts_ns (ns since the epoch; pcapng Simple Packet Blocks,
 * which have none, get the previous frame's); 0 at the end of the file; -errno with one line
 * in err naming the file, the frame number (from 1) and the byte offset of its record
 * (truncated or corrupt file, a non-Ethernet pcapng interface, a read error). */
int xdperf_pcap_reader_next(struct xdperf_pcap_reader *r, const uint8_t **data, uint32_t *caplen,
			    uint32_t *origlen, uint64_t *ts_ns, char *err, size_t errlen);

/* Back to the first frame. 0 or -errno with one line in err. */
int xdperf_pcap_reader_rewind(struct xdperf_pcap_reader *r, char *err, size_t errlen);

/* "pcap" or "pcapng". */
const char *xdperf_pcap_reader_format(const struct xdperf_pcap_reader *r);

/* Closes the file and frees r (NULL: nothing). */
void xdperf_pcap_reader_close(struct xdperf_pcap_reader *r);

#endif
