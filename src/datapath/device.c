/* Checking a network device by name (src/datapath/device.h). */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "datapath/device.h"
#include "util/err.h"

int dp_device_check(const char *ifname, int *ifindex, char *err, size_t errlen)
{
	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE) {
		xdperf_errf(err, errlen, "'%s' is not an interface name", ifname ? ifname : "");
		return -EINVAL;
	}
	unsigned idx = if_nametoindex(ifname);
	if (!idx) {
		xdperf_errf(err, errlen, "no network interface '%s' in this namespace", ifname);
		return -ENODEV;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct ifreq ifr = { 0 };
		snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
		int up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 ? (ifr.ifr_flags & IFF_UP) != 0 : 1;
		close(fd);
		if (!up) {
			xdperf_errf(err, errlen, "interface %s is down (ip link set %s up)", ifname, ifname);
			return -ENETDOWN;
		}
	}
	*ifindex = (int)idx;
	return 0;
}

int dp_device_driver(const char *ifname, char *buf, size_t len)
{
	if (len)
		buf[0] = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	ifr.ifr_data = (void *)&di;
	int e = ioctl(fd, SIOCETHTOOL, &ifr) == 0 ? 0 : -errno;
	close(fd);
	if (!e)
		snprintf(buf, len, "%.*s", (int)sizeof di.driver, di.driver);
	return e;
}
