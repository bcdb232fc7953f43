/* SPDX-License-Identifier: MPL-2.0 */
/* cli_fsck: `ceptoar fsck`: re-verify the whole store. */

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char *s_usage =
    "usage: ceptoar fsck --dir NODEDIR [--threads N] [--json]\n"
    "\n"
    "Re-verifies every entry's signature, every author's hash chain, every\n"
    "index and every payload's hash, and that no plaintext payload is held\n"
    "outside this node's clearance. Prints one line per problem and a\n"
    "summary; exits 0 if the store is intact, 1 if any problem was found,\n"
    "2 if the store could not be read. Safe while the node is running.\n"
    "\n"
    "  --threads N   verification threads (default: one per core)\n"
    "  --json        the summary and problems as one JSON object\n";

typedef struct {
    json_t *problems;         /* --json: collected lines                    */
} s_fsck_t;

static void
s_report (const char *problem, void *arg)
{
    s_fsck_t *fsck = arg;
    if (fsck->problems)
        json_array_append_new (fsck->problems, json_string (problem));
    else
        printf ("problem: %s\n", problem);
}

int
cli_fsck (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "threads", required_argument, NULL, 't' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL;
    unsigned long threads = 0;
    bool json = false;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'j': json = true; break;
        case 't':
            if (tool_parse_uint (optarg, 1, 256, &threads)) {
                tool_error ("invalid --threads \"%s\": 1 to 256", optarg);
                return TOOL_EXIT_USAGE;
            }
            break;
        case 'h': fputs (s_usage, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || optind != argc) {
        tool_error ("fsck needs --dir NODEDIR");
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    s_fsck_t fsck = { json ? json_array () : NULL };
    node_fsck_stats_t stats;
    memset (&stats, 0, sizeof stats);
    int result = node_store_fsck (node_dir_store (dir), (unsigned) threads,
                                  s_report, &fsck, &stats);
    int rc = result == 0   ? TOOL_EXIT_OK
           : result == 1   ? TOOL_EXIT_FAIL
                           : TOOL_EXIT_USAGE;
    if (result < 0)
        tool_error ("cannot read the store: %s",
                    node_store_last_error (node_dir_store (dir)));
    else if (json) {
        json_t *obj = json_pack (
            "{s:b, s:I, s:I, s:I, s:I, s:o}", "clean", result == 0,
            "entries", (json_int_t) stats.entries, "payloads",
            (json_int_t) stats.payloads, "authors",
            (json_int_t) stats.authors, "problems_found",
            (json_int_t) stats.problems, "problems", fsck.problems);
        fsck.problems = NULL;
        char *text = json_dumps (obj, JSON_INDENT (2));
        if (text)
            printf ("%s\n", text);
        free (text);
        json_decref (obj);
    }
    else
        printf ("%s: %" PRIu64 " entries, %" PRIu64 " payloads, %" PRIu64
                " authors checked; %" PRIu64 " problem%s\n",
                result == 0 ? "clean" : "DAMAGED", stats.entries,
                stats.payloads, stats.authors, stats.problems,
                stats.problems == 1 ? "" : "s");
    json_decref (fsck.problems);
    node_dir_destroy (&dir);
    return rc;
}
