/* SPDX-License-Identifier: MPL-2.0 */
/* cli_peers: `ceptoar peers`: every roster member as this node sees it. */

/* Where the answer comes from, in order:
     1. the running daemon (the control command PEERS, node_control.h): the
        live state;
     2. NODEDIR/peers.json, written by the daemon every few seconds and at
        exit (same schema): the last state of a stopped node;
     3. neither: the roster's members, with "no state recorded".
   The daemon decides what a peer is and counts what it refused; this
   command only shows it. It lists every member of the roster in force,
   including those the daemon does not mention (never connected), and any
   peer the daemon mentions that the roster no longer lists.               */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../node/node_control.h"

/* How long peers waits for a running node to answer. */
#define CLI_PEERS_TIMEOUT_MS 5000
#define CLI_PEERS_TOP_REASONS 3
#define ERR_LEN 512

static const char *s_usage =
    "usage: ceptoar peers --dir NODEDIR [--json]\n"
    "\n"
    "Shows every member of the roster in force as this node sees it:\n"
    "connected or not (outgoing and incoming link), when it was last heard\n"
    "from, how many entries this node is behind it (it advertised entries\n"
    "this node lacks) and ahead of it, and how many frames or entries from\n"
    "it were refused (violations), with the most frequent reasons. Then any\n"
    "fork recorded (\"FORK: AUTHOR at seq N: chain frozen\").\n"
    "\n"
    "If ceptoard runs, the state is asked from it. Otherwise the state it\n"
    "last recorded (NODEDIR/peers.json) is shown, with its time; if it never\n"
    "recorded one, the members are listed with \"no state recorded\".\n"
    "\n"
    "  --json      one JSON object: node, roster_version, running,\n"
    "              updated_ms, peers[], forks[] (docs/operations.md)\n"
    "\n"
    "exit status: 0 shown, 2 usage error, or the running node did not "
    "answer\n";

//  --------------------------------------------------------------------------
//  Ask the running daemon. Returns its JSON object (caller decrefs), or NULL
//  after printing an error.

static json_t *
s_ask_daemon (const char *dir_path)
{
    char err[ERR_LEN];
    zmsg_t *request = zmsg_new ();
    zmsg_addstr (request, "PEERS");
    zmsg_t *reply = node_control_call (dir_path, &request,
                                       CLI_PEERS_TIMEOUT_MS, err, sizeof err);
    if (!reply) {
        tool_error ("the running node did not answer: %s (see ceptoard's "
                    "log)", err);
        return NULL;
    }
    json_t *state = NULL;
    char *status = zmsg_popstr (reply);
    char *text = zmsg_popstr (reply);
    if (status && !strcmp (status, "OK") && text) {
        json_error_t jerr;
        state = json_loads (text, 0, &jerr);
        if (!json_is_object (state)) {
            tool_error ("the running node answered PEERS with JSON that does "
                        "not parse (%s): a ceptoard/ceptoar version "
                        "mismatch?", jerr.text);
            json_decref (state);
            state = NULL;
        }
    }
    else {
        //  ERROR reason text
        char *more = zmsg_popstr (reply);
        tool_error ("the running node refused PEERS: %s",
                    more && *more ? more
                                  : text ? text : "no reason given");
        free (more);
    }
    free (status);
    free (text);
    zmsg_destroy (&reply);
    return state;
}

//  --------------------------------------------------------------------------
//  Read NODEDIR/peers.json. Returns the object, NULL if there is none (or
//  after a note if it does not parse: a torn file is not worth failing on).

static json_t *
s_read_file (const char *dir_path)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir_path, NODE_CONTROL_PEERS_FILE);
    FILE *file = fopen (path, "r");
    if (!file)
        return NULL;
    json_error_t jerr;
    json_t *state = json_loadf (file, 0, &jerr);
    (void) fclose (file);
    if (!json_is_object (state)) {
        fprintf (stderr, "note: '%s' does not parse (line %d: %s): ignored\n",
                 path, jerr.line, jerr.text);
        json_decref (state);
        return NULL;
    }
    return state;
}

//  Fork evidence from the store itself, in the schema of "forks".
typedef struct {
    const keys_roster_t *roster;
    json_t *forks;
} s_forks_t;

static int
s_fork_visit (const uint8_t author[PROTO_PK_BYTES], uint64_t seq,
              const uint8_t *held, size_t held_len, const uint8_t *other,
              size_t other_len, uint64_t detected_ms, void *arg)
{
    (void) held, (void) held_len, (void) other, (void) other_len;
    s_forks_t *forks = arg;
    char name[KEYS_NAME_MAX + 1], fpr[PROTO_FPR_HEX_LEN + 1];
    cli_author_name (forks->roster, author, name, sizeof name);
    proto_fingerprint (fpr, author);
    size_t i;
    json_t *known;
    json_array_foreach (forks->forks, i, known) {
        const char *who = json_string_value (json_object_get (known,
                                                              "author"));
        const char *key = json_string_value (json_object_get (known,
                                                              "fingerprint"));
        if (json_integer_value (json_object_get (known, "seq"))
                == (json_int_t) seq
            && ((who && !strcmp (who, name)) || (key && !strcmp (key, fpr))))
            return 0;   //  already listed
    }
    json_array_append_new (forks->forks, json_pack (
        "{s:s, s:s, s:I, s:I}", "author", name, "fingerprint", fpr, "seq",
        (json_int_t) seq, "detected_ms", (json_int_t) detected_ms));
    return 0;
}

