/* SPDX-License-Identifier: MPL-2.0 */
/* node_repl_report: per-peer counters, rate-limited refusal logs, the
   peers report (JSON and peers.json) (see node_repl_int.h). */

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
//  Counters

static repl_stats_t *
s_stats_for (node_repl_t *self, const uint8_t *sign_pk)
{
    for (size_t i = 0; i < self->stats_count; i++)
        if (!memcmp (self->stats[i].sign_pk, sign_pk, PROTO_PK_BYTES))
            return &self->stats[i];
    if (self->stats_count == self->stats_cap) {
        size_t cap = self->stats_cap ? 2 * self->stats_cap : 32;
        repl_stats_t *grown = realloc (self->stats, cap * sizeof *grown);
        assert (grown);
        self->stats = grown;
        self->stats_cap = cap;
        //  Peers point into the array: re-point them.
        for (size_t i = 0; i < self->peer_count; i++)
            self->peers[i].stats = NULL;
    }
    repl_stats_t *stats = &self->stats[self->stats_count++];
    memset (stats, 0, sizeof *stats);
    memcpy (stats->sign_pk, sign_pk, PROTO_PK_BYTES);
    return stats;
}

repl_stats_t *
repl_stats (node_repl_t *self, repl_peer_t *peer)
{
    if (!peer->stats)
        peer->stats = s_stats_for (self, peer->member.card.sign_pk);
    return peer->stats;
}

//  Log a refusal about peer, at most REPL_LOGS_PER_SEC lines a second per
//  peer; past that only count, and say how many were left out (13.10), so
//  that a member cannot fill the disk with our log.
static void
s_log_refusal (node_repl_t *self, repl_peer_t *peer, unsigned code,
               const char *what)
{
    int64_t now = repl_now ();
    if (now - peer->log_window_ms >= 1000) {
        if (peer->log_suppressed)
            REPL_LOG (self, REPL_WARNING,
                      "peer %s: %u more refusals not logged "
                      "in the last second (counts: ceptoar peers)",
                      peer->member.card.name, peer->log_suppressed);
        peer->log_window_ms = now;
        peer->log_count = 0;
        peer->log_suppressed = 0;
    }
    if (peer->log_count >= REPL_LOGS_PER_SEC) {
        peer->log_suppressed++;
        return;
    }
    peer->log_count++;
    REPL_LOG (self, REPL_WARNING, "peer %s: %s (%s)", peer->member.card.name,
              what,
              code < 100 ? proto_reject_name ((proto_reject_t)code)
                         : proto_wire_error_name (code));
}

//  Count a reason against peer without calling it a violation (normal
//  events of replication: out-of-order entries, sequence gaps, busy).
void
repl_count (node_repl_t *self, repl_peer_t *peer, unsigned code)
{
    repl_stats (self, peer)->reasons[code < REPL_REASONS + 8 ? code : 0]++;
}

//  A violation by peer: counted by reason, logged (rate-limited).
void
repl_violation (node_repl_t *self, repl_peer_t *peer, unsigned code,
             const char *what)
{
    repl_stats_t *stats = repl_stats (self, peer);
    stats->violations++;
    repl_count (self, peer, code);
    s_log_refusal (self, peer, code, what);
}

static const char *
s_reason_name (unsigned code)
{
    return code < 100 ? proto_reject_name ((proto_reject_t) code)
                      : proto_wire_error_name (code);
}

//  --------------------------------------------------------------------------
//  Peers report

static uint64_t
s_sum_diff (node_repl_t *self, const repl_peer_t *peer, bool behind)
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
        repl_peer_t *peer = &self->peers[i];
        repl_stats_t *stats = repl_stats (self, peer);
        json_t *reasons = json_object ();
        for (unsigned c = 1; c < REPL_REASONS + 8; c++)
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
        "{s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "node",
        node_dir_name (self->node), "roster_version",
        (json_int_t) keys_roster_version (self->roster), "running", running,
        "updated_ms", (json_int_t) zclock_time (), "unauthenticated",
        (json_int_t) self->unauthenticated, "receipts_posted",
        (json_int_t) self->receipts_posted, "receipts_confirmed",
        (json_int_t) self->receipts_confirmed, "urgent_relayed",
        (json_int_t) self->urgent_relayed, "peers", peers, "forks",
        f.forks);
    char *text = json_dumps (root, JSON_INDENT (2));
    json_decref (root);
    return text;
}

void
repl_write_peers_file (node_repl_t *self, bool running)
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
        if (!ok || rename (tmp, path) != 0)
            unlink (tmp);
    }
    free (text);
}

