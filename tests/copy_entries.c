/* SPDX-License-Identifier: MPL-2.0 */
/* copy_entries: replicate by hand: every entry one stopped node holds into
   another stopped node's store, for script tests without daemons.

   Usage: copy_entries --from NODEDIR --to NODEDIR [--author NAME]
   Entries go in the source's arrival order (rows), so every chain stays in
   sequence; each through node_store_append, which checks it exactly as
   replication does (signature, roster, chain). The payload goes along only
   in the form the disclosure rule lets the target hold
   (keys_disclosure_payload with the target's roster), as a peer would
   send it. Entries the target already holds are skipped. --author copies
   only that member's entries. Prints the number of entries copied. Exit 0,
   1 if the target refused one (named on stderr), 2 on bad arguments.       */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../node/node_dir.h"

typedef struct {
    node_dir_t *to;
    const uint8_t *author;              /* only this author, or NULL         */
    long copied;
    int rc;
} s_copy_t;

static int
s_visit (const node_entry_t *entry, void *arg)
{
    s_copy_t *copy = arg;
    if (copy->author
        && memcmp (entry->header.author, copy->author, PROTO_PK_BYTES))
        return 0;
    keys_disclosure_t form = keys_disclosure_payload (
        node_dir_roster (copy->to), &entry->header,
        node_dir_self_pk (copy->to));
    bool with_payload = entry->payload && form != KEYS_DISCLOSE_NONE;
    proto_reject_t r = node_store_append (
        node_dir_store (copy->to), entry->stub, entry->stub_len,
        with_payload ? entry->payload : NULL,
        with_payload ? entry->payload_len : 0, NULL);
    if (r == PROTO_OK)
        copy->copied++;
    else if (r != PROTO_REJECT_DUPLICATE) {
        char hex[2 * PROTO_HASH_BYTES + 1];
        proto_hex_encode (hex, entry->id, PROTO_HASH_BYTES);
        fprintf (stderr, "copy_entries: %s refused: %s %s\n", hex,
                 proto_reject_name (r),
                 node_store_last_error (node_dir_store (copy->to)));
        copy->rc = 1;
    }
    return 0;
}

int
main (int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *author = NULL;
    static const struct option options[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "author", required_argument, NULL, 'a' },
        { NULL, 0, NULL, 0 } };
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'a': author = optarg; break;
        default: from = NULL; optind = argc + 1; break;
        }
    }
    if (!from || !to || optind != argc) {
        fprintf (stderr, "usage: copy_entries --from NODEDIR --to NODEDIR "
                         "[--author NAME]\n");
        return 2;
    }
    if (sodium_init () < 0)
        return 2;
    char err[512];
    node_dir_t *source = node_dir_open (from, err, sizeof err);
    node_dir_t *target = source ? node_dir_open (to, err, sizeof err) : NULL;
    if (!target) {
        fprintf (stderr, "copy_entries: %s\n", err);
        node_dir_destroy (&source);
        return 2;
    }
    s_copy_t copy = { target, NULL, 0, 0 };
    if (author) {
        const keys_member_t *member
            = keys_roster_member_lookup (node_dir_roster (source), author);
        if (!member) {
            fprintf (stderr, "copy_entries: no member \"%s\"\n", author);
            node_dir_destroy (&target);
            node_dir_destroy (&source);
            return 2;
        }
        copy.author = member->card.sign_pk;
    }
    if (node_store_scan_rows (node_dir_store (source), 1, s_visit, &copy)
        != 0) {
        fprintf (stderr, "copy_entries: cannot read %s: %s\n", from,
                 node_store_last_error (node_dir_store (source)));
        copy.rc = 2;
    }
    printf ("%ld\n", copy.copied);
    node_dir_destroy (&target);
    node_dir_destroy (&source);
    return copy.rc;
}
