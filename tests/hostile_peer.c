/* SPDX-License-Identifier: MPL-2.0 */
/* hostile_peer: a misbehaving Council member, or a stranger, attacking one
   running ceptoard over the replication protocol (docs/protocol.md 13). */

/* Usage:
       hostile_peer --key KEYFILE --server-card CARDFILE
                    --endpoint tcp://127.0.0.1:PORT --attack NAME
                    [--roster ROSTER] [--audience NAME] [--entry ID]
                    [--claim NAME] [--duration MS] [--after FILE]
       hostile_peer --key KEYFILE --server-card CARDFILE
                    --endpoint tcp://127.0.0.1:PORT --roster ROSTER
                    --attack dump --dump FILE
       hostile_peer --key KEYFILE --roster ROSTER --attack dump-listen
                    --listen tcp://127.0.0.1:PORT --dump FILE

   KEYFILE is a key file without passphrase: a member's (the program then
   plays that member; its own daemon must not run) or, for non-member, a
   key that is not in the roster. CARDFILE is the target node's identity
   card: its box key is the CurveZMQ server key, its sign key the one its
   HELLO must carry. ROSTER (the roster in force) gives the HELLO's roster
   version and hash and the members; every attack but non-member and
   null-mechanism needs it. --audience names the member that
   plaintext-outside-audience addresses (default: the first member that is
   neither this key nor the target).

   The program connects one DEALER as a CurveZMQ client (or, for
   null-mechanism, without any security), runs one attack, and prints one
   line per observation:
       send WANT seq 3                    a frame it sent (selected ones)
       reply ERROR 102 out-of-sequence "send HELLO"
       reply ENTRIES seq 4 2 items
       no reply                           nothing within the wait
       event HANDSHAKE_FAILED_AUTH 400    a ZeroMQ socket monitor event
       pushed id=<64 hex> seq=N ...       an entry it pushed (for scripts)
       item id=<hex> author=<fpr8> seq=N level=L payload=none|plaintext|sealed
       ok: ...  /  FAIL: ...              one check and its outcome
   and exits 0 if the node behaved as section 13 requires for that attack,
   1 if a check failed, 2 on a usage or I/O error.

   Attacks, and what each requires of the node:
     forged-signature   a pushed stub whose signature was altered: no
                        reply (a push is never answered), not stored;
     broken-chain       a stub at head + 5, and one at head + 1 whose prev
                        is wrong: no reply, neither stored;
     wrong-author       HELLO naming another member's key: ERROR 101; a
                        stub claiming another member as author (signed by
                        this key): refused; a stub by a non-member key,
                        signed correctly: refused;
     plaintext-outside-audience
                        this member's own AMBER entry for another member,
                        pushed with its plaintext payload: no reply, the
                        header stored, the payload not (a WANT returns
                        the stub without payload);
     replay             a valid entry pushed twice, an older one again,
                        and a frame sent again with its old sequence
                        number: duplicates change nothing, the frame
                        replay is a gap (ERROR 102), the node still serves;
     oversize           a 9 MiB message (libzmq drops the connection:
                        ZMQ_MAXMSGSIZE), then an ENTRIES with 1025 items,
                        a stub-len over the limit, a WANT with 257 ranges:
                        ERROR 5 each, and the node serves a new session;
     truncated          every prefix of a valid HELLO, HEADS and WANT:
                        only ERROR 1, at most 10 per second, then a full
                        session works;
     unknown-type       type 99: ERROR 6; version 2: ERROR 100; bad
                        magic: nothing;
     flood              5000 WANT as fast as possible after HELLO: some
                        ERROR 103 (busy), ERRORs rate limited, the node
                        still answers afterwards;
     slow-reader        100 WANT (under the node's rate) while reading
                        nothing, with a tiny receive window: every request
                        gets its reply, or the replies the node could not
                        send show as a gap in its sequence numbers;
     bad-roster         HELLO naming our roster version with another hash
                        (a roster fork): ERROR 105; an unparsable ROSTER
                        and a next version signed by this member alone:
                        ERROR 105 each, nothing switched; the roster in
                        force sent again: no answer;
     out-of-sequence    a skipped sequence number: ERROR 102, and 102
                        again until a HELLO restarts the session;
     before-hello       WANT, HEADS and a push on a new connection before
                        any HELLO: ERROR 102 each, the push not stored;
     non-member         a key outside the roster: the handshake is refused
                        (ZAP), and nothing at all comes back within 3 s;
     null-mechanism     a DEALER without CURVE: nothing comes back;
     zap-window         for a node started while its ZAP handler is not
                        running yet (a test build, tests/CMakeLists.txt:
                        ceptoard_zap_late): the handshake must SUCCEED
                        (libzmq admits any CURVE client when no handler
                        is bound: the window is open), then every second
                        a HELLO (naming --claim's sign key, default this
                        key's), a HEADS and a WANT of the target's own
                        entries, for --duration ms (default 3000), or with
                        --after FILE until FILE exists (at most 60 s) and
                        then --duration ms more on the same connection;
                        nothing at all may come back (the User-Id check);
                        prints "sent N frames" (N before FILE, too);
     forged-receipt     receipts for entry ID (--entry: the target's
                        entry, whose audience must exclude this member):
                        one claiming another member as author, signed by
                        this key; one of this member's own, validly
                        signed, although it could not have received the
                        entry; one addressed to the whole council: none
                        is stored, each counted (reasons signature,
                        receipt);
     serve-check        a legitimate session that fetches every range the
                        node advertises: every stub verifies, every payload
                        matches its header, and no payload goes beyond what
                        keys_disclosure_payload allows this member; payloads
                        this member may not have are refused (ERROR 104).

   Two modes record what a node sends this member, for tests that look for
   a string in the decrypted bytes (CurveZMQ encrypts the wire itself).
   Each received frame is appended to the --dump FILE as a 4-octet
   big-endian length and then the frame's octets exactly as received, and
   the file is flushed after each frame:
     dump               the serve-check session (HELLO, HEADS, a WANT of
                        every author's entries from seq 1, with the same
                        checks); every frame the node answers is recorded;
     dump-listen        serve this member's own endpoint (--listen, a
                        ROUTER as CurveZMQ server with this key; no
                        --server-card or --endpoint) to the nodes that
                        connect to it, until SIGINT or SIGTERM: answer
                        HELLO with HELLO, HEADS with an empty HEADS, WANT
                        and PAYLOADS with ERROR 104; record every frame
                        they send (their pushes, HEADS, notices). Prints
                        "listen: session with NAME" once NAME's first HEADS
                        came (the node's session is ready: it pushes from
                        then on), and one "item" line per pushed entry.

   Replies on one connection come back in order, so "no reply" to a push
   is checked by sending a HEADS right after it: its HEADS must be the
   next frame. Waits use zpoller with a timeout. The node sends at most 10
   ERROR frames per second to a peer (13.10) and only counts the rest, so
   the program waits 1.1 s before each attack and paces its frames when
   it expects an ERROR (except where the attack is the rate itself).     */

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <czmq.h>

#include "../keys/keys.h"

#define S_REPLY_MS 3000                 /* an answer is due within        */
#define S_SILENCE_MS 3000               /* nothing may come within        */
#define S_FLOOD_REQUESTS 5000
#define S_OVERSIZE_BYTES (9 * 1024 * 1024)
#define S_MAX_HEADS PROTO_WIRE_HEADS_MAX
#define S_ERRORS_SLIDING_MAX (2 * PROTO_WIRE_ERRORS_PER_SEC)
#define S_PACE_WINDOW 16                /* ERROR times kept for pacing    */
#define S_PACE_MS 1100                  /* a fresh ERROR budget after     */
#define S_SLOW_REQUESTS 100             /* under the node's 200 per second */
#define S_SLOW_RCVBUF 4096              /* octets of TCP receive buffer   */
#define S_BIG_BODY (256 * 1024)         /* body of the slow-reader's entries */
#define S_BIG_ENTRIES 4                 /* ~1 MiB per WANT reply          */

/* A head the node advertised (copied out of its HEADS).                     */
typedef struct {
    uint8_t author[PROTO_PK_BYTES];
    uint64_t seq;
    uint8_t id[PROTO_HASH_BYTES];
} s_head_t;

/* An entry this program made: stub, payload, id.                           */
typedef struct {
    proto_header_t header;
    uint8_t stub[PROTO_STUB_MAX];
    size_t stub_len;
    uint8_t payload[S_BIG_BODY + 1024]; /* plaintext payload             */
    size_t payload_len;                 /* 0: none                        */
    uint8_t id[PROTO_HASH_BYTES];
} s_entry_t;

/* One frame received from the node.                                         */
typedef struct {
    zframe_t *frame;                    /* owned; NULL: nothing came      */
    proto_reject_t reject;              /* decode result                  */
    proto_wire_frame_t wire;            /* borrows frame                  */
} s_reply_t;

/* The attacker.                                                             */
typedef struct {
    keys_secret_t *key;                 /* our keys                       */
    keys_card_t server;                 /* the target's card              */
    keys_roster_t *roster;              /* NULL without --roster          */
    uint8_t roster_hash[PROTO_HASH_BYTES];
    uint64_t roster_version;            /* 1 without a roster             */
    const char *endpoint;               /* target's ROUTER                */
    const char *audience;               /* --audience, or NULL            */
    uint8_t entry[PROTO_HASH_BYTES];    /* --entry (forged-receipt)       */
    bool entry_set;
    zsock_t *dealer;                    /* our connection                 */
    zsock_t *monitor;                   /* PAIR: the dealer's events      */
    zpoller_t *poller;                  /* on dealer                      */
    unsigned monitors;                  /* monitors started, for names    */
    uint32_t send_seq;                  /* last sequence number sent      */
    uint32_t recv_seq;                  /* last sequence number received  */
    bool restart;                       /* HELLO sent: replies from 1     */
    bool allow_gaps;                    /* flood: ROUTER may drop replies */
    unsigned gaps;                      /* gaps noted while allowed       */
    int64_t error_ms[S_PACE_WINDOW];    /* when the last ERRORs came      */
    size_t errors;                      /* ERRORs received in all         */
    bool no_pace;                       /* flood, truncated: send at once */
    bool slow;                          /* tiny receive window (slow-reader) */
    s_head_t heads[S_MAX_HEADS];        /* the node's latest HEADS        */
    size_t head_count;
    int failures;                       /* checks failed                  */
    FILE *dump;                         /* --dump: received frames        */
    size_t dump_frames;                 /* frames recorded                */
    uint64_t dump_bytes;                /* their octets                   */
    const char *listen;                 /* --listen endpoint (dump-listen) */
    const char *claim;                  /* --claim: HELLO names this member */
    int duration_ms;                    /* --duration (zap-window)        */
    const char *after;                  /* --after FILE (zap-window)      */
} s_hostile_t;

typedef int (s_attack_fn) (s_hostile_t *self);

//  --------------------------------------------------------------------------
//  Output: one line per observation, flushed, so a script can follow.

