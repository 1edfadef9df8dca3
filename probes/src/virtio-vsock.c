/*
 * virtio-vsock.elf: a polling virtio-vsock driver (virtio 1.2 section 5.10,
 * stream sockets only) with six ops: an echo server for host-initiated
 * connections, a client that sends a pattern and checksums what comes back,
 * a refused-connection check, a send benchmark, a receive benchmark (sink) and
 * a round-trip (latency) benchmark against a host echo service. See README.md.
 *
 * Everything is driven by one polling loop (run()): reap transmit completions,
 * take received packets (and repost their buffers), then let every connection
 * send what it may (control packets, data within the peer's credit, its
 * SHUTDOWN/RST) while transmit slots last. Receive handling never transmits
 * itself; it only marks what a connection owes the peer, so the driver keeps
 * taking packets while the transmit queue is full.
 */
#include "virtio.h"

#define HOST_CID 2

#define TYPE_STREAM 1
#define OP_REQUEST        1
#define OP_RESPONSE       2
#define OP_RST            3
#define OP_SHUTDOWN       4
#define OP_RW             5
#define OP_CREDIT_UPDATE  6
#define OP_CREDIT_REQUEST 7
#define SHUT_RCV  1
#define SHUT_SEND 2
#define SHUT_BOTH 3

#define EVENT_TRANSPORT_RESET 0

struct vsock_hdr {
	u64 src_cid;
	u64 dst_cid;
	u32 src_port;
	u32 dst_port;
	u32 len;
	u16 type;
	u16 op;
	u32 flags;
	u32 buf_alloc;
	u32 fwd_cnt;
} __attribute__((packed));
_Static_assert(sizeof(struct vsock_hdr) == 44, "virtio_vsock_hdr is 44 bytes");

#define HDR_LEN    44
#define RX_PAYLOAD 4096                 /* like Linux: header + 4 KiB per receive buffer */
#define RX_STRIDE  4160                 /* 44 + 4096 rounded up to 64 */
#define BUF_ALLOC  (64 * 1024)          /* ring size per connection; the most buf= may advertise */
#define MAX_CONN   64
#define MAX_PKT    65536                /* most payload per RW we send (the device's MAX_PAYLOAD) */
#define MAX_SLOTS  64                   /* transmit packets in flight */
#define EVENT_BUFS 4
#define ORPHANS    64                   /* RSTs owed to packets of unknown connections */
#define CREDIT_REQUEST_MS 100           /* credit-blocked this long: ask for a CREDIT_UPDATE */

enum op { OP_ECHO, OP_CLIENT, OP_REFUSED, OP_BENCH, OP_RTT, OP_SINK };
enum cstate { C_FREE, C_CONNECTING, C_OPEN, C_CLOSING, C_DONE };

struct conn {
	int state;
	u32 lport, pport;                   /* guest (local) port, host (peer) port */
	u32 peer_buf_alloc, peer_fwd_cnt;   /* from the peer's last header */
	u32 tx_cnt;                         /* payload bytes we sent */
	u32 rx_cnt;                         /* payload bytes we received */
	u32 fwd_cnt, fwd_sent;              /* bytes we consumed; the value the peer last saw */
	u32 peer_shut, shut_sent;           /* SHUTDOWN flags received / sent */
	int want_request, want_response, want_credit_update, want_rst;
	int reset_by_peer;                  /* ended by the peer's RST */
	int opened;                         /* a RESPONSE came (client side) */
	/* echo: received, not yet echoed bytes (a BUF_ALLOC ring) */
	u8 *ring;
	u32 ring_head, ring_len;
	/* client / bench / rtt: bytes to send; counters */
	u64 total, sent, received;
	u32 crc;
	u64 blocked_since;                  /* TSC when data first waited for credit, 0 if not */
	int credit_requested;
};

static struct vdev dev;
static struct virtq rxq, txq, evq;
static u64 my_cid;
static enum op op;
static int failures;
static int trace;
static u32 pkt = MAX_PKT;
static u32 buf_alloc = BUF_ALLOC;     /* what we advertise (buf=) */

static struct conn conns[MAX_CONN];
static u8 *rings[MAX_CONN];
static u32 rr;                          /* round-robin start for transmit */

static u8 *rx_bufs;
static u32 *event_bufs;
static struct vsock_hdr *slot_hdr;
static u8 *slot_data;
static u32 slot_free[MAX_SLOTS], nslots, nfree;

