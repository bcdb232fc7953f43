/* SPDX-License-Identifier: MPL-2.0 */
/* cli_incident: `ceptoar incident open` and `ceptoar status post`: the
   entries of the large-scale IT failure mode, and their body conventions. */

/* During a large-scale IT failure one node declares an incident and every
   CEPTOAR in its audience reports its own state against it, again and
   again, until it has recovered; `ceptoar board` (cli_board.c) shows the
   result. Both are ordinary signed entries (nothing new on the wire); what
   makes them part of the board is a convention in the payload body, which
   this module writes and is the one place that reads:

       incident (kind incident):
           ceptoar-incident: 1
           <blank line>
           free text (optional)

       status (kind damage-status or response-status, with a reference of
       relation update to the incident):
           ceptoar-status: 1
           state: normal | degraded | outage | recovering | recovered
           <blank line>
           free text

   The first line names the convention and its version; more "name: value"
   lines may follow before the blank line (later versions), and readers
   ignore the ones they do not know. A body whose first line is anything
   else is an ordinary entry.

   A status takes the incident's level and audience from its header, so
   that no report goes wider than the incident it answers; for named nodes
   the declarer is named as well (it reads the incident: the readers stay
   exactly the same).                                                       */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"

#define S_INCIDENT_MARKER "ceptoar-incident: 1"
#define S_STATUS_MARKER "ceptoar-status: 1"

static const char *s_states[] = {
    NULL, "normal", "degraded", "outage", "recovering", "recovered",
};
#define S_STATE_COUNT 5

static const char *s_usage_incident =
    "usage: ceptoar incident open --dir NODEDIR --title TEXT\n"
    "                             [--audience AUDIENCE] [--level LEVEL]\n"
    "                             [--severity 0..4] [--body-file FILE|-]\n"
    "                             [--passphrase-file FILE]\n"
    "\n"
    "Declares a large-scale IT failure: posts an entry of kind incident\n"
    "whose body starts with the line \"ceptoar-incident: 1\", then a blank\n"
    "line, then the text of --body-file. Prints its id (64 hex) once it is\n"
    "stored. Every member in its audience then reports its state with\n"
    "'ceptoar status post --incident ID', and 'ceptoar board' shows them.\n"
    "\n"
    "  --title TEXT       one line, at most 256 bytes of UTF-8\n"
    "  --audience AUD     council (default) | group:NAME |\n"
    "                     node:NAME[,NAME...]\n"
    "  --level LEVEL      clear, green, amber (default), amber+strict, red\n"
    "                     (red needs --audience node:...)\n"
    "  --severity N       NISC scale 0..4 (default 3)\n"
    "  --body-file FILE   the details, from FILE or - for standard input\n"
    "  --passphrase-file FILE  the key's passphrase (not needed when\n"
    "                     ceptoard runs: the node signs with its key)\n"
    "\n"
    "exit status: 0 posted, 1 refused (not a member, chain frozen), 2 usage\n"
    "or I/O error\n";

static const char *s_usage_status =
    "usage: ceptoar status post --dir NODEDIR --incident ID --state STATE\n"
    "                           --text TEXT [--response | --damage]\n"
    "                           [--passphrase-file FILE]\n"
    "\n"
    "Reports this node's state during a declared incident: posts a\n"
    "damage-status or response-status entry that references the incident\n"
    "(relation update), at the incident's level and to its audience (never\n"
    "wider), with the body \"ceptoar-status: 1\", \"state: STATE\", a blank\n"
    "line and TEXT, and the title \"STATE: \" + the first line of TEXT.\n"
    "Prints its id. Post again whenever the state changes, and regularly:\n"
    "the board marks a member STALE when its last report is too old.\n"
    "\n"
    "  --incident ID      the incident (64 hex, or a unique prefix of 8+);\n"
    "                     it must be held here and be a declared incident\n"
    "  --state STATE      normal, degraded, outage, recovering, recovered\n"
    "  --text TEXT        what is affected, what is being done (UTF-8)\n"
    "  --response         post a response-status (what is being done)\n"
    "  --damage           post a damage-status (what is affected)\n"
    "                     default: damage-status for normal, degraded and\n"
    "                     outage; response-status for recovering, recovered\n"
    "  --passphrase-file FILE  the key's passphrase (to read a RED incident,\n"
    "                     and to sign when ceptoard does not run)\n"
    "\n"
    "Severity follows the state: outage 3, degraded 2, the others 1.\n"
    "\n"
    "exit status: 0 posted, 1 refused (not a declared incident, not readable\n"
    "here, retracted, not a member), 2 usage or I/O error\n";

