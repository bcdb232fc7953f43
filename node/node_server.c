/* SPDX-License-Identifier: MPL-2.0 */
/* node_server: ceptoard's central actor: store writer and control server. */

/* The store has one writer, this actor. Requests arrive on a ROUTER bound
   to ipc://NODEDIR/control.sock (node_control.h). POSTs that are waiting
   together are signed and committed in ONE durable transaction (group
   commit), and each client gets its id only after that commit. If a batch
   is refused as a whole, its posts are retried one by one so that one bad
   request cannot take the others down with it.                              */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_control.h"
#include "node_repl.h"
#include "node_server.h"

typedef struct {
    zsock_t *pipe;               /* to the caller                           */
    zsock_t *control;            /* ROUTER for ceptoar clients              */
    char endpoint[256];          /* control endpoint, ipc://...             */
    node_dir_t *node;            /* node directory and store (owned)        */
    keys_secret_t *key;          /* node key (owned)                        */
    node_repl_t *repl;           /* replication with peers (owned)          */
    bool verbose;
} self_t;

/* One POST waiting in a batch.                                              */
typedef struct {
    zframe_t *client;            /* ROUTER identity to reply to             */
    zmsg_t *msg;                 /* the request, kept for its frames        */
    node_post_t post;            /* borrows payload bytes from msg          */
} s_pending_t;

static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    node_repl_destroy (&self->repl);
    zsock_destroy (&self->control);
    if (self->endpoint[0] && !strncmp (self->endpoint, "ipc://", 6))
        unlink (self->endpoint + 6);
    node_dir_destroy (&self->node);
    keys_secret_destroy (&self->key);
    free (self);
    *self_p = NULL;
}

static self_t *
s_self_new (zsock_t *pipe, node_server_args_t *args)
{
    self_t *self = calloc (1, sizeof *self);
    assert (self);
    self->pipe = pipe;
    self->node = args->node;
    self->key = args->key;
    self->verbose = args->verbose;
    args->node = NULL;
    args->key = NULL;
    if (node_control_endpoint (node_dir_path (self->node), self->endpoint,
                               sizeof self->endpoint) != 0) {
        zsys_error ("control: the node directory path is too long for an "
                    "ipc endpoint (at most %d bytes): move it",
                    NODE_CONTROL_PATH_MAX);
        self->endpoint[0] = 0;
        s_self_destroy (&self);
        return NULL;
    }
    //  A socket file left by a killed daemon would make bind fail; we hold
    //  the daemon lock, so no live daemon owns it.
    unlink (self->endpoint + 6);
    self->control = zsock_new (ZMQ_ROUTER);
    if (!self->control || zsock_bind (self->control, "%s", self->endpoint)
                              != 0) {
        zsys_error ("control: cannot bind %s", self->endpoint);
        self->endpoint[0] = 0;
        s_self_destroy (&self);
        return NULL;
    }
    node_store_set_opener (node_dir_store (self->node), self->key);
    if (args->replicate) {
        char err[512];
        self->repl = node_repl_new (self->node, self->key, self->verbose, err,
                                    sizeof err);
        if (!self->repl) {
            zsys_error ("replication: %s", err);
            s_self_destroy (&self);
            return NULL;
        }
    }
    return self;
}

static void
s_reply (self_t *self, zframe_t *client, const char *status,
         const char *first, const char *second)
{
    zmsg_t *reply = zmsg_new ();
    zmsg_append (reply, &client);
    zmsg_addstr (reply, status);
    zmsg_addstr (reply, first);
    zmsg_addstr (reply, second);
    zmsg_send (&reply, self->control);
}

static void
s_reply_reason (self_t *self, zframe_t *client, proto_reject_t reason)
{
    char code[16];
    snprintf (code, sizeof code, "%d", (int) reason);
    const char *text = reason == PROTO_REJECT_STORAGE
                           ? node_store_last_error (node_dir_store (self->node))
                           : proto_reject_name (reason);
    s_reply (self, client, "ERROR", code, text);
}

//  --------------------------------------------------------------------------
//  Parse a POST's frames into pending->post. Returns 0, or -1 if malformed.

