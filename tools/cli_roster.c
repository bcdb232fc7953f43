/* SPDX-License-Identifier: MPL-2.0 */
/* cli_roster: `ceptoar roster show` and `ceptoar roster apply`. */

/* show prints the roster version in force (NODEDIR/roster, as node_dir
   opened and pinned it). apply hands a new version to the node: through
   the running daemon (control command ROSTER, which verifies, saves,
   switches and propagates it), or, with no daemon, by node_dir_apply_roster
   while holding the daemon lock so that no daemon starts halfway. Neither
   path decides validity here: keys_roster_verify, called by the node, is
   the one rule for a roster chain.                                          */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../node/node_control.h"

/* How long apply waits for a running node to verify and save a roster. */
#define CLI_ROSTER_TIMEOUT_MS 30000
#define ERR_LEN 512

static const char *s_usage =
    "usage: ceptoar roster show --dir NODEDIR [--json]\n"
    "       ceptoar roster apply --dir NODEDIR ROSTERFILE\n"
    "       ceptoar roster revoke --dir NODEDIR CERTFILE\n"
    "       ceptoar roster card-update --dir NODEDIR UPDATEFILE\n"
    "\n"
    "show: the roster version in force: version, threshold, body hash,\n"
    "previous version's hash, who signed it, members (name, sector,\n"
    "fingerprint, endpoints, roles) and sharing groups. --json: one object.\n"
    "\n"
    "apply: switch the node to a new roster version. ROSTERFILE must be the\n"
    "next version after the one in force, signed by the threshold of both\n"
    "(ceptoar-keys roster combine). If ceptoard runs for NODEDIR it\n"
    "verifies, saves, switches to and propagates it; otherwise this command\n"
    "verifies and saves it (the previous version is kept in\n"
    "NODEDIR/rosters/).\n"
    "\n"
    "revoke: apply a member's self-revocation certificate (ceptoar-keys\n"
    "revoke-cert), with no threshold: the node stops admitting the key's\n"
    "transport and refuses its new entries, and passes the certificate to\n"
    "every peer, so the whole Council does the same within one round.\n"
    "\n"
    "card-update: apply a member's self-signed card update (ceptoar-keys\n"
    "card-update): its new endpoints replace the roster's on every node.\n"
    "\n"
    "exit status: 0 switched (or shown), 1 refused (does not verify, not\n"
    "newer than the version in force, a fork of the roster chain), 2 usage\n"
    "or I/O error\n";

static const char *s_usage_show =
    "usage: ceptoar roster show --dir NODEDIR [--json]\n"
    "\n"
    "Shows the roster version in force: version, threshold, body hash,\n"
    "previous version's hash, signers, members (name, sector, fingerprint,\n"
    "endpoints, roles), sharing groups and retired keys (with the time\n"
    "after which their entries are refused), as this node applies it: a\n"
    "member whose key is revoked is marked REVOKED, and endpoints a member\n"
    "published in a card update are shown with its serial.\n"
    "\n"
    "  --json      one JSON object\n";

static const char *s_usage_apply =
    "usage: ceptoar roster apply --dir NODEDIR ROSTERFILE\n"
    "\n"
    "Switches the node to the roster version in ROSTERFILE, which must be\n"
    "the next version after the one in force, signed by the threshold of\n"
    "both versions (ceptoar-keys roster combine). If ceptoard runs it does\n"
    "the switch (and propagates the roster); otherwise this command does.\n"
    "Prints \"roster version N in force\", or why it was refused.\n"
    "\n"
    "exit status: 0 switched, 1 refused, 2 usage or I/O error\n";

