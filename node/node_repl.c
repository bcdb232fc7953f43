/* SPDX-License-Identifier: MPL-2.0 */
/* node_repl: the replication engine of ceptoard (docs/protocol.md 13). */

/* Connections. Between this node and a peer there are up to two
   connections: our DEALER to the peer's ROUTER ("out": our requests and
   pushes, the peer's replies) and the peer's DEALER to our ROUTER ("in":
   the peer's requests and pushes, our replies). Each has its own session
   (13.7): HELLO exchange, sequence numbers both ways, readiness.

   Catch-up. What the peers advertise in HEADS (on either connection) is
   kept per peer. Planning asks, for each author, only ONE peer at a time
   for that author's next seqs, so that replies arrive in chain order (the
   store appends only head + 1); replies on one connection come in order,
   so up to PROTO_WIRE_REQUESTS_MAX requests to that peer may be pipelined.
   Different authors are fetched from different peers in parallel.

   Disclosure. s_disclose is the one place that decides what payload goes
   with a stub into a frame, by keys_disclosure_payload with the roster in
   force and the authenticated peer's key. Pushes, WANT replies and
   PAYLOADS replies all go through s_add_item, which calls it.             */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "node_control.h"
#include "node_repl.h"
#include "node_transport.h"
#include "node_verify.h"

#define S_REASONS 128                  /* reject codes counted per peer    */
#define S_REASON_GAP 102               /* out-of-sequence (wire code)      */
#define S_REASON_MEMBER 101            /* not-a-member                     */
#define S_REASON_ROSTER 105            /* roster-refused                   */
#define S_REASON_BUSY 103              /* requests over the rate           */
#define S_RANGES_MAX 64                /* ranges we put in one WANT        */
#define S_FORKS_MAX 64                 /* fork evidence sent per reply     */
#define S_LOGS_PER_SEC 10              /* refusal log lines per peer        */
#define S_INLINE_MAX 16                /* ENTRIES verified in the actor     */

enum { S_ERROR = 0, S_WARNING = 1, S_INFO = 2, S_DEBUG = 3 };

/* One range we asked for.                                                   */
typedef struct {
    uint8_t author[PROTO_PK_BYTES];
    uint64_t from, to;
} s_range_t;

/* One request outstanding on our DEALER to a peer.                          */
typedef struct {
    proto_wire_type_t type;            /* WANT or PAYLOADS                  */
    int64_t sent_ms;
    size_t count;                      /* WANT: ranges in ranges            */
    s_range_t *ranges;                 /* WANT: what was asked (owned)      */
} s_request_t;

/* A head a peer advertised.                                                 */
typedef struct {
    uint8_t author[PROTO_PK_BYTES];
    uint64_t seq;
    uint8_t id[PROTO_HASH_BYTES];
} s_phead_t;

/* Counters about a peer; kept across roster switches (by key).              */
typedef struct {
    uint8_t sign_pk[PROTO_PK_BYTES];
    int64_t last_seen_ms;
    uint64_t received, sent, violations;
    uint64_t bytes_in, bytes_out;      /* frame octets, both connections   */
    uint32_t reasons[S_REASONS + 8];   /* by reject or wire error code     */
} s_stats_t;

typedef struct {
    keys_member_t member;              /* copy from the roster in force     */
    char endpoint[KEYS_ENDPOINT_MAX + 1];  /* dialled, or ""                */
    zsock_t *dealer;                   /* borrowed from the transport       */
    s_stats_t *stats;                  /* borrowed from self->stats         */
    //  Out: our DEALER.
    bool out_ready;
    uint32_t out_send_seq, out_recv_seq;
    uint16_t out_max_batch;            /* the peer's, from its HELLO        */
    int64_t out_hello_ms;              /* last HELLO tried                  */
    bool out_hello_sent;               /* ... and it went out               */
    int64_t out_pause_until;           /* after busy / refusals             */
    s_request_t req[PROTO_WIRE_REQUESTS_MAX];
    size_t nreq;
    size_t replies_pending;            /* replies received, being verified */
    uint32_t out_epoch;                /* counts restarts of this session   */
    //  In: the peer's DEALER to our ROUTER.
    zframe_t *in_rid;                  /* routing id of its connection      */
    bool in_hello, in_ready;
    uint32_t in_recv_seq, in_send_seq;
    uint16_t in_max_batch;
    int64_t req_window_ms;             /* rate of its requests              */
    unsigned req_count;
    int64_t err_window_ms;             /* rate of our ERROR replies         */
    unsigned err_count;
    int64_t log_window_ms;             /* rate of log lines about it        */
    unsigned log_count, log_suppressed;
    //  What it holds, from its latest HEADS.
    s_phead_t *heads;
    size_t head_count;
} s_peer_t;

/* A payload we lack, and whom we asked.                                     */
typedef struct {
    int64_t first_ms;
    uint8_t asked[KEYS_ROSTER_MAX_MEMBERS / 8];
} s_wanted_t;

struct _node_repl_t {
    node_dir_t *node;                  /* borrowed                          */
    node_store_t *store;               /* borrowed from node                */
    const keys_secret_t *key;          /* borrowed                          */
    const keys_roster_t *roster;       /* borrowed from node; in force      */
    uint8_t roster_hash[PROTO_HASH_BYTES];
    uint8_t self_pk[PROTO_PK_BYTES];
    char cert_dir[4096];
    char listen[KEYS_ENDPOINT_MAX + 1];
    node_transport_t *transport;
    s_peer_t *peers;                   /* every member but this node        */
    size_t peer_count;
    s_stats_t *stats;                  /* by key; grows, never shrinks      */
    size_t stats_count, stats_cap;
    //  Per author (index in the roster): who we are fetching it from.
    int *inflight_peer;                /* -1: nobody                        */
    uint64_t *inflight_upto;
    size_t author_count;
    zhashx_t *wanted;                  /* id hex -> s_wanted_t              */
    proto_wire_writer_t *writer;
    node_verify_t *verify;             /* signature checks off this thread  */
    int log_level;
    bool removed;                      /* this node left the roster         */
    bool switch_pending;               /* rebuild the transport (roster)    */
    int64_t heads_due_ms;              /* 0: none                           */
    int64_t heads_next_ms;             /* periodic anti-entropy             */
    int heads_interval_ms;
    int64_t wanted_next_ms;            /* payload fetching                  */
    bool wanted_dirty;
    int64_t peers_file_ms;
    uint64_t unauthenticated;          /* frames with no member key         */
    size_t plan_start;                 /* first peer s_plan considers       */
};

static void s_peer_restart_out (node_repl_t *self, s_peer_t *peer);
static void s_send_hello_out (node_repl_t *self, s_peer_t *peer);
static void s_plan (node_repl_t *self);

#define S_LOG(self, level, ...)                                              \
    do {                                                                     \
        if ((self)->log_level >= (level)) {                                  \
            if ((level) == S_ERROR)                                        \
                zsys_error (__VA_ARGS__);                                    \
            else if ((level) == S_WARNING)                                 \
                zsys_warning (__VA_ARGS__);                                  \
            else if ((level) == S_INFO)                                    \
                zsys_info (__VA_ARGS__);                                     \
            else                                                             \
                zsys_debug (__VA_ARGS__);                                    \
        }                                                                    \
    } while (0)

static int64_t
s_now (void)
{
    return zclock_mono ();
}

//  --------------------------------------------------------------------------
//  Counters

static s_stats_t *
s_stats_for (node_repl_t *self, const uint8_t *sign_pk)
{
    for (size_t i = 0; i < self->stats_count; i++)
        if (!memcmp (self->stats[i].sign_pk, sign_pk, PROTO_PK_BYTES))
            return &self->stats[i];
    if (self->stats_count == self->stats_cap) {
        size_t cap = self->stats_cap ? 2 * self->stats_cap : 32;
        s_stats_t *grown = realloc (self->stats, cap * sizeof *grown);
        assert (grown);
        self->stats = grown;
        self->stats_cap = cap;
        //  Peers point into the array: re-point them.
        for (size_t i = 0; i < self->peer_count; i++)
            self->peers[i].stats = NULL;
    }
    s_stats_t *stats = &self->stats[self->stats_count++];
    memset (stats, 0, sizeof *stats);
    memcpy (stats->sign_pk, sign_pk, PROTO_PK_BYTES);
    return stats;
}

static s_stats_t *
s_stats (node_repl_t *self, s_peer_t *peer)
{
    if (!peer->stats)
        peer->stats = s_stats_for (self, peer->member.card.sign_pk);
    return peer->stats;
}

//  Log a refusal about peer, at most S_LOGS_PER_SEC lines a second per
//  peer; past that only count, and say how many were left out (13.10), so
//  that a member cannot fill the disk with our log.
static void
s_log_refusal (node_repl_t *self, s_peer_t *peer, unsigned code,
               const char *what)
{
    int64_t now = s_now ();
    if (now - peer->log_window_ms >= 1000) {
        if (peer->log_suppressed)
            S_LOG (self, S_WARNING, "peer %s: %u more refusals not logged "
                   "in the last second (counts: ceptoar peers)",
                   peer->member.card.name, peer->log_suppressed);
        peer->log_window_ms = now;
        peer->log_count = 0;
        peer->log_suppressed = 0;
    }
    if (peer->log_count >= S_LOGS_PER_SEC) {
        peer->log_suppressed++;
        return;
    }
    peer->log_count++;
    S_LOG (self, S_WARNING, "peer %s: %s (%s)", peer->member.card.name, what,
           code < 100 ? proto_reject_name ((proto_reject_t) code)
                      : proto_wire_error_name (code));
}

//  Count a reason against peer without calling it a violation (normal
//  events of replication: out-of-order entries, sequence gaps, busy).
static void
s_count (node_repl_t *self, s_peer_t *peer, unsigned code)
{
    s_stats (self, peer)->reasons[code < S_REASONS + 8 ? code : 0]++;
}