static int
s_parse_post (zmsg_t *msg, s_pending_t *pending)
{
    if (zmsg_size (msg) != 5)
        return -1;
    zmsg_first (msg);                             //  "POST"
    char level[8] = "", flags[8] = "";
    zframe_t *frame = zmsg_next (msg);
    if (zframe_size (frame) >= sizeof level)
        return -1;
    memcpy (level, zframe_data (frame), zframe_size (frame));
    frame = zmsg_next (msg);
    if (zframe_size (frame) >= sizeof flags)
        return -1;
    memcpy (flags, zframe_data (frame), zframe_size (frame));
    zframe_t *audience = zmsg_next (msg);
    zframe_t *payload = zmsg_next (msg);
    memset (&pending->post, 0, sizeof pending->post);
    //  Decimal numbers only: garbage must be refused, not read as 0.
    char *end = NULL;
    long level_value = strtol (level, &end, 10);
    if (!level[0] || *end || !proto_level_valid ((int) level_value))
        return -1;
    long flags_value = strtol (flags, &end, 10);
    if (!flags[0] || *end || flags_value < 0 || flags_value > 255)
        return -1;
    size_t used = 0;
    if (proto_audience_decode (&pending->post.audience,
                               zframe_data (audience), zframe_size (audience),
                               &used) != PROTO_OK
        || used != zframe_size (audience))
        return -1;
    pending->post.level = (proto_level_t) level_value;
    pending->post.flags = (uint8_t) flags_value;
    pending->post.payload = zframe_data (payload);
    pending->post.payload_len = zframe_size (payload);
    return 0;
}

//  --------------------------------------------------------------------------
//  Commit the batch: all at once, or one by one if the batch is refused.

static void
s_commit_batch (self_t *self, s_pending_t *batch, size_t n)
{
    node_store_t *store = node_dir_store (self->node);
    node_post_t posts[NODE_SERVER_BATCH_MAX];
    uint8_t (*ids)[PROTO_HASH_BYTES] = malloc (n * PROTO_HASH_BYTES);
    assert (ids);
    for (size_t i = 0; i < n; i++)
        posts[i] = batch[i].post;
    proto_reject_t reason = node_store_post (store, self->key, posts, n, ids);
    size_t stored = 0;
    for (size_t i = 0; i < n; i++) {
        proto_reject_t own = reason;
        if (reason != PROTO_OK && n > 1)
            own = node_store_post (store, self->key, &posts[i], 1, &ids[i]);
        if (own == PROTO_OK) {
            char hex[2 * PROTO_HASH_BYTES + 1];
            proto_hex_encode (hex, ids[i], PROTO_HASH_BYTES);
            if (self->verbose)
                zsys_info ("post: stored %.16s", hex);
            s_reply (self, batch[i].client, "OK", hex, "");
            memmove (ids[stored++], ids[i], PROTO_HASH_BYTES);
        }
        else {
            zsys_warning ("post: refused (%s)", proto_reject_name (own));
            s_reply_reason (self, batch[i].client, own);
        }
        batch[i].client = NULL;
        zmsg_destroy (&batch[i].msg);
    }
    //  Durable first, then pushed: a peer never holds what we could lose.
    if (self->repl && stored)
        node_repl_posted (self->repl,
                          (const uint8_t (*)[PROTO_HASH_BYTES]) ids, stored);
    free (ids);
}

//  --------------------------------------------------------------------------
//  ROSTER text: the operator installs a new roster version.

static void
s_handle_roster (self_t *self, zframe_t *client, zmsg_t *msg)
{
    zframe_t *text = zmsg_size (msg) == 1 ? zmsg_first (msg) : NULL;
    char err[512] = "";
    keys_roster_t *roster = text ? keys_roster_parse (
                                       (const char *) zframe_data (text),
                                       zframe_size (text), err, sizeof err)
                                 : NULL;
    if (!roster) {
        s_reply (self, client, "ERROR", "6",
                 text ? err : "ROSTER takes one frame: the roster text");
        return;
    }
    int rc = node_dir_apply_roster (self->node, roster, err, sizeof err);
    char version[24];
    snprintf (version, sizeof version, "%llu",
              (unsigned long long) keys_roster_version (
                  node_dir_roster (self->node)));
    keys_roster_destroy (&roster);
    if (rc < 0) {
        zsys_error ("roster: refused: %s", err);
        s_reply (self, client, "ERROR", "105", err);
        return;
    }
    if (rc == 1) {
        zsys_info ("roster: version %s in force", version);
        if (self->repl)
            node_repl_roster_switched (self->repl);
    }
    s_reply (self, client, "OK", version, rc == 1 ? "switched" : err);
}

