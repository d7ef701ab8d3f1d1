/* Layouts shared by the BPF programs (src/bpf/xdperf_NAME.bpf.c) and their loaders
 * (src/datapath/). Plain fixed-width types only: this header is compiled for both targets. */
#ifndef XDPERF_BPF_SHARED_H
#define XDPERF_BPF_SHARED_H

#define XDPERF_BPF_TMPL_MAX 2048     /* templates in the map */
#define XDPERF_BPF_SLOT 2048         /* bytes per template frame */
#define XDPERF_BPF_SCHED_MAX 65536   /* entries of the send schedule */
#define XDPERF_BPF_META_LEN 8        /* page tag kept in the XDP metadata area */
#define XDPERF_BPF_WIN_MAX 1024      /* largest partial (window) copy */

/* One template frame (value of the `templates` array map). */
struct xdperf_bpf_tmpl {
	__u32 len;               /* frame bytes, 1..XDPERF_BPF_SLOT */
	__u32 pad;
	__u8 data[XDPERF_BPF_SLOT];
};

/* The differing bytes of one template in small-window mode (value of the `windows` map). */
#define XDPERF_BPF_WWORDS 8
struct xdperf_bpf_win {
	__u64 w[XDPERF_BPF_WWORDS];
};

/* Per-CPU transmit state and counters (value of the per-CPU `tx_cpu` array, one entry). */
struct xdperf_bpf_tx_cpu {
	__u64 packets;   /* frames returned as XDP_TX */
	__u64 bytes;     /* their frame bytes */
	__u64 copies;    /* frames whose page needed a full template copy */
	__u64 patches;   /* frames whose page needed only the differing window */
	__u64 drops;     /* frames the device refused (xdp_devmap_xmit drops, this process) */
	__u64 xmit_err;  /* failed device transmit calls (xdp_devmap_xmit with an error) */
	__u64 redirect_err; /* frames the kernel could not hand to the device (xdp_redirect_err) */
	__u64 aborted;   /* frames the program gave up on (XDP_ABORTED; not sent) */
	__u32 pos;       /* next schedule position */
	__u32 pad;
};

/* Per-CPU receive counters (value of the per-CPU `rx_cpu` array, one entry). */
struct xdperf_bpf_rx_cpu {
	__u64 packets;
	__u64 bytes;
};

#endif
