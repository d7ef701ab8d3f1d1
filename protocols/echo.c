/* echo: a protocol module that answers every message with the message itself.
 * The answer is the input buffer (xdp_out_set), so nothing is copied or allocated; the host
 * sees an output inside its input buffer and does not free it. */
#include "xdperf_protocol.h"

XDP_PROTOCOL(echo)

static int echo(const uint8_t *in, uint32_t len, xdp_out *out)
{
	xdp_out_set(out, in, len);
	return 0;
}
