/* What a device offers a run (`xdperf probe -d IF`): driver, queues, MTU, link speed, NUMA
 * node, the XDP features the driver declares (netdev netlink), which XDP attach modes work
 * (tried with a program that passes every frame, only when none is attached) and whether the
 * kernel runs live XDP frames. Reads only; nothing is sent. */
#ifndef XDPERF_DATAPATH_PROBE_H
#define XDPERF_DATAPATH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_probe {
	char ifname[16];
	int ifindex;
	char driver[33], version[33], bus[33], firmware[33]; /* ETHTOOL_GDRVINFO ("" = unknown) */
	char mac[18];
	char operstate[16];           /* /sys/class/net/IF/operstate */
	int mtu;
	int64_t speed_mbps;           /* -1 = unknown */
	char duplex[8];               /* "full", "half" or "" */
	unsigned rx_queues, tx_queues; /* the kernel's queues (/sys/class/net/IF/queues) */
	int channels_combined, channels_rx, channels_tx; /* ETHTOOL_GCHANNELS current; -1 = n/a */
	int channels_max_combined;
	int numa_node;                /* -1 = none */
	bool has_xdp_features;        /* the netdev family answered */
	uint64_t xdp_features;        /* NETDEV_XDP_ACT_* bits */
	uint32_t attached_prog;       /* an XDP program already attached: its id (0 = none) */
	int native, generic;          /* attach mode tried: 1 works, 0 refused, -1 not tried */
	char native_why[96], generic_why[96];
	int live_frames;              /* BPF_PROG_RUN live frames: 1 works, 0 no, -1 not tried */
	char live_why[96];
};

/* NETDEV_XDP_ACT_* (include/uapi/linux/netdev.h) */
#define DP_XDP_BASIC 1u
#define DP_XDP_REDIRECT 2u
#define DP_XDP_NDO_XMIT 4u
#define DP_XDP_XSK_ZEROCOPY 8u
#define DP_XDP_HW_OFFLOAD 16u
#define DP_XDP_RX_SG 32u
#define DP_XDP_NDO_XMIT_SG 64u

/* Fills *p for ifname. 0, or -ENODEV / -EINVAL with one line in err. */
int dp_probe(const char *ifname, struct dp_probe *p, char *err, size_t errlen);

#endif
