/* SPDX-License-Identifier: MPL-2.0 */
/* cli_publish: sign a payload into a new entry of this node's chain, seal
   it if RED, and store it: through ceptoard when it runs (it holds the key
   and shares the entry at once), into the store directly otherwise. Every
   command that posts (post, ack, drill start, incident open, status post)
   comes through here, so they all follow one set of rules.                  */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../node/node_control.h"

/* How long a post waits for a running node to answer. */
#define CLI_POST_TIMEOUT_MS 30000

#define ERR_LEN 512

//  --------------------------------------------------------------------------
//  Seal an encoded payload to the named nodes and the author.

static uint8_t *
s_seal (const keys_roster_t *roster, const proto_audience_t *audience,
        const keys_member_t *author, const uint8_t *plain, size_t len,
        size_t *sealed_len)
{
    proto_recipient_t recipients[PROTO_SEAL_MAX_RECIPIENTS];
    size_t n = 0;
    bool author_named = false;
    for (size_t i = 0; i < audience->node_count; i++) {
        //  Never sealed to a revoked key (resolving the audience refused
        //  it already; this is the last place before the key is used).
        const keys_member_t *member
            = keys_roster_member_active (roster, audience->nodes[i]);
        if (!member)
            return NULL;
        memcpy (recipients[n].sign_pk, member->card.sign_pk, PROTO_PK_BYTES);
        memcpy (recipients[n].box_pk, member->card.box_pk, PROTO_BOXPK_BYTES);
        n++;
        if (!memcmp (member->card.sign_pk, author->card.sign_pk,
                     PROTO_PK_BYTES))
            author_named = true;
    }
    //  The author can always read its own RED entries.
    if (!author_named) {
        memcpy (recipients[n].sign_pk, author->card.sign_pk, PROTO_PK_BYTES);
        memcpy (recipients[n].box_pk, author->card.box_pk, PROTO_BOXPK_BYTES);
        n++;
    }
    size_t cap = proto_seal_size (len, n);
    uint8_t *sealed = malloc (cap);
    if (!sealed)
        return NULL;
    *sealed_len = proto_seal (plain, len, author->card.sign_pk, recipients,
                              n, sealed, cap);
    if (*sealed_len == 0) {
        free (sealed);
        return NULL;
    }
    return sealed;
}

//  --------------------------------------------------------------------------
//  Sign (or have the daemon sign) and store one entry. Returns 0 with
//  *reason, or -1 if the key could not be used (reported, *rc set).

static int
s_store (const char *dir_path, node_dir_t *dir, const char *pass_file,
         node_post_t *post, uint8_t id[PROTO_HASH_BYTES],
         proto_reject_t *reason, char *reason_text, size_t reason_cap,
         int *rc)
{
    if (node_control_daemon_running (dir_path)) {
        //  The running node signs, stores and shares it; it holds the key.
        *reason = node_control_post (dir_path, post->level, post->flags,
                                     &post->audience, post->payload,
                                     post->payload_len, CLI_POST_TIMEOUT_MS,
                                     id, reason_text, reason_cap);
        return 0;
    }
    keys_secret_t *key = tool_open_key (node_dir_key_path (dir), pass_file,
                                        rc);
    if (!key)
        return -1;
    int result = -1;
    if (memcmp (keys_secret_sign_pk (key), node_dir_self_pk (dir),
                PROTO_PK_BYTES) != 0) {
        tool_error ("the key file does not match this node's configured key");
        *rc = TOOL_EXIT_USAGE;
    }
    else {
        uint8_t ids[1][PROTO_HASH_BYTES];
        //  As the daemon does (node_server): so that the references inside
        //  a RED entry (a retraction, a status report) are indexed. The
        //  author is always among its recipients.
        node_store_set_opener (node_dir_store (dir), key);
        *reason = node_store_post (node_dir_store (dir), key, post, 1, ids);
        node_store_set_opener (node_dir_store (dir), NULL);
        memcpy (id, ids[0], PROTO_HASH_BYTES);
        if (*reason == PROTO_REJECT_STORAGE)
            snprintf (reason_text, reason_cap, "%s",
                      node_store_last_error (node_dir_store (dir)));
        result = 0;
    }
    keys_secret_destroy (&key);
    return result;
}