cli_state_t
cli_state_parse (const char *name)
{
    for (int state = 1; state <= S_STATE_COUNT; state++)
        if (!strcasecmp (name, s_states[state]))
            return (cli_state_t) state;
    return 0;
}

const char *
cli_state_name (int state)
{
    return state >= 1 && state <= S_STATE_COUNT ? s_states[state] : NULL;
}

//  --------------------------------------------------------------------------
//  The parts of a body that follows a convention: MARKER, "name: value"
//  lines up to a blank line, then free text. All borrowed from the body.

typedef struct {
    const char *fields;                 /* the "name: value" lines           */
    size_t fields_len;
    const char *text;                   /* after the blank line              */
    size_t text_len;
} s_body_t;

//  Split payload's body if its first line is marker. Returns 0, or -1 if
//  the body follows no such convention.
static int
s_body_split (const proto_payload_t *payload, const char *marker,
              s_body_t *out)
{
    const char *body = payload->body;
    size_t len = payload->body_len, marker_len = strlen (marker);
    memset (out, 0, sizeof *out);
    if (!body || len < marker_len || memcmp (body, marker, marker_len))
        return -1;
    size_t pos = marker_len;
    if (pos == len)
        return 0;
    if (body[pos] != '\n')
        return -1;                      /* "ceptoar-status: 12" is not ours */
    pos++;
    out->fields = body + pos;
    while (pos < len && body[pos] != '\n') {
        const char *end = memchr (body + pos, '\n', len - pos);
        pos = end ? (size_t) (end - body) + 1 : len;
    }
    out->fields_len = (size_t) (body + pos - out->fields);
    if (pos < len) {                    /* the blank line                   */
        out->text = body + pos + 1;
        out->text_len = len - pos - 1;
    }
    return 0;
}

