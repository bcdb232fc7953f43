/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_config: libFuzzer harness for the node's configuration file. */

/* The input is the text of ceptoard.cfg (docs/operations.md, "The node
   directory"), which operators edit by hand and every command that opens
   the node reads (node_dir_open: node_config_load, node_config_check).
   node_config.c is compiled into the harness with the fuzzer's
   instrumentation; CZMQ's zconfig underneath is the system library.
   Properties checked:

   - a refusal always comes with a reason of printable ASCII, one line,
     "line N: ..." from the text check (or "longer than ..."); the text
     check accepts only ZPL that zconfig_chunk_load then loads, so its
     fallback reason "not valid ZPL" never shows;
   - zconfig reads accepted text as its grammar says: the harness reads
     it line by line (names, depths, quoted and unquoted values, comments)
     and finds the same items, in the same order, in zconfig's tree;
   - round trip: an accepted text saved with zconfig_str_save (as a
     roster switch rewrites the file) is accepted again, as the same tree
     (names, values, order) and, checked, with the same values or the
     same refusal;
   - a value refused by node_config_check comes with a printable one-line
     reason; accepted values are within the documented limits;
   - the readers agree: each value read from the tree as the node reads it
     (zconfig_get with the reader's default, then atoi, atol, strtoul or
     a string compare, as node_repl.c and node_dir.c do) is the checked
     value, so no reader falls back to a default or sees another value;
   - the roster switch's edit (node/roster-file and node/roster-hash put,
     the file saved) gives a file that is accepted with the new values
     and nothing else changed.                                              */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "node_config.h"
#include "fuzz_common.h"

/* ------------------------------------------------------------------------
   The model: text the subset accepts, read line by line as its grammar
   says (node_config.h), item by item in file order, against zconfig's
   tree walked in the same order. Returns the next item of the walk.        */
typedef struct {
    zconfig_t *stack[NODE_CONFIG_DEPTH_MAX + 1];   /* path to the last item */
    size_t depth;                                   /* of the last item + 1 */
} s_walk_t;

static zconfig_t *
s_walk_next (s_walk_t *walk, size_t *depth)
{
    zconfig_t *item = NULL;
    if (walk->depth > 0 && zconfig_child (walk->stack[walk->depth - 1])) {
        item = zconfig_child (walk->stack[walk->depth - 1]);
        walk->stack[walk->depth++] = item;
    }
    else {
        while (walk->depth > 1 && !zconfig_next (walk->stack[walk->depth - 1]))
            walk->depth--;
        if (walk->depth > 1) {
            item = zconfig_next (walk->stack[walk->depth - 1]);
            walk->stack[walk->depth - 1] = item;
        }
    }
    *depth = walk->depth - 2;                   /* the root is depth 0 */
    return item;
}

static void
s_check_model (zconfig_t *tree, const char *text, size_t len)
{
    s_walk_t walk = { { tree }, 1 };
    size_t pos = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *lf = memchr (line, '\n', len - pos);
        size_t n = lf ? (size_t) (lf - line) : len - pos;
        pos += n + 1;
        while (n > 0 && line[n - 1] == ' ')
            n--;
        size_t at = 0;
        while (at < n && line[at] == ' ')
            at++;
        if (at == n || line[at] == '#')
            continue;
        size_t name_at = at;
        while (at < n && line[at] != ' ' && line[at] != '=' && line[at] != '#')
            at++;
        size_t name_len = at - name_at;
        while (at < n && line[at] == ' ')
            at++;
        const char *value = "";
        size_t value_len = 0;
        if (at < n && line[at] == '=') {
            at++;
            while (at < n && line[at] == ' ')
                at++;
            if (at < n && (line[at] == '"' || line[at] == '\'')) {
                const char *close = memchr (line + at + 1, line[at],
                                            n - at - 1);
                FUZZ_CHECK ("config-zpl-model", close);
                value = line + at + 1;
                value_len = (size_t) (close - value);
            }
            else {
                value = line + at;
                const char *hash = memchr (value, '#', n - at);
                value_len = hash ? (size_t) (hash - value) : n - at;
                while (value_len > 0 && value[value_len - 1] == ' ')
                    value_len--;
            }
        }
        size_t depth;
        zconfig_t *item = s_walk_next (&walk, &depth);
        FUZZ_CHECK ("config-zpl-model", item);
        FUZZ_CHECK ("config-zpl-model", depth == name_at / 4);
        const char *name = zconfig_name (item);
        FUZZ_CHECK ("config-zpl-model", strlen (name) == name_len
                                            && !memcmp (name, line + name_at,
                                                        name_len));
        const char *got = zconfig_value (item);
        got = got ? got : "";
        FUZZ_CHECK ("config-zpl-model", strlen (got) == value_len
                                            && !memcmp (got, value,
                                                        value_len));
    }
    size_t depth;
    FUZZ_CHECK ("config-zpl-model", !s_walk_next (&walk, &depth));
}

