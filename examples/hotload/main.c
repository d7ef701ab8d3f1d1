/* Hot-load example (the muxcore example in C, on include/xdperf/hotload.h): loads a protocol
 * module as version 1.0.0 of protocol "example", sends it to testing, gives it 100% of the
 * traffic (which promotes it to active), runs one message through it and lists the versions.
 *
 *   build/examples/hotload [MODULE.wasm]   (default build/protocols/example_protocol.wasm)
 *
 * Exit 0 on success; on any error one line on stderr naming the step, exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdperf/hotload.h"

#define ID "example"
#define VERSION "1.0.0"

static int fail(const char *step, const char *err)
{
	fprintf(stderr, "hotload example: %s: %s\n", step, err[0] ? err : "failed");
	return 1;
}

static int run(struct xdperf_registry *r, const char *path, struct xdperf_proto_buf *out)
{
	char err[512] = "";
	static const char input[] = "Hello, muxcore!";

	if (xdperf_registry_load_file(r, ID, VERSION, path, NULL, err, sizeof(err))) {
		char step[512];
		snprintf(step, sizeof(step), "load %s", path);
		return fail(step, err);
	}
	if (xdperf_registry_start_testing(r, ID, VERSION, err, sizeof(err)))
		return fail("start testing", err);
	if (xdperf_registry_set_traffic(r, ID, VERSION, 100, err, sizeof(err)))
		return fail("set traffic", err);
	if (xdperf_registry_execute(r, NULL, ID, VERSION, input, strlen(input), out, NULL, err,
				    sizeof(err)))
		return fail("execute", err);
	printf("Input: %s\n", input);
	printf("Output: %.*s\n", (int)out->len, (const char *)out->data);

	struct xdperf_version_info *v;
	size_t n;
	if (xdperf_registry_list(r, ID, &v, &n))
		return fail("list", "cannot list the versions");
	printf("Versions of %s:\n", ID);
	for (size_t i = 0; i < n; i++)
		printf("  %s %s %s traffic %g%% calls %llu\n", v[i].id, v[i].version,
		       xdperf_version_state_str(v[i].state), v[i].traffic,
		       (unsigned long long)v[i].calls);
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "build/protocols/example_protocol.wasm";
	char err[512] = "";
	struct xdperf_registry_opts opts = { .sz = sizeof(opts) };
	struct xdperf_registry *r;

	if (xdperf_registry_new(&opts, &r, err, sizeof(err)))
		return fail("create registry", err);
	struct xdperf_proto_buf out = { 0 };
	int rc = run(r, path, &out);
	free(out.data);
	xdperf_registry_free(r);
	return rc;
}
