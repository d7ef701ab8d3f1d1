/* A generator plugin's directory grant (xdperf_plugin_opts.dir): the one read-only WASI
 * preopen a plugin may get. Plugins and protocol modules have no file system otherwise. */
#ifndef XDPERF_PLUGIN_DIR_H
#define XDPERF_PLUGIN_DIR_H

#include <stddef.h>

struct xdperf_plugin;

/* Checks p->opts.dir (when set) is a directory and puts it, read-only and seen as
 * p->opts.dir_guest (default "/"), into p->sink.dir for the WASI context define_host() makes.
 * 0, or -errno with err "plugin NAME: directory grant DIR: REASON". */
int gen_dir_grant(struct xdperf_plugin *p, char *err, size_t errlen);
/* After the WASI context is made (it opened the directory and copied the name): forgets the
 * caller's strings, which need not outlive xdperf_plugin_load(). */
void gen_dir_done(struct xdperf_plugin *p);

#endif
