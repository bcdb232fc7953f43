/* SPDX-License-Identifier: MPL-2.0 */
/* node_repl_send: sending frames, THE disclosure point, pushes, serving
   WANT and PAYLOADS (see node_repl_int.h). */

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
//  Sending

//  Send one encoded frame on the peer's DEALER. Returns true if it went
//  out (then the sequence number is used).
static bool
s_send_out_raw (node_repl_t *self, repl_peer_t *peer, zframe_t **frame_p)
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
    repl_stats (self, peer)->bytes_out += size;
    return true;
}

//  Send one frame to the peer's connection on our ROUTER.
static bool
s_send_in_raw (node_repl_t *self, repl_peer_t *peer, zframe_t **frame_p)
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
    repl_stats (self, peer)->bytes_out += size;
    return true;
}

//  Encode with the connection's next sequence number and send. The
//  number is used even if the send fails (see below).
bool
repl_send_encoded (node_repl_t *self, repl_peer_t *peer, bool out, size_t cap,
                repl_encode_fn *encode, void *arg)
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

bool
repl_try_send_encoded (node_repl_t *self, repl_peer_t *peer, bool out,
                       size_t cap, repl_encode_fn *encode, void *arg)
{
    uint32_t *seq = out ? &peer->out_send_seq : &peer->in_send_seq;
    uint32_t saved = *seq;
    bool sent = repl_send_encoded (self, peer, out, cap, encode, arg);
    //  A refused send put nothing on the wire (zmq sends whole messages,
    //  and our ROUTER is mandatory: a full pipe is EAGAIN, not a silent
    //  drop), so the peer sees no gap if the number is not used.
    if (!sent)
        *seq = saved;
    return sent;
}

size_t
repl_encode_hello (void *arg, uint32_t seq, uint8_t *buf, size_t cap)
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
void
repl_send_error (node_repl_t *self, repl_peer_t *peer, bool out, uint16_t code,
              const char *text)
{
    int64_t now = repl_now ();
    if (now - peer->err_window_ms >= 1000) {
        peer->err_window_ms = now;
        peer->err_count = 0;
    }
    if (peer->err_count >= PROTO_WIRE_ERRORS_PER_SEC)
        return;
    peer->err_count++;
    s_error_arg_t e = { code, text };
    repl_send_encoded (self, peer, out, PROTO_WIRE_HEADER_BYTES + 3 + 255,
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
    if (!repl_author_known (h->self, head->author))
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

void
repl_send_heads (node_repl_t *self, repl_peer_t *peer, bool out)
{
    s_heads_arg_t *h = s_my_heads (self);
    repl_send_encoded (self, peer, out,
                    proto_wire_encoded_size (PROTO_WIRE_HEADS, h->count),
                    s_encode_heads, h);
    free (h);
}

//  ROSTER frames for every version after `from`, oldest first.
void
repl_send_rosters (node_repl_t *self, repl_peer_t *peer, bool out,
                   uint64_t from)
{
    uint64_t current = keys_roster_version (self->roster);
    for (uint64_t v = from + 1; v <= current; v++) {
        size_t len = 0;
        char *text = node_dir_roster_text (self->node, v, &len);
        if (!text) {
            REPL_LOG (self, REPL_WARNING,
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
        REPL_LOG (self, REPL_INFO, "peer %s: sent roster version %" PRIu64,
               peer->member.card.name, v);
    }
}

//  --------------------------------------------------------------------------
//  THE outbound disclosure point: what of this entry's payload may go to
//  peer. Every item put into an ENTRIES frame passes here.

static void
s_disclose (node_repl_t *self, const repl_peer_t *peer,
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
s_add_item (node_repl_t *self, const repl_peer_t *peer, const node_entry_t *e,
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
s_send_entries (node_repl_t *self, repl_peer_t *peer, bool out)
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
        repl_stats (self, peer)->sent += count;
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
    //  A switch pending may be a revocation taken a moment ago: its peer's
    //  sockets are still open until the rebuild, and get nothing more.
    //  The new sessions' HEADS bring the entries to everyone else.
    if (self->removed || self->switch_pending || n == 0)
        return;
    s_copy_t *copies = calloc (n, sizeof *copies);
    assert (copies);
    size_t held = 0;
    for (size_t i = 0; i < n; i++)
        if (node_store_get (self->store, ids[i], s_copy_entry,
                            &copies[held]) == 0)
            held++;
    //  A large batch is not pushed: it would sit in the peers' pipes ahead
    //  of whatever comes next, urgent entries included (13.9.6). Its
    //  urgent entries go now; HEADS tell the peers to pull the rest, at
    //  the pace they ask for it.
    if (held > REPL_PUSH_MAX) {
        size_t urgent = 0;
        for (size_t i = 0; i < held; i++) {
            if (copies[i].header.flags & PROTO_FLAG_URGENT) {
                s_copy_t keep = copies[urgent];
                copies[urgent++] = copies[i];
                copies[i] = keep;
            }
        }
        for (size_t i = urgent; i < held; i++)
            free (copies[i].payload);
        held = urgent;
        self->heads_due_ms = repl_now ();
    }
    for (size_t p = 0; p < self->peer_count; p++) {
        repl_peer_t *peer = &self->peers[p];
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
void
repl_push_stubs (node_repl_t *self, const uint8_t *a, size_t a_len,
              const uint8_t *b, size_t b_len)
{
    for (size_t p = 0; p < self->peer_count; p++) {
        repl_peer_t *peer = &self->peers[p];
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
//  Serving requests (on our ROUTER)

typedef struct {
    node_repl_t *self;
    repl_peer_t *peer;
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
    } forks[REPL_FORKS_MAX];
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
    if (s->fork_count == REPL_FORKS_MAX)
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

void
repl_serve_want (node_repl_t *self, repl_peer_t *peer,
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
        repl_send_error (self, peer, false, PROTO_WIRE_ERR_NOT_HELD,
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

void
repl_serve_payloads (node_repl_t *self, repl_peer_t *peer,
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
        repl_send_error (self, peer, false, PROTO_WIRE_ERR_NOT_HELD,
                      "none of these payloads can be served");
    free (s);
}
