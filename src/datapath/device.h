/* Checking a network device by name before a transmit run or a server attaches to it. */
#ifndef XDPERF_DATAPATH_DEVICE_H
#define XDPERF_DATAPATH_DEVICE_H

#include <stddef.h>

/* The device exists in this namespace and is up: 0 with its index in *ifindex, or -EINVAL
 * (not an interface name), -ENODEV, -ENETDOWN with one line in err. */
int dp_device_check(const char *ifname, int *ifindex, char *err, size_t errlen);

/* The device's driver name ("veth", "ixgbe", ...) into buf (ETHTOOL_GDRVINFO): 0, or -errno
 * with buf "". */
int dp_device_driver(const char *ifname, char *buf, size_t len);

#endif