//  A violation by peer: counted by reason, logged (rate-limited).
static void
s_violation (node_repl_t *self, s_peer_t *peer, unsigned code,
             const char *what)
{
    s_stats_t *stats = s_stats (self, peer);
    stats->violations++;
    s_count (self, peer, code);
    s_log_refusal (self, peer, code, what);
}

static const char *
s_reason_name (unsigned code)
{
    return code < 100 ? proto_reject_name ((proto_reject_t) code)
                      : proto_wire_error_name (code);
}

//  --------------------------------------------------------------------------
//  Peers and authors

static s_peer_t *
s_peer_by_sign (node_repl_t *self, const uint8_t *sign_pk)
{
    for (size_t i = 0; i < self->peer_count; i++)
        if (!memcmp (self->peers[i].member.card.sign_pk, sign_pk,
                     PROTO_PK_BYTES))
            return &self->peers[i];
    return NULL;
}

static size_t
s_peer_index (node_repl_t *self, const s_peer_t *peer)
{
    return (size_t) (peer - self->peers);
}

static void
s_requests_clear (s_peer_t *peer)
{
    for (size_t i = 0; i < peer->nreq; i++)
        free (peer->req[i].ranges);
    peer->nreq = 0;
}

//  Forget which authors are being fetched from peer (its requests ended).
static void
s_inflight_release (node_repl_t *self, s_peer_t *peer)
{
    int index = (int) s_peer_index (self, peer);
    for (size_t a = 0; a < self->author_count; a++)
        if (self->inflight_peer[a] == index) {
            //  Still asked in a request outstanding? Keep it then.
            bool still = false;
            const uint8_t *author = keys_roster_member (self->roster, a)
                                        ->card.sign_pk;
            for (size_t r = 0; r < peer->nreq && !still; r++)
                for (size_t k = 0; k < peer->req[r].count && !still; k++)
                    still = !memcmp (peer->req[r].ranges[k].author, author,
                                     PROTO_PK_BYTES);
            if (!still) {
                self->inflight_peer[a] = -1;
                self->inflight_upto[a] = 0;
            }
        }
}

//  --------------------------------------------------------------------------
//  Sending

