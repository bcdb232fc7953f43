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

   Disclosure. s_disclose (node_repl_send.c) is the one place that decides
   what payload goes with a stub into a frame, by keys_disclosure_payload
   with the roster in force and the authenticated peer's key. Pushes, WANT
   replies and PAYLOADS replies all go through s_add_item, which calls it.

   The engine's files and their jobs are listed in node_repl_int.h.        */

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
//  Peers and authors

repl_peer_t *
repl_peer_by_sign (node_repl_t *self, const uint8_t *sign_pk)
{
    for (size_t i = 0; i < self->peer_count; i++)
        if (!memcmp (self->peers[i].member.card.sign_pk, sign_pk,
                     PROTO_PK_BYTES))
            return &self->peers[i];
    return NULL;
}

static size_t
s_peer_index (node_repl_t *self, const repl_peer_t *peer)
{
    return (size_t) (peer - self->peers);
}

static void
s_requests_clear (repl_peer_t *peer)
{
    for (size_t i = 0; i < peer->nreq; i++)
        free (peer->req[i].ranges);
    peer->nreq = 0;
}

//  Is pk an author whose entries this node replicates: an active member,
//  or a key a roster change retired (its older entries still travel)?
bool
repl_author_known (node_repl_t *self, const uint8_t *pk)
{
    return !keys_roster_revoked (self->roster, pk)
           && (keys_roster_member_by_key (self->roster, pk)
               || keys_roster_retired_by_key (self->roster, pk));
}

