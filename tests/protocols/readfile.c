/* A test protocol module (tests/cases/wasi_protocol_dir.sh): answers with the content of the file
 * the message names, or "ERR REASON"; a message "write NAME" tries to create NAME. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "xdperf_protocol.h"

XDP_PROTOCOL(readfile)

static char buf[4096];

static int readfile(const uint8_t *in, uint32_t len, xdp_out *out)
{
	char name[256];
	if (len >= sizeof name)
		len = sizeof name - 1;
	memcpy(name, in, len);
	name[len] = 0;
	int n;
	if (!strncmp(name, "write ", 6)) {
		int fd = open(name + 6, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		n = fd < 0 ? snprintf(buf, sizeof buf, "ERR %s", strerror(errno)) : snprintf(buf, sizeof buf, "created");
		if (fd >= 0)
			close(fd);
	} else {
		int fd = open(name, O_RDONLY);
		if (fd < 0) {
			n = snprintf(buf, sizeof buf, "ERR %s", strerror(errno));
		} else {
			n = (int)read(fd, buf, sizeof buf);
			close(fd);
			if (n < 0)
				n = snprintf(buf, sizeof buf, "ERR read %s", strerror(errno));
		}
	}
	xdp_out_set(out, (const uint8_t *)buf, (uint32_t)n);
	return 0;
}