//  The value of field name in the field lines, or NULL.
static const char *
s_body_field (const s_body_t *body, const char *name, size_t *value_len)
{
    if (!body->fields)
        return NULL;                    /* the marker alone, no LF after it */
    size_t name_len = strlen (name);
    const char *line = body->fields, *stop = body->fields + body->fields_len;
    while (line && line < stop) {
        const char *end = memchr (line, '\n', (size_t) (stop - line));
        size_t line_len = end ? (size_t) (end - line) : (size_t) (stop - line);
        if (line_len >= name_len + 2 && !memcmp (line, name, name_len)
            && line[name_len] == ':' && line[name_len + 1] == ' ') {
            *value_len = line_len - name_len - 2;
            return line + name_len + 2;
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

bool
cli_incident_parse (const proto_payload_t *payload, const char **text,
                    size_t *text_len)
{
    s_body_t body;
    if (payload->kind != PROTO_KIND_INCIDENT
        || s_body_split (payload, S_INCIDENT_MARKER, &body) != 0)
        return false;
    if (text) {
        *text = body.text;
        *text_len = body.text_len;
    }
    return true;
}

int
cli_status_parse (const proto_payload_t *payload,
                  const uint8_t incident[PROTO_HASH_BYTES],
                  cli_state_t *state, const char **text, size_t *text_len)
{
    s_body_t body;
    if ((payload->kind != PROTO_KIND_DAMAGE_STATUS
         && payload->kind != PROTO_KIND_RESPONSE_STATUS)
        || s_body_split (payload, S_STATUS_MARKER, &body) != 0)
        return -1;
    bool refers = false;
    for (size_t i = 0; i < payload->ref_count && !refers; i++)
        refers = payload->refs[i].relation == PROTO_REL_UPDATE
              && !memcmp (payload->refs[i].id, incident, PROTO_HASH_BYTES);
    if (!refers)
        return -1;
    size_t value_len = 0;
    const char *value = s_body_field (&body, "state", &value_len);
    if (!value)
        return -1;
    //  Exactly as written (lowercase): a state this version does not know
    //  is no state it can show.
    for (int one = 1; one <= S_STATE_COUNT; one++)
        if (value_len == strlen (s_states[one])
            && !memcmp (value, s_states[one], value_len)) {
            *state = (cli_state_t) one;
            *text = body.text;
            *text_len = body.text_len;
            return 0;
        }
    return -1;
}

//  Print a posted entry's id; the entry is stored either way, so say so if
//  the id cannot be printed (or the caller may post it again).
static int
s_print_id (const uint8_t id[PROTO_HASH_BYTES])
{
    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, id, PROTO_HASH_BYTES);
    printf ("%s\n", hex);
    if (fflush (stdout) != 0 || ferror (stdout)) {
        fprintf (stderr, "ceptoar: error: posted %s but could not print its "
                         "id\n", hex);
        return TOOL_EXIT_USAGE;
    }
    return TOOL_EXIT_OK;
}

//  --------------------------------------------------------------------------
//  ceptoar incident open

static int
s_incident_open (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "title", required_argument, NULL, 't' },
        { "audience", required_argument, NULL, 'a' },
        { "level", required_argument, NULL, 'l' },
        { "severity", required_argument, NULL, 's' },
        { "body-file", required_argument, NULL, 'b' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *title = NULL, *audience = "council";
    const char *level_text = "amber", *severity_text = "3";
    const char *body_file = NULL, *pass_file = NULL;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 't': title = optarg; break;
        case 'a': audience = optarg; break;
        case 'l': level_text = optarg; break;
        case 's': severity_text = optarg; break;
        case 'b': body_file = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'h': fputs (s_usage_incident, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_incident, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || !title || optind != argc) {
        tool_error ("incident open needs --dir and --title");
        fputs (s_usage_incident, stderr);
        return TOOL_EXIT_USAGE;
    }
    proto_level_t level = cli_level_arg (level_text);
    if (!level)
        return TOOL_EXIT_USAGE;
    int severity = cli_severity_arg (severity_text);
    if (severity < 0)
        return TOOL_EXIT_USAGE;
    if (!cli_title_ok (title))
        return TOOL_EXIT_USAGE;
    char *text = NULL, *body = NULL;
    size_t text_len = 0, body_len = 0;
    if (body_file) {
        text = tool_read_file (body_file, PROTO_PAYLOAD_MAX, &text_len);
        if (!text)
            return TOOL_EXIT_USAGE;
        if (!proto_utf8_valid ((const uint8_t *) text, text_len, true)) {
            tool_error ("the body in '%s' is not UTF-8 text", body_file);
            tool_free_wiped (text, text_len);
            return TOOL_EXIT_USAGE;
        }
    }
    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir) {
        tool_free_wiped (text, text_len);
        return TOOL_EXIT_USAGE;
    }
    int rc = TOOL_EXIT_USAGE;
    static const char prefix[] = S_INCIDENT_MARKER "\n\n";
    body_len = sizeof prefix - 1 + text_len;
    body = malloc (body_len + 1);
    if (!body) {
        tool_error ("out of memory");
        goto done;
    }
    memcpy (body, prefix, sizeof prefix - 1);
    if (text_len)
        memcpy (body + sizeof prefix - 1, text, text_len);
    proto_payload_t payload;
    proto_payload_init (&payload, PROTO_KIND_INCIDENT, (uint8_t) severity);
    payload.title = title;
    payload.title_len = strlen (title);
    payload.body = body;
    payload.body_len = body_len;
    uint8_t id[PROTO_HASH_BYTES];
    rc = cli_publish (dir_path, dir, pass_file, level, 0, audience, &payload,
                      id);
    if (rc == TOOL_EXIT_OK)
        rc = s_print_id (id);
    //  Status reports go to the incident's audience only: a declarer
    //  outside its group will not read them.
    if (rc == TOOL_EXIT_OK && !strncmp (audience, "group:", 6)
        && node_dir_self (dir)
        && !keys_roster_group_has (node_dir_roster (dir), audience + 6,
                                   node_dir_self_pk (dir)))
        fprintf (stderr, "note: %s is not in group %s: it will not read the "
                         "members' status reports on this incident\n",
                 node_dir_name (dir), audience + 6);
done:
    tool_free_wiped (text, text_len);
    tool_free_wiped (body, body_len);
    node_dir_destroy (&dir);
    return rc;
}

int
cli_incident (int argc, char *argv[])
{
    static const cli_subcommand_t subs[] = { { "open", s_incident_open } };
    return cli_subcommand (argc, argv, "incident", s_usage_incident, subs, 1);
}

//  --------------------------------------------------------------------------
//  ceptoar status post

//  What status post learns of the incident it reports against.
typedef struct {
    cli_opener_t *opener;
    proto_header_t header;              /* level, audience, declarer        */
    int payload_state;                  /* cli_entry_payload's result       */
    bool declared;                      /* follows the incident convention  */
    proto_kind_t kind;                  /* when readable                    */
} s_incident_t;

static int
s_incident_visit (const node_entry_t *entry, void *arg)
{
    s_incident_t *incident = arg;
    incident->header = entry->header;
    proto_payload_t payload;
    uint8_t *plain = NULL;
    incident->payload_state = cli_entry_payload (entry, incident->opener,
                                                 &payload, &plain);
    if (incident->payload_state == 0) {
        incident->kind = payload.kind;
        incident->declared = cli_incident_parse (&payload, NULL, NULL);
    }
    if (plain) {
        sodium_memzero (plain, entry->payload_len);
        free (plain);
    }
    return 0;
}

//  Check that id is a declared incident this node can read and fill
//  incident. Returns TOOL_EXIT_OK, or an exit code after saying why not.
static int
s_incident_check (node_dir_t *dir, const uint8_t id[PROTO_HASH_BYTES],
                  const char *id_text, s_incident_t *incident)
{
    node_store_t *store = node_dir_store (dir);
    uint8_t by[PROTO_HASH_BYTES];
    int retracted = node_store_retracted (store, id, by);
    int found = retracted < 0 ? -1
              : node_store_get (store, id, s_incident_visit, incident);
    if (found == NODE_STORE_NOTFOUND) {
        tool_error ("no entry %s in this node's store", id_text);
        return TOOL_EXIT_USAGE;
    }
    if (found < 0) {
        tool_error ("cannot read the store: %s",
                    node_store_last_error (store));
        return TOOL_EXIT_USAGE;
    }
    if (retracted == 1) {
        char hex[2 * PROTO_HASH_BYTES + 1];
        proto_hex_encode (hex, by, PROTO_HASH_BYTES);
        tool_error ("incident %s was retracted (by %s): no status can be "
                    "posted against it", id_text, hex);
        return TOOL_EXIT_FAIL;
    }
    if (incident->payload_state == 1 || incident->payload_state == 2) {
        tool_error ("cannot read entry %s here (%s): only a node in the "
                    "incident's audience can report against it%s", id_text,
                    incident->payload_state == 1 ? "sealed" : "payload not "
                                                              "held",
                    incident->payload_state == 1
                        ? " (a RED incident needs --passphrase-file if the "
                          "key is encrypted)" : "");
        return TOOL_EXIT_FAIL;
    }
    if (incident->payload_state != 0) {
        tool_error ("entry %s has a malformed payload", id_text);
        return TOOL_EXIT_FAIL;
    }
    if (!incident->declared) {
        tool_error ("entry %s is not a declared incident (kind %s, without "
                    "the \"" S_INCIDENT_MARKER "\" line): declare one with "
                    "'ceptoar incident open'", id_text,
                    proto_kind_name (incident->kind));
        return TOOL_EXIT_FAIL;
    }
    return TOOL_EXIT_OK;
}

//  The title: "STATE: " and the first line of text, cut to PROTO_TITLE_MAX
//  bytes on a UTF-8 boundary (text is valid UTF-8); tabs and CRs become
//  spaces, since a title is one line without control characters; "STATE"
//  alone if that line is blank.
static size_t
s_status_title (char title[PROTO_TITLE_MAX + 1], cli_state_t state,
                const char *text)
{
    const char *name = cli_state_name (state);
    size_t len = (size_t) snprintf (title, PROTO_TITLE_MAX + 1, "%s: ",
                                    name ? name : "unknown");
    size_t line = strcspn (text, "\n");
    while (line > 0 && strchr (" \t\r", text[line - 1]))
        line--;
    if (line == 0) {
        len -= 2;                       /* "outage", not "outage: "         */
        title[len] = 0;
        return len;
    }
    if (line > PROTO_TITLE_MAX - len) {
        line = PROTO_TITLE_MAX - len;
        //  Back off to the start of a character: never split one.
        while (line > 0 && ((unsigned char) text[line] & 0xC0) == 0x80)
            line--;
    }
    for (size_t i = 0; i < line; i++)
        title[len++] = text[i] == '\t' || text[i] == '\r' ? ' ' : text[i];
    title[len] = 0;
    return len;
}

static int
s_status_post (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "incident", required_argument, NULL, 'i' },
        { "state", required_argument, NULL, 's' },
        { "text", required_argument, NULL, 't' },
        { "response", no_argument, NULL, 'r' },
        { "damage", no_argument, NULL, 'D' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *incident_text = NULL, *state_text = NULL;
    const char *text = NULL, *pass_file = NULL;
    proto_kind_t kind = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'i': incident_text = optarg; break;
        case 's': state_text = optarg; break;
        case 't': text = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'r':
        case 'D': {
            proto_kind_t want = opt == 'r' ? PROTO_KIND_RESPONSE_STATUS
                                           : PROTO_KIND_DAMAGE_STATUS;
            if (kind && kind != want) {
                tool_error ("give --response or --damage, not both");
                return TOOL_EXIT_USAGE;
            }
            kind = want;
            break;
        }
        case 'h': fputs (s_usage_status, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_status, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || !incident_text || !state_text || !text
        || optind != argc) {
        tool_error ("status post needs --dir, --incident, --state and "
                    "--text");
        fputs (s_usage_status, stderr);
        return TOOL_EXIT_USAGE;
    }
    cli_state_t state = cli_state_parse (state_text);
    if (!state) {
        tool_error ("unknown state \"%s\": normal, degraded, outage, "
                    "recovering or recovered", state_text);
        return TOOL_EXIT_USAGE;
    }
    size_t text_len = strlen (text);
    if (text_len == 0
        || !proto_utf8_valid ((const uint8_t *) text, text_len, true)) {
        tool_error ("--text must be non-empty UTF-8 text");
        return TOOL_EXIT_USAGE;
    }
    if (!kind)
        kind = state == CLI_STATE_RECOVERING || state == CLI_STATE_RECOVERED
                   ? PROTO_KIND_RESPONSE_STATUS
                   : PROTO_KIND_DAMAGE_STATUS;

    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    char *body = NULL;
    size_t body_len = 0;
    cli_opener_t opener = { NULL, NULL };
    uint8_t incident_id[PROTO_HASH_BYTES];
    if (cli_resolve_id (dir, incident_text, incident_id) != 0)
        goto done;
    char incident_hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (incident_hex, incident_id, PROTO_HASH_BYTES);
    cli_opener_init (&opener, dir, pass_file);
    s_incident_t incident;
    memset (&incident, 0, sizeof incident);
    incident.opener = &opener;
    rc = s_incident_check (dir, incident_id, incident_hex, &incident);
    if (rc != TOOL_EXIT_OK)
        goto done;
    rc = TOOL_EXIT_USAGE;

    //  The incident's readers, no more: its audience, and for named nodes
    //  its declarer too (who reads it as its author). A full list stays as
    //  it is: the declarer then reads only what it is named for.
    proto_audience_t audience = incident.header.audience;
    if (audience.type == PROTO_AUDIENCE_NODES
        && !proto_audience_names_node (&audience, incident.header.author))
        (void) proto_audience_add_node (&audience, incident.header.author);

    char head[64];
    int head_len = snprintf (head, sizeof head, S_STATUS_MARKER "\nstate: "
                                                "%s\n\n",
                             cli_state_name (state));
    body_len = (size_t) head_len + text_len;
    body = malloc (body_len + 1);
    if (!body) {
        tool_error ("out of memory");
        goto done;
    }
    memcpy (body, head, (size_t) head_len);
    memcpy (body + head_len, text, text_len);
    char title[PROTO_TITLE_MAX + 1];
    proto_payload_t payload;
    proto_payload_init (&payload, kind,
                        state == CLI_STATE_OUTAGE     ? 3
                        : state == CLI_STATE_DEGRADED ? 2
                                                      : 1);
    payload.title = title;
    payload.title_len = s_status_title (title, state, text);
    payload.body = body;
    payload.body_len = body_len;
    (void) proto_payload_add_ref (&payload, PROTO_REL_UPDATE, incident_id);
    uint8_t id[PROTO_HASH_BYTES];
    rc = cli_publish_to (dir_path, dir, pass_file, incident.header.level, 0,
                         &audience, &payload, id);
    if (rc == TOOL_EXIT_OK)
        rc = s_print_id (id);
done:
    tool_free_wiped (body, body_len);
    cli_opener_destroy (&opener);
    node_dir_destroy (&dir);
    return rc;
}

int
cli_status (int argc, char *argv[])
{
    static const cli_subcommand_t subs[] = { { "post", s_status_post } };
    return cli_subcommand (argc, argv, "status", s_usage_status, subs, 1);
}
