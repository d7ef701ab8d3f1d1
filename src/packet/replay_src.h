/* The frames a capture replay sends, in order (src/datapath/replay.c sends them on a device,
 * src/packet/replay_pcap.c writes them to a file): the capture's frames pass after pass,
 * rewritten (src/packet/rewrite.h), frames too long or too short left out and counted (or
 * refused), each with the time it is due from the run's start (original timing / multiplier,
 * a fixed rate, or at once) and a mark on the last frame of every pass. */
#ifndef XDPERF_PACKET_REPLAY_SRC_H
#define XDPERF_PACKET_REPLAY_SRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "packet/pcap_read.h"
#include "packet/rewrite.h"

enum replay_timing { REPLAY_ORIGINAL, REPLAY_RATE, REPLAY_TOPSPEED };

struct replay_src_cfg {
	const char *ifname;        /* the device limits apply to (for messages), or NULL */
	unsigned mtu;              /* frames must fit max_frame(mtu) (0: no MTU limit) */
	unsigned peer_mtu;         /* and the veth peer's (0: none) */
	uint32_t slot_max;         /* the backend's longest frame (0: no limit) */
	bool skip_oversize;        /* skip frames over a limit instead of failing */
	enum replay_timing timing;
	double multiplier;         /* REPLAY_ORIGINAL: > 0 */
	double rate;               /* REPLAY_RATE: frames per second */
	uint64_t loops;            /* passes (>= 1) ... */
	bool forever;              /* ... or no end */
	uint64_t count;            /* frames emitted in all; 0 = no limit */
	const struct xdperf_rewrite *rw; /* NULL: none */
};

struct replay_frame {
	const uint8_t *data;       /* valid until the next replay_src_next() */
	uint32_t len;
	int64_t due_ns;            /* from the run's start (the first pass's first frame) */
	uint64_t ts_ns;            /* the capture's own time of the frame */
	uint64_t number;           /* in its pass, from 1 */
	bool last_of_pass;
};

struct replay_src {
	struct replay_src_cfg c;
	struct xdperf_pcap_reader *rd;
	const char *path;
	/* counters (per pass times passes read so far) */
	uint64_t frames_per_pass;  /* frames read in the first pass, skipped ones included */
	uint64_t emitted, skipped_oversize, skipped_slot, skipped_runt, rewritten;
	uint64_t passes_done;      /* passes read to their end */
	/* the first skipped frame of each kind (number and length; 0 = none) */
	uint64_t first_over_no, first_slot_no, first_runt_no;
	uint32_t first_over_len, first_slot_len, first_runt_len;
	uint32_t max_len;          /* the longest frame emitted */
	/* internal */
	uint64_t pass, number;     /* current pass (from 0), frame number in it */
	uint64_t ts0;              /* the pass's first frame time */
	int64_t pass_base, last_due; /* ns */
	uint64_t emitted_pass;     /* frames emitted in the current pass */
	bool have_next, ended;
	uint8_t *buf[2];           /* returned frame, looked-ahead frame */
	size_t cap[2];
	struct replay_frame next;
	int cur;                   /* buf[cur] holds the frame returned last */
};

/* Opens path for a source; 0 or -errno with one line in err. */
int replay_src_open(struct replay_src *s, const char *path, const struct replay_src_cfg *c,
		    char *err, size_t errlen);

/* 1 with *f, 0 at the end (loops done, count reached), -errno with one line in err: a corrupt
 * capture, a frame captured short (-EINVAL), a frame too long without skip_oversize
 * (-EMSGSIZE), naming the frame. */
int replay_src_next(struct replay_src *s, struct replay_frame *f, char *err, size_t errlen);

void replay_src_close(struct replay_src *s);

/* The longest frame a device with this MTU takes (VLAN-tagged frames: 4 more). */
uint32_t replay_max_frame(unsigned mtu, bool vlan);

#endif
