/* SPDX-License-Identifier: MPL-2.0 */
/* node_config: ceptoard.cfg, read strictly and checked. */

/* Two steps, so that each can be tested (and fuzzed) alone:
   node_config_parse checks the text line by line against the ZPL subset
   of node_config.h, then hands it to zconfig_chunk_load (which the subset
   cannot fail); node_config_check reads the values node_dir and the
   replication actor use and checks each against its limits. The second
   step reads the tree with zconfig_locate, as every consumer does, so
   what it checks is what they see.

   Error messages quote values as printable ASCII, at most KEYS_IO_QUOTE_MAX
   characters: a configuration file must not be able to put escape
   sequences into a terminal or a log.                                       */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node_config.h"

static bool
s_is_name_char (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

//  --------------------------------------------------------------------------
//  The text check.

typedef struct {
    const char *name;                   /* in the text, not NUL-terminated   */
    size_t name_len;
    size_t line;                        /* 1-based                           */
    size_t depth;                       /* 0 at the top                      */
    size_t parent;                      /* index + 1 of the parent, 0: top   */
    size_t prev;                        /* index + 1 of the sibling before   */
} s_item_t;

typedef struct {
    s_item_t *items;                    /* every name, in file order         */
    size_t count;
    size_t last[NODE_CONFIG_DEPTH_MAX]; /* index + 1 of the last name at
                                           each depth                        */
} s_names_t;

/* ------------------------------------------------------------------------
   Record the name starting line `line` at depth: at most one level below
   the name before, not twice under one parent. Returns 0 or -1 with err.   */
static int
s_add_name (s_names_t *names, const char *name, size_t name_len, size_t line,
            size_t depth, char *err, size_t errlen)
{
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    size_t last_depth = names->count ? names->items[names->count - 1].depth
                                     : 0;
    if (depth > 0 && (names->count == 0 || depth > last_depth + 1)) {
        keys_io_error (err, errlen,
                       "line %zu: \"%s\" is indented more than one "
                       "level (4 spaces) below the line above",
                       line, keys_io_quote (quoted, name, name_len));
        return -1;
    }
    if (depth >= NODE_CONFIG_DEPTH_MAX) {
        keys_io_error (err, errlen, "line %zu: nested deeper than %d levels",
                       line, NODE_CONFIG_DEPTH_MAX);
        return -1;
    }
    if (names->count == NODE_CONFIG_ITEMS_MAX) {
        keys_io_error (err, errlen, "line %zu: more than %d settings", line,
                       NODE_CONFIG_ITEMS_MAX);
        return -1;
    }
    size_t parent = depth ? names->last[depth - 1] : 0;
    size_t prev = names->last[depth];
    if (prev && names->items[prev - 1].parent != parent)
        prev = 0;                       /* the last one has another parent */
    //  zconfig keeps both, and every reader sees only the first.
    for (size_t at = prev; at; at = names->items[at - 1].prev) {
        const s_item_t *other = &names->items[at - 1];
        if (other->name_len == name_len
            && !memcmp (other->name, name, name_len)) {
            keys_io_error (err, errlen,
                           "line %zu: \"%s\" is set again (first on "
                           "line %zu): keep one",
                           line, keys_io_quote (quoted, name, name_len),
                           other->line);
            return -1;
        }
    }
    s_item_t *item = &names->items[names->count++];
    *item = (s_item_t) { name, name_len, line, depth, parent, prev };
    names->last[depth] = names->count;
    for (size_t d = depth + 1; d < NODE_CONFIG_DEPTH_MAX; d++)
        names->last[d] = 0;
    return 0;
}

/* ------------------------------------------------------------------------
   Check one line (without its LF) against the subset. Returns 0 or -1
   with err.                                                                 */
static int
s_check_line (s_names_t *names, const char *text, size_t len, size_t line,
              char *err, size_t errlen)
{
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];
        if (c < 0x20 || c == 0x7f) {
            keys_io_error (
                err, errlen,
                "line %zu: a control character (byte "
                "0x%02x at column %zu): use spaces to indent and plain "
                "LF line ends",
                line, c, i + 1);
            return -1;
        }
    }
    if (!proto_utf8_valid ((const uint8_t *) text, len, false)) {
        keys_io_error (err, errlen, "line %zu: not UTF-8 text", line);
        return -1;
    }
    while (len > 0 && text[len - 1] == ' ')
        len--;
    size_t pos = 0;
    while (pos < len && text[pos] == ' ')
        pos++;
    if (pos == len)
        return 0;                       /* blank                             */
    if (pos % 4) {
        keys_io_error (err, errlen,
                       "line %zu: indented by %zu spaces: indent in "
                       "steps of 4 spaces",
                       line, pos);
        return -1;
    }
    if (text[pos] == '#')
        return 0;                       /* comment                           */
    const char *name = text + pos;
    while (pos < len && s_is_name_char (text[pos]))
        pos++;
    size_t name_len = (size_t) (text + pos - name);
    if (name_len == 0) {
        keys_io_error (err, errlen,
                       "line %zu: expected a name (letters, digits, "
                       "'.', '_', '-'), a '#' comment or a blank line, found "
                       "\"%s\"",
                       line, keys_io_quote (quoted, name, len - pos));
        return -1;
    }
    while (pos < len && text[pos] == ' ')
        pos++;
    if (pos < len && text[pos] == '=') {
        pos++;
        while (pos < len && text[pos] == ' ')
            pos++;
        const char *value = text + pos;
        size_t value_len;
        if (pos < len && (text[pos] == '"' || text[pos] == '\'')) {
            const char *close = memchr (value + 1, text[pos], len - pos - 1);
            if (!close) {
                keys_io_error (err, errlen,
                               "line %zu: the value of \"%s\" has no "
                               "closing %c",
                               line, keys_io_quote (quoted, name, name_len),
                               text[pos]);
                return -1;
            }
            value++;
            value_len = (size_t) (close - value);
            pos = (size_t) (close - text) + 1;
            while (pos < len && text[pos] == ' ')
                pos++;
            if (pos < len && text[pos] != '#') {
                keys_io_error (err, errlen,
                               "line %zu: \"%s\" after the quoted "
                               "value: put a comment after '#'",
                               line,
                               keys_io_quote (quoted, text + pos, len - pos));
                return -1;
            }
        }
        else {
            const char *hash = memchr (value, '#', len - pos);
            //  zconfig cuts a comment off an unquoted value by writing a
            //  NUL before it; when the value is empty that NUL lands before
            //  the value, which then reads as the comment itself.
            if (hash == value) {
                keys_io_error (
                    err, errlen,
                    "line %zu: \"%s =\" is followed by a "
                    "comment, which zconfig would read as its value: "
                    "write an empty value as \"\"",
                    line, keys_io_quote (quoted, name, name_len));
                return -1;
            }
            value_len = hash ? (size_t) (hash - value) : len - pos;
            while (value_len > 0 && value[value_len - 1] == ' ')
                value_len--;
        }
        //  zconfig_save writes every value in double quotes, so one that
        //  holds a double quote could not be loaded again.
        if (memchr (value, '"', value_len)) {
            keys_io_error (
                err, errlen,
                "line %zu: the value of \"%s\" holds a "
                "double quote (\"), which the node cannot write back to "
                "this file",
                line, keys_io_quote (quoted, name, name_len));
            return -1;
        }
    }
    else if (pos < len && text[pos] != '#') {
        char found[KEYS_IO_QUOTE_MAX + 4];
        keys_io_error (err, errlen,
                       "line %zu: expected \"=\" or the end of the line "
                       "after the name \"%s\", found \"%s\"",
                       line, keys_io_quote (quoted, name, name_len),
                       keys_io_quote (found, text + pos, len - pos));
        return -1;
    }
    size_t depth = (size_t) (name - text) / 4;
    return s_add_name (names, name, name_len, line, depth, err, errlen);
}