int
cli_publish (const char *dir_path, node_dir_t *dir, const char *pass_file,
             proto_level_t level, uint8_t flags, const char *audience_text,
             const proto_payload_t *payload, uint8_t id[PROTO_HASH_BYTES])
{
    proto_audience_t audience;
    char err[ERR_LEN];
    if (keys_roster_resolve_audience (node_dir_roster (dir), audience_text,
                                      &audience, err, sizeof err) != 0) {
        tool_error ("%s", err);
        return TOOL_EXIT_USAGE;
    }
    return cli_publish_to (dir_path, dir, pass_file, level, flags, &audience,
                           payload, id);
}

int
cli_publish_to (const char *dir_path, node_dir_t *dir, const char *pass_file,
                proto_level_t level, uint8_t flags,
                const proto_audience_t *audience,
                const proto_payload_t *payload, uint8_t id[PROTO_HASH_BYTES])
{
    const keys_roster_t *roster = node_dir_roster (dir);
    const keys_member_t *self = node_dir_self (dir);
    if (!self) {
        tool_error ("this node (%s) is not a member of the roster in force: "
                    "it cannot post", node_dir_name (dir));
        return TOOL_EXIT_FAIL;
    }
    int rc = TOOL_EXIT_USAGE;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    size_t encoded_len = proto_payload_encoded_size (payload);
    uint8_t *encoded = encoded_len ? malloc (encoded_len) : NULL;
    if (!encoded || proto_payload_encode (payload, encoded, encoded_len)
                        != encoded_len) {
        tool_error ("the entry is not valid (a reporter name over %d bytes, "
                    "or a payload over %d bytes?)", PROTO_REPORTER_MAX,
                    PROTO_PAYLOAD_MAX);
        goto done;
    }
    node_post_t post;
    memset (&post, 0, sizeof post);
    post.level = level;
    post.flags = flags | proto_payload_implied_flags (payload);
    post.audience = *audience;
    if (level == PROTO_LEVEL_RED
        && post.audience.type != PROTO_AUDIENCE_NODES) {
        tool_error ("TLP:RED is for named recipients only: use --audience "
                    "node:NAME[,NAME...]");
        goto done;
    }
    post.payload = encoded;
    post.payload_len = encoded_len;
    if (level == PROTO_LEVEL_RED) {
        sealed = s_seal (roster, &post.audience, self, encoded, encoded_len,
                         &sealed_len);
        if (!sealed) {
            tool_error ("cannot seal the RED payload to its recipients");
            goto done;
        }
        post.payload = sealed;
        post.payload_len = sealed_len;
    }
    char reason_text[ERR_LEN] = "";
    proto_reject_t reason;
    if (s_store (dir_path, dir, pass_file, &post, id, &reason, reason_text,
                 sizeof reason_text, &rc) != 0)
        goto done;                      /* the key: already reported        */
    if (reason != PROTO_OK) {
        if (reason == PROTO_REJECT_STORAGE)
            tool_error ("not posted: %s", reason_text);
        else if (reason == PROTO_REJECT_FROZEN)
            tool_error ("not posted: this node's chain is frozen because a "
                        "fork of it was recorded (two different entries with "
                        "the same sequence number): its key may be "
                        "compromised; run 'ceptoar fsck' and tell the "
                        "Council");
        else if (reason == PROTO_REJECT_TIME_ORDER)
            tool_error ("not posted: this node's clock reads more than %llu "
                        "minutes before the time of its last entry: the "
                        "clock went back (or was reset); set it right and "
                        "post again (docs/protocol.md 5.6)",
                        (unsigned long long) (PROTO_CLOCK_SKEW_MAX_MS
                                              / 60000));
        else
            tool_error ("not posted: refused by the store (%s)",
                        proto_reject_name (reason));
        rc = reason == PROTO_REJECT_STORAGE ? TOOL_EXIT_USAGE
                                            : TOOL_EXIT_FAIL;
        goto done;
    }
    rc = TOOL_EXIT_OK;
done:
    if (encoded) {
        sodium_memzero (encoded, encoded_len);
        free (encoded);
    }
    free (sealed);
    return rc;
}