static void
s_say (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

static void
s_say (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vprintf (format, args);
    va_end (args);
    putchar ('\n');
    fflush (stdout);
}

//  --------------------------------------------------------------------------
//  Record one check: "ok: what" or "FAIL: what". Returns cond.

static bool
s_check (s_hostile_t *self, bool cond, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static bool
s_check (s_hostile_t *self, bool cond, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fputs (cond ? "ok: " : "FAIL: ", stdout);
    vprintf (format, args);
    va_end (args);
    putchar ('\n');
    fflush (stdout);
    if (!cond)
        self->failures++;
    return cond;
}

static void
s_hex8 (char out[17], const uint8_t *bin)
{
    proto_hex_encode (out, bin, 8);
}

//  --------------------------------------------------------------------------
//  Socket monitor: the dealer's ZeroMQ events (connections, handshakes).

static const char *
s_event_name (unsigned event)
{
    switch (event) {
    case ZMQ_EVENT_CONNECTED: return "CONNECTED";
    case ZMQ_EVENT_CONNECT_DELAYED: return "CONNECT_DELAYED";
    case ZMQ_EVENT_CONNECT_RETRIED: return "CONNECT_RETRIED";
    case ZMQ_EVENT_CLOSED: return "CLOSED";
    case ZMQ_EVENT_DISCONNECTED: return "DISCONNECTED";
    case ZMQ_EVENT_MONITOR_STOPPED: return "MONITOR_STOPPED";
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        return "HANDSHAKE_FAILED_NO_DETAIL";
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "HANDSHAKE_SUCCEEDED";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        return "HANDSHAKE_FAILED_PROTOCOL";
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "HANDSHAKE_FAILED_AUTH";
    default: return "OTHER";
    }
}

//  Read monitor events for up to timeout_ms, or until one in stop_mask has
//  been seen. Prints each kind of event once. Returns the mask of events
//  seen.
static unsigned
s_monitor_read (s_hostile_t *self, int timeout_ms, unsigned stop_mask)
{
    unsigned seen = 0;
    if (!self->monitor)
        return 0;
    int64_t until = zclock_mono () + timeout_ms;
    zpoller_t *poller = zpoller_new (self->monitor, NULL);
    assert (poller);
    while (!(seen & stop_mask)) {
        int64_t left = until - zclock_mono ();
        if (left <= 0 || !zpoller_wait (poller, (int) left))
            break;
        zmsg_t *msg = zmsg_recv (self->monitor);
        zframe_t *head = msg ? zmsg_first (msg) : NULL;
        if (head && zframe_size (head) == 6) {
            uint16_t event;
            uint32_t value;
            memcpy (&event, zframe_data (head), 2);
            memcpy (&value, zframe_data (head) + 2, 4);
            //  Reconnection loops repeat themselves: each event once.
            if (!(seen & event))
                s_say (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                           ? "event %s 0x%" PRIx32 : "event %s %" PRIu32,
                       s_event_name (event), value);
            seen |= event;
        }
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    return seen;
}

//  --------------------------------------------------------------------------
//  Connect a DEALER to the target: a CurveZMQ client with our box keys and
//  the card's box key as server key, or (curve false) a plain socket.
//  Monitored from before the connect. Returns 0, or -1 (I/O error).

static int
s_connect (s_hostile_t *self, bool curve)
{
    assert (!self->dealer);
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->dealer)
        return -1;
    zsock_set_linger (self->dealer, 0);
    zsock_set_sndtimeo (self->dealer, 5000);
    zsock_set_sndhwm (self->dealer, 100000);
    zsock_set_rcvhwm (self->dealer, self->slow ? 1 : 100000);
    if (self->slow)
        zsock_set_rcvbuf (self->dealer, S_SLOW_RCVBUF);
    if (curve) {
        zsock_set_curve_publickey_bin (self->dealer,
                                       keys_secret_box_pk (self->key));
        zsock_set_curve_secretkey_bin (self->dealer,
                                       keys_secret_box_sk (self->key));
        zsock_set_curve_serverkey_bin (self->dealer, self->server.box_pk);
    }
    char name[64];
    snprintf (name, sizeof name, "inproc://hostile-monitor-%d-%u",
              (int) getpid (), self->monitors++);
    if (zmq_socket_monitor (zsock_resolve (self->dealer), name,
                            ZMQ_EVENT_ALL) == 0) {
        self->monitor = zsock_new (ZMQ_PAIR);
        if (self->monitor && zsock_connect (self->monitor, "%s", name) != 0)
            zsock_destroy (&self->monitor);
    }
    if (zsock_connect (self->dealer, "%s", self->endpoint) != 0) {
        fprintf (stderr, "hostile_peer: cannot connect to %s: %s\n",
                 self->endpoint, zmq_strerror (zmq_errno ()));
        return -1;
    }
    self->poller = zpoller_new (self->dealer, NULL);
    assert (self->poller);
    self->send_seq = 0;
    self->recv_seq = 0;
    self->restart = true;
    return 0;
}

//  Close the connection (the node sees it go; a new one is a new session).
static void
s_disconnect (s_hostile_t *self)
{
    zpoller_destroy (&self->poller);
    zsock_destroy (&self->dealer);
    zsock_destroy (&self->monitor);
}

//  --------------------------------------------------------------------------
//  Sending

//  The node sends at most PROTO_WIRE_ERRORS_PER_SEC ERRORs per second to a
//  peer and only counts the rest (13.10), so an ERROR we expect could be
//  the eleventh. Before each frame, if the node may be near its budget,
//  wait for a fresh second.
static void
s_pace (s_hostile_t *self)
{
    if (self->no_pace)
        return;
    int64_t now = zclock_mono ();
    size_t recent = 0;
    for (size_t i = 0; i < S_PACE_WINDOW && i < self->errors; i++)
        if (now - self->error_ms[i] < S_PACE_MS)
            recent++;
    if (recent + 2 > PROTO_WIRE_ERRORS_PER_SEC) {
        zclock_sleep (S_PACE_MS);
        self->errors = 0;
    }
}

//  Send size octets as one message. Returns 0, or -1 if it could not go.
static int
s_send_bytes (s_hostile_t *self, const uint8_t *data, size_t size)
{
    s_pace (self);
    zframe_t *frame = zframe_new (data, size);
    assert (frame);
    if (zframe_send (&frame, self->dealer, 0) != 0) {
        zframe_destroy (&frame);
        s_say ("send failed: %s", zmq_strerror (zmq_errno ()));
        return -1;
    }
    return 0;
}

//  The next sequence number we send.
static uint32_t
s_next_seq (s_hostile_t *self)
{
    self->send_seq = proto_wire_seq_next (self->send_seq);
    return self->send_seq;
}

//  The first octets of a frame, with any magic, version, type and seq.
static void
s_put_header (uint8_t *buf, uint8_t magic1, uint8_t version, uint8_t type,
              uint32_t seq)
{
    buf[0] = PROTO_WIRE_MAGIC0;
    buf[1] = magic1;
    buf[2] = version;
    buf[3] = type;
    buf[4] = (uint8_t) (seq >> 24);
    buf[5] = (uint8_t) (seq >> 16);
    buf[6] = (uint8_t) (seq >> 8);
    buf[7] = (uint8_t) seq;
}

//  Encode our HELLO, claiming sign_pk (normally our own key), into buf.
static size_t
s_encode_hello (s_hostile_t *self, const uint8_t *sign_pk, uint32_t seq,
                uint8_t *buf, size_t cap)
{
    proto_wire_hello_t hello = { sign_pk, self->roster_version,
                                 self->roster_hash, PROTO_WIRE_BATCH_MAX };
    return proto_wire_encode_hello (&hello, seq, buf, cap);
}

//  Send HELLO (numbered from 1, as after a connect) claiming sign_pk.
static int
s_send_hello_as (s_hostile_t *self, const uint8_t *sign_pk)
{
    uint8_t buf[PROTO_WIRE_HELLO_BYTES];
    self->send_seq = 0;
    size_t size = s_encode_hello (self, sign_pk, s_next_seq (self), buf,
                                  sizeof buf);
    assert (size);
    self->restart = true;
    s_say ("send HELLO seq %" PRIu32, self->send_seq);
    return s_send_bytes (self, buf, size);
}

static int
s_send_hello (s_hostile_t *self)
{
    return s_send_hello_as (self, keys_secret_sign_pk (self->key));
}

//  Send an empty HEADS (we advertise nothing: the node never fetches
//  from us, so nothing of ours leaves through it).
static int
s_send_heads (s_hostile_t *self)
{
    uint8_t buf[PROTO_WIRE_HEADER_BYTES + 2];
    size_t size = proto_wire_encode_heads (NULL, 0, s_next_seq (self), buf,
                                           sizeof buf);
    assert (size);
    s_say ("send HEADS seq %" PRIu32, self->send_seq);
    return s_send_bytes (self, buf, size);
}

//  Send a WANT of one range.
static int
s_send_want (s_hostile_t *self, const uint8_t *author, uint64_t from,
             uint64_t to)
{
    proto_wire_range_t range = { author, from, to };
    uint8_t buf[PROTO_WIRE_HEADER_BYTES + 2 + PROTO_WIRE_RANGE_BYTES];
    size_t size = proto_wire_encode_want (&range, 1, s_next_seq (self), buf,
                                          sizeof buf);
    assert (size);
    char hex[17];
    s_hex8 (hex, author);
    s_say ("send WANT seq %" PRIu32 " %s %" PRIu64 "..%" PRIu64,
           self->send_seq, hex, from, to);
    return s_send_bytes (self, buf, size);
}

//  Push entries (ENTRIES, flags 0), each with its payload if it has one.
static int
s_push (s_hostile_t *self, const s_entry_t *const *entries, size_t count)
{
    proto_wire_item_t items[8];
    assert (count >= 1 && count <= 8);
    for (size_t i = 0; i < count; i++) {
        items[i].stub = entries[i]->stub;
        items[i].stub_len = entries[i]->stub_len;
        items[i].payload = entries[i]->payload_len ? entries[i]->payload
                                                   : NULL;
        items[i].payload_len = entries[i]->payload_len;
    }
    size_t cap = proto_wire_entries_size (items, count);
    assert (cap);
    uint8_t *buf = malloc (cap);
    assert (buf);
    size_t size = proto_wire_encode_entries (0, items, count,
                                             s_next_seq (self), buf, cap);
    assert (size);
    s_say ("send ENTRIES seq %" PRIu32 " push %zu items", self->send_seq,
           count);
    int rc = s_send_bytes (self, buf, size);
    free (buf);
    return rc;
}

//  --------------------------------------------------------------------------
//  Receiving

static void
s_reply_clear (s_reply_t *reply)
{
    zframe_destroy (&reply->frame);
    memset (reply, 0, sizeof *reply);
}

//  Check a reply's sequence number against the previous one. A HELLO we
//  sent restarts the node's numbering for its answer.
static void
s_note_sequence (s_hostile_t *self, const proto_wire_frame_t *wire)
{
    uint32_t expected = proto_wire_seq_next (self->recv_seq);
    if (wire->sequence != expected
        && !(self->restart && wire->sequence == 1)) {
        if (self->allow_gaps) {
            if (self->gaps++ < 5)
                s_say ("note: reply sequence %" PRIu32 " after %" PRIu32
                       " (replies dropped at the node's high-water mark)",
                       wire->sequence, self->recv_seq);
        }
        else
            s_check (self, false, "reply sequence %" PRIu32 " follows %"
                     PRIu32, wire->sequence, self->recv_seq);
    }
    if (wire->sequence == 1)
        self->restart = false;
    self->recv_seq = wire->sequence;
}

//  Print one reply as an observation line.
static void
s_print_reply (const s_reply_t *reply)
{
    const proto_wire_frame_t *w = &reply->wire;
    if (reply->reject != PROTO_OK) {
        s_say ("reply undecodable (%s), %zu octets",
               proto_reject_name (reply->reject),
               zframe_size (reply->frame));
        return;
    }
    switch (w->type) {
    case PROTO_WIRE_ERROR:
        s_say ("reply ERROR %u %s \"%.*s\"", w->error_code,
               proto_wire_error_name (w->error_code),
               (int) w->error_text_len, w->error_text);
        break;
    case PROTO_WIRE_HELLO:
        s_say ("reply HELLO seq %" PRIu32 " roster %" PRIu64
               " max-batch %u", w->sequence, w->hello.roster_version,
               w->hello.max_batch);
        break;
    case PROTO_WIRE_HEADS:
        s_say ("reply HEADS seq %" PRIu32 " %zu heads", w->sequence,
               w->count);
        break;
    case PROTO_WIRE_ENTRIES:
        s_say ("reply ENTRIES seq %" PRIu32 " %zu items%s", w->sequence,
               w->count, w->flags & PROTO_WIRE_FLAG_REPLY ? "" : " (push)");
        break;
    default:
        s_say ("reply %s seq %" PRIu32, proto_wire_type_name (w->type),
               w->sequence);
        break;
    }
}

//  With --dump, append one received frame: a 4-octet big-endian length,
//  then its octets as they came. Flushed at once, so a script can read the
//  file while this runs. A write error ends the program (exit 2): a dump
//  with frames missing would let a search for a string pass wrongly.
static void
s_dump_frame (s_hostile_t *self, const uint8_t *data, size_t size)
{
    if (!self->dump)
        return;
    uint8_t len[4] = { (uint8_t) (size >> 24), (uint8_t) (size >> 16),
                       (uint8_t) (size >> 8), (uint8_t) size };
    if (fwrite (len, 1, sizeof len, self->dump) != sizeof len
        || fwrite (data, 1, size, self->dump) != size
        || fflush (self->dump) != 0) {
        fprintf (stderr, "hostile_peer: cannot write the dump file\n");
        exit (2);
    }
    self->dump_frames++;
    self->dump_bytes += size;
}

//  Wait up to timeout_ms for one frame. Returns true and fills reply (the
//  caller clears it), or false after printing "no reply".
static bool
s_recv (s_hostile_t *self, int timeout_ms, s_reply_t *reply, bool quiet)
{
    memset (reply, 0, sizeof *reply);
    if (!zpoller_wait (self->poller, timeout_ms)) {
        if (!quiet)
            s_say ("no reply");
        return false;
    }
    zmsg_t *msg = zmsg_recv (self->dealer);
    if (!msg)
        return false;
    if (zmsg_size (msg) != 1)
        s_check (self, false, "a reply of %zu parts (one frame per "
                 "message, 13.3)", zmsg_size (msg));
    //  Every part is recorded, even of a message that breaks 13.3.
    for (zframe_t *part = zmsg_first (msg); part; part = zmsg_next (msg))
        s_dump_frame (self, zframe_data (part), zframe_size (part));
    reply->frame = zmsg_pop (msg);
    zmsg_destroy (&msg);
    reply->reject = proto_wire_decode (&reply->wire,
                                       zframe_data (reply->frame),
                                       zframe_size (reply->frame));
    if (!quiet)
        s_print_reply (reply);
    if (reply->reject == PROTO_OK && reply->wire.type == PROTO_WIRE_ERROR)
        self->error_ms[self->errors++ % S_PACE_WINDOW] = zclock_mono ();
    if (reply->reject == PROTO_OK)
        s_note_sequence (self, &reply->wire);
    else
        s_check (self, false, "the node sent a frame that does not decode");
    return true;
}

//  Expect an ERROR with this code as the next frame.
static bool
s_expect_error (s_hostile_t *self, uint16_t code, const char *why)
{
    s_reply_t reply;
    bool got = s_recv (self, S_REPLY_MS, &reply, false);
    bool ok = got && reply.reject == PROTO_OK
              && reply.wire.type == PROTO_WIRE_ERROR
              && reply.wire.error_code == code;
    s_check (self, ok, "%s: ERROR %u %s", why, code,
             proto_wire_error_name (code));
    s_reply_clear (&reply);
    return ok;
}

//  Expect a frame of this type as the next one. On true, reply holds it
//  (caller clears).
static bool
s_expect_type (s_hostile_t *self, proto_wire_type_t type, const char *why,
               s_reply_t *reply)
{
    bool got = s_recv (self, S_REPLY_MS, reply, false);
    bool ok = got && reply->reject == PROTO_OK && reply->wire.type == type;
    s_check (self, ok, "%s: %s", why, proto_wire_type_name (type));
    if (!ok)
        s_reply_clear (reply);
    return ok;
}

//  Keep a copy of the heads of a HEADS the node sent.
static void
s_keep_heads (s_hostile_t *self, const proto_wire_frame_t *wire)
{
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, wire);
    proto_wire_head_t head;
    self->head_count = 0;
    while (self->head_count < S_MAX_HEADS
           && proto_wire_heads_next (&it, &head)) {
        s_head_t *h = &self->heads[self->head_count++];
        memcpy (h->author, head.author, PROTO_PK_BYTES);
        h->seq = head.seq;
        memcpy (h->id, head.id, PROTO_HASH_BYTES);
    }
}

//  Send a HEADS and read until the node's HEADS answers it: a push or a
//  bad frame sent just before must not have been answered (replies come
//  in order). Returns the frames that came before the HEADS, or -1 if no
//  HEADS came.
static int
s_ping (s_hostile_t *self)
{
    if (s_send_heads (self) != 0)
        return -1;
    int before = 0;
    s_reply_t reply;
    while (s_recv (self, S_REPLY_MS, &reply, false)) {
        bool heads = reply.reject == PROTO_OK
                     && reply.wire.type == PROTO_WIRE_HEADS;
        if (heads)
            s_keep_heads (self, &reply.wire);
        s_reply_clear (&reply);
        if (heads)
            return before;
        before++;
    }
    return -1;
}

//  The ping after a push (13.8.4: never answered) or another frame that
//  gets no answer: the HEADS must come, and nothing before it.
static void
s_check_unanswered (s_hostile_t *self, const char *what)
{
    int before = s_ping (self);
    s_check (self, before == 0, "%s gets no answer, and the node still "
             "answers HEADS", what);
}

//  --------------------------------------------------------------------------
//  Sessions

//  Check the node's HELLO: its own key, our roster.
static bool
s_check_hello_reply (s_hostile_t *self, const proto_wire_frame_t *wire)
{
    const proto_wire_hello_t *h = &wire->hello;
    bool key = !memcmp (h->sign_pk, self->server.sign_pk, PROTO_PK_BYTES);
    bool roster = h->roster_version == self->roster_version
                  && !memcmp (h->roster_hash, self->roster_hash,
                              PROTO_HASH_BYTES);
    s_check (self, key, "the node's HELLO carries its card's sign key");
    s_check (self, roster, "the node's HELLO names our roster (version %"
             PRIu64 ")", self->roster_version);
    return key && roster;
}

//  HELLO, then HEADS: a ready session; the node's heads are kept.
//  Returns 0, or -1 (checks failed).
static int
s_session (s_hostile_t *self)
{
    s_reply_t reply;
    if (s_send_hello (self) != 0
        || !s_expect_type (self, PROTO_WIRE_HELLO, "HELLO is answered",
                           &reply))
        return -1;
    bool ok = s_check_hello_reply (self, &reply.wire);
    s_reply_clear (&reply);
    if (!ok)
        return -1;
    if (s_send_heads (self) != 0
        || !s_expect_type (self, PROTO_WIRE_HEADS, "HEADS is answered",
                           &reply))
        return -1;
    s_keep_heads (self, &reply.wire);
    s_reply_clear (&reply);
    return 0;
}

//  The node's head for author: seq (0: none) and id.
static uint64_t
s_node_head (s_hostile_t *self, const uint8_t *author,
             uint8_t id[PROTO_HASH_BYTES])
{
    for (size_t i = 0; i < self->head_count; i++)
        if (!memcmp (self->heads[i].author, author, PROTO_PK_BYTES)) {
            if (id)
                memcpy (id, self->heads[i].id, PROTO_HASH_BYTES);
            return self->heads[i].seq;
        }
    if (id)
        memset (id, 0, PROTO_HASH_BYTES);
    return 0;
}

//  --------------------------------------------------------------------------
//  Entries

//  Make a signed entry by key at seq after prev (NULL or zero at seq 1),
//  with a plaintext payload whose body is body_len octets of 'x' (0: a
//  short sentence). Returns 0, or -1 if a field is invalid.
static int s_entry_sign (s_entry_t *e, const keys_secret_t *key, uint64_t seq,
                         const uint8_t *prev, proto_level_t level,
                         const proto_audience_t *audience,
                         const proto_payload_t *p);

static int
s_entry_make_body (s_entry_t *e, const keys_secret_t *key, uint64_t seq,
                   const uint8_t *prev, proto_level_t level,
                   const proto_audience_t *audience, const char *title,
                   size_t body_len)
{
    assert (body_len <= S_BIG_BODY);
    memset (e, 0, sizeof *e);
    proto_payload_t p;
    proto_payload_init (&p, PROTO_KIND_DRILL, 0);
    p.title = title;
    p.title_len = strlen (title);
    char *body = body_len ? malloc (body_len) : NULL;
    if (body) {
        memset (body, 'x', body_len);
        p.body = body;
        p.body_len = body_len;
    }
    else {
        p.body = "hostile_peer test entry";
        p.body_len = strlen (p.body);
    }
    int rc = s_entry_sign (e, key, seq, prev, level, audience, &p);
    free (body);
    return rc;
}

//  Sign payload p into e as key's entry at seq (see s_entry_make_body).
static int
s_entry_sign (s_entry_t *e, const keys_secret_t *key, uint64_t seq,
              const uint8_t *prev, proto_level_t level,
              const proto_audience_t *audience, const proto_payload_t *p)
{
    e->payload_len = proto_payload_encode (p, e->payload, sizeof e->payload);
    if (!e->payload_len)
        return -1;
    proto_header_t *h = &e->header;
    //  Every field from here: e may come from malloc (flags and, at seq
    //  1, prev would be whatever the heap held: ASan fills it with 0xbe).
    memset (h, 0, sizeof *h);
    memcpy (h->author, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    h->seq = seq;
    if (prev && seq > 1)
        memcpy (h->prev, prev, PROTO_HASH_BYTES);
    h->timestamp_ms = proto_now_ms ();
    h->level = level;
    h->audience = *audience;
    h->payload_len = (uint32_t) e->payload_len;
    proto_hash (h->payload_hash, e->payload, e->payload_len);
    e->stub_len = proto_entry_sign (h, keys_secret_sign_sk (key), e->stub,
                                    sizeof e->stub);
    if (!e->stub_len)
        return -1;
    proto_entry_id (e->id, e->stub, e->stub_len);
    return 0;
}

static int
s_entry_make (s_entry_t *e, const keys_secret_t *key, uint64_t seq,
              const uint8_t *prev, proto_level_t level,
              const proto_audience_t *audience, const char *title)
{
    return s_entry_make_body (e, key, seq, prev, level, audience, title, 0);
}

//  A GREEN council entry by key.
static int
s_entry_green (s_entry_t *e, const keys_secret_t *key, uint64_t seq,
               const uint8_t *prev, const char *title)
{
    proto_audience_t council;
    proto_audience_set_council (&council);
    return s_entry_make (e, key, seq, prev, PROTO_LEVEL_GREEN, &council,
                         title);
}

static void
s_say_pushed (const s_entry_t *e, const char *what)
{
    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, e->id, PROTO_HASH_BYTES);
    s_say ("pushed id=%s seq=%" PRIu64 " level=%s %s", hex, e->header.seq,
           proto_level_name (e->header.level), what);
}

//  Does the node hold the entry with this id at author/seq? Asks with a
//  WANT of exactly that seq. Returns 1 held (with *payload_len of the
//  payload it sent us), 0 not held, -1 no usable answer.
static int
s_node_holds (s_hostile_t *self, const uint8_t *author, uint64_t seq,
              const uint8_t *id, size_t *payload_len)
{
    if (s_send_want (self, author, seq, seq) != 0)
        return -1;
    s_reply_t reply;
    if (!s_recv (self, S_REPLY_MS, &reply, false))
        return -1;
    int held = -1;
    if (reply.reject == PROTO_OK && reply.wire.type == PROTO_WIRE_ERROR
        && reply.wire.error_code == PROTO_WIRE_ERR_NOT_HELD)
        held = 0;
    else if (reply.reject == PROTO_OK
             && reply.wire.type == PROTO_WIRE_ENTRIES) {
        held = 0;
        proto_wire_iter_t it;
        proto_wire_iter_init (&it, &reply.wire);
        proto_wire_item_t item;
        while (proto_wire_entries_next (&it, &item)) {
            uint8_t got[PROTO_HASH_BYTES];
            proto_entry_id (got, item.stub, item.stub_len);
            if (!memcmp (got, id, PROTO_HASH_BYTES)) {
                held = 1;
                if (payload_len)
                    *payload_len = item.payload_len;
            }
        }
    }
    s_reply_clear (&reply);
    return held;
}

//  Check that the node did not store e.
static void
s_check_not_stored (s_hostile_t *self, const s_entry_t *e, const char *what)
{
    int held = s_node_holds (self, e->header.author, e->header.seq, e->id,
                             NULL);
    s_check (self, held == 0, "%s was not stored", what);
}

//  This member's head at the node, after a session. If the chain is empty,
//  push a valid seq 1 first, so that the attacks have a head to break.
static int
s_my_head (s_hostile_t *self, uint64_t *seq, uint8_t id[PROTO_HASH_BYTES])
{
    const uint8_t *me = keys_secret_sign_pk (self->key);
    *seq = s_node_head (self, me, id);
    if (*seq > 0)
        return 0;
    s_entry_t *first = malloc (sizeof *first);
    assert (first);
    int rc = s_entry_green (first, self->key, 1, NULL, "hostile first");
    if (rc == 0) {
        s_push (self, (const s_entry_t *const[]) { first }, 1);
        s_say_pushed (first, "(valid: start of this member's chain)");
        s_check_unanswered (self, "a valid push");
        *seq = s_node_head (self, me, id);
        rc = s_check (self, *seq == 1, "the node stored the valid first "
                      "entry") ? 0 : -1;
    }
    free (first);
    return rc;
}

//  --------------------------------------------------------------------------
//  Attacks

static int
s_attack_forged_signature (s_hostile_t *self)
{
    if (s_session (self))
        return -1;
    uint64_t head;
    uint8_t head_id[PROTO_HASH_BYTES];
    if (s_my_head (self, &head, head_id))
        return -1;
    s_entry_t *e = malloc (sizeof *e);
    assert (e);
    s_entry_green (e, self->key, head + 1, head_id, "forged signature");
    //  Flip one octet of the signature (the stub ends with it).
    e->stub[e->stub_len - PROTO_SIG_BYTES / 2] ^= 0x01;
    proto_entry_id (e->id, e->stub, e->stub_len);
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, "(signature altered)");
    s_check_unanswered (self, "a push with a forged signature");
    s_check_not_stored (self, e, "the forged entry");
    free (e);
    return 0;
}

