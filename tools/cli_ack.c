/* SPDX-License-Identifier: MPL-2.0 */
/* cli_ack: `ceptoar ack`: confirm that a person here read an entry. */

/* A delivery receipt says a node stored a payload; an acknowledgement
   says a person read it (DESIGN §2, "Receipts"). It is an ordinary signed
   entry of kind ack (protocol.md 13.9.7): severity 0, level AMBER, for the
   target's author only, with exactly one reference (acknowledges) to the
   target and a body naming who read it. Drill reports count them
   (cli_drill_report.c). Refused here, before anything is signed: this
   node's own entries (an author does not confirm itself), receipts and
   acknowledgements (no confirmation of confirmations), an entry whose
   payload this node does not hold or cannot open (nothing was read), and
   a second acknowledgement of the same entry by this node.                 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char *s_usage =
    "usage: ceptoar ack --dir NODEDIR ID [--by NAME] [--note TEXT]\n"
    "                   [--passphrase-file FILE]\n"
    "\n"
    "Acknowledges entry ID (64 hex characters or a unique prefix of at\n"
    "least 8): posts a signed acknowledgement, AMBER, addressed to the\n"
    "entry's author only, that refers to ID. It says a person at this node\n"
    "read the entry; delivery receipts, by contrast, are sent by the node\n"
    "itself. Drills count both ('ceptoar drill report'). Prints the id of\n"
    "the acknowledgement.\n"
    "\n"
    "  --by NAME          who read it (one line, at most 128 bytes)\n"
    "  --note TEXT        a short note to the author (one line, at most\n"
    "                     1024 bytes; it travels AMBER)\n"
    "  --passphrase-file FILE  the key's passphrase: to open a RED entry,\n"
    "                     and to sign when ceptoard is not running\n"
    "\n"
    "Refused (exit 1): this node's own entries, receipts and\n"
    "acknowledgements, an entry whose payload this node does not hold, and\n"
    "an entry this node has already acknowledged.\n";

/* What the target entry turned out to be. */
typedef struct {
    cli_opener_t *opener;
    const uint8_t *self_pk;
    uint8_t author[PROTO_PK_BYTES];
    int state;                      /* cli_entry_payload's answer           */
    proto_kind_t kind;              /* when state is 0                      */
    bool own;                       /* authored by this node                */
} s_target_t;

static int
s_target_visit (const node_entry_t *entry, void *arg)
{
    s_target_t *target = arg;
    memcpy (target->author, entry->header.author, PROTO_PK_BYTES);
    target->own = memcmp (entry->header.author, target->self_pk,
                          PROTO_PK_BYTES) == 0;
    proto_payload_t payload;
    uint8_t *plain = NULL;
    target->state = cli_entry_payload (entry, target->opener, &payload,
                                       &plain);
    if (target->state == 0)
        target->kind = payload.kind;
    if (plain) {
        sodium_memzero (plain, entry->payload_len);
        free (plain);
    }
    return 0;
}

/* An earlier acknowledgement of the target by this node, if any. */
typedef struct {
    const uint8_t *self_pk;
    cli_opener_t *opener;
    bool found;
    uint8_t id[PROTO_HASH_BYTES];
} s_earlier_t;

static int
s_earlier_visit (const node_entry_t *entry, void *arg)
{
    s_earlier_t *earlier = arg;
    if (memcmp (entry->header.author, earlier->self_pk, PROTO_PK_BYTES))
        return 0;
    proto_payload_t payload;
    uint8_t *plain = NULL;
    if (cli_entry_payload (entry, earlier->opener, &payload, &plain) == 0
        && payload.kind == PROTO_KIND_ACK) {
        earlier->found = true;
        memcpy (earlier->id, entry->id, PROTO_HASH_BYTES);
    }
    if (plain) {
        sodium_memzero (plain, entry->payload_len);
        free (plain);
    }
    return earlier->found ? 1 : 0;
}

//  --------------------------------------------------------------------------
//  Check that id may be acknowledged by this node. Returns TOOL_EXIT_OK
//  with *author set to the target's author, or an exit code after saying
//  why not.