//  The state of one member when nothing was recorded about it.
static json_t *
s_blank_peer (const keys_member_t *member)
{
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, member->card.sign_pk);
    const char *sector = proto_sector_name (member->card.sector);
    return json_pack (
        "{s:s, s:s, s:s, s:o, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, "
        "s:{}}", "name", member->card.name, "sector", sector ? sector : "?",
        "fingerprint", fpr, "endpoint",
        member->card.endpoint_count ? json_string (member->card.endpoints[0])
                                    : json_null (),
        "outgoing", "none", "incoming", "none", "connected", 0,
        "last_seen_ms", (json_int_t) 0, "behind", (json_int_t) 0, "ahead",
        (json_int_t) 0, "received", (json_int_t) 0, "sent", (json_int_t) 0,
        "violations", (json_int_t) 0, "reasons");
}

//  The peer object about member in state's "peers", matched by fingerprint
//  (the key is the identity), else by name. Borrowed, or NULL.
static json_t *
s_find_peer (json_t *peers, const keys_member_t *member)
{
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, member->card.sign_pk);
    size_t i;
    json_t *peer;
    json_array_foreach (peers, i, peer) {
        const char *other = json_string_value (json_object_get (peer,
                                                                "fingerprint"));
        if (other && !strcmp (other, fpr))
            return peer;
    }
    json_array_foreach (peers, i, peer) {
        const char *name = json_string_value (json_object_get (peer, "name"));
        if (name && !strcmp (name, member->card.name))
            return peer;
    }
    return NULL;
}

static json_int_t
s_int (json_t *obj, const char *key)
{
    return json_integer_value (json_object_get (obj, key));
}

static const char *
s_str (json_t *obj, const char *key, const char *fallback)
{
    const char *value = json_string_value (json_object_get (obj, key));
    return value ? value : fallback;
}

//  "12s ago", "5m ago", "3h ago", "2d ago", or "never".
static void
s_age (uint64_t then_ms, uint64_t now_ms, char *out, size_t len)
{
    if (then_ms == 0) {
        snprintf (out, len, "never");
        return;
    }
    uint64_t secs = now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
    if (secs < 120)
        snprintf (out, len, "%" PRIu64 "s ago", secs);
    else if (secs < 2 * 3600)
        snprintf (out, len, "%" PRIu64 "m ago", secs / 60);
    else if (secs < 2 * 86400)
        snprintf (out, len, "%" PRIu64 "h ago", secs / 3600);
    else
        snprintf (out, len, "%" PRIu64 "d ago", secs / 86400);
}

//  The most frequent refusal reasons: "signature:3, chain:1".
static void
s_top_reasons (json_t *reasons, char *out, size_t len)
{
    out[0] = 0;
    const char *taken[CLI_PEERS_TOP_REASONS] = { NULL };
    size_t used = 0;
    for (int round = 0; round < CLI_PEERS_TOP_REASONS; round++) {
        const char *best = NULL, *key;
        json_int_t best_n = 0;
        json_t *value;
        json_object_foreach (reasons, key, value) {
            json_int_t n = json_integer_value (value);
            bool seen = false;
            for (int i = 0; i < round; i++)
                seen |= !strcmp (taken[i], key);
            if (!seen && n > best_n) {
                best = key;
                best_n = n;
            }
        }
        if (!best)
            break;
        taken[round] = best;
        if (used < len)
            used += (size_t) snprintf (out + used, len - used, "%s%s:%lld",
                                       round ? ", " : "", best,
                                       (long long) best_n);
    }
    if (!out[0])
        snprintf (out, len, "-");
}

static void
s_print_row (json_t *peer, const char *name, const char *sector,
             bool self, uint64_t now_ms)
{
    if (self) {
        printf ("%-14s %-18s %s\n", name, sector, "(this node)");
        return;
    }
    if (!peer) {
        printf ("%-14s %-18s %s\n", name, sector, "no state recorded");
        return;
    }
    char link[64], seen[32], reasons[256];
    snprintf (link, sizeof link, "%s out:%s in:%s",
              json_is_true (json_object_get (peer, "connected")) ? "up  "
                                                                 : "down",
              s_str (peer, "outgoing", "none"),
              s_str (peer, "incoming", "none"));
    s_age ((uint64_t) s_int (peer, "last_seen_ms"), now_ms, seen,
           sizeof seen);
    s_top_reasons (json_object_get (peer, "reasons"), reasons,
                   sizeof reasons);
    printf ("%-14s %-18s %-30s %-10s %6lld %6lld %5lld  %s\n", name, sector,
            link, seen, (long long) s_int (peer, "behind"),
            (long long) s_int (peer, "ahead"),
            (long long) s_int (peer, "violations"), reasons);
}

