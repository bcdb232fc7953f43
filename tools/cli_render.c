/* SPDX-License-Identifier: MPL-2.0 */
/* cli_render: how entries look in list, show and --json. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int
cli_entry_payload (const node_entry_t *entry, cli_opener_t *opener,
                   proto_payload_t *payload, uint8_t **plain)
{
    *plain = NULL;
    if (!entry->payload)
        return 2;
    const uint8_t *bytes = entry->payload;
    size_t len = entry->payload_len;
    if (proto_seal_is_sealed (bytes, len)) {
        if (!opener->key) {
            if (opener->note) {
                fprintf (stderr, "note: RED payloads stay sealed: %s\n",
                         opener->note);
                opener->note = NULL;
            }
            return 1;
        }
        uint8_t *out = malloc (len);
        size_t out_len = 0;
        if (!out)
            return -1;
        const keys_secret_t *key = opener->key;
        if (proto_seal_open (bytes, len, entry->header.author,
                             keys_secret_sign_pk (key),
                             keys_secret_box_pk (key),
                             keys_secret_box_sk (key), out, len, &out_len)
            != 0) {
            free (out);
            return 1;
        }
        if (proto_payload_decode (payload, out, out_len) != PROTO_OK) {
            sodium_memzero (out, len);
            free (out);
            return -1;
        }
        *plain = out;
        return 0;
    }
    return proto_payload_decode (payload, bytes, len) == PROTO_OK ? 0 : -1;
}

static void
s_free_plain (uint8_t **plain, size_t len)
{
    if (*plain) {
        //  A RED plaintext never outlives its display.
        sodium_memzero (*plain, len);
        free (*plain);
        *plain = NULL;
    }
}

void
cli_audience_text (const proto_audience_t *audience,
                   const keys_roster_t *roster, char *out, size_t len)
{
    if (audience->type == PROTO_AUDIENCE_COUNCIL)
        snprintf (out, len, "council");
    else if (audience->type == PROTO_AUDIENCE_GROUP)
        snprintf (out, len, "group:%s", audience->group);
    else {
        size_t used = (size_t) snprintf (out, len, "node:");
        for (size_t i = 0; i < audience->node_count && used < len; i++) {
            char name[KEYS_NAME_MAX + 1];
            cli_author_name (roster, audience->nodes[i], name, sizeof name);
            used += (size_t) snprintf (out + used, len - used, "%s%s",
                                       i ? "," : "", name);
        }
    }
}

static const char *
s_state_name (int state)
{
    return state == 0   ? "readable"
         : state == 1   ? "sealed"
         : state == 2   ? "not-held"
                        : "malformed";
}

//  Severity 4 (NISC's highest) in a payload this command can read, or the
//  author's urgent flag: the operator watching must not miss it.
static bool
s_urgent (const node_entry_t *entry, int state,
          const proto_payload_t *payload)
{
    return (entry->header.flags & PROTO_FLAG_URGENT)
           || (state == 0 && payload->severity == PROTO_SEVERITY_MAX);
}

bool
cli_entry_urgent (const node_entry_t *entry, cli_opener_t *opener)
{
    assert (entry);
    if (entry->header.flags & PROTO_FLAG_URGENT)
        return true;
    proto_payload_t payload;
    uint8_t *plain = NULL;
    int state = cli_entry_payload (entry, opener, &payload, &plain);
    bool urgent = s_urgent (entry, state, &payload);
    s_free_plain (&plain, entry->payload_len);
    return urgent;
}

json_t *
cli_entry_json (const node_entry_t *entry, const keys_roster_t *roster,
                cli_opener_t *opener)
{
    char id[2 * PROTO_HASH_BYTES + 1], author[2 * PROTO_PK_BYTES + 1];
    char name[KEYS_NAME_MAX + 1], when[TOOL_TIME_LEN], stored[TOOL_TIME_LEN];
    char audience[2048];
    proto_hex_encode (id, entry->id, PROTO_HASH_BYTES);
    proto_hex_encode (author, entry->header.author, PROTO_PK_BYTES);
    cli_author_name (roster, entry->header.author, name, sizeof name);
    tool_format_time (entry->header.timestamp_ms, when);
    tool_format_time (entry->stored_ms, stored);
    cli_audience_text (&entry->header.audience, roster, audience,
                     sizeof audience);
    json_t *obj = json_object ();
    json_object_set_new (obj, "id", json_string (id));
    json_object_set_new (obj, "author", json_string (name));
    json_object_set_new (obj, "author_key", json_string (author));
    json_object_set_new (obj, "seq", json_integer ((json_int_t)
                                                   entry->header.seq));
    json_object_set_new (obj, "time", json_string (when));
    json_object_set_new (obj, "stored", json_string (stored));
    json_object_set_new (obj, "level", json_string (
        proto_level_label (entry->header.level)));
    json_object_set_new (obj, "audience", json_string (audience));
    json_object_set_new (obj, "receipt_requested", json_boolean (
        entry->header.flags & PROTO_FLAG_RECEIPT));
    json_object_set_new (obj, "payload_bytes", json_integer (
        entry->header.payload_len));

    proto_payload_t payload;
    uint8_t *plain = NULL;
    int state = cli_entry_payload (entry, opener, &payload, &plain);
    //  The same rule as the "!" of follow, so JSON and text agree.
    json_object_set_new (obj, "urgent", json_boolean (
        s_urgent (entry, state, &payload)));
    json_object_set_new (obj, "payload", json_string (s_state_name (state)));
    if (state == 0) {
        json_object_set_new (obj, "kind", json_string (
            proto_kind_name (payload.kind)));
        json_object_set_new (obj, "severity", json_integer (payload.severity));
        json_t *sectors = json_array ();
        for (size_t i = 0; i < payload.sector_count; i++)
            json_array_append_new (sectors, json_string (
                proto_sector_name (payload.sectors[i])));
        json_object_set_new (obj, "sectors", sectors);
        json_object_set_new (obj, "title", json_stringn (
            payload.title, payload.title_len));
        json_object_set_new (obj, "body", json_stringn (
            payload.body ? payload.body : "", payload.body_len));
        json_t *refs = json_array ();
        for (size_t i = 0; i < payload.ref_count; i++) {
            char ref_id[2 * PROTO_HASH_BYTES + 1];
            proto_hex_encode (ref_id, payload.refs[i].id, PROTO_HASH_BYTES);
            json_array_append_new (refs, json_pack (
                "{s:s, s:s}", "relation",
                proto_relation_name (payload.refs[i].relation), "id",
                ref_id));
        }
        json_object_set_new (obj, "refs", refs);
        if (payload.reporter_type == PROTO_REPORTER_NAMED)
            json_object_set_new (obj, "reporter", json_stringn (
                payload.reporter_name, payload.reporter_name_len));
        else if (payload.reporter_type == PROTO_REPORTER_ANONYMISED)
            json_object_set_new (obj, "reporter", json_pack (
                "{s:s}", "anonymised_sector",
                proto_sector_name (payload.reporter_sector)));
    }
    s_free_plain (&plain, entry->payload_len);
    return obj;
}

//  The marks after an entry's title, e.g. " [retracted]".
static void
s_print_marks (FILE *out, unsigned marks)
{
    if (marks & CLI_MARK_RETRACTED)
        fputs (" [retracted]", out);
    if (marks & CLI_MARK_CORRECTED)
        fputs (" [corrected]", out);
}

void
cli_entry_line (FILE *out, const node_entry_t *entry,
                const keys_roster_t *roster, cli_opener_t *opener,
                unsigned marks)
{
    char id[2 * PROTO_HASH_BYTES + 1], name[KEYS_NAME_MAX + 1];
    char when[TOOL_TIME_LEN];
    proto_hex_encode (id, entry->id, PROTO_HASH_BYTES);
    cli_author_name (roster, entry->header.author, name, sizeof name);
    tool_format_time (entry->header.timestamp_ms, when);
    when[19] = 0;   //  to the second is enough for a list
    proto_payload_t payload;
    uint8_t *plain = NULL;
    int state = cli_entry_payload (entry, opener, &payload, &plain);
    if (marks & CLI_MARK_URGENT_COL) {
        fputs (s_urgent (entry, state, &payload) ? "! " : "  ", out);
    }
    fprintf (out, "%s  %.16s  %-14s %-17s ", when, id, name,
             proto_level_label (entry->header.level));
    if (state == 0) {
        fprintf (out, "%-16s %u  ", proto_kind_name (payload.kind),
                 payload.severity);
        tool_print_text (out, payload.title, payload.title_len, false);
    }
    else
        fprintf (out, "%-16s -  (payload %s)", "-",
                 (marks & CLI_MARK_RETRACTED) ? "purged"
                                              : s_state_name (state));
    s_print_marks (out, marks);
    fputc ('\n', out);
    s_free_plain (&plain, entry->payload_len);
}

void
cli_entry_full (FILE *out, const node_entry_t *entry,
                const keys_roster_t *roster, cli_opener_t *opener,
                unsigned marks)
{
    char id[2 * PROTO_HASH_BYTES + 1], name[KEYS_NAME_MAX + 1];
    char when[TOOL_TIME_LEN], stored[TOOL_TIME_LEN], audience[2048];
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_hex_encode (id, entry->id, PROTO_HASH_BYTES);
    proto_fingerprint (fpr, entry->header.author);
    cli_author_name (roster, entry->header.author, name, sizeof name);
    tool_format_time (entry->header.timestamp_ms, when);
    tool_format_time (entry->stored_ms, stored);
    cli_audience_text (&entry->header.audience, roster, audience,
                     sizeof audience);
    fprintf (out, "id        %s\n", id);
    fprintf (out, "author    %s (%s), entry %" PRIu64 "\n", name, fpr,
             entry->header.seq);
    fprintf (out, "time      %s (stored here %s)\n", when, stored);
    fprintf (out, "level     %s\n", proto_level_label (entry->header.level));
    fprintf (out, "audience  %s\n", audience);
    proto_payload_t payload;
    uint8_t *plain = NULL;
    int state = cli_entry_payload (entry, opener, &payload, &plain);
    if (state == 2 && (marks & CLI_MARK_RETRACTED)) {
        fprintf (out, "payload   purged (%" PRIu32 " bytes): retracted by "
                      "its author\n", entry->header.payload_len);
        return;
    }
    if (state != 0) {
        fprintf (out, "payload   %s (%" PRIu32 " bytes)%s\n",
                 s_state_name (state), entry->header.payload_len,
                 state == 2   ? ": this node is not in the audience"
                 : state == 1 ? ": RED, sealed to its recipients"
                              : "");
        return;
    }
    fprintf (out, "kind      %s, severity %u\n", proto_kind_name (payload.kind),
             payload.severity);
    if (payload.sector_count) {
        fprintf (out, "sectors  ");
        for (size_t i = 0; i < payload.sector_count; i++)
            fprintf (out, " %s", proto_sector_name (payload.sectors[i]));
        fputc ('\n', out);
    }
    if (payload.reporter_type == PROTO_REPORTER_NAMED) {
        fputs ("reporter  ", out);
        tool_print_text (out, payload.reporter_name, payload.reporter_name_len,
                         false);
        fputc ('\n', out);
    }
    else if (payload.reporter_type == PROTO_REPORTER_ANONYMISED)
        fprintf (out, "reporter  anonymised (%s sector)\n",
                 proto_sector_name (payload.reporter_sector));
    for (size_t i = 0; i < payload.ref_count; i++) {
        char ref_id[2 * PROTO_HASH_BYTES + 1];
        proto_hex_encode (ref_id, payload.refs[i].id, PROTO_HASH_BYTES);
        fprintf (out, "ref       %s %s\n",
                 proto_relation_name (payload.refs[i].relation), ref_id);
    }
    //  Other members' text: shown with visible marks for anything that
    //  would move the cursor or reorder the line (tool_print_text).
    fputs ("title     ", out);
    tool_print_text (out, payload.title, payload.title_len, false);
    s_print_marks (out, marks & CLI_MARK_CORRECTED);
    fputc ('\n', out);
    if (payload.body_len) {
        fputc ('\n', out);
        tool_print_text (out, payload.body, payload.body_len, true);
        if (payload.body[payload.body_len - 1] != '\n')
            fputc ('\n', out);
    }
    s_free_plain (&plain, entry->payload_len);
}
