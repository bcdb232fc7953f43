/* SPDX-License-Identifier: MPL-2.0 */
/* node_repl_int: what the files of the replication engine share (private
   to node/node_repl*.c; the interface is node_repl.h). */
#ifndef NODE_REPL_INT_H
#define NODE_REPL_INT_H

#include <czmq.h>
#include <inttypes.h>
#include "node_repl.h"
#include "node_transport.h"
#include "node_verify.h"

/* The engine is one object used from one thread (the server actor), split
   by job:
     node_repl.c         life, sockets, sessions (HELLO, sequence numbers),
                         frame dispatch, roster switch, timers
     node_repl_send.c    sending frames, THE disclosure point, pushes, serving
   WANT and PAYLOADS node_repl_fetch.c   receiving entries (verification
   pipeline, store), HEADS, catch-up planning, missing payloads
     node_repl_report.c  per-peer counters, rate-limited refusal logs, the peers
   report (JSON, peers.json)
     node_repl_notice.c  revocations and card updates: taking them, and
   sending them, paced, on every connection
*/

#define REPL_REASONS       128 /* reject codes counted per peer    */
#define REPL_REASON_GAP    102 /* out-of-sequence (wire code)      */
#define REPL_REASON_MEMBER 101 /* not-a-member                     */
#define REPL_REASON_ROSTER 105 /* roster-refused                   */
#define REPL_REASON_BUSY   103 /* requests over the rate           */
#define REPL_RANGES_MAX    64  /* ranges we put in one WANT        */
#define REPL_FORKS_MAX     64  /* fork evidence sent per reply     */
#define REPL_LOGS_PER_SEC  10  /* refusal log lines per peer        */
#define REPL_PENDING_MAX   2   /* replies being verified, per peer  */
#define REPL_INLINE_MAX    16  /* ENTRIES verified in the actor     */
#define REPL_RECEIPT_DELAY_MS 50   /* gather what arrives, then confirm */
#define REPL_RECEIPT_RETRY_MS 2000 /* a receipt could not be posted     */
#define REPL_RECEIPTS_PER_TICK 8   /* receipts posted per tick, at most */
#define REPL_PUSH_MAX      256 /* own entries pushed at once; more: the
                                  peers pull them (13.9.6)         */
#define REPL_NOTICES_PER_ROUND 4 /* notices sent per connection per
                                    round, well inside the queue   */
#define REPL_NOTICE_PACE_MS 20 /* rounds while notices are owed    */
#define REPL_ROSTER_RETRY_MS 10000 /* a peer that did not take our
                                      rosters is offered them again
                                      after this, not at once       */
#define REPL_ROSTER_LOG_MS 60000 /* one log line per peer and refused
                                    roster version per minute       */

enum { REPL_ERROR = 0, REPL_WARNING = 1, REPL_INFO = 2, REPL_DEBUG = 3 };

/* One range we asked for.                                                   */
typedef struct {
    uint8_t author[PROTO_PK_BYTES];
    uint64_t from, to;
} repl_range_t;

/* One request outstanding on our DEALER to a peer.                          */
typedef struct {
    proto_wire_type_t type; /* WANT or PAYLOADS                  */
    int64_t sent_ms;
    size_t count;         /* WANT: ranges in ranges            */
    repl_range_t *ranges; /* WANT: what was asked (owned)      */
} repl_request_t;

/* A head a peer advertised.                                                 */
typedef struct {
    uint8_t author[PROTO_PK_BYTES];
    uint64_t seq;
    uint8_t id[PROTO_HASH_BYTES];
} repl_phead_t;

/* Counters about a peer; kept across roster switches (by key).              */
typedef struct {
    uint8_t sign_pk[PROTO_PK_BYTES];
    int64_t last_seen_ms;
    uint64_t received, sent, violations;
    uint64_t bytes_in, bytes_out;       /* frame octets, both connections   */
    uint32_t reasons[REPL_REASONS + 8]; /* by reject or wire error code     */
} repl_stats_t;

