/* Layouts shared by the BPF programs (src/bpf/xdperf_NAME.bpf.c) and their loaders
 * (src/datapath/). Plain fixed-width types only: this header is compiled for both targets. */
#ifndef XDPERF_BPF_SHARED_H
#define XDPERF_BPF_SHARED_H

#define XDPERF_BPF_TMPL_MAX 2048     /* templates in the map */
#define XDPERF_BPF_SLOT 4096         /* bytes per template frame: a live frame is a 4 KiB page
				      * with headroom and skb_shared_info, so it holds less */
#define XDPERF_BPF_SCHED_MAX 65536   /* entries of the send schedule */
#define XDPERF_BPF_META_LEN 8        /* page tag kept in the XDP metadata area */
#define XDPERF_BPF_WIN_MAX 1024      /* largest partial (window) copy */

/* Template sets live in two banks so a new set can be loaded while frames go out (hot
 * swap): entry b * XDPERF_BPF_TMPL_MAX + t of the per-template maps (and
 * b * XDPERF_BPF_SCHED_MAX + i of the schedule) belongs to bank b = gen & 1. */
#define XDPERF_BPF_BANKS 2

#define XDPERF_BPF_KEEP_MAX 16   /* templates of a set that keeps pages (keep_cnt) */
#define XDPERF_BPF_KEEP_BLOCK 64 /* longest page-keeping block: the most schedule cycles in it */

/* How to send one bank's templates (value of the `banks` array map). */
struct xdperf_bpf_bank {
	__u32 sched_len;  /* entries of the schedule in use; 1 = template 0 only */
	__u32 single;     /* one template, already in every page (the run's first bank only) */
	__u32 win_on;     /* all templates: same length, equal outside [win_off, +win_len) */
	__u32 win_off;
	__u32 win_len;
	__u32 win_words;  /* small window: all templates have base_len bytes and differ only in
			   * 8 * win_words bytes at win_at (`windows` map); 0 = off */
	__u32 win_at;
	__u32 base_len;
	__u32 fe_on;      /* some template has a field engine (`fe` map) */
	__u32 stamp_on;   /* every frame gets a measurement trailer (`stamp` map) */
	/* Page keeping (unordered sets of at most XDPERF_BPF_KEEP_MAX templates whose pages
	 * need more than a small-window patch, e.g. IMIX): the schedule is sent in blocks of
	 * whole cycles, at most keep_k frames, keep_cnt[t] frames of template t per cycle;
	 * within a block a page that holds a template still due goes out as it is. 0 = off. */
	__u32 keep_k;
	__u16 keep_cnt[XDPERF_BPF_KEEP_MAX];
};

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

/* Per-CPU transmit state and counters (value of the per-CPU `tx_cpu` array, one entry).
 *
 * Which frames the device refused: the kernel queues XDP_TX frames per CPU and device (at
 * most 16, DEV_MAP_BULK_SIZE) and hands them to the driver in order; the driver takes a
 * prefix and the rest are dropped (xdp:xdp_devmap_xmit says how many were sent and how many
 * dropped). So the program records every frame it returns as XDP_TX in `hist` (head counts
 * them), the xdp_devmap_xmit counter walks the same frames in the same order (tail), and the
 * dropped ones are known exactly: their template is charged and they go on the `redo` queue,
 * which the program empties before taking the next frame of the schedule, so a refused frame
 * is sent again as itself (same template, same stamp sequence number). A frame the kernel
 * refuses before queueing it (xdp:xdp_redirect_err, right after the program returned it) is
 * the last one recorded. */