//  --------------------------------------------------------------------------
//  NOTICE text: the operator hands in a revocation or a card update.

static void
s_handle_notice (self_t *self, zframe_t *client, zmsg_t *msg)
{
    zframe_t *text = zmsg_size (msg) == 1 ? zmsg_first (msg) : NULL;
    char err[512] = "NOTICE takes one frame: the notice text";
    keys_notice_t notice;
    if (!text
        || keys_notice_parse (&notice, (const char *) zframe_data (text),
                              zframe_size (text), err, sizeof err)
               != 0) {
        s_reply (self, client, "ERROR", "20", err);
        return;
    }
    int rc = self->repl
                 ? node_repl_notice (self->repl, &notice, err, sizeof err)
                 : node_dir_apply_notice (self->node, &notice, err,
                                          sizeof err);
    if (rc < 0) {
        zsys_error ("notice: refused: %s", err);
        s_reply (self, client, "ERROR", "30", err);
        return;
    }
    s_reply (self, client, "OK", rc == 1 ? "taken" : "known",
             keys_notice_kind_name (notice.kind));
}

//  --------------------------------------------------------------------------
//  Take every request waiting on the control socket (up to a batch) and
//  answer them; POSTs go to the store together.

static void
s_handle_control (self_t *self)
{
    s_pending_t *batch = calloc (NODE_SERVER_BATCH_MAX, sizeof *batch);
    assert (batch);
    size_t n = 0;
    while (n < NODE_SERVER_BATCH_MAX
           && (zsock_events (self->control) & ZMQ_POLLIN)) {
        zmsg_t *msg = zmsg_recv (self->control);
        if (!msg)
            break;
        zframe_t *client = zmsg_pop (msg);
        char *command = zmsg_popstr (msg);
        if (command && streq (command, "POST")) {
            zmsg_pushstr (msg, "POST");
            batch[n].client = client;
            batch[n].msg = msg;
            if (s_parse_post (msg, &batch[n]) == 0) {
                n++;
                msg = NULL;
                client = NULL;
            }
            else {
                zsys_warning ("control: malformed POST refused");
                s_reply_reason (self, client, PROTO_REJECT_FIELD);
                client = NULL;
                zmsg_destroy (&batch[n].msg);
                msg = NULL;
            }
        }
        else if (command && streq (command, "PING")) {
            char version[24];
            snprintf (version, sizeof version, "%llu",
                      (unsigned long long) keys_roster_version (
                          node_dir_roster (self->node)));
            s_reply (self, client, "PONG", node_dir_name (self->node),
                     version);
            client = NULL;
        }
        else if (command && streq (command, "PEERS")) {
            char *json = self->repl
                ? node_repl_peers_json (self->repl, true) : NULL;
            s_reply (self, client, json ? "OK" : "ERROR",
                     json ? json : "6", json ? "" : "replication is off");
            free (json);
            client = NULL;
        }
        else if (command && streq (command, "ROSTER")) {
            s_handle_roster (self, client, msg);
            client = NULL;
        }
        else if (command && streq (command, "NOTICE")) {
            s_handle_notice (self, client, msg);
            client = NULL;
        }
        else {
            zsys_warning ("control: unknown command refused");
            s_reply (self, client, "ERROR", "6", "unknown command");
            client = NULL;
        }
        zstr_free (&command);
        zframe_destroy (&client);
        zmsg_destroy (&msg);
    }
    if (n)
        s_commit_batch (self, batch, n);
    free (batch);
}

