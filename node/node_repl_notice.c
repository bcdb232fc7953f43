/* SPDX-License-Identifier: MPL-2.0 */
/* node_repl_notice: revocations and card updates between nodes
   (docs/protocol.md 13.8.8; see node_repl_int.h). */

/* A notice verifies on its own and needs no threshold, so it must reach
   every node whatever else is going on: also a peer on another roster
   version (a revocation may be what keeps it from switching), and a peer
   that nobody dials (it only has its own DEALER to us). So a connection
   carries notices both ways as soon as its HELLO exchange is done, ready
   or not, and a node takes them on either connection.

   Sending is paced. Each connection keeps two cursors into the node's
   notice set (revocations first, then card updates) and sends a few per
   round, never more than its queue takes (one that does not fit uses no
   sequence number: repl_try_send_encoded); our DEALER carries them when
   it can, our ROUTER only to a peer that it does not reach. A burst of
   all of them at once overflowed the NODE_TRANSPORT_HWM queue, the peer
   saw a sequence gap, restarted the session, and the next start
   overflowed again. A new notice pulls every other peer's cursors back
   to it; a session that restarts starts from the beginning, so a notice
   lost with a closed socket goes again.                                    */

#include "node_repl_int.h"

//  --------------------------------------------------------------------------
//  Sending

typedef struct {
    const char *text;
    size_t len;
} s_notice_arg_t;

static size_t
s_encode_notice (void *arg, uint32_t seq, uint8_t *buf, size_t cap)
{
    s_notice_arg_t *n = arg;
    return proto_wire_encode_notice (n->text, n->len, seq, buf, cap);
}

static bool
s_send (node_repl_t *self, repl_peer_t *peer, bool out,
        const keys_notice_t *notice)
{
    s_notice_arg_t arg;
    char *text = keys_notice_format (notice, &arg.len);
    if (!text)
        return false;
    arg.text = text;
    bool sent = repl_try_send_encoded (
        self, peer, out, proto_wire_encoded_size (PROTO_WIRE_NOTICE, arg.len),
        s_encode_notice, &arg);
    free (text);
    return sent;
}

//  Index of the first notice of kind at or after from, or the count.
static size_t
s_next_of_kind (const keys_notice_set_t *set, size_t from,
                keys_notice_kind_t kind)
{
    size_t count = keys_notice_set_count (set);
    for (size_t i = from; i < count; i++)
        if (keys_notice_set_get (set, i)->kind == kind)
            return i;
    return count;
}

//  Send up to REPL_NOTICES_PER_ROUND of what the connection still owes.
//  Returns true if some remain.
static bool
s_pace (node_repl_t *self, repl_peer_t *peer, bool out)
{
    if (!(out ? peer->out_notices : peer->in_notices))
        return false;
    if (out ? !peer->dealer : !peer->in_rid)
        return false;
    //  One connection carries them, so they are not sent twice: our
    //  DEALER when it can, our ROUTER only to a peer we do not reach that
    //  way (nobody dials it, or it is on another version).
    if (!out && peer->out_notices)
        return false;
    const keys_notice_set_t *set = node_dir_notices (self->node);
    size_t count = keys_notice_set_count (set);
    size_t *cursors[2] = { out ? &peer->out_rev_next : &peer->in_rev_next,
                           out ? &peer->out_card_next : &peer->in_card_next };
    const keys_notice_kind_t kinds[2] = { KEYS_NOTICE_REVOCATION,
                                          KEYS_NOTICE_CARD_UPDATE };
    int budget = REPL_NOTICES_PER_ROUND;
    for (int k = 0; k < 2; k++) {
        size_t *cursor = cursors[k];
        for (size_t i = s_next_of_kind (set, *cursor, kinds[k]); i < count;
             i = s_next_of_kind (set, i + 1, kinds[k])) {
            if (budget == 0)
                return true;
            const keys_notice_t *notice = keys_notice_set_get (set, i);
            //  A card update of a key since revoked or retired is kept
            //  (the set is the node's record) but passed on no more:
            //  every node would refuse it.
            if (notice->kind == KEYS_NOTICE_CARD_UPDATE
                && !keys_roster_member_active (self->roster,
                                               notice->sign_pk)) {
                *cursor = i + 1;
                continue;
            }
            //  A full queue: this one goes in a later round (s_send used
            //  no sequence number for it, so the peer sees no gap).
            if (!s_send (self, peer, out, notice))
                return true;
            *cursor = i + 1;
            budget--;
        }
        *cursor = count;
    }
    return false;
}

//  A round: what each connection owes, within its budget. Returns true if
//  more is owed.
static bool
s_round (node_repl_t *self)
{
    self->notices_round_ms = repl_now ();
    bool more = false;
    for (size_t i = 0; i < self->peer_count; i++) {
        repl_peer_t *peer = &self->peers[i];
        //  Both, whatever the first returns.
        bool out_more = s_pace (self, peer, true);
        bool in_more = s_pace (self, peer, false);
        more = more || out_more || in_more;
    }
    self->notices_owed = more;
    return more;
}

