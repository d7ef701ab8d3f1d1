/* Whole-file reading with a size cap; the _secret form wipes every copy it lets go of. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/file.h"

/* Frees b (cap + 1 bytes), wiped first when it held a secret. */
static void drop(uint8_t *b, size_t cap, bool secret)
{
	if (b && secret)
		explicit_bzero(b, cap + 1);
	free(b);
}

/* realloc that leaves no copy of a secret behind in the freed block. */
static uint8_t *grow(uint8_t *b, size_t old_cap, size_t cap, bool secret)
{
	if (!secret)
		return realloc(b, cap + 1);
	uint8_t *nb = malloc(cap + 1);
	if (nb)
		memcpy(nb, b, old_cap + 1);
	drop(b, old_cap, true);
	return nb;
}

static int read_file(const char *path, size_t max, uint8_t **buf, size_t *len, bool secret,
		     bool any)
{
	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st)) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode) && !any) {
		close(fd);
		return -XDPERF_ENOTREG;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK); /* a pipe's writer is then waited for */
	size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 4096;
	if (cap > max) {
		close(fd);
		return -EFBIG;
	}
	uint8_t *b = malloc(cap + 1);
	size_t n = 0;
	while (b) {
		if (n == cap) { /* growing file or not a regular file */
			if (cap >= max)
				break;
			size_t old_cap = cap;
			cap = cap * 2 > max ? max : cap * 2;
			uint8_t *nb = grow(b, old_cap, cap, secret);
			if (!nb) {
				if (!secret)
					free(b);
				b = NULL;
				break;
			}
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			drop(b, cap, secret);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (b && n == cap && cap >= max) {
		/* exactly max bytes read: one byte more means too large (refused, never cut) */
		char probe;
		ssize_t r;
		do
			r = read(fd, &probe, 1);
		while (r < 0 && errno == EINTR);
		if (r == 1) {
			close(fd);
			drop(b, cap, secret);
			return -EFBIG;
		}
	}
	close(fd);
	if (!b)
		return -ENOMEM;
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

int xdperf_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	return read_file(path, max, buf, len, false, false);
}

int xdperf_read_file_secret(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	return read_file(path, max, buf, len, true, false);
}

int xdperf_read_file_any(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	return read_file(path, max, buf, len, false, true);
}

const char *xdperf_file_strerror(int rc)
{
	return rc == -XDPERF_ENOTREG ? "not a regular file (a FIFO, device or socket)" : strerror(-rc);
}