zconfig_t *
node_config_parse (const char *text, size_t len, char *err, size_t errlen)
{
    assert (text || len == 0);
    if (len > NODE_CONFIG_TEXT_MAX) {
        keys_io_error (err, errlen,
                       "longer than %d bytes: not a node "
                       "configuration",
                       NODE_CONFIG_TEXT_MAX);
        return NULL;
    }
    s_names_t names;
    memset (&names, 0, sizeof names);
    size_t cap = 1;                      /* names fit in the lines           */
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    if (cap > NODE_CONFIG_ITEMS_MAX)
        cap = NODE_CONFIG_ITEMS_MAX;
    names.items = malloc (cap * sizeof *names.items);
    if (!names.items) {
        keys_io_error (err, errlen, "out of memory");
        return NULL;
    }
    names.count = 0;
    size_t pos = 0, line = 1;
    int rc = 0;
    while (rc == 0 && pos < len) {
        const char *lf = memchr (text + pos, '\n', len - pos);
        size_t line_len = lf ? (size_t) (lf - text) - pos : len - pos;
        rc = s_check_line (&names, text + pos, line_len, line, err, errlen);
        pos += line_len + 1;
        line++;
    }
    free (names.items);
    if (rc != 0)
        return NULL;
    zchunk_t *chunk = zchunk_new (text, len);
    zconfig_t *tree = chunk ? zconfig_chunk_load (chunk) : NULL;
    zchunk_destroy (&chunk);
    if (!tree)
        keys_io_error (err, errlen, "not valid ZPL (zconfig refused it)");
    return tree;
}

