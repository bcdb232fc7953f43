/* SPDX-License-Identifier: MPL-2.0 */
/* cli_audit: `ceptoar audit`: prove the store holds no payload outside this
   node's clearance. */

/* Invariant 1 of DESIGN §5 ("never disclose") says a node stores only the
   plaintext payloads it is in the audience of. The store enforces it on
   every write; audit checks the result, after the fact, entry by entry, so
   an operator can show the Council a clean report. It decides clearance
   with keys_disclosure_payload() and nothing else: a second copy of the
   rule here could drift from the one the node obeys.

   For every held entry that has a payload:
     - a payload that does not match its header (length, hash, form for
       the level: proto_payload_matches) is a violation;
     - a payload of a retracted entry (node_store_retracted) is a violation:
       the retraction should have purged it;
     - a payload in sealed form is allowed only for a RED entry, and must be
       sealed to exactly its audience plus the author among the roster's
       members (no member outside the audience holds a key slot);
     - any other payload counts as plaintext (fail closed: an unknown form
       may be readable) and is allowed only if the level is not RED and the
       rule says PLAINTEXT for this node with the roster in force.
   It only reads (LMDB readers never block the running daemon's writes).   */

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char *s_usage =
    "usage: ceptoar audit --dir NODEDIR [--json]\n"
    "\n"
    "Proves that the store holds no payload outside this node's clearance\n"
    "(DESIGN invariant 1, \"never disclose\"). For every entry held with a\n"
    "payload it checks that:\n"
    "  - a plaintext payload is of a non-RED entry this node may read, by\n"
    "    the disclosure rule (keys_disclosure_payload) with the roster in\n"
    "    force: council, a group this node belongs to, a node list naming\n"
    "    it, or its own entry;\n"
    "  - a sealed payload is of a RED entry, matches its header, and is\n"
    "    sealed to exactly the named recipients and the author;\n"
    "  - the payload matches its header (length, hash, form);\n"
    "  - the entry is not retracted (a retraction purges the payload).\n"
    "Prints the counts and one line per violation (entry id, author, why).\n"
    "Safe while the node runs: it only reads.\n"
    "\n"
    "  --json      the counts and violations as one JSON object\n"
    "\n"
    "exit status: 0 clean, 1 at least one violation, 2 usage error or the\n"
    "store cannot be read\n";

typedef struct {
    node_store_t *store;
    const keys_roster_t *roster;
    const uint8_t *self_pk;             /* this node's Ed25519 key          */
    const char *self_name;
    uint64_t entries, plaintext, sealed, headers_only, violations;
    json_t *list;                       /* --json: violation objects        */
    bool failed;                        /* a store read failed mid-scan     */
} s_audit_t;

static void
s_violation (s_audit_t *audit, const node_entry_t *entry, const char *fmt,
             ...) __attribute__ ((format (printf, 3, 4)));

//  --------------------------------------------------------------------------
//  Record one violation: entry id, author name, why.

static void
s_violation (s_audit_t *audit, const node_entry_t *entry, const char *fmt,
             ...)
{
    char why[512], id[2 * PROTO_HASH_BYTES + 1], name[KEYS_NAME_MAX + 1];
    va_list args;
    va_start (args, fmt);
    vsnprintf (why, sizeof why, fmt, args);
    va_end (args);
    proto_hex_encode (id, entry->id, PROTO_HASH_BYTES);
    cli_author_name (audit->roster, entry->header.author, name, sizeof name);
    audit->violations++;
    if (audit->list)
        json_array_append_new (audit->list, json_pack (
            "{s:s, s:s, s:I, s:s, s:s}", "id", id, "author", name, "seq",
            (json_int_t) entry->header.seq, "level",
            proto_level_label (entry->header.level), "reason", why));
    else
        printf ("VIOLATION: entry %s by %s (seq %" PRIu64 ", %s): %s\n", id,
                name, entry->header.seq,
                proto_level_label (entry->header.level), why);
}

//  --------------------------------------------------------------------------
//  Who may open a sealed payload must be who the header names: its node
//  audience plus the author. Checked for every member of the roster in
//  force (a key slot for a non-member opens nothing this Council shares).

static void
s_check_recipients (s_audit_t *audit, const node_entry_t *entry)
{
    const proto_header_t *header = &entry->header;
    size_t members = keys_roster_member_count (audit->roster);
    for (size_t i = 0; i < members; i++) {
        const keys_member_t *member = keys_roster_member (audit->roster, i);
        const uint8_t *pk = member->card.sign_pk;
        bool named = !memcmp (pk, header->author, PROTO_PK_BYTES)
                  || (header->audience.type == PROTO_AUDIENCE_NODES
                      && proto_audience_names_node (&header->audience, pk));
        bool slot = proto_seal_has_recipient (entry->payload,
                                              entry->payload_len, pk);
        if (slot && !named)
            s_violation (audit, entry, "sealed also to %s, who is not in its "
                         "audience", member->card.name);
        else if (named && !slot)
            s_violation (audit, entry, "not sealed to %s, whom its audience "
                         "names", member->card.name);
    }
}