static int
s_attack_broken_chain (s_hostile_t *self)
{
    if (s_session (self))
        return -1;
    uint64_t head;
    uint8_t head_id[PROTO_HASH_BYTES];
    if (s_my_head (self, &head, head_id))
        return -1;
    s_entry_t *e = malloc (sizeof *e);
    assert (e);
    //  A gap: seq head + 5, prev the head's id.
    s_entry_green (e, self->key, head + 5, head_id, "chain gap");
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, "(seq head + 5)");
    s_check_unanswered (self, "a push beyond the chain's head");
    s_check_not_stored (self, e, "the entry at head + 5");
    //  The right seq with a wrong prev.
    uint8_t wrong[PROTO_HASH_BYTES];
    randombytes_buf (wrong, sizeof wrong);
    s_entry_green (e, self->key, head + 1, wrong, "wrong prev");
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, "(seq head + 1, wrong prev)");
    s_check_unanswered (self, "a push with a wrong prev");
    s_check_not_stored (self, e, "the entry with a wrong prev");
    free (e);
    return 0;
}

//  Another member than us and the target (the audience of our tests);
//  --audience picks it by name.
static const keys_member_t *
s_other_member (s_hostile_t *self)
{
    if (!self->roster)
        return NULL;
    if (self->audience)
        return keys_roster_member_lookup (self->roster, self->audience);
    for (size_t i = 0; i < keys_roster_member_count (self->roster); i++) {
        const keys_member_t *m = keys_roster_member (self->roster, i);
        if (memcmp (m->card.sign_pk, keys_secret_sign_pk (self->key),
                    PROTO_PK_BYTES)
            && memcmp (m->card.sign_pk, self->server.sign_pk,
                       PROTO_PK_BYTES))
            return m;
    }
    return NULL;
}

