/* `xdperf plugin new NAME [-o DIR]`: writes a small generator plugin project to build out of the
 * xdperf tree: DIR/NAME.c (a plugin on the C SDK that sends one UDP frame, its addresses, ports
 * and payload text from config keys), DIR/Makefile (three lines around the SDK's make fragment
 * xdperf-plugin.mk; XDPERF_SDK=PATH picks another SDK) and DIR/README.md (build and run). DIR
 * (default ./NAME) must not exist or be empty: nothing is overwritten. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/plugin_common.h"

#define NAME_MAX_LEN 64

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf plugin new NAME [-o DIR]\n"
		"  write a generator plugin project to build out of the xdperf tree into DIR (default\n"
		"  ./NAME, which must not exist or be empty):\n"
		"    NAME.c      a plugin on the C SDK (xdperf_plugin.h) that sends one UDP frame, with\n"
		"                the config keys src_ip, dst_ip, src_port, dst_port, dst_mac and message\n"
		"    Makefile    `make` builds NAME.wasm with the SDK of this xdperf (xdperf-plugin.mk);\n"
		"                `make XDPERF_SDK=PATH` with another one (e.g. a source tree's sdk/)\n"
		"    README.md   how to build and run it\n"
		"  NAME: a-z, 0-9, '_' and '-', at most 64 characters\n"
		"  -o, --output DIR           the project directory (created with its parents)\n");
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* -1 (errno set) when it cannot be read, else whether the directory holds anything. */
static int dir_has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int any = 0;
	while (!any && (e = readdir(d)))
		any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return any;
}

/* mkdir -p; 0 or -errno. */
static int make_dirs(const char *path)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int exists_file(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* The SDK the project's Makefile uses by default: the one installed next to this binary
 * (BIN/../share/xdperf/sdk, also a moved or DESTDIR-staged tree), else the source tree's when
 * this is build/xdperf (BIN/../sdk), else PREFIX's (which may not be installed yet: *found 0). */
static void find_sdk(char *out, size_t len, int *found)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64], real[PATH_MAX];
	*found = 1;
	if (exe_dir(exe)) {
		static const char *const rel[] = { "../share/xdperf/sdk", "../sdk" };
		for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
			snprintf(cand, sizeof cand, "%s/%s/xdperf-plugin.mk", exe, rel[i]);
			if (exists_file(cand)) {
				snprintf(cand, sizeof cand, "%s/%s", exe, rel[i]);
				if (!realpath(cand, real))
					snprintf(real, sizeof real, "%.*s", PATH_MAX - 1, cand);
				snprintf(out, len, "%s", real);
				return;
			}
		}
	}
	snprintf(out, len, "%s/sdk", XDPERF_DATADIR);
	snprintf(cand, sizeof cand, "%s/xdperf-plugin.mk", out);
	*found = exists_file(cand);
}

/* ---- the templates (@NAME@ and @SDK@ are replaced) -------------------------------------------- */

