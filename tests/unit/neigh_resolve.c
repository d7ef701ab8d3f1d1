/* xdperf_neigh_resolve from the command line, for tests/cases/neigh_resolve.sh:
 *   neigh_resolve IP IFNAME   prints "rc MAC" (MAC "-" when unresolved) and the error line
 *                             on stderr; exit 0 */
#include <stdio.h>
#include "plugin/neigh.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s IP IFNAME\n", argv[0]);
		return 2;
	}
	uint8_t mac[6];
	char err[256] = "", text[18] = "-";
	int rc = xdperf_neigh_resolve(argv[1], argv[2], mac, NULL, err, sizeof err);
	if (rc == 1)
		xdperf_mac_text(mac, text);
	printf("%d %s\n", rc, text);
	if (err[0])
		fprintf(stderr, "%s\n", err);
	return 0;
}