#define XDPERF_BPF_HIST 64       /* frames recorded, > 16 queued + the one being queued */
#define XDPERF_BPF_REDO 64       /* refused frames waiting to be sent again */
/* A frame record: template | length << 16 | generation << 32 (the set it came from). */
#define XDPERF_BPF_REC(t, len, gen) ((__u64)(t) | (__u64)(len) << 16 | (__u64)(gen) << 32)
#define XDPERF_BPF_REC_TMPL(r) ((__u32)(r) & 0xffff)
#define XDPERF_BPF_REC_LEN(r) ((__u32)((r) >> 16) & 0xffff)
#define XDPERF_BPF_REC_GEN(r) ((__u32)((r) >> 32))
struct xdperf_bpf_tx_cpu {
	__u64 packets;   /* frames returned as XDP_TX (refused ones included) */
	__u64 bytes;     /* their frame bytes */
	__u64 copies;    /* frames whose page needed a full template copy */
	__u64 patches;   /* frames whose page needed only the differing window */
	__u64 drops;     /* frames the device refused (xdp_devmap_xmit drops, this process) */
	__u64 xmit_err;  /* failed device transmit calls (xdp_devmap_xmit with an error) */
	__u64 redirect_err; /* frames the kernel could not hand to the device (xdp_redirect_err) */
	__u64 aborted;   /* frames the program gave up on (XDP_ABORTED; not sent) */
	__u64 refused_bytes; /* frame bytes of the refused (drops + redirect_err) frames */
	__u64 redone;    /* refused frames sent again as themselves */
	__u64 redo_lost; /* refused frames not sent again as themselves (queue full, or a hot
			  * swap came first): the next frame of the schedule replaced them */
	__u32 pos;       /* next schedule position */
	__u32 last_refused; /* template | len << 16 of the frame the device last stopped at (the
			     * first refused of its batch), 0 = none yet */
	/* One template in every page and no stamps (the run's first set): every frame is the
	 * same, so none is recorded in `tx_hist` nor counted in `tmpl_cnt` (the fast path). Such
	 * frames come before any recorded one in the device queue; they are template 0's. */
	__u32 anon;      /* of them, queued and not yet taken or dropped */
	__u32 anon_len;  /* their length */
	__u32 last_anon; /* the frame returned last was one of them */
	__u32 clk_j;     /* stamp clock: frames stamped since the last clock read */
	__u64 clk_gen;   /* the BPF_PROG_RUN call (call_gen) of the last clock read */
	__u64 clk_ns;    /* that read (CLOCK_TAI) */
	__u64 clk_gap;   /* the fastest per-frame time seen over a block in that call, 0 = none */
	__u32 worker1;   /* stamps: 1 + the sender thread on this CPU (`cpu_worker`), 0 = not
			  * looked up yet */
	/* page keeping (struct xdperf_bpf_bank keep_k): the block being sent */
	__u32 keep_left; /* its frames not yet taken, 0 = none (the schedule is followed) */
	__u32 keep_gen;  /* the set (gen) it belongs to */
	__u16 keep_r[XDPERF_BPF_KEEP_MAX]; /* its frames not yet taken, per template */
};
/* Stamps read the clock once every XDPERF_BPF_CLK_BLOCK frames (and at the start of every
 * BPF_PROG_RUN call); the frames between get that read plus their place in the block times
 * clk_gap. */
#define XDPERF_BPF_CLK_BLOCK 16

/* The frame records and the redo queue (value of the per-CPU `tx_hist` array, one entry;
 * apart from `tx_cpu` so that reading the counters stays cheap). */
struct xdperf_bpf_tx_hist {
	__u32 head, tail;           /* hist: frames recorded / frames taken or dropped */
	__u32 redo_head, redo_tail; /* redo: pushed / popped */
	__u64 hist[XDPERF_BPF_HIST];     /* XDPERF_BPF_REC records */
	__u64 hist_seq[XDPERF_BPF_HIST]; /* their stamp sequence numbers (written with stamps on) */
	__u64 redo[XDPERF_BPF_REDO];
	__u64 redo_seq[XDPERF_BPF_REDO];
};

/* Per-CPU, per-template counters (value of the per-CPU `tmpl_cnt` array, by template index:
 * the streams of the stamps). Accepted = packets - refused. Template 0 also has the frames of
 * the fast path: `tx_cpu` packets (bytes) less the sum of these packets (bytes). */
struct xdperf_bpf_tmpl_cnt {
	__u64 packets;   /* frames returned as XDP_TX */
	__u64 bytes;
	__u64 refused;   /* of those, refused by the device */
	__u64 refused_bytes;
	__u64 seq;       /* stamps: the next sequence number of this template's stream (the
			  * sender thread on this CPU) */
};

