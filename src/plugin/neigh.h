/* Neighbour resolution: the link-layer address of an IPv4 or IPv6 neighbour on a device, from
 * the kernel's neighbour table, asking the kernel to resolve it when it is not there (the
 * host_neighbor_resolve import of generator plugins; a dst_mac-free configuration). */
#ifndef XDPERF_PLUGIN_NEIGH_H
#define XDPERF_PLUGIN_NEIGH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define XDPERF_NEIGH_TRIES 3        /* lookups after asking the kernel to resolve */
#define XDPERF_NEIGH_WAIT_MS 100    /* between them */

/* Looks `ip` (text: IPv4 or IPv6, "fe80::1" on the device's link) up on device `ifname`.
 * Returns 1 with mac filled when the kernel knows it (a reachable, stale, delayed, probed or
 * permanent entry); on a miss asks the kernel to resolve it (RTM_NEWNEIGH with NTF_USE, or, when
 * that is not allowed, an empty UDP datagram to port 9 sent through the device) and looks again
 * XDPERF_NEIGH_TRIES times XDPERF_NEIGH_WAIT_MS apart. Returns 0 when still unresolved (or the entry
 * failed), -EINVAL (not an address), -ENODEV (no such device), another -errno for a netlink
 * failure; err says which. `stop` (may be NULL) set: returns 0 at once. */
int xdperf_neigh_resolve(const char *ip, const char *ifname, uint8_t mac[6], const volatile sig_atomic_t *stop,
		     char *err, size_t errlen);

/* "aa:bb:cc:dd:ee:ff" (17 characters and a NUL) into out. */
void xdperf_mac_text(const uint8_t mac[6], char out[18]);

#endif