//  HELLO naming another member's key on our connection: ERROR 101.
static void
s_wrong_author_hello (s_hostile_t *self, const keys_member_t *other)
{
    s_send_hello_as (self, other->card.sign_pk);
    s_expect_error (self, PROTO_WIRE_ERR_MEMBER,
                    "HELLO naming another member's key");
}

//  A stub that claims another member as author, signed by us.
static void
s_wrong_author_claim (s_hostile_t *self, const keys_member_t *other)
{
    s_entry_t *e = malloc (sizeof *e);
    assert (e);
    uint8_t prev[PROTO_HASH_BYTES];
    uint64_t head = s_node_head (self, other->card.sign_pk, prev);
    s_entry_green (e, self->key, head + 1, prev, "claims another author");
    //  The author field is the first key in the header (after the 4
    //  octets of magic, version and algorithm): put the other's key there
    //  and keep our signature.
    uint8_t *author = e->stub + 4;
    assert (!memcmp (author, keys_secret_sign_pk (self->key),
                     PROTO_PK_BYTES));
    memcpy (author, other->card.sign_pk, PROTO_PK_BYTES);
    proto_entry_id (e->id, e->stub, e->stub_len);
    memcpy (e->header.author, other->card.sign_pk, PROTO_PK_BYTES);
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, "(author: another member, signed by this key)");
    s_check_unanswered (self, "a push of a stub claiming another author");
    s_check_not_stored (self, e, "the stub claiming another author");
    free (e);
}

//  A stub by a key outside the roster, correctly signed by it.
static void
s_wrong_author_stranger (s_hostile_t *self)
{
    keys_secret_t *stranger = keys_secret_generate ();
    assert (stranger);
    s_entry_t *e = malloc (sizeof *e);
    assert (e);
    s_entry_green (e, stranger, 1, NULL, "stranger's entry");
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, "(author: a key outside the roster, signed by it)");
    s_check_unanswered (self, "a push of a non-member's entry");
    s_check_not_stored (self, e, "the non-member's entry");
    free (e);
    keys_secret_destroy (&stranger);
}

static int
s_attack_wrong_author (s_hostile_t *self)
{
    const keys_member_t *other = s_other_member (self);
    if (!other) {
        fprintf (stderr, "hostile_peer: the roster has no member other than "
                         "this key and the target\n");
        return -1;
    }
    s_wrong_author_hello (self, other);
    if (s_session (self))
        return -1;
    s_wrong_author_claim (self, other);
    s_wrong_author_stranger (self);
    return 0;
}

static int
s_attack_plaintext_outside_audience (s_hostile_t *self)
{
    const keys_member_t *other = s_other_member (self);
    if (!other) {
        fprintf (stderr, "hostile_peer: no member for the audience "
                         "(--audience NAME)\n");
        return -1;
    }
    if (s_session (self))
        return -1;
    uint64_t head;
    uint8_t head_id[PROTO_HASH_BYTES];
    if (s_my_head (self, &head, head_id))
        return -1;
    proto_audience_t audience;
    proto_audience_set_nodes (&audience);
    proto_audience_add_node (&audience, other->card.sign_pk);
    s_entry_t *e = malloc (sizeof *e);
    assert (e);
    s_entry_make (e, self->key, head + 1, head_id, PROTO_LEVEL_AMBER,
                  &audience, "amber for another member only");
    char what[KEYS_NAME_MAX + 64];
    snprintf (what, sizeof what, "audience=node:%s (with its plaintext)",
              other->card.name);
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, what);
    s_check_unanswered (self, "a push with a payload the node may not hold");
    //  The header is kept (the chain verifies), the payload is not: the
    //  node answers our WANT with the stub and no payload, although we,
    //  the author, would be cleared for it.
    size_t payload_len = 99;
    int held = s_node_holds (self, e->header.author, e->header.seq, e->id,
                             &payload_len);
    s_check (self, held == 1, "the header was stored");
    if (held == 1)
        s_check (self, payload_len == 0, "the payload was not stored (the "
                 "node served %zu octets of it)", payload_len);
    free (e);
    return 0;
}

static int
s_attack_replay (s_hostile_t *self)
{
    if (s_session (self))
        return -1;
    uint64_t head;
    uint8_t head_id[PROTO_HASH_BYTES];
    if (s_my_head (self, &head, head_id))
        return -1;
    s_entry_t *one = malloc (sizeof *one), *two = malloc (sizeof *two);
    assert (one && two);
    s_entry_green (one, self->key, head + 1, head_id, "replay one");
    s_entry_green (two, self->key, head + 2, one->id, "replay two");
    s_push (self, (const s_entry_t *const[]) { one }, 1);
    s_say_pushed (one, "(valid)");
    s_check_unanswered (self, "a valid push");
    s_push (self, (const s_entry_t *const[]) { one }, 1);
    s_say_pushed (one, "(again)");
    s_check_unanswered (self, "the same push again");
    s_push (self, (const s_entry_t *const[]) { two }, 1);
    s_say_pushed (two, "(valid, next seq)");
    s_check_unanswered (self, "the next valid push");
    s_push (self, (const s_entry_t *const[]) { one, two, one }, 3);
    s_say ("pushed the older entries again, in one frame");
    s_check_unanswered (self, "a push of entries already held");
    uint8_t got[PROTO_HASH_BYTES];
    uint64_t seq = s_node_head (self, keys_secret_sign_pk (self->key), got);
    s_check (self, seq == head + 2 && !memcmp (got, two->id,
                                               PROTO_HASH_BYTES),
             "the node's head for this member is the second entry (seq %"
             PRIu64 ", got %" PRIu64 ")", head + 2, seq);
    s_check (self, s_node_holds (self, one->header.author, one->header.seq,
                                 one->id, NULL) == 1,
             "the first entry is held once, unchanged");
    //  The same frame octets again: its sequence number is now old, so
    //  it is a gap (13.7), not a second push.
    uint8_t frame[PROTO_WIRE_HEADER_BYTES + 2];
    size_t size = proto_wire_encode_heads (NULL, 0, self->send_seq, frame,
                                           sizeof frame);
    assert (size);
    s_say ("send HEADS seq %" PRIu32 " (a replay of the last frame's "
           "number)", self->send_seq);
    s_send_bytes (self, frame, size);
    s_expect_error (self, PROTO_WIRE_ERR_SEQUENCE, "a replayed sequence "
                    "number");
    s_check (self, s_session (self) == 0, "a new HELLO restarts the "
             "session");
    free (one);
    free (two);
    return 0;
}

