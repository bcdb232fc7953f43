/* SPDX-License-Identifier: MPL-2.0 */
/* node_repl_fetch: receiving entries (verification pipeline, store),
   HEADS, catch-up planning, missing payloads (see node_repl_int.h). */

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
#include "node_repl_int.h"

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
    proto_reject_t *result;            /* what the store said (once stored) */
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
    free (job->result);
    free (job);
    *job_p = NULL;
}

static void s_store_job (node_repl_t *self, repl_peer_t *peer, s_job_t *job);
static void s_reply_stored (node_repl_t *self, repl_peer_t *peer, s_job_t *job);

//  Store every job whose verification is done, in order.
void
repl_jobs_done (node_repl_t *self, bool wait)
{
    node_verify_job_t *done;
    while ((done = wait ? node_verify_wait (self->verify)
                        : node_verify_next (self->verify))) {
        s_job_t *job = (s_job_t *) done;
        repl_peer_t *peer = repl_peer_by_sign (self, job->sign_pk);
        s_store_job (self, peer, job);
        if (peer && job->is_reply)
            s_reply_stored (self, peer, job);
        s_job_destroy (&job);
    }
}

//  Does any of the n items carry the urgent flag? Only pushes are asked:
//  a push is small (at most a peer's max-batch items).
static bool
s_has_urgent (const node_append_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        proto_header_t h;
        uint8_t sig[PROTO_SIG_BYTES];
        if (proto_stub_decode (&h, sig, items[i].stub, items[i].stub_len)
                == PROTO_OK
            && (h.flags & PROTO_FLAG_URGENT))
            return true;
    }
    return false;
}

//  Push on the urgent entries of job that were new here (stored now, not
//  by this node), so that they cross the Council in one round even where
//  their author cannot reach everyone. Each node does it once per entry:
//  a second copy is a duplicate and goes no further.
static void
s_relay_urgent (node_repl_t *self, const s_job_t *job)
{
    size_t n = job->frame.count, count = 0;
    uint8_t (*ids)[PROTO_HASH_BYTES] = calloc (n, PROTO_HASH_BYTES);
    assert (ids);
    for (size_t i = 0; i < n; i++) {
        proto_header_t h;
        uint8_t sig[PROTO_SIG_BYTES];
        if (job->result && job->result[i] == PROTO_OK
            && proto_stub_decode (&h, sig, job->items[i].stub,
                                  job->items[i].stub_len) == PROTO_OK
            && (h.flags & PROTO_FLAG_URGENT)
            && memcmp (h.author, self->self_pk, PROTO_PK_BYTES)) {
            proto_entry_id (ids[count], job->items[i].stub,
                            job->items[i].stub_len);
            count++;
        }
    }
    if (count) {
        self->urgent_relayed += count;
        node_repl_posted (self, (const uint8_t (*)[PROTO_HASH_BYTES]) ids,
                          count);
    }
    free (ids);
}