/* ------------------------------------------------------------------------
   Whether two trees hold the same names and values in the same order
   (a value zconfig keeps as NULL reads as ""). Recursive, but only as deep
   as the tree, which node_config_parse keeps to NODE_CONFIG_DEPTH_MAX.    */
static bool
s_tree_eq (zconfig_t *a, zconfig_t *b)  /* NOLINT(misc-no-recursion) */
{
    while (a && b) {
        const char *va = zconfig_value (a), *vb = zconfig_value (b);
        if (strcmp (zconfig_name (a), zconfig_name (b))
            || strcmp (va ? va : "", vb ? vb : "")
            || !s_tree_eq (zconfig_child (a), zconfig_child (b)))
            return false;
        a = zconfig_next (a);
        b = zconfig_next (b);
    }
    return !a && !b;
}

static bool
s_str_eq (const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp (a, b));
}

static bool
s_values_eq (const node_config_t *a, const node_config_t *b)
{
    return s_str_eq (a->name, b->name)
           && !memcmp (a->sign_pk, b->sign_pk, PROTO_PK_BYTES)
           && s_str_eq (a->key_file, b->key_file)
           && s_str_eq (a->roster_file, b->roster_file)
           && a->has_roster_hash == b->has_roster_hash
           && (!a->has_roster_hash
               || !memcmp (a->roster_hash, b->roster_hash, PROTO_HASH_BYTES))
           && s_str_eq (a->listen, b->listen) && a->log_level == b->log_level
           && a->connect_roster == b->connect_roster
           && a->heads_interval_ms == b->heads_interval_ms
           && a->requests_per_sec == b->requests_per_sec
           && a->map_size == b->map_size
           && a->max_map_size == b->max_map_size
           && a->peer_count == b->peer_count;
}

/* ------------------------------------------------------------------------
   Parse text; a refusal's reason must be one of the text check's.
   Returns the tree or NULL.                                                 */
static zconfig_t *
s_parse (const char *text, size_t len)
{
    char reason[256] = "";
    zconfig_t *tree = node_config_parse (text, len, reason, sizeof reason);
    if (!tree) {
        FUZZ_CHECK ("config-zpl-subset", strncmp (reason, "not valid ZPL",
                                                  13));
        FUZZ_CHECK ("config-reason", s_reason_ok (reason));
        FUZZ_CHECK ("config-reason", !strncmp (reason, "line ", 5)
                                         || !strncmp (reason, "longer", 6));
    }
    return tree;
}

/* ------------------------------------------------------------------------
   Check tree; returns 0 and fills values, or -1 after checking the reason.
   */
static int
s_check (zconfig_t *tree, node_config_t *values)
{
    char reason[256] = "";
    int rc = node_config_check (tree, values, reason, sizeof reason);
    FUZZ_CHECK ("config-check", rc == 0 || rc == -1);
    if (rc != 0)
        FUZZ_CHECK ("config-reason", s_reason_ok (reason));
    return rc;
}