int
node_config_load (const char *path, zconfig_t **out, char *err,
                  size_t errlen)
{
    assert (path);
    assert (out);
    *out = NULL;
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;
        keys_io_error (err, errlen, "cannot open: %s", strerror (errno));
        errno = saved;
        return NODE_CONFIG_IO;
    }
    struct stat st;
    if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
        keys_io_error (err, errlen, "not a regular file");
        close (fd);
        errno = EINVAL;
        return NODE_CONFIG_IO;
    }
    char *text = malloc (NODE_CONFIG_TEXT_MAX + 1);
    if (!text) {
        keys_io_error (err, errlen, "out of memory");
        close (fd);
        errno = ENOMEM;
        return NODE_CONFIG_IO;
    }
    size_t len = 0;
    while (len <= NODE_CONFIG_TEXT_MAX) {
        ssize_t n = read (fd, text + len, NODE_CONFIG_TEXT_MAX + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            keys_io_error (err, errlen, "cannot read: %s", strerror (errno));
            free (text);
            close (fd);
            errno = saved;
            return NODE_CONFIG_IO;
        }
        if (n == 0)
            break;
        len += (size_t) n;
    }
    close (fd);
    *out = node_config_parse (text, len, err, errlen);
    free (text);
    return *out ? 0 : NODE_CONFIG_BAD;
}

//  --------------------------------------------------------------------------
//  The values.

/* The value at path, or NULL if there is no such name ("" for a name
   without a value).                                                         */
static const char *
s_value (zconfig_t *tree, const char *path)
{
    zconfig_t *item = zconfig_locate (tree, path);
    if (!item)
        return NULL;
    const char *value = zconfig_value (item);
    return value ? value : "";
}

/* ------------------------------------------------------------------------
   A canonical decimal (digits, no sign, no leading zero) from min to max
   at path, or def when unset. Returns 0 or -1 with err.                     */
static int
s_number (zconfig_t *tree, const char *path, uint64_t min, uint64_t max,
          uint64_t def, const char *unit, uint64_t *out, char *err,
          size_t errlen)
{
    const char *value = s_value (tree, path);
    if (!value) {
        *out = def;
        return 0;
    }
    size_t len = strlen (value);
    bool ok = len >= 1 && len <= 20 && (value[0] != '0' || len == 1);
    uint64_t number = 0;
    for (size_t i = 0; ok && i < len; i++) {
        unsigned digit = (unsigned) (value[i] - '0');
        ok = value[i] >= '0' && value[i] <= '9'
             && number <= (UINT64_MAX - digit) / 10;
        number = number * 10 + digit;
    }
    if (!ok || number < min || number > max) {
        char quoted[KEYS_IO_QUOTE_MAX + 4];
        keys_io_error (err, errlen,
                       "%s \"%s\" is not a number from %llu to %llu "
                       "(%s)",
                       path, keys_io_quote (quoted, value, len),
                       (unsigned long long) min, (unsigned long long) max,
                       unit);
        return -1;
    }
    *out = number;
    return 0;
}