typedef struct {
    keys_member_t member; /* copy from the roster in force     */
    char endpoint[KEYS_ENDPOINT_MAX + 1]; /* dialled, or ""                */
    zsock_t *dealer;     /* borrowed from the transport       */
    zsock_t *monitor;    /* the dealer's connection events    */
    bool out_up;         /* its connection passed a handshake */
    repl_stats_t *stats; /* borrowed from self->stats         */
    //  Out: our DEALER.
    bool out_ready;
    uint32_t out_send_seq, out_recv_seq;
    uint16_t out_max_batch;  /* the peer's, from its HELLO        */
    int64_t out_hello_ms;    /* last HELLO tried                  */
    bool out_hello_sent;     /* ... and it went out               */
    bool out_answered;       /* ... and the peer's HELLO came back:
                                frames before it are the old
                                session's, dropped, not gaps      */
    int64_t out_pause_until; /* after busy / refusals             */
    //  Requests in the order sent: the first replies_pending are answered
    //  (their replies wait in the verification pool: their authors stay in
    //  flight until stored), the rest are unanswered (at most
    //  PROTO_WIRE_REQUESTS_MAX, the protocol's limit).
    repl_request_t req[PROTO_WIRE_REQUESTS_MAX + REPL_PENDING_MAX];
    size_t nreq;
    size_t replies_pending; /* replies received, being verified */
    uint32_t out_epoch;     /* counts restarts of this session   */
    //  In: the peer's DEALER to our ROUTER.
    zframe_t *in_rid; /* routing id of its connection      */
    bool in_hello, in_ready;
    uint32_t in_recv_seq, in_send_seq;
    uint16_t in_max_batch;
    int64_t req_window_ms; /* rate of its requests              */
    unsigned req_count;
    int64_t err_window_ms; /* rate of our ERROR replies         */
    unsigned err_count;
    int64_t log_window_ms; /* rate of log lines about it        */
    unsigned log_count, log_suppressed;
    //  What it holds, from its latest HEADS.
    repl_phead_t *heads;
    size_t head_count;
    //  Notices (node_repl_notice.c), per connection: whether its HELLO
    //  exchange allows sending them, and where the next revocation and
    //  card update to send are in the node's set.
    bool out_notices, in_notices;
    size_t out_rev_next, out_card_next;
    size_t in_rev_next, in_card_next;
    bool reconnect;          /* its endpoint changed: dial it again   */
    //  Rosters offered on our DEALER (the peer was older), so that a peer
    //  that refuses them is not offered them again at once.
    uint64_t out_rosters_from;
    int64_t out_rosters_ms;
    //  ... and on our ROUTER, answering its HELLOs: the same rosters at
    //  most once per REPL_ROSTER_RETRY_MS (each may be 1 MiB, read from
    //  disk: a peer repeating HELLO must not make us send them in a loop).
    uint64_t in_rosters_from;
    int64_t in_rosters_ms;
    //  Its refused roster, logged once a minute, not once a frame.
    uint64_t roster_refused_version;
    int64_t roster_refused_ms;
} repl_peer_t;

/* A payload we lack, and whom we asked.                                     */
typedef struct {
    int64_t first_ms;
    uint8_t asked[KEYS_ROSTER_MAX_MEMBERS / 8];
} repl_wanted_t;

struct _node_repl_t {
    node_dir_t *node;            /* borrowed                          */
    node_store_t *store;         /* borrowed from node                */
    const keys_secret_t *key;    /* borrowed                          */
    const keys_roster_t *roster; /* borrowed from node; in force      */
    uint8_t roster_hash[PROTO_HASH_BYTES];
    uint8_t self_pk[PROTO_PK_BYTES];
    char cert_dir[4096];
    char listen[KEYS_ENDPOINT_MAX + 1];
    node_transport_t *transport;
    repl_peer_t *peers; /* every member but this node        */
    size_t peer_count;
    repl_stats_t *stats; /* by key; grows, never shrinks      */
    size_t stats_count, stats_cap;
    //  Per author (index in the roster): who we are fetching it from.
    int *inflight_peer; /* -1: nobody                        */
    uint64_t *inflight_upto;
    uint8_t (*author_pk)[PROTO_PK_BYTES]; /* the authors, copied: the
                                             roster may change under us   */
    bool *author_closed; /* a retired key's chain ended here: an entry
                            past its retirement was refused, so nothing
                            later can follow; not asked for again         */
    uint64_t *author_deferred_until; /* wall clock ms: an entry stamped
                            too far ahead of our clock was deferred; not
                            asked for until it is within the skew (5.6)   */
    size_t author_count;
    int64_t notices_round_ms; /* last paced round of notices          */
    bool notices_owed;        /* ... and whether it left some owed    */
    zhashx_t *wanted; /* id hex -> repl_wanted_t              */
    proto_wire_writer_t *writer;
    node_verify_t *verify; /* signature checks off this thread  */
    int log_level;
    bool removed;          /* this node left the roster         */
    bool switch_pending;   /* rebuild the transport (roster)    */
    int64_t heads_due_ms;  /* 0: none                           */
    int64_t heads_next_ms; /* periodic anti-entropy             */
    int heads_interval_ms;
    unsigned requests_per_sec;         /* served per peer, then busy        */
    int64_t wanted_next_ms; /* payload fetching                  */
    bool wanted_dirty;
    int64_t peers_file_ms;
    uint64_t unauthenticated; /* frames with no member key         */
    size_t plan_start;        /* first peer repl_plan considers       */
    int64_t receipts_due_ms;  /* 0: none; when to post receipts owed  */
    uint64_t receipts_posted;   /* receipts this node posted          */
    uint64_t receipts_confirmed; /* entries they confirmed             */
    uint64_t urgent_relayed;     /* urgent entries pushed on (13.9.6)  */
};

#define REPL_LOG(self, level, ...)                                             \
    do {                                                                       \
        if ((self)->log_level >= (level)) {                                    \
            if ((level) == REPL_ERROR)                                         \
                zsys_error (__VA_ARGS__);                                      \
            else if ((level) == REPL_WARNING)                                  \
                zsys_warning (__VA_ARGS__);                                    \
            else if ((level) == REPL_INFO)                                     \
                zsys_info (__VA_ARGS__);                                       \
            else                                                               \
                zsys_debug (__VA_ARGS__);                                      \
        }                                                                      \
    } while (0)

