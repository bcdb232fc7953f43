/* SPDX-License-Identifier: MPL-2.0 */
/* cli_post: `ceptoar post`: sign and store a new entry. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"


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
    "  --passphrase-file FILE  read the key's passphrase from FILE "
    "(not needed\n"
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
    int severity_value = cli_severity_arg (severity);
    if (severity_value < 0)
        return TOOL_EXIT_USAGE;
    proto_level_t level = cli_level_arg (level_text);
    if (!level)
        return TOOL_EXIT_USAGE;
    if (reporter && anonymous) {
        tool_error ("give --reporter or --anonymous, not both");
        return TOOL_EXIT_USAGE;
    }

    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    char *body = NULL;
    size_t body_len = 0;
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
    if (!cli_title_ok (title))
        goto done;
    payload.title = title;
    payload.title_len = strlen (title);
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
    uint8_t id[PROTO_HASH_BYTES];
    rc = cli_publish (dir_path, dir, pass_file, level, flags, audience_text,
                      &payload, id);
    if (rc != TOOL_EXIT_OK)
        goto done;
    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, id, PROTO_HASH_BYTES);
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
    tool_free_wiped (body, body_len);
    node_dir_destroy (&dir);
    return rc;
}