//  A 9 MiB message: libzmq at the node drops the connection before the
//  message is received (ZMQ_MAXMSGSIZE); nothing comes back on it.
static void
s_oversize_message (s_hostile_t *self)
{
    uint8_t *big = calloc (1, S_OVERSIZE_BYTES);
    assert (big);
    s_put_header (big, PROTO_WIRE_MAGIC1, PROTO_WIRE_VERSION,
                  PROTO_WIRE_ENTRIES, s_next_seq (self));
    s_say ("send %d octets (over ZMQ_MAXMSGSIZE %d)", S_OVERSIZE_BYTES,
           PROTO_WIRE_FRAME_MAX);
    s_send_bytes (self, big, S_OVERSIZE_BYTES);
    free (big);
    unsigned seen = s_monitor_read (self, 5000, ZMQ_EVENT_DISCONNECTED);
    s_check (self, seen & ZMQ_EVENT_DISCONNECTED, "the node dropped the "
             "connection");
    s_reply_t reply;
    bool got = s_recv (self, 500, &reply, false);
    s_check (self, !got, "nothing answers the oversize message");
    s_reply_clear (&reply);
    //  The DEALER reconnects by itself: a new connection, a new session.
    seen = s_monitor_read (self, 5000, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    s_check (self, seen & ZMQ_EVENT_HANDSHAKE_SUCCEEDED, "a new connection "
             "is accepted");
}

//  Frames whose counts or lengths pass their maximum: ERROR 5 each.
static void
s_oversize_counts (s_hostile_t *self)
{
    uint8_t buf[PROTO_WIRE_HEADER_BYTES + 16];
    //  ENTRIES with 1025 items (over max-batch and the format's 1024).
    s_put_header (buf, PROTO_WIRE_MAGIC1, PROTO_WIRE_VERSION,
                  PROTO_WIRE_ENTRIES, s_next_seq (self));
    buf[8] = 0;
    buf[9] = (PROTO_WIRE_BATCH_MAX + 1) >> 8;
    buf[10] = (PROTO_WIRE_BATCH_MAX + 1) & 0xff;
    s_say ("send ENTRIES seq %" PRIu32 " claiming %d items", self->send_seq,
           PROTO_WIRE_BATCH_MAX + 1);
    s_send_bytes (self, buf, 11);
    s_expect_error (self, PROTO_REJECT_OVERSIZE, "ENTRIES over max-batch");
    //  ENTRIES with one item whose stub-len is 65535.
    s_put_header (buf, PROTO_WIRE_MAGIC1, PROTO_WIRE_VERSION,
                  PROTO_WIRE_ENTRIES, s_next_seq (self));
    buf[8] = 0;
    buf[9] = 0;
    buf[10] = 1;
    buf[11] = 0xff;
    buf[12] = 0xff;
    s_say ("send ENTRIES seq %" PRIu32 " with stub-len 65535",
           self->send_seq);
    s_send_bytes (self, buf, 13);
    s_expect_error (self, PROTO_REJECT_OVERSIZE, "a stub-len over the "
                    "largest stub");
    //  WANT with 257 ranges.
    s_put_header (buf, PROTO_WIRE_MAGIC1, PROTO_WIRE_VERSION,
                  PROTO_WIRE_WANT, s_next_seq (self));
    buf[8] = (PROTO_WIRE_WANT_MAX + 1) >> 8;
    buf[9] = (PROTO_WIRE_WANT_MAX + 1) & 0xff;
    s_say ("send WANT seq %" PRIu32 " claiming %d ranges", self->send_seq,
           PROTO_WIRE_WANT_MAX + 1);
    s_send_bytes (self, buf, 10);
    s_expect_error (self, PROTO_REJECT_OVERSIZE, "WANT over 256 ranges");
}

static int
s_attack_oversize (s_hostile_t *self)
{
    if (s_session (self))
        return -1;
    s_oversize_message (self);
    s_check (self, s_session (self) == 0, "the node serves the new "
             "connection");
    s_oversize_counts (self);
    s_check (self, s_session (self) == 0, "the node still serves after "
             "the oversize frames");
    return 0;
}

//  Send every prefix (0 .. size - 1 octets) of a valid frame.
static size_t
s_send_prefixes (s_hostile_t *self, const uint8_t *frame, size_t size)
{
    for (size_t len = 0; len < size; len++)
        s_send_bytes (self, frame, len);
    return size;
}

static int
s_attack_truncated (s_hostile_t *self)
{
    uint8_t hello[PROTO_WIRE_HELLO_BYTES];
    size_t hello_len = s_encode_hello (self, keys_secret_sign_pk (self->key),
                                       1, hello, sizeof hello);
    proto_wire_head_t heads[2];
    uint8_t a[PROTO_PK_BYTES], b[PROTO_PK_BYTES], id[PROTO_HASH_BYTES];
    memset (a, 0x11, sizeof a);
    memset (b, 0x22, sizeof b);
    memset (id, 0x33, sizeof id);
    heads[0] = (proto_wire_head_t) { a, 3, id };
    heads[1] = (proto_wire_head_t) { b, 7, id };
    uint8_t heads_frame[PROTO_WIRE_HEADER_BYTES + 2
                        + 2 * PROTO_WIRE_HEAD_BYTES];
    size_t heads_len = proto_wire_encode_heads (heads, 2, 2, heads_frame,
                                                sizeof heads_frame);
    proto_wire_range_t range = { a, 1, 5 };
    uint8_t want[PROTO_WIRE_HEADER_BYTES + 2 + PROTO_WIRE_RANGE_BYTES];
    size_t want_len = proto_wire_encode_want (&range, 1, 3, want,
                                              sizeof want);
    assert (hello_len && heads_len && want_len);
    int64_t start = zclock_mono ();
    self->no_pace = true;
    size_t sent = s_send_prefixes (self, hello, hello_len)
                  + s_send_prefixes (self, heads_frame, heads_len)
                  + s_send_prefixes (self, want, want_len);
    self->no_pace = false;
    s_say ("sent %zu truncated frames (every prefix of HELLO, HEADS, WANT)",
           sent);
    //  Collect the answers: only ERROR 1, rate limited.
    size_t errors = 0, other = 0;
    s_reply_t reply;
    while (s_recv (self, 1500, &reply, true)) {
        if (reply.reject == PROTO_OK && reply.wire.type == PROTO_WIRE_ERROR
            && reply.wire.error_code == PROTO_REJECT_TRUNCATED)
            errors++;
        else {
            s_print_reply (&reply);
            other++;
        }
        s_reply_clear (&reply);
    }
    double seconds = (double) (zclock_mono () - start) / 1000.0;
    s_say ("replies: %zu ERROR 1 truncated, %zu other, in %.1f s", errors,
           other, seconds);
    s_check (self, errors >= 1 && other == 0, "truncated frames get ERROR 1 "
             "(truncated) and nothing else");
    s_check (self, errors <= (size_t) (PROTO_WIRE_ERRORS_PER_SEC
                                       * (seconds + 1)),
             "at most %d ERROR frames per second", PROTO_WIRE_ERRORS_PER_SEC);
    s_check (self, s_session (self) == 0, "a full HELLO and HEADS still "
             "work");
    const uint8_t *me = keys_secret_sign_pk (self->key);
    s_check (self, s_node_holds (self, me, 1, id, NULL) >= 0,
             "a full WANT is answered");
    return 0;
}

static int
s_attack_unknown_type (s_hostile_t *self)
{
    if (s_session (self))
        return -1;
    uint8_t buf[PROTO_WIRE_HEADER_BYTES + 4] = { 0 };
    s_put_header (buf, PROTO_WIRE_MAGIC1, PROTO_WIRE_VERSION, 99,
                  s_next_seq (self));
    s_say ("send type 99 seq %" PRIu32, self->send_seq);
    s_send_bytes (self, buf, sizeof buf);
    s_expect_error (self, PROTO_REJECT_FIELD, "an unknown type");
    s_put_header (buf, PROTO_WIRE_MAGIC1, 2, PROTO_WIRE_HEADS,
                  s_next_seq (self));
    s_say ("send version 2 seq %" PRIu32, self->send_seq);
    s_send_bytes (self, buf, PROTO_WIRE_HEADER_BYTES + 2);
    s_expect_error (self, PROTO_WIRE_ERR_VERSION, "another version");
    s_put_header (buf, 0xB1, PROTO_WIRE_VERSION, PROTO_WIRE_HEADS,
                  s_next_seq (self));
    s_say ("send bad magic CE B1 seq %" PRIu32, self->send_seq);
    s_send_bytes (self, buf, PROTO_WIRE_HEADER_BYTES + 2);
    //  Nothing may answer junk: the next frame must be the HELLO reply.
    s_reply_t reply;
    s_send_hello (self);
    bool got = s_recv (self, S_REPLY_MS, &reply, false);
    s_check (self, got && reply.reject == PROTO_OK
                       && reply.wire.type == PROTO_WIRE_HELLO,
             "bad magic is not answered; the next reply is the HELLO");
    s_reply_clear (&reply);
    s_check (self, s_session (self) == 0, "the session works afterwards");
    return 0;
}

//  Send one WANT without waiting (the flood). Returns 0 sent, -1 would
//  block (our pipe is full: read first).
static int
s_flood_one (s_hostile_t *self, const proto_wire_range_t *range)
{
    uint8_t buf[PROTO_WIRE_HEADER_BYTES + 2 + PROTO_WIRE_RANGE_BYTES];
    uint32_t seq = proto_wire_seq_next (self->send_seq);
    size_t size = proto_wire_encode_want (range, 1, seq, buf, sizeof buf);
    assert (size);
    zframe_t *frame = zframe_new (buf, size);
    if (zframe_send (&frame, self->dealer, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy (&frame);
        return -1;
    }
    self->send_seq = seq;
    return 0;
}

typedef struct {
    size_t entries, busy, not_held, other, errors;
    int64_t error_ms[4096];             /* when each ERROR came           */
    size_t error_times;
} s_flood_t;

//  Count one reply of the flood.
static void
s_flood_count (s_flood_t *f, const s_reply_t *reply)
{
    const proto_wire_frame_t *w = &reply->wire;
    if (reply->reject != PROTO_OK)
        f->other++;
    else if (w->type == PROTO_WIRE_ENTRIES)
        f->entries++;
    else if (w->type == PROTO_WIRE_ERROR) {
        f->errors++;
        if (f->error_times < 4096)
            f->error_ms[f->error_times++] = zclock_mono ();
        if (w->error_code == PROTO_WIRE_ERR_BUSY)
            f->busy++;
        else if (w->error_code == PROTO_WIRE_ERR_NOT_HELD)
            f->not_held++;
        else
            f->other++;
    }
    else
        f->other++;
}

//  Read replies until none comes for timeout_ms (0: what is there now).
static void
s_flood_read (s_hostile_t *self, s_flood_t *f, int timeout_ms)
{
    s_reply_t reply;
    while (s_recv (self, timeout_ms, &reply, true)) {
        s_flood_count (f, &reply);
        s_reply_clear (&reply);
    }
}

//  The most ERRORs that came within any one second.
static size_t
s_flood_peak (const s_flood_t *f)
{
    size_t peak = 0;
    for (size_t i = 0, j = 0; i < f->error_times; i++) {
        while (f->error_ms[i] - f->error_ms[j] >= 1000)
            j++;
        if (i - j + 1 > peak)
            peak = i - j + 1;
    }
    return peak;
}

static int
s_attack_flood (s_hostile_t *self)
{
    if (s_session (self))
        return -1;
    //  Ask for something the node holds, so that served requests get
    //  ENTRIES (not rate limited) and refused ones ERROR 103.
    proto_wire_range_t range = { keys_secret_sign_pk (self->key), 1, 1 };
    if (self->head_count)
        range.author = self->heads[0].author;
    s_flood_t *f = calloc (1, sizeof *f);
    assert (f);
    self->allow_gaps = true;
    int64_t start = zclock_mono ();
    for (size_t sent = 0; sent < S_FLOOD_REQUESTS;) {
        if (s_flood_one (self, &range) == 0)
            sent++;
        else
            s_flood_read (self, f, 10);
        if (sent % 64 == 0)
            s_flood_read (self, f, 0);
    }
    int64_t sent_ms = zclock_mono () - start;
    s_flood_read (self, f, 2000);
    s_say ("flood: %d WANT sent in %" PRId64 " ms; replies: %zu ENTRIES, "
           "%zu ERROR busy, %zu ERROR not-held, %zu other; at most %zu "
           "ERRORs in one second", S_FLOOD_REQUESTS, sent_ms, f->entries,
           f->busy, f->not_held, f->other, s_flood_peak (f));
    s_check (self, f->busy >= 1, "the node answers a flood with ERROR 103 "
             "busy");
    s_check (self, f->other == 0, "nothing but ENTRIES, busy and not-held");
    s_check (self, s_flood_peak (f) <= S_ERRORS_SLIDING_MAX,
             "ERRORs are rate limited (%d per second per connection)",
             PROTO_WIRE_ERRORS_PER_SEC);
    free (f);
    //  After a second the node serves requests again.
    zclock_sleep (1100);
    s_check (self, s_ping (self) == 0, "the node answers HEADS after the "
             "flood");
    s_reply_t reply;
    s_send_want (self, range.author, 1, 1);
    bool got = s_recv (self, S_REPLY_MS, &reply, false);
    s_check (self, got && reply.reject == PROTO_OK
                       && (reply.wire.type == PROTO_WIRE_ENTRIES
                           || (reply.wire.type == PROTO_WIRE_ERROR
                               && reply.wire.error_code
                                      == PROTO_WIRE_ERR_NOT_HELD)),
             "a WANT is served again a second after the flood");
    s_reply_clear (&reply);
    self->allow_gaps = false;
    return 0;
}

//  A peer that reads slowly. This member first pushes S_BIG_ENTRIES
//  entries of its own with large payloads, then sends S_SLOW_REQUESTS
//  WANTs for them (fewer than the node serves per second, so none is
//  busy; each reply is about 1 MiB) while it reads nothing, with a tiny
//  receive window. The node's pipe to us fills (NODE_TRANSPORT_HWM
//  messages), and its ROUTER cannot send every reply. Each request must
//  get its reply, or the loss must show as a gap in the node's sequence
//  numbers (13.7); otherwise a requester waits for the lost reply until
//  its 60 s request timeout.
static int
s_slow_fill (s_hostile_t *self, uint64_t *from, uint64_t *to)
{
    uint64_t head;
    uint8_t id[PROTO_HASH_BYTES];
    if (s_my_head (self, &head, id))
        return -1;
    proto_audience_t council;
    proto_audience_set_council (&council);
    s_entry_t *e = malloc (sizeof *e);
    assert (e);
    *from = head + 1;
    for (uint64_t seq = head + 1; seq <= head + S_BIG_ENTRIES; seq++) {
        s_entry_make_body (e, self->key, seq, id, PROTO_LEVEL_GREEN,
                           &council, "large entry", S_BIG_BODY);
        s_push (self, (const s_entry_t *const[]) { e }, 1);
        memcpy (id, e->id, PROTO_HASH_BYTES);
    }
    free (e);
    s_check_unanswered (self, "valid pushes of large entries");
    *to = s_node_head (self, keys_secret_sign_pk (self->key), NULL);
    return s_check (self, *to == head + S_BIG_ENTRIES, "the node stored "
                    "the large entries") ? 0 : -1;
}

static int
s_attack_slow_reader (s_hostile_t *self)
{
    s_disconnect (self);
    self->slow = true;
    proto_wire_range_t range = { keys_secret_sign_pk (self->key), 0, 0 };
    if (s_connect (self, true) || s_session (self)
        || s_slow_fill (self, &range.from_seq, &range.to_seq))
        return -1;
    zclock_sleep (S_PACE_MS);           /* a fresh request window        */
    s_flood_t *f = calloc (1, sizeof *f);
    assert (f);
    for (size_t sent = 0; sent < S_SLOW_REQUESTS; sent++)
        if (s_flood_one (self, &range) != 0) {
            s_check (self, false, "could not send request %zu", sent);
            break;
        }
    s_say ("sent %d WANT for seqs %" PRIu64 "..%" PRIu64 " without "
           "reading; reading nothing for 2 s", S_SLOW_REQUESTS,
           range.from_seq, range.to_seq);
    zclock_sleep (2000);
    self->allow_gaps = true;
    self->gaps = 0;
    s_flood_read (self, f, 2000);
    int before = s_ping (self);
    s_say ("slow-reader: replies: %zu ENTRIES, %zu ERROR busy, %zu ERROR "
           "not-held, %zu other; %u sequence gaps", f->entries, f->busy,
           f->not_held, f->other, self->gaps);
    s_check (self, before == 0, "the node answers HEADS afterwards");
    size_t replies = f->entries + f->errors;
    if (f->busy)
        s_say ("note: the node refused some as busy; its ERRORs are rate "
               "limited, so missing replies prove nothing");
    else
        s_check (self, replies == S_SLOW_REQUESTS || self->gaps > 0,
                 "every WANT has its reply (%zu of %d), or the node's "
                 "sequence numbers show the loss (%u gaps)", replies,
                 S_SLOW_REQUESTS, self->gaps);
    self->allow_gaps = false;
    free (f);
    return 0;
}

//  Send a ROSTER frame with this text.
static int
s_send_roster (s_hostile_t *self, const char *text, size_t len,
               const char *what)
{
    size_t cap = proto_wire_encoded_size (PROTO_WIRE_ROSTER, len);
    uint8_t *buf = cap ? malloc (cap) : NULL;
    size_t size = buf ? proto_wire_encode_roster (text, len,
                                                  s_next_seq (self), buf,
                                                  cap)
                      : 0;
    int rc = -1;
    if (size) {
        s_say ("send ROSTER seq %" PRIu32 " (%s)", self->send_seq, what);
        rc = s_send_bytes (self, buf, size);
    }
    free (buf);
    return rc;
}

//  The next roster version after ours, signed by this member alone (below
//  any threshold above 1). Fresh text (caller frees), or NULL.
static char *
s_roster_signed_alone (s_hostile_t *self, size_t *len)
{
    char err[256];
    uint8_t sig[PROTO_SIG_BYTES];
    keys_roster_t *next = keys_roster_dup_body (self->roster);
    char *text = NULL;
    if (next && keys_roster_follow (next, self->roster, err, sizeof err) == 0
        && keys_roster_sign (next, self->key, sig) == 0
        && keys_roster_add_signature (next, keys_secret_sign_pk (self->key),
                                      sig, err, sizeof err) == 0)
        text = keys_roster_format (next, true, len);
    keys_roster_destroy (&next);
    return text;
}

//  Rosters: a HELLO naming our roster version with another hash (a roster
//  fork: ERROR 105), an unparsable ROSTER (ERROR 105), a next version
//  signed by this member alone (ERROR 105, not switched), and the roster
//  in force again (old news: ignored, no answer).
static int
s_attack_bad_roster (s_hostile_t *self)
{
    self->roster_hash[0] ^= 0x01;
    s_send_hello (self);
    s_expect_error (self, PROTO_WIRE_ERR_ROSTER, "HELLO naming our roster "
                    "version with another hash");
    self->roster_hash[0] ^= 0x01;
    if (s_session (self))
        return -1;
    const char junk[] = "ceptoar-roster: 1\nthis is not a roster\n";
    s_send_roster (self, junk, strlen (junk), "unparsable");
    s_expect_error (self, PROTO_WIRE_ERR_ROSTER, "an unparsable roster");
    size_t len = 0;
    char *text = s_roster_signed_alone (self, &len);
    if (!s_check (self, text != NULL, "a next roster version can be "
                  "drafted"))
        return -1;
    s_send_roster (self, text, len, "next version, signed by this member "
                   "alone");
    free (text);
    s_expect_error (self, PROTO_WIRE_ERR_ROSTER, "a roster below its "
                    "threshold");
    text = keys_roster_format (self->roster, true, &len);
    assert (text);
    s_send_roster (self, text, len, "the roster in force");
    free (text);
    s_check_unanswered (self, "the roster in force, sent again,");
    //  The node still runs our roster: a HELLO with it makes a session.
    s_check (self, s_session (self) == 0, "the node did not switch "
             "rosters");
    return 0;
}

static int
s_attack_out_of_sequence (s_hostile_t *self)
{
    if (s_session (self))
        return -1;
    const uint8_t *me = keys_secret_sign_pk (self->key);
    s_next_seq (self);                  /* skip one number              */
    s_send_want (self, me, 1, 1);
    s_expect_error (self, PROTO_WIRE_ERR_SEQUENCE, "a skipped sequence "
                    "number");
    //  The session is gone until a HELLO: the next frame, even numbered
    //  right, gets 102 again.
    s_send_heads (self);
    s_expect_error (self, PROTO_WIRE_ERR_SEQUENCE, "a frame after the gap, "
                    "before HELLO");
    s_check (self, s_session (self) == 0, "HELLO restarts the session");
    return 0;
}

static int
s_attack_before_hello (s_hostile_t *self)
{
    //  Learn this member's head on a first connection, then close it: the
    //  next one is a new connection of a known peer (13.7).
    if (s_session (self))
        return -1;
    uint64_t head;
    uint8_t head_id[PROTO_HASH_BYTES];
    if (s_my_head (self, &head, head_id))
        return -1;
    s_disconnect (self);
    if (s_connect (self, true))
        return -1;
    const uint8_t *me = keys_secret_sign_pk (self->key);
    s_send_want (self, me, 1, 1);
    s_expect_error (self, PROTO_WIRE_ERR_SEQUENCE, "WANT before HELLO");
    s_send_heads (self);
    s_expect_error (self, PROTO_WIRE_ERR_SEQUENCE, "HEADS before HELLO");
    s_entry_t *e = malloc (sizeof *e);
    assert (e);
    s_entry_green (e, self->key, head + 1, head_id, "before hello");
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, "(valid, but before HELLO)");
    s_expect_error (self, PROTO_WIRE_ERR_SEQUENCE, "a push before HELLO");
    if (s_session (self) == 0)
        s_check_not_stored (self, e, "the entry pushed before HELLO");
    free (e);
    return 0;
}

//  non-member and null-mechanism: whatever we send, nothing comes back.
static int
s_attack_nothing_back (s_hostile_t *self)
{
    unsigned seen = s_monitor_read (self, 2000,
                                    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                    | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                    | ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    s_check (self, !(seen & ZMQ_EVENT_HANDSHAKE_SUCCEEDED),
             "no handshake succeeds");
    //  A refused handshake leaves the DEALER without a peer: a send then
    //  waits for one; do not wait long.
    zsock_set_sndtimeo (self->dealer, 500);
    s_send_hello (self);
    s_send_want (self, keys_secret_sign_pk (self->key), 1, 1);
    s_reply_t reply;
    bool got = s_recv (self, S_SILENCE_MS, &reply, false);
    s_reply_clear (&reply);
    s_check (self, !got, "nothing came back within %d s",
             S_SILENCE_MS / 1000);
    seen |= s_monitor_read (self, 100, 0);
    s_check (self, !(seen & ZMQ_EVENT_HANDSHAKE_SUCCEEDED),
             "no handshake succeeded meanwhile");
    return 0;
}

//  zap-window: a stranger admitted while the node has no ZAP handler
//  keeps talking on that connection; nothing may come back.

static const char *s_payload_form (const proto_wire_item_t *item);

//  Print the items of an ENTRIES frame that came back (the data a
//  stranger must never get).
static void
s_say_items (const proto_wire_frame_t *wire)
{
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, wire);
    proto_wire_item_t item;
    while (proto_wire_entries_next (&it, &item)) {
        uint8_t id[PROTO_HASH_BYTES];
        char hex[2 * PROTO_HASH_BYTES + 1];
        proto_entry_id (id, item.stub, item.stub_len);
        proto_hex_encode (hex, id, PROTO_HASH_BYTES);
        s_say ("item id=%s payload=%s", hex, s_payload_form (&item));
    }
}

static int
s_attack_zap_window (s_hostile_t *self)
{
    const uint8_t *claim = keys_secret_sign_pk (self->key);
    if (self->claim) {
        const keys_member_t *m
            = keys_roster_member_by_name (self->roster, self->claim);
        if (!m) {
            fprintf (stderr, "hostile_peer: no member %s in the roster\n",
                     self->claim);
            return -1;
        }
        claim = m->card.sign_pk;
    }
    //  The node may still be starting: wait for the handshake's outcome.
    unsigned seen = s_monitor_read (self, 30000,
                                    ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                    | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                    | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
    if (!s_check (self, seen & ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
                  "the handshake succeeded: no ZAP handler ran, the window "
                  "is open"))
        return 0;
    int64_t start = zclock_mono ();
    int64_t until = self->after ? start + 60000 : start + self->duration_ms;
    bool after = false;
    size_t sent = 0, sent_before = 0, got = 0;
    while (zclock_mono () < until) {
        if (self->after && !after && access (self->after, F_OK) == 0) {
            after = true;
            sent_before = sent;
            until = zclock_mono () + self->duration_ms;
            s_say ("%s exists: sent %zu frames before; %d ms more",
                   self->after, sent, self->duration_ms);
        }
        int64_t round = zclock_mono ();
        if (s_send_hello_as (self, claim) == 0)
            sent++;
        if (s_send_heads (self) == 0)
            sent++;
        if (s_send_want (self, self->server.sign_pk, 1, 1000) == 0)
            sent++;
        //  Listen for the rest of the second.
        s_reply_t reply;
        int64_t left;
        while ((left = round + 1000 - zclock_mono ()) > 0
               && s_recv (self, (int) left, &reply, true)) {
            got++;
            s_print_reply (&reply);
            if (reply.reject == PROTO_OK
                && reply.wire.type == PROTO_WIRE_ENTRIES)
                s_say_items (&reply.wire);
            s_reply_clear (&reply);
        }
    }
    if (self->after)
        s_check (self, after, "%s appeared within 60 s", self->after);
    s_say ("sent %zu frames (%zu before %s), received %zu", sent,
           sent_before, self->after ? self->after : "-", got);
    (void) s_monitor_read (self, 100, 0);   //  prints the last events
    s_check (self, got == 0, "nothing came back in %" PRId64 " ms",
             zclock_mono () - start);
    return 0;
}

//  --------------------------------------------------------------------------
//  serve-check

//  The payload's form as the node sent it.
static const char *
s_payload_form (const proto_wire_item_t *item)
{
    if (item->payload_len == 0)
        return "none";
    if (proto_seal_is_sealed (item->payload, item->payload_len))
        return "sealed";
    if (proto_payload_is_plaintext (item->payload, item->payload_len))
        return "plaintext";
    return "unknown";
}

typedef struct {
    uint8_t ids[PROTO_WIRE_PAYLOADS_MAX][PROTO_HASH_BYTES];
    size_t count;                       /* not ours to have: ask anyway   */
    size_t items;
} s_served_t;

//  Check and print one item the node served us.
static void
s_serve_item (s_hostile_t *self, const proto_wire_item_t *item,
              s_served_t *served)
{
    proto_header_t h;
    uint8_t id[PROTO_HASH_BYTES];
    proto_entry_id (id, item->stub, item->stub_len);
    char hex[2 * PROTO_HASH_BYTES + 1], fpr[PROTO_FPR_HEX_LEN + 1];
    proto_hex_encode (hex, id, PROTO_HASH_BYTES);
    if (proto_stub_verify (&h, item->stub, item->stub_len) != PROTO_OK) {
        s_check (self, false, "stub %s verifies", hex);
        return;
    }
    proto_fingerprint (fpr, h.author);
    const char *form = s_payload_form (item);
    s_say ("item id=%s author=%.8s seq=%" PRIu64 " level=%s payload=%s",
           hex, fpr, h.seq, proto_level_name (h.level), form);
    served->items++;
    keys_disclosure_t d = keys_disclosure_payload (
        self->roster, &h, keys_secret_sign_pk (self->key));
    if (item->payload_len) {
        if (proto_payload_matches (&h, item->payload, item->payload_len)
            != PROTO_OK)
            s_check (self, false, "payload of %.16s matches its header",
                     hex);
        bool allowed = (d == KEYS_DISCLOSE_PLAINTEXT
                        && !strcmp (form, "plaintext"))
                       || (d == KEYS_DISCLOSE_SEALED
                           && !strcmp (form, "sealed"));
        if (!allowed)
            s_check (self, false, "DISCLOSURE: %.16s sent %s, this member "
                     "may have %s", hex, form,
                     d == KEYS_DISCLOSE_NONE ? "none" : "another form");
    }
    else if (d == KEYS_DISCLOSE_NONE && served->count
                                            < PROTO_WIRE_PAYLOADS_MAX) {
        memcpy (served->ids[served->count++], id, PROTO_HASH_BYTES);
    }
}

//  WANT every range the node advertised, until all is fetched.
static void
s_serve_fetch (s_hostile_t *self, s_served_t *served)
{
    uint64_t *next = calloc (self->head_count ? self->head_count : 1,
                             sizeof *next);
    assert (next);
    for (size_t i = 0; i < self->head_count; i++)
        next[i] = 1;
    for (size_t i = 0; i < self->head_count; i++) {
        while (next[i] <= self->heads[i].seq) {
            s_send_want (self, self->heads[i].author, next[i],
                         self->heads[i].seq);
            s_reply_t reply;
            if (!s_expect_type (self, PROTO_WIRE_ENTRIES, "an advertised "
                                "range is served", &reply))
                break;
            uint64_t before = next[i];
            proto_wire_iter_t it;
            proto_wire_iter_init (&it, &reply.wire);
            proto_wire_item_t item;
            while (proto_wire_entries_next (&it, &item)) {
                s_serve_item (self, &item, served);
                proto_header_t h;
                uint8_t sig[PROTO_SIG_BYTES];
                if (proto_stub_decode (&h, sig, item.stub, item.stub_len)
                        == PROTO_OK
                    && !memcmp (h.author, self->heads[i].author,
                                PROTO_PK_BYTES)
                    && h.seq >= next[i])
                    next[i] = h.seq + 1;
            }
            s_reply_clear (&reply);
            if (!s_check (self, next[i] > before, "the reply makes "
                          "progress"))
                break;
        }
    }
    free (next);
}

static int
s_id_cmp (const void *a, const void *b)
{
    return memcmp (a, b, PROTO_HASH_BYTES);
}

//  Ask for the payloads we may not have: the node must serve none.
static void
s_serve_refused (s_hostile_t *self, s_served_t *served)
{
    if (!served->count)
        return;
    qsort (served->ids, served->count, PROTO_HASH_BYTES, s_id_cmp);
    size_t cap = proto_wire_encoded_size (PROTO_WIRE_PAYLOADS,
                                          served->count);
    uint8_t *buf = malloc (cap);
    assert (buf);
    size_t size = proto_wire_encode_payloads (
        (const uint8_t (*)[PROTO_HASH_BYTES]) served->ids, served->count,
        s_next_seq (self), buf, cap);
    assert (size);
    s_say ("send PAYLOADS seq %" PRIu32 " for %zu entries this member may "
           "not read", self->send_seq, served->count);
    s_send_bytes (self, buf, size);
    free (buf);
    s_expect_error (self, PROTO_WIRE_ERR_NOT_HELD, "payloads outside this "
                    "member's clearance are refused");
}

//  A receipt for self->entry, stored at the target at stored_ms.
static void
s_receipt_payload (s_hostile_t *self, proto_payload_t *p, char *body,
                   size_t cap)
{
    proto_receipt_item_t item;
    memcpy (item.id, self->entry, PROTO_HASH_BYTES);
    item.stored_ms = proto_now_ms ();
    proto_payload_init (p, PROTO_KIND_RECEIPT, 0);
    p->title = "Delivery receipt: 1 entry";
    p->title_len = strlen (p->title);
    p->body = body;
    p->body_len = proto_receipt_body_encode (&item, 1, body, cap);
    assert (p->body_len > 0);
}

static int
s_attack_forged_receipt (s_hostile_t *self)
{
    const keys_member_t *other = s_other_member (self);
    if (!self->entry_set || !other) {
        fprintf (stderr, "hostile_peer: forged-receipt needs --entry ID and "
                         "a member other than this key and the target\n");
        return -1;
    }
    if (s_session (self))
        return -1;
    uint64_t head;
    uint8_t head_id[PROTO_HASH_BYTES];
    if (s_my_head (self, &head, head_id))
        return -1;
    char body[256];
    proto_payload_t p;
    s_receipt_payload (self, &p, body, sizeof body);
    proto_audience_t to_target, council;
    proto_audience_set_nodes (&to_target);
    proto_audience_add_node (&to_target, self->server.sign_pk);
    proto_audience_set_council (&council);
    s_entry_t *e = malloc (sizeof *e);
    assert (e);
    //  1. Wrong key: another member's receipt, signed by this key.
    uint8_t prev[PROTO_HASH_BYTES];
    uint64_t other_head = s_node_head (self, other->card.sign_pk, prev);
    int rc = s_entry_sign (e, self->key, other_head + 1, prev,
                           PROTO_LEVEL_AMBER, &to_target, &p);
    assert (rc == 0);
    memcpy (e->stub + 4, other->card.sign_pk, PROTO_PK_BYTES);
    memcpy (e->header.author, other->card.sign_pk, PROTO_PK_BYTES);
    proto_entry_id (e->id, e->stub, e->stub_len);
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, "(a receipt in another member's name, signed by this "
                     "key)");
    s_check_unanswered (self, "a push of a receipt with the wrong key");
    s_check_not_stored (self, e, "the receipt signed with the wrong key");
    //  2. Wrong target: our own receipt for an entry we never received.
    rc = s_entry_sign (e, self->key, head + 1, head_id, PROTO_LEVEL_AMBER,
                       &to_target, &p);
    assert (rc == 0);
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, "(a receipt for an entry outside this member's "
                     "audience)");
    s_check_unanswered (self, "a push of a receipt for the wrong target");
    s_check_not_stored (self, e, "the receipt for the wrong target");
    //  3. A receipt for the whole council (receipts go to authors only).
    rc = s_entry_sign (e, self->key, head + 1, head_id, PROTO_LEVEL_GREEN,
                       &council, &p);
    assert (rc == 0);
    s_push (self, (const s_entry_t *const[]) { e }, 1);
    s_say_pushed (e, "(a receipt addressed to the council)");
    s_check_unanswered (self, "a push of a receipt to the council");
    s_check_not_stored (self, e, "the receipt to the council");
    free (e);
    return 0;
}

