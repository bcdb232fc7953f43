/* SPDX-License-Identifier: MPL-2.0 */
/* cli_read: `ceptoar list` and `ceptoar show`. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char *s_usage_list =
    "usage: ceptoar list --dir NODEDIR [--kind KIND] [--level LEVEL]\n"
    "                    [--author NAME] [--since TIME] [--limit N] [--json]\n"
    "                    [--passphrase-file FILE]\n"
    "\n"
    "Lists the entries this node holds, oldest first by the author's time.\n"
    "Entries whose payload this node does not hold (not in the audience) are\n"
    "listed with their header only. RED payloads are opened if this node is\n"
    "a recipient and its key opens without a passphrase or with\n"
    "--passphrase-file; otherwise they show as sealed.\n"
    "\n"
    "  --kind KIND        only this kind (needs a readable payload)\n"
    "  --level LEVEL      only this level (clear ... red)\n"
    "  --author NAME      only this member's entries (name or fingerprint)\n"
    "  --since TIME       2026-11-23, 2026-11-23T10:00:00Z, @UNIXSECONDS,\n"
    "                     or an age such as 30m, 2h, 7d\n"
    "  --limit N          at most the N newest matching entries\n"
    "  --json             one JSON array of entry objects (each with\n"
    "                     \"retracted\", \"corrected\", \"retracted_by\" and\n"
    "                     \"history\" as in 'ceptoar show --json')\n"
    "  --passphrase-file FILE  open RED payloads with the node key\n"
    "\n"
    "A retracted entry (its payload purged) is marked [retracted]; one that a\n"
    "later correction or update refers to is marked [corrected]: see its\n"
    "history with 'ceptoar show ID'.\n";

static const char *s_usage_show =
    "usage: ceptoar show --dir NODEDIR ID [--json] [--passphrase-file FILE]\n"
    "\n"
    "Shows one entry in full. ID is the 64-hex entry id or a unique prefix\n"
    "of at least 8 characters.\n"
    "\n"
    "Then its history: every entry this node holds that refers to it\n"
    "(reply, update, correction, retraction, related, acknowledges), newest\n"
    "first, with its author, time and title when readable. A retracted\n"
    "entry says \"RETRACTED by ID at TIME: payload purged\".\n"
    "\n"
    "  --json             one JSON object; \"retracted_by\" (the retracting\n"
    "                     entry, if any) and \"history\" are arrays\n"
    "  --passphrase-file FILE  open RED payloads with the node key\n";

typedef struct {
    node_store_t *store;                /* for each entry's marks           */
    const keys_roster_t *roster;
    cli_opener_t *opener;
    cli_filter_t filter;
    json_t *array;                      /* --json: collected objects        */
    node_entry_t **kept;                /* --limit: ring of copies          */
    size_t limit, count;
    bool failed;                        /* a history could not be read      */
} s_list_t;

//  Print (or collect) one entry with its marks: retracted, corrected.
static void
s_emit (s_list_t *list, const node_entry_t *entry)
{
    cli_history_t *history = cli_history_new (list->store, entry->id,
                                              list->roster, list->opener);
    if (!history) {
        list->failed = true;
        return;
    }
    unsigned marks = cli_history_marks (history);
    if (list->array) {
        json_t *obj = cli_entry_json (entry, list->roster, list->opener);
        json_object_set_new (obj, "retracted", json_boolean (
            marks & CLI_MARK_RETRACTED));
        json_object_set_new (obj, "corrected", json_boolean (
            marks & CLI_MARK_CORRECTED));
        cli_history_json (history, obj);
        json_array_append_new (list->array, obj);
    }
    else
        cli_entry_line (stdout, entry, list->roster, list->opener, marks);
    cli_history_destroy (&history);
}

//  A deep copy of an entry for --limit (the visitor's pointers are
//  borrowed from LMDB and die with the call).
static node_entry_t *
s_entry_copy (const node_entry_t *entry)
{
    node_entry_t *copy = malloc (sizeof *copy + entry->stub_len
                                 + entry->payload_len);
    if (!copy)
        return NULL;
    *copy = *entry;
    uint8_t *bytes = (uint8_t *) (copy + 1);
    memcpy (bytes, entry->stub, entry->stub_len);
    copy->stub = bytes;
    if (entry->payload) {
        memcpy (bytes + entry->stub_len, entry->payload, entry->payload_len);
        copy->payload = bytes + entry->stub_len;
    }
    return copy;
}

static void
s_entry_free (node_entry_t *entry)
{
    if (entry)
        tool_free_wiped ((char *) entry,
                         sizeof *entry + entry->stub_len + entry->payload_len);
}

static int
s_visit (const node_entry_t *entry, void *arg)
{
    s_list_t *list = arg;
    if (!cli_filter_matches (&list->filter, entry, list->opener))
        return 0;
    if (list->limit) {
        size_t slot = list->count % list->limit;
        s_entry_free (list->kept[slot]);
        list->kept[slot] = s_entry_copy (entry);
        if (!list->kept[slot])
            return -1;
    }
    else
        s_emit (list, entry);
    list->count++;
    return list->failed ? -1 : 0;
}

