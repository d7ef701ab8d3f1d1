/* What the kernel says about a network device and, for a veth, about its peer (which may live
 * in another namespace): MTU, up/carrier, XDP program, kind. Read over rtnetlink, so the
 * transmit runner can check frame lengths against every MTU on the way before sending, name
 * the real cause when a device refuses frames, and notice a link going down or away. */
#ifndef XDPERF_DATAPATH_LINK_H
#define XDPERF_DATAPATH_LINK_H

#include <net/if.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_link_dev {
	int ifindex;
	char name[IF_NAMESIZE];
	unsigned mtu;
	bool up;            /* administratively up (IFF_UP) */
	bool carrier;       /* has a carrier (IFLA_CARRIER; operationally able to send) */
	bool xdp;           /* an XDP program is attached (any mode) */
	char kind[16];      /* IFLA_INFO_KIND: "veth", "bridge", ... or "" */
};

struct dp_link {
	struct dp_link_dev dev;
	bool is_veth;
	bool peer_known;    /* peer read (a veth whose peer could be looked up) */
	bool peer_other_ns; /* the peer lives in another network namespace */
	struct dp_link_dev peer;
};

/* Reads ifindex (and a veth's peer). 0, -ENODEV when the device is gone, or another -errno
 * with one line in err. The peer's absence is not an error (peer_known false). */
int dp_link_query(int ifindex, struct dp_link *l, char *err, size_t errlen);

/* dp_link_query for a device just seen down or without a carrier: a device being removed goes
 * down first and stays listed for a few milliseconds (tens under load), so while it is down or
 * has no carrier this asks again every 5 ms, for at most DP_LINK_SETTLE_S, and returns -ENODEV
 * if it went away meanwhile (its removal is then reported as such, not as a link down). */
#define DP_LINK_SETTLE_S 0.05
int dp_link_query_settled(int ifindex, struct dp_link *l, char *err, size_t errlen);

/* A runner's hold while its device has no carrier (run.c, replay.c). */
struct dp_hold {
	_Atomic int *hold;       /* set while holding: the senders wait */
	double since;            /* when the hold began (monotonic seconds) */
	double held;             /* seconds held so far, over all holds */
	double stall_timeout;    /* a hold this long ends the run */
};

/* The carrier part of a runner's look at device ifindex (named ifname), l its state just read
 * (dp_link_query) at monotonic time now: a carrier back ends the hold (notice: "IF has its
 * carrier again after S s; sending again"); one lost starts it (notice: why, and how long it
 * waits) unless the device is being removed or is back at once; a hold of the stall timeout
 * ends the run. Returns 0 (notice: a line to show, or ""), or -ENODEV (removed) / -ENETDOWN
 * (no carrier for the stall timeout) with one line in err. */
int dp_link_hold(struct dp_hold *h, int ifindex, const char *ifname, const struct dp_link *l,
		 double now, char *notice, size_t nlen, char *err, size_t errlen);

/* The longest frame (Ethernet header included, no FCS) a device with this MTU sends and
 * takes: MTU + 14, or + 18 for a frame with an 802.1Q/802.1ad tag (vlan true). */
static inline unsigned dp_link_max_frame(unsigned mtu, bool vlan)
{
	return mtu + 14u + (vlan ? 4u : 0u);
}

/* True when the frame starts with an 802.1Q or 802.1ad tag. */
static inline bool dp_frame_vlan(const uint8_t *frame, unsigned len)
{
	return len >= 18 && ((frame[12] == 0x81 && frame[13] == 0x00) ||
			     (frame[12] == 0x88 && frame[13] == 0xa8));
}

/* Checks n frames against the MTUs of l's device and (when known) its veth peer: 0, or
 * -EMSGSIZE with one line naming the first frame that does not fit ("template T: L bytes do
 * not fit ..."), its length, the MTU and the device. */
int dp_link_check_frames(const struct dp_link *l, const uint8_t *const *frame,
			 const uint16_t *len, uint32_t n, char *err, size_t errlen);

/* One phrase on why a device refuses or drops frames right now, from its state and its
 * peer's: "veth0 is down", "veth0 has no carrier (its peer veth1 is down)", "veth1, the peer
 * of veth0, has no XDP program (it takes XDP frames only with one, or with GRO on)", or ""
 * when nothing is visibly wrong. xdp: the frames are XDP frames. */
void dp_link_why(const struct dp_link *l, bool xdp, char *buf, size_t len);

#endif