static const char tmpl_c[] =
	"/* @NAME@: an xdperf generator plugin (started with `xdperf plugin new @NAME@`).\n"
	" *\n"
	" * It sends one UDP frame (IPv4) whose payload is a text message. Its config keys (a JSON\n"
	" * object, xdperf --cfg FILE; all optional) are declared below with XDP_PLUGIN_CONFIG:\n"
	" * xdperf plugin inspect shows them and xdperf refuses a key not declared there (\"did you\n"
	" * mean\") or a value of the wrong type before the plugin runs. Keep the declaration and the\n"
	" * lookups in xdp_generate() in step when you add a key.\n"
	" * The source MAC is the sending device's (zeros when writing a pcap file).\n"
	" *\n"
	" * The SDK (xdperf_plugin.h) provides the exported plugin ABI: it parses the request (the\n"
	" * config merged with \"count\" and the device's MAC), calls xdp_generate() and sends the host\n"
	" * the templates it added. Each template is a base packet the host sends packet_count times\n"
	" * (the run's count by default); xdp_tmpl_modify() makes fields change per packet.\n"
	" */\n"
	"#include <string.h>\n"
	"\n"
	"#include \"xdperf_plugin.h\"\n"
	"\n"
	"#define MESSAGE_MAX 1024\n"
	"\n"
	"XDP_PLUGIN_CONFIG({\n"
	"\t\"description\": \"@NAME@: one IPv4/UDP frame carrying a text message\",\n"
	"\t\"keys\": {\n"
	"\t\t\"src_ip\": {\"type\": \"ipv4\", \"default\": \"10.0.0.1\", \"description\": \"source address\"},\n"
	"\t\t\"dst_ip\": {\"type\": \"ipv4\", \"default\": \"10.0.0.2\", \"description\": \"destination address\"},\n"
	"\t\t\"src_port\": {\"type\": \"integer\", \"default\": 12345, \"min\": 0, \"max\": 65535,\n"
	"\t\t\t     \"description\": \"UDP source port\"},\n"
	"\t\t\"dst_port\": {\"type\": \"integer\", \"default\": 9, \"min\": 0, \"max\": 65535,\n"
	"\t\t\t     \"description\": \"UDP destination port\"},\n"
	"\t\t\"dst_mac\": {\"type\": \"mac\", \"default\": \"02:00:00:00:00:02\", \"description\": \"destination MAC\"},\n"
	"\t\t\"message\": {\"type\": \"string\", \"default\": \"hello from @NAME@\",\n"
	"\t\t\t    \"description\": \"the UDP payload, 1-1024 bytes\"},\n"
	"\t\t\"*\": false\n"
	"\t}\n"
	"});\n"
	"\n"
	"int xdp_generate(const xdp_request *req, xdp_response *resp)\n"
	"{\n"
	"\tstatic const uint8_t def_dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };\n"
	"\txdp_l2 l2 = { .vlan_id = -1 }; /* untagged */\n"
	"\txdp_l3 l3 = { .version = 4, .ttl = 64 };\n"
	"\tuint64_t sport, dport;\n"
	"\tchar msg[MESSAGE_MAX + 1];\n"
	"\tint rc;\n"
	"\n"
	"\t/* each lookup: the request's key, else the config's, else the default; a wrong value is\n"
	"\t * logged with its key and ends the run (XDP_ERR_INVALID_CONFIG) */\n"
	"\tif ((rc = xdp_req_ipv4(req, \"src_ip\", \"10.0.0.1\", l3.src)) ||\n"
	"\t    (rc = xdp_req_ipv4(req, \"dst_ip\", \"10.0.0.2\", l3.dst)) ||\n"
	"\t    (rc = xdp_req_range(req, \"src_port\", 12345, 0, 65535, &sport)) ||\n"
	"\t    (rc = xdp_req_range(req, \"dst_port\", 9, 0, 65535, &dport)) ||\n"
	"\t    (rc = xdp_req_mac(req, \"dst_mac\", def_dst_mac, l2.dst)) ||\n"
	"\t    (rc = xdp_req_string(req, \"message\", \"hello from @NAME@\", msg, sizeof msg)))\n"
	"\t\treturn rc;\n"
	"\tsize_t n = strlen(msg);\n"
	"\tif (n == 0) {\n"
	"\t\txdp_log(XDP_LOG_ERROR, \"@NAME@: message: must not be empty\");\n"
	"\t\treturn XDP_ERR_INVALID_CONFIG;\n"
	"\t}\n"
	"\tmemcpy(l2.src, req->device_mac, 6);\n"
	"\n"
	"\t/* Ethernet + IPv4 + UDP + the message, every checksum filled */\n"
	"\tuint8_t frame[XDP_ETH_HLEN + XDP_IPV4_HLEN + XDP_UDP_HLEN + MESSAGE_MAX];\n"
	"\tint len = xdp_build_udp(frame, sizeof frame, &l2, &l3, (uint16_t)sport, (uint16_t)dport,\n"
	"\t\t\t\t(const uint8_t *)msg, n);\n"
	"\tif (len < 0)\n"
	"\t\treturn XDP_ERR_GENERATE;\n"
	"\txdp_template *t = xdp_resp_add(resp, frame, (size_t)len);\n"
	"\tif (!t)\n"
	"\t\treturn XDP_ERR_NOMEM;\n"
	"\txdp_tmpl_tag(t, \"@NAME@\");\n"
	"\txdp_log(XDP_LOG_DEBUG, \"@NAME@: one %d-byte frame\", len);\n"
	"\treturn 0;\n"
	"}\n";

static const char tmpl_make[] =
	"# Builds @NAME@.wasm with the xdperf plugin SDK (its make fragment, xdperf-plugin.mk).\n"
	"# Another SDK, e.g. an xdperf source tree's: make XDPERF_SDK=/path/to/xdperf/sdk\n"
	"XDPERF_SDK ?= @SDK@\n"
	"PLUGIN = @NAME@\n"
	"include $(XDPERF_SDK)/xdperf-plugin.mk\n";