//  Send one encoded frame on the peer's DEALER. Returns true if it went
//  out (then the sequence number is used).
static bool
s_send_out_raw (node_repl_t *self, s_peer_t *peer, zframe_t **frame_p)
{
    if (!peer->dealer) {
        zframe_destroy (frame_p);
        return false;
    }
    size_t size = zframe_size (*frame_p);
    if (zframe_send (frame_p, peer->dealer, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy (frame_p);
        return false;
    }
    s_stats (self, peer)->bytes_out += size;
    return true;
}

//  Send one frame to the peer's connection on our ROUTER.
static bool
s_send_in_raw (node_repl_t *self, s_peer_t *peer, zframe_t **frame_p)
{
    zsock_t *router = node_transport_router (self->transport);
    size_t size = *frame_p ? zframe_size (*frame_p) : 0;
    if (!peer->in_rid
        || zframe_send (&peer->in_rid, router,
                        ZFRAME_MORE | ZFRAME_REUSE | ZFRAME_DONTWAIT) != 0
        || zframe_send (frame_p, router, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy (frame_p);
        return false;
    }
    s_stats (self, peer)->bytes_out += size;
    return true;
}

//  Encode with the connection's next sequence number and send; only a
//  frame that went out uses the number.
typedef size_t (s_encode_fn) (void *arg, uint32_t seq, uint8_t *buf,
                              size_t cap);

static bool
s_send_encoded (node_repl_t *self, s_peer_t *peer, bool out, size_t cap,
                s_encode_fn *encode, void *arg)
{
    uint32_t *seq = out ? &peer->out_send_seq : &peer->in_send_seq;
    uint32_t next = proto_wire_seq_next (*seq);
    zframe_t *frame = zframe_new (NULL, cap);
    assert (frame);
    size_t size = encode (arg, next, zframe_data (frame), cap);
    if (!size) {
        zframe_destroy (&frame);
        return false;
    }
    zframe_t *sized = zframe_new (zframe_data (frame), size);
    zframe_destroy (&frame);
    //  The number is used even when the send fails (a full pipe): the
    //  peer then sees a gap and restarts the session (13.7), instead of
    //  waiting for a reply that was silently dropped.
    bool sent = out ? s_send_out_raw (self, peer, &sized)
                    : s_send_in_raw (self, peer, &sized);
    *seq = next;
    return sent;
}

static size_t
s_encode_hello (void *arg, uint32_t seq, uint8_t *buf, size_t cap)
{
    node_repl_t *self = arg;
    proto_wire_hello_t hello = { self->self_pk,
                                 keys_roster_version (self->roster),
                                 self->roster_hash, NODE_REPL_MAX_BATCH };
    return proto_wire_encode_hello (&hello, seq, buf, cap);
}

typedef struct {
    uint16_t code;
    const char *text;
} s_error_arg_t;

static size_t
s_encode_error (void *arg, uint32_t seq, uint8_t *buf, size_t cap)
{
    s_error_arg_t *e = arg;
    return proto_wire_encode_error (e->code, e->text, strlen (e->text), seq,
                                    buf, cap);
}

//  ERROR to a peer, at most PROTO_WIRE_ERRORS_PER_SEC per second.
static void
s_send_error (node_repl_t *self, s_peer_t *peer, bool out, uint16_t code,
              const char *text)
{
    int64_t now = s_now ();
    if (now - peer->err_window_ms >= 1000) {
        peer->err_window_ms = now;
        peer->err_count = 0;
    }
    if (peer->err_count >= PROTO_WIRE_ERRORS_PER_SEC)
        return;
    peer->err_count++;
    s_error_arg_t e = { code, text };
    s_send_encoded (self, peer, out, PROTO_WIRE_HEADER_BYTES + 3 + 255,
                    s_encode_error, &e);
}

//  HEADS: every author's head this node holds, members only.
typedef struct {
    node_repl_t *self;
    proto_wire_head_t heads[PROTO_WIRE_HEADS_MAX];
    uint8_t keep[PROTO_WIRE_HEADS_MAX][PROTO_PK_BYTES + PROTO_HASH_BYTES];
    size_t count;
} s_heads_arg_t;

static int
s_collect_head (const node_head_t *head, void *arg)
{
    s_heads_arg_t *h = arg;
    if (h->count == PROTO_WIRE_HEADS_MAX)
        return 1;
    if (!keys_roster_member_by_key (h->self->roster, head->author))
        return 0;
    uint8_t *keep = h->keep[h->count];
    memcpy (keep, head->author, PROTO_PK_BYTES);
    memcpy (keep + PROTO_PK_BYTES, head->id, PROTO_HASH_BYTES);
    h->heads[h->count].author = keep;
    h->heads[h->count].seq = head->seq;
    h->heads[h->count].id = keep + PROTO_PK_BYTES;
    h->count++;
    return 0;
}

static size_t
s_encode_heads (void *arg, uint32_t seq, uint8_t *buf, size_t cap)
{
    s_heads_arg_t *h = arg;
    return proto_wire_encode_heads (h->heads, h->count, seq, buf, cap);
}

static s_heads_arg_t *
s_my_heads (node_repl_t *self)
{
    s_heads_arg_t *h = calloc (1, sizeof *h);
    assert (h);
    h->self = self;
    if (node_store_heads (self->store, s_collect_head, h) < 0)
        h->count = 0;
    return h;
}

static void
s_send_heads (node_repl_t *self, s_peer_t *peer, bool out)
{
    s_heads_arg_t *h = s_my_heads (self);
    s_send_encoded (self, peer, out,
                    proto_wire_encoded_size (PROTO_WIRE_HEADS, h->count),
                    s_encode_heads, h);
    free (h);
}

//  ROSTER frames for every version after `from`, oldest first.
static void
s_send_rosters (node_repl_t *self, s_peer_t *peer, bool out, uint64_t from)
{
    uint64_t current = keys_roster_version (self->roster);
    for (uint64_t v = from + 1; v <= current; v++) {
        size_t len = 0;
        char *text = node_dir_roster_text (self->node, v, &len);
        if (!text) {
            S_LOG (self, S_WARNING,
                   "peer %s is on roster version %" PRIu64
                   " and this node does not keep version %" PRIu64,
                   peer->member.card.name, from, v);
            return;
        }
        uint32_t *seq = out ? &peer->out_send_seq : &peer->in_send_seq;
        uint32_t next = proto_wire_seq_next (*seq);
        size_t cap = proto_wire_encoded_size (PROTO_WIRE_ROSTER, len);
        uint8_t *buf = cap ? malloc (cap) : NULL;
        size_t size = buf ? proto_wire_encode_roster (text, len, next, buf,
                                                      cap)
                          : 0;
        free (text);
        if (!size) {
            free (buf);
            return;
        }
        zframe_t *frame = zframe_new (buf, size);
        free (buf);
        out ? s_send_out_raw (self, peer, &frame)
            : s_send_in_raw (self, peer, &frame);
        *seq = next;                   /* used even if dropped: see above  */
        S_LOG (self, S_INFO, "peer %s: sent roster version %" PRIu64,
               peer->member.card.name, v);
    }
}

//  --------------------------------------------------------------------------
//  THE outbound disclosure point: what of this entry's payload may go to
//  peer. Every item put into an ENTRIES frame passes here.

static void
s_disclose (node_repl_t *self, const s_peer_t *peer,
            const proto_header_t *header, const uint8_t *payload,
            size_t payload_len, const uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!payload)
        return;
    //  The key is the one the connection authenticated (the roster
    //  member we matched by CURVE key), never one read from a frame.
    keys_disclosure_t d = keys_disclosure_payload (
        self->roster, header, peer->member.card.sign_pk);
    bool sealed = proto_seal_is_sealed (payload, payload_len);
    if ((d == KEYS_DISCLOSE_SEALED && sealed
         && header->level == PROTO_LEVEL_RED)
        || (d == KEYS_DISCLOSE_PLAINTEXT && !sealed
            && header->level != PROTO_LEVEL_RED)) {
        *out = payload;
        *out_len = payload_len;
    }
}

//  Add one entry (as the store hands it) to the frame being written for
//  peer. Returns 0 added, 1 full.
static int
s_add_item (node_repl_t *self, const s_peer_t *peer, const node_entry_t *e,
            bool with_payload)
{
    proto_wire_item_t item = { e->stub, e->stub_len, NULL, 0 };
    if (with_payload)
        s_disclose (self, peer, &e->header, e->payload, e->payload_len,
                    &item.payload, &item.payload_len);
    int rc = proto_wire_writer_add (self->writer, &item);
    assert (rc >= 0);
    return rc;
}

//  Send the ENTRIES frame in the writer to peer.
static bool
s_send_entries (node_repl_t *self, s_peer_t *peer, bool out)
{
    uint32_t *seq = out ? &peer->out_send_seq : &peer->in_send_seq;
    uint32_t next = proto_wire_seq_next (*seq);
    size_t count = proto_wire_writer_count (self->writer);
    size_t size = 0;
    const uint8_t *data = proto_wire_writer_finish (self->writer, next, &size);
    if (!data)
        return false;
    //  One copy into the message; the writer keeps its buffer for the next
    //  frame.
    zframe_t *frame = zframe_new (data, size);
    bool sent = out ? s_send_out_raw (self, peer, &frame)
                    : s_send_in_raw (self, peer, &frame);
    *seq = next;                       /* used even if dropped: a gap      */
    if (sent)
        s_stats (self, peer)->sent += count;
    return sent;
}

//  --------------------------------------------------------------------------
//  Pushing our own new entries

typedef struct {
    node_repl_t *self;
    uint8_t stub[PROTO_STUB_MAX];
    size_t stub_len;
    proto_header_t header;
    uint8_t *payload;
    size_t payload_len;
} s_copy_t;

static int
s_copy_entry (const node_entry_t *e, void *arg)
{
    s_copy_t *c = arg;
    memcpy (c->stub, e->stub, e->stub_len);
    c->stub_len = e->stub_len;
    c->header = e->header;
    c->payload = NULL;
    c->payload_len = 0;
    if (e->payload) {
        c->payload = malloc (e->payload_len);
        assert (c->payload);
        memcpy (c->payload, e->payload, e->payload_len);
        c->payload_len = e->payload_len;
    }
    return 0;
}

void
node_repl_posted (node_repl_t *self, const uint8_t (*ids)[PROTO_HASH_BYTES],
                  size_t n)
{
    assert (self);
    if (self->removed || n == 0)
        return;
    s_copy_t *copies = calloc (n, sizeof *copies);
    assert (copies);
    size_t held = 0;
    for (size_t i = 0; i < n; i++)
        if (node_store_get (self->store, ids[i], s_copy_entry,
                            &copies[held]) == 0)
            held++;
    for (size_t p = 0; p < self->peer_count; p++) {
        s_peer_t *peer = &self->peers[p];
        if (!peer->out_ready)
            continue;
        size_t max = peer->out_max_batch ? peer->out_max_batch : 1;
        proto_wire_writer_begin (self->writer, 0, max);
        for (size_t i = 0; i < held; i++) {
            node_entry_t e;
            memset (&e, 0, sizeof e);
            e.header = copies[i].header;
            e.stub = copies[i].stub;
            e.stub_len = copies[i].stub_len;
            e.payload = copies[i].payload;
            e.payload_len = copies[i].payload_len;
            if (s_add_item (self, peer, &e, true) == 1) {
                s_send_entries (self, peer, true);
                proto_wire_writer_begin (self->writer, 0, max);
                s_add_item (self, peer, &e, true);
            }
        }
        if (proto_wire_writer_count (self->writer))
            s_send_entries (self, peer, true);
    }
    for (size_t i = 0; i < held; i++)
        free (copies[i].payload);
    free (copies);
}

//  Push fork evidence (both stubs, no payloads) to every ready peer.
static void
s_push_stubs (node_repl_t *self, const uint8_t *a, size_t a_len,
              const uint8_t *b, size_t b_len)
{
    for (size_t p = 0; p < self->peer_count; p++) {
        s_peer_t *peer = &self->peers[p];
        if (!peer->out_ready)
            continue;
        proto_wire_writer_begin (self->writer, 0, 2);
        proto_wire_item_t first = { a, a_len, NULL, 0 };
        proto_wire_item_t second = { b, b_len, NULL, 0 };
        proto_wire_writer_add (self->writer, &first);
        if (peer->out_max_batch >= 2)
            proto_wire_writer_add (self->writer, &second);
        s_send_entries (self, peer, true);
    }
}

//  --------------------------------------------------------------------------
//  Storing what arrives

typedef struct {
    uint8_t held[PROTO_STUB_MAX];
    size_t held_len;
    uint64_t seq;
    bool found;
} s_fork_find_t;

static int
s_find_held (const node_entry_t *e, void *arg)
{
    s_fork_find_t *f = arg;
    if (e->header.seq == f->seq) {
        memcpy (f->held, e->stub, e->stub_len);
        f->held_len = e->stub_len;
        f->found = true;
    }
    return 1;
}

//  ENTRIES to store, on their way through the verification pool. Jobs are
//  stored in the order they arrived, so chains stay in order.
typedef struct {
    node_verify_job_t verify;          /* the pool's part (first)           */
    uint8_t *bytes;                    /* a copy of the frame (owned)       */
    proto_wire_frame_t frame;          /* decoded from bytes                */
    node_append_t *items;
    proto_reject_t *sig;
    uint8_t sign_pk[PROTO_PK_BYTES];   /* the peer it came from             */
    bool is_reply;                     /* answers our oldest request        */
    uint32_t epoch;                    /* the session it answers            */
} s_job_t;

static void
s_job_destroy (s_job_t **job_p)
{
    s_job_t *job = *job_p;
    if (!job)
        return;
    free (job->bytes);
    free (job->items);
    free (job->sig);
    free (job);
    *job_p = NULL;
}

static void s_store_job (node_repl_t *self, s_peer_t *peer, s_job_t *job);
static void s_reply_stored (node_repl_t *self, s_peer_t *peer, s_job_t *job);

//  Store every job whose verification is done, in order.
static void
s_jobs_done (node_repl_t *self, bool wait)
{
    node_verify_job_t *done;
    while ((done = wait ? node_verify_wait (self->verify)
                        : node_verify_next (self->verify))) {
        s_job_t *job = (s_job_t *) done;
        s_peer_t *peer = s_peer_by_sign (self, job->sign_pk);
        s_store_job (self, peer, job);
        if (peer && job->is_reply)
            s_reply_stored (self, peer, job);
        s_job_destroy (&job);
    }
}

//  Take an ENTRIES frame for storing: small ones at once when nothing is
//  queued (the latency path of pushes), the rest through the pool.
static void
s_accept_entries (node_repl_t *self, s_peer_t *peer, const uint8_t *data,
                  size_t size, bool is_reply)
{
    s_job_t *job = calloc (1, sizeof *job);
    assert (job);
    job->bytes = malloc (size);
    assert (job->bytes);
    memcpy (job->bytes, data, size);
    proto_reject_t r = proto_wire_decode (&job->frame, job->bytes, size);
    assert (r == PROTO_OK);            /* decoded once already              */
    size_t n = job->frame.count;
    job->items = calloc (n, sizeof *job->items);
    job->sig = calloc (n, sizeof *job->sig);
    assert (job->items && job->sig);
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, &job->frame);
    proto_wire_item_t item;
    for (size_t i = 0; i < n && proto_wire_entries_next (&it, &item); i++) {
        job->items[i].stub = item.stub;
        job->items[i].stub_len = item.stub_len;
        job->items[i].payload = item.payload;
        job->items[i].payload_len = item.payload_len;
    }
    memcpy (job->sign_pk, peer->member.card.sign_pk, PROTO_PK_BYTES);
    job->is_reply = is_reply;
    job->epoch = peer->out_epoch;
    if (is_reply)
        peer->replies_pending++;
    if (n <= S_INLINE_MAX && node_verify_pending (self->verify) == 0) {
        node_store_verify_stubs (job->items, n, job->sig, NULL);
        s_store_job (self, peer, job);
        if (is_reply)
            s_reply_stored (self, peer, job);
        s_job_destroy (&job);
        return;
    }
    job->verify.items = job->items;
    job->verify.n = n;
    job->verify.sig = job->sig;
    node_verify_submit (self->verify, &job->verify);
}