void
node_server_actor (zsock_t *pipe, void *args)
{
    node_server_args_t *start = (node_server_args_t *) args;
    self_t *self = s_self_new (pipe, start);
    start->started = self != NULL;
    zsock_signal (pipe, self ? 0 : 1);
    if (!self)
        return;
    zsys_info ("%s: serving %s", node_dir_name (self->node), self->endpoint);
    //  One poll over the pipe, the control socket and replication's
    //  sockets, which change when the roster does: rebuilt every round.
    zsock_t *socks[2 + NODE_REPL_SOCKETS_MAX];
    zmq_pollitem_t items[2 + NODE_REPL_SOCKETS_MAX + 1];
    bool running = true;
    int timeout = self->repl ? node_repl_tick (self->repl) : -1;
    while (running) {
        size_t n = 0;
        socks[n++] = pipe;
        socks[n++] = self->control;
        if (self->repl)
            n += node_repl_sockets (self->repl, socks + n,
                                    sizeof socks / sizeof socks[0] - n);
        for (size_t i = 0; i < n; i++)
            items[i] = (zmq_pollitem_t) { zsock_resolve (socks[i]), 0,
                                          ZMQ_POLLIN, 0 };
        //  Last: replication's verification pool (a plain descriptor).
        size_t polled = n;
        if (self->repl)
            items[polled++] = (zmq_pollitem_t) { NULL,
                                                 node_repl_fd (self->repl),
                                                 ZMQ_POLLIN, 0 };
        int rc = zmq_poll (items, (int) polled, timeout);
        if (rc < 0) {
            if (zmq_errno () == EINTR)
                continue;
            break;
        }
        for (size_t i = 0; i < n && running; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            if (socks[i] == pipe) {
                char *command = zstr_recv (pipe);
                running = command && !streq (command, "$TERM");
                zstr_free (&command);
            }
            else if (socks[i] == self->control)
                s_handle_control (self);
            else
                node_repl_handle (self->repl, socks[i]);
        }
        if (running && polled > n && (items[n].revents & ZMQ_POLLIN))
            node_repl_verified (self->repl);
        if (self->repl)
            timeout = node_repl_tick (self->repl);
    }
    s_self_destroy (&self);
}

//  --------------------------------------------------------------------------
//  Selftest: the actor in this process on a scratch node directory; bad
//  requests get ERROR and never take the actor down; good ones get ids.

static zmsg_t *
s_test_call (zsock_t *client, zmsg_t **request_p)
{
    zmsg_send (request_p, client);
    zpoller_t *poller = zpoller_new (client, NULL);
    zmsg_t *reply = zpoller_wait (poller, 5000) ? zmsg_recv (client) : NULL;
    zpoller_destroy (&poller);
    return reply;
}

static void
s_test_expect (zsock_t *client, zmsg_t *request, const char *status)
{
    zmsg_t *reply = s_test_call (client, &request);
    assert (reply);
    char *got = zmsg_popstr (reply);
    assert (got && streq (got, status));
    zstr_free (&got);
    zmsg_destroy (&reply);
}

static zmsg_t *
s_test_post (const char *level, const char *flags, const void *audience,
             size_t audience_len, const void *payload, size_t payload_len)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "POST");
    zmsg_addstr (msg, level);
    zmsg_addstr (msg, flags);
    zmsg_addmem (msg, audience, audience_len);
    zmsg_addmem (msg, payload, payload_len);
    return msg;
}