/* ------------------------------------------------------------------------
   Accepted values are within the documented limits, and each reader of
   the tree sees them.                                                       */
static void
s_check_limits (zconfig_t *tree, const node_config_t *v)
{
    FUZZ_CHECK ("config-limits", keys_name_valid (v->name));
    FUZZ_CHECK ("config-limits", v->key_file && *v->key_file);
    FUZZ_CHECK ("config-limits", v->roster_file && *v->roster_file);
    FUZZ_CHECK ("config-limits", !v->listen || keys_endpoint_valid (v->listen));
    FUZZ_CHECK ("config-limits", v->log_level >= NODE_CONFIG_LOG_ERROR
                                     && v->log_level <= NODE_CONFIG_LOG_DEBUG);
    FUZZ_CHECK ("config-limits",
                v->heads_interval_ms >= NODE_CONFIG_HEADS_MIN_MS
                    && v->heads_interval_ms <= NODE_CONFIG_HEADS_MAX_MS);
    FUZZ_CHECK ("config-limits", v->requests_per_sec >= NODE_CONFIG_RATE_MIN
                                     && v->requests_per_sec
                                            <= NODE_CONFIG_RATE_MAX);
    FUZZ_CHECK ("config-limits",
                v->map_size == 0
                    || (v->map_size >= NODE_CONFIG_MAP_MIN
                        && v->map_size <= NODE_CONFIG_MAP_MAX));
    FUZZ_CHECK ("config-limits",
                v->max_map_size == 0
                    || (v->max_map_size >= NODE_CONFIG_MAP_MIN
                        && v->max_map_size <= NODE_CONFIG_MAP_MAX));
    FUZZ_CHECK ("config-limits", !v->map_size || !v->max_map_size
                                     || v->max_map_size >= v->map_size);

    /* The readers, with their defaults (node_dir.c, node_repl.c).           */
    FUZZ_CHECK ("config-readers",
                s_str_eq (zconfig_get (tree, "node/name", NULL), v->name));
    uint8_t pk[PROTO_PK_BYTES];
    const char *pk_hex = zconfig_get (tree, "node/sign-key", NULL);
    FUZZ_CHECK ("config-readers",
                pk_hex && proto_hex_decode (pk, PROTO_PK_BYTES, pk_hex) == 0
                    && !memcmp (pk, v->sign_pk, PROTO_PK_BYTES));
    FUZZ_CHECK ("config-readers",
                s_str_eq (zconfig_get (tree, "node/key-file", "node.key"),
                          v->key_file));
    FUZZ_CHECK ("config-readers",
                s_str_eq (zconfig_get (tree, "node/roster-file", "roster"),
                          v->roster_file));
    const char *listen = zconfig_get (tree, "node/listen", NULL);
    FUZZ_CHECK ("config-readers", s_str_eq (listen && *listen ? listen : NULL,
                                            v->listen));
    const char *level = zconfig_get (tree, "log/level", "info");
    node_config_log_t read
        = streq (level, "error")     ? NODE_CONFIG_LOG_ERROR
          : streq (level, "warning") ? NODE_CONFIG_LOG_WARNING
          : streq (level, "debug")   ? NODE_CONFIG_LOG_DEBUG
                                     : NODE_CONFIG_LOG_INFO;
    FUZZ_CHECK ("config-readers", read == v->log_level);
    FUZZ_CHECK ("config-readers",
                (strtol (zconfig_get (tree, "replication/connect-roster", "1"),
                         NULL, 10)
                 != 0)
                    == v->connect_roster);
    long heads = strtol (zconfig_get (tree, "replication/heads-interval-ms",
                                      "10000"),
                         NULL, 10);
    FUZZ_CHECK ("config-readers", heads >= 100
                                      && (unsigned) heads
                                             == v->heads_interval_ms);
    long rate = strtol (
        zconfig_get (tree, "replication/requests-per-sec", "0"), NULL, 10);
    FUZZ_CHECK ("config-readers",
                (rate >= 1 && rate <= 1000000 ? (unsigned) rate : 200u)
                    == v->requests_per_sec);
    FUZZ_CHECK ("config-readers",
                strtoul (zconfig_get (tree, "store/map-size", "0"), NULL, 10)
                    == v->map_size);
    FUZZ_CHECK ("config-readers",
                strtoul (zconfig_get (tree, "store/max-map-size", "0"), NULL,
                         10)
                    == v->max_map_size);
    zconfig_t *peers = zconfig_locate (tree, "peers");
    size_t count = 0;
    for (zconfig_t *peer = peers ? zconfig_child (peers) : NULL; peer;
         peer = zconfig_next (peer), count++) {
        FUZZ_CHECK ("config-limits", keys_name_valid (zconfig_name (peer)));
        char path[KEYS_NAME_MAX + 32];
        snprintf (path, sizeof path, "peers/%s/endpoint", zconfig_name (peer));
        const char *endpoint = zconfig_get (tree, path, NULL);
        FUZZ_CHECK ("config-readers", !endpoint || !*endpoint
                                          || keys_endpoint_valid (endpoint));
    }
    FUZZ_CHECK ("config-limits", count == v->peer_count);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    zconfig_t *tree = s_parse ((const char *) data, size);
    if (!tree)
        return 0;
    s_check_model (tree, (const char *) data, size);
    node_config_t values;
    int rc = s_check (tree, &values);
    if (rc == 0)
        s_check_limits (tree, &values);

    /* Saved and read again.                                                 */
    char *saved = zconfig_str_save (tree);
    FUZZ_CHECK ("harness", saved);
    zconfig_t *again = s_parse (saved, strlen (saved));
    FUZZ_CHECK ("config-round-trip", again);
    FUZZ_CHECK ("config-round-trip",
                s_tree_eq (zconfig_child (tree), zconfig_child (again)));
    node_config_t values_again;
    FUZZ_CHECK ("config-round-trip", s_check (again, &values_again) == rc);
    FUZZ_CHECK ("config-round-trip",
                rc != 0 || s_values_eq (&values, &values_again));
    zconfig_destroy (&again);
    free (saved);

    /* The roster switch's rewrite (node_dir_apply_roster).                  */
    if (rc == 0) {
        static const char hash_hex[] = "00112233445566778899aabbccddeeff"
                                       "00112233445566778899aabbccddeeff";
        zconfig_put (tree, "node/roster-file", "rosters/18446744073709551615");
        zconfig_put (tree, "node/roster-hash", hash_hex);
        saved = zconfig_str_save (tree);
        FUZZ_CHECK ("harness", saved);
        again = s_parse (saved, strlen (saved));
        FUZZ_CHECK ("config-switch", again);
        FUZZ_CHECK ("config-switch", s_check (again, &values_again) == 0);
        FUZZ_CHECK ("config-switch",
                    !strcmp (values_again.roster_file,
                             "rosters/18446744073709551615")
                        && values_again.has_roster_hash
                        && values_again.roster_hash[1] == 0x11);
        /* Nothing else changed (the old roster-file string is gone with
           its item's old value, so it is not compared).                     */
        node_config_t want = values;
        want.roster_file = values_again.roster_file;
        want.has_roster_hash = true;
        FUZZ_CHECK ("harness", proto_hex_decode (want.roster_hash,
                                                 PROTO_HASH_BYTES, hash_hex)
                                   == 0);
        FUZZ_CHECK ("config-switch", s_values_eq (&want, &values_again));
        zconfig_destroy (&again);
        free (saved);
    }
    zconfig_destroy (&tree);
    return 0;
}
