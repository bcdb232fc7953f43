/* SPDX-License-Identifier: MPL-2.0 */
/* ceptoar: the operator command-line tool of a CEPTOAR Council node. */

#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char *s_usage =
    "usage: ceptoar COMMAND --dir NODEDIR [OPTIONS]\n"
    "\n"
    "The operator tool of a CEPTOAR Council node.\n"
    "\n"
    "commands:\n"
    "  init      create a node directory from a key file and a roster\n"
    "  post      sign and store a new entry (warning, incident, ...)\n"
    "  list      list entries, newest last, with filters\n"
    "  show      show one entry in full\n"
    "  follow    show entries live as the node stores them\n"
    "  fsck      re-verify every signature, chain and index of the store\n"
    "  audit     prove no payload is held outside this node's clearance\n"
    "  peers     every member: connected, last seen, behind, violations\n"
    "  roster    show the roster in force, or apply a new version\n"
    "  incident  declare a large-scale IT failure ('incident open')\n"
    "  status    report this node's state in an incident ('status post')\n"
    "  board     the situation board of an incident: every member's state\n"
    "  ack       acknowledge an entry: a person here read it\n"
    "  drill     start a drill, or report who confirmed it and when\n"
    "\n"
    "'ceptoar COMMAND --help' describes each command.\n"
    "exit status: 0 success, 1 verification or policy failure, 2 usage or "
    "I/O error\n";

int
main (int argc, char *argv[])
{
    tool_set_program ("ceptoar");
    if (argc < 2) {
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (!strcmp (command, "--help") || !strcmp (command, "-h")
        || !strcmp (command, "help")) {
        fputs (s_usage, stdout);
        return TOOL_EXIT_OK;
    }
    if (proto_init () != 0) {
        tool_error ("libsodium could not start");
        return TOOL_EXIT_USAGE;
    }
    static const struct {
        const char *name;
        int (*run) (int argc, char *argv[]);
    } commands[] = {
        { "init", cli_init }, { "post", cli_post }, { "list", cli_list },
        { "show", cli_show }, { "fsck", cli_fsck },
        { "audit", cli_audit }, { "follow", cli_follow },
        { "peers", cli_peers }, { "roster", cli_roster },
        { "incident", cli_incident }, { "status", cli_status },
        { "board", cli_board },
        { "ack", cli_ack }, { "drill", cli_drill },
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp (command, commands[i].name))
            return commands[i].run (argc - 1, argv + 1);
    tool_error ("unknown command '%s'", command);
    fputs (s_usage, stderr);
    return TOOL_EXIT_USAGE;
}
