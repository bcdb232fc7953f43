/* SPDX-License-Identifier: MPL-2.0 */
/* node_config: the node's configuration file, ceptoard.cfg (ZPL, CZMQ's
   zconfig format), read strictly and checked against the documented
   limits before anything uses it. */
#ifndef NODE_CONFIG_H
#define NODE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <czmq.h>
#include "../keys/keys.h"

/* ceptoard.cfg is written by `ceptoar init` and edited by operators
   (docs/operations.md, "The node directory"). zconfig accepts more than
   it can write back, and silently: a NUL ends a line early, a value that
   holds a double quote is saved in a form it cannot load again (so a
   node would not start after its next roster switch, which rewrites the
   file), a repeated key is ignored after its first, and a value out of
   range was replaced by a default where it was read. So this module
   reads the ZPL subset that zconfig writes and a person would write, and
   refuses the rest with one line naming it:

       - UTF-8 text without control characters (no tab, no CR), at most
         NODE_CONFIG_TEXT_MAX bytes, each line ending in LF (the last may
         lack it);
       - a line is blank, a comment ('#' after the indentation), or
         "name", "name = value", "name = \"value\"" or "name = 'value'",
         optionally followed by spaces and a '#' comment;
       - indentation in steps of 4 spaces, at most one level deeper than
         the line above, at most NODE_CONFIG_DEPTH_MAX levels;
       - names of letters, digits, '.', '_' and '-'; no name twice under
         one parent; at most NODE_CONFIG_ITEMS_MAX names in all;
       - no value holds a double quote, and an empty value before a
         comment is written "" (zconfig reads "name = # x" as the value
         "# x").

   Any text accepted here loads with zconfig_chunk_load, and saved with
   zconfig_save it is accepted again with the same values. node_config_check
   then checks the values this node reads (below); other names are left
   alone, for other modules and later versions.

   It does not open the key, the roster or the store: node_dir does.        */

#define NODE_CONFIG_TEXT_MAX (256 * 1024)   /* bytes in the file             */
#define NODE_CONFIG_ITEMS_MAX 4096          /* names (lines with a name)     */
#define NODE_CONFIG_DEPTH_MAX 8             /* levels of indentation         */

/* Limits of the values (docs/operations.md).                                */
#define NODE_CONFIG_HEADS_MIN_MS 100
#define NODE_CONFIG_HEADS_MAX_MS 86400000   /* one day                       */
#define NODE_CONFIG_HEADS_DEFAULT_MS 10000
#define NODE_CONFIG_RATE_MIN 1
#define NODE_CONFIG_RATE_MAX 1000000
#define NODE_CONFIG_RATE_DEFAULT 200
#define NODE_CONFIG_MAP_MIN (1024ULL * 1024)           /* 1 MiB             */
#define NODE_CONFIG_MAP_MAX (16ULL << 40)              /* 16 TiB            */

/* node_config_load results besides 0.                                       */
#define NODE_CONFIG_IO (-1)                 /* cannot open or read the file  */
#define NODE_CONFIG_BAD (-2)                /* not in the accepted ZPL       */

typedef enum {
    NODE_CONFIG_LOG_ERROR = 1,
    NODE_CONFIG_LOG_WARNING = 2,
    NODE_CONFIG_LOG_INFO = 3,
    NODE_CONFIG_LOG_DEBUG = 4,
} node_config_log_t;

/* The values of a checked configuration. Strings are borrowed from the
   zconfig tree they were read from: valid until it is changed or
   destroyed.                                                                */
typedef struct {
    const char *name;               /* node/name: a member name (required)   */
    uint8_t sign_pk[PROTO_PK_BYTES];/* node/sign-key, 64 hex (required)       */
    const char *key_file;           /* node/key-file (default node.key)       */
    const char *roster_file;        /* node/roster-file (default roster)      */
    bool has_roster_hash;           /* node/roster-hash is set                */
    uint8_t roster_hash[PROTO_HASH_BYTES]; /* the pinned roster, 64 hex       */
    const char *listen;             /* node/listen: an endpoint, or NULL when
                                       unset or empty                         */
    node_config_log_t log_level;    /* log/level (default info)               */
    bool connect_roster;            /* replication/connect-roster 0 or 1
                                       (default 1)                            */
    unsigned heads_interval_ms;     /* replication/heads-interval-ms          */
    unsigned requests_per_sec;      /* replication/requests-per-sec           */
    uint64_t map_size;              /* store/map-size, 0 when unset           */
    uint64_t max_map_size;          /* store/max-map-size, 0 when unset       */
    size_t peer_count;              /* names under peers                      */
} node_config_t;

/* ------------------------------------------------------------------------
   Parse text[0..len) (untrusted; need not be NUL-terminated) as the ZPL
   subset above. Returns a new zconfig tree (caller destroys with
   zconfig_destroy), or NULL with a one-line reason in err, "line N: ..."
   for the line at fault, quoting it in printable ASCII. Checks the form
   only; node_config_check checks the values.                                */
zconfig_t *
    node_config_parse (const char *text, size_t len, char *err,
                       size_t errlen);

/* ------------------------------------------------------------------------
   Read and parse the file at path. Returns 0 and sets *out (caller
   destroys); NODE_CONFIG_IO if it cannot be opened or read (err says why,
   errno is kept); NODE_CONFIG_BAD if it is not accepted (err as for
   node_config_parse).                                                       */
int
    node_config_load (const char *path, zconfig_t **out, char *err,
                      size_t errlen);

/* ------------------------------------------------------------------------
   Check the values this node reads in tree and fill values (strings
   borrowed from tree). Returns 0, or -1 with a one-line reason in err
   naming the setting, quoting its value in printable ASCII and giving the
   allowed range. Other names are not looked at.                             */
int
    node_config_check (zconfig_t *tree, node_config_t *values, char *err,
                       size_t errlen);

void
    node_config_test (bool verbose);

#endif
