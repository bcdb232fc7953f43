/* SPDX-License-Identifier: MPL-2.0 */
/* cli_notice: `ceptoar roster revoke` and `ceptoar roster card-update`. */

/* Both hand a member's self-signed notice (keys_notice) to the node. With
   the daemon running it goes through the control command NOTICE, which
   saves it, pushes it to every peer and rebuilds the transport at once;
   with no daemon, node_dir_apply_notice saves it under the daemon lock and
   the daemon spreads it when it starts (every session starts by sending
   every notice). Whether a notice counts is decided by the node, not here:
   keys_notice_parse checks the signature, node_dir_apply_notice that the
   key is one of the roster's.                                              */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../node/node_control.h"

#define S_TIMEOUT_MS 30000
#define S_ERR_LEN 512

static const char *s_usage_revoke =
    "usage: ceptoar roster revoke --dir NODEDIR CERTFILE\n"
    "\n"
    "Applies a member's revocation certificate (made at its key ceremony\n"
    "with 'ceptoar-keys revoke-cert'). No threshold is needed: the key\n"
    "revokes itself. The node stops admitting the key's transport, refuses\n"
    "its new entries (reason revoked) and sends it no payload, and passes\n"
    "the certificate to every peer, so that the whole Council does the\n"
    "same within one round. A revocation is final; the member is readmitted\n"
    "only with a new key, by a roster change.\n"
    "\n"
    "exit status: 0 applied (or already held), 1 refused (does not verify,\n"
    "not a key of the roster), 2 usage or I/O error\n";

static const char *s_usage_update =
    "usage: ceptoar roster card-update --dir NODEDIR UPDATEFILE\n"
    "\n"
    "Applies a member's card update (made with 'ceptoar-keys card-update',\n"
    "signed by the member's own key; no threshold): from now on peers\n"
    "reach that member at the endpoints it publishes, on every node. An\n"
    "older update than the one held changes nothing.\n"
    "\n"
    "exit status: 0 applied (or already held or older), 1 refused (does\n"
    "not verify, not a key of the roster), 2 usage or I/O error\n";

//  The notice being applied: its text as read, and as parsed.
typedef struct {
    const char *text;
    size_t len;
    const keys_notice_t *notice;
} s_apply_t;

static int
s_apply_daemon (const char *dir_path, void *arg)
{
    s_apply_t *apply = arg;
    char err[S_ERR_LEN];
    zmsg_t *request = zmsg_new ();
    zmsg_addstr (request, "NOTICE");
    zmsg_addmem (request, apply->text, apply->len);
    zmsg_t *reply = node_control_call (dir_path, &request, S_TIMEOUT_MS, err,
                                       sizeof err);
    if (!reply) {
        tool_error ("the running node did not answer: %s", err);
        return TOOL_EXIT_USAGE;
    }
    char *status = zmsg_popstr (reply);
    char *first = zmsg_popstr (reply);
    char *second = zmsg_popstr (reply);
    int rc = TOOL_EXIT_FAIL;
    if (status && !strcmp (status, "OK")) {
        printf ("%s %s by the running node%s\n", second ? second : "notice",
                first && !strcmp (first, "taken") ? "applied"
                                                  : "already held",
                first && !strcmp (first, "taken")
                    ? " and sent to its peers" : "");
        rc = TOOL_EXIT_OK;
    }
    else
        tool_error ("the node refused it: %s",
                    second && *second ? second : "no reason given");
    free (status);
    free (first);
    free (second);
    zmsg_destroy (&reply);
    return rc;
}

static int
s_apply_local (node_dir_t *dir, void *arg)
{
    const keys_notice_t *notice = ((s_apply_t *) arg)->notice;
    char err[S_ERR_LEN] = "";
    int rc = node_dir_apply_notice (dir, notice, err, sizeof err);
    if (rc < 0) {
        tool_error ("refused: %s", err);
        return TOOL_EXIT_FAIL;
    }
    //  A node whose own key is no active member's does not replicate: its
    //  daemon would never pass the notice on.
    bool passes_on = keys_roster_member_active (node_dir_roster (dir),
                                                node_dir_self_pk (dir));
    printf ("%s %s%s\n", keys_notice_kind_name (notice->kind),
            rc == 1 ? "applied" : "already held",
            passes_on ? "; ceptoard passes it to every peer when it starts"
                      : " here; but this node's own key is not an active "
                        "member's, so it passes nothing on: hand the file "
                        "to a member's running node too");
    return TOOL_EXIT_OK;
}

int
cli_roster_notice (int argc, char *argv[])
{
    bool revoke = !strcmp (argv[0], "revoke");
    const char *usage = revoke ? s_usage_revoke : s_usage_update;
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
        case 'h': fputs (usage, stdout); return TOOL_EXIT_OK;
        default: fputs (usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || optind != argc - 1) {
        tool_error ("roster %s needs --dir NODEDIR and one file", argv[0]);
        fputs (usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *path = argv[optind];
    size_t len = 0;
    char *text = tool_read_file (path, KEYS_NOTICE_TEXT_MAX, &len);
    if (!text)
        return TOOL_EXIT_USAGE;
    char err[S_ERR_LEN];
    keys_notice_t notice;
    if (keys_notice_parse (&notice, text, len, err, sizeof err) != 0) {
        tool_error ("'%s' is not a valid notice: %s", path, err);
        free (text);
        return TOOL_EXIT_FAIL;
    }
    keys_notice_kind_t want = revoke ? KEYS_NOTICE_REVOCATION
                                     : KEYS_NOTICE_CARD_UPDATE;
    if (notice.kind != want) {
        tool_error ("'%s' is a %s, not a %s: use 'ceptoar roster %s'", path,
                    keys_notice_kind_name (notice.kind),
                    keys_notice_kind_name (want),
                    revoke ? "card-update" : "revoke");
        free (text);
        return TOOL_EXIT_USAGE;
    }
    s_apply_t apply = { text, len, &notice };
    int rc = cli_through_node (dir_path, s_apply_daemon, s_apply_local,
                               &apply);
    free (text);
    return rc;
}
