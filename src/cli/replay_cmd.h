/* `xdperf --pcap FILE (-d IF | -o OUT.pcap) ...`: capture replay on the generator command. Its
 * options are in the generator's option table (src/cli/generate.c) with the codes below and
 * parsed here; the run is replay_main(). */
#ifndef XDPERF_CLI_REPLAY_CMD_H
#define XDPERF_CLI_REPLAY_CMD_H

#include <stdbool.h>
#include <stdint.h>

enum {
	REPLAY_OPT_PCAP = 1000,
	REPLAY_OPT_MULTIPLIER,
	REPLAY_OPT_TOPSPEED,
	REPLAY_OPT_LOOP,
	REPLAY_OPT_DMAC,
	REPLAY_OPT_SMAC,
	REPLAY_OPT_SRCIPMAP,
	REPLAY_OPT_DSTIPMAP,
	REPLAY_OPT_PORTMAP,
	REPLAY_OPT_SKIP_OVERSIZE,
	REPLAY_OPT_LAST = REPLAY_OPT_SKIP_OVERSIZE,
};

struct replay_args {
	const char *pcap;
	double multiplier;       /* 0 = not given */
	bool topspeed;
	uint64_t loops;          /* --loop N; 0 = forever (with loop_set) */
	bool loop_set;
	const char *dmac, *smac, *srcipmap, *dstipmap, *portmap;
	bool skip_oversize;
	const char *first;       /* the first replay option given (for messages) */
};

struct gen_args;

/* One replay option (code c) with its value; 0, or 2 after one line on stderr. */
int replay_parse_opt(struct replay_args *ra, int c, const char *optarg);

/* Runs the replay the generator's arguments ask for (a->replay.pcap, or replay options without
 * it: a usage error). Returns the exit status. */
int replay_main(struct gen_args *a);

#endif
