/* xdperf's version: VERSION and git describe, as the build wrote them into
 * build/version.h (include/xdperf/version.h). */
#include "xdperf/version.h"
#if __has_include("version_gen.h")
#include "version_gen.h"
#else /* compiled outside the build (a test building sources directly) */
#define XDPERF_VERSION_RELEASE "unknown"
#define XDPERF_VERSION_FULL "unknown (built outside make)"
#endif

const char *xdperf_version(void)
{
	return XDPERF_VERSION_RELEASE;
}

const char *xdperf_version_full(void)
{
	return XDPERF_VERSION_FULL;
}