static int
s_attack_serve_check (s_hostile_t *self)
{
    if (s_session (self))
        return -1;
    s_served_t *served = calloc (1, sizeof *served);
    assert (served);
    s_serve_fetch (self, served);
    s_say ("served %zu items from %zu heads", served->items,
           self->head_count);
    s_serve_refused (self, served);
    free (served);
    return 0;
}

//  --------------------------------------------------------------------------
//  dump and dump-listen

//  dump: the serve-check session; s_recv records every frame that comes.
static int
s_attack_dump (s_hostile_t *self)
{
    int rc = s_attack_serve_check (self);
    s_say ("dumped %zu frames, %" PRIu64 " octets", self->dump_frames,
           self->dump_bytes);
    return rc;
}

#define S_LISTEN_CONNS 64               /* connections dump-listen serves */
#define S_ROUTING_ID_MAX 255            /* ZeroMQ's limit                 */

//  One node's connection to our endpoint.
typedef struct {
    uint8_t rid[S_ROUTING_ID_MAX];      /* its routing id                 */
    size_t rid_len;
    char name[KEYS_NAME_MAX + 1];       /* from its HELLO; "?" before     */
    uint32_t send_seq;                  /* last sequence number we sent   */
    bool ready;                         /* its first HEADS came           */
} s_conn_t;