//  Take an ENTRIES frame for storing: small ones at once when nothing is
//  queued (the latency path of pushes), the rest through the pool.
void
repl_accept_entries (node_repl_t *self, repl_peer_t *peer, const uint8_t *data,
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
    //  The urgent lane (13.9.6): a push that carries an urgent entry is
    //  verified and stored now, ahead of the catch-up replies queued in
    //  the pool, and its urgent entries are pushed on to every peer.
    bool urgent = !is_reply && s_has_urgent (job->items, n);
    if (urgent
        || (n <= REPL_INLINE_MAX && node_verify_pending (self->verify) == 0)) {
        node_store_verify_stubs (job->items, n, job->sig, NULL);
        s_store_job (self, peer, job);
        if (urgent)
            s_relay_urgent (self, job);
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

//  The chain of item's author cannot go on here: stop asking for it.
static void
s_close_author (node_repl_t *self, const node_append_t *item)
{
    proto_header_t h;
    uint8_t sig[PROTO_SIG_BYTES];
    if (proto_stub_decode (&h, sig, item->stub, item->stub_len) != PROTO_OK)
        return;
    for (size_t a = 0; a < self->author_count; a++)
        if (!memcmp (self->author_pk[a], h.author, PROTO_PK_BYTES))
            self->author_closed[a] = true;
}

//  item is stamped more than the allowed skew ahead of our clock: not
//  stored (docs/protocol.md 5.6). Whose clock is wrong cannot be told
//  from here, so it is no violation: the author is not asked for again
//  until the entry's time is within the skew, and the log says how far
//  ahead it was (once per deferral), so operators can compare clocks.
static void
s_defer_author (node_repl_t *self, repl_peer_t *peer,
                const node_append_t *item)
{
    proto_header_t h;
    uint8_t sig[PROTO_SIG_BYTES];
    if (proto_stub_decode (&h, sig, item->stub, item->stub_len) != PROTO_OK)
        return;
    uint64_t now = proto_now_ms ();
    uint64_t until = h.timestamp_ms - PROTO_CLOCK_SKEW_MAX_MS;
    for (size_t a = 0; a < self->author_count; a++) {
        if (memcmp (self->author_pk[a], h.author, PROTO_PK_BYTES))
            continue;
        if (self->author_deferred_until[a] < until) {
            const keys_member_t *m = keys_roster_member_by_key (self->roster,
                                                                h.author);
            REPL_LOG (self, REPL_WARNING,
                      "clock: %s's entry seq %" PRIu64 " (from %s) is "
                      "stamped %" PRIu64 " s ahead of this node's clock, "
                      "more than the %llu min allowed: deferred until then; "
                      "if most authors are ahead, this node's clock is "
                      "behind",
                      m ? m->card.name : "a former member", h.seq,
                      peer->member.card.name, (h.timestamp_ms - now) / 1000,
                      (unsigned long long) (PROTO_CLOCK_SKEW_MAX_MS / 60000));
            self->author_deferred_until[a] = until;
        }
    }
}

//  Store a verified job and count what happened against the peer (NULL if
//  it left the roster meanwhile: the entries are still good to keep).
static void
s_store_job (node_repl_t *self, repl_peer_t *peer, s_job_t *job)
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
        REPL_LOG (self, REPL_ERROR, "store: cannot write entries from %s: %s",
               peer ? peer->member.card.name : "a former member",
               node_store_last_error (self->store));
        goto done;
    }
    if (!peer)
        goto done;
    repl_stats_t *stats = repl_stats (self, peer);
    bool stored = false, gap = false, payloads = false;
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
            else
                payloads = true;
            REPL_LOG (self, REPL_DEBUG, "stored %s from %s", hex,
                   peer->member.card.name);
            break;
        case PROTO_REJECT_DUPLICATE:
            //  Perhaps the payload of a header held alone: it may be owed
            //  a receipt now.
            payloads = payloads || items[i].payload_len > 0;
            break;
        case PROTO_REJECT_RECEIPT:
            //  A receipt or acknowledgement confirming what its author
            //  could not have received: forged, and not stored. Nothing
            //  later in that chain can follow it here, so the author is
            //  not asked for again (until a restart); the operators see
            //  the violation (ceptoar peers).
            repl_violation (self, peer, r, "a receipt that confirms what its "
                                           "author could not have received");
            s_close_author (self, &items[i]);
            break;
        case PROTO_REJECT_FROZEN:
        case PROTO_REJECT_RETRACTED:
            break;
        case PROTO_REJECT_TIME_AHEAD:
            repl_count (self, peer, r);
            s_defer_author (self, peer, &items[i]);
            break;
        case PROTO_REJECT_TIME_ORDER:
            //  Stamped far before the entry it follows: its author's node
            //  never signs that (5.6). Nothing later in the chain can
            //  follow it here.
            repl_violation (self, peer, r, "an entry stamped before the one "
                                           "it follows, beyond the allowed "
                                           "clock skew");
            s_close_author (self, &items[i]);
            break;
        case PROTO_REJECT_KEY_RETIRED:
            //  The peer holds it rightly (it stored it before the key was
            //  retired); we never can, nor anything after it in that
            //  chain: counted once, not a violation, and the author is
            //  not asked for again.
            repl_count (self, peer, r);
            s_close_author (self, &items[i]);
            break;
        case PROTO_REJECT_CHAIN_SEQ:
            //  Normal while catching up (a push ahead of our head, a
            //  pipelined reply after a short one): counted, not a
            //  violation; the gap is fetched after the next HEADS.
            repl_count (self, peer, r);
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
            REPL_LOG (self, REPL_ERROR,
                   "FORK: %s (%s) signed two entries at seq %" PRIu64
                   "; its chain is frozen; evidence kept (ceptoar peers)",
                   m ? m->card.name : "?", fpr, h.seq);
            s_fork_find_t f = { .seq = h.seq };
            node_store_scan_author (self->store, h.author, h.seq, s_find_held,
                                    &f);
            if (f.found)
                repl_push_stubs (self, f.held, f.held_len, items[i].stub,
                              items[i].stub_len);
            break;
        }
        case PROTO_REJECT_NOT_CLEARED: {
            //  The sender disclosed a payload this node may not have: drop
            //  it, keep the header, and record the sender's violation.
            repl_violation (self, peer, r, "sent a payload outside this node's "
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
            REPL_LOG (self, REPL_ERROR, "store: %s",
                   node_store_last_error (self->store));
            break;
        default:
            repl_violation (self, peer, r, "entry refused");
            break;
        }
    }
    if (stored || gap) {
        int64_t due = repl_now () + PROTO_WIRE_HEADS_DELAY_MS;
        if (!self->heads_due_ms || due < self->heads_due_ms)
            self->heads_due_ms = due;
    }
    if (payloads)
        repl_receipts_soon (self);