/* ------------------------------------------------------------------------
   64 lowercase hex at path into bin (len bytes). Returns 1 if set, 0 if
   unset, -1 with err if malformed.                                          */
static int
s_hex (zconfig_t *tree, const char *path, uint8_t *bin, size_t len,
       const char *what, char *err, size_t errlen)
{
    const char *value = s_value (tree, path);
    if (!value)
        return 0;
    if (proto_hex_decode (bin, len, value) != 0) {
        char quoted[KEYS_IO_QUOTE_MAX + 4];
        keys_io_error (err, errlen,
                       "%s \"%s\" is not %zu lowercase hex characters "
                       "(%s)",
                       path, keys_io_quote (quoted, value, strlen (value)),
                       2 * len, what);
        return -1;
    }
    return 1;
}

/* A file name at path, or def when unset. Returns 0 or -1 with err.        */
static int
s_file (zconfig_t *tree, const char *path, const char *def, const char **out,
        char *err, size_t errlen)
{
    const char *value = s_value (tree, path);
    if (value && !*value) {
        keys_io_error (err, errlen,
                       "%s is empty: name a file (relative to the node "
                       "directory), or remove the line for \"%s\"",
                       path, def);
        return -1;
    }
    *out = value ? value : def;
    return 0;
}

/* An endpoint at path: NULL when unset or empty. Returns 0 or -1.          */
static int
s_endpoint (zconfig_t *tree, const char *path, const char **out, char *err,
            size_t errlen)
{
    const char *value = s_value (tree, path);
    *out = NULL;
    if (!value || !*value)
        return 0;
    if (!keys_endpoint_valid (value)) {
        char quoted[KEYS_IO_QUOTE_MAX + 4];
        keys_io_error (
            err, errlen,
            "%s \"%s\" is not an endpoint: use "
            "tcp://HOST:PORT (port 1-65535; tcp://0.0.0.0:PORT for every "
            "interface) or ipc://PATH",
            path, keys_io_quote (quoted, value, strlen (value)));
        return -1;
    }
    *out = value;
    return 0;
}