//  The connection with this routing id, a new one, or NULL (table full).
static s_conn_t *
s_conn_find (s_conn_t *conns, size_t *count, zframe_t *rid)
{
    size_t len = zframe_size (rid);
    if (len == 0 || len > S_ROUTING_ID_MAX)
        return NULL;
    for (size_t i = 0; i < *count; i++)
        if (conns[i].rid_len == len
            && !memcmp (conns[i].rid, zframe_data (rid), len))
            return &conns[i];
    if (*count == S_LISTEN_CONNS)
        return NULL;
    s_conn_t *c = &conns[(*count)++];
    memset (c, 0, sizeof *c);
    memcpy (c->rid, zframe_data (rid), len);
    c->rid_len = len;
    strcpy (c->name, "?");
    return c;
}

//  Send one frame to a connection, numbered next. data is encoded by the
//  caller with that number: call s_conn_next_seq first.
static void
s_conn_send (zsock_t *router, s_conn_t *c, const uint8_t *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    assert (msg);
    zmsg_addmem (msg, c->rid, c->rid_len);
    zmsg_addmem (msg, data, size);
    if (zmsg_send (&msg, router) != 0) {
        zmsg_destroy (&msg);
        s_say ("listen: send to %s failed: %s", c->name,
               zmq_strerror (zmq_errno ()));
    }
}

static uint32_t
s_conn_next_seq (s_conn_t *c)
{
    c->send_seq = proto_wire_seq_next (c->send_seq);
    return c->send_seq;
}