bool
repl_notices_pace (node_repl_t *self)
{
    //  One round per REPL_NOTICE_PACE_MS, however often the loop wakes.
    if (repl_now () - self->notices_round_ms < REPL_NOTICE_PACE_MS)
        return self->notices_owed;
    return s_round (self);
}

void
repl_notices_reset (repl_peer_t *peer, bool out)
{
    if (out) {
        peer->out_notices = false;
        peer->out_rev_next = peer->out_card_next = 0;
    }
    else {
        peer->in_notices = false;
        peer->in_rev_next = peer->in_card_next = 0;
    }
}

void
repl_notices_start (node_repl_t *self, repl_peer_t *peer, bool out)
{
    repl_notices_reset (peer, out);
    if (out)
        peer->out_notices = true;
    else
        peer->in_notices = true;
    s_pace (self, peer, out);
}

//  Every peer but from owes notice again: pull its cursors for the
//  notice's kind back to where the set holds it now. (An insertion shifts
//  later notices by one: a few are sent twice, which costs nothing.)
static void
s_rewind (node_repl_t *self, const repl_peer_t *from,
          const keys_notice_t *notice)
{
    const keys_notice_set_t *set = node_dir_notices (self->node);
    size_t at = keys_notice_set_count (set);
    for (size_t i = 0; i < keys_notice_set_count (set); i++) {
        const keys_notice_t *held = keys_notice_set_get (set, i);
        if (held->kind == notice->kind
            && !memcmp (held->sign_pk, notice->sign_pk, PROTO_PK_BYTES)) {
            at = i;
            break;
        }
    }
    bool revocation = notice->kind == KEYS_NOTICE_REVOCATION;
    for (size_t i = 0; i < self->peer_count; i++) {
        repl_peer_t *peer = &self->peers[i];
        if (peer == from)
            continue;
        size_t *out = revocation ? &peer->out_rev_next : &peer->out_card_next;
        size_t *in = revocation ? &peer->in_rev_next : &peer->in_card_next;
        if (*out > at)
            *out = at;
        if (*in > at)
            *in = at;
    }
}

//  --------------------------------------------------------------------------
//  Taking

int
repl_take_notice (node_repl_t *self, const keys_notice_t *notice,
                  repl_peer_t *from, char *err, size_t errlen)
{
    int rc = node_dir_apply_notice (self->node, notice, err, errlen);
    if (rc <= 0)
        return rc;
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, notice->sign_pk);
    //  The name was checked: it is the roster's name for the key.
    if (notice->kind == KEYS_NOTICE_REVOCATION)
        REPL_LOG (self, REPL_ERROR,
                  "REVOKED: the key %s of %s is revoked (by its own "
                  "certificate%s%s): its transport is cut and its new "
                  "entries are refused",
                  fpr, notice->name, from ? ", from peer " : "",
                  from ? from->member.card.name : "");
    else
        REPL_LOG (self, REPL_INFO,
                  "card update %llu of %s (%s): endpoint %s",
                  (unsigned long long) notice->serial, notice->name, fpr,
                  notice->endpoint_count ? notice->endpoints[0] : "(none)");
    //  At once, not at the next round: a revocation rebuilds the
    //  transport at the next tick, and the member it revokes should hear
    //  of it first (from every node that still talks to it).
    s_rewind (self, from, notice);
    s_round (self);
    if (notice->kind == KEYS_NOTICE_REVOCATION)
        //  Who is admitted changes: rebuild the transport (ZAP, ROUTER,
        //  DEALERs), as for a roster switch. The new sessions send every
        //  notice again, so nothing queued on the closed sockets is lost.
        node_repl_roster_switched (self);
    else
        repl_endpoint_changed (self, notice->sign_pk);
    return 1;
}

void
repl_on_notice (node_repl_t *self, repl_peer_t *peer, bool out,
                const proto_wire_frame_t *frame)
{
    keys_notice_t notice;
    char err[512];
    //  A refused notice is counted and logged, never answered: an ERROR
    //  would reach the pusher's DEALER, which takes every ERROR for the
    //  answer to its oldest request.
    if (keys_notice_parse (&notice, frame->notice, frame->notice_len, err,
                           sizeof err)
        != 0) {
        repl_violation (self, peer, PROTO_REJECT_SIGNATURE,
                        "sent a notice that does not verify");
        return;
    }
    int rc = repl_take_notice (self, &notice, peer, err, sizeof err);
    if (rc == NODE_DIR_NOTICE_REFUSED) {
        char what[600];
        snprintf (what, sizeof what, "sent a notice that is refused: %s",
                  err);
        repl_violation (self, peer, PROTO_REJECT_UNKNOWN_AUTHOR, what);
    }
    else if (rc < 0)
        //  Our own trouble (full set, disk): no fault of the peer's. It
        //  comes again with the peer's next session.
        REPL_LOG (self, REPL_ERROR, "a notice from peer %s could not be "
                  "taken: %s", peer->member.card.name, err);
}