/* The field engine of one template (value of the `fe` array map; built by
 * src/packet/field.c, which also applies it in user space for AF_PACKET and pcap output). */
#define XDPERF_BPF_FE_MODS 8
#define XDPERF_BPF_FE_CSUMS 4
#define XDPERF_BPF_FE_RANDOM 1     /* mod flag: x = a random number below n, else a walk */
#define XDPERF_BPF_FE_LE 2         /* mod flag: the field is stored little endian */
#define XDPERF_BPF_FE_ODD 4        /* mod flag: odd offset within the checksummed words */
#define XDPERF_BPF_FE_NONZERO 1    /* csum flag: a result of 0 is sent as 0xffff (UDP) */
#define XDPERF_BPF_FE_CHAIN 0x10   /* csum flag << e: covers the field of csum e (e < this one) */
#define XDPERF_BPF_FE_CHAIN_ODD 0x100 /* csum flag << e: ... at an odd offset of its words */
struct xdperf_bpf_fe_mod {
	__u16 off;       /* field offset in the frame */
	__u8 len;        /* 1, 2, 4 or 8 */
	__u8 flags;      /* XDPERF_BPF_FE_* */
	__u8 csums;      /* bit c: csum[c] covers this field */
	__u8 pad[3];
	__u64 base;      /* value = base + mul * x (mod 2^64) */
	__u64 mul;
	__u64 n;         /* number of values x takes (0 = 2^64) */
	__u64 k;         /* walk: x advances by k per packet on one CPU (k < n) ... */
	__u64 thr;       /* ... wrapping by n: x >= thr ? x - thr : x + k (thr = n - k) */
};
struct xdperf_bpf_fe_csum {
	__u16 off;       /* offset of the 16-bit checksum field */
	__u16 flags;     /* XDPERF_BPF_FE_NONZERO, XDPERF_BPF_FE_CHAIN(_ODD) << e */
	__u32 acc;       /* ~template checksum + sum of ~(template field sums) it covers */
};
struct xdperf_bpf_fe {
	__u32 nmods;     /* 0 = no field engine for this template */
	__u32 ncsums;
	__u32 walks;     /* 1: every modifier a walk of a 2- or 4-byte big-endian field at an even
			  * offset, kept by at most the first two checksums, none covering another's
			  * field (the XDP program's shorter path); set with the rest by field.c */
	__u32 pad;
	struct xdperf_bpf_fe_mod mod[XDPERF_BPF_FE_MODS];
	struct xdperf_bpf_fe_csum csum[XDPERF_BPF_FE_CSUMS];
};
/* Per-CPU walk position or random state of each modifier (per-CPU `fe_state` array). */
struct xdperf_bpf_fe_state {
	__u64 s[XDPERF_BPF_FE_MODS];
};

/* Measurement stamps (src/bpf/xdperf_stamp.h has the trailer and its arithmetic): where the
 * trailer of one template lies (value of the `stamp` array map, keyed like `templates`). */
#define XDPERF_BPF_ST_CSUM 1   /* the UDP checksum at csum_off is in use: keep it right */
#define XDPERF_BPF_ST_ODD 2    /* the trailer starts at an odd offset of the checksummed words */
#define XDPERF_BPF_ST_OFF 4    /* this template is not stamped (a multi-stream run's stream
				* without stamps): sent as it is */
#define XDPERF_BPF_ST_FE_CSUM 8 /* the template's field engine writes the checksum at csum_off
				 * afresh (from the template's, whose trailer is zero): the
				 * trailer a reused page still holds does not count in it */
#define XDPERF_BPF_ST_TMPL_CK 16 /* nothing but the trailer changes the template's bytes (no
				  * field engine): the checksum is tmpl_ck moved by the new
				  * trailer's share, whatever the page holds */
struct xdperf_bpf_stamp {
	__u16 off;       /* trailer offset in the frame (its last XDPERF_STAMP_LEN bytes of UDP
			  * payload) */
	__u16 csum_off;  /* UDP checksum offset */
	__u16 flags;     /* XDPERF_BPF_ST_* */
	__u16 tmpl_ck;   /* XDPERF_BPF_ST_TMPL_CK: the template's UDP checksum (as read, big
			  * endian bytes in host order; its trailer is zero) */
};
#define XDPERF_BPF_CPUS_MAX 1024 /* entries of `cpu_worker`: the sender thread on each CPU */