static const char tmpl_readme[] =
	"# @NAME@\n"
	"\n"
	"An xdperf generator plugin (WebAssembly, written in C on the xdperf plugin SDK): it sends one\n"
	"UDP frame whose payload is a text message. `@NAME@.c` lists its config keys.\n"
	"\n"
	"## Build\n"
	"\n"
	"    make                                  # @NAME@.wasm, with the SDK in @SDK@\n"
	"    make XDPERF_SDK=/path/to/xdperf/sdk   # with another SDK (e.g. an xdperf source tree's sdk/)\n"
	"    make PLUGIN_STRIP=0                   # keep debug info and function names\n"
	"\n"
	"It needs clang with the wasm32-wasi target (Debian: `clang lld wasi-libc`). The SDK's\n"
	"`xdperf-plugin.mk` says what else it takes (more sources, flags).\n"
	"\n"
	"## Run\n"
	"\n"
	"    xdperf plugin run ./@NAME@.wasm                  # its template, decoded\n"
	"    xdperf -p ./@NAME@.wasm -o @NAME@.pcap -c 10     # 10 frames into a pcap file\n"
	"    echo '{\"dst_ip\":\"192.0.2.1\",\"dst_port\":5000,\"message\":\"hi\"}' > cfg.json\n"
	"    xdperf -p ./@NAME@.wasm --cfg cfg.json -o @NAME@.pcap -c 10\n"
	"    sudo xdperf -p ./@NAME@.wasm -d eth0 -c 1000 --rate 100   # on a network device\n";

/* Writes dir/file from tmpl with @NAME@ and @SDK@ replaced; 0 or -1 after an error line. */
static int write_file(const char *dir, const char *file, const char *tmpl, const char *name,
		      const char *sdk)
{
	char path[PATH_MAX + NAME_MAX_LEN + 16];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "wx");
	if (!f) {
		fprintf(stderr, "xdperf plugin new: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (const char *s = tmpl; *s;) {
		if (!strncmp(s, "@NAME@", 6)) {
			fputs(name, f);
			s += 6;
		} else if (!strncmp(s, "@SDK@", 5)) {
			fputs(sdk, f);
			s += 5;
		} else {
			fputc(*s++, f);
		}
	}
	if (fclose(f)) {
		fprintf(stderr, "xdperf plugin new: writing %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* argv[0] = "new" */
int cmd_plugin_new(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = NULL;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":o:h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'o': dir = optarg; break;
		case 'h': usage(stdout); return 0;
		case ':':
			fprintf(stderr, "xdperf plugin new: option %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			cli_unknown_option("plugin new", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "xdperf plugin new: no NAME given (usage: xdperf plugin new NAME [-o DIR])\n");
		return 2;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "xdperf plugin new: unexpected argument '%s'\n", argv[optind + 1]);
		return 2;
	}
	const char *name = argv[optind];
	if (!valid_name(name)) {
		fprintf(stderr, "xdperf plugin new: '%s' is not a plugin name: use a-z, 0-9, '_' and '-' "
				"(not first), at most %d characters\n", name, NAME_MAX_LEN);
		return 2;
	}
	if (!dir || !dir[0])
		dir = name;

	struct stat st;
	if (!stat(dir, &st)) {
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "xdperf plugin new: %s exists and is not a directory; not overwriting it\n", dir);
			return 1;
		}
		int any = dir_has_entries(dir);
		if (any < 0) {
			fprintf(stderr, "xdperf plugin new: cannot read %s: %s\n", dir, strerror(errno));
			return 1;
		}
		if (any) {
			fprintf(stderr, "xdperf plugin new: %s exists and is not empty; not overwriting it "
					"(choose another -o DIR)\n", dir);
			return 1;
		}
	} else {
		int rc = make_dirs(dir);
		if (rc) {
			fprintf(stderr, "xdperf plugin new: cannot create %s: %s\n", dir, strerror(-rc));
			return 1;
		}
	}

	char sdk[PATH_MAX];
	int found;
	find_sdk(sdk, sizeof sdk, &found);
	char cfile[NAME_MAX_LEN + 8];
	snprintf(cfile, sizeof cfile, "%s.c", name);
	if (write_file(dir, cfile, tmpl_c, name, sdk) || write_file(dir, "Makefile", tmpl_make, name, sdk) ||
	    write_file(dir, "README.md", tmpl_readme, name, sdk))
		return 1;
	printf("xdperf plugin new: wrote %s/%s, %s/Makefile and %s/README.md\n"
	       "  build: make -C %s        (SDK %s; make XDPERF_SDK=PATH for another)\n"
	       "  run:   xdperf -p %s/%s.wasm -o %s.pcap -c 10\n",
	       dir, cfile, dir, dir, dir, sdk, dir, name, name);
	if (!found)
		fprintf(stderr, "xdperf plugin new: note: no plugin SDK at %s yet (make install puts it "
				"there); build with make XDPERF_SDK=PATH\n", sdk);
	return 0;
}