static int
s_check_target (node_dir_t *dir, cli_opener_t *opener, const char *id_text,
                const uint8_t id[PROTO_HASH_BYTES],
                const keys_member_t **author)
{
    node_store_t *store = node_dir_store (dir);
    s_target_t target = { opener, node_dir_self_pk (dir), { 0 }, 0, 0,
                          false };
    if (node_store_get (store, id, s_target_visit, &target) != 0) {
        tool_error ("cannot read the store: %s",
                    node_store_last_error (store));
        return TOOL_EXIT_USAGE;
    }
    if (target.own) {
        tool_error ("%s is this node's own entry: acknowledgements confirm "
                    "what other members posted", id_text);
        return TOOL_EXIT_FAIL;
    }
    if (target.state == 2) {
        tool_error ("this node does not hold the payload of %s (it is not "
                    "in its audience, or the payload has not arrived yet): "
                    "there is nothing read to acknowledge", id_text);
        return TOOL_EXIT_FAIL;
    }
    if (target.state == 1) {
        tool_error ("%s is a RED entry this invocation cannot open: give "
                    "--passphrase-file so that it can be read first",
                    id_text);
        return TOOL_EXIT_USAGE;
    }
    if (target.state < 0) {
        tool_error ("the payload of %s does not decode: it cannot be "
                    "acknowledged", id_text);
        return TOOL_EXIT_FAIL;
    }
    if (target.kind == PROTO_KIND_RECEIPT || target.kind == PROTO_KIND_ACK) {
        tool_error ("%s is a %s: receipts and acknowledgements are not "
                    "acknowledged", id_text, proto_kind_name (target.kind));
        return TOOL_EXIT_FAIL;
    }
    *author = keys_roster_member_active (node_dir_roster (dir),
                                         target.author);
    if (!*author) {
        char name[KEYS_NAME_MAX + 1];
        cli_author_name (node_dir_roster (dir), target.author, name,
                         sizeof name);
        tool_error ("the author of %s (%s) is not an active member of the "
                    "roster in force: an acknowledgement could not be "
                    "addressed to it", id_text, name);
        return TOOL_EXIT_FAIL;
    }
    s_earlier_t earlier = { node_dir_self_pk (dir), opener, false, { 0 } };
    if (node_store_scan_refs (store, id, s_earlier_visit, &earlier) < 0) {
        tool_error ("cannot read the store: %s",
                    node_store_last_error (store));
        return TOOL_EXIT_USAGE;
    }
    if (earlier.found) {
        char hex[2 * PROTO_HASH_BYTES + 1];
        proto_hex_encode (hex, earlier.id, PROTO_HASH_BYTES);
        tool_error ("this node already acknowledged %s (acknowledgement "
                    "%s)", id_text, hex);
        return TOOL_EXIT_FAIL;
    }
    return TOOL_EXIT_OK;
}

int
cli_ack (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "by", required_argument, NULL, 'b' },
        { "note", required_argument, NULL, 'n' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *by = NULL, *note = NULL, *pass_file = NULL;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'b': by = optarg; break;
        case 'n': note = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'h': fputs (s_usage, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || optind != argc - 1) {
        tool_error ("ack needs --dir NODEDIR and one ID");
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *id_text = argv[optind];
    proto_ack_t ack = { by, by ? strlen (by) : 0, note,
                        note ? strlen (note) : 0 };
    if ((by && (ack.by_len == 0 || ack.by_len > PROTO_ACK_BY_MAX))
        || (note && (ack.note_len == 0 || ack.note_len > PROTO_ACK_NOTE_MAX))) {
        tool_error ("--by must be 1 to %d bytes and --note 1 to %d bytes",
                    PROTO_ACK_BY_MAX, PROTO_ACK_NOTE_MAX);
        return TOOL_EXIT_USAGE;
    }
    char body[64 + PROTO_ACK_BY_MAX + PROTO_ACK_NOTE_MAX];
    size_t body_len = proto_ack_body_encode (&ack, body, sizeof body);
    if (body_len == 0) {
        tool_error ("--by and --note must each be one line of UTF-8 text");
        return TOOL_EXIT_USAGE;
    }

    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    cli_opener_t opener = { NULL, NULL };
    uint8_t target[PROTO_HASH_BYTES];
    if (!node_dir_self (dir)) {
        tool_error ("this node (%s) is not a member of the roster in force: "
                    "it cannot post", node_dir_name (dir));
        rc = TOOL_EXIT_FAIL;
        goto done;
    }
    if (cli_resolve_id (dir, id_text, target) != 0)
        goto done;
    cli_opener_init (&opener, dir, pass_file);
    const keys_member_t *author = NULL;
    rc = s_check_target (dir, &opener, id_text, target, &author);
    if (rc != TOOL_EXIT_OK)
        goto done;

    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, target, PROTO_HASH_BYTES);
    //  The title names the target by id only: the target's own title may
    //  be more sensitive than the AMBER the acknowledgement travels at.
    char title[64], audience[8 + KEYS_NAME_MAX];
    snprintf (title, sizeof title, "acknowledged %.16s", hex);
    snprintf (audience, sizeof audience, "node:%s", author->card.name);
    proto_payload_t payload;
    proto_payload_init (&payload, PROTO_KIND_ACK, 0);
    payload.title = title;
    payload.title_len = strlen (title);
    payload.body = body;
    payload.body_len = body_len;
    if (proto_payload_add_ref (&payload, PROTO_REL_ACKNOWLEDGES, target)) {
        rc = TOOL_EXIT_USAGE;
        goto done;
    }
    uint8_t id[PROTO_HASH_BYTES];
    rc = cli_publish (dir_path, dir, pass_file, PROTO_LEVEL_AMBER, 0,
                      audience, &payload, id);
    if (rc != TOOL_EXIT_OK)
        goto done;
    proto_hex_encode (hex, id, PROTO_HASH_BYTES);
    printf ("%s\n", hex);
    if (fflush (stdout) != 0 || ferror (stdout)) {
        fprintf (stderr, "ceptoar: error: acknowledged as %s but could not "
                         "print its id\n", hex);
        rc = TOOL_EXIT_USAGE;
    }
done:
    cli_opener_destroy (&opener);
    node_dir_destroy (&dir);
    return rc;
}
