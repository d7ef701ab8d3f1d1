/* uppercase: a protocol module that answers with its input, ASCII letters upper-cased, in a
 * new output buffer (xdp_out_reserve; the host frees it with the module's free export). */
#include "xdperf_protocol.h"

XDP_PROTOCOL(uppercase)

static int uppercase(const uint8_t *in, uint32_t len, xdp_out *out)
{
	uint8_t *p = xdp_out_reserve(out, len);
	if (!p)
		return -1; /* out of memory: the call traps and the host counts an error */
	for (uint32_t i = 0; i < len; i++)
		p[i] = in[i] >= 'a' && in[i] <= 'z' ? (uint8_t)(in[i] - 'a' + 'A') : in[i];
	return 0;
}