//  Store a verified job and count what happened against the peer (NULL if
//  it left the roster meanwhile: the entries are still good to keep).
static void
s_store_job (node_repl_t *self, s_peer_t *peer, s_job_t *job)
{
    const proto_wire_frame_t *frame = &job->frame;
    size_t n = frame->count;
    node_append_t *items = job->items;
    size_t i;
    proto_reject_t *results = calloc (n, sizeof *results);
    uint8_t (*ids)[PROTO_HASH_BYTES] = calloc (n, PROTO_HASH_BYTES);
    assert (results && ids);
    if (node_store_append_verified (self->store, items, n, job->sig, results,
                                    ids)
        != PROTO_OK) {
        S_LOG (self, S_ERROR, "store: cannot write entries from %s: %s",
               peer ? peer->member.card.name : "a former member",
               node_store_last_error (self->store));
        goto done;
    }
    if (!peer)
        goto done;
    s_stats_t *stats = s_stats (self, peer);
    bool stored = false, gap = false;
    for (i = 0; i < n; i++) {
        proto_reject_t r = results[i];
        char hex[17];
        proto_hex_encode (hex, ids[i], 8);
        switch (r) {
        case PROTO_OK:
            stats->received++;
            stored = true;
            if (items[i].payload_len == 0)
                self->wanted_dirty = true;
            S_LOG (self, S_DEBUG, "stored %s from %s", hex,
                   peer->member.card.name);
            break;
        case PROTO_REJECT_DUPLICATE:
        case PROTO_REJECT_FROZEN:
        case PROTO_REJECT_RETRACTED:
            break;
        case PROTO_REJECT_CHAIN_SEQ:
            //  Normal while catching up (a push ahead of our head, a
            //  pipelined reply after a short one): counted, not a
            //  violation; the gap is fetched after the next HEADS.
            s_count (self, peer, r);
            gap = true;
            break;
        case PROTO_REJECT_FORK: {
            proto_header_t h;
            uint8_t sig[PROTO_SIG_BYTES];
            if (proto_stub_decode (&h, sig, items[i].stub,
                                   items[i].stub_len) != PROTO_OK)
                break;
            char fpr[PROTO_FPR_HEX_LEN + 1];
            proto_fingerprint (fpr, h.author);
            const keys_member_t *m = keys_roster_member_by_key (self->roster,
                                                                h.author);
            S_LOG (self, S_ERROR,
                   "FORK: %s (%s) signed two entries at seq %" PRIu64
                   "; its chain is frozen; evidence kept (ceptoar peers)",
                   m ? m->card.name : "?", fpr, h.seq);
            s_fork_find_t f = { .seq = h.seq };
            node_store_scan_author (self->store, h.author, h.seq, s_find_held,
                                    &f);
            if (f.found)
                s_push_stubs (self, f.held, f.held_len, items[i].stub,
                              items[i].stub_len);
            break;
        }
        case PROTO_REJECT_NOT_CLEARED: {
            //  The sender disclosed a payload this node may not have: drop
            //  it, keep the header, and record the sender's violation.
            s_violation (self, peer, r, "sent a payload outside this node's "
                                        "clearance; dropped");
            proto_reject_t again = node_store_append (
                self->store, items[i].stub, items[i].stub_len, NULL, 0, NULL);
            if (again == PROTO_OK) {
                stats->received++;
                stored = true;
            }
            break;
        }
        case PROTO_REJECT_STORAGE:
            S_LOG (self, S_ERROR, "store: %s",
                   node_store_last_error (self->store));
            break;
        default:
            s_violation (self, peer, r, "entry refused");
            break;
        }
    }
    if (stored || gap) {
        int64_t due = s_now () + PROTO_WIRE_HEADS_DELAY_MS;
        if (!self->heads_due_ms || due < self->heads_due_ms)
            self->heads_due_ms = due;
    }
done:
    free (results);
    free (ids);
}

//  --------------------------------------------------------------------------
//  Serving requests (on our ROUTER)

typedef struct {
    node_repl_t *self;
    s_peer_t *peer;
    uint64_t to;
    bool full;
    size_t added;
    //  Fork evidence held for the authors asked: (author, seq, other stub)
    size_t fork_count;
    struct {
        uint8_t author[PROTO_PK_BYTES];
        uint64_t seq;
        uint8_t *other;
        size_t other_len;
    } forks[S_FORKS_MAX];
} s_serve_t;

static int
s_collect_fork (const uint8_t author[PROTO_PK_BYTES], uint64_t seq,
                const uint8_t *held, size_t held_len, const uint8_t *other,
                size_t other_len, uint64_t detected_ms, void *arg)
{
    (void) held;
    (void) held_len;
    (void) detected_ms;
    s_serve_t *s = arg;
    if (s->fork_count == S_FORKS_MAX)
        return 1;
    memcpy (s->forks[s->fork_count].author, author, PROTO_PK_BYTES);
    s->forks[s->fork_count].seq = seq;
    s->forks[s->fork_count].other = malloc (other_len);
    assert (s->forks[s->fork_count].other);
    memcpy (s->forks[s->fork_count].other, other, other_len);
    s->forks[s->fork_count].other_len = other_len;
    s->fork_count++;
    return 0;
}

static int
s_serve_visit (const node_entry_t *e, void *arg)
{
    s_serve_t *s = arg;
    if (e->header.seq > s->to)
        return 1;
    if (s_add_item (s->self, s->peer, e, true) == 1) {
        s->full = true;
        return 1;
    }
    s->added++;
    for (size_t f = 0; f < s->fork_count; f++)
        if (s->forks[f].seq == e->header.seq
            && !memcmp (s->forks[f].author, e->header.author,
                        PROTO_PK_BYTES)) {
            proto_wire_item_t other = { s->forks[f].other,
                                        s->forks[f].other_len, NULL, 0 };
            if (proto_wire_writer_add (s->self->writer, &other) == 1) {
                s->full = true;
                return 1;
            }
            s->added++;
        }
    return 0;
}

static void
s_serve_want (node_repl_t *self, s_peer_t *peer,
              const proto_wire_frame_t *frame)
{
    s_serve_t *s = calloc (1, sizeof *s);
    assert (s);
    s->self = self;
    s->peer = peer;
    node_store_forks (self->store, s_collect_fork, s);
    size_t max = peer->in_max_batch ? peer->in_max_batch : 1;
    proto_wire_writer_begin (self->writer, PROTO_WIRE_FLAG_REPLY, max);
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, frame);
    proto_wire_range_t range;
    while (!s->full && proto_wire_want_next (&it, &range)) {
        s->to = range.to_seq;
        node_store_scan_author (self->store, range.author, range.from_seq,
                                s_serve_visit, s);
    }
    if (s->added)
        s_send_entries (self, peer, false);
    else
        s_send_error (self, peer, false, PROTO_WIRE_ERR_NOT_HELD,
                      "none of the ranges is held here");
    for (size_t f = 0; f < s->fork_count; f++)
        free (s->forks[f].other);
    free (s);
}

static int
s_serve_payload_visit (const node_entry_t *e, void *arg)
{
    s_serve_t *s = arg;
    const uint8_t *payload;
    size_t len;
    s_disclose (s->self, s->peer, &e->header, e->payload, e->payload_len,
                &payload, &len);
    if (!payload)
        return 0;                      /* not held, or not for this peer   */
    if (s_add_item (s->self, s->peer, e, true) == 1) {
        s->full = true;
        return 1;
    }
    s->added++;
    return 0;
}

static void
s_serve_payloads (node_repl_t *self, s_peer_t *peer,
                  const proto_wire_frame_t *frame)
{
    s_serve_t *s = calloc (1, sizeof *s);
    assert (s);
    s->self = self;
    s->peer = peer;
    size_t max = peer->in_max_batch ? peer->in_max_batch : 1;
    proto_wire_writer_begin (self->writer, PROTO_WIRE_FLAG_REPLY, max);
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, frame);
    const uint8_t *id;
    while (!s->full && proto_wire_payloads_next (&it, &id))
        node_store_get (self->store, id, s_serve_payload_visit, s);
    if (s->added)
        s_send_entries (self, peer, false);
    else
        s_send_error (self, peer, false, PROTO_WIRE_ERR_NOT_HELD,
                      "none of these payloads can be served");
    free (s);
}

//  --------------------------------------------------------------------------
//  HEADS received (either connection): keep them, look for forks, plan.

typedef struct {
    uint64_t seq;
    uint8_t id[PROTO_HASH_BYTES];
    bool found;
} s_id_at_t;

static int
s_id_at (const node_entry_t *e, void *arg)
{
    s_id_at_t *a = arg;
    if (e->header.seq == a->seq) {
        memcpy (a->id, e->id, PROTO_HASH_BYTES);
        a->found = true;
    }
    return 1;
}

static void s_send_want (node_repl_t *self, s_peer_t *peer,
                         const s_range_t *ranges, size_t count);

static void
s_on_heads (node_repl_t *self, s_peer_t *peer,
            const proto_wire_frame_t *frame)
{
    free (peer->heads);
    peer->heads = calloc (frame->count ? frame->count : 1, sizeof *peer->heads);
    assert (peer->heads);
    peer->head_count = 0;
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, frame);
    proto_wire_head_t head;
    s_range_t probes[S_RANGES_MAX];
    size_t probe_count = 0;
    while (proto_wire_heads_next (&it, &head)) {
        s_phead_t *h = &peer->heads[peer->head_count++];
        memcpy (h->author, head.author, PROTO_PK_BYTES);
        h->seq = head.seq;
        memcpy (h->id, head.id, PROTO_HASH_BYTES);
        //  A head at or below ours with another id: the peer holds a
        //  different entry there. Fetch it; storing it records the fork.
        uint64_t mine = 0;
        uint8_t my_id[PROTO_HASH_BYTES];
        if (node_store_head (self->store, head.author, &mine, my_id) != 0
            || head.seq > mine || probe_count == S_RANGES_MAX)
            continue;
        s_id_at_t at = { .seq = head.seq };
        if (head.seq == mine) {
            memcpy (at.id, my_id, PROTO_HASH_BYTES);
            at.found = true;
        }
        else
            node_store_scan_author (self->store, head.author, head.seq,
                                    s_id_at, &at);
        if (at.found && memcmp (at.id, head.id, PROTO_HASH_BYTES)) {
            memcpy (probes[probe_count].author, head.author, PROTO_PK_BYTES);
            probes[probe_count].from = probes[probe_count].to = head.seq;
            probe_count++;
        }
    }
    if (probe_count && peer->out_ready
        && peer->nreq < PROTO_WIRE_REQUESTS_MAX)
        s_send_want (self, peer, probes, probe_count);
    s_plan (self);
}

//  --------------------------------------------------------------------------
//  Requests we send (on our DEALER)

typedef struct {
    const s_range_t *ranges;
    size_t count;
} s_want_arg_t;

static size_t
s_encode_want (void *arg, uint32_t seq, uint8_t *buf, size_t cap)
{
    s_want_arg_t *w = arg;
    proto_wire_range_t wire[S_RANGES_MAX];
    for (size_t i = 0; i < w->count; i++) {
        wire[i].author = w->ranges[i].author;
        wire[i].from_seq = w->ranges[i].from;
        wire[i].to_seq = w->ranges[i].to;
    }
    return proto_wire_encode_want (wire, w->count, seq, buf, cap);
}