int
cli_peers (int argc, char *argv[])
{
    node_dir_t *dir;
    const char *dir_path;
    bool json;
    int exit_code;
    if (cli_dir_command (argc, argv, s_usage, "peers", &dir, &dir_path, &json,
                         &exit_code) != 0)
        return exit_code;
    int rc = TOOL_EXIT_USAGE;
    const keys_roster_t *roster = node_dir_roster (dir);
    bool running = node_control_daemon_running (dir_path);
    bool recorded = true;
    json_t *state = running ? s_ask_daemon (dir_path)
                            : s_read_file (dir_path);
    if (running && !state)
        goto done;
    if (!state) {
        //  Nothing recorded: the roster alone, in the same schema.
        recorded = false;
        state = json_pack ("{s:s, s:I, s:I, s:[], s:[]}", "node",
                           node_dir_name (dir), "roster_version",
                           (json_int_t) keys_roster_version (roster),
                           "updated_ms", (json_int_t) 0, "peers", "forks");
        json_t *peers = json_object_get (state, "peers");
        for (size_t i = 0; i < keys_roster_member_count (roster); i++) {
            const keys_member_t *member = keys_roster_member (roster, i);
            if (member != node_dir_self (dir))
                json_array_append_new (peers, s_blank_peer (member));
        }
    }
    //  Whatever the source said, "running" is what the lock says now.
    json_object_set_new (state, "running", json_boolean (running));
    if (!running) {
        //  Forks are evidence in the store: add any the recorded state
        //  predates.
        json_t *forks = json_object_get (state, "forks");
        if (!json_is_array (forks)) {
            forks = json_array ();
            json_object_set_new (state, "forks", forks);
        }
        s_forks_t visit = { roster, forks };
        if (node_store_forks (node_dir_store (dir), s_fork_visit, &visit)
            != 0)
            fprintf (stderr, "note: cannot read fork evidence from the "
                             "store: %s\n",
                     node_store_last_error (node_dir_store (dir)));
    }
    if (!json_is_array (json_object_get (state, "peers")))
        json_object_set_new (state, "peers", json_array ());
    json_t *peers = json_object_get (state, "peers");
    json_t *forks = json_object_get (state, "forks");
    if (json) {
        cli_json_print (state, false);
        rc = TOOL_EXIT_OK;
        goto done;
    }

    uint64_t now_ms = proto_now_ms ();
    char when[TOOL_TIME_LEN];
    printf ("node %s, roster version %" PRIu64 "\n", node_dir_name (dir),
            keys_roster_version (roster));
    if (running)
        printf ("(node running)\n");
    else if (recorded) {
        tool_format_time ((uint64_t) s_int (state, "updated_ms"), when);
        printf ("(node not running; state as of %s)\n", when);
    }
    else
        printf ("(node not running, no state recorded)\n");
    printf ("%-14s %-18s %-30s %-10s %6s %6s %5s  %s\n", "NAME", "SECTOR",
            "LINK", "LAST SEEN", "BEHIND", "AHEAD", "VIOL", "TOP REASONS");
    for (size_t i = 0; i < keys_roster_member_count (roster); i++) {
        const keys_member_t *member = keys_roster_member (roster, i);
        const char *sector = proto_sector_name (member->card.sector);
        bool self = member == node_dir_self (dir);
        json_t *peer = s_find_peer (peers, member);
        if (!recorded && !self)
            printf ("%-14s %-18s %s\n", member->card.name,
                    sector ? sector : "?",
                    "node not running, no state recorded");
        else
            s_print_row (peer, member->card.name, sector ? sector : "?",
                         self, now_ms);
    }
    //  Peers the node knows of that the roster in force no longer lists.
    size_t index, unlisted = 0;
    json_t *peer;
    json_array_foreach (peers, index, peer) {
        const char *fpr = s_str (peer, "fingerprint", "");
        bool listed = false;
        for (size_t i = 0; i < keys_roster_member_count (roster) && !listed;
             i++) {
            char mine[PROTO_FPR_HEX_LEN + 1];
            proto_fingerprint (mine,
                               keys_roster_member (roster, i)->card.sign_pk);
            listed = !strcmp (mine, fpr)
                  || !strcmp (keys_roster_member (roster, i)->card.name,
                              s_str (peer, "name", ""));
        }
        if (!listed) {
            char name[KEYS_NAME_MAX + 16];
            snprintf (name, sizeof name, "%s*", s_str (peer, "name", fpr));
            s_print_row (peer, name, s_str (peer, "sector", "?"), false,
                         now_ms);
            unlisted++;
        }
    }
    if (unlisted)
        printf ("(* not a member of the roster in force)\n");
    json_array_foreach (forks, index, peer) {
        printf ("FORK: %s at seq %lld: chain frozen\n",
                s_str (peer, "author", "?"), (long long) s_int (peer, "seq"));
    }
    json_int_t refused = s_int (state, "unauthenticated");
    if (refused)
        printf ("unauthenticated connections refused: %lld\n",
                (long long) refused);
    rc = TOOL_EXIT_OK;
done:
    json_decref (state);
    node_dir_destroy (&dir);
    return rc;
}