//  Answer one frame a node sent to our endpoint (13.7, as a ROUTER that
//  holds nothing), and print what it pushed.
static void
s_listen_frame (s_hostile_t *self, zsock_t *router, s_conn_t *c,
                const uint8_t *data, size_t size)
{
    proto_wire_frame_t wire;
    proto_reject_t r = proto_wire_decode (&wire, data, size);
    if (r != PROTO_OK) {
        s_say ("listen: undecodable frame from %s (%s), %zu octets", c->name,
               proto_reject_name (r), size);
        return;
    }
    uint8_t buf[PROTO_WIRE_HELLO_BYTES + PROTO_WIRE_HEADER_BYTES + 2
                + PROTO_WIRE_TEXT_MAX + 3];
    size_t len = 0;
    switch (wire.type) {
    case PROTO_WIRE_HELLO: {
        const keys_member_t *m = keys_roster_member_by_key (
            self->roster, wire.hello.sign_pk);
        snprintf (c->name, sizeof c->name, "%s", m ? m->card.name : "?");
        s_say ("listen: HELLO from %s", c->name);
        c->send_seq = 0;                /* a HELLO restarts our numbering */
        len = s_encode_hello (self, keys_secret_sign_pk (self->key),
                              s_conn_next_seq (c), buf, sizeof buf);
        break;
    }
    case PROTO_WIRE_HEADS:
        if (!c->ready)
            s_say ("listen: session with %s", c->name);
        c->ready = true;
        len = proto_wire_encode_heads (NULL, 0, s_conn_next_seq (c), buf,
                                       sizeof buf);
        break;
    case PROTO_WIRE_WANT:
    case PROTO_WIRE_PAYLOADS: {
        const char *text = "dump-listen holds nothing";
        len = proto_wire_encode_error (PROTO_WIRE_ERR_NOT_HELD, text,
                                       strlen (text), s_conn_next_seq (c),
                                       buf, sizeof buf);
        break;
    }
    case PROTO_WIRE_ENTRIES: {
        s_say ("listen: ENTRIES from %s, %zu items%s", c->name, wire.count,
               wire.flags & PROTO_WIRE_FLAG_REPLY ? "" : " (push)");
        s_served_t *served = calloc (1, sizeof *served);
        assert (served);
        proto_wire_iter_t it;
        proto_wire_iter_init (&it, &wire);
        proto_wire_item_t item;
        while (proto_wire_entries_next (&it, &item))
            s_serve_item (self, &item, served);
        free (served);
        break;
    }
    default:
        s_say ("listen: %s from %s", proto_wire_type_name (wire.type),
               c->name);
        break;
    }
    if (len)
        s_conn_send (router, c, buf, len);
}

//  dump-listen: serve our endpoint until SIGINT or SIGTERM.
static int
s_attack_dump_listen (s_hostile_t *self)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    if (!router)
        return -1;
    zsock_set_linger (router, 0);
    zsock_set_maxmsgsize (router, PROTO_WIRE_FRAME_MAX);
    zsock_set_rcvhwm (router, 100000);
    zsock_set_sndhwm (router, 100000);
    //  A CurveZMQ server with our box key, as the nodes expect from our
    //  card. No ZAP handler: this recorder admits any client.
    zsock_set_curve_server (router, 1);
    zsock_set_curve_publickey_bin (router, keys_secret_box_pk (self->key));
    zsock_set_curve_secretkey_bin (router, keys_secret_box_sk (self->key));
    if (zsock_bind (router, "%s", self->listen) < 0) {
        fprintf (stderr, "hostile_peer: cannot bind %s: %s\n", self->listen,
                 zmq_strerror (zmq_errno ()));
        zsock_destroy (&router);
        return -1;
    }
    s_say ("listen: serving %s", self->listen);
    zpoller_t *poller = zpoller_new (router, NULL);
    assert (poller);
    s_conn_t *conns = calloc (S_LISTEN_CONNS, sizeof *conns);
    assert (conns);
    size_t count = 0;
    while (!zsys_interrupted) {
        if (!zpoller_wait (poller, 500)) {
            if (zpoller_terminated (poller))
                break;
            continue;
        }
        zmsg_t *msg = zmsg_recv (router);
        if (!msg)
            break;
        zframe_t *rid = zmsg_pop (msg);
        //  Every part after the routing id is recorded.
        for (zframe_t *part = zmsg_first (msg); part; part = zmsg_next (msg))
            s_dump_frame (self, zframe_data (part), zframe_size (part));
        s_conn_t *c = rid ? s_conn_find (conns, &count, rid) : NULL;
        zframe_t *frame = zmsg_first (msg);
        if (!c)
            s_say ("listen: a frame from an unknown connection, dropped");
        else if (zmsg_size (msg) != 1)
            s_say ("listen: a message of %zu parts from %s, dropped",
                   zmsg_size (msg), c->name);
        else
            s_listen_frame (self, router, c, zframe_data (frame),
                            zframe_size (frame));
        zframe_destroy (&rid);
        zmsg_destroy (&msg);
    }
    s_say ("listen: stopped; dumped %zu frames, %" PRIu64 " octets",
           self->dump_frames, self->dump_bytes);
    free (conns);
    zpoller_destroy (&poller);
    zsock_destroy (&router);
    return 0;
}

//  --------------------------------------------------------------------------
//  Program

static const struct {
    const char *name;
    s_attack_fn *fn;
    bool curve;                         /* connect with CURVE            */
    bool roster;                        /* needs --roster                */
    bool target;                        /* connects to --endpoint        */
} s_attacks[] = {
    { "forged-signature", s_attack_forged_signature, true, true, true },
    { "broken-chain", s_attack_broken_chain, true, true, true },
    { "wrong-author", s_attack_wrong_author, true, true, true },
    { "plaintext-outside-audience", s_attack_plaintext_outside_audience,
      true, true, true },
    { "replay", s_attack_replay, true, true, true },
    { "oversize", s_attack_oversize, true, true, true },
    { "truncated", s_attack_truncated, true, true, true },
    { "unknown-type", s_attack_unknown_type, true, true, true },
    { "flood", s_attack_flood, true, true, true },
    { "slow-reader", s_attack_slow_reader, true, true, true },
    { "bad-roster", s_attack_bad_roster, true, true, true },
    { "out-of-sequence", s_attack_out_of_sequence, true, true, true },
    { "before-hello", s_attack_before_hello, true, true, true },
    { "non-member", s_attack_nothing_back, true, false, true },
    { "null-mechanism", s_attack_nothing_back, false, false, true },
    { "zap-window", s_attack_zap_window, true, true, true },
    { "serve-check", s_attack_serve_check, true, true, true },
    { "dump", s_attack_dump, true, true, true },
    { "dump-listen", s_attack_dump_listen, true, true, false },
    { "forged-receipt", s_attack_forged_receipt, true, true, true },
};
#define S_ATTACK_COUNT (sizeof s_attacks / sizeof s_attacks[0])

static int
s_usage (void)
{
    fprintf (stderr,
             "usage: hostile_peer --key KEYFILE --server-card CARDFILE\n"
             "                    --endpoint tcp://HOST:PORT --attack NAME\n"
             "                    [--roster ROSTER] [--audience NAME] "
             "[--entry ID]\n"
             "                    [--claim NAME] [--duration MS]"
             " [--after FILE]\n"
             "                    [--dump FILE] (dump: FILE required)\n"
             "       hostile_peer --key KEYFILE --roster ROSTER\n"
             "                    --attack dump-listen --listen tcp://HOST:PORT"
             "\n                    --dump FILE\n"
             "attacks:");
    for (size_t i = 0; i < S_ATTACK_COUNT; i++)
        fprintf (stderr, " %s", s_attacks[i].name);
    fprintf (stderr, "\n");
    return 2;
}

//  Load the key, the card and the roster. Returns 0, or -1 after a message.
static int
s_load (s_hostile_t *self, const char *key_path, const char *card_path,
        const char *roster_path)
{
    keys_load_t result;
    char err[512];
    self->key = keys_secret_load (key_path, NULL, &result);
    if (!self->key) {
        fprintf (stderr, "hostile_peer: %s: %s\n", key_path,
                 keys_load_strerror (result));
        return -1;
    }
    if (card_path
        && keys_card_load (&self->server, card_path, err, sizeof err)) {
        fprintf (stderr, "hostile_peer: %s: %s\n", card_path, err);
        return -1;
    }
    self->roster_version = 1;
    if (roster_path) {
        self->roster = keys_roster_load (roster_path, err, sizeof err);
        if (!self->roster
            || keys_roster_hash (self->roster, self->roster_hash)) {
            fprintf (stderr, "hostile_peer: %s: %s\n", roster_path,
                     self->roster ? "cannot hash" : err);
            return -1;
        }
        self->roster_version = keys_roster_version (self->roster);
    }
    return 0;
}

static void
s_destroy (s_hostile_t **self_p)
{
    s_hostile_t *self = *self_p;
    if (!self)
        return;
    s_disconnect (self);
    if (self->dump)
        (void) fclose (self->dump);     //  s_dump_frame flushed each frame
    keys_roster_destroy (&self->roster);
    keys_secret_destroy (&self->key);
    free (self);
    *self_p = NULL;
}

int
main (int argc, char **argv)
{
    const char *key_path = NULL, *card_path = NULL, *roster_path = NULL;
    const char *endpoint = NULL, *attack = NULL, *audience = NULL;
    const char *entry = NULL;
    const char *dump_path = NULL, *listen = NULL;
    const char *claim = NULL, *after = NULL;
    long duration_ms = 3000;
    static const struct option options[] = {
        { "key", required_argument, NULL, 'k' },
        { "server-card", required_argument, NULL, 'c' },
        { "endpoint", required_argument, NULL, 'e' },
        { "attack", required_argument, NULL, 'a' },
        { "roster", required_argument, NULL, 'r' },
        { "audience", required_argument, NULL, 'u' },
        { "entry", required_argument, NULL, 'i' },
        { "dump", required_argument, NULL, 'D' },
        { "listen", required_argument, NULL, 'L' },
        { "claim", required_argument, NULL, 'C' },
        { "duration", required_argument, NULL, 'T' },
        { "after", required_argument, NULL, 'A' },
        { NULL, 0, NULL, 0 } };
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'k': key_path = optarg; break;
        case 'c': card_path = optarg; break;
        case 'e': endpoint = optarg; break;
        case 'a': attack = optarg; break;
        case 'r': roster_path = optarg; break;
        case 'u': audience = optarg; break;
        case 'i': entry = optarg; break;
        case 'D': dump_path = optarg; break;
        case 'L': listen = optarg; break;
        case 'C': claim = optarg; break;
        case 'T': duration_ms = strtol (optarg, NULL, 10); break;
        case 'A': after = optarg; break;
        default: return s_usage ();
        }
    }
    size_t which = S_ATTACK_COUNT;
    for (size_t i = 0; attack && i < S_ATTACK_COUNT; i++)
        if (!strcmp (attack, s_attacks[i].name))
            which = i;
    if (!key_path || which == S_ATTACK_COUNT || optind != argc
        || duration_ms < 1 || duration_ms > 600000
        || (s_attacks[which].target && (!card_path || !endpoint))
        || (s_attacks[which].roster && !roster_path))
        return s_usage ();
    bool dumping = s_attacks[which].fn == s_attack_dump
                   || s_attacks[which].fn == s_attack_dump_listen;
    if (dumping != (dump_path != NULL)
        || (s_attacks[which].fn == s_attack_dump_listen) != (listen != NULL))
        return s_usage ();
    if (proto_init ())
        return 2;
    zsys_init ();
    s_hostile_t *self = calloc (1, sizeof *self);
    assert (self);
    self->endpoint = endpoint;
    self->audience = audience;
    if (entry) {
        if (proto_hex_decode (self->entry, PROTO_HASH_BYTES, entry) != 0) {
            free (self);
            return s_usage ();
        }
        self->entry_set = true;
    }
    self->listen = listen;
    self->claim = claim;
    self->after = after;
    self->duration_ms = (int) duration_ms;      //  1..600000, checked
    int rc = 2;
    if (dump_path && !(self->dump = fopen (dump_path, "wb"))) {
        fprintf (stderr, "hostile_peer: cannot create %s\n", dump_path);
        s_destroy (&self);
        return 2;
    }
    if (s_load (self, key_path, card_path, roster_path) == 0
        && (!s_attacks[which].target
            || s_connect (self, s_attacks[which].curve) == 0)) {
        if (s_attacks[which].target)
            s_say ("attack %s on %s (%s)", attack, self->server.name,
                   endpoint);
        else
            s_say ("attack %s on %s", attack, listen);
        //  The node's ERROR budget is per peer and second: let the one of
        //  a previous run (the same member) pass first.
        zclock_sleep (S_PACE_MS);
        if (s_attacks[which].fn (self) != 0)
            self->failures++;
        s_say ("attack %s: %s (%d checks failed)", attack,
               self->failures ? "node MISBEHAVED" : "node behaved",
               self->failures);
        rc = self->failures ? 1 : 0;
    }
    s_destroy (&self);
    return rc;
}
