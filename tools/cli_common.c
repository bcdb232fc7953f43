/* SPDX-License-Identifier: MPL-2.0 */
/* cli_common: opening a node directory, resolving ids, the RED opener. */

#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "../node/node_control.h"

#define ERR_LEN 512

node_dir_t *
cli_open_dir (const char *dir)
{
    char err[ERR_LEN];
    node_dir_t *node = node_dir_open (dir, err, sizeof err);
    if (!node)
        tool_error ("%s", err);
    return node;
}

int
cli_through_node (const char *dir_path, cli_daemon_fn *daemon,
                  cli_local_fn *local, void *arg)
{
    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    int lock = node_control_lock (dir_path);
    if (lock == -1)
        rc = daemon (dir_path, arg);
    else if (lock < 0)
        tool_error ("cannot take the lock '%s/%s': check the directory's "
                    "permissions", dir_path, NODE_CONTROL_LOCK);
    else {
        rc = local (dir, arg);
        node_control_unlock (lock);
    }
    node_dir_destroy (&dir);
    return rc;
}

typedef struct {
    const char *prefix;            /* lowercase hex prefix                   */
    size_t prefix_len;
    size_t matches;
    uint8_t id[PROTO_HASH_BYTES];
} s_prefix_search_t;

static int
s_match_prefix (const node_entry_t *entry, void *arg)
{
    s_prefix_search_t *search = arg;
    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, entry->id, PROTO_HASH_BYTES);
    if (!strncmp (hex, search->prefix, search->prefix_len)) {
        search->matches++;
        memcpy (search->id, entry->id, PROTO_HASH_BYTES);
    }
    return search->matches > 1;
}

static int
s_exists (const node_entry_t *entry, void *arg)
{
    return 0;
}

int
cli_resolve_id (node_dir_t *dir, const char *text,
                uint8_t id[PROTO_HASH_BYTES])
{
    size_t len = strlen (text);
    char lower[2 * PROTO_HASH_BYTES + 1];
    bool hex = len >= 8 && len <= 2 * PROTO_HASH_BYTES;
    for (size_t i = 0; hex && i < len; i++) {
        hex = isxdigit ((unsigned char) text[i]) != 0;
        lower[i] = (char) tolower ((unsigned char) text[i]);
    }
    if (!hex) {
        tool_error ("invalid entry id \"%s\": give the 64 hex characters "
                    "'list' shows, or a unique prefix of at least 8", text);
        return -1;
    }
    lower[len] = 0;
    if (len == 2 * PROTO_HASH_BYTES) {
        if (proto_hex_decode (id, PROTO_HASH_BYTES, lower) != 0)
            return -1;
        int found = node_store_get (node_dir_store (dir), id, s_exists, NULL);
        if (found == 0)
            return 0;
        if (found == NODE_STORE_NOTFOUND)
            tool_error ("no entry %s in this node's store", lower);
        else
            tool_error ("cannot read the store: %s",
                        node_store_last_error (node_dir_store (dir)));
        return -1;
    }
    s_prefix_search_t search = { lower, len, 0, { 0 } };
    if (node_store_scan_time (node_dir_store (dir), 0, s_match_prefix,
                              &search) < 0) {
        tool_error ("cannot read the store: %s",
                    node_store_last_error (node_dir_store (dir)));
        return -1;
    }
    if (search.matches == 0) {
        tool_error ("no entry id starts with \"%s\"", text);
        return -1;
    }
    if (search.matches > 1) {
        tool_error ("several entry ids start with \"%s\": give more "
                    "characters", text);
        return -1;
    }
    memcpy (id, search.id, PROTO_HASH_BYTES);
    return 0;
}

void
cli_opener_init (cli_opener_t *self, node_dir_t *dir, const char *pass_file)
{
    self->key = NULL;
    self->note = NULL;
    const char *path = node_dir_key_path (dir);
    int encrypted = keys_secret_file_encrypted (path);
    if (encrypted < 0)
        return;
    if (encrypted && !pass_file) {
        self->note = "the node key is encrypted; give --passphrase-file to "
                     "open them";
        return;
    }
    char *pass = NULL;
    if (encrypted && tool_passphrase (pass_file, false, false, &pass) != 0)
        return;
    keys_load_t result;
    self->key = keys_secret_load (path, pass, &result);
    tool_passphrase_free (&pass);
    if (!self->key)
        self->note = keys_load_strerror (result);
}

void
cli_opener_destroy (cli_opener_t *self)
{
    keys_secret_destroy (&self->key);
}

void
cli_author_name (const keys_roster_t *roster, const uint8_t *pk, char *out,
                 size_t len)
{
    const keys_member_t *member = keys_roster_member_by_key (roster, pk);
    if (member)
        snprintf (out, len, "%s", member->card.name);
    else {
        char fpr[PROTO_FPR_HEX_LEN + 1];
        proto_fingerprint (fpr, pk);
        snprintf (out, len, "%.16s", fpr);
    }
}

