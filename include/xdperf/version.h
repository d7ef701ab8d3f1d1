/* xdperf's version (part of libxdperf). */
#ifndef XDPERF_VERSION_H
#define XDPERF_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

/* The release, from the VERSION file ("0.1.0"). Static string. */
const char *xdperf_version(void);
/* The release and, when built from a git checkout, where in its history: "0.1.0 (git
 * 556f62c)", "0.1.0 (git 556f62c-dirty)"; the release alone otherwise. Static string. */
const char *xdperf_version_full(void);

#ifdef __cplusplus
}
#endif
#endif