static struct { u32 src, dst; } orphans[ORPHANS];
static u32 norphans, orphans_dropped;

static u32 port;                        /* port= */
static u64 bytes;                       /* bytes= (client), mib= (bench), count= x size= (rtt) */
static u64 trip_size;                   /* size= (rtt) */
static int rtt_mismatch;                /* an echoed byte differed (reported once) */
#define MAX_TRIP_SIZE (1UL << 20)

/* echo server */
static u32 listen_port;
static u64 want_conns, accepted, served, ended;
static int survive_reset;               /* survive-reset=1: a transport reset drops the connections, serving goes on */

/* pattern source for client/bench/rtt: pattern[i] = (i*7+3) & 0xff, MAX_PKT + 256 bytes */
static u8 *pattern;
static u64 bench_start, bench_end;      /* bench: first RW .. end of the connection; rtt: first RW .. last echo byte */

static u64 credit_requests;

static void copy(void *d, const void *s, u64 n)
{
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static const char *op_name(u32 o)
{
	static const char *names[] = { "op0", "REQUEST", "RESPONSE", "RST", "SHUTDOWN", "RW", "CREDIT_UPDATE",
				       "CREDIT_REQUEST" };
	return o < 8 ? names[o] : "op?";
}

static void trace_hdr(const char *dir, const struct vsock_hdr *h)
{
	uprintf("virtio-vsock: %s %s %lu:%u -> %lu:%u len %u flags %u buf_alloc %u fwd_cnt %u\n", dir,
		op_name(h->op), h->src_cid, h->src_port, h->dst_cid, h->dst_port, h->len, h->flags, h->buf_alloc,
		h->fwd_cnt);
}

/* ---- transmit ---- */

static int reap_tx(void)
{
	u64 slot;
	int any = 0;

	while (virtq_poll(&txq, &slot, 0)) {
		slot_free[nfree++] = (u32)slot;
		any = 1;
	}
	return any;
}

/* Fills a free slot's header for c (or an orphan when c is 0); 0 if no slot is free. */
static struct vsock_hdr *tx_begin(u32 *slot)
{
	if (nfree == 0)
		return 0;
	*slot = slot_free[--nfree];
	struct vsock_hdr *h = &slot_hdr[*slot];
	memset(h, 0, sizeof(*h));
	h->src_cid = my_cid;
	h->dst_cid = HOST_CID;
	h->type = TYPE_STREAM;
	h->buf_alloc = buf_alloc;
	return h;
}

static void tx_commit(u32 slot, u32 len)
{
	struct vsock_hdr *h = &slot_hdr[slot];
	struct vbuf b[2] = {
		{ (u64)h, HDR_LEN, 0 },
		{ (u64)(slot_data + (u64)slot * pkt), len, 0 },
	};
	h->len = len;
	if (trace)
		trace_hdr("tx", h);
	if (virtq_submit(&txq, b, len ? 2 : 1, slot) != 0) {
		uprintf("virtio-vsock: queue 1 full\n"); /* cannot happen: slots <= what the ring holds */
		vexit(1);
	}
}

/* A header-only packet for connection c. */
static int tx_ctrl(struct conn *c, u32 opc, u32 flags)
{
	u32 slot;
	struct vsock_hdr *h = tx_begin(&slot);
	if (!h)
		return 0;
	h->src_port = c->lport;
	h->dst_port = c->pport;
	h->op = (u16)opc;
	h->flags = flags;
	h->fwd_cnt = c->fwd_cnt;
	c->fwd_sent = c->fwd_cnt;
	tx_commit(slot, 0);
	return 1;
}

static u32 peer_credit(const struct conn *c)
{
	u32 inflight = c->tx_cnt - c->peer_fwd_cnt;
	return inflight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - inflight;
}

static u64 data_ready(const struct conn *c)
{
	if (op == OP_ECHO)
		return c->ring_len;
	if (op == OP_RTT) {
		/* The round trip that byte `received` belongs to may be sent; the next one only once it is back. */
		u64 end = (c->received / trip_size + 1) * trip_size;
		if (end > c->total)
			end = c->total;
		return end > c->sent ? end - c->sent : 0;
	}
	return c->total - c->sent;
}

/* An RW of up to n bytes; returns the bytes sent (0: no slot). */
static u32 tx_data(struct conn *c, u32 n)
{
	u32 slot;
	struct vsock_hdr *h = tx_begin(&slot);
	if (!h)
		return 0;
	u8 *p = slot_data + (u64)slot * pkt;
	if (op == OP_ECHO) {
		u32 first = BUF_ALLOC - c->ring_head;
		if (first > n)
			first = n;
		copy(p, c->ring + c->ring_head, first);
		copy(p + first, c->ring, n - first);
		c->ring_head = (c->ring_head + n) % BUF_ALLOC;
		c->ring_len -= n;
		c->fwd_cnt += n; /* consumed from our receive buffer */
	} else {
		copy(p, pattern + (c->sent & 255), n);
		if (c->sent == 0 && (op == OP_BENCH || op == OP_RTT))
			bench_start = rdtsc();
	}
	c->sent += n;
	c->tx_cnt += n;
	h->src_port = c->lport;
	h->dst_port = c->pport;
	h->op = OP_RW;
	h->fwd_cnt = c->fwd_cnt;
	c->fwd_sent = c->fwd_cnt;
	tx_commit(slot, n);
	return n;
}

static void end_conn(struct conn *c);

/* Our side has nothing more to send: the data is out, or the peer stopped receiving. */
static int send_side_done(const struct conn *c)
{
	if (c->peer_shut & SHUT_RCV)
		return 1;
	if (op == OP_ECHO)
		return (c->peer_shut & SHUT_SEND) && c->ring_len == 0;
	if (op == OP_RTT) /* after the last echo came back, or when no more can come */
		return (c->sent == c->total && c->received >= c->total) || (c->peer_shut & SHUT_SEND);
	return c->sent == c->total;
}

/* Sends at most one packet for c; returns 1 if it did. */
static int conn_next_packet(struct conn *c)
{
	if (c->want_rst) {
		if (!tx_ctrl(c, OP_RST, 0))
			return 0;
		c->want_rst = 0;
		end_conn(c);
		return 1;
	}
	if (c->want_request) {
		if (!tx_ctrl(c, OP_REQUEST, 0))
			return 0;
		c->want_request = 0;
		return 1;
	}
	if (c->want_response) {
		if (!tx_ctrl(c, OP_RESPONSE, 0))
			return 0;
		c->want_response = 0;
		c->state = C_OPEN;
		return 1;
	}
	if (c->state != C_OPEN)
		return 0;
	if (c->want_credit_update || c->fwd_cnt - c->fwd_sent >= (buf_alloc + 3) / 4) {
		if (!tx_ctrl(c, OP_CREDIT_UPDATE, 0))
			return 0;
		c->want_credit_update = 0;
		return 1;
	}
	if (c->peer_shut & SHUT_RCV) {
		/* The peer takes no more data: what we hold for it is dropped (and so consumed). */
		c->fwd_cnt += c->ring_len;
		c->ring_len = 0;
	}
	u64 ready = data_ready(c);
	if (ready && !(c->shut_sent & SHUT_SEND) && !(c->peer_shut & SHUT_RCV)) {
		u32 credit = peer_credit(c);
		u32 n = (u32)(ready < pkt ? ready : pkt);
		if (n > credit)
			n = credit;
		if (n == 0) {
			if (c->blocked_since == 0)
				c->blocked_since = rdtsc();
			return 0;
		}
		c->blocked_since = 0;
		c->credit_requested = 0;
		return tx_data(c, n) != 0;
	}
	if (!send_side_done(c))
		return 0;
	if (c->peer_shut & SHUT_SEND) {
		/* Both directions finished. A peer that shut down both ways gets RST (as Linux does);
		 * otherwise we shut down both ways and wait for the peer's RST. */
		if (c->peer_shut == SHUT_BOTH) {
			if (!tx_ctrl(c, OP_RST, 0))
				return 0;
			end_conn(c);
			return 1;
		}
		if (!tx_ctrl(c, OP_SHUTDOWN, SHUT_BOTH))
			return 0;
		c->shut_sent = SHUT_BOTH;
		c->state = C_CLOSING;
		return 1;
	}
	if (!(c->shut_sent & SHUT_SEND)) {
		if (!tx_ctrl(c, OP_SHUTDOWN, SHUT_SEND))
			return 0;
		c->shut_sent |= SHUT_SEND;
		return 1;
	}
	return 0;
}

static void pump_tx(void)
{
	while (norphans && nfree) {
		u32 slot;
		struct vsock_hdr *h = tx_begin(&slot);
		norphans--;
		h->src_port = orphans[norphans].src;
		h->dst_port = orphans[norphans].dst;
		h->op = OP_RST;
		tx_commit(slot, 0);
	}
	/* Round robin: each connection sends at most one packet per pass. */
	for (;;) {
		int sent = 0;
		for (u32 k = 0; k < MAX_CONN && nfree; k++) {
			struct conn *c = &conns[(rr + k) % MAX_CONN];
			if (c->state != C_FREE && c->state != C_DONE)
				sent |= conn_next_packet(c);
		}
		rr = (rr + 1) % MAX_CONN;
		if (!sent || !nfree)
			break;
	}
	virtq_kick(&txq);
}

/* ---- receive ---- */

static void post_rx(u64 i)
{
	u8 *p = rx_bufs + i * RX_STRIDE;
	struct vbuf b[2] = { { (u64)p, HDR_LEN, 1 }, { (u64)p + HDR_LEN, RX_PAYLOAD, 1 } };
	static int split = -1;
	if (split < 0)
		split = arg_u64("rxsplit", 0) != 0;
	if (split) {
		virtq_submit(&rxq, b, 2, i);
	} else {
		b[0].len = HDR_LEN + RX_PAYLOAD;
		virtq_submit(&rxq, b, 1, i);
	}
}

static void owe_rst(const struct vsock_hdr *h)
{
	if (h->op == OP_RST)
		return;
	if (norphans == ORPHANS) {
		orphans_dropped++;
		return;
	}
	orphans[norphans].src = h->dst_port;
	orphans[norphans].dst = h->src_port;
	norphans++;
}

static struct conn *find_conn(u32 lport, u32 pport)
{
	for (u32 i = 0; i < MAX_CONN; i++) {
		struct conn *c = &conns[i];
		if (c->state != C_FREE && c->state != C_DONE && c->lport == lport && c->pport == pport)
			return c;
	}
	return 0;
}

static struct conn *new_conn(u32 lport, u32 pport)
{
	for (u32 i = 0; i < MAX_CONN; i++) {
		struct conn *c = &conns[i];
		if (c->state == C_FREE || (c->state == C_DONE && op == OP_ECHO)) {
			memset(c, 0, sizeof(*c));
			if (op == OP_ECHO) {
				if (!rings[i])
					rings[i] = dma_alloc(BUF_ALLOC, 4096);
				c->ring = rings[i];
			}
			c->lport = lport;
			c->pport = pport;
			return c;
		}
	}
	return 0;
}

static void protocol_error(struct conn *c, const char *what)
{
	uprintf("virtio-vsock: %s on connection %u <-> host %u\n", what, c->lport, c->pport);
	failures++;
	c->want_rst = 1;
}

/* A connection is over (RST sent or received). */
static void end_conn(struct conn *c)
{
	if (c->state == C_DONE)
		return;
	int was_connecting = c->state == C_CONNECTING;
	c->state = C_DONE;
	if (op != OP_ECHO)
		return;
	ended++;
	if (was_connecting) {
		uprintf("virtio-vsock: connection from %u reset before it was accepted\n", c->pport);
		failures++;
		return;
	}
	if (c->reset_by_peer && !(c->peer_shut & SHUT_SEND)) {
		uprintf("virtio-vsock: connection from %u reset after %lu bytes\n", c->pport, c->sent);
		failures++;
		return;
	}
	uprintf("virtio-vsock: echoed %lu bytes on connection from %u\n", c->sent, c->pport);
	served++;
}

static void handle_packet(const struct vsock_hdr *h, const u8 *payload, u32 used_len)
{
	if (trace)
		trace_hdr("rx", h);
	if (used_len < HDR_LEN || used_len != HDR_LEN + h->len || h->len > RX_PAYLOAD) {
		uprintf("virtio-vsock: bad rx packet: used length %u, header len %u, op %u\n", used_len, h->len, h->op);
		failures++;
		return;
	}
	if (h->src_cid != HOST_CID || h->dst_cid != my_cid || h->type != TYPE_STREAM) {
		uprintf("virtio-vsock: bad rx packet: cid %lu -> %lu type %u op %u\n", h->src_cid, h->dst_cid, h->type,
			h->op);
		failures++;
		if (h->type != TYPE_STREAM && h->dst_cid == my_cid)
			owe_rst(h);
		return;
	}
	if (h->op != OP_RW && h->len != 0) {
		uprintf("virtio-vsock: bad rx packet: %s with len %u\n", op_name(h->op), h->len);
		failures++;
		return;
	}
	struct conn *c = find_conn(h->dst_port, h->src_port);
	if (!c) {
		if (h->op == OP_REQUEST && op == OP_ECHO && h->dst_port == listen_port && accepted < want_conns &&
		    (c = new_conn(h->dst_port, h->src_port)) != 0) {
			accepted++;
			c->state = C_CONNECTING;
			c->peer_buf_alloc = h->buf_alloc;
			c->peer_fwd_cnt = h->fwd_cnt;
			c->want_response = 1;
			return;
		}
		owe_rst(h);
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case OP_REQUEST:
		protocol_error(c, "REQUEST on an open connection");
		break;
	case OP_RESPONSE:
		if (c->state != C_CONNECTING || c->want_request) {
			protocol_error(c, "unexpected RESPONSE");
			break;
		}
		c->state = C_OPEN;
		c->opened = 1;
		break;
	case OP_RST:
		c->reset_by_peer = 1;
		end_conn(c);
		break;
	case OP_SHUTDOWN:
		if ((h->flags & ~(u32)SHUT_BOTH) || h->flags == 0)
			uprintf("virtio-vsock: SHUTDOWN with flags 0x%x from host %u\n", h->flags, c->pport);
		c->peer_shut |= h->flags & SHUT_BOTH;
		break;
	case OP_RW:
		if (c->state == C_CONNECTING) {
			protocol_error(c, "RW before RESPONSE");
			break;
		}
		if (c->peer_shut & SHUT_SEND) {
			protocol_error(c, "RW after SHUTDOWN(SEND)");
			break;
		}
		if (c->rx_cnt - c->fwd_cnt + h->len > buf_alloc) {
			protocol_error(c, "host overran its credit");
			break;
		}
		c->rx_cnt += h->len;
		c->received += h->len;
		if (c->state == C_CLOSING) {
			c->fwd_cnt += h->len; /* we shut down receiving: dropped */
		} else if (op == OP_ECHO) {
			u32 tail = (c->ring_head + c->ring_len) % BUF_ALLOC, first = BUF_ALLOC - tail;
			if (first > h->len)
				first = h->len;
			copy(c->ring + tail, payload, first);
			copy(c->ring, payload + first, h->len - first);
			c->ring_len += h->len;
		} else {
			c->crc = crc32_update(c->crc, payload, h->len);
			c->fwd_cnt += h->len;
			if (op == OP_SINK) { /* first .. last byte received */
				bench_end = rdtsc();
				if (!bench_start)
					bench_start = bench_end;
			}
			if (op == OP_RTT) {
				u64 at = c->received - h->len;
				for (u32 i = 0; i < h->len && !rtt_mismatch; i++)
					if (payload[i] != pattern[(at + i) & 255] || at + i >= c->sent) {
						uprintf("virtio-vsock: rtt echo differs at byte %lu\n", at + i);
						rtt_mismatch = 1;
						failures++;
					}
				if (c->received >= c->total && !bench_end)
					bench_end = rdtsc(); /* the last round trip is back */
			}
		}
		break;
	case OP_CREDIT_UPDATE:
		break;
	case OP_CREDIT_REQUEST:
		c->want_credit_update = 1;
		break;
	default:
		protocol_error(c, "unknown op");
		break;
	}
}

static int poll_rx(void)
{
	u64 i;
	u32 len;
	int any = 0;

	while (virtq_poll(&rxq, &i, &len)) {
		u8 *p = rx_bufs + i * RX_STRIDE;
		struct vsock_hdr h;
		copy(&h, p, HDR_LEN);
		handle_packet(&h, p + HDR_LEN, len);
		post_rx(i);
		any = 1;
	}
	if (any)
		virtq_kick(&rxq);
	return any;
}

static void post_event(u64 i)
{
	struct vbuf b = { (u64)&event_bufs[i], sizeof(u32), 1 };
	virtq_submit(&evq, &b, 1, i);
}

/*
 * survive-reset=1 (echo-server): a transport reset (e.g. the VM was restored from a snapshot) means
 * every connection is gone on the host side and the CID may have changed (virtio 1.2 section 5.10.6.6).
 * Drop all connections without sending anything for them (like Linux's virtio_vsock_reset_sock), and the
 * RSTs still owed to unknown packets; dropped connections do not count towards count= (so the host can
 * connect again). Packets already on the tx queue go out as they are; later packets for dropped
 * connections are answered with RST like any unknown connection's.
 */
static void transport_reset(void)
{
	for (u32 i = 0; i < MAX_CONN; i++) {
		struct conn *c = &conns[i];
		if (c->state == C_FREE || c->state == C_DONE)
			continue;
		uprintf("virtio-vsock: connection from %u dropped by the reset after %lu bytes\n", c->pport, c->sent);
		accepted--;
		c->state = C_FREE;
	}
	norphans = 0;
	my_cid = vcfg64(&dev, 0);
}

static int poll_event(void)
{
	u64 i;
	if (!virtq_poll(&evq, &i, 0))
		return 0;
	u32 id = event_bufs[i];
	if (id == EVENT_TRANSPORT_RESET) {
		u64 cid = vcfg64(&dev, 0);
		uprintf("virtio-vsock: transport reset (cid now %lu)\n", cid);
		if (survive_reset) {
			transport_reset();
			post_event(i);
			virtq_kick(&evq);
			uprintf("virtio-vsock: listening on %u\n", listen_port);
			return 1;
		}
	} else {
		uprintf("virtio-vsock: event %u\n", id);
	}
	failures++;
	vexit(1);
}

/* ---- the loop ---- */

static u64 ms_cycles(u64 ms)
{
	return (tsc_hz ? tsc_hz : 3000000000UL) / 1000 * ms;
}

/* Polls until done() holds; exits 5 when nothing arrives for timeout= ms. */
static void run(int (*done)(void))
{
	u64 last = rdtsc(), next_check = last + timeout_cycles / 64;
	u64 creq = ms_cycles(CREDIT_REQUEST_MS);

	pump_tx();
	while (!done()) {
		int progress = reap_tx();
		progress |= poll_rx();
		progress |= poll_event();
		pump_tx();
		u64 now = rdtsc();
		if (progress) {
			last = now;
			continue;
		}
		cpu_pause();
		/* Data stuck on credit for a while: ask the peer for its state (once per stall). */
		for (u32 k = 0; k < MAX_CONN; k++) {
			struct conn *c = &conns[k];
			if (c->state == C_OPEN && c->blocked_since && !c->credit_requested && now - c->blocked_since > creq &&
			    tx_ctrl(c, OP_CREDIT_REQUEST, 0)) {
				c->credit_requested = 1;
				credit_requests++;
				virtq_kick(&txq);
			}
		}
		if (now >= next_check) {
			virtio_check_status(&dev);
			if (now - last >= timeout_cycles) {
				uprintf("virtio-vsock: timeout waiting for queue %u\n", txq.in_flight ? 1 : 0);
				vexit(EXIT_TIMEOUT);
			}
			next_check = now + timeout_cycles / 64;
		}
	}
}

static int conn0_done(void)
{
	return conns[0].state == C_DONE;
}

static int echo_done(void)
{
	if (ended < want_conns)
		return 0;
	for (u32 i = 0; i < MAX_CONN; i++)
		if (conns[i].state != C_FREE && conns[i].state != C_DONE)
			return 0;
	return norphans == 0 && txq.in_flight == 0;
}

/* ---- ops ---- */

static u32 arg_port(const char *key)
{
	u64 vlen;
	if (!arg_str(key, &vlen)) {
		uprintf("probe: bad cmdline argument '%s=': required\n", key);
		uexit(EXIT_BAD_CMDLINE);
	}
	u64 p = arg_u64(key, 0);
	if (p > 0xffffffffUL) {
		uprintf("probe: bad cmdline argument '%s=%lu': want a 32-bit port\n", key, p);
		uexit(EXIT_BAD_CMDLINE);
	}
	return (u32)p;
}

static void op_echo(void)
{
	listen_port = port;
	uprintf("virtio-vsock: listening on %u\n", listen_port);
	if (want_conns)
		run(echo_done);
	uprintf("virtio-vsock: served %lu connections\n", served);
	if (served != want_conns)
		failures++;
}

static struct conn *connect(u32 port, u64 total)
{
	u32 lport = (u32)arg_u64("lport", 1024);   /* checked in body() */
	struct conn *c = new_conn(lport, port);
	c->state = C_CONNECTING;
	c->want_request = 1;
	c->total = total;
	return c;
}

static void op_client(void)
{
	struct conn *c = connect(port, bytes);
	run(conn0_done);
	if (!c->opened) {
		uprintf("virtio-vsock: port %u refused\n", port);
		failures++;
	}
	char hex[9];
	hex8(hex, c->crc);
	uprintf("virtio-vsock: client sent %lu received %lu crc32 0x%s\n", c->sent, c->received, hex);
	if (c->sent != bytes)
		failures++;
}

static void op_refused(void)
{
	struct conn *c = connect(port, 0);
	/* Run until the connection ends; an accepted one is closed by us right away (total 0). */
	run(conn0_done);
	if (c->reset_by_peer && !c->opened) {
		uprintf("virtio-vsock: port %u refused\n", port);
	} else {
		uprintf("virtio-vsock: port %u accepted the connection\n", port);
		failures++;
	}
}

static void op_bench(void)
{
	struct conn *c = connect(port, bytes);
	run(conn0_done);
	bench_end = rdtsc();
	u64 cycles = bench_start ? bench_end - bench_start : 0;
	if (cycles == 0)
		cycles = 1;
	if (tsc_hz) {
		u64 us = cycles * 1000000 / tsc_hz;
		if (us == 0)
			us = 1;
		uprintf("virtio-vsock: bench sent %lu bytes cycles %lu MBps %lu\n", c->sent, cycles, c->sent / us);
	} else {
		uprintf("virtio-vsock: bench sent %lu bytes cycles %lu MBps ?\n", c->sent, cycles);
	}
	if (c->sent != bytes)
		failures++;
}

/* Connects, sends nothing, and times what the host sends until it closes. */
static void op_sink(void)
{
	struct conn *c = connect(port, 0);
	run(conn0_done);
	if (!c->opened) {
		uprintf("virtio-vsock: port %u refused\n", port);
		failures++;
	}
	u64 cycles = bench_start && bench_end > bench_start ? bench_end - bench_start : 1;
	char hex[9];
	hex8(hex, c->crc);
	if (tsc_hz) {
		u64 us = cycles * 1000000 / tsc_hz;
		if (us == 0)
			us = 1;
		uprintf("virtio-vsock: sink received %lu bytes cycles %lu MBps %lu crc32 0x%s\n", c->received, cycles,
			c->received / us, hex);
	} else {
		uprintf("virtio-vsock: sink received %lu bytes cycles %lu MBps ? crc32 0x%s\n", c->received, cycles, hex);
	}
	if (c->received != bytes)
		failures++;
}

static void op_rtt(void)
{
	struct conn *c = connect(port, bytes);
	run(conn0_done);
	if (!c->opened) {
		uprintf("virtio-vsock: port %u refused\n", port);
		failures++;
	}
	u64 trips = c->received / trip_size, want = bytes / trip_size;
	if (trips > want)
		trips = want;
	u64 cycles = bench_start && bench_end ? bench_end - bench_start : 0;
	uprintf("virtio-vsock: rtt %lu round trips of %lu bytes cycles %lu per-trip %lu\n", trips, trip_size, cycles,
		trips ? cycles / trips : 0);
	if (trips != want)
		failures++;
}

static int body(void *unused)
{
	(void)unused;
	u64 vlen;
	const char *o = arg_str("op", &vlen);
	if (!o || arg_is("op", "echo-server"))
		op = OP_ECHO;
	else if (arg_is("op", "client"))
		op = OP_CLIENT;
	else if (arg_is("op", "refused"))
		op = OP_REFUSED;
	else if (arg_is("op", "bench"))
		op = OP_BENCH;
	else if (arg_is("op", "rtt"))
		op = OP_RTT;
	else if (arg_is("op", "sink"))
		op = OP_SINK;
	else {
		uprintf("probe: bad cmdline argument 'op=...': want echo-server, client, refused, bench, sink or rtt\n");
		uexit(EXIT_BAD_CMDLINE);
	}
	trace = arg_u64("trace", 0) != 0;
	u64 p = arg_u64("pkt", MAX_PKT);
	if (p == 0 || p > MAX_PKT) {
		uprintf("probe: bad cmdline argument 'pkt=%lu': want 1..%u\n", p, MAX_PKT);
		uexit(EXIT_BAD_CMDLINE);
	}
	pkt = (u32)p;
	p = arg_u64("buf", BUF_ALLOC);
	if (p == 0 || p > BUF_ALLOC) {
		uprintf("probe: bad cmdline argument 'buf=%lu': want 1..%u\n", p, BUF_ALLOC);
		uexit(EXIT_BAD_CMDLINE);
	}
	buf_alloc = (u32)p;
	port = arg_port("port");
	want_conns = arg_u64("count", 1);
	bytes = op == OP_BENCH || op == OP_SINK ? boot_info->args.mib << 20 : arg_u64("bytes", 4096);
	trip_size = arg_u64("size", 1);
	if (op == OP_RTT) {
		if (trip_size == 0 || trip_size > MAX_TRIP_SIZE) {
			uprintf("probe: bad cmdline argument 'size=%lu': want 1..%lu\n", trip_size, MAX_TRIP_SIZE);
			uexit(EXIT_BAD_CMDLINE);
		}
		if (want_conns > (1UL << 40) / trip_size) {
			uprintf("probe: bad cmdline argument 'count=%lu': count x size must be at most 2^40\n", want_conns);
			uexit(EXIT_BAD_CMDLINE);
		}
		bytes = want_conns * trip_size;
	}
	arg_u64("lport", 1024);
	arg_u64("rxsplit", 0);
	survive_reset = op == OP_ECHO && arg_u64("survive-reset", 0) != 0;

	virtio_find(&dev, VIRTIO_ID_VSOCK);
	virtio_negotiate(&dev, 0);
	virtq_setup(&dev, &rxq, 0);
	virtq_setup(&dev, &txq, 1);
	virtq_setup(&dev, &evq, 2);

	/* Receive buffers fill the whole rx ring (one or two descriptors each); a few event buffers. */
	u64 nrx = arg_u64("rxsplit", 0) && !has_feature(&dev, VIRTIO_F_INDIRECT_DESC) ? rxq.size / 2 : rxq.size;
	rx_bufs = dma_alloc(nrx * RX_STRIDE, 4096);
	event_bufs = dma_alloc(EVENT_BUFS * sizeof(u32), 64);
	/* Transmit slots: header + payload (two descriptors, or one indirect). */
	nslots = has_feature(&dev, VIRTIO_F_INDIRECT_DESC) ? txq.size : txq.size / 2u;
	if (nslots > MAX_SLOTS)
		nslots = MAX_SLOTS;
	if (nslots == 0) {
		uprintf("virtio-vsock: qsize %u cannot hold a data packet (header + payload)\n", txq.size);
		vexit(1);
	}
	slot_hdr = dma_alloc(nslots * sizeof(struct vsock_hdr), 64);
	slot_data = dma_alloc((u64)nslots * pkt, 4096);
	for (u32 i = 0; i < nslots; i++)
		slot_free[nfree++] = nslots - 1 - i;
	if (op == OP_CLIENT || op == OP_BENCH || op == OP_RTT) {
		pattern = dma_alloc(MAX_PKT + 256, 64);
		for (u32 i = 0; i < MAX_PKT + 256; i++)
			pattern[i] = (u8)(i * 7 + 3);
	}

	virtio_driver_ok(&dev);
	my_cid = vcfg64(&dev, 0);
	uprintf("virtio-vsock: cid %lu\n", my_cid);

	for (u64 i = 0; i < nrx; i++)
		post_rx(i);
	virtq_kick(&rxq);
	for (u64 i = 0; i < EVENT_BUFS && i < evq.size; i++)
		post_event(i);
	virtq_kick(&evq);

	switch (op) {
	case OP_ECHO: op_echo(); break;
	case OP_CLIENT: op_client(); break;
	case OP_REFUSED: op_refused(); break;
	case OP_BENCH: op_bench(); break;
	case OP_RTT: op_rtt(); break;
	case OP_SINK: op_sink(); break;
	}
	/* Let the last packets (our RST or SHUTDOWN) reach the device before exiting. */
	u64 start = rdtsc();
	while (txq.in_flight && rdtsc() - start < timeout_cycles)
		reap_tx();
	if (orphans_dropped)
		uprintf("virtio-vsock: %u RSTs not sent (too many unknown packets)\n", orphans_dropped);
	if (arg_u64("verbose", 0))
		uprintf("virtio-vsock: %lu credit requests\n", credit_requests);
	virtio_check_status(&dev);
	vexit(failures ? 1 : 0);
}

int probe_main(const struct boot *b)
{
	virtio_boot(b, "virtio-vsock", body);
}
