/* xdperf plugin SDK, xdp_abi.c: The exported generator ABI: plugin_init (keeps a copy of the
 * config and calls the plugin's xdp_init), plugin_process (parses the request, calls xdp_generate,
 * writes the response or returns XDP_ERR_BUFFER_TOO_SMALL) and plugin_cleanup, with the weak
 * default xdp_init / xdp_cleanup. Left out with -DXDP_SDK_NO_GENERATOR_ABI (a plugin with an ABI
 * of its own, e.g. plugins/verify_*.c, keeps only the helpers). */
#include "xdp_internal.h"

#include <stdlib.h>
#include <string.h>

/* The generator ABI: left out with -DXDP_SDK_NO_GENERATOR_ABI, for a plugin that exports its
 * own plugin_init / plugin_process / plugin_cleanup (a verifier) and uses only the helpers. */
#ifndef XDP_SDK_NO_GENERATOR_ABI

__attribute__((weak)) int xdp_init(const xdp_request *cfg)
{
	(void)cfg;
	return 0;
}

__attribute__((weak)) void xdp_cleanup(void) {}

static char *g_cfg_text;
static xdp_json g_cfg;
static bool g_initialized;

static void drop_config(void)
{
	xdp_json_free(&g_cfg);
	free(g_cfg_text);
	g_cfg_text = NULL;
	g_initialized = false;
}

XDP_EXPORT(plugin_init) int32_t plugin_init(int32_t cfg_ptr, int32_t cfg_len)
{
	drop_config();
	if (cfg_len < 0 || (cfg_len > 0 && cfg_ptr == 0))
		return XDP_ERR_INVALID_INPUT;
	const char *src = (const char *)(uintptr_t)(uint32_t)cfg_ptr;
	/* an empty config is an empty object */
	size_t n = (size_t)cfg_len;
	if (n == 0) {
		src = "{}";
		n = 2;
	}
	g_cfg_text = malloc(n + 1);
	if (!g_cfg_text)
		return XDP_ERR_NOMEM;
	memcpy(g_cfg_text, src, n);
	g_cfg_text[n] = '\0';
	int rc = xdp_json_parse(&g_cfg, g_cfg_text, n);
	if (rc == 0 && g_cfg.toks[0].type == XDP_JSON_NULL) {
		xdp_json_free(&g_cfg);
		rc = xdp_json_parse(&g_cfg, "{}", 2);
	}
	if (rc == 0 && g_cfg.toks[0].type != XDP_JSON_OBJECT)
		rc = XDP_ERR_INVALID_INPUT;
	if (rc < 0) {
		xdp_log(XDP_LOG_ERROR, "plugin_init: config is not a JSON object");
		drop_config();
		return rc;
	}
	rc = xdp_config_check(&g_cfg, 0, xdp_config_schema);
	if (rc < 0) {
		drop_config();
		return rc;
	}
	xdp_request cfg = {
		.doc = &g_cfg, .root = 0, .config = NULL, .config_root = -1,
	};
	rc = xdp_init(&cfg);
	if (rc < 0) {
		drop_config();
		return rc;
	}
	g_initialized = true;
	return 0;
}

XDP_EXPORT(plugin_process) int32_t plugin_process(int32_t in_ptr, int32_t in_len, int32_t out_ptr,
						  int32_t out_cap)
{
	if (!g_initialized)
		return XDP_ERR_NOT_INITIALIZED;
	if (in_len < 0 || out_cap < 0 || (in_len > 0 && in_ptr == 0) || (out_cap > 0 && out_ptr == 0))
		return XDP_ERR_INVALID_INPUT;
	const char *in = (const char *)(uintptr_t)(uint32_t)in_ptr;
	char *out = (char *)(uintptr_t)(uint32_t)out_ptr;

	xdp_json doc;
	int rc = xdp_json_parse(&doc, in, (size_t)in_len);
	if (rc < 0 || doc.toks[0].type != XDP_JSON_OBJECT) {
		xdp_log(XDP_LOG_ERROR, "plugin_process: request is not a JSON object");
		xdp_json_free(&doc);
		return rc == XDP_ERR_NOMEM ? rc : XDP_ERR_INVALID_INPUT;
	}
	xdp_request req = {
		.doc = &doc, .root = 0, .config = &g_cfg, .config_root = 0,
	};
	if (xdp_json_get_u64(&doc, 0, "count", &req.count) < 0) {
		xdp_log(XDP_LOG_ERROR, "plugin_process: \"count\" is not an unsigned integer");
		xdp_json_free(&doc);
		return XDP_ERR_INVALID_CONFIG;
	}
	int mv = find_nonnull(&doc, 0, "device_mac_addr");
	if (mv >= 0) {
		char s[32];
		uint8_t mac[8];
		if (xdp_json_string(&doc, mv, s, sizeof(s)) ||
		    xdp_base64_decode(s, strlen(s), mac, sizeof(mac)) != 6) {
			xdp_log(XDP_LOG_ERROR, "plugin_process: \"device_mac_addr\" is not 6 base64 bytes");
			xdp_json_free(&doc);
			return XDP_ERR_INVALID_CONFIG;
		}
		memcpy(req.device_mac, mac, 6);
		req.has_device_mac = true;
	}

	xdp_response resp;
	memset(&resp, 0, sizeof(resp));
	resp.default_count = req.count;
	rc = xdp_generate(&req, &resp);
	if (rc >= 0) {
		size_t needed = 0;
		rc = xdp_resp_write(&resp, out, (size_t)out_cap, &needed);
		if (rc == XDP_ERR_BUFFER_TOO_SMALL)
			xdp_log(XDP_LOG_DEBUG, "plugin_process: response needs %zu bytes, buffer has %d",
				needed, (int)out_cap);
		else if (rc >= 0)
			xdp_metric("plugin.templates", (double)resp.count);
	} else {
		xdp_log(XDP_LOG_ERROR, "plugin_process: generate failed (%d)", rc);
	}
	xdp_resp_free(&resp);
	xdp_json_free(&doc);
	return rc;
}

XDP_EXPORT(plugin_cleanup) void plugin_cleanup(void)
{
	if (g_initialized)
		xdp_cleanup();
	drop_config();
}

#endif /* XDP_SDK_NO_GENERATOR_ABI */
