/* SPDX-License-Identifier: MPL-2.0 */
/* cli_follow: `ceptoar follow`: a live tail of the entries a node stores. */

/* Entries are shown in the order this node stored them (rows), which is
   the order they arrived, whatever their authors' clocks say. Each poll is
   one node_store_scan_rows call from the row after the last one seen, and
   each such call runs in a fresh LMDB read transaction, so it sees every
   commit the daemon (the one writer) made since; readers never block it,
   and without a daemon the tail sees `ceptoar post` writing directly.
   Polling, not a notification: the store has no cross-process signal, and
   a read transaction every 200 ms costs next to nothing.                    */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define FOLLOW_INTERVAL_MS 200

static const char *s_usage =
    "usage: ceptoar follow --dir NODEDIR [--kind KIND] [--level LEVEL]\n"
    "                      [--author NAME] [--from-start] [--interval MS]\n"
    "                      [--count N] [--json] [--no-bell]\n"
    "                      [--passphrase-file FILE]\n"
    "\n"
    "Shows entries as this node stores them, one line each (as 'list'\n"
    "does), in the order they arrived, until interrupted (Ctrl-C or\n"
    "SIGTERM: exit 0). Starts after the newest entry held, unless\n"
    "--from-start. An urgent entry (severity 4, or the author's urgent\n"
    "flag, which 'post' sets with --urgent and for early warnings of\n"
    "severity 3 and up) is marked with \"!\" in the first column, and the\n"
    "terminal bell (BEL, \\a) is written just before its line. Works while\n"
    "ceptoard runs and without it.\n"
    "\n"
    "  --kind KIND        only this kind (needs a readable payload)\n"
    "  --level LEVEL      only this level (clear ... red)\n"
    "  --author NAME      only this member's entries (name or fingerprint)\n"
    "  --from-start       first show every entry already held, in the order\n"
    "                     this node stored them\n"
    "  --interval MS      how often to look for new entries (default 200,\n"
    "                     10 to 60000)\n"
    "  --count N          exit 0 after showing N entries\n"
    "  --json             one JSON object per line (as in 'list --json',\n"
    "                     plus \"row\", the local arrival number); \"urgent\"\n"
    "                     is true for the entries marked \"!\"; no bell\n"
    "  --no-bell          never write the bell\n"
    "  --passphrase-file FILE  open RED payloads with the node key\n";

typedef struct {
    node_store_t *store;
    const keys_roster_t *roster;
    cli_opener_t *opener;
    cli_filter_t filter;
    bool json;
    bool bell;                          /* \a before an urgent line        */
    uint64_t last_row;                  /* highest row seen so far          */
    unsigned long shown, count;         /* count 0: no limit                */
    bool failed;                        /* output or history read failed    */
} s_follow_t;

static int
s_visit (const node_entry_t *entry, void *arg)
{
    s_follow_t *follow = arg;
    if (entry->row > follow->last_row)
        follow->last_row = entry->row;
    if (!cli_filter_matches (&follow->filter, entry, follow->opener))
        return cli_interrupted () ? 1 : 0;
    cli_history_t *history = cli_history_new (follow->store, entry->id,
                                              follow->roster, follow->opener);
    if (!history) {
        follow->failed = true;
        return -1;
    }
    unsigned marks = cli_history_marks (history);
    if (follow->json) {
        json_t *obj = cli_entry_json (entry, follow->roster, follow->opener);
        json_object_set_new (obj, "row", json_integer ((json_int_t)
                                                       entry->row));
        json_object_set_new (obj, "retracted", json_boolean (
            marks & CLI_MARK_RETRACTED));
        json_object_set_new (obj, "corrected", json_boolean (
            marks & CLI_MARK_CORRECTED));
        cli_history_json (history, obj);
        if (cli_json_print (obj, true) != 0)
            follow->failed = true;
        json_decref (obj);
    }
    else {
        //  The bell goes on stdout, with the line it announces, so that
        //  it rings where the operator reads and not when only the
        //  diagnostics are watched.
        if (follow->bell && cli_entry_urgent (entry, follow->opener))
            fputc ('\a', stdout);
        cli_entry_line (stdout, entry, follow->roster, follow->opener,
                        marks | CLI_MARK_URGENT_COL);
    }
    cli_history_destroy (&history);
    //  A tail is read as it comes: never leave a line in the buffer.
    if (fflush (stdout) != 0 || ferror (stdout))
        follow->failed = true;
    if (follow->failed)
        return -1;
    follow->shown++;
    if (follow->count && follow->shown >= follow->count)
        return 1;
    return cli_interrupted () ? 1 : 0;
}