static json_t *
s_roster_json (const keys_roster_t *roster, const keys_notice_set_t *notices)
{
    uint8_t hash[PROTO_HASH_BYTES];
    char hex[2 * PROTO_HASH_BYTES + 1];
    json_t *obj = json_object ();
    json_object_set_new (obj, "version", json_integer (
        (json_int_t) keys_roster_version (roster)));
    json_object_set_new (obj, "threshold", json_integer (
        keys_roster_threshold (roster)));
    if (keys_roster_hash (roster, hash) == 0) {
        proto_hex_encode (hex, hash, PROTO_HASH_BYTES);
        json_object_set_new (obj, "hash", json_string (hex));
    }
    const uint8_t *previous = keys_roster_previous (roster);
    if (previous) {
        proto_hex_encode (hex, previous, PROTO_HASH_BYTES);
        json_object_set_new (obj, "previous", json_string (hex));
    }
    else
        json_object_set_new (obj, "previous", json_null ());
    json_t *signers = json_array ();
    for (size_t i = 0; i < keys_roster_signature_count (roster); i++) {
        char name[KEYS_NAME_MAX + 1];
        cli_author_name (roster, keys_roster_signature_key (roster, i), name,
                       sizeof name);
        json_array_append_new (signers, json_string (name));
    }
    json_object_set_new (obj, "signed_by", signers);
    json_t *members = json_array ();
    for (size_t i = 0; i < keys_roster_member_count (roster); i++) {
        const keys_member_t *member = keys_roster_member (roster, i);
        char fpr[PROTO_FPR_HEX_LEN + 1], sign[2 * PROTO_PK_BYTES + 1];
        char box[2 * PROTO_BOXPK_BYTES + 1];
        proto_fingerprint (fpr, member->card.sign_pk);
        proto_hex_encode (sign, member->card.sign_pk, PROTO_PK_BYTES);
        proto_hex_encode (box, member->card.box_pk, PROTO_BOXPK_BYTES);
        const char *sector = proto_sector_name (member->card.sector);
        json_t *endpoints = json_array ();
        for (size_t e = 0; e < member->card.endpoint_count; e++)
            json_array_append_new (endpoints, json_string (
                member->card.endpoints[e]));
        json_t *roles = json_array ();
        char copy[KEYS_ROLES_MAX + 1];
        snprintf (copy, sizeof copy, "%s", member->roles);
        char *save = NULL;
        for (char *role = strtok_r (copy, ",", &save); role;
             role = strtok_r (NULL, ",", &save))
            json_array_append_new (roles, json_string (role));
        json_t *entry = json_pack (
            "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b}", "name",
            member->card.name, "sector", sector ? sector : "?", "fingerprint",
            fpr, "sign_key", sign, "box_key", box, "endpoints", endpoints,
            "roles", roles, "revoked",
            keys_roster_revoked (roster, member->card.sign_pk));
        const keys_notice_t *update
            = keys_notice_set_card_update (notices, member->card.sign_pk);
        if (update) {
            json_t *published = json_array ();
            for (size_t e = 0; e < update->endpoint_count; e++)
                json_array_append_new (published,
                                       json_string (update->endpoints[e]));
            json_object_set_new (entry, "published_endpoints", published);
            json_object_set_new (entry, "card_update_serial",
                                 json_integer ((json_int_t) update->serial));
        }
        json_array_append_new (members, entry);
    }
    json_object_set_new (obj, "members", members);
    json_t *retired = json_array ();
    for (size_t i = 0; i < keys_roster_retired_count (roster); i++) {
        const keys_retired_t *r = keys_roster_retired (roster, i);
        char fpr[PROTO_FPR_HEX_LEN + 1];
        proto_fingerprint (fpr, r->sign_pk);
        json_array_append_new (retired, json_pack (
            "{s:s, s:s, s:I, s:b}", "name", r->name, "fingerprint", fpr,
            "until", (json_int_t) r->until, "revoked",
            keys_roster_revoked (roster, r->sign_pk)));
    }
    json_object_set_new (obj, "retired", retired);
    json_t *groups = json_array ();
    for (size_t g = 0; g < keys_roster_group_count (roster); g++) {
        const char *group = keys_roster_group_name (roster, g);
        size_t n = 0;
        const char *const *names = keys_roster_group_members (roster, group,
                                                              &n);
        json_t *list = json_array ();
        for (size_t i = 0; names && i < n; i++)
            json_array_append_new (list, json_string (names[i]));
        json_array_append_new (groups, json_pack ("{s:s, s:o}", "name", group,
                                                  "members", list));
    }
    json_object_set_new (obj, "groups", groups);
    return obj;
}