int
node_config_check (zconfig_t *tree, node_config_t *values, char *err,
                   size_t errlen)
{
    assert (tree);
    assert (values);
    memset (values, 0, sizeof *values);
    char quoted[KEYS_IO_QUOTE_MAX + 4];

    values->name = s_value (tree, "node/name");
    if (!values->name || !keys_name_valid (values->name)) {
        if (values->name)
            keys_io_error (
                err, errlen,
                "node/name \"%s\" is not a member name "
                "(1-%d of A-Z a-z 0-9 . _ -, starting with a letter or "
                "digit)",
                keys_io_quote (quoted, values->name, strlen (values->name)),
                KEYS_NAME_MAX);
        else
            keys_io_error (err, errlen,
                           "node/name is missing: it names this node "
                           "as its roster card does");
        return -1;
    }
    int rc = s_hex (tree, "node/sign-key", values->sign_pk, PROTO_PK_BYTES,
                    "the node's Ed25519 public key", err, errlen);
    if (rc == 0)
        keys_io_error (err, errlen,
                       "node/sign-key is missing: it is the node's "
                       "Ed25519 public key, 64 hex");
    if (rc != 1)
        return -1;
    rc = s_hex (tree, "node/roster-hash", values->roster_hash,
                PROTO_HASH_BYTES, "the hash of the roster in force", err,
                errlen);
    if (rc < 0)
        return -1;
    values->has_roster_hash = rc == 1;
    if (s_file (tree, "node/key-file", "node.key", &values->key_file, err,
                errlen)
        || s_file (tree, "node/roster-file", "roster", &values->roster_file,
                   err, errlen)
        || s_endpoint (tree, "node/listen", &values->listen, err, errlen))
        return -1;

    const char *level = s_value (tree, "log/level");
    static const char *levels[] = { NULL, "error", "warning", "info",
                                    "debug" };
    values->log_level = level ? 0 : NODE_CONFIG_LOG_INFO;
    for (int l = NODE_CONFIG_LOG_ERROR; level && l <= NODE_CONFIG_LOG_DEBUG;
         l++)
        if (!strcmp (level, levels[l]))
            values->log_level = (node_config_log_t) l;
    if (!values->log_level) {
        keys_io_error (err, errlen,
                       "log/level \"%s\" is not error, warning, info "
                       "or debug",
                       keys_io_quote (quoted, level, strlen (level)));
        return -1;
    }

    const char *connect = s_value (tree, "replication/connect-roster");
    if (connect && strcmp (connect, "0") && strcmp (connect, "1")) {
        keys_io_error (err, errlen,
                       "replication/connect-roster \"%s\" is not 0 or "
                       "1",
                       keys_io_quote (quoted, connect, strlen (connect)));
        return -1;
    }
    values->connect_roster = !connect || !strcmp (connect, "1");
    uint64_t number;
    if (s_number (tree, "replication/heads-interval-ms",
                  NODE_CONFIG_HEADS_MIN_MS, NODE_CONFIG_HEADS_MAX_MS,
                  NODE_CONFIG_HEADS_DEFAULT_MS, "milliseconds", &number, err,
                  errlen))
        return -1;
    values->heads_interval_ms = (unsigned) number;
    if (s_number (tree, "replication/requests-per-sec", NODE_CONFIG_RATE_MIN,
                  NODE_CONFIG_RATE_MAX, NODE_CONFIG_RATE_DEFAULT,
                  "requests per peer per second", &number, err, errlen))
        return -1;
    values->requests_per_sec = (unsigned) number;
    if (s_number (tree, "store/map-size", NODE_CONFIG_MAP_MIN,
                  NODE_CONFIG_MAP_MAX, 0, "bytes", &values->map_size, err,
                  errlen)
        || s_number (tree, "store/max-map-size", NODE_CONFIG_MAP_MIN,
                     NODE_CONFIG_MAP_MAX, 0, "bytes", &values->max_map_size,
                     err, errlen))
        return -1;
    if (values->map_size && values->max_map_size
        && values->max_map_size < values->map_size) {
        keys_io_error (err, errlen,
                       "store/max-map-size %llu is below store/map-size "
                       "%llu: the map could never grow; raise it",
                       (unsigned long long) values->max_map_size,
                       (unsigned long long) values->map_size);
        return -1;
    }

    //  peers/NAME/endpoint: NAME as the roster names the member.
    zconfig_t *peers = zconfig_locate (tree, "peers");
    for (zconfig_t *peer = peers ? zconfig_child (peers) : NULL; peer;
         peer = zconfig_next (peer)) {
        const char *name = zconfig_name (peer);
        if (!keys_name_valid (name)) {
            keys_io_error (err, errlen,
                           "peers/%s: not a member name (1-%d of A-Z "
                           "a-z 0-9 . _ -, starting with a letter or digit)",
                           keys_io_quote (quoted, name, strlen (name)),
                           KEYS_NAME_MAX);
            return -1;
        }
        char path[KEYS_NAME_MAX + 32];
        const char *endpoint;
        snprintf (path, sizeof path, "peers/%s/endpoint", name);
        if (s_endpoint (tree, path, &endpoint, err, errlen))
            return -1;
        values->peer_count++;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Selftest.

#define S_PK "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A configuration as init writes it, then the lines in extra.               */
static char *
s_text (const char *extra)
{
    static const char *base =
        "#   ceptoard configuration (ZPL). See docs/operations.md.\n"
        "\n"
        "node\n"
        "    name = \"T-CEPTOAR\"\n"
        "    sign-key = \"" S_PK "\"\n"
        "    key-file = \"node.key\"\n"
        "    roster-file = \"roster\"\n"
        "    roster-hash = \"" S_PK "\"\n"
        "    listen = \"tcp://127.0.0.1:7001\"\n"
        "log\n"
        "    level = \"info\"\n"
        "replication\n"
        "    connect-roster = \"1\"\n"
        "    heads-interval-ms = \"10000\"\n"
        "    requests-per-sec = \"200\"\n"
        "store\n"
        "    map-size = \"67108864\"\n"
        "    max-map-size = \"68719476736\"\n";
    size_t len = strlen (base) + strlen (extra) + 1;
    char *text = malloc (len);
    assert (text);
    snprintf (text, len, "%s%s", base, extra);
    return text;
}

/* Parse text and check it; want is NULL for success, else a piece of the
   expected reason.                                                          */
static void
s_expect (const char *text, size_t len, const char *want)
{
    char err[256] = "";
    node_config_t values;
    zconfig_t *tree = node_config_parse (text, len, err, sizeof err);
    int rc = tree ? node_config_check (tree, &values, err, sizeof err) : -1;
    if ((rc == 0) != (want == NULL) || (want && !strstr (err, want))) {
        fprintf (stderr, "\nnode_config: expected %s, got %s: %s\n",
                 want ? want : "success", rc == 0 ? "success" : "refusal",
                 err);
        assert (false);
    }
    if (want)
        for (const char *c = err; *c; c++)
            assert (*c >= 0x20 && *c < 0x7f);
    zconfig_destroy (&tree);
}

static void
s_expect_str (const char *text, const char *want)
{
    s_expect (text, strlen (text), want);
}

static void
s_expect_extra (const char *extra, const char *want)
{
    char *text = s_text (extra);
    s_expect (text, strlen (text), want);
    free (text);
}

void
node_config_test (bool verbose)
{
    printf (" * node_config: ");
    fflush (stdout);

    /* What init writes: every value read, the defaults behind it.           */
    char *text = s_text ("");
    char err[256] = "";
    zconfig_t *tree = node_config_parse (text, strlen (text), err,
                                         sizeof err);
    assert (tree);
    node_config_t values;
    assert (node_config_check (tree, &values, err, sizeof err) == 0);
    assert (!strcmp (values.name, "T-CEPTOAR"));
    assert (values.sign_pk[0] == 0x01 && values.sign_pk[31] == 0xef);
    assert (values.has_roster_hash && values.roster_hash[1] == 0x23);
    assert (!strcmp (values.key_file, "node.key"));
    assert (!strcmp (values.roster_file, "roster"));
    assert (values.listen && !strcmp (values.listen, "tcp://127.0.0.1:7001"));
    assert (values.log_level == NODE_CONFIG_LOG_INFO);
    assert (values.connect_roster);
    assert (values.heads_interval_ms == 10000);
    assert (values.requests_per_sec == 200);
    assert (values.map_size == 67108864ULL);
    assert (values.max_map_size == 68719476736ULL);
    assert (values.peer_count == 0);
    /* Saved by zconfig (as a roster switch does) it reads the same.        */
    char *saved = zconfig_str_save (tree);
    assert (saved);
    zconfig_t *again = node_config_parse (saved, strlen (saved), err,
                                          sizeof err);
    assert (again);
    node_config_t values2;
    assert (node_config_check (again, &values2, err, sizeof err) == 0);
    assert (!strcmp (values2.name, values.name));
    assert (values2.map_size == values.map_size);
    zconfig_destroy (&again);
    free (saved);
    zconfig_destroy (&tree);
    free (text);
    if (verbose)
        printf ("\n   init's file and its zconfig_save copy read the same\n");

    /* The minimum: a name and a key; defaults for the rest.                  */
    const char *minimal = "node\n    name = A\n    sign-key = " S_PK "\n";
    tree = node_config_parse (minimal, strlen (minimal), err, sizeof err);
    assert (tree);
    assert (node_config_check (tree, &values, err, sizeof err) == 0);
    assert (!strcmp (values.name, "A") && !values.has_roster_hash);
    assert (!strcmp (values.key_file, "node.key") && !values.listen);
    assert (values.heads_interval_ms == NODE_CONFIG_HEADS_DEFAULT_MS);
    assert (values.requests_per_sec == NODE_CONFIG_RATE_DEFAULT);
    assert (values.map_size == 0 && values.max_map_size == 0);
    zconfig_destroy (&tree);
    /* Unquoted, single-quoted, comments, blank lines, no final LF.          */
    s_expect_extra ("peers # the relay test's neighbours\n"
                    "    banking\n"
                    "        endpoint = tcp://10.0.0.2:7001   # B\n"
                    "    water\n"
                    "        # dialled by its card otherwise\n"
                    "        endpoint = 'ipc:///run/w.sock'\n"
                    "\n"
                    "    fin.sec_2\n"
                    "        endpoint =\n"
                    "other\n"
                    "    anything = '\xe6\x97\xa2 #x' # left alone",
                    NULL);
    s_expect_str ("", "node/name is missing");

    /* The text: each refusal names its line.                                */
    s_expect_extra ("log\n", "line 19: \"log\" is set again (first on line "
                    "10)");
    s_expect_extra ("store\n    map-size = 1048576\n", "line 19");
    s_expect_extra ("peers\n    a\n    a\n", "line 21: \"a\" is set again");
    s_expect_extra ("peers\n    a\n        endpoint = tcp://h:1\n    b\n"
                    "        endpoint = tcp://h:2\n", NULL);
    s_expect_extra ("extra\n\tname = x\n", "line 20: a control character "
                    "(byte 0x09 at column 1)");
    s_expect_extra ("extra = x\r\n", "byte 0x0d");
    static const char with_nul[] = "node\n    name = A\0B\n";
    s_expect (with_nul, sizeof with_nul - 1,
              "line 2: a control character (byte 0x00 at column 13)");
    s_expect_extra ("extra = \xc3\x28\n", "line 19: not UTF-8");
    s_expect_extra ("  extra = 1\n", "indented by 2 spaces");
    s_expect_extra ("  # comment\n", "indented by 2 spaces");
    s_expect_extra ("extra\n        deep = 1\n", "line 20: \"deep\" is "
                    "indented more than one level");
    s_expect_str ("    name = A\n", "line 1: \"name\" is indented");
    s_expect_extra ("a\n    b\n        c\n            d\n                e\n"
                    "                    f\n                        g\n"
                    "                            h\n"
                    "                                i\n",
                    "line 27: nested deeper than 8 levels");
    s_expect_extra ("node/listen = tcp://h:1\n", "after the name \"node\"");
    s_expect_extra ("extra$ = 1\n", "expected \"=\"");
    s_expect_extra ("= 1\n", "expected a name");
    s_expect_extra ("extra = \"open\n", "has no closing \"");
    s_expect_extra ("extra = 'open\n", "has no closing '");
    s_expect_extra ("extra = \"a\" b\n", "after the quoted value");
    s_expect_extra ("extra = 'say \"hi\"'\n", "holds a double quote");
    s_expect_extra ("extra = say \"hi\"\n", "holds a double quote");
    s_expect_extra ("extra = \"a'b#c\"  # fine\n", NULL);
    s_expect_extra ("extra = \"\"  # empty\nmore = x# y\n", NULL);
    s_expect_extra ("extra =   # none\n", "line 19: \"extra =\" is followed "
                    "by a comment");
    char *big = malloc (NODE_CONFIG_TEXT_MAX + 2);
    assert (big);
    memset (big, '\n', NODE_CONFIG_TEXT_MAX + 1);
    s_expect (big, NODE_CONFIG_TEXT_MAX, "node/name is missing");
    s_expect (big, NODE_CONFIG_TEXT_MAX + 1, "longer than");
    size_t at = 0;
    for (int i = 0; i <= NODE_CONFIG_ITEMS_MAX; i++)
        at += (size_t) sprintf (big + at, "k%d\n", i);
    s_expect (big, at, "line 4097: more than 4096 settings");
    free (big);

    /* The values: each refusal names the setting and its range.              */
    static const struct {
        const char *extra;
        const char *want;
    } bad[] = {
        { "replication\n    heads-interval-ms = 50\n",
          "replication/heads-interval-ms \"50\" is not a number from 100 to "
          "86400000" },
        { "replication\n    requests-per-sec = 0\n", "from 1 to 1000000" },
        { "replication\n    requests-per-sec = 1000001\n", "1000001" },
        { "replication\n    requests-per-sec = 0200\n", "\"0200\"" },
        { "replication\n    requests-per-sec = +200\n", "\"+200\"" },
        { "replication\n    requests-per-sec = '200 '\n", "\"200 \"" },
        { "replication\n    requests-per-sec = "
          "99999999999999999999999\n", "\"99999999999999999999999\"" },
        { "replication\n    connect-roster = yes\n", "not 0 or 1" },
        { "log\n    level = verbose\n", "log/level \"verbose\"" },
        { "store\n    map-size = 1048575\n", "from 1048576 to 17592186044416" },
        { "store\n    max-map-size = 17592186044417\n", "max-map-size" },
        { "store\n    map-size = 2097152\n    max-map-size = 1048576\n",
          "below store/map-size" },
        { "peers\n    bad$name\n", "expected \"=\"" },
        { "peers\n    -x\n", "peers/-x: not a member name" },
        { "peers\n    A\n        endpoint = tcp://*:7001\n",
          "peers/A/endpoint \"tcp://*:7001\" is not an endpoint" },
        { "peers\n    A\n        endpoint = \"\x1b[2J\"\n",
          "control character" },
        { "peers\n    A\n        endpoint = '\xe2\x80\xae' \n",
          "\"???\" is not an endpoint" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* The section exists already: put the value in a fresh file.        */
        size_t len = strlen (bad[i].extra) + 128;
        char *file = malloc (len);
        assert (file);
        snprintf (file, len, "node\n    name = A\n    sign-key = %s\n%s", S_PK,
                  bad[i].extra);
        s_expect (file, strlen (file), bad[i].want);
        free (file);
    }
    s_expect_str ("node\n    name = -A\n", "node/name \"-A\" is not a member");
    s_expect_str ("node\n    name = A\n    sign-key = ABC\n",
              "node/sign-key \"ABC\" is not 64 lowercase hex");
    s_expect_str ("node\n    name = A\n", "node/sign-key is missing");
    s_expect_str ("node\n    name = A\n    sign-key = " S_PK
                  "\n    key-file =\n", "node/key-file is empty");
    s_expect_str ("node\n    name = A\n    sign-key = " S_PK
                  "\n    listen = x\n", "node/listen \"x\" is not an endpoint");
    s_expect_str ("node\n    name = A\n    sign-key = " S_PK
                  "\n    listen =\n", NULL);

    /* Loading: a missing file is an I/O error, a bad one is not.            */
    const char *tmp = getenv ("TMPDIR");
    char dir[4096], path[4200];
    snprintf (dir, sizeof dir, "%s/node_config_XXXXXX",
              tmp && *tmp ? tmp : "/tmp");
    assert (mkdtemp (dir));
    snprintf (path, sizeof path, "%s/ceptoard.cfg", dir);
    assert (node_config_load (path, &tree, err, sizeof err)
            == NODE_CONFIG_IO);
    assert (!tree && strstr (err, "cannot open"));
    FILE *file = fopen (path, "w");
    assert (file);
    fputs ("node\n   name = A\n", file);
    assert (fclose (file) == 0);
    assert (node_config_load (path, &tree, err, sizeof err)
            == NODE_CONFIG_BAD);
    assert (!tree && strstr (err, "line 2: indented by 3 spaces"));
    file = fopen (path, "w");
    assert (file);
    fputs (minimal, file);
    assert (fclose (file) == 0);
    assert (node_config_load (path, &tree, err, sizeof err) == 0 && tree);
    assert (node_config_check (tree, &values, err, sizeof err) == 0);
    zconfig_destroy (&tree);
    assert (node_config_load (dir, &tree, err, sizeof err)
            == NODE_CONFIG_IO);
    assert (unlink (path) == 0 && rmdir (dir) == 0);
    printf ("OK\n");
}
