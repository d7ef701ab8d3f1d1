/* A generator plugin's directory grant (see plugin_dir.h): opts.dir becomes the single
 * read-only WASI preopen of the plugin's context. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "plugin/generator_int.h"
#include "plugin/plugin_dir.h"

int gen_dir_grant(struct xdperf_plugin *p, char *err, size_t errlen)
{
	const char *dir = p->opts.dir;
	if (!dir)
		return 0;
	struct stat st;
	int e = !dir[0] ? ENOENT : stat(dir, &st) ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
	if (e) {
		gen_perr(err, errlen, "plugin %s: directory grant '%s': %s", p->name, dir, strerror(e));
		return -e;
	}
	const char *guest = p->opts.dir_guest && p->opts.dir_guest[0] ? p->opts.dir_guest : "/";
	p->sink.dir = (struct xwasm_wasi_preopen){ .host = dir, .guest = guest, .read_only = true };
	return 0;
}

void gen_dir_done(struct xdperf_plugin *p)
{
	memset(&p->sink.dir, 0, sizeof p->sink.dir);
	p->opts.dir = NULL;
	p->opts.dir_guest = NULL;
}
