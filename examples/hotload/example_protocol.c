/* example_protocol: the protocol module of the hot-load example (examples/hotload/main.c).
 * Answers "Processed: <input>", written into a fresh output buffer. */
#include "xdperf_protocol.h"

XDP_PROTOCOL(process)

static int process(const uint8_t *in, uint32_t len, xdp_out *out)
{
	static const char prefix[] = "Processed: ";
	if (xdp_out_write(out, prefix, sizeof(prefix) - 1) || xdp_out_write(out, in, len))
		return -1;
	return 0;
}
