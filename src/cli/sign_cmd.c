/* `xdperf keygen`, `xdperf sign` and `xdperf verify`: ed25519 keys and signatures of protocol
 * modules for the hot-load trust store (include/xdperf/hotload.h). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "util/file.h"
#include "xdperf/hotload.h"

#define MODULE_MAX (256u << 20)

static void keygen_usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf keygen [-o PREFIX]\n"
		"  Creates an ed25519 key pair for signing protocol modules: PREFIX.key (secret, mode 0600)\n"
		"  and PREFIX.pub (public). Existing files are never overwritten.\n"
		"  -o, --output PREFIX   path prefix of the two files (default xdperf)\n");
}

static void sign_usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf sign [-k KEYFILE] FILE.wasm...\n"
		"  Signs each module with the secret key and writes FILE.wasm.sig next to it.\n"
		"  -k, --key KEYFILE     secret key file from xdperf keygen (default xdperf.key)\n");
}

static void verify_usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf verify --trust-dir DIR FILE.wasm...\n"
		"  Checks each module's signature (FILE.wasm.sig) against the public keys (*.pub) in DIR.\n"
		"  Exit 0: every module is signed by a trusted key and unmodified; 1: otherwise.\n"
		"  -t, --trust-dir DIR   directory of trusted public keys\n");
}

/* Common option loop: one option with a value (short letter `opt`); returns -1 to go on, or
 * an exit status. */
static int parse(const char *cmd, int argc, char **argv, const struct option *opts, const char *shortopts,
		 void (*usage)(FILE *), const char **value)
{
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shortopts, opts, NULL);
		if (c == -1)
			return -1;
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "xdperf %s: option %s needs a value\n", cmd, argv[optind - 1]);
			return 2;
		case '?':
			cli_unknown_option(cmd, argv[optind - 1], opts, NULL);
			return 2;
		default:
			*value = optarg;
		}
	}
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *prefix = "xdperf";
	int rc = parse("keygen", argc, argv, opts, ":o:h", keygen_usage, &prefix);
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		fprintf(stderr, "xdperf keygen: unexpected argument '%s' (the prefix is given with -o)\n", argv[optind]);
		return 2;
	}
	char err[512], id[17];
	if (xdperf_keygen(prefix, id, err, sizeof err)) {
		fprintf(stderr, "xdperf keygen: %s\n", err);
		return 1;
	}
	printf("created %s.key (secret key, mode 0600: keep it private)\n"
	       "created %s.pub (public key)\n"
	       "key id %s\n"
	       "copy %s.pub into the trust directory of each xdperf that should accept modules signed with it\n",
	       prefix, prefix, id, prefix);
	return 0;
}

/* The key id in a signature file written by xdperf_sign_file. */
static void sig_key_id(const char *sig_path, char id[17])
{
	uint8_t *text;
	size_t len;
	strcpy(id, "?");
	if (xdperf_read_file(sig_path, 4096, &text, &len))
		return;
	const char *p = strchr((const char *)text, ' ');
	if (p && strlen(p + 1) > 16 && p[17] == ' ') {
		memcpy(id, p + 1, 16);
		id[16] = 0;
	}
	free(text);
}

int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *key = "xdperf.key";
	int rc = parse("sign", argc, argv, opts, ":k:h", sign_usage, &key);
	if (rc >= 0)
		return rc;
	if (optind >= argc) {
		fprintf(stderr, "xdperf sign: no module given (xdperf sign [-k KEYFILE] FILE.wasm...)\n");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		char err[512], sig[4096], id[17];
		if ((size_t)snprintf(sig, sizeof sig, "%s.sig", argv[i]) >= sizeof sig) {
			fprintf(stderr, "xdperf sign: path %s is too long\n", argv[i]);
			return 1;
		}
		if (xdperf_sign_file(key, argv[i], sig, err, sizeof err)) {
			fprintf(stderr, "xdperf sign: %s\n", err);
			return 1;
		}
		sig_key_id(sig, id);
		printf("signed %s -> %s (key %s)\n", argv[i], sig, id);
		fflush(stdout);
	}
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust-dir", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = NULL;
	int rc = parse("verify", argc, argv, opts, ":t:h", verify_usage, &dir);
	if (rc >= 0)
		return rc;
	if (!dir) {
		fprintf(stderr, "xdperf verify: --trust-dir DIR is required\n");
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "xdperf verify: no module given (xdperf verify --trust-dir DIR FILE.wasm...)\n");
		return 2;
	}
	char err[512];
	struct xdperf_trust *t;
	if (xdperf_trust_open(dir, &t, err, sizeof err)) {
		fprintf(stderr, "xdperf verify: %s\n", err);
		return 1;
	}
	if (xdperf_trust_warning(t))
		fprintf(stderr, "xdperf verify: warning: %s\n", xdperf_trust_warning(t));
	int status = 0;
	for (int i = optind; i < argc; i++) {
		const char *path = argv[i];
		uint8_t *wasm = NULL, *sig = NULL;
		size_t len = 0, siglen = 0;
		char sig_path[4096], id[17];
		rc = xdperf_read_file(path, MODULE_MAX, &wasm, &len);
		if (rc) {
			fprintf(stderr, "xdperf verify: cannot read %s: %s\n", path,
				rc == -EFBIG ? "larger than 256 MiB" : xdperf_file_strerror(rc));
			status = 1;
			continue;
		}
		if ((size_t)snprintf(sig_path, sizeof sig_path, "%s.sig", path) >= sizeof sig_path) {
			fprintf(stderr, "xdperf verify: path %s is too long\n", path);
			free(wasm);
			status = 1;
			continue;
		}
		rc = xdperf_read_file(sig_path, 1u << 20, &sig, &siglen);
		if (rc && rc != -ENOENT) {
			fprintf(stderr, "xdperf verify: cannot read %s: %s\n", sig_path,
				rc == -EFBIG ? "larger than 1 MiB" : xdperf_file_strerror(rc));
			free(wasm);
			status = 1;
			continue;
		}
		rc = xdperf_trust_verify(t, wasm, len, (const char *)sig, siglen, id, err, sizeof err);
		if (rc) {
			if (rc == -ENODATA)
				fprintf(stderr, "xdperf verify: %s: %s (no %s; sign it with xdperf sign)\n", path, err, sig_path);
			else
				fprintf(stderr, "xdperf verify: %s: %s\n", path, err);
			status = 1;
		} else {
			printf("%s: OK, signed by key %s\n", path, id);
			fflush(stdout); /* keep the order of OK and error lines */
		}
		free(wasm);
		free(sig);
	}
	xdperf_trust_free(t);
	return status;
}