/* Ordered sets (a multi-stream run): the runner gives each send call the exact templates to
 * send, in order, in the sender thread's entry of the `tx_list` array (by worker index). The
 * program takes entry pos of it for every frame that is not a refused one sent again. The
 * map is memory-mapped: the sender thread writes its entry before each BPF_PROG_RUN. */
#define XDPERF_BPF_LIST_MAX 16384 /* a multiple of 2: entries stay 8-byte aligned */
struct xdperf_bpf_list {
	__u32 len;  /* entries given for this call */
	__u32 pos;  /* next entry */
	__u32 t[XDPERF_BPF_LIST_MAX];
};

/* Per-CPU receive counters (value of the per-CPU `rx_cpu` array, one entry). */
struct xdperf_bpf_rx_cpu {
	__u64 packets;
	__u64 bytes;
};

/* Server mode (src/bpf/xdperf_srv.bpf.c): per-CPU counters (one entry). */
struct xdperf_bpf_srv_cpu {
	__u64 packets;     /* frames counted (UDP to the port, or every frame without a port) */
	__u64 bytes;       /* their frame bytes */
	__u64 passed;      /* frames not matching the port, handed to the stack untouched */
	__u64 stamped;     /* counted frames with a valid trailer, queued for analysis */
	__u64 unstamped;   /* counted frames without one (stamp checking on) */
	__u64 ring_full;   /* stamped frames the analysis ring had no room for */
	__u64 sampled;     /* frames copied to the verifier ring */
	__u64 sample_full; /* samples the verifier ring had no room for */
	__u64 nth;         /* frames since the last sample (per CPU) */
	/* CLOCK_MONOTONIC (bpf_ktime_get_ns) of the first counted frame at or after the program's
	 * reset_ns (0 = none yet), with its frame bytes, and of the last counted frame */
	__u64 first_ns;
	__u64 first_len;
	__u64 last_ns;
	__u64 reflected;     /* counted frames turned around and sent back (XDP_TX) */
	__u64 not_reflected; /* counted frames that are not IP, passed on instead */
	__u64 reflect_failed; /* frames turned around that the device could not send (counted
			       * from xdp:xdp_exception; included in reflected) */
};
#define XDPERF_BPF_REFLECT_ADDRS 1 /* swap Ethernet and IP addresses */
#define XDPERF_BPF_REFLECT_PORTS 2 /* ... and UDP/TCP ports */

/* One stamped frame, as the server program hands it to user space (an entry of the
 * `stamp_recs` array: CPU c's ring of records). */
struct xdperf_bpf_srv_rec {
	__u32 run;         /* the generator run (0: a version 1 trailer, no run) */
	__u32 stream;
	__u64 seq;
	__u64 tx_ns;       /* the sender's CLOCK_TAI at stamping */
	__u64 rx_ns;       /* the receiver's CLOCK_TAI at XDP */
};

/* The positions of CPU c's stamp ring (entry c of the `stamp_pos` array): one writer (the
 * program on that CPU) and one reader (user space), each position on its own cache line.
 * Record number i lives in entry c << ring_shift | (i & (ring_len - 1)) of `stamp_recs`; the
 * ring holds head - tail records (at most ring_len). */
struct xdperf_bpf_srv_pos {
	__u64 head;        /* records written, ever: published after the record */
	__u64 pad0[7];
	__u64 tail;        /* records read, ever: published after the reader is done with them */
	__u64 pad1[7];
};

/* One sampled frame for the verifier plugin (the `samples` ring). */
#define XDPERF_BPF_SAMPLE_MAX 2048
struct xdperf_bpf_srv_sample {
	__u32 len;         /* frame bytes (data holds the first min(len, XDPERF_BPF_SAMPLE_MAX)) */
	__u32 stamped;     /* 1 when run/seq/stream come from a valid trailer */
	__u32 stream;
	__u32 run;
	__u64 seq;
	__u64 rx_ns;
	__u8 data[XDPERF_BPF_SAMPLE_MAX];
};

#endif