//  Forget which authors are being fetched from peer (its requests ended).
void
repl_inflight_release (node_repl_t *self, repl_peer_t *peer)
{
    int index = (int) s_peer_index (self, peer);
    for (size_t a = 0; a < self->author_count; a++)
        if (self->inflight_peer[a] == index) {
            //  Still asked in a request outstanding? Keep it then.
            bool still = false;
            const uint8_t *author = self->author_pk[a];
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
//  Rosters

static void
s_on_roster (node_repl_t *self, repl_peer_t *peer, bool out,
             const proto_wire_frame_t *frame)
{
    char reason[512];
    keys_roster_t *roster = keys_roster_parse (frame->roster,
                                               frame->roster_len, reason,
                                               sizeof reason);
    if (!roster) {
        repl_violation (self, peer, REPL_REASON_ROSTER,
                        "sent an unparsable roster");
        repl_send_error (self, peer, out, PROTO_WIRE_ERR_ROSTER, "unparsable");
        return;
    }
    uint64_t version = keys_roster_version (roster);
    int rc = node_dir_apply_roster (self->node, roster, reason,
                                    sizeof reason);
    keys_roster_destroy (&roster);
    if (rc == 0)
        return;                        /* old news                          */
    if (rc < 0) {
        //  A peer that keeps offering it is told each time, but the
        //  operator reads it once a minute.
        int64_t now = repl_now ();
        if (peer->roster_refused_version != version
            || now - peer->roster_refused_ms >= REPL_ROSTER_LOG_MS) {
            peer->roster_refused_version = version;
            peer->roster_refused_ms = now;
            REPL_LOG (self, REPL_ERROR, "peer %s: roster version %" PRIu64
                   " refused: %s", peer->member.card.name, version, reason);
        }
        repl_violation (self, peer, REPL_REASON_ROSTER, "roster refused");
        repl_send_error (self, peer, out, PROTO_WIRE_ERR_ROSTER,
                      "roster does not follow the version in force");
        return;
    }
    REPL_LOG (self, REPL_INFO,
              "roster version %" PRIu64 " from %s verified and "
              "in force",
              version, peer->member.card.name);
    node_repl_roster_switched (self);
}

int
node_repl_notice (node_repl_t *self, const keys_notice_t *notice, char *err,
                  size_t errlen)
{
    assert (self);
    assert (notice);
    return repl_take_notice (self, notice, NULL, err, errlen);
}

//  --------------------------------------------------------------------------
//  Sessions

static void
s_send_hello_out (node_repl_t *self, repl_peer_t *peer)
{
    peer->out_hello_ms = repl_now ();
    peer->out_answered = false;
    repl_notices_reset (peer, true);
    if (!peer->dealer)
        return;
    //  A restart numbers from 1 again (13.7).
    uint32_t saved = peer->out_send_seq;
    peer->out_send_seq = 0;
    peer->out_hello_sent = repl_send_encoded (self, peer, true,
                                           PROTO_WIRE_HELLO_BYTES,
                                           repl_encode_hello, self);
    if (!peer->out_hello_sent)
        peer->out_send_seq = saved;
}

static void
s_peer_restart_out (node_repl_t *self, repl_peer_t *peer)
{
    peer->out_ready = false;
    peer->out_recv_seq = 0;
    peer->out_epoch++;
    peer->replies_pending = 0;
    //  The requests dropped here are never answered: payloads asked in
    //  them are to be asked again (of this peer too, once it is back).
    for (size_t i = 0; i < peer->nreq; i++)
        if (peer->req[i].type == PROTO_WIRE_PAYLOADS) {
            repl_wanted_forget_peer (self, peer);
            break;
        }
    s_requests_clear (peer);
    repl_inflight_release (self, peer);
    s_send_hello_out (self, peer);
}

//  The peer's HELLO (on our DEALER) names an older roster version: send it
//  the versions after it and HELLO again, so that it switches and the
//  session becomes ready. If it did not move since the last offer (it
//  refuses them, and says why in an ERROR, or this node lacks a version),
//  offer again only after REPL_ROSTER_RETRY_MS: at once, the two nodes
//  would trade HELLO and ROSTER as fast as they can. Notices still go.
static void
s_bring_forward (node_repl_t *self, repl_peer_t *peer, uint64_t from)
{
    int64_t now = repl_now ();
    if (peer->out_rosters_ms && peer->out_rosters_from == from
        && now - peer->out_rosters_ms < REPL_ROSTER_RETRY_MS) {
        peer->out_ready = false;
        peer->out_pause_until = now + REPL_ROSTER_RETRY_MS;
        repl_notices_start (self, peer, true);
        return;
    }
    peer->out_rosters_from = from;
    peer->out_rosters_ms = now;
    repl_send_rosters (self, peer, true, from);
    s_send_hello_out (self, peer);
}

//  Compare a peer's HELLO with ours. Returns 1 same roster (ready), 0 not
//  ready yet (rosters being exchanged), -1 refused.
static int
s_check_hello (node_repl_t *self, repl_peer_t *peer, bool out,
               const proto_wire_frame_t *frame)
{
    const proto_wire_hello_t *h = &frame->hello;
    if (memcmp (h->sign_pk, peer->member.card.sign_pk, PROTO_PK_BYTES)) {
        repl_violation (self, peer, REPL_REASON_MEMBER,
                     "HELLO names another key than the connection's");
        repl_send_error (self, peer, out, PROTO_WIRE_ERR_MEMBER,
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
            REPL_LOG (self, REPL_ERROR, "peer %s has a DIFFERENT roster with "
                   "version %" PRIu64 ": the roster chain has forked; tell "
                   "the Council", peer->member.card.name, mine);
            repl_send_error (self, peer, out, PROTO_WIRE_ERR_ROSTER,
                          "same roster version, different roster");
            return -1;
        }
        return 1;
    }
    return 0;
}

//  A frame on our ROUTER from peer.
static void
s_on_router_frame (node_repl_t *self, repl_peer_t *peer, zframe_t *rid,
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
        repl_notices_reset (peer, false);
    }
    proto_wire_frame_t frame;
    proto_reject_t r = proto_wire_decode (&frame, data, size);
    if (r != PROTO_OK) {
        repl_violation (self, peer, r, "bad frame on its connection");
        if (r == PROTO_REJECT_VERSION)
            repl_send_error (self, peer, false, PROTO_WIRE_ERR_VERSION,
                          "this node speaks version 1");
        else if (r != PROTO_REJECT_MAGIC)
            repl_send_error (self, peer, false, (uint16_t) r,
                          proto_reject_name (r));
        return;
    }
    if (frame.type == PROTO_WIRE_HELLO) {
        peer->in_hello = true;
        peer->in_recv_seq = frame.sequence;
        peer->in_send_seq = 0;
        repl_notices_reset (peer, false);
        int ok = s_check_hello (self, peer, false, &frame);
        if (ok < 0) {
            peer->in_ready = false;
            return;
        }
        repl_send_encoded (self, peer, false, PROTO_WIRE_HELLO_BYTES,
                        repl_encode_hello, self);
        int64_t now = repl_now ();
        if (frame.hello.roster_version < keys_roster_version (self->roster)
            && (peer->in_rosters_from != frame.hello.roster_version
                || !peer->in_rosters_ms
                || now - peer->in_rosters_ms >= REPL_ROSTER_RETRY_MS)) {
            peer->in_rosters_from = frame.hello.roster_version;
            peer->in_rosters_ms = now;
            repl_send_rosters (self, peer, false, frame.hello.roster_version);
        }
        peer->in_ready = ok == 1;
        //  Notices go also to a peer on another roster version (13.8.8).
        repl_notices_start (self, peer, false);
        return;
    }
    if (!peer->in_hello || frame.sequence
                               != proto_wire_seq_next (peer->in_recv_seq)) {
        //  A gap, or a connection that never said HELLO: restart it.
        if (peer->in_hello)
            REPL_LOG (self, REPL_INFO,
                      "peer %s: sequence gap on its connection "
                      "(got %u after %u); session restarted",
                      peer->member.card.name, frame.sequence,
                      peer->in_recv_seq);
        peer->in_hello = false;
        peer->in_ready = false;
        repl_notices_reset (peer, false);
        repl_count (self, peer, REPL_REASON_GAP);
        repl_send_error (self, peer, false, PROTO_WIRE_ERR_SEQUENCE,
                      "send HELLO");
        return;
    }
    peer->in_recv_seq = frame.sequence;
    if (frame.type == PROTO_WIRE_ERROR) {
        REPL_LOG (self, REPL_INFO, "peer %s says: %s (%u): %.*s",
               peer->member.card.name, proto_wire_error_name (frame.error_code),
               frame.error_code, (int) frame.error_text_len, frame.error_text);
        return;
    }
    if (frame.type == PROTO_WIRE_ROSTER) {
        s_on_roster (self, peer, false, &frame);
        return;
    }
    //  A notice verifies on its own: taken before the session is ready,
    //  from a peer still on another roster version too (13.8.8).
    if (frame.type == PROTO_WIRE_NOTICE) {
        repl_on_notice (self, peer, false, &frame);
        return;
    }
    if (!peer->in_ready) {
        repl_send_error (self, peer, false, PROTO_WIRE_ERR_SEQUENCE,
                      "session not ready: send HELLO");
        return;
    }
    //  Requests are rate limited per peer: a flood gets "busy".
    if (frame.type == PROTO_WIRE_WANT || frame.type == PROTO_WIRE_PAYLOADS) {
        int64_t now = repl_now ();
        if (now - peer->req_window_ms >= 1000) {
            peer->req_window_ms = now;
            peer->req_count = 0;
        }
        if (++peer->req_count > self->requests_per_sec) {
            repl_count (self, peer, REPL_REASON_BUSY);
            repl_send_error (self, peer, false, PROTO_WIRE_ERR_BUSY,
                          "too many requests; ask again in 1 s");
            return;
        }
    }
    switch (frame.type) {
    case PROTO_WIRE_HEADS:
        repl_send_heads (self, peer, false);
        repl_on_heads (self, peer, &frame);
        break;
    case PROTO_WIRE_WANT:
        repl_serve_want (self, peer, &frame);
        break;
    case PROTO_WIRE_PAYLOADS:
        repl_serve_payloads (self, peer, &frame);
        break;
    case PROTO_WIRE_ENTRIES:
        if (frame.flags & PROTO_WIRE_FLAG_REPLY) {
            repl_violation (self, peer, PROTO_REJECT_FIELD,
                         "sent a reply on its own connection");
            repl_send_error (self, peer, false, PROTO_REJECT_FIELD,
                          "a reply on a request connection");
            break;
        }
        if (frame.count > NODE_REPL_MAX_BATCH) {
            repl_violation (self, peer, PROTO_REJECT_OVERSIZE,
                         "sent more items than our max-batch");
            repl_send_error (self, peer, false, PROTO_REJECT_OVERSIZE,
                          "more items than max-batch");
            break;
        }
        repl_accept_entries (self, peer, data, size, false);
        break;
    default:
        break;
    }
}

//  A frame on our DEALER to peer: replies and the peer's side of the
//  session.
static void
s_on_dealer_frame (node_repl_t *self, repl_peer_t *peer, const uint8_t *data,
                   size_t size)
{
    proto_wire_frame_t frame;
    proto_reject_t r = proto_wire_decode (&frame, data, size);
    if (r != PROTO_OK) {
        repl_violation (self, peer, r, "bad reply frame");
        s_peer_restart_out (self, peer);
        return;
    }
    if (frame.type == PROTO_WIRE_HELLO) {
        peer->out_recv_seq = frame.sequence;
        peer->out_answered = true;
        int ok = s_check_hello (self, peer, true, &frame);
        if (ok < 0) {
            peer->out_ready = false;
            peer->out_pause_until = repl_now () + 60000;
            return;
        }
        if (ok == 0
            && frame.hello.roster_version
                   < keys_roster_version (self->roster)) {
            s_bring_forward (self, peer, frame.hello.roster_version);
            return;
        }
        peer->out_ready = ok == 1;
        //  The peer is newer: it offers us its rosters on its ROUTER side.
        //  Asking again (HELLO) before we take one would only resend
        //  everything, so wait unless a switch comes first (it rebuilds
        //  every session).
        if (ok == 0)
            peer->out_pause_until = repl_now () + REPL_ROSTER_RETRY_MS;
        //  Notices go also to a peer on another roster version (13.8.8).
        repl_notices_start (self, peer, true);
        if (peer->out_ready) {
            REPL_LOG (self, REPL_INFO, "peer %s: session ready",
                   peer->member.card.name);
            repl_send_heads (self, peer, true);
            self->wanted_dirty = true;
        }
        return;
    }
    //  A peer that refuses our HELLO answers with an ERROR alone, the first
    //  frame of the session: that is the answer (its pause applies below).
    if (!peer->out_answered && frame.type == PROTO_WIRE_ERROR
        && frame.sequence == proto_wire_seq_next (0)) {
        peer->out_answered = true;
        peer->out_recv_seq = 0;
    }
    //  Until our HELLO is answered, what arrives was sent in the session
    //  we restarted: restarting again for each such frame would never end
    //  while the peer is still sending it.
    if (!peer->out_answered) {
        REPL_LOG (self, REPL_DEBUG, "peer %s: a frame of the previous "
                  "session dropped", peer->member.card.name);
        return;
    }
    if (frame.sequence != proto_wire_seq_next (peer->out_recv_seq)) {
        REPL_LOG (self, REPL_INFO, "peer %s: sequence gap in replies; session "
               "restarted", peer->member.card.name);
        repl_count (self, peer, REPL_REASON_GAP);
        s_peer_restart_out (self, peer);
        return;
    }
    peer->out_recv_seq = frame.sequence;
    switch (frame.type) {
    case PROTO_WIRE_ROSTER:
        s_on_roster (self, peer, true, &frame);
        return;
    case PROTO_WIRE_NOTICE:
        repl_on_notice (self, peer, true, &frame);
        return;
    case PROTO_WIRE_ERROR: {
        uint16_t code = frame.error_code;
        REPL_LOG (self,
                  code == PROTO_WIRE_ERR_NOT_HELD ? REPL_DEBUG : REPL_INFO,
                  "peer %s says: %s (%u): %.*s", peer->member.card.name,
                  proto_wire_error_name (code), code,
                  (int) frame.error_text_len, frame.error_text);
        if (code == PROTO_WIRE_ERR_SEQUENCE) {
            s_peer_restart_out (self, peer);
            return;
        }
        if (code == PROTO_WIRE_ERR_MEMBER || code == PROTO_WIRE_ERR_ROSTER)
            peer->out_pause_until = repl_now () + 60000;
        if (code == PROTO_WIRE_ERR_VERSION)
            peer->out_pause_until = repl_now () + 3600 * 1000;
        if (code == PROTO_WIRE_ERR_BUSY)
            peer->out_pause_until = repl_now () + 1000;
        //  Errors answer the oldest request not yet answered (replies
        //  before it may still be in the verification pool).
        size_t k = peer->replies_pending;
        if (peer->nreq > k && peer->out_ready) {
            if (code == PROTO_WIRE_ERR_BUSY
                && peer->req[k].type == PROTO_WIRE_PAYLOADS)
                repl_wanted_forget_peer (self, peer);
            free (peer->req[k].ranges);
            memmove (&peer->req[k], &peer->req[k + 1],
                     (peer->nreq - k - 1) * sizeof peer->req[0]);
            peer->nreq--;
            repl_inflight_release (self, peer);
            if (code != PROTO_WIRE_ERR_BUSY)
                repl_plan (self);
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
        repl_on_heads (self, peer, &frame);
        return;
    }
    if (frame.type != PROTO_WIRE_ENTRIES
        || !(frame.flags & PROTO_WIRE_FLAG_REPLY)
        || peer->nreq <= peer->replies_pending) {
        repl_violation (self, peer, PROTO_REJECT_FIELD,
                     "a frame that is not a reply on our connection");
        repl_send_error (self, peer, true, PROTO_REJECT_FIELD,
                      "not a reply to a request");
        return;
    }
    if (frame.count > NODE_REPL_MAX_BATCH) {
        repl_violation (self, peer, PROTO_REJECT_OVERSIZE,
                     "reply with more items than our max-batch");
        s_peer_restart_out (self, peer);
        return;
    }
    //  The request stays outstanding (its authors in flight) until the
    //  reply is stored, so planning never asks for the same seqs twice.
    repl_accept_entries (self, peer, data, size, true);
}

//  --------------------------------------------------------------------------
//  Sockets

//  Our DEALER's connection to peer completed a handshake or was lost (the
//  heartbeats noticed: NODE_TRANSPORT_HEARTBEAT_IVL + _TIMEOUT). A lost
//  connection ends both sessions with the peer: ours (its requests are
//  never answered; HELLO is retried until a new connection takes it,
//  13.7), and, presumed lost on the same path, the peer's on our ROUTER
//  (a frame on it that is not HELLO gets ERROR 102, and the peer
//  restarts). So `peers` shows the peer down, not a session that cannot
//  carry anything. A new connection gets HELLO at once, unless the retry
//  in node_repl_tick sent it already.
static void
s_on_monitor (node_repl_t *self, repl_peer_t *peer)
{
    int event = node_transport_event (peer->monitor);
    //  A connection that never passed its handshake (refused, or not
    //  CURVE) is no lost link: libzmq just tries again.
    if (event == NODE_TRANSPORT_DOWN && peer->out_up) {
        peer->out_up = false;
        if (peer->out_ready || peer->in_ready)
            REPL_LOG (self, REPL_INFO, "peer %s: connection lost",
                      peer->member.card.name);
        peer->in_hello = false;
        peer->in_ready = false;
        repl_notices_reset (peer, false);
        s_peer_restart_out (self, peer);
    }
    else if (event == NODE_TRANSPORT_UP) {
        peer->out_up = true;
        if (!peer->out_ready && !peer->out_hello_sent
            && repl_now () >= peer->out_pause_until)
            s_send_hello_out (self, peer);
    }
}

void
node_repl_handle (node_repl_t *self, zsock_t *sock)
{
    assert (self);
    //  A roster switch is pending: the sockets are about to be rebuilt
    //  and sessions restart; read nothing more from the old ones.
    if (!self->transport || self->switch_pending)
        return;
    for (size_t i = 0; i < self->peer_count; i++)
        if (self->peers[i].monitor == sock) {
            s_on_monitor (self, &self->peers[i]);
            return;
        }
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
            repl_peer_t *peer = member ? repl_peer_by_sign (self,
                                                      member->card.sign_pk)
                                    : NULL;
            if (!peer) {
                //  No member key (or this node's own): nothing is read,
                //  nothing answered.
                self->unauthenticated++;
                REPL_LOG (self, REPL_WARNING, "dropped a frame from a key that "
                       "is not a member's (%" PRIu64 " so far)",
                       self->unauthenticated);
            }
            else {
                repl_stats (self, peer)->last_seen_ms = zclock_time ();
                repl_stats (self, peer)->bytes_in += zframe_size (data);
                if (zmsg_size (msg) != 2)
                    repl_violation (self, peer, PROTO_REJECT_FIELD,
                                 "sent a multi-part message");
                else
                    s_on_router_frame (self, peer, rid, zframe_data (data),
                                       zframe_size (data));
            }
            zmsg_destroy (&msg);
        }
        else {
            repl_peer_t *peer = NULL;
            for (size_t i = 0; i < self->peer_count && !peer; i++)
                if (self->peers[i].dealer == sock)
                    peer = &self->peers[i];
            zmsg_t *msg = zmsg_recv (sock);
            if (!msg)
                return;
            if (peer) {
                repl_stats (self, peer)->last_seen_ms = zclock_time ();
                zframe_t *data = zmsg_first (msg);
                repl_stats (self, peer)->bytes_in += zframe_size (data);
                if (zmsg_size (msg) != 1)
                    repl_violation (self, peer, PROTO_REJECT_FIELD,
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
    repl_jobs_done (self, false);
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
    for (size_t i = 0; i < self->peer_count && n < cap; i++)
        if (self->peers[i].monitor)
            socks[n++] = self->peers[i].monitor;
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
    free (self->author_pk);
    free (self->author_closed);
    self->author_closed = NULL;
    free (self->author_deferred_until);
    self->author_deferred_until = NULL;
    self->inflight_peer = NULL;
    self->inflight_upto = NULL;
    self->author_pk = NULL;
    self->author_count = 0;
    node_transport_destroy (&self->transport);
}

//  Where member m says it is: the first endpoint of its own newest card
//  update, else of its roster card (NULL: none published).
static const char *
s_published_endpoint (node_repl_t *self, const keys_member_t *m)
{
    const keys_notice_t *update = keys_notice_set_card_update (
        node_dir_notices (self->node), m->card.sign_pk);
    if (update)
        return update->endpoint_count ? update->endpoints[0] : NULL;
    return m->card.endpoint_count ? m->card.endpoints[0] : NULL;
}

//  Where to reach a peer: the operator's configuration first, then the
//  member's own newest card update, then the roster.
static const char *
s_peer_endpoint (node_repl_t *self, const keys_member_t *m)
{
    char path[KEYS_NAME_MAX + 32];
    snprintf (path, sizeof path, "peers/%s/endpoint", m->card.name);
    const char *configured = node_dir_config_get (self->node, path, NULL);
    if (configured && *configured)
        return configured;
    if (!strtol (node_dir_config_get (self->node,
                                      "replication/connect-roster", "1"),
                 NULL, 10))
        return NULL;
    return s_published_endpoint (self, m);
}

//  Where this node listens: the operator's node/listen, else where it
//  published itself.
static const char *
s_own_listen (node_repl_t *self, const keys_member_t *me)
{
    const char *listen = node_dir_config_get (self->node, "node/listen", NULL);
    if (listen && *listen)
        return listen;
    return s_published_endpoint (self, me);
}

void
repl_endpoint_changed (node_repl_t *self, const uint8_t *pk)
{
    if (!memcmp (pk, self->self_pk, PROTO_PK_BYTES)) {
        const keys_member_t *me = keys_roster_member_active (self->roster, pk);
        const char *listen = me ? s_own_listen (self, me) : NULL;
        if (me && strcmp (listen ? listen : "", self->listen))
            node_repl_roster_switched (self);     /* bind there instead */
        return;
    }
    repl_peer_t *peer = repl_peer_by_sign (self, pk);
    if (!peer)
        return;
    const char *endpoint = s_peer_endpoint (self, &peer->member);
    if (strcmp (endpoint ? endpoint : "", peer->endpoint))
        peer->reconnect = true;            /* at the next tick, not now: the
                                              poll round holds its socket */
}

//  Dial peer again where it now says, with a new session.
static void
s_reconnect (node_repl_t *self, repl_peer_t *peer)
{
    peer->reconnect = false;
    if (peer->dealer)
        node_transport_disconnect (self->transport, peer->member.card.box_pk);
    peer->dealer = NULL;
    peer->monitor = NULL;
    peer->out_up = false;
    const char *endpoint = s_peer_endpoint (self, &peer->member);
    snprintf (peer->endpoint, sizeof peer->endpoint, "%s",
              endpoint ? endpoint : "");
    if (endpoint) {
        peer->dealer = node_transport_connect (self->transport,
                                               &peer->member, endpoint);
        peer->monitor = node_transport_monitor (self->transport,
                                                peer->member.card.box_pk);
    }
    REPL_LOG (self, REPL_INFO, "peer %s: now reached at %s (card update)",
              peer->member.card.name, endpoint ? endpoint : "(nothing)");
    s_peer_restart_out (self, peer);
}

static int
s_build (node_repl_t *self, char *err, size_t errlen)
{
    self->roster = node_dir_roster (self->node);
    if (keys_roster_hash (self->roster, self->roster_hash) != 0) {
        snprintf (err, errlen, "cannot hash the roster in force");
        return -1;
    }
    const keys_member_t *me = keys_roster_member_active (self->roster,
                                                         self->self_pk);
    if (!me) {
        self->removed = true;
        if (keys_roster_revoked (self->roster, self->self_pk))
            REPL_LOG (self, REPL_ERROR,
                      "this node's key is revoked (by its own certificate): "
                      "replication stopped; stop this daemon and run the "
                      "member's node with its new key once the Council "
                      "has rotated it (docs/ceremony.md 4.4)");
        else
            REPL_LOG (self, REPL_ERROR,
                      "this node's key is not a member of roster version "
                      "%" PRIu64 ": replication stopped",
                      keys_roster_version (self->roster));
        return 0;
    }
    self->transport = node_transport_new (self->roster, self->key,
                                          self->cert_dir, err, errlen);
    if (!self->transport)
        return -1;
    const char *listen = s_own_listen (self, me);
    self->listen[0] = 0;
    if (listen && *listen) {
        snprintf (self->listen, sizeof self->listen, "%s", listen);
        if (node_transport_bind (self->transport, listen) < 0) {
            snprintf (err, errlen, "cannot bind %s: %s", listen,
                      zmq_strerror (zmq_errno ()));
            node_transport_destroy (&self->transport);
            return -1;
        }
    }
    //  Authors replicated: active members, and retired keys (their entries
    //  of before the retirement still travel, DESIGN rotation rule).
    size_t n = keys_roster_member_count (self->roster);
    size_t retired = keys_roster_retired_count (self->roster);
    self->peers = calloc (n, sizeof *self->peers);
    self->inflight_peer = malloc ((n + retired) * sizeof (int));
    self->inflight_upto = calloc (n + retired, sizeof (uint64_t));
    self->author_pk = malloc ((n + retired) * PROTO_PK_BYTES);
    self->author_closed = calloc (n + retired, sizeof (bool));
    self->author_deferred_until = calloc (n + retired, sizeof (uint64_t));
    assert (self->peers && self->inflight_peer && self->inflight_upto
            && self->author_pk && self->author_closed
            && self->author_deferred_until);
    self->author_count = 0;
    for (size_t a = 0; a < n + retired; a++) {
        const uint8_t *pk
            = a < n ? keys_roster_member (self->roster, a)->card.sign_pk
                    : keys_roster_retired (self->roster, a - n)->sign_pk;
        if (keys_roster_revoked (self->roster, pk))
            continue;
        self->inflight_peer[self->author_count] = -1;
        memcpy (self->author_pk[self->author_count++], pk, PROTO_PK_BYTES);
    }
    for (size_t i = 0; i < n; i++) {
        const keys_member_t *m = keys_roster_member (self->roster, i);
        if (!memcmp (m->card.sign_pk, self->self_pk, PROTO_PK_BYTES)
            || keys_roster_revoked (self->roster, m->card.sign_pk))
            continue;
        repl_peer_t *peer = &self->peers[self->peer_count++];
        peer->member = *m;
        const char *endpoint = s_peer_endpoint (self, m);
        if (endpoint) {
            snprintf (peer->endpoint, sizeof peer->endpoint, "%s", endpoint);
            peer->dealer = node_transport_connect (self->transport, m,
                                                   endpoint);
            peer->monitor = node_transport_monitor (self->transport,
                                                    m->card.box_pk);
            if (!peer->dealer)
                REPL_LOG (self, REPL_WARNING, "peer %s: cannot connect to %s",
                       m->card.name, endpoint);
        }
    }
    for (size_t i = 0; i < self->peer_count; i++) {
        repl_stats (self, &self->peers[i]);
        s_send_hello_out (self, &self->peers[i]);
    }
    REPL_LOG (self, REPL_INFO, "replication: roster version %" PRIu64 ", %zu "
           "peers, listening on %s", keys_roster_version (self->roster),
           self->peer_count, self->listen[0] ? self->listen : "(nothing)");
    return 0;
}

void
node_repl_roster_switched (node_repl_t *self)
{
    assert (self);
    //  node_dir_apply_roster freed the roster we borrowed: take the new
    //  one at once. Until the switch, no frame is read (node_repl_handle)
    //  and nothing is planned; sessions keep their member copies.
    self->roster = node_dir_roster (self->node);
    keys_roster_hash (self->roster, self->roster_hash);
    self->switch_pending = true;
}

static void
s_switch (node_repl_t *self)
{
    //  Store what was received under the old roster first (authors are
    //  checked against the new one as they are stored); switch_pending
    //  stays set meanwhile, so nothing is planned with stale sessions.
    repl_jobs_done (self, true);
    self->switch_pending = false;
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
    REPL_LOG (self, REPL_ERROR,
              "replication could not restart after the roster "
              "switch: %s",
              err);
}

//  --------------------------------------------------------------------------
//  Timers

int
node_repl_tick (node_repl_t *self)
{
    assert (self);
    if (self->switch_pending)
        s_switch (self);
    int64_t now = repl_now ();
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
            repl_wanted_expire (self);
        }
        for (size_t i = 0; i < self->peer_count; i++) {
            repl_peer_t *peer = &self->peers[i];
            if (peer->reconnect)
                s_reconnect (self, peer);
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
            //  The oldest unanswered request (answered ones are stored
            //  soon, by the pool).
            size_t oldest = peer->replies_pending;
            if (peer->nreq > oldest
                && now - peer->req[oldest].sent_ms
                       > PROTO_WIRE_REQUEST_TIMEOUT_MS) {
                REPL_LOG (self, REPL_WARNING, "peer %s: request unanswered for "
                       "%d s; session restarted", peer->member.card.name,
                       PROTO_WIRE_REQUEST_TIMEOUT_MS / 1000);
                s_peer_restart_out (self, peer);
            }
            if (heads_now && peer->out_ready)
                repl_send_heads (self, peer, true);
        }
        if (self->wanted_dirty && now >= self->wanted_next_ms) {
            self->wanted_next_ms = now + 200;
            repl_fetch_payloads (self);
        }
        repl_plan (self);
        repl_send_receipts (self);
        if (repl_notices_pace (self) && wait > REPL_NOTICE_PACE_MS)
            wait = REPL_NOTICE_PACE_MS;
        //  Wake for the earliest of what is due (a HELLO retry above).
        if (self->receipts_due_ms && self->receipts_due_ms - now < wait)
            wait = (int) (self->receipts_due_ms - now);
        if (self->heads_due_ms && self->heads_due_ms - now < wait)
            wait = (int) (self->heads_due_ms - now);
        if (self->heads_next_ms - now < wait)
            wait = (int) (self->heads_next_ms - now);
    }
    if (now - self->peers_file_ms >= NODE_REPL_PEERS_FILE_MS) {
        self->peers_file_ms = now;
        repl_write_peers_file (self, false);
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
    self->log_level = streq (level, "error")     ? REPL_ERROR
                      : streq (level, "warning") ? REPL_WARNING
                      : streq (level, "debug")   ? REPL_DEBUG
                                                 : REPL_INFO;
    if (verbose)
        self->log_level = REPL_DEBUG;
    //  strtol, not atoi: a number too large for an int is out of range
    //  (the default), not undefined behaviour.
    long heads_ms = strtol (node_dir_config_get (
        node, "replication/heads-interval-ms", "10000"), NULL, 10);
    self->heads_interval_ms = heads_ms >= 100 && heads_ms <= INT_MAX
                                  ? (int) heads_ms
                                  : NODE_DIR_HEADS_INTERVAL_MS;
    long per_sec = strtol (node_dir_config_get (
        node, "replication/requests-per-sec", "0"), NULL, 10);
    self->requests_per_sec = per_sec >= 1 && per_sec <= 1000000
                                 ? (unsigned) per_sec
                                 : NODE_REPL_REQUESTS_PER_SEC;
    self->wanted = zhashx_new ();
    zhashx_set_destructor (self->wanted, repl_wanted_free);
    self->writer = proto_wire_writer_new (0);
    self->verify = node_verify_new (NODE_REPL_VERIFY_THREADS);
    assert (self->wanted && self->writer);
    if (!self->verify) {
        snprintf (err, errlen, "cannot start the verification threads");
        node_repl_destroy (&self);
        return NULL;
    }
    self->heads_next_ms = repl_now () + self->heads_interval_ms;
    self->wanted_dirty = true;
    //  Receipts owed from before a stop or crash go out at once.
    self->receipts_due_ms = repl_now ();
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
        repl_jobs_done (self, true);     /* nothing received is dropped       */
        node_verify_destroy (&self->verify);
    }
    if (self->store)
        repl_write_peers_file (self, false);
    s_teardown (self);
    zhashx_destroy (&self->wanted);
    proto_wire_writer_destroy (&self->writer);
    free (self->stats);
    free (self);
    *self_p = NULL;
}

