/* xdperf command line: dispatches subcommands. */
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"
#include "util/distance.h"
#if __has_include("paths_gen.h")
#include "paths_gen.h" /* PREFIX's, written by the build */
#endif
#ifndef XDPERF_DOCDIR
#define XDPERF_DOCDIR "/usr/local/share/doc/xdperf"
#endif
#include "xdperf/version.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf --plugin NAME|FILE.wasm --output FILE.pcap [--count N] [options]\n"
		"       xdperf --version                                 the version (-V)\n"
		"       xdperf help [COMMAND]                            a command's options\n"
		"       (xdperf --plugin x --help lists the generator options)\n"
		"       xdperf <command> ...\n"
		"  xdperf wasm run FILE.wasm [--invoke NAME [ARGS...]]   run a WASI command or call an export\n"
		"  xdperf wasm spectest FILE.json...                     run wast2json spec test scripts\n"
		"  xdperf plugin list [--json]                           the plugins in the path: ABI, description, keys\n"
		"  xdperf plugin inspect NAME|FILE.wasm                  imports, exports, memory, ABI, configuration\n"
		"  xdperf plugin run NAME|FILE.wasm [--cfg FILE] [--count N] [--json]\n"
		"                                                        call a plugin once, decode its templates\n"
		"  xdperf plugin new NAME [-o DIR]                       start a plugin project (builds with one make)\n"
		"  xdperf probe -d IF [--json]                          driver, queues, speed, NUMA, XDP modes, CPUs\n"
		"  xdperf count -d IF [--pass] [--duration SEC] [--json] count the frames IF receives (XDP)\n"
		"  xdperf --server -d IF [--port N] [--stamp] [--control HOST:PORT] [--duration SEC] ...\n"
		"                                                        receive and measure: rate, loss, latency\n"
		"  xdperf run PROFILE.yaml [-d IF] [--server-addr HOST:PORT] [--json] ...\n"
		"                                                        send several streams at once (a profile)\n"
		"  xdperf ndr -d IF --server-addr HOST:PORT [--sizes LIST] [--loss FRACTION] ...\n"
		"                                                        RFC 2544 throughput: the highest rate without loss\n"
		"  xdperf protocol check FILE.wasm...                    check protocol modules (ABI, imports)\n"
		"  xdperf protocol call FILE.wasm [--input TEXT] [...]   send a protocol module a message\n"
		"  xdperf keygen [-o PREFIX]                             create PREFIX.key and PREFIX.pub (ed25519)\n"
		"  xdperf sign [-k KEYFILE] FILE.wasm...                 write FILE.wasm.sig for each module\n"
		"  xdperf verify --trust-dir DIR FILE.wasm...            check modules' signatures against DIR/*.pub\n"
		"  xdperf serve --listen udp://ADDR:PORT --protocol ID=FILE.wasm@VERSION [--admin ADDR:PORT] ...\n"
		"                                                        answer UDP/TCP messages with protocol modules\n"
		"  xdperf ctl [--admin HOST:PORT] list|upload|test|traffic|promote|rollback|unload|metrics ...\n"
		"                                                        drive a running xdperf serve (admin API)\n"
		"Results go to stdout, statistics and logs to stderr; --json prints one summary object and\n"
		"--json-stream one object per second then the summary (generator, --server, count, serve).\n"
		"More: man xdperf, man xdperf-COMMAND, " XDPERF_DOCDIR "/README.md.\n");
}

static const char *const commands[] = { "wasm", "probe", "count", "plugin", "protocol", "keygen",
					 "sign", "verify", "serve", "ctl", "ndr", "run", "help" };
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void wasm_usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf wasm run FILE.wasm [--invoke NAME [ARGS...]] [-- GUEST_ARGS...]\n"
		"       xdperf wasm spectest [--verbose] FILE.json...\n"
		"  run       run a WASI command, or call one export (xdperf wasm run --help)\n"
		"  spectest  run wast2json spec test scripts (xdperf wasm spectest --help)\n");
}

int main(int argc, char **argv);

/* `xdperf help [COMMAND [SUBCOMMAND]]`: the command's own --help. */
static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	char *args[5] = { "xdperf", argv[1], NULL, NULL, NULL };
	int n = 2;
	if (!strcmp(argv[1], "server") || !strcmp(argv[1], "--server")) {
		args[1] = "--server";
	} else if (!strcmp(argv[1], "generate") || !strcmp(argv[1], "generator")) {
		args[1] = "--plugin";
		args[n++] = "x";
	} else if (argc >= 3 && (!strcmp(argv[1], "wasm") || !strcmp(argv[1], "plugin") ||
				 !strcmp(argv[1], "protocol"))) {
		args[n++] = argv[2];
	}
	args[n++] = "--help";
	return main(n, args);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("xdperf %s\n", xdperf_version_full());
		return 0;
	}
	if (argv[1][0] == '-') {
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--server"))
				return cmd_server(argc, argv);
		return cmd_generate(argc, argv);
	}
	if (!strcmp(argv[1], "wasm")) {
		if (argc >= 3 && !strcmp(argv[2], "spectest"))
			return cmd_wasm_spectest(argc - 2, argv + 2);
		if (argc >= 3 && !strcmp(argv[2], "run"))
			return cmd_wasm_run(argc - 2, argv + 2);
		if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
			wasm_usage(stdout);
			return 0;
		}
		if (argc < 3)
			fprintf(stderr, "xdperf wasm: give a subcommand: run or spectest (xdperf wasm --help)\n");
		else
			fprintf(stderr, "xdperf wasm: unknown subcommand '%s' (expected run or spectest)\n", argv[2]);
		return 2;
	}
	if (!strcmp(argv[1], "help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "probe"))
		return cmd_probe(argc - 1, argv + 1);
	if (!strcmp(argv[1], "count"))
		return cmd_count(argc - 1, argv + 1);
	if (!strcmp(argv[1], "plugin"))
		return cmd_plugin(argc - 1, argv + 1);
	if (!strcmp(argv[1], "protocol"))
		return cmd_protocol(argc - 1, argv + 1);
	if (!strcmp(argv[1], "keygen"))
		return cmd_keygen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sign"))
		return cmd_sign(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return cmd_ctl(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ndr"))
		return cmd_ndr(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	const char *best = xdperf_closest(argv[1], commands, NCOMMANDS, 2);
	if (!best && xdperf_edit_distance(argv[1], "server") <= 2)
		best = "--server";
	if (best)
		fprintf(stderr, "xdperf: unknown command '%s' (did you mean '%s'? xdperf --help lists the "
				"commands)\n", argv[1], best);
	else
		fprintf(stderr, "xdperf: unknown command '%s' (xdperf --help lists the commands)\n", argv[1]);
	return 2;
}