/* Encodes one frame with sequence number seq into buf (cap octets);
   returns its size, or 0.                                                   */
typedef size_t (repl_encode_fn) (void *arg, uint32_t seq, uint8_t *buf,
                                 size_t cap);

/* May we send peer another request now? At most PROTO_WIRE_REQUESTS_MAX
   unanswered, and at most REPL_PENDING_MAX replies not yet stored.          */
static inline bool
repl_may_request (const repl_peer_t *peer)
{
    return peer->out_ready
           && peer->nreq - peer->replies_pending < PROTO_WIRE_REQUESTS_MAX
           && peer->replies_pending < REPL_PENDING_MAX
           && peer->nreq < PROTO_WIRE_REQUESTS_MAX + REPL_PENDING_MAX;
}

static inline int64_t
repl_now (void)
{
    return zclock_mono ();
}

/* node_repl.c */
bool repl_author_known (node_repl_t *self, const uint8_t *pk);
/* A card update was taken for key pk: the peer is dialled again where it
   now says (at the next tick), or this node rebinds if it is its own.    */
void repl_endpoint_changed (node_repl_t *self, const uint8_t *pk);
void repl_inflight_release (node_repl_t *self, repl_peer_t *peer);
repl_peer_t *repl_peer_by_sign (node_repl_t *self, const uint8_t *sign_pk);

/* node_repl_send.c */
size_t repl_encode_hello (void *arg, uint32_t seq, uint8_t *buf, size_t cap);
void repl_push_stubs (node_repl_t *self, const uint8_t *a, size_t a_len,
                      const uint8_t *b, size_t b_len);
bool repl_send_encoded (node_repl_t *self, repl_peer_t *peer, bool out,
                        size_t cap, repl_encode_fn *encode, void *arg);
/* The same for a push that can wait (a notice): if it cannot be queued,
   its sequence number is not used, so the peer sees no gap; the caller
   tries again later.                                                       */
bool repl_try_send_encoded (node_repl_t *self, repl_peer_t *peer, bool out,
                            size_t cap, repl_encode_fn *encode, void *arg);
void repl_send_error (node_repl_t *self, repl_peer_t *peer, bool out,
                      uint16_t code, const char *text);
void repl_send_heads (node_repl_t *self, repl_peer_t *peer, bool out);
void repl_send_rosters (node_repl_t *self, repl_peer_t *peer, bool out,
                        uint64_t from);
void repl_serve_payloads (node_repl_t *self, repl_peer_t *peer,
                          const proto_wire_frame_t *frame);
void repl_serve_want (node_repl_t *self, repl_peer_t *peer,
                      const proto_wire_frame_t *frame);

/* node_repl_fetch.c */
void repl_accept_entries (node_repl_t *self, repl_peer_t *peer,
                          const uint8_t *data, size_t size, bool is_reply);
void repl_fetch_payloads (node_repl_t *self);
void repl_jobs_done (node_repl_t *self, bool wait);
void repl_on_heads (node_repl_t *self, repl_peer_t *peer,
                    const proto_wire_frame_t *frame);
void repl_plan (node_repl_t *self);
void repl_wanted_expire (node_repl_t *self);
void repl_wanted_free (void **item_p);
void repl_wanted_forget_peer (node_repl_t *self, repl_peer_t *peer);

/* node_repl_notice.c */
/* Take a verified notice from the operator or a peer (from, or NULL):
   saved, logged, owed to every other peer; a revocation rebuilds the
   transport. Returns 1 taken, 0 known, or node_dir_apply_notice's
   NODE_DIR_NOTICE_REFUSED / _FAILED with a reason in err.                  */
int repl_take_notice (node_repl_t *self, const keys_notice_t *notice,
                      repl_peer_t *from, char *err, size_t errlen);
/* A NOTICE frame from peer on a connection (out: our DEALER).             */
void repl_on_notice (node_repl_t *self, repl_peer_t *peer, bool out,
                     const proto_wire_frame_t *frame);
/* A connection's session (re)starts: it owes nothing until its HELLO
   exchange; _start: the exchange is done, every notice is owed.          */
void repl_notices_reset (repl_peer_t *peer, bool out);
void repl_notices_start (node_repl_t *self, repl_peer_t *peer, bool out);
/* Send a round of what each connection owes. Returns true if more are
   owed (call again in REPL_NOTICE_PACE_MS).                              */
bool repl_notices_pace (node_repl_t *self);

/* node_repl_receipt.c */
void repl_receipts_soon (node_repl_t *self);
void repl_send_receipts (node_repl_t *self);

/* node_repl_report.c */
void repl_count (node_repl_t *self, repl_peer_t *peer, unsigned code);
repl_stats_t *repl_stats (node_repl_t *self, repl_peer_t *peer);
void repl_violation (node_repl_t *self, repl_peer_t *peer, unsigned code,
                     const char *what);
void repl_write_peers_file (node_repl_t *self, bool running);

#endif