static void
s_roster_print (const keys_roster_t *roster, const keys_notice_set_t *notices)
{
    uint8_t hash[PROTO_HASH_BYTES];
    char hex[2 * PROTO_HASH_BYTES + 1];
    printf ("roster version %" PRIu64 " in force\n",
            keys_roster_version (roster));
    printf ("threshold  %u of %zu members\n", keys_roster_threshold (roster),
            keys_roster_member_count (roster));
    if (keys_roster_hash (roster, hash) == 0) {
        proto_hex_encode (hex, hash, PROTO_HASH_BYTES);
        printf ("hash       %s\n", hex);
    }
    const uint8_t *previous = keys_roster_previous (roster);
    if (previous)
        proto_hex_encode (hex, previous, PROTO_HASH_BYTES);
    printf ("previous   %s\n", previous ? hex : "none (genesis)");
    printf ("signed by ");
    for (size_t i = 0; i < keys_roster_signature_count (roster); i++) {
        char name[KEYS_NAME_MAX + 1];
        cli_author_name (roster, keys_roster_signature_key (roster, i), name,
                       sizeof name);
        printf (" %s", name);
    }
    printf ("\n\nmembers (%zu)\n", keys_roster_member_count (roster));
    for (size_t i = 0; i < keys_roster_member_count (roster); i++) {
        const keys_member_t *member = keys_roster_member (roster, i);
        char fpr[PROTO_FPR_HEX_LEN + 1];
        proto_fingerprint (fpr, member->card.sign_pk);
        const char *sector = proto_sector_name (member->card.sector);
        printf ("  %-14s %-18s %s", member->card.name, sector ? sector : "?",
                fpr);
        if (member->roles[0])
            printf ("  roles: %s", member->roles);
        if (keys_roster_revoked (roster, member->card.sign_pk))
            printf ("  REVOKED");
        putchar ('\n');
        const keys_notice_t *update
            = keys_notice_set_card_update (notices, member->card.sign_pk);
        for (size_t e = 0; update && e < update->endpoint_count; e++)
            printf ("  %-14s endpoint %s (card update %llu)\n", "",
                    update->endpoints[e],
                    (unsigned long long) update->serial);
        for (size_t e = 0; !update && e < member->card.endpoint_count; e++)
            printf ("  %-14s endpoint %s\n", "", member->card.endpoints[e]);
    }
    size_t retired = keys_roster_retired_count (roster);
    if (retired) {
        printf ("\nretired keys (%zu): entries stamped after the time are "
                "refused\n", retired);
        for (size_t i = 0; i < retired; i++) {
            const keys_retired_t *r = keys_roster_retired (roster, i);
            char fpr[PROTO_FPR_HEX_LEN + 1], when[TOOL_TIME_LEN];
            proto_fingerprint (fpr, r->sign_pk);
            tool_format_time ((uint64_t) r->until * 1000, when);
            printf ("  %-14s %s  until %s%s\n", r->name, fpr, when,
                    keys_roster_revoked (roster, r->sign_pk) ? "  REVOKED"
                                                             : "");
        }
    }
    size_t groups = keys_roster_group_count (roster);
    if (groups) {
        printf ("\ngroups (%zu)\n", groups);
        for (size_t g = 0; g < groups; g++) {
            const char *group = keys_roster_group_name (roster, g);
            size_t n = 0;
            const char *const *names = keys_roster_group_members (roster,
                                                                  group, &n);
            printf ("  %-14s", group);
            for (size_t i = 0; names && i < n; i++)
                printf ("%s%s", i ? ", " : " ", names[i]);
            putchar ('\n');
        }
    }
}

static int
s_show (int argc, char *argv[])
{
    node_dir_t *dir;
    const char *dir_path;
    bool json;
    int exit_code;
    if (cli_dir_command (argc, argv, s_usage_show, "roster show", &dir,
                         &dir_path, &json, &exit_code)
        != 0)
        return exit_code;
    const keys_roster_t *roster = node_dir_roster (dir);
    if (json) {
        json_t *obj = s_roster_json (roster, node_dir_notices (dir));
        cli_json_print (obj, false);
        json_decref (obj);
    }
    else
        s_roster_print (roster, node_dir_notices (dir));
    node_dir_destroy (&dir);
    return TOOL_EXIT_OK;
}

//  --------------------------------------------------------------------------
//  The daemon verifies, saves and switches. Returns the exit code.

//  The roster being applied: its text as read, and as parsed.
typedef struct {
    const char *text;
    size_t len;
    const keys_roster_t *roster;
} s_apply_t;

