/* SPDX-License-Identifier: MPL-2.0 */
/* fill_store: post many entries straight into a stopped node's store, fast
   (batches of 1024 in one transaction each), for tests and benchmarks that
   need a large log: catch-up, kill -9 during catch-up, bytes per entry.

   Usage: fill_store --dir NODEDIR --count N [--body-bytes B]
                     [--level LEVEL] [--audience AUDIENCE]
                     [--timestamp-ms MS] [--key KEYFILE] [--severity S]
                     [--receipt]
   Entries are signed with the node's key, or with KEYFILE's (another
   member's: the store then holds that member's chain, as if replicated
   from it); either must open without a passphrase (test keys). Entries
   are GREEN early warnings of severity 1 (S: 0..4) to the council unless
   told otherwise, with the header flags their payload implies
   (proto_payload_implied_flags: urgent from severity 3 up) and, with
   --receipt, the receipt flag, with B-byte
   bodies (default 300), stamped now unless --timestamp-ms gives their
   author timestamp (Unix milliseconds; entry i gets MS + i, so a batch
   stays in order; 0: now). Prints the number of entries posted. Exit 0, 1
   on a refusal, 2 on bad arguments.                                        */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../node/node_dir.h"

#define FILL_BATCH 1024

static int
s_usage (void)
{
    fprintf (stderr, "usage: fill_store --dir NODEDIR --count N "
                     "[--body-bytes B] [--level LEVEL] [--audience AUD] "
                     "[--timestamp-ms MS] [--key KEYFILE] "
                     "[--severity S] [--receipt]\n");
    return 2;
}

int
main (int argc, char **argv)
{
    const char *dir = NULL, *level_name = "green", *audience_text = "council";
    const char *key_path = NULL;
    long count = -1, body_bytes = 300, severity = 1;
    long long timestamp_ms = 0;
    uint8_t flags = 0;
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "count", required_argument, NULL, 'n' },
        { "body-bytes", required_argument, NULL, 'b' },
        { "level", required_argument, NULL, 'l' },
        { "audience", required_argument, NULL, 'a' },
        { "timestamp-ms", required_argument, NULL, 't' },
        { "receipt", no_argument, NULL, 'r' },
        { "key", required_argument, NULL, 'k' },
        { "severity", required_argument, NULL, 's' },
        { NULL, 0, NULL, 0 } };
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'n': count = strtol (optarg, NULL, 10); break;
        case 'b': body_bytes = strtol (optarg, NULL, 10); break;
        case 'l': level_name = optarg; break;
        case 'a': audience_text = optarg; break;
        case 'r': flags |= PROTO_FLAG_RECEIPT; break;
        case 'k': key_path = optarg; break;
        case 's': {
            char *end;
            severity = strtol (optarg, &end, 10);
            if (end == optarg || *end || severity < 0
                || severity > PROTO_SEVERITY_MAX)
                return s_usage ();
            break;
        }
        case 't': {
            char *end;
            timestamp_ms = strtoll (optarg, &end, 10);
            if (end == optarg || *end || timestamp_ms < 0)
                return s_usage ();
            break;
        }
        default: return s_usage ();
        }
    }
    proto_level_t level = proto_level_parse (level_name);
    if (!dir || count < 0 || body_bytes < 0 || body_bytes > 65536 || !level
        || level == PROTO_LEVEL_RED)
        return s_usage ();
    if (sodium_init () < 0)
        return 1;
    char err[512];
    node_dir_t *node = node_dir_open (dir, err, sizeof err);
    if (!node) {
        fprintf (stderr, "fill_store: %s\n", err);
        return 1;
    }
    keys_load_t loaded;
    if (!key_path)
        key_path = node_dir_key_path (node);
    keys_secret_t *key = keys_secret_load (key_path, NULL, &loaded);
    if (!key) {
        fprintf (stderr, "fill_store: %s: %s (test keys open without a "
                         "passphrase)\n", key_path,
                 keys_load_strerror (loaded));
        node_dir_destroy (&node);
        return 1;
    }
    proto_audience_t audience;
    if (keys_roster_resolve_audience (node_dir_roster (node), audience_text,
                                      &audience, err, sizeof err) != 0) {
        fprintf (stderr, "fill_store: %s\n", err);
        keys_secret_destroy (&key);
        node_dir_destroy (&node);
        return 2;
    }
    char *body = malloc ((size_t) body_bytes + 1);
    size_t cap = (size_t) body_bytes + 512;
    uint8_t *payloads = malloc (FILL_BATCH * cap);
    node_post_t *posts = calloc (FILL_BATCH, sizeof *posts);
    uint8_t (*ids)[PROTO_HASH_BYTES] = malloc (FILL_BATCH * PROTO_HASH_BYTES);
    if (!body || !payloads || !posts || !ids) {
        fprintf (stderr, "fill_store: out of memory\n");
        free (body);
        free (payloads);
        free (posts);
        free (ids);
        keys_secret_destroy (&key);
        node_dir_destroy (&node);
        return 1;
    }
    memset (body, 'x', (size_t) body_bytes);
    long done = 0;
    int rc = 0;
    while (done < count && rc == 0) {
        size_t n = count - done < FILL_BATCH ? (size_t) (count - done)
                                             : FILL_BATCH;
        for (size_t i = 0; i < n; i++) {
            char title[64];
            snprintf (title, sizeof title, "fill %ld", done + (long) i + 1);
            //  Bodies differ, so payload hashes and ids do.
            memcpy (body, title, strlen (title));
            proto_payload_t payload;
            proto_payload_init (&payload, PROTO_KIND_EARLY_WARNING,
                                (uint8_t) severity);
            payload.title = title;
            payload.title_len = strlen (title);
            payload.body = body;
            payload.body_len = (size_t) body_bytes;
            uint8_t *buf = payloads + i * cap;
            posts[i].level = level;
            posts[i].flags = proto_payload_implied_flags (&payload) | flags;
            posts[i].audience = audience;
            posts[i].payload = buf;
            posts[i].payload_len = proto_payload_encode (&payload, buf, cap);
            posts[i].timestamp_ms = timestamp_ms
                                        ? (uint64_t) timestamp_ms
                                              + (uint64_t) (done + (long) i)
                                        : 0;
        }
        proto_reject_t r = node_store_post (node_dir_store (node), key, posts,
                                            n, ids);
        if (r != PROTO_OK) {
            fprintf (stderr, "fill_store: refused: %s %s\n",
                     proto_reject_name (r),
                     node_store_last_error (node_dir_store (node)));
            rc = 1;
        }
        else
            done += (long) n;
    }
    printf ("%ld\n", done);
    free (body);
    free (payloads);
    free (posts);
    free (ids);
    keys_secret_destroy (&key);
    node_dir_destroy (&node);
    return rc;
}