done:
    job->result = results;             /* for s_relay_urgent                */
    free (ids);
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

static void s_send_want (node_repl_t *self, repl_peer_t *peer,
                         const repl_range_t *ranges, size_t count);

void
repl_on_heads (node_repl_t *self, repl_peer_t *peer,
            const proto_wire_frame_t *frame)
{
    free (peer->heads);
    peer->heads = calloc (frame->count ? frame->count : 1, sizeof *peer->heads);
    assert (peer->heads);
    peer->head_count = 0;
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, frame);
    proto_wire_head_t head;
    repl_range_t probes[REPL_RANGES_MAX];
    size_t probe_count = 0;
    while (proto_wire_heads_next (&it, &head)) {
        repl_phead_t *h = &peer->heads[peer->head_count++];
        memcpy (h->author, head.author, PROTO_PK_BYTES);
        h->seq = head.seq;
        memcpy (h->id, head.id, PROTO_HASH_BYTES);
        //  A head at or below ours with another id: the peer holds a
        //  different entry there. Fetch it; storing it records the fork.
        uint64_t mine = 0;
        uint8_t my_id[PROTO_HASH_BYTES];
        if (node_store_head (self->store, head.author, &mine, my_id) != 0
            || head.seq > mine || probe_count == REPL_RANGES_MAX)
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
        && repl_may_request (peer))
        s_send_want (self, peer, probes, probe_count);
    repl_plan (self);
}

//  --------------------------------------------------------------------------
//  Requests we send (on our DEALER)

typedef struct {
    const repl_range_t *ranges;
    size_t count;
} s_want_arg_t;

static size_t
s_encode_want (void *arg, uint32_t seq, uint8_t *buf, size_t cap)
{
    s_want_arg_t *w = arg;
    proto_wire_range_t wire[REPL_RANGES_MAX];
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
    const repl_range_t *x = a, *y = b;
    int c = memcmp (x->author, y->author, PROTO_PK_BYTES);
    if (c)
        return c;
    return x->from < y->from ? -1 : x->from > y->from;
}

static void
s_send_want (node_repl_t *self, repl_peer_t *peer, const repl_range_t *ranges,
             size_t count)
{
    if (count == 0 || count > REPL_RANGES_MAX)
        return;
    repl_range_t *copy = malloc (count * sizeof *copy);
    assert (copy);
    memcpy (copy, ranges, count * sizeof *copy);
    qsort (copy, count, sizeof *copy, s_range_cmp);
    s_want_arg_t w = { copy, count };
    if (!repl_send_encoded (self, peer, true,
                         proto_wire_encoded_size (PROTO_WIRE_WANT, count),
                         s_encode_want, &w)) {
        free (copy);
        return;
    }
    repl_request_t *req = &peer->req[peer->nreq++];
    req->type = PROTO_WIRE_WANT;
    req->sent_ms = repl_now ();
    req->count = count;
    req->ranges = copy;
}

static uint64_t
s_peer_head (const repl_peer_t *peer, const uint8_t *author)
{
    for (size_t i = 0; i < peer->head_count; i++)
        if (!memcmp (peer->heads[i].author, author, PROTO_PK_BYTES))
            return peer->heads[i].seq;
    return 0;
}

