/* SPDX-License-Identifier: MPL-2.0 */
/* ceptoard: the CEPTOAR Council node daemon. */

/* Runs a node from its directory in the foreground until SIGINT or SIGTERM.
   Today it owns the store and serves the local control endpoint (posts from
   `ceptoar post` are group-committed); replication with peers over
   CurveZMQ (docs/protocol.md §13) is being built on top of it.

   Exit codes: 0 after a clean shutdown, 1 if the node cannot start for a
   policy reason (key not in the roster, wrong passphrase), 2 for usage or
   I/O errors (no such directory, already running, cannot bind).            */

#include <czmq.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "../tools/tool_util.h"
#include "node_control.h"
#include "node_dir.h"
#include "node_server.h"

static const char *s_usage =
    "usage: ceptoard --dir NODEDIR [--passphrase-file FILE] [--verbose]\n"
    "                [--syslog]\n"
    "\n"
    "Runs the node in NODEDIR (made by 'ceptoar init') in the foreground\n"
    "until SIGINT or SIGTERM. Logs go to standard error, or to syslog with\n"
    "--syslog. The node's key is opened once at start: its passphrase is\n"
    "the first line of --passphrase-file FILE, or typed at the terminal if\n"
    "standard input is one (an unencrypted key needs neither).\n"
    "\n"
    "exit status: 0 clean shutdown, 1 refused to start (key not in the\n"
    "roster, wrong passphrase), 2 usage or I/O error (already running, ...)\n";

int
main (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "verbose", no_argument, NULL, 'v' },
        { "syslog", no_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    tool_set_program ("ceptoard");
    const char *dir = NULL, *pass_file = NULL;
    bool verbose = false, use_syslog = false;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'v': verbose = true; break;
        case 's': use_syslog = true; break;
        case 'h': fputs (s_usage, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir || optind != argc) {
        tool_error ("ceptoard needs --dir NODEDIR");
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (proto_init () != 0) {
        tool_error ("libsodium could not start");
        return TOOL_EXIT_USAGE;
    }
    zsys_init ();
    zsys_set_logident ("ceptoard");
    if (use_syslog)
        zsys_set_logsystem (true);
    zsys_set_logstream (use_syslog ? NULL : stderr);

    int lock = node_control_lock (dir);
    if (lock == -1) {
        tool_error ("a ceptoard already runs for '%s'", dir);
        return TOOL_EXIT_USAGE;
    }
    if (lock < 0) {
        tool_error ("cannot lock '%s': is it a node directory?", dir);
        return TOOL_EXIT_USAGE;
    }
    char err[512];
    node_dir_t *node = node_dir_open (dir, err, sizeof err);
    if (!node) {
        tool_error ("%s", err);
        node_control_unlock (lock);
        return TOOL_EXIT_USAGE;
    }
    if (!node_dir_self (node)) {
        //  Say why: a key rotated out or removed is listed as retired.
        const keys_roster_t *roster = node_dir_roster (node);
        const keys_retired_t *retired
            = keys_roster_retired_by_key (roster, node_dir_self_pk (node));
        char when[TOOL_TIME_LEN];
        if (retired) {
            tool_format_time ((uint64_t) retired->until * 1000, when);
            tool_error ("this node's key (%s) was retired in the roster in "
                        "force, version %" PRIu64 ", as of %s: its member's "
                        "keys were rotated, or it was removed. A rotated "
                        "member runs a node with its new key "
                        "(docs/ceremony.md 4.3)",
                        node_dir_name (node), keys_roster_version (roster),
                        when);
        }
        else
            tool_error ("this node (%s) is not a member of the roster in "
                        "force (version %" PRIu64 ")", node_dir_name (node),
                        keys_roster_version (roster));
        node_dir_destroy (&node);
        node_control_unlock (lock);
        return TOOL_EXIT_FAIL;
    }
    int rc = TOOL_EXIT_USAGE;
    keys_secret_t *key = tool_open_key (node_dir_key_path (node), pass_file,
                                        &rc);
    if (!key) {
        node_dir_destroy (&node);
        node_control_unlock (lock);
        return rc;
    }
    if (memcmp (keys_secret_sign_pk (key), node_dir_self_pk (node),
                PROTO_PK_BYTES) != 0) {
        tool_error ("the key file does not match this node's configured key");
        keys_secret_destroy (&key);
        node_dir_destroy (&node);
        node_control_unlock (lock);
        return TOOL_EXIT_FAIL;
    }
    char name[KEYS_NAME_MAX + 1];
    snprintf (name, sizeof name, "%s", node_dir_name (node));
    node_server_args_t args = { node, key, verbose, false, true };
    zactor_t *server = zactor_new (node_server_actor, &args);
    //  The actor took node and key; if it failed it destroyed them.
    if (!server || !args.started) {
        zactor_destroy (&server);
        node_dir_destroy (&args.node);
        keys_secret_destroy (&args.key);
        node_control_unlock (lock);
        tool_error ("the node could not start (see the log above)");
        return TOOL_EXIT_USAGE;
    }
    zsys_info ("%s: node running (pid %d)", name, (int) getpid ());
    //  zsys's default handler sets zsys_interrupted on SIGINT and SIGTERM.
    while (!zsys_interrupted)
        zclock_sleep (100);
    zsys_info ("%s: shutting down", name);
    zactor_destroy (&server);
    node_control_unlock (lock);
    zsys_info ("%s: stopped", name);
    return TOOL_EXIT_OK;
}
