/*
 * virtio-net.elf: a polling virtio-net driver with just enough IPv4 to get an
 * address by DHCP, resolve the gateway by ARP, send UDP datagrams and count
 * received ones (answering ARP requests for its own address meanwhile). Ops of
 * op= (comma-separated, default dhcp) run in order; see README.md.
 */
#include "virtio.h"

#define NET_F_MAC    5
#define NET_F_STATUS 16

#define HDR_LEN  12        /* struct virtio_net_hdr_v1 (num_buffers included with VERSION_1) */
#define BUF_LEN  2048
#define ETH_LEN  14
#define RX_BUFS  32

#define ETH_IP   0x0800
#define ETH_ARP  0x0806

static struct vdev dev;
static struct virtq rxq, txq;
static u8 *rx_bufs;
static u8 *tx_buf;
static u8 mac[6];
static u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static u8 my_ip[4], gw_ip[4], mask[4], server_ip[4], gw_mac[6];
static int have_ip, have_gw_mac;
static u32 xid = 0x6a766d6d; /* "jvmm" */
static int failures;

static u16 be16(const u8 *p) { return (u16)(p[0] << 8 | p[1]); }
static void put16(u8 *p, u32 v) { p[0] = (u8)(v >> 8); p[1] = (u8)v; }
static int eq(const u8 *a, const u8 *b, u64 n)
{
	for (u64 i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static u16 ip_checksum(const u8 *p, u64 len)
{
	u32 sum = 0;
	for (u64 i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (u32)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

static void post_rx(u64 i)
{
	struct vbuf b = { (u64)(rx_bufs + i * BUF_LEN), BUF_LEN, 1 };
	virtq_submit(&rxq, &b, 1, i);
}

/* Sends tx_buf[HDR_LEN .. HDR_LEN + len) (an Ethernet frame) and waits for the device to take it. */
static void send_frame(u64 len)
{
	memset(tx_buf, 0, HDR_LEN);
	if (len < 60)
		len = 60; /* minimum Ethernet payload; the tail is zero padding */
	struct vbuf b = { (u64)tx_buf, (u32)(HDR_LEN + len), 0 };
	virtq_call(&txq, &b, 1);
}

/*
 * Waits for a received frame accepted by match(); other frames are dropped.
 * Calls resend() every RESEND_MS without a match: QEMU's stream netdev connects
 * asynchronously and drops what the guest sends before that. Returns the frame length.
 */
#define RESEND_MS 250
static u64 resends;

static u64 recv_frame(int (*match)(const u8 *f, u64 len), u8 *out, void (*resend)(void))
{
	u64 start = rdtsc(), next_check = start + timeout_cycles / 64;
	u64 resend_cycles = (tsc_hz ? tsc_hz : 3000000000UL) / 1000 * RESEND_MS, next_resend = start + resend_cycles;

	for (;;) {
		u64 id;
		u32 len;
		if (virtq_poll(&rxq, &id, &len)) {
			u8 *f = rx_bufs + id * BUF_LEN + HDR_LEN;
			u64 flen = len > HDR_LEN ? len - HDR_LEN : 0;
			int ok = flen >= ETH_LEN && match(f, flen);
			if (ok)
				memcpy(out, f, flen);
			post_rx(id);
			virtq_kick(&rxq);
			if (ok)
				return flen;
			continue;
		}
		cpu_pause();
		u64 now = rdtsc();
		if (now >= next_resend) {
			resend();
			resends++;
			next_resend = rdtsc() + resend_cycles;
		}
		if (now >= next_check) {
			virtio_check_status(&dev);
			if (now - start >= timeout_cycles) {
				uprintf("virtio-net: timeout waiting for queue 0\n");
				vexit(EXIT_TIMEOUT);
			}
			next_check = now + timeout_cycles / 64;
		}
	}
}

static u8 *eth(u8 *f, const u8 *dst, u32 type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, type);
	return f + ETH_LEN;
}

/* IPv4 + UDP headers for a payload of plen bytes; returns the payload pointer. */
static u8 *ip_udp(u8 *p, const u8 *src, const u8 *dst, u32 sport, u32 dport, u64 plen)
{
	static u16 ip_id;
	memset(p, 0, 28);
	p[0] = 0x45;
	put16(p + 2, (u32)(20 + 8 + plen));
	put16(p + 4, ip_id++);
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, ip_checksum(p, 20));
	put16(p + 20, sport);
	put16(p + 22, dport);
	put16(p + 24, (u32)(8 + plen));
	/* UDP checksum 0: none (allowed for IPv4). */
	return p + 28;
}

static void fmt_ip(char *out, const u8 *ip)
{
	format(out, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

static void fmt_mac(char *out, const u8 *m)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 6; i++) {
		out[3 * i] = hex[m[i] >> 4];
		out[3 * i + 1] = hex[m[i] & 15];
		out[3 * i + 2] = i < 5 ? ':' : '\0';
	}
}

/* ---- DHCP ---- */

#define BOOTP_LEN 240 /* fixed part incl. magic cookie */

static void dhcp_send(int type)
{
	u8 *f = tx_buf + HDR_LEN;
	u8 *ip = eth(f, bcast, ETH_IP);
	u64 plen = 300;
	static const u8 zero[4], all[4] = { 255, 255, 255, 255 };
	u8 *b = ip_udp(ip, zero, all, 68, 67, plen);

	memset(b, 0, plen);
	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1;
	b[2] = 6;
	b[4] = (u8)(xid >> 24); b[5] = (u8)(xid >> 16); b[6] = (u8)(xid >> 8); b[7] = (u8)xid;
	b[10] = 0x80; /* broadcast reply */
	memcpy(b + 28, mac, 6);
	b[236] = 99; b[237] = 130; b[238] = 83; b[239] = 99;
	u8 *o = b + BOOTP_LEN;
	*o++ = 53; *o++ = 1; *o++ = (u8)type;
	if (type == 3) {
		*o++ = 50; *o++ = 4; memcpy(o, my_ip, 4); o += 4;
		*o++ = 54; *o++ = 4; memcpy(o, server_ip, 4); o += 4;
	}
	*o++ = 55; *o++ = 3; *o++ = 1; *o++ = 3; *o++ = 6;
	*o++ = 255;
	send_frame(ETH_LEN + 28 + plen);
}

/* Finds DHCP option code in the reply's options; returns its data or 0. */
static const u8 *dhcp_option(const u8 *b, u64 blen, u8 code, u8 *olen)
{
	u64 i = BOOTP_LEN;
	while (i < blen && b[i] != 255) {
		if (b[i] == 0) {
			i++;
			continue;
		}
		if (i + 1 >= blen || i + 2 + b[i + 1] > blen)
			return 0;
		if (b[i] == code) {
			*olen = b[i + 1];
			return b + i + 2;
		}
		i += 2 + (u64)b[i + 1];
	}
	return 0;
}

static int want_dhcp_type;

static int match_dhcp(const u8 *f, u64 len)
{
	if (len < ETH_LEN + 28 + BOOTP_LEN || be16(f + 12) != ETH_IP)
		return 0;
	const u8 *ip = f + ETH_LEN;
	u64 ihl = (u64)(ip[0] & 15) * 4;
	if ((ip[0] >> 4) != 4 || ip[9] != 17 || len < ETH_LEN + ihl + 8 + BOOTP_LEN)
		return 0;
	const u8 *udp = ip + ihl, *b = udp + 8;
	if (be16(udp + 2) != 68 || b[0] != 2 || b[4] != (u8)(xid >> 24) || b[7] != (u8)xid)
		return 0;
	u8 olen;
	const u8 *t = dhcp_option(b, len - ETH_LEN - ihl - 8, 53, &olen);
	return t && olen == 1 && (t[0] == want_dhcp_type || t[0] == 6 /* NAK */);
}

static u8 frame[BUF_LEN];

static void send_discover(void) { dhcp_send(1); }
static void send_request(void) { dhcp_send(3); }

static void op_dhcp(void)
{
	for (int step = 0; step < 2; step++) {
		void (*send)(void) = step == 0 ? send_discover : send_request;
		send();
		want_dhcp_type = step == 0 ? 2 : 5;      /* OFFER, ACK */
		u64 len = recv_frame(match_dhcp, frame, send);
		const u8 *ip = frame + ETH_LEN;
		u64 ihl = (u64)(ip[0] & 15) * 4;
		const u8 *b = ip + ihl + 8;
		u64 blen = len - ETH_LEN - ihl - 8;
		u8 olen;
		const u8 *t = dhcp_option(b, blen, 53, &olen);
		if (t[0] == 6) {
			uprintf("virtio-net: dhcp NAK\n");
			failures++;
			return;
		}
		memcpy(my_ip, b + 16, 4);
		const u8 *o = dhcp_option(b, blen, 54, &olen);
		if (o && olen == 4)
			memcpy(server_ip, o, 4);
		o = dhcp_option(b, blen, 1, &olen);
		if (o && olen == 4)
			memcpy(mask, o, 4);
		o = dhcp_option(b, blen, 3, &olen);
		if (o && olen >= 4)
			memcpy(gw_ip, o, 4);
	}
	have_ip = 1;
	char a[16], g[16], m[16];
	fmt_ip(a, my_ip);
	fmt_ip(g, gw_ip);
	fmt_ip(m, mask);
	uprintf("virtio-net: dhcp address %s gateway %s mask %s\n", a, g, m);
}

/* ---- ARP ---- */

static int match_arp(const u8 *f, u64 len)
{
	const u8 *a = f + ETH_LEN;
	return len >= ETH_LEN + 28 && be16(f + 12) == ETH_ARP && be16(a + 6) == 2 && eq(a + 14, gw_ip, 4);
}

static void arp_send(void)
{
	u8 *f = tx_buf + HDR_LEN;
	u8 *a = eth(f, bcast, ETH_ARP);

	put16(a, 1);
	put16(a + 2, ETH_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, my_ip, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, gw_ip, 4);
	send_frame(ETH_LEN + 28);
}

static void arp_gateway(int print)
{
	arp_send();
	recv_frame(match_arp, frame, arp_send);
	memcpy(gw_mac, frame + ETH_LEN + 8, 6);
	have_gw_mac = 1;
	if (print) {
		char i[16], m[18];
		fmt_ip(i, gw_ip);
		fmt_mac(m, gw_mac);
		uprintf("virtio-net: arp %s is %s\n", i, m);
	}
}

static int parse_port(const char *s, u64 len, u64 *port)
{
	u64 v = 0, i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		v = v * 10 + (u64)(s[i++] - '0');
	if (i == 0 || i != len || v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* "a.b.c.d" or "a.b.c.d:port" */
static int parse_ip(const char *s, u64 len, u8 *ip, u64 *port)
{
	u64 i = 0;
	for (int k = 0; k < 4; k++) {
		u64 v = 0, start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (u64)(s[i++] - '0');
		if (i == start || v > 255)
			return -1;
		ip[k] = (u8)v;
		if (k < 3 && (i >= len || s[i++] != '.'))
			return -1;
	}
	if (port)
		return i < len && s[i] == ':' ? parse_port(s + i + 1, len - i - 1, port) : -1;
	return i == len ? 0 : -1;
}

static void op_udp_tx(void)
{
	u64 vlen, port = 0, count = arg_u64("count", 1), size = arg_u64("size", 64);
	u8 dst[4];
	const char *v = arg_str("dst", &vlen);

	int gw = v && vlen > 3 && v[0] == 'g' && v[1] == 'w' && v[2] == ':';
	if (gw) {
		/* dst=gw:<port>: the gateway (passt forwards it to the host's loopback). */
		memcpy(dst, gw_ip, 4);
		if (parse_port(v + 3, vlen - 3, &port) != 0)
			gw = -1;
	}
	if (!v || gw < 0 || (!gw && parse_ip(v, vlen, dst, &port) != 0)) {
		uprintf("probe: bad cmdline argument 'dst=...': want <a.b.c.d>:<port>\n");
		uexit(EXIT_BAD_CMDLINE);
	}
	if (size > 1472) {
		uprintf("probe: bad cmdline argument 'size=%lu': at most 1472\n", size);
		uexit(EXIT_BAD_CMDLINE);
	}
	if (!have_gw_mac)
		arp_gateway(0);
	u64 start = rdtsc();
	for (u64 n = 0; n < count; n++) {
		u8 *p = ip_udp(eth(tx_buf + HDR_LEN, gw_mac, ETH_IP), my_ip, dst, 40000, (u32)port, size);
		for (u64 i = 0; i < size; i++)
			p[i] = (u8)('a' + (n + i) % 26);
		send_frame(ETH_LEN + 28 + size);
	}
	u64 cycles = rdtsc() - start;
	char d[16];
	fmt_ip(d, dst);
	uprintf("virtio-net: udp-tx %lu datagrams of %lu bytes to %s:%lu cycles %lu\n", count, size, d, port, cycles);
}

/* ---- UDP receive ---- */

/* An ARP request for our address (only once we have one). */
static int arp_request_for_us(const u8 *f, u64 len)
{
	static const u8 zero[4];
	const u8 *a = f + ETH_LEN;
	return len >= ETH_LEN + 28 && be16(f + 12) == ETH_ARP && be16(a) == 1 && be16(a + 2) == ETH_IP &&
	       a[4] == 6 && a[5] == 4 && be16(a + 6) == 1 && !eq(my_ip, zero, 4) && eq(a + 24, my_ip, 4);
}

/* Answers the ARP request f (still in its receive buffer) from our MAC. */
static void arp_reply(const u8 *f)
{
	const u8 *q = f + ETH_LEN;
	u8 *a = eth(tx_buf + HDR_LEN, q + 8, ETH_ARP);

	put16(a, 1);
	put16(a + 2, ETH_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 2);
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, my_ip, 4);
	memcpy(a + 18, q + 8, 6);
	memcpy(a + 24, q + 14, 4);
	send_frame(ETH_LEN + 28);
}

/*
 * The UDP payload length of an unfragmented IPv4/UDP datagram to our MAC, our
 * address (any address while we have none) and UDP port; -1 for anything else.
 */
static long udp_for_us(const u8 *f, u64 len, u64 port)
{
	static const u8 zero[4];
	if (len < ETH_LEN + 28 || be16(f + 12) != ETH_IP || !eq(f, mac, 6))
		return -1;
	const u8 *ip = f + ETH_LEN;
	u64 ihl = (u64)(ip[0] & 15) * 4, total = be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 || total > len - ETH_LEN || ip[9] != 17 ||
	    (be16(ip + 6) & 0x3fff) != 0 /* MF or a fragment offset */ ||
	    (!eq(my_ip, zero, 4) && !eq(ip + 16, my_ip, 4)))
		return -1;
	const u8 *udp = ip + ihl;
	u64 ulen = be16(udp + 4);
	if (be16(udp + 2) != port || ulen < 8 || ulen > total - ihl)
		return -1;
	return (long)(ulen - 8);
}

static void op_udp_rx(void)
{
	u64 vlen, port = 0, count = arg_u64("count", 1);
	const char *v = arg_str("port", &vlen);

	if (!v) {
		uprintf("probe: bad cmdline argument 'port=': required\n");
		uexit(EXIT_BAD_CMDLINE);
	}
	if (parse_port(v, vlen, &port) != 0) {
		char shown[24];
		u64 k = vlen < 23 ? vlen : 23;
		memcpy(shown, v, k);
		shown[k] = '\0';
		uprintf("probe: bad cmdline argument 'port=%s': want 0..65535\n", shown);
		uexit(EXIT_BAD_CMDLINE);
	}
	uprintf("virtio-net: listening on udp %lu\n", port);

	u64 got = 0, bytes = 0, first = 0, last = 0;
	u64 waiting = rdtsc(), next_check = waiting + timeout_cycles / 64;
	while (got < count) {
		u64 id;
		u32 len;
		int any = 0;
		/* Take every completed buffer, repost it, and notify once for the batch. */
		while (got < count && virtq_poll(&rxq, &id, &len)) {
			u8 *f = rx_bufs + id * BUF_LEN + HDR_LEN;
			u64 flen = len > HDR_LEN ? len - HDR_LEN : 0;
			long n = udp_for_us(f, flen, port);
			if (n >= 0) {
				last = rdtsc();
				if (got == 0)
					first = last;
				got++;
				bytes += (u64)n;
				waiting = last;
			} else if (arp_request_for_us(f, flen)) {
				arp_reply(f);
			}
			post_rx(id);
			any = 1;
		}
		if (any) {
			virtq_kick(&rxq);
			continue;
		}
		cpu_pause();
		u64 now = rdtsc();
		if (now >= next_check) {
			virtio_check_status(&dev);
			if (now - waiting >= timeout_cycles) {
				uprintf("virtio-net: udp-rx timeout after %lu datagrams %lu bytes cycles %lu\n", got, bytes,
					last - first);
				uprintf("virtio-net: timeout waiting for queue 0\n");
				vexit(EXIT_TIMEOUT);
			}
			next_check = now + timeout_cycles / 64;
		}
	}
	uprintf("virtio-net: udp-rx %lu datagrams %lu bytes cycles %lu\n", got, bytes, last - first);
}

static int body(void *unused)
{
	(void)unused;
	virtio_find(&dev, VIRTIO_ID_NET);
	virtio_negotiate(&dev, BIT(NET_F_MAC) | BIT(NET_F_STATUS));
	virtq_setup(&dev, &rxq, 0);
	virtq_setup(&dev, &txq, 1);
	virtio_driver_ok(&dev);

	if (has_feature(&dev, NET_F_MAC)) {
		for (u32 i = 0; i < 6; i++)
			mac[i] = vcfg8(&dev, i);
	} else {
		static const u8 fixed[6] = { 0x52, 0x54, 0x00, 0x6a, 0x76, 0x6d };
		memcpy(mac, fixed, 6);
	}
	u32 status = has_feature(&dev, NET_F_STATUS) ? vcfg16(&dev, 6) : 1;
	char m[18];
	fmt_mac(m, mac);
	uprintf("virtio-net: mac %s status %u\n", m, status);

	u64 nrx = rxq.size < RX_BUFS ? rxq.size : RX_BUFS;
	rx_bufs = dma_alloc(nrx * BUF_LEN, 4096);
	tx_buf = dma_alloc(BUF_LEN, 4096);
	for (u64 i = 0; i < nrx; i++)
		post_rx(i);
	virtq_kick(&rxq);

	u64 vlen;
	const char *gw = arg_str("gw", &vlen);
	if (gw && parse_ip(gw, vlen, gw_ip, 0) != 0) {
		uprintf("probe: bad cmdline argument 'gw=...': want <a.b.c.d>\n");
		uexit(EXIT_BAD_CMDLINE);
	}
	u64 oplen;
	const char *ops = arg_str("op", &oplen);
	if (!ops) {
		ops = "dhcp";
		oplen = 4;
	}
	for (u64 i = 0; i < oplen;) {
		u64 j = i;
		while (j < oplen && ops[j] != ',')
			j++;
		const char *op = ops + i;
		u64 n = j - i;
		i = j + 1;
		if (n == 4 && eq((const u8 *)op, (const u8 *)"dhcp", 4)) {
			op_dhcp();
		} else if (n == 4 && eq((const u8 *)op, (const u8 *)"echo", 4)) {
			if (!have_ip && !gw)
				op_dhcp();
			arp_gateway(1);
		} else if (n == 6 && eq((const u8 *)op, (const u8 *)"udp-tx", 6)) {
			if (!have_ip && !gw)
				op_dhcp();
			op_udp_tx();
		} else if (n == 6 && eq((const u8 *)op, (const u8 *)"udp-rx", 6)) {
			if (!have_ip && !gw)
				op_dhcp();
			op_udp_rx();
		} else {
			char shown[24];
			u64 k = n < 23 ? n : 23;
			memcpy(shown, op, k);
			shown[k] = '\0';
			uprintf("virtio-net: unknown op '%s'\n", shown);
			failures++;
		}
	}
	virtio_check_status(&dev);
	if (arg_u64("verbose", 0))
		uprintf("virtio-net: %lu retransmissions\n", resends);
	vexit(failures ? 1 : 0);
}

int probe_main(const struct boot *b)
{
	virtio_boot(b, "virtio-net", body);
}