static int
s_apply_daemon (const char *dir_path, void *arg)
{
    s_apply_t *apply = arg;
    char err[ERR_LEN];
    zmsg_t *request = zmsg_new ();
    zmsg_addstr (request, "ROSTER");
    zmsg_addmem (request, apply->text, apply->len);
    zmsg_t *reply = node_control_call (dir_path, &request,
                                       CLI_ROSTER_TIMEOUT_MS, err, sizeof err);
    if (!reply) {
        tool_error ("the running node did not answer: %s; run 'ceptoar "
                    "roster show' to see which version is in force", err);
        return TOOL_EXIT_USAGE;
    }
    int rc = TOOL_EXIT_USAGE;
    char *status = zmsg_popstr (reply);
    char *first = zmsg_popstr (reply);
    char *second = zmsg_popstr (reply);
    if (status && !strcmp (status, "OK")
        && (!second || !strcmp (second, "switched"))) {
        printf ("roster version %s in force\n", first ? first : "?");
        rc = TOOL_EXIT_OK;
    }
    else if (status && !strcmp (status, "OK")) {
        //  OK version reason: nothing switched (not newer than in force).
        tool_error ("roster not switched: %s; version %s stays in force",
                    second, first ? first : "?");
        rc = TOOL_EXIT_FAIL;
    }
    else if (status && !strcmp (status, "ERROR")) {
        //  ERROR reason text: the text says what is wrong.
        tool_error ("the node refused the roster: %s",
                    second && *second ? second
                                      : first ? first : "no reason given");
        rc = TOOL_EXIT_FAIL;
    }
    else
        tool_error ("the running node gave an unexpected answer \"%s\"",
                    status ? status : "");
    free (status);
    free (first);
    free (second);
    zmsg_destroy (&reply);
    return rc;
}

//  --------------------------------------------------------------------------
//  No daemon: switch here, holding its lock. Returns the exit code.

static int
s_apply_local (node_dir_t *dir, void *arg)
{
    const keys_roster_t *roster = ((s_apply_t *) arg)->roster;
    char err[ERR_LEN] = "";
    uint64_t before = keys_roster_version (node_dir_roster (dir));
    int result = node_dir_apply_roster (dir, roster, err, sizeof err);
    if (result != 1) {
        tool_error ("roster version %" PRIu64 " refused: %s",
                    keys_roster_version (roster),
                    err[0] ? err : "no reason given");
        return TOOL_EXIT_FAIL;
    }
    const keys_roster_t *now = node_dir_roster (dir);
    printf ("roster version %" PRIu64 " in force (was %" PRIu64 "): %zu "
            "members, threshold %u\n", keys_roster_version (now), before,
            keys_roster_member_count (now), keys_roster_threshold (now));
    if (!node_dir_self (dir))
        fprintf (stderr, "warning: this node (%s) is not a member of roster "
                         "version %" PRIu64 ": it can no longer post or "
                         "replicate\n", node_dir_name (dir),
                 keys_roster_version (now));
    return TOOL_EXIT_OK;
}

static int
s_apply (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'h': fputs (s_usage_apply, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_apply, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || optind != argc - 1) {
        tool_error ("roster apply needs --dir NODEDIR and one ROSTERFILE");
        fputs (s_usage_apply, stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *path = argv[optind];
    //  Read once: what is checked here is exactly what the daemon gets.
    size_t len = 0;
    char *text = tool_read_file (path, KEYS_ROSTER_MAX_BYTES, &len);
    if (!text)
        return TOOL_EXIT_USAGE;
    char err[ERR_LEN];
    keys_roster_t *roster = keys_roster_parse (text, len, err, sizeof err);
    if (!roster) {
        //  A file that does not parse is refused like one that does not
        //  verify: it is not a roster this node can take.
        tool_error ("'%s' is not a roster: %s", path, err);
        free (text);
        return TOOL_EXIT_FAIL;
    }
    s_apply_t apply = { text, len, roster };
    int rc = cli_through_node (dir_path, s_apply_daemon, s_apply_local,
                               &apply);
    keys_roster_destroy (&roster);
    free (text);
    return rc;
}

int
cli_roster (int argc, char *argv[])
{
    //  revoke and card-update: cli_roster_notice takes the subcommand as
    //  its argv[0].
    static const cli_subcommand_t subs[] = {
        { "show", s_show }, { "apply", s_apply },
        { "revoke", cli_roster_notice }, { "card-update", cli_roster_notice },
    };
    return cli_subcommand (argc, argv, "roster", s_usage, subs,
                           sizeof subs / sizeof subs[0]);
}