static int
s_visit (const node_entry_t *entry, void *arg)
{
    s_audit_t *audit = arg;
    const proto_header_t *header = &entry->header;
    audit->entries++;
    if (!entry->payload) {
        audit->headers_only++;
        return 0;
    }
    uint8_t by[PROTO_HASH_BYTES];
    int retracted = node_store_retracted (audit->store, entry->id, by);
    if (retracted < 0) {
        audit->failed = true;
        return -1;
    }
    if (retracted == 1) {
        char by_hex[2 * PROTO_HASH_BYTES + 1];
        proto_hex_encode (by_hex, by, PROTO_HASH_BYTES);
        s_violation (audit, entry, "retracted by %s, but its payload is "
                     "still held (it should have been purged)", by_hex);
    }
    proto_reject_t match = proto_payload_matches (header, entry->payload,
                                                  entry->payload_len);
    if (match != PROTO_OK)
        s_violation (audit, entry, "the payload does not match its header "
                     "(%s)", proto_reject_name (match));
    bool red = header->level == PROTO_LEVEL_RED;
    if (proto_seal_is_sealed (entry->payload, entry->payload_len)) {
        audit->sealed++;
        if (!red)
            s_violation (audit, entry, "a sealed payload on a %s entry "
                         "(sealing is for RED only)",
                         proto_level_label (header->level));
        else if (match == PROTO_OK)
            s_check_recipients (audit, entry);
        return 0;
    }
    //  Anything not sealed may be readable: judge it as plaintext.
    audit->plaintext++;
    if (red) {
        s_violation (audit, entry, "a RED payload held in plaintext (RED "
                     "must be sealed to its recipients)");
        return 0;
    }
    if (keys_disclosure_payload (audit->roster, header, audit->self_pk)
        != KEYS_DISCLOSE_PLAINTEXT) {
        char audience[96];
        if (header->audience.type == PROTO_AUDIENCE_COUNCIL)
            snprintf (audience, sizeof audience, "council");
        else if (header->audience.type == PROTO_AUDIENCE_GROUP)
            snprintf (audience, sizeof audience, "group:%s",
                      header->audience.group);
        else
            snprintf (audience, sizeof audience, "%d named node%s",
                      header->audience.node_count,
                      header->audience.node_count == 1 ? "" : "s");
        s_violation (audit, entry, "plaintext payload outside this node's "
                     "clearance: audience %s does not include %s",
                     audience, audit->self_name);
    }
    return 0;
}

int
cli_audit (int argc, char *argv[])
{
    node_dir_t *dir;
    const char *dir_path;
    bool json;
    int exit_code;
    if (cli_dir_command (argc, argv, s_usage, "audit", &dir, &dir_path, &json,
                         &exit_code) != 0)
        return exit_code;
    s_audit_t audit;
    memset (&audit, 0, sizeof audit);
    audit.store = node_dir_store (dir);
    audit.roster = node_dir_roster (dir);
    audit.self_pk = node_dir_self_pk (dir);
    audit.self_name = node_dir_name (dir);
    audit.list = json ? json_array () : NULL;
    if (!node_dir_self (dir))
        fprintf (stderr, "note: this node (%s) is not a member of the roster "
                         "in force: it is cleared for no plaintext at all\n",
                 audit.self_name);
    if (!json)
        printf ("audit of %s (%s, roster version %" PRIu64 ")\n", dir_path,
                audit.self_name, keys_roster_version (audit.roster));
    int rc = TOOL_EXIT_USAGE;
    //  Rows cover every header held, in the order they were stored.
    if (node_store_scan_rows (audit.store, 1, s_visit, &audit) != 0) {
        tool_error ("cannot read the store: %s",
                    node_store_last_error (audit.store));
        goto done;
    }
    rc = audit.violations ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
    if (json) {
        json_t *obj = json_pack (
            "{s:b, s:s, s:I, s:I, s:{s:I, s:I}, s:I, s:I, s:o}", "clean",
            audit.violations == 0, "node", audit.self_name,
            "roster_version", (json_int_t) keys_roster_version (audit.roster),
            "entries", (json_int_t) audit.entries, "payloads",
            "plaintext", (json_int_t) audit.plaintext, "sealed",
            (json_int_t) audit.sealed, "headers_only",
            (json_int_t) audit.headers_only, "violations_found",
            (json_int_t) audit.violations, "violations", audit.list);
        audit.list = NULL;
        cli_json_print (obj, false);
        json_decref (obj);
    }
    else {
        printf ("entries: %" PRIu64 "; payloads checked: %" PRIu64
                " (plaintext %" PRIu64 ", sealed %" PRIu64 "); headers "
                "only: %" PRIu64 "\n", audit.entries,
                audit.plaintext + audit.sealed, audit.plaintext,
                audit.sealed, audit.headers_only);
        if (audit.violations)
            printf ("NOT CLEAN: %" PRIu64 " violation%s\n", audit.violations,
                    audit.violations == 1 ? "" : "s");
        else
            printf ("clean: no payload outside this node's clearance\n");
    }
done:
    json_decref (audit.list);
    node_dir_destroy (&dir);
    return rc;
}