static int
s_range_cmp (const void *a, const void *b)
{
    const s_range_t *x = a, *y = b;
    int c = memcmp (x->author, y->author, PROTO_PK_BYTES);
    if (c)
        return c;
    return x->from < y->from ? -1 : x->from > y->from;
}

static void
s_send_want (node_repl_t *self, s_peer_t *peer, const s_range_t *ranges,
             size_t count)
{
    if (count == 0 || count > S_RANGES_MAX)
        return;
    s_range_t *copy = malloc (count * sizeof *copy);
    assert (copy);
    memcpy (copy, ranges, count * sizeof *copy);
    qsort (copy, count, sizeof *copy, s_range_cmp);
    s_want_arg_t w = { copy, count };
    if (!s_send_encoded (self, peer, true,
                         proto_wire_encoded_size (PROTO_WIRE_WANT, count),
                         s_encode_want, &w)) {
        free (copy);
        return;
    }
    s_request_t *req = &peer->req[peer->nreq++];
    req->type = PROTO_WIRE_WANT;
    req->sent_ms = s_now ();
    req->count = count;
    req->ranges = copy;
}

static uint64_t
s_peer_head (const s_peer_t *peer, const uint8_t *author)
{
    for (size_t i = 0; i < peer->head_count; i++)
        if (!memcmp (peer->heads[i].author, author, PROTO_PK_BYTES))
            return peer->heads[i].seq;
    return 0;
}

//  Ask ready peers for what they advertise and we lack: for each author
//  one peer at a time, at most PROTO_WIRE_REQUESTS_MAX requests per peer.
static void
s_plan (node_repl_t *self)
{
    if (self->removed)
        return;
    size_t authors = self->author_count;
    uint64_t *mine = calloc (authors ? authors : 1, sizeof *mine);
    bool *frozen = calloc (authors ? authors : 1, sizeof *frozen);
    assert (mine && frozen);
    for (size_t a = 0; a < authors; a++) {
        const uint8_t *pk = keys_roster_member (self->roster, a)
                                ->card.sign_pk;
        if (node_store_head (self->store, pk, &mine[a], NULL) != 0)
            mine[a] = 0;
    }
    s_range_t ranges[S_RANGES_MAX];
    int64_t now = s_now ();
    //  Start at a different peer each time, so load spreads.
    size_t start = self->plan_start++;
    for (size_t k = 0; k < self->peer_count; k++) {
        size_t p = (start + k) % self->peer_count;
        s_peer_t *peer = &self->peers[p];
        while (peer->out_ready && peer->nreq < PROTO_WIRE_REQUESTS_MAX
               && now >= peer->out_pause_until) {
            size_t count = 0, budget = NODE_REPL_MAX_BATCH;
            for (size_t a = 0; a < authors && count < S_RANGES_MAX
                               && budget > 0;
                 a++) {
                if (frozen[a])
                    continue;
                int owner = self->inflight_peer[a];
                if (owner >= 0 && (size_t) owner != p)
                    continue;
                const uint8_t *pk = keys_roster_member (self->roster, a)
                                        ->card.sign_pk;
                if (!memcmp (pk, self->self_pk, PROTO_PK_BYTES))
                    continue;
                uint64_t from = mine[a] + 1;
                if (owner == (int) p && self->inflight_upto[a] >= from)
                    from = self->inflight_upto[a] + 1;
                uint64_t theirs = s_peer_head (peer, pk);
                if (theirs < from)
                    continue;
                uint64_t to = theirs;
                if (to - from + 1 > budget)
                    to = from + budget - 1;
                budget -= (size_t) (to - from + 1);
                memcpy (ranges[count].author, pk, PROTO_PK_BYTES);
                ranges[count].from = from;
                ranges[count].to = to;
                count++;
                self->inflight_peer[a] = (int) p;
                self->inflight_upto[a] = to;
            }
            if (count == 0)
                break;
            size_t before = peer->nreq;
            s_send_want (self, peer, ranges, count);
            if (peer->nreq == before) {
                s_inflight_release (self, peer);
                break;
            }
        }
    }
    free (mine);
    free (frozen);
}

//  --------------------------------------------------------------------------
//  Missing payloads: ask peers who may hold them.

typedef struct {
    node_repl_t *self;
    s_peer_t *peer;
    size_t peer_index;
    uint8_t (*ids)[PROTO_HASH_BYTES];
    size_t count;
    size_t seen;
    int64_t now;
} s_missing_t;

static int
s_id_cmp (const void *a, const void *b)
{
    return memcmp (a, b, PROTO_HASH_BYTES);
}

