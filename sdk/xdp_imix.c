/* xdperf plugin SDK, xdp_imix.c: IMIX: xdp_req_imix (sizes and weights from the config),
 * xdp_imix_split (a count split by weight as the host splits it) and xdp_resp_imix (the "imix"
 * metadata of every template). */
#include "xdp_internal.h"

#include <stdlib.h>
#include <string.h>

int xdp_req_imix(const xdp_request *r, const char *sizes_key, const char *weights_key,
		 const int64_t *def_sizes, const int64_t *def_weights, size_t ndef, size_t min_len,
		 const char *who, const char *frame, xdp_imix *out)
{
	int64_t sizes[XDP_IMIX_SIZES_MAX], weights[XDP_IMIX_SIZES_MAX];
	size_t nsizes, nweights;
	int rc;
	if ((rc = xdp_req_i64_array(r, sizes_key, def_sizes, ndef, sizes, XDP_IMIX_SIZES_MAX,
				    &nsizes)) ||
	    (rc = xdp_req_i64_array(r, weights_key, def_weights, ndef, weights, XDP_IMIX_SIZES_MAX,
				    &nweights)))
		return rc;
	if (nsizes == 0) {
		xdp_log(XDP_LOG_ERROR, "%s: %s: must not be empty", who, sizes_key);
		return XDP_ERR_INVALID_CONFIG;
	}
	for (size_t i = 0; i < nweights; i++) {
		if (weights[i] < 0 || weights[i] > (int64_t)UINT32_MAX) {
			xdp_log(XDP_LOG_ERROR, "%s: %s: %lld is outside 0..4294967295", who,
				weights_key, (long long)weights[i]);
			return XDP_ERR_INVALID_CONFIG;
		}
	}
	for (size_t i = 0; i < nsizes; i++) {
		if (sizes[i] > XDP_IMIX_FRAME_MAX) {
			xdp_log(XDP_LOG_ERROR, "%s: %s: %lld is above %d bytes (the host's frame limit)",
				who, sizes_key, (long long)sizes[i], XDP_IMIX_FRAME_MAX);
			return XDP_ERR_INVALID_CONFIG;
		}
	}
	out->n = 0;
	for (size_t i = 0; i < nsizes; i++) {
		if (sizes[i] < 0 || (uint64_t)sizes[i] < min_len) {
			xdp_log(XDP_LOG_WARN, "%s: %s: skipping %lld, below the smallest %s (%zu bytes)",
				who, sizes_key, (long long)sizes[i], frame, min_len);
			continue;
		}
		uint64_t w = i < nweights ? (uint64_t)weights[i] : 1;
		out->size[out->n] = (uint16_t)sizes[i];
		out->weight[out->n] = w ? w : 1; /* as the Go xdperf reads a variant weight of 0 */
		out->n++;
	}
	if (out->n == 0) {
		xdp_log(XDP_LOG_ERROR, "%s: %s: no size left to send (all below the smallest %s, %zu "
			"bytes)", who, sizes_key, frame, min_len);
		return XDP_ERR_INVALID_CONFIG;
	}
	return 0;
}

void xdp_imix_split(const xdp_imix *mix, uint64_t count, uint64_t *out)
{
	unsigned __int128 total = 0, rem[XDP_IMIX_MAX];
	size_t n = mix->n < XDP_IMIX_MAX ? mix->n : XDP_IMIX_MAX;
	uint64_t given = 0;
	for (size_t i = 0; i < n; i++)
		total += mix->weight[i] ? mix->weight[i] : 1;
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 p = (unsigned __int128)count * (mix->weight[i] ? mix->weight[i] : 1);
		out[i] = (uint64_t)(p / total);
		rem[i] = p % total;
		given += out[i];
	}
	/* count - given < n: one more each to the largest remainders (earliest first) */
	while (n && given < count) {
		size_t best = 0;
		for (size_t i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		out[best]++;
		rem[best] = 0;
		given++;
	}
}

/* The metadata writer xdp_resp_imix installs: the same patterns in every template. */
static void imix_meta(xdp_jw *w, size_t template_index, void *ctx)
{
	const xdp_imix *mix = ctx;
	(void)template_index;
	xdp_jw_key(w, "imix");
	xdp_jw_obj_begin(w);
	xdp_jw_key(w, "patterns");
	xdp_jw_arr_begin(w);
	for (size_t i = 0; i < mix->n; i++) {
		xdp_jw_obj_begin(w);
		xdp_jw_kv_u64(w, "size", mix->size[i]);
		xdp_jw_kv_u64(w, "weight", mix->weight[i]);
		xdp_jw_kv_u64(w, "template", i);
		xdp_jw_obj_end(w);
	}
	xdp_jw_arr_end(w);
	xdp_jw_obj_end(w);
}

void xdp_sdk_imix_drop(xdp_response *r)
{
	if (r->meta == imix_meta) {
		free(r->meta_ctx);
		r->meta = NULL;
		r->meta_ctx = NULL;
	}
}

int xdp_resp_imix(xdp_response *r, const xdp_imix *mix)
{
	if (mix->n == 0 || mix->n > XDP_IMIX_MAX)
		return XDP_ERR_GENERATE;
	xdp_imix *copy = malloc(sizeof(*copy));
	if (!copy)
		return XDP_ERR_NOMEM;
	memcpy(copy, mix, sizeof(*copy));
	xdp_sdk_imix_drop(r);
	r->meta = imix_meta;
	r->meta_ctx = copy;
	return 0;
}