//  Ask ready peers for what they advertise and we lack: for each author
//  one peer at a time, at most PROTO_WIRE_REQUESTS_MAX requests per peer.
void
repl_plan (node_repl_t *self)
{
    if (self->removed || self->switch_pending)
        return;
    size_t authors = self->author_count;
    uint64_t *mine = calloc (authors ? authors : 1, sizeof *mine);
    bool *frozen = calloc (authors ? authors : 1, sizeof *frozen);
    assert (mine && frozen);
    for (size_t a = 0; a < authors; a++) {
        const uint8_t *pk = self->author_pk[a];
        if (node_store_head (self->store, pk, &mine[a], NULL) != 0)
            mine[a] = 0;
    }
    repl_range_t ranges[REPL_RANGES_MAX];
    int64_t now = repl_now ();
    uint64_t wall_now = proto_now_ms ();
    //  Start at a different peer each time, so load spreads.
    size_t start = self->plan_start++;
    for (size_t k = 0; k < self->peer_count; k++) {
        size_t p = (start + k) % self->peer_count;
        repl_peer_t *peer = &self->peers[p];
        while (repl_may_request (peer)
               && now >= peer->out_pause_until) {
            size_t count = 0, budget = NODE_REPL_MAX_BATCH;
            for (size_t a = 0; a < authors && count < REPL_RANGES_MAX
                               && budget > 0;
                 a++) {
                if (frozen[a] || self->author_closed[a]
                    || self->author_deferred_until[a] > wall_now)
                    continue;
                int owner = self->inflight_peer[a];
                if (owner >= 0 && (size_t) owner != p)
                    continue;
                const uint8_t *pk = self->author_pk[a];
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
                repl_inflight_release (self, peer);
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
    repl_peer_t *peer;
    size_t peer_index;
    uint8_t (*ids)[PROTO_HASH_BYTES];
    size_t count;
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
    //  Would this peer hold it? Only if it may receive it itself.
    if (keys_disclosure_payload (self->roster, &e->header,
                                 m->peer->member.card.sign_pk)
        == KEYS_DISCLOSE_NONE)
        return 0;
    char key[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (key, e->id, PROTO_HASH_BYTES);
    repl_wanted_t *w = zhashx_lookup (self->wanted, key);
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

void
repl_fetch_payloads (node_repl_t *self)
{
    if (self->switch_pending)
        return;
    s_missing_t m = { .self = self, .now = repl_now () };
    m.ids = malloc (PROTO_WIRE_PAYLOADS_MAX * PROTO_HASH_BYTES);
    assert (m.ids);
    for (size_t p = 0; p < self->peer_count; p++) {
        repl_peer_t *peer = &self->peers[p];
        if (!repl_may_request (peer)
            || m.now < peer->out_pause_until)
            continue;
        m.peer = peer;
        m.peer_index = p;
        m.count = 0;
        node_store_scan_missing (self->store, s_missing_visit, &m);
        if (m.count == 0)
            continue;
        qsort (m.ids, m.count, PROTO_HASH_BYTES, s_id_cmp);
        s_payloads_arg_t arg = { m.ids, m.count };
        if (repl_send_encoded (self, peer, true,
                            proto_wire_encoded_size (PROTO_WIRE_PAYLOADS,
                                                     m.count),
                            s_encode_payloads, &arg)) {
            repl_request_t *req = &peer->req[peer->nreq++];
            req->type = PROTO_WIRE_PAYLOADS;
            req->sent_ms = m.now;
            req->count = 0;
            req->ranges = NULL;
            REPL_LOG (self, REPL_DEBUG, "peer %s: asked for %zu payloads",
                      peer->member.card.name, m.count);
        }
        else {
            //  Not sent (no connection, or a full pipe): not asked.
            REPL_LOG (self, REPL_DEBUG, "peer %s: could not ask for %zu "
                      "payloads", peer->member.card.name, m.count);
            repl_wanted_forget_peer (self, peer);
        }
    }
    free (m.ids);
    self->wanted_dirty = false;
}

//  peer's PAYLOADS request was lost: the send failed, its session
//  restarted (which drops outstanding requests) or it answered "busy".
//  Forget that peer was asked, so that the payloads are asked of it again
//  at the next round (its session ready again, or the next anti-entropy
//  HEADS) instead of after NODE_REPL_PAYLOAD_RETRY_MS: it may well be the
//  only other member of the audience (DESIGN §5.4).
void
repl_wanted_forget_peer (node_repl_t *self, repl_peer_t *peer)
{
    size_t bit = (size_t) (peer - self->peers);
    if (bit >= sizeof ((repl_wanted_t *) NULL)->asked * 8)
        return;
    for (repl_wanted_t *w = zhashx_first (self->wanted); w;
         w = zhashx_next (self->wanted))
        w->asked[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

//  Forget payloads asked for long ago, so they may be asked again and the
//  table stays small.
void
repl_wanted_expire (node_repl_t *self)
{
    int64_t now = repl_now ();
    zlistx_t *keys = zhashx_keys (self->wanted);
    for (const char *key = zlistx_first (keys); key;
         key = zlistx_next (keys)) {
        repl_wanted_t *w = zhashx_lookup (self->wanted, key);
        if (w && now - w->first_ms > NODE_REPL_PAYLOAD_RETRY_MS)
            zhashx_delete (self->wanted, key);
    }
    zlistx_destroy (&keys);
}

void
repl_wanted_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  The reply to our oldest request is stored: retire the request and plan
//  the next ones. A reply to a session that restarted meanwhile retires
//  nothing (the restart dropped its requests).
static void
s_reply_stored (node_repl_t *self, repl_peer_t *peer, s_job_t *job)
{
    if (job->epoch != peer->out_epoch || peer->nreq == 0
        || peer->replies_pending == 0)
        return;
    peer->replies_pending--;
    REPL_LOG (self, REPL_DEBUG, "peer %s: reply of %zu items stored, %" PRId64
           " ms after the request", peer->member.card.name,
           job->frame.count, repl_now () - peer->req[0].sent_ms);
    free (peer->req[0].ranges);
    memmove (&peer->req[0], &peer->req[1],
             (peer->nreq - 1) * sizeof peer->req[0]);
    peer->nreq--;
    repl_inflight_release (self, peer);
    repl_plan (self);
}

