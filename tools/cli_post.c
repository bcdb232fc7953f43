/* SPDX-License-Identifier: MPL-2.0 */
/* cli_post: `ceptoar post`: sign and store a new entry. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../node/node_control.h"

/* How long post waits for a running node to answer. */
#define CLI_POST_TIMEOUT_MS 30000

#define ERR_LEN 512

static const char *s_usage =
    "usage: ceptoar post --dir NODEDIR --kind KIND --severity 0..4\n"
    "                    --level LEVEL --audience AUDIENCE --title TEXT\n"
    "                    [--body-file FILE|-] [--sector SECTOR]...\n"
    "                    [--ref [RELATION:]ID]... [--reporter NAME | "
    "--anonymous]\n"
    "                    [--receipt] [--urgent] [--passphrase-file FILE]\n"
    "\n"
    "Signs a new entry with the node's key and stores it durably; prints\n"
    "its id when (and only when) it is safely on disk. If ceptoard runs for\n"
    "NODEDIR the entry goes through it; otherwise into the store directly.\n"
    "\n"
    "  --kind KIND        early-warning, incident, attack-technique, "
    "recovery,\n"
    "                     best-practice, damage-status, response-status,\n"
    "                     near-miss, newsletter, related, drill, receipt, "
    "ack\n"
    "  --severity N       NISC scale, 0 (lowest) to 4 (highest)\n"
    "  --level LEVEL      clear, green, amber, amber+strict, red (TLP 2.0)\n"
    "  --audience AUD     council | group:NAME | node:NAME[,NAME...]\n"
    "                     (names or fingerprint prefixes; red needs node:)\n"
    "  --title TEXT       one line, at most 256 bytes of UTF-8\n"
    "  --body-file FILE   the body text, from FILE or - for standard input\n"
    "  --sector SECTOR    a sector concerned (repeat for several)\n"
    "  --ref [REL:]ID     an entry referred to (repeatable); REL is reply,\n"
    "                     update, correction, retraction, related (the\n"
    "                     default) or acknowledges. A retraction of this\n"
    "                     node's own entry purges its payload everywhere\n"
    "  --reporter NAME    the member company that reported it\n"
    "  --anonymous        reporter shown only as this node's sector\n"
    "  --receipt          ask receivers for delivery receipts\n"
    "  --urgent           deliver ahead of bulk traffic\n"
    "  --passphrase-file FILE  read the key's passphrase from FILE (not needed\n"
    "                     when ceptoard runs: the node signs with its key)\n";

static int
s_add_ref (node_dir_t *dir, proto_payload_t *payload, const char *text)
{
    proto_relation_t relation = PROTO_REL_RELATED;
    const char *id_text = text;
    const char *colon = strchr (text, ':');
    if (colon) {
        char name[32];
        size_t len = (size_t) (colon - text);
        if (len >= sizeof name) {
            tool_error ("invalid --ref \"%s\"", text);
            return -1;
        }
        memcpy (name, text, len);
        name[len] = 0;
        relation = proto_relation_parse (name);
        if (!relation) {
            tool_error ("unknown relation \"%s\" in --ref: reply, update, "
                        "correction, retraction, related or acknowledges",
                        name);
            return -1;
        }
        id_text = colon + 1;
    }
    uint8_t id[PROTO_HASH_BYTES];
    if (cli_resolve_id (dir, id_text, id) != 0)
        return -1;
    if (proto_payload_add_ref (payload, relation, id) != 0) {
        tool_error ("at most %d references", PROTO_REFS_MAX);
        return -1;
    }
    return 0;
}

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
        const keys_member_t *member
            = keys_roster_member_by_key (roster, audience->nodes[i]);
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