int
cli_list (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "kind", required_argument, NULL, 'k' },
        { "level", required_argument, NULL, 'l' },
        { "author", required_argument, NULL, 'a' },
        { "since", required_argument, NULL, 's' },
        { "limit", required_argument, NULL, 'n' },
        { "json", no_argument, NULL, 'j' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *kind = NULL, *level = NULL;
    const char *author = NULL, *since = NULL, *pass_file = NULL;
    unsigned long limit = 0;
    bool json = false;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'k': kind = optarg; break;
        case 'l': level = optarg; break;
        case 'a': author = optarg; break;
        case 's': since = optarg; break;
        case 'j': json = true; break;
        case 'p': pass_file = optarg; break;
        case 'n':
            if (tool_parse_uint (optarg, 1, 1000000, &limit)) {
                tool_error ("invalid --limit \"%s\": 1 to 1000000", optarg);
                return TOOL_EXIT_USAGE;
            }
            break;
        case 'h': fputs (s_usage_list, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_list, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || optind != argc) {
        tool_error ("list needs --dir NODEDIR");
        fputs (s_usage_list, stderr);
        return TOOL_EXIT_USAGE;
    }
    s_list_t list;
    memset (&list, 0, sizeof list);
    if (kind && !proto_kind_parse (kind)) {
        tool_error ("unknown kind \"%s\"", kind);
        return TOOL_EXIT_USAGE;
    }
    if (level && !proto_level_parse (level)) {
        tool_error ("unknown level \"%s\"", level);
        return TOOL_EXIT_USAGE;
    }
    uint64_t since_ms = 0;
    if (since && tool_parse_time (since, &since_ms) != 0) {
        tool_error ("invalid --since \"%s\": use 2026-11-23, "
                    "2026-11-23T10:00:00Z, @SECONDS or an age like 2h",
                    since);
        return TOOL_EXIT_USAGE;
    }
    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    cli_opener_t opener;
    cli_opener_init (&opener, dir, pass_file);
    list.store = node_dir_store (dir);
    list.roster = node_dir_roster (dir);
    list.opener = &opener;
    if (cli_filter_parse (&list.filter, list.roster, kind, level, author)
        != 0)
        goto done;
    if (json)
        list.array = json_array ();
    list.limit = limit;
    //  An array of pointers, so sizeof a pointer is right.
    // NOLINTNEXTLINE(bugprone-sizeof-expression)
    if (limit && !(list.kept = calloc (limit, sizeof *list.kept))) {
        tool_error ("out of memory for --limit %lu", limit);
        goto done;
    }
    if (node_store_scan_time (node_dir_store (dir), since_ms, s_visit, &list)
        != 0) {
        if (!list.failed)
            tool_error ("cannot read the store: %s",
                        node_store_last_error (node_dir_store (dir)));
        goto done;
    }
    if (limit) {
        size_t kept = list.count < limit ? list.count : limit;
        size_t first = list.count < limit ? 0 : list.count % limit;
        for (size_t i = 0; i < kept; i++) {
            node_entry_t *entry = list.kept[(first + i) % limit];
            if (entry)
                s_emit (&list, entry);
        }
    }
    if (list.failed)
        goto done;
    if (json)
        cli_json_print (list.array, false);
    rc = TOOL_EXIT_OK;
done:
    if (list.kept)
        for (size_t i = 0; i < limit; i++)
            s_entry_free (list.kept[i]);
    free (list.kept);
    json_decref (list.array);
    cli_opener_destroy (&opener);
    node_dir_destroy (&dir);
    return rc;
}

typedef struct {
    const keys_roster_t *roster;
    cli_opener_t *opener;
    const cli_history_t *history;       /* what referenced the entry since  */
    bool json;
} s_show_t;

static int
s_show_visit (const node_entry_t *entry, void *arg)
{
    s_show_t *show = arg;
    unsigned marks = cli_history_marks (show->history);
    if (show->json) {
        json_t *obj = cli_entry_json (entry, show->roster, show->opener);
        json_object_set_new (obj, "retracted", json_boolean (
            marks & CLI_MARK_RETRACTED));
        json_object_set_new (obj, "corrected", json_boolean (
            marks & CLI_MARK_CORRECTED));
        cli_history_json (show->history, obj);
        cli_json_print (obj, false);
        json_decref (obj);
    }
    else {
        cli_entry_full (stdout, entry, show->roster, show->opener, marks);
        cli_history_print (stdout, show->history);
    }
    return 0;
}

int
cli_show (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *pass_file = NULL;
    bool json = false;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'j': json = true; break;
        case 'p': pass_file = optarg; break;
        case 'h': fputs (s_usage_show, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_show, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || optind != argc - 1) {
        tool_error ("show needs --dir NODEDIR and one ID");
        fputs (s_usage_show, stderr);
        return TOOL_EXIT_USAGE;
    }
    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    uint8_t id[PROTO_HASH_BYTES];
    cli_opener_t opener = { NULL, NULL };
    cli_history_t *history = NULL;
    if (cli_resolve_id (dir, argv[optind], id) != 0)
        goto done;
    cli_opener_init (&opener, dir, pass_file);
    history = cli_history_new (node_dir_store (dir), id, node_dir_roster (dir),
                               &opener);
    if (!history)
        goto done;
    s_show_t show = { node_dir_roster (dir), &opener, history, json };
    int found = node_store_get (node_dir_store (dir), id, s_show_visit, &show);
    if (found == NODE_STORE_NOTFOUND)
        tool_error ("no entry %s in this node's store", argv[optind]);
    else if (found < 0)
        tool_error ("cannot read the store: %s",
                    node_store_last_error (node_dir_store (dir)));
    else
        rc = TOOL_EXIT_OK;
done:
    cli_history_destroy (&history);
    cli_opener_destroy (&opener);
    node_dir_destroy (&dir);
    return rc;
}