void
node_server_test (bool verbose)
{
    printf (" * node_server: ");
    fflush (stdout);
    //  The actor logs every refusal; only show that with --verbose.
    if (!verbose)
        zsys_set_logstream (NULL);
    char scratch[] = "/tmp/node_server_test.XXXXXX";
    assert (mkdtemp (scratch));
    char key_path[128], node_path[128], err[256];
    snprintf (key_path, sizeof key_path, "%s/node.key", scratch);
    snprintf (node_path, sizeof node_path, "%s/node", scratch);

    //  A one-member council and its node directory.
    keys_secret_t *key = keys_secret_generate ();
    assert (key);
    assert (keys_secret_save (key, key_path, NULL, "test") == 0);
    keys_card_t card;
    memset (&card, 0, sizeof card);
    strcpy (card.name, "T-CEPTOAR");
    card.sector = PROTO_SECTOR_TELECOM;
    memcpy (card.sign_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    memcpy (card.box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES);
    keys_roster_t *roster = keys_roster_new (NULL, 1);
    assert (keys_roster_add_member (roster, &card, "", err, sizeof err) == 0);
    assert (node_dir_create (node_path, key_path, key, &roster, 1, NULL, err,
                             sizeof err) == 0);
    keys_roster_destroy (&roster);

    node_server_args_t args = { node_dir_open (node_path, err, sizeof err),
                                key, verbose, false, false };
    assert (args.node);
    zactor_t *server = zactor_new (node_server_actor, &args);
    assert (server && args.started && !args.node && !args.key);

    char endpoint[256];
    assert (node_control_endpoint (node_path, endpoint, sizeof endpoint)
            == 0);
    zsock_t *client = zsock_new_dealer (endpoint);
    assert (client);

    uint8_t audience[8];
    proto_audience_t council;
    proto_audience_set_council (&council);
    size_t audience_len = proto_audience_encode (&council, audience,
                                                 sizeof audience);
    proto_payload_t payload;
    proto_payload_init (&payload, PROTO_KIND_EARLY_WARNING, 3);
    payload.title = "test";
    payload.title_len = 4;
    uint8_t encoded[256];
    size_t encoded_len = proto_payload_encode (&payload, encoded,
                                               sizeof encoded);
    assert (encoded_len);

    //  Malformed requests: each refused, the actor keeps serving.
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "POST");
    zmsg_addstr (msg, "2");
    s_test_expect (client, msg, "ERROR");                 //  too few frames
    s_test_expect (client, s_test_post ("abc", "0", audience, audience_len,
                                        encoded, encoded_len), "ERROR");
    s_test_expect (client, s_test_post ("9", "0", audience, audience_len,
                                        encoded, encoded_len), "ERROR");
    s_test_expect (client, s_test_post ("2", "999", audience, audience_len,
                                        encoded, encoded_len), "ERROR");
    s_test_expect (client, s_test_post ("2", "x", audience, audience_len,
                                        encoded, encoded_len), "ERROR");
    s_test_expect (client, s_test_post ("2", "0", "\x07", 1, encoded,
                                        encoded_len), "ERROR");
    //  A payload that is not a payload: the store refuses it.
    s_test_expect (client, s_test_post ("2", "0", audience, audience_len,
                                        "junk", 4), "ERROR");
    //  RED with a plaintext payload: refused (RED must be sealed).
    s_test_expect (client, s_test_post ("5", "0", audience, audience_len,
                                        encoded, encoded_len), "ERROR");
    msg = zmsg_new ();
    zmsg_addstr (msg, "FROBNICATE");
    s_test_expect (client, msg, "ERROR");
    msg = zmsg_new ();
    zmsg_addstr (msg, "PING");
    s_test_expect (client, msg, "PONG");

    //  A good post, through the client function too.
    s_test_expect (client, s_test_post ("2", "0", audience, audience_len,
                                        encoded, encoded_len), "OK");
    uint8_t id[PROTO_HASH_BYTES];
    assert (node_control_post (node_path, PROTO_LEVEL_GREEN, 0, &council,
                               encoded, encoded_len, 5000, id, err,
                               sizeof err) == PROTO_OK);
    zsock_destroy (&client);
    zactor_destroy (&server);

    //  Both entries are in the store, chained, and fsck is clean.
    node_dir_t *node = node_dir_open (node_path, err, sizeof err);
    assert (node);
    assert (node_store_count (node_dir_store (node)) == 2);
    node_fsck_stats_t stats;
    assert (node_store_fsck (node_dir_store (node), 1, NULL, NULL, &stats)
            == 0);
    node_dir_destroy (&node);

    char rm[256];
    snprintf (rm, sizeof rm, "rm -rf '%s'", scratch);
    //  Our own mkdtemp directory, quoted: no untrusted text reaches the shell.
    assert (system (rm) == 0);      // NOLINT(cert-env33-c)
    if (!verbose)
        zsys_set_logstream (stdout);
    printf ("OK\n");
}