int
cli_post (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "kind", required_argument, NULL, 'k' },
        { "severity", required_argument, NULL, 's' },
        { "level", required_argument, NULL, 'l' },
        { "audience", required_argument, NULL, 'a' },
        { "title", required_argument, NULL, 't' },
        { "body-file", required_argument, NULL, 'b' },
        { "sector", required_argument, NULL, 'S' },
        { "ref", required_argument, NULL, 'r' },
        { "reporter", required_argument, NULL, 'R' },
        { "anonymous", no_argument, NULL, 'A' },
        { "receipt", no_argument, NULL, 'c' },
        { "urgent", no_argument, NULL, 'u' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *kind = NULL, *severity = NULL;
    const char *level_text = NULL, *audience_text = NULL, *title = NULL;
    const char *body_file = NULL, *reporter = NULL, *pass_file = NULL;
    const char *sectors[PROTO_SECTOR_MAX + 1], *refs[PROTO_REFS_MAX + 1];
    size_t sector_count = 0, ref_count = 0;
    bool anonymous = false;
    uint8_t flags = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'k': kind = optarg; break;
        case 's': severity = optarg; break;
        case 'l': level_text = optarg; break;
        case 'a': audience_text = optarg; break;
        case 't': title = optarg; break;
        case 'b': body_file = optarg; break;
        case 'R': reporter = optarg; break;
        case 'A': anonymous = true; break;
        case 'c': flags |= PROTO_FLAG_RECEIPT; break;
        case 'u': flags |= PROTO_FLAG_URGENT; break;
        case 'p': pass_file = optarg; break;
        case 'S':
            if (sector_count > PROTO_SECTOR_MAX) {
                tool_error ("too many --sector options");
                return TOOL_EXIT_USAGE;
            }
            sectors[sector_count++] = optarg;
            break;
        case 'r':
            if (ref_count > PROTO_REFS_MAX) {
                tool_error ("at most %d references", PROTO_REFS_MAX);
                return TOOL_EXIT_USAGE;
            }
            refs[ref_count++] = optarg;
            break;
        case 'h': fputs (s_usage, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || !kind || !severity || !level_text || !audience_text
        || !title || optind != argc) {
        tool_error ("post needs --dir, --kind, --severity, --level, "
                    "--audience and --title");
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    proto_kind_t kind_value = proto_kind_parse (kind);
    if (!kind_value) {
        tool_error ("unknown kind \"%s\" (see --help)", kind);
        return TOOL_EXIT_USAGE;
    }
    int severity_value = proto_severity_parse (severity);
    if (severity_value < 0) {
        tool_error ("invalid severity \"%s\": 0 (lowest) to 4 (highest)",
                    severity);
        return TOOL_EXIT_USAGE;
    }
    proto_level_t level = proto_level_parse (level_text);
    if (!level) {
        tool_error ("unknown level \"%s\": clear, green, amber, "
                    "amber+strict or red", level_text);
        return TOOL_EXIT_USAGE;
    }
    if (reporter && anonymous) {
        tool_error ("give --reporter or --anonymous, not both");
        return TOOL_EXIT_USAGE;
    }

    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    char *body = NULL;
    uint8_t *encoded = NULL, *sealed = NULL;
    size_t body_len = 0, encoded_len = 0, sealed_len = 0;
    keys_secret_t *key = NULL;
    const keys_roster_t *roster = node_dir_roster (dir);
    const keys_member_t *self = node_dir_self (dir);
    if (!self) {
        tool_error ("this node (%s) is not a member of the roster in force: "
                    "it cannot post", node_dir_name (dir));
        rc = TOOL_EXIT_FAIL;
        goto done;
    }
    proto_payload_t payload;
    proto_payload_init (&payload, kind_value, (uint8_t) severity_value);
    for (size_t i = 0; i < sector_count; i++) {
        proto_sector_t sector = proto_sector_parse (sectors[i]);
        if (!sector || proto_payload_add_sector (&payload, sector) != 0) {
            tool_error ("unknown sector \"%s\"", sectors[i]);
            goto done;
        }
    }
    for (size_t i = 0; i < ref_count; i++)
        if (s_add_ref (dir, &payload, refs[i]) != 0)
            goto done;
    payload.title = title;
    payload.title_len = strlen (title);
    if (payload.title_len == 0 || payload.title_len > PROTO_TITLE_MAX
        || !proto_utf8_valid ((const uint8_t *) title, payload.title_len,
                              false)) {
        tool_error ("the title must be one line of 1 to %d bytes of UTF-8",
                    PROTO_TITLE_MAX);
        goto done;
    }
    if (body_file) {
        body = tool_read_file (body_file, PROTO_PAYLOAD_MAX, &body_len);
        if (!body)
            goto done;
        if (!proto_utf8_valid ((const uint8_t *) body, body_len, true)) {
            tool_error ("the body in '%s' is not UTF-8 text", body_file);
            goto done;
        }
        payload.body = body;
        payload.body_len = body_len;
    }
    if (reporter) {
        payload.reporter_type = PROTO_REPORTER_NAMED;
        payload.reporter_name = reporter;
        payload.reporter_name_len = strlen (reporter);
    }
    else if (anonymous) {
        //  The reporter is replaced by the sector: nothing names the company.
        payload.reporter_type = PROTO_REPORTER_ANONYMISED;
        payload.reporter_sector = (uint8_t) self->card.sector;
    }
    encoded_len = proto_payload_encoded_size (&payload);
    encoded = encoded_len ? malloc (encoded_len) : NULL;
    if (!encoded || proto_payload_encode (&payload, encoded, encoded_len)
                        != encoded_len) {
        tool_error ("the entry is not valid (a reporter name over %d bytes, "
                    "or a payload over %d bytes?)", PROTO_REPORTER_MAX,
                    PROTO_PAYLOAD_MAX);
        goto done;
    }
    node_post_t post;
    memset (&post, 0, sizeof post);
    post.level = level;
    post.flags = flags;
    char err[ERR_LEN];
    if (keys_roster_resolve_audience (roster, audience_text, &post.audience,
                                      err, sizeof err) != 0) {
        tool_error ("%s", err);
        goto done;
    }
    if (level == PROTO_LEVEL_RED && post.audience.type != PROTO_AUDIENCE_NODES) {
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
    uint8_t id[1][PROTO_HASH_BYTES];
    proto_reject_t reason;
    char reason_text[512] = "";
    if (node_control_daemon_running (dir_path)) {
        //  The running node signs, stores and shares it; it holds the key.
        reason = node_control_post (dir_path, post.level, post.flags,
                                    &post.audience, post.payload,
                                    post.payload_len, CLI_POST_TIMEOUT_MS,
                                    id[0], reason_text, sizeof reason_text);
    }
    else {
        key = tool_open_key (node_dir_key_path (dir), pass_file, &rc);
        if (!key)
            goto done;
        rc = TOOL_EXIT_USAGE;
        if (memcmp (keys_secret_sign_pk (key), node_dir_self_pk (dir),
                    PROTO_PK_BYTES) != 0) {
            tool_error ("the key file does not match this node's configured "
                        "key");
            goto done;
        }
        reason = node_store_post (node_dir_store (dir), key, &post, 1, id);
        if (reason == PROTO_REJECT_STORAGE)
            snprintf (reason_text, sizeof reason_text, "%s",
                      node_store_last_error (node_dir_store (dir)));
    }
    if (reason != PROTO_OK) {
        if (reason == PROTO_REJECT_STORAGE)
            tool_error ("not posted: %s", reason_text);
        else if (reason == PROTO_REJECT_FROZEN)
            tool_error ("not posted: this node's chain is frozen because a "
                        "fork of it was recorded (two different entries with "
                        "the same sequence number): its key may be "
                        "compromised; run 'ceptoar fsck' and tell the "
                        "Council");
        else
            tool_error ("not posted: refused by the store (%s)",
                        proto_reject_name (reason));
        rc = reason == PROTO_REJECT_STORAGE ? TOOL_EXIT_USAGE
                                            : TOOL_EXIT_FAIL;
        goto done;
    }
    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, id[0], PROTO_HASH_BYTES);
    printf ("%s\n", hex);
    if (fflush (stdout) != 0 || ferror (stdout)) {
        //  The entry is stored; say so, or the caller may post it again.
        fprintf (stderr, "ceptoar: error: posted %s but could not print its "
                         "id\n", hex);
        rc = TOOL_EXIT_USAGE;
        goto done;
    }
    rc = TOOL_EXIT_OK;
done:
    if (encoded) {
        sodium_memzero (encoded, encoded_len);
        free (encoded);
    }
    free (sealed);
    tool_free_wiped (body, body_len);
    keys_secret_destroy (&key);
    node_dir_destroy (&dir);
    return rc;
}