static int
s_missing_visit (const node_entry_t *e, void *arg)
{
    s_missing_t *m = arg;
    node_repl_t *self = m->self;
    m->seen++;
    //  Would this peer hold it? Only if it may receive it itself.
    if (keys_disclosure_payload (self->roster, &e->header,
                                 m->peer->member.card.sign_pk)
        == KEYS_DISCLOSE_NONE)
        return 0;
    char key[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (key, e->id, PROTO_HASH_BYTES);
    s_wanted_t *w = zhashx_lookup (self->wanted, key);
    if (w && m->now - w->first_ms > NODE_REPL_PAYLOAD_RETRY_MS) {
        zhashx_delete (self->wanted, key);
        w = NULL;
    }
    if (!w) {
        if (zhashx_size (self->wanted) >= NODE_REPL_WANTED_MAX)
            return 0;
        w = calloc (1, sizeof *w);
        assert (w);
        w->first_ms = m->now;
        zhashx_insert (self->wanted, key, w);
    }
    size_t bit = m->peer_index;
    if (bit >= sizeof w->asked * 8
        || (w->asked[bit / 8] & (1u << (bit % 8))))
        return 0;
    w->asked[bit / 8] |= (uint8_t) (1u << (bit % 8));
    memcpy (m->ids[m->count++], e->id, PROTO_HASH_BYTES);
    return m->count == PROTO_WIRE_PAYLOADS_MAX;
}

typedef struct {
    uint8_t (*ids)[PROTO_HASH_BYTES];
    size_t count;
} s_payloads_arg_t;

static size_t
s_encode_payloads (void *arg, uint32_t seq, uint8_t *buf, size_t cap)
{
    s_payloads_arg_t *p = arg;
    return proto_wire_encode_payloads (
        (const uint8_t (*)[PROTO_HASH_BYTES]) p->ids, p->count, seq, buf, cap);
}

static void
s_fetch_payloads (node_repl_t *self)
{
    s_missing_t m = { .self = self, .now = s_now () };
    m.ids = malloc (PROTO_WIRE_PAYLOADS_MAX * PROTO_HASH_BYTES);
    assert (m.ids);
    bool any = false;
    for (size_t p = 0; p < self->peer_count; p++) {
        s_peer_t *peer = &self->peers[p];
        if (!peer->out_ready || peer->nreq >= PROTO_WIRE_REQUESTS_MAX
            || m.now < peer->out_pause_until)
            continue;
        m.peer = peer;
        m.peer_index = p;
        m.count = 0;
        m.seen = 0;
        node_store_scan_missing (self->store, s_missing_visit, &m);
        if (m.seen)
            any = true;
        if (m.count == 0)
            continue;
        qsort (m.ids, m.count, PROTO_HASH_BYTES, s_id_cmp);
        s_payloads_arg_t arg = { m.ids, m.count };
        if (s_send_encoded (self, peer, true,
                            proto_wire_encoded_size (PROTO_WIRE_PAYLOADS,
                                                     m.count),
                            s_encode_payloads, &arg)) {
            s_request_t *req = &peer->req[peer->nreq++];
            req->type = PROTO_WIRE_PAYLOADS;
            req->sent_ms = m.now;
            req->count = 0;
            req->ranges = NULL;
        }
    }
    free (m.ids);
    (void) any;
    self->wanted_dirty = false;
}

//  Forget payloads asked for long ago, so they may be asked again and the
//  table stays small.
static void
s_wanted_expire (node_repl_t *self)
{
    int64_t now = s_now ();
    zlistx_t *keys = zhashx_keys (self->wanted);
    for (const char *key = zlistx_first (keys); key;
         key = zlistx_next (keys)) {
        s_wanted_t *w = zhashx_lookup (self->wanted, key);
        if (w && now - w->first_ms > NODE_REPL_PAYLOAD_RETRY_MS)
            zhashx_delete (self->wanted, key);
    }
    zlistx_destroy (&keys);
}

static void
s_wanted_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  --------------------------------------------------------------------------
//  Rosters

static void
s_on_roster (node_repl_t *self, s_peer_t *peer, bool out,
             const proto_wire_frame_t *frame)
{
    char reason[512];
    keys_roster_t *roster = keys_roster_parse (frame->roster,
                                               frame->roster_len, reason,
                                               sizeof reason);
    if (!roster) {
        s_violation (self, peer, S_REASON_ROSTER, "sent an unparsable roster");
        s_send_error (self, peer, out, PROTO_WIRE_ERR_ROSTER, "unparsable");
        return;
    }
    uint64_t version = keys_roster_version (roster);
    int rc = node_dir_apply_roster (self->node, roster, reason,
                                    sizeof reason);
    keys_roster_destroy (&roster);
    if (rc == 0)
        return;                        /* old news                          */
    if (rc < 0) {
        S_LOG (self, S_ERROR, "peer %s: roster version %" PRIu64
               " refused: %s", peer->member.card.name, version, reason);
        s_violation (self, peer, S_REASON_ROSTER, "roster refused");
        s_send_error (self, peer, out, PROTO_WIRE_ERR_ROSTER,
                      "roster does not follow the version in force");
        return;
    }
    S_LOG (self, S_INFO, "roster version %" PRIu64 " from %s verified and "
           "in force", version, peer->member.card.name);
    self->switch_pending = true;
}

//  --------------------------------------------------------------------------
//  Sessions

static void
s_send_hello_out (node_repl_t *self, s_peer_t *peer)
{
    peer->out_hello_ms = s_now ();
    if (!peer->dealer)
        return;
    //  A restart numbers from 1 again (13.7).
    uint32_t saved = peer->out_send_seq;
    peer->out_send_seq = 0;
    peer->out_hello_sent = s_send_encoded (self, peer, true,
                                           PROTO_WIRE_HELLO_BYTES,
                                           s_encode_hello, self);
    if (!peer->out_hello_sent)
        peer->out_send_seq = saved;
}

static void
s_peer_restart_out (node_repl_t *self, s_peer_t *peer)
{
    peer->out_ready = false;
    peer->out_recv_seq = 0;
    peer->out_epoch++;
    peer->replies_pending = 0;
    s_requests_clear (peer);
    s_inflight_release (self, peer);
    s_send_hello_out (self, peer);
}

//  Compare a peer's HELLO with ours. Returns 1 same roster (ready), 0 not
//  ready yet (rosters being exchanged), -1 refused.
static int
s_check_hello (node_repl_t *self, s_peer_t *peer, bool out,
               const proto_wire_frame_t *frame)
{
    const proto_wire_hello_t *h = &frame->hello;
    if (memcmp (h->sign_pk, peer->member.card.sign_pk, PROTO_PK_BYTES)) {
        s_violation (self, peer, S_REASON_MEMBER,
                     "HELLO names another key than the connection's");
        s_send_error (self, peer, out, PROTO_WIRE_ERR_MEMBER,
                      "HELLO key is not the connection's member");
        return -1;
    }
    uint64_t mine = keys_roster_version (self->roster);
    if (out)
        peer->out_max_batch = h->max_batch;
    else
        peer->in_max_batch = h->max_batch;
    if (h->roster_version == mine) {
        if (memcmp (h->roster_hash, self->roster_hash, PROTO_HASH_BYTES)) {
            S_LOG (self, S_ERROR, "peer %s has a DIFFERENT roster with "
                   "version %" PRIu64 ": the roster chain has forked; tell "
                   "the Council", peer->member.card.name, mine);
            s_send_error (self, peer, out, PROTO_WIRE_ERR_ROSTER,
                          "same roster version, different roster");
            return -1;
        }
        return 1;
    }
    return 0;
}

//  A frame on our ROUTER from peer.
static void
s_on_router_frame (node_repl_t *self, s_peer_t *peer, zframe_t *rid,
                   const uint8_t *data, size_t size)
{
    //  A new connection of a known peer (it restarted or reconnected):
    //  a new session.
    if (!peer->in_rid || !zframe_eq (peer->in_rid, rid)) {
        zframe_destroy (&peer->in_rid);
        peer->in_rid = zframe_dup (rid);
        peer->in_hello = false;
        peer->in_ready = false;
        peer->in_send_seq = 0;
        peer->in_recv_seq = 0;
    }
    proto_wire_frame_t frame;
    proto_reject_t r = proto_wire_decode (&frame, data, size);
    if (r != PROTO_OK) {
        s_violation (self, peer, r, "bad frame on its connection");
        if (r == PROTO_REJECT_VERSION)
            s_send_error (self, peer, false, PROTO_WIRE_ERR_VERSION,
                          "this node speaks version 1");
        else if (r != PROTO_REJECT_MAGIC)
            s_send_error (self, peer, false, (uint16_t) r,
                          proto_reject_name (r));
        return;
    }
    if (frame.type == PROTO_WIRE_HELLO) {
        peer->in_hello = true;
        peer->in_recv_seq = frame.sequence;
        peer->in_send_seq = 0;
        int ok = s_check_hello (self, peer, false, &frame);
        if (ok < 0) {
            peer->in_ready = false;
            return;
        }
        s_send_encoded (self, peer, false, PROTO_WIRE_HELLO_BYTES,
                        s_encode_hello, self);
        if (frame.hello.roster_version < keys_roster_version (self->roster))
            s_send_rosters (self, peer, false, frame.hello.roster_version);
        peer->in_ready = ok == 1;
        return;
    }
    if (!peer->in_hello || frame.sequence
                               != proto_wire_seq_next (peer->in_recv_seq)) {
        //  A gap, or a connection that never said HELLO: restart it.
        if (peer->in_hello)
            S_LOG (self, S_INFO, "peer %s: sequence gap on its connection "
                   "(got %u after %u); session restarted",
                   peer->member.card.name, frame.sequence,
                   peer->in_recv_seq);
        peer->in_hello = false;
        peer->in_ready = false;
        s_count (self, peer, S_REASON_GAP);
        s_send_error (self, peer, false, PROTO_WIRE_ERR_SEQUENCE,
                      "send HELLO");
        return;
    }
    peer->in_recv_seq = frame.sequence;
    if (frame.type == PROTO_WIRE_ERROR) {
        S_LOG (self, S_INFO, "peer %s says: %s (%u): %.*s",
               peer->member.card.name, proto_wire_error_name (frame.error_code),
               frame.error_code, (int) frame.error_text_len, frame.error_text);
        return;
    }
    if (frame.type == PROTO_WIRE_ROSTER) {
        s_on_roster (self, peer, false, &frame);
        return;
    }
    if (!peer->in_ready) {
        s_send_error (self, peer, false, PROTO_WIRE_ERR_SEQUENCE,
                      "session not ready: send HELLO");
        return;
    }
    //  Requests are rate limited per peer: a flood gets "busy".
    if (frame.type == PROTO_WIRE_WANT || frame.type == PROTO_WIRE_PAYLOADS) {
        int64_t now = s_now ();
        if (now - peer->req_window_ms >= 1000) {
            peer->req_window_ms = now;
            peer->req_count = 0;
        }
        if (++peer->req_count > NODE_REPL_REQUESTS_PER_SEC) {
            s_count (self, peer, S_REASON_BUSY);
            s_send_error (self, peer, false, PROTO_WIRE_ERR_BUSY,
                          "too many requests; ask again in 1 s");
            return;
        }
    }
    switch (frame.type) {
    case PROTO_WIRE_HEADS:
        s_send_heads (self, peer, false);
        s_on_heads (self, peer, &frame);
        break;
    case PROTO_WIRE_WANT:
        s_serve_want (self, peer, &frame);
        break;
    case PROTO_WIRE_PAYLOADS:
        s_serve_payloads (self, peer, &frame);
        break;
    case PROTO_WIRE_ENTRIES:
        if (frame.flags & PROTO_WIRE_FLAG_REPLY) {
            s_violation (self, peer, PROTO_REJECT_FIELD,
                         "sent a reply on its own connection");
            s_send_error (self, peer, false, PROTO_REJECT_FIELD,
                          "a reply on a request connection");
            break;
        }
        if (frame.count > NODE_REPL_MAX_BATCH) {
            s_violation (self, peer, PROTO_REJECT_OVERSIZE,
                         "sent more items than our max-batch");
            s_send_error (self, peer, false, PROTO_REJECT_OVERSIZE,
                          "more items than max-batch");
            break;
        }
        s_accept_entries (self, peer, data, size, false);
        break;
    default:
        break;
    }
}

//  A frame on our DEALER to peer: replies and the peer's side of the
//  session.
static void
s_on_dealer_frame (node_repl_t *self, s_peer_t *peer, const uint8_t *data,
                   size_t size)
{
    proto_wire_frame_t frame;
    proto_reject_t r = proto_wire_decode (&frame, data, size);
    if (r != PROTO_OK) {
        s_violation (self, peer, r, "bad reply frame");
        s_peer_restart_out (self, peer);
        return;
    }
    if (frame.type == PROTO_WIRE_HELLO) {
        peer->out_recv_seq = frame.sequence;
        int ok = s_check_hello (self, peer, true, &frame);
        if (ok < 0) {
            peer->out_ready = false;
            peer->out_pause_until = s_now () + 60000;
            return;
        }
        if (ok == 0
            && frame.hello.roster_version
                   < keys_roster_version (self->roster)) {
            //  We are newer: bring the peer forward, then HELLO again.
            s_send_rosters (self, peer, true, frame.hello.roster_version);
            s_send_hello_out (self, peer);
            return;
        }
        peer->out_ready = ok == 1;
        if (peer->out_ready) {
            S_LOG (self, S_INFO, "peer %s: session ready",
                   peer->member.card.name);
            s_send_heads (self, peer, true);
            self->wanted_dirty = true;
        }
        return;
    }
    if (frame.sequence != proto_wire_seq_next (peer->out_recv_seq)) {
        S_LOG (self, S_INFO, "peer %s: sequence gap in replies; session "
               "restarted", peer->member.card.name);
        s_count (self, peer, S_REASON_GAP);
        s_peer_restart_out (self, peer);
        return;
    }
    peer->out_recv_seq = frame.sequence;
    switch (frame.type) {
    case PROTO_WIRE_ROSTER:
        s_on_roster (self, peer, true, &frame);
        return;
    case PROTO_WIRE_ERROR: {
        uint16_t code = frame.error_code;
        S_LOG (self, code == PROTO_WIRE_ERR_NOT_HELD ? S_DEBUG : S_INFO,
               "peer %s says: %s (%u): %.*s", peer->member.card.name,
               proto_wire_error_name (code), code, (int) frame.error_text_len,
               frame.error_text);
        if (code == PROTO_WIRE_ERR_SEQUENCE) {
            s_peer_restart_out (self, peer);
            return;
        }
        if (code == PROTO_WIRE_ERR_MEMBER || code == PROTO_WIRE_ERR_ROSTER)
            peer->out_pause_until = s_now () + 60000;
        if (code == PROTO_WIRE_ERR_VERSION)
            peer->out_pause_until = s_now () + 3600 * 1000;
        if (code == PROTO_WIRE_ERR_BUSY)
            peer->out_pause_until = s_now () + 1000;
        //  Errors answer the oldest request not yet answered (replies
        //  before it may still be in the verification pool).
        size_t k = peer->replies_pending;
        if (peer->nreq > k && peer->out_ready) {
            free (peer->req[k].ranges);
            memmove (&peer->req[k], &peer->req[k + 1],
                     (peer->nreq - k - 1) * sizeof peer->req[0]);
            peer->nreq--;
            s_inflight_release (self, peer);
            if (code != PROTO_WIRE_ERR_BUSY)
                s_plan (self);
        }
        return;
    }
    default:
        break;
    }
    if (!peer->out_ready) {
        s_peer_restart_out (self, peer);
        return;
    }
    if (frame.type == PROTO_WIRE_HEADS) {
        s_on_heads (self, peer, &frame);
        return;
    }
    if (frame.type != PROTO_WIRE_ENTRIES
        || !(frame.flags & PROTO_WIRE_FLAG_REPLY)
        || peer->nreq <= peer->replies_pending) {
        s_violation (self, peer, PROTO_REJECT_FIELD,
                     "a frame that is not a reply on our connection");
        s_send_error (self, peer, true, PROTO_REJECT_FIELD,
                      "not a reply to a request");
        return;
    }
    if (frame.count > NODE_REPL_MAX_BATCH) {
        s_violation (self, peer, PROTO_REJECT_OVERSIZE,
                     "reply with more items than our max-batch");
        s_peer_restart_out (self, peer);
        return;
    }
    //  The request stays outstanding (its authors in flight) until the
    //  reply is stored, so planning never asks for the same seqs twice.
    s_accept_entries (self, peer, data, size, true);
}

//  The reply to our oldest request is stored: retire the request and plan
//  the next ones. A reply to a session that restarted meanwhile retires
//  nothing (the restart dropped its requests).
static void
s_reply_stored (node_repl_t *self, s_peer_t *peer, s_job_t *job)
{
    if (job->epoch != peer->out_epoch || peer->nreq == 0
        || peer->replies_pending == 0)
        return;
    peer->replies_pending--;
    S_LOG (self, S_DEBUG, "peer %s: reply of %zu items stored, %" PRId64
           " ms after the request", peer->member.card.name,
           job->frame.count, s_now () - peer->req[0].sent_ms);
    free (peer->req[0].ranges);
    memmove (&peer->req[0], &peer->req[1],
             (peer->nreq - 1) * sizeof peer->req[0]);
    peer->nreq--;
    s_inflight_release (self, peer);
    s_plan (self);
}

//  --------------------------------------------------------------------------
//  Sockets

void
node_repl_handle (node_repl_t *self, zsock_t *sock)
{
    assert (self);
    if (!self->transport)
        return;
    zsock_t *router = node_transport_router (self->transport);
    for (int n = 0; n < NODE_REPL_PER_WAKE
                    && (zsock_events (sock) & ZMQ_POLLIN);
         n++) {
        if (sock == router) {
            zmsg_t *msg = zmsg_recv (router);
            if (!msg)
                return;
            zframe_t *rid = zmsg_first (msg);
            zframe_t *data = zmsg_next (msg);
            const keys_member_t *member = data
                ? node_transport_sender (self->transport, data) : NULL;
            s_peer_t *peer = member ? s_peer_by_sign (self,
                                                      member->card.sign_pk)
                                    : NULL;
            if (!peer) {
                //  No member key (or this node's own): nothing is read,
                //  nothing answered.
                self->unauthenticated++;
                S_LOG (self, S_WARNING, "dropped a frame from a key that "
                       "is not a member's (%" PRIu64 " so far)",
                       self->unauthenticated);
            }
            else {
                s_stats (self, peer)->last_seen_ms = zclock_time ();
                s_stats (self, peer)->bytes_in += zframe_size (data);
                if (zmsg_size (msg) != 2)
                    s_violation (self, peer, PROTO_REJECT_FIELD,
                                 "sent a multi-part message");
                else
                    s_on_router_frame (self, peer, rid, zframe_data (data),
                                       zframe_size (data));
            }
            zmsg_destroy (&msg);
        }
        else {
            s_peer_t *peer = NULL;
            for (size_t i = 0; i < self->peer_count && !peer; i++)
                if (self->peers[i].dealer == sock)
                    peer = &self->peers[i];
            zmsg_t *msg = zmsg_recv (sock);
            if (!msg)
                return;
            if (peer) {
                s_stats (self, peer)->last_seen_ms = zclock_time ();
                zframe_t *data = zmsg_first (msg);
                s_stats (self, peer)->bytes_in += zframe_size (data);
                if (zmsg_size (msg) != 1)
                    s_violation (self, peer, PROTO_REJECT_FIELD,
                                 "sent a multi-part message");
                else
                    s_on_dealer_frame (self, peer, zframe_data (data),
                                       zframe_size (data));
            }
            zmsg_destroy (&msg);
        }
        if (self->switch_pending)
            return;                    /* sockets are about to change       */
    }
}

int
node_repl_fd (node_repl_t *self)
{
    assert (self);
    return node_verify_fd (self->verify);
}

void
node_repl_verified (node_repl_t *self)
{
    assert (self);
    s_jobs_done (self, false);
}

size_t
node_repl_sockets (node_repl_t *self, zsock_t **socks, size_t cap)
{
    assert (self);
    size_t n = 0;
    if (!self->transport)
        return 0;
    if (n < cap)
        socks[n++] = node_transport_router (self->transport);
    for (size_t i = 0; i < self->peer_count && n < cap; i++)
        if (self->peers[i].dealer)
            socks[n++] = self->peers[i].dealer;
    return n;
}

//  --------------------------------------------------------------------------
//  Building and tearing down (at start and at every roster switch)

static void
s_teardown (node_repl_t *self)
{
    for (size_t i = 0; i < self->peer_count; i++) {
        s_requests_clear (&self->peers[i]);
        zframe_destroy (&self->peers[i].in_rid);
        free (self->peers[i].heads);
    }
    free (self->peers);
    self->peers = NULL;
    self->peer_count = 0;
    free (self->inflight_peer);
    free (self->inflight_upto);
    self->inflight_peer = NULL;
    self->inflight_upto = NULL;
    self->author_count = 0;
    node_transport_destroy (&self->transport);
}

static const char *
s_peer_endpoint (node_repl_t *self, const keys_member_t *m)
{
    char path[KEYS_NAME_MAX + 32];
    snprintf (path, sizeof path, "peers/%s/endpoint", m->card.name);
    const char *configured = node_dir_config_get (self->node, path, NULL);
    if (configured && *configured)
        return configured;
    if (!atoi (node_dir_config_get (self->node,
                                    "replication/connect-roster", "1")))
        return NULL;
    return m->card.endpoint_count ? m->card.endpoints[0] : NULL;
}

static int
s_build (node_repl_t *self, char *err, size_t errlen)
{
    self->roster = node_dir_roster (self->node);
    if (keys_roster_hash (self->roster, self->roster_hash) != 0) {
        snprintf (err, errlen, "cannot hash the roster in force");
        return -1;
    }
    const keys_member_t *me = keys_roster_member_by_key (self->roster,
                                                         self->self_pk);
    if (!me) {
        self->removed = true;
        S_LOG (self, S_ERROR, "this node is not a member of roster version "
               "%" PRIu64 ": replication stopped",
               keys_roster_version (self->roster));
        return 0;
    }
    self->transport = node_transport_new (self->roster, self->key,
                                          self->cert_dir, err, errlen);
    if (!self->transport)
        return -1;
    const char *listen = node_dir_config_get (self->node, "node/listen", NULL);
    if (!listen || !*listen)
        listen = me->card.endpoint_count ? me->card.endpoints[0] : NULL;
    if (listen && *listen) {
        snprintf (self->listen, sizeof self->listen, "%s", listen);
        if (node_transport_bind (self->transport, listen) < 0) {
            snprintf (err, errlen, "cannot bind %s: %s", listen,
                      zmq_strerror (zmq_errno ()));
            node_transport_destroy (&self->transport);
            return -1;
        }
    }
    size_t n = keys_roster_member_count (self->roster);
    self->peers = calloc (n, sizeof *self->peers);
    self->inflight_peer = malloc (n * sizeof (int));
    self->inflight_upto = calloc (n, sizeof (uint64_t));
    assert (self->peers && self->inflight_peer && self->inflight_upto);
    self->author_count = n;
    for (size_t a = 0; a < n; a++)
        self->inflight_peer[a] = -1;
    for (size_t i = 0; i < n; i++) {
        const keys_member_t *m = keys_roster_member (self->roster, i);
        if (!memcmp (m->card.sign_pk, self->self_pk, PROTO_PK_BYTES))
            continue;
        s_peer_t *peer = &self->peers[self->peer_count++];
        peer->member = *m;
        const char *endpoint = s_peer_endpoint (self, m);
        if (endpoint) {
            snprintf (peer->endpoint, sizeof peer->endpoint, "%s", endpoint);
            peer->dealer = node_transport_connect (self->transport, m,
                                                   endpoint);
            if (!peer->dealer)
                S_LOG (self, S_WARNING, "peer %s: cannot connect to %s",
                       m->card.name, endpoint);
        }
    }
    for (size_t i = 0; i < self->peer_count; i++) {
        s_stats (self, &self->peers[i]);
        s_send_hello_out (self, &self->peers[i]);
    }
    S_LOG (self, S_INFO, "replication: roster version %" PRIu64 ", %zu "
           "peers, listening on %s", keys_roster_version (self->roster),
           self->peer_count, self->listen[0] ? self->listen : "(nothing)");
    return 0;
}

void
node_repl_roster_switched (node_repl_t *self)
{
    assert (self);
    self->switch_pending = true;
}

static void
s_switch (node_repl_t *self)
{
    self->switch_pending = false;
    //  Store what was received under the old roster first (authors are
    //  checked against the new one as they are stored).
    s_jobs_done (self, true);
    //  Close everything and start again with the new roster: the ROUTER is
    //  re-bound, so a removed member's live connection ends (libzmq keeps
    //  established connections after a ZAP change), and every session
    //  restarts with HELLO, so peers on the old version get the roster.
    s_teardown (self);
    self->removed = false;
    char err[256];
    //  The port may still be held for a moment by the old socket.
    for (int attempt = 0; attempt < 50; attempt++) {
        if (s_build (self, err, sizeof err) == 0)
            return;
        zclock_sleep (100);
    }
    S_LOG (self, S_ERROR, "replication could not restart after the roster "
           "switch: %s", err);
}

//  --------------------------------------------------------------------------
//  Peers report

static uint64_t
s_sum_diff (node_repl_t *self, const s_peer_t *peer, bool behind)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < peer->head_count; i++) {
        uint64_t mine = 0;
        if (node_store_head (self->store, peer->heads[i].author, &mine, NULL)
            != 0)
            mine = 0;
        if (behind && peer->heads[i].seq > mine)
            sum += peer->heads[i].seq - mine;
        if (!behind && mine > peer->heads[i].seq)
            sum += mine - peer->heads[i].seq;
    }
    return sum;
}