int
cli_filter_parse (cli_filter_t *filter, const keys_roster_t *roster,
                  const char *kind, const char *level, const char *author)
{
    memset (filter, 0, sizeof *filter);
    if (kind && !(filter->kind = proto_kind_parse (kind))) {
        tool_error ("unknown kind \"%s\" (see 'ceptoar post --help')", kind);
        return -1;
    }
    if (level && !(filter->level = cli_level_arg (level)))
        return -1;
    if (author) {
        const keys_member_t *member = keys_roster_member_lookup (roster,
                                                                 author);
        if (!member) {
            tool_error ("no member \"%s\" in the roster in force", author);
            return -1;
        }
        filter->author = member->card.sign_pk;
    }
    return 0;
}

bool
cli_filter_matches (const cli_filter_t *filter, const node_entry_t *entry,
                    cli_opener_t *opener)
{
    if (filter->level && entry->header.level != filter->level)
        return false;
    if (filter->author
        && memcmp (entry->header.author, filter->author, PROTO_PK_BYTES))
        return false;
    if (filter->kind) {
        proto_payload_t payload;
        uint8_t *plain = NULL;
        int state = cli_entry_payload (entry, opener, &payload, &plain);
        bool same = state == 0 && payload.kind == filter->kind;
        if (plain) {
            sodium_memzero (plain, entry->payload_len);
            free (plain);
        }
        return same;
    }
    return true;
}

int
cli_json_print (json_t *value, bool compact)
{
    char *text = json_dumps (value, compact ? JSON_COMPACT : JSON_INDENT (2));
    if (!text)
        return -1;
    int rc = printf ("%s\n", text) < 0 ? -1 : 0;
    tool_free_wiped (text, strlen (text));
    return rc;
}

int
cli_dir_command (int argc, char *argv[], const char *usage, const char *what,
                 node_dir_t **dir, const char **dir_path, bool *json,
                 int *exit_code)
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    *dir = NULL;
    *dir_path = NULL;
    *json = false;
    *exit_code = TOOL_EXIT_USAGE;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': *dir_path = optarg; break;
        case 'j': *json = true; break;
        case 'h':
            fputs (usage, stdout);
            *exit_code = TOOL_EXIT_OK;
            return -1;
        default: fputs (usage, stderr); return -1;
        }
    }
    if (!*dir_path || optind != argc) {
        tool_error ("%s needs --dir NODEDIR", what);
        fputs (usage, stderr);
        return -1;
    }
    *dir = cli_open_dir (*dir_path);
    return *dir ? 0 : -1;
}

//  --------------------------------------------------------------------------

//  "a, b or c" for the subcommands' names.
static void
s_names (char *out, size_t cap, const cli_subcommand_t *subs, size_t count)
{
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < count && len < cap; i++) {
        const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
        int w = snprintf (out + len, cap - len, "%s%s", sep, subs[i].name);
        if (w < 0)
            break;
        len += (size_t) w;
    }
}

int
cli_subcommand (int argc, char *argv[], const char *what, const char *usage,
                const cli_subcommand_t *subs, size_t count)
{
    char names[256];
    s_names (names, sizeof names, subs, count);
    if (argc < 2) {
        tool_error ("%s needs a subcommand: %s", what, names);
        fputs (usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp (sub, "--help") || !strcmp (sub, "-h")
        || !strcmp (sub, "help")) {
        fputs (usage, stdout);
        return TOOL_EXIT_OK;
    }
    for (size_t i = 0; i < count; i++)
        if (!strcmp (sub, subs[i].name))
            return subs[i].run (argc - 1, argv + 1);
    tool_error ("unknown %s subcommand '%s': %s", what, sub, names);
    fputs (usage, stderr);
    return TOOL_EXIT_USAGE;
}

//  --------------------------------------------------------------------------
//  Running until interrupted

static volatile sig_atomic_t s_interrupted = 0;

static void
s_on_signal (int signum)
{
    (void) signum;
    s_interrupted = 1;
}

void
cli_watch_signals (void)
{
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigemptyset (&action.sa_mask);
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
}

bool
cli_interrupted (void)
{
    return s_interrupted != 0;
}

void
cli_sleep_ms (unsigned long ms)
{
    struct timespec ts = { (time_t) (ms / 1000),
                           (long) (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

//  --------------------------------------------------------------------------
//  Option values

proto_level_t
cli_level_arg (const char *text)
{
    proto_level_t level = proto_level_parse (text);
    if (!level)
        tool_error ("unknown level \"%s\": clear, green, amber, "
                    "amber+strict or red", text);
    return level;
}

int
cli_severity_arg (const char *text)
{
    int severity = proto_severity_parse (text);
    if (severity < 0)
        tool_error ("invalid severity \"%s\": 0 (lowest) to 4 (highest)",
                    text);
    return severity;
}

bool
cli_title_ok (const char *title)
{
    size_t len = strlen (title);
    if (len == 0 || len > PROTO_TITLE_MAX
        || !proto_utf8_valid ((const uint8_t *) title, len, false)) {
        tool_error ("the title must be one line of 1 to %d bytes of UTF-8",
                    PROTO_TITLE_MAX);
        return false;
    }
    return true;
}