int
cli_follow (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "kind", required_argument, NULL, 'k' },
        { "level", required_argument, NULL, 'l' },
        { "author", required_argument, NULL, 'a' },
        { "from-start", no_argument, NULL, 'f' },
        { "interval", required_argument, NULL, 'i' },
        { "count", required_argument, NULL, 'n' },
        { "json", no_argument, NULL, 'j' },
        { "no-bell", no_argument, NULL, 'B' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *kind = NULL, *level = NULL;
    const char *author = NULL, *pass_file = NULL;
    unsigned long interval = FOLLOW_INTERVAL_MS, count = 0;
    bool json = false, from_start = false, bell = true;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'k': kind = optarg; break;
        case 'l': level = optarg; break;
        case 'a': author = optarg; break;
        case 'f': from_start = true; break;
        case 'j': json = true; break;
        case 'B': bell = false; break;
        case 'p': pass_file = optarg; break;
        case 'i':
            if (tool_parse_uint (optarg, 10, 60000, &interval)) {
                tool_error ("invalid --interval \"%s\": 10 to 60000 "
                            "milliseconds", optarg);
                return TOOL_EXIT_USAGE;
            }
            break;
        case 'n':
            if (tool_parse_uint (optarg, 1, 1000000000, &count)) {
                tool_error ("invalid --count \"%s\": 1 to 1000000000",
                            optarg);
                return TOOL_EXIT_USAGE;
            }
            break;
        case 'h': fputs (s_usage, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || optind != argc) {
        tool_error ("follow needs --dir NODEDIR");
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (kind && !proto_kind_parse (kind)) {
        tool_error ("unknown kind \"%s\"", kind);
        return TOOL_EXIT_USAGE;
    }
    if (level && !proto_level_parse (level)) {
        tool_error ("unknown level \"%s\"", level);
        return TOOL_EXIT_USAGE;
    }
    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    cli_opener_t opener;
    cli_opener_init (&opener, dir, pass_file);
    s_follow_t follow;
    memset (&follow, 0, sizeof follow);
    follow.store = node_dir_store (dir);
    follow.roster = node_dir_roster (dir);
    follow.opener = &opener;
    follow.json = json;
    follow.bell = bell && !json;        /* JSON is for programs: no bell   */
    follow.count = count;
    if (cli_filter_parse (&follow.filter, follow.roster, kind, level, author)
        != 0)
        goto done;
    if (!from_start)
        follow.last_row = node_store_last_row (follow.store);
    //  Installed before the line below, which scripts wait for before
    //  they send SIGTERM.
    cli_watch_signals ();
    //  On stderr, so that stdout stays one line per entry; scripts wait
    //  for it to know the tail has started.
    fprintf (stderr, "ceptoar: following %s: entries stored after row %"
                     PRIu64 " (Ctrl-C to stop)\n", dir_path,
             follow.last_row);

    while (!cli_interrupted ()) {
        int result = node_store_scan_rows (follow.store, follow.last_row + 1,
                                           s_visit, &follow);
        if (result < 0 || follow.failed) {
            if (!follow.failed)
                tool_error ("cannot read the store: %s",
                            node_store_last_error (follow.store));
            else if (ferror (stdout))
                tool_error ("cannot write to standard output");
            goto done;
        }
        if (count && follow.shown >= count)
            break;
        if (!cli_interrupted ())
            cli_sleep_ms (interval);
    }
    rc = TOOL_EXIT_OK;
done:
    cli_opener_destroy (&opener);
    node_dir_destroy (&dir);
    return rc;
}