typedef struct {
    node_repl_t *self;
    json_t *forks;
} s_forks_json_t;

static int
s_fork_json (const uint8_t author[PROTO_PK_BYTES], uint64_t seq,
             const uint8_t *held, size_t held_len, const uint8_t *other,
             size_t other_len, uint64_t detected_ms, void *arg)
{
    s_forks_json_t *f = arg;
    uint8_t a[PROTO_HASH_BYTES], b[PROTO_HASH_BYTES];
    proto_entry_id (a, held, held_len);
    proto_entry_id (b, other, other_len);
    char ha[2 * PROTO_HASH_BYTES + 1], hb[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (ha, a, PROTO_HASH_BYTES);
    proto_hex_encode (hb, b, PROTO_HASH_BYTES);
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, author);
    const keys_member_t *m = keys_roster_member_by_key (f->self->roster,
                                                        author);
    json_array_append_new (
        f->forks, json_pack ("{s:s, s:s, s:I, s:s, s:s, s:I}", "author",
                             m ? m->card.name : fpr, "fingerprint", fpr,
                             "seq", (json_int_t) seq, "held", ha, "other", hb,
                             "detected_ms", (json_int_t) detected_ms));
    return 0;
}

char *
node_repl_peers_json (node_repl_t *self, bool running)
{
    assert (self);
    json_t *peers = json_array ();
    for (size_t i = 0; i < self->peer_count; i++) {
        s_peer_t *peer = &self->peers[i];
        s_stats_t *stats = s_stats (self, peer);
        json_t *reasons = json_object ();
        for (unsigned c = 1; c < S_REASONS + 8; c++)
            if (stats->reasons[c])
                json_object_set_new (reasons, s_reason_name (c),
                                     json_integer (stats->reasons[c]));
        char fpr[PROTO_FPR_HEX_LEN + 1];
        proto_fingerprint (fpr, peer->member.card.sign_pk);
        const char *out = peer->out_ready ? "ready"
                          : peer->dealer  ? "connecting"
                                          : "none";
        json_array_append_new (
            peers,
            json_pack ("{s:s, s:s, s:s, s:o, s:s, s:s, s:b, s:I, s:I, s:I, "
                       "s:I, s:I, s:I, s:I, s:I, s:o}",
                       "name", peer->member.card.name, "sector",
                       proto_sector_name (peer->member.card.sector),
                       "fingerprint", fpr, "endpoint",
                       peer->endpoint[0] ? json_string (peer->endpoint)
                                         : json_null (),
                       "outgoing", out, "incoming",
                       peer->in_ready ? "ready" : "none", "connected",
                       peer->out_ready || peer->in_ready, "last_seen_ms",
                       (json_int_t) stats->last_seen_ms, "behind",
                       (json_int_t) s_sum_diff (self, peer, true), "ahead",
                       (json_int_t) s_sum_diff (self, peer, false),
                       "received", (json_int_t) stats->received, "sent",
                       (json_int_t) stats->sent, "bytes_in",
                       (json_int_t) stats->bytes_in, "bytes_out",
                       (json_int_t) stats->bytes_out, "violations",
                       (json_int_t) stats->violations, "reasons", reasons));
    }
    s_forks_json_t f = { self, json_array () };
    node_store_forks (self->store, s_fork_json, &f);
    json_t *root = json_pack (
        "{s:s, s:I, s:b, s:I, s:I, s:o, s:o}", "node",
        node_dir_name (self->node), "roster_version",
        (json_int_t) keys_roster_version (self->roster), "running", running,
        "updated_ms", (json_int_t) zclock_time (), "unauthenticated",
        (json_int_t) self->unauthenticated, "peers", peers, "forks",
        f.forks);
    char *text = json_dumps (root, JSON_INDENT (2));
    json_decref (root);
    return text;
}

