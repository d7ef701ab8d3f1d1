/* A capture's frames as a template set (pcap_set.c): a profile's pcap stream and
 * xdperf_templates_from_pcap (templates.h). */
#ifndef XDPERF_PACKET_PCAP_SET_H
#define XDPERF_PACKET_PCAP_SET_H

#include <stddef.h>

struct xdperf_template_set;
/* The frames of capture path (pcap or pcapng, at most 2048) as a template set, in capture
 * order. 0, or a negative errno with one line in err naming the file ("pcap ...: ..."). */
int xdperf_pcap_template_set(const char *path, struct xdperf_template_set **out, char *err,
			     size_t errlen);

#endif