static void
s_write_peers_file (node_repl_t *self, bool running)
{
    char *text = node_repl_peers_json (self, running);
    if (!text)
        return;
    char path[4200], tmp[4210];
    snprintf (path, sizeof path, "%s/%s", node_dir_path (self->node),
              NODE_CONTROL_PEERS_FILE);
    snprintf (tmp, sizeof tmp, "%s.new", path);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        size_t len = strlen (text);
        bool ok = write (fd, text, len) == (ssize_t) len;
        close (fd);
        if (ok)
            rename (tmp, path);
        else
            unlink (tmp);
    }
    free (text);
}

//  --------------------------------------------------------------------------
//  Timers

int
node_repl_tick (node_repl_t *self)
{
    assert (self);
    if (self->switch_pending)
        s_switch (self);
    int64_t now = s_now ();
    int wait = 1000;
    if (!self->removed && self->transport) {
        bool heads_now = false;
        if (self->heads_due_ms && now >= self->heads_due_ms) {
            self->heads_due_ms = 0;
            heads_now = true;
        }
        if (now >= self->heads_next_ms) {
            self->heads_next_ms = now + self->heads_interval_ms;
            heads_now = true;
            self->wanted_dirty = true;
            s_wanted_expire (self);
        }
        for (size_t i = 0; i < self->peer_count; i++) {
            s_peer_t *peer = &self->peers[i];
            if (!peer->dealer)
                continue;
            //  Not connected yet (the send failed): try again soon. Sent
            //  but unanswered: give the peer time before restarting.
            int64_t retry = peer->out_hello_sent ? NODE_REPL_HELLO_RETRY_MS
                                                 : NODE_REPL_CONNECT_RETRY_MS;
            if (!peer->out_ready && now >= peer->out_pause_until
                && now - peer->out_hello_ms >= retry)
                s_send_hello_out (self, peer);
            if (!peer->out_ready && !peer->out_hello_sent && wait > retry)
                wait = (int) retry;
            if (peer->nreq
                && now - peer->req[0].sent_ms
                       > PROTO_WIRE_REQUEST_TIMEOUT_MS) {
                S_LOG (self, S_WARNING, "peer %s: request unanswered for "
                       "%d s; session restarted", peer->member.card.name,
                       PROTO_WIRE_REQUEST_TIMEOUT_MS / 1000);
                s_peer_restart_out (self, peer);
            }
            if (heads_now && peer->out_ready)
                s_send_heads (self, peer, true);
        }
        if (self->wanted_dirty && now >= self->wanted_next_ms) {
            self->wanted_next_ms = now + 200;
            s_fetch_payloads (self);
        }
        s_plan (self);
        if (self->heads_due_ms)
            wait = (int) (self->heads_due_ms - now);
        if (self->heads_next_ms - now < wait)
            wait = (int) (self->heads_next_ms - now);
    }
    if (now - self->peers_file_ms >= NODE_REPL_PEERS_FILE_MS) {
        self->peers_file_ms = now;
        s_write_peers_file (self, false);
    }
    if (self->wanted_dirty && wait > 200)
        wait = 200;
    return wait < 1 ? 1 : wait;
}

//  --------------------------------------------------------------------------
//  Life

node_repl_t *
node_repl_new (node_dir_t *node, const keys_secret_t *key, bool verbose,
               char *err, size_t errlen)
{
    assert (node);
    assert (key);
    node_repl_t *self = calloc (1, sizeof *self);
    assert (self);
    self->node = node;
    self->store = node_dir_store (node);
    self->key = key;
    memcpy (self->self_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    snprintf (self->cert_dir, sizeof self->cert_dir, "%s/curve",
              node_dir_path (node));
    const char *level = node_dir_config_get (node, "log/level", "info");
    self->log_level = streq (level, "error")     ? S_ERROR
                      : streq (level, "warning") ? S_WARNING
                      : streq (level, "debug")   ? S_DEBUG
                                                 : S_INFO;
    if (verbose)
        self->log_level = S_DEBUG;
    self->heads_interval_ms = atoi (node_dir_config_get (
        node, "replication/heads-interval-ms", "10000"));
    if (self->heads_interval_ms < 100)
        self->heads_interval_ms = NODE_DIR_HEADS_INTERVAL_MS;
    self->wanted = zhashx_new ();
    zhashx_set_destructor (self->wanted, s_wanted_free);
    self->writer = proto_wire_writer_new (0);
    self->verify = node_verify_new (NODE_REPL_VERIFY_THREADS);
    assert (self->wanted && self->writer);
    if (!self->verify) {
        snprintf (err, errlen, "cannot start the verification threads");
        node_repl_destroy (&self);
        return NULL;
    }
    self->heads_next_ms = s_now () + self->heads_interval_ms;
    self->wanted_dirty = true;
    if (s_build (self, err, errlen) != 0) {
        node_repl_destroy (&self);
        return NULL;
    }
    return self;
}

void
node_repl_destroy (node_repl_t **self_p)
{
    assert (self_p);
    node_repl_t *self = *self_p;
    if (!self)
        return;
    if (self->verify) {
        s_jobs_done (self, true);     /* nothing received is dropped       */
        node_verify_destroy (&self->verify);
    }
    if (self->store)
        s_write_peers_file (self, false);
    s_teardown (self);
    zhashx_destroy (&self->wanted);
    proto_wire_writer_destroy (&self->writer);
    free (self->stats);
    free (self);
    *self_p = NULL;
}
