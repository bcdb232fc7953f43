/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_verify: "ceptoar-keys roster verify". */

/* The files may come in any order: they are sorted by version and each
   version must follow the one before (keys_roster_verify). Starting from
   the trusted version (--trusted, the one a node or a ceremony already
   relies on), or from a valid genesis, it refuses:
     - a rollback: a file whose version is not newer than the trusted one
       (an old version replayed as new, or the trusted one itself);
     - a gap: a version missing between the trusted one and the newest;
     - a fork: two different files of one version that are BOTH validly
       signed successors. Both are named: the Council has signed two
       different next versions, which only it can resolve.
   An invalid file beside a valid one of the same version is reported and
   skipped (anyone can write an unsigned draft); the chain goes on.         */

#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/keys.h"
#include "keys_cmd_notice.h"
#include "keys_cmd_verify.h"
#include "tool_util.h"

#define S_ERR_LEN 512

static const char *s_usage =
    "usage: ceptoar-keys roster verify [--trusted ROSTER] [--notices FILE]...\n"
    "                                  ROSTER...\n"
    "\n"
    "Verifies a chain of roster versions up to the newest one given: each\n"
    "version's signatures (the threshold of the version before AND of its\n"
    "own members), version number and link to the version before. The\n"
    "files may be given in any order. The chain starts at the version\n"
    "given with --trusted (the one already relied on, taken as it is), or\n"
    "at a valid genesis (version 1) among the files. Refused, with exit 1:\n"
    "  - a rollback: a file not newer than the trusted version;\n"
    "  - a gap: a version missing up to the newest one given;\n"
    "  - a fork: two different, validly signed files of one version (both\n"
    "    are named: tell the Council).\n"
    "Prints each version and exits 0 if the chain is valid.\n"
    "\n"
    "  --trusted ROSTER       the version already trusted (not re-verified)\n"
    "  --notices FILE         revocations in force: a revocation certificate\n"
    "                         or a node's NODEDIR/notices file (repeat it);\n"
    "                         a revoked key's signature counts for nothing,\n"
    "                         as at every node\n";

typedef struct {
    const char *path;
    keys_roster_t *roster;
    uint8_t hash[PROTO_HASH_BYTES];
} s_file_t;

static int
s_by_version (const void *a, const void *b)
{
    uint64_t va = keys_roster_version (((const s_file_t *) a)->roster);
    uint64_t vb = keys_roster_version (((const s_file_t *) b)->roster);
    return va < vb ? -1 : va > vb;
}

static void
s_hex8 (char out[17], const uint8_t *hash)
{
    proto_hex_encode (out, hash, 8);
}

static void
s_print_valid (const s_file_t *f, const keys_roster_count_t *counts)
{
    printf ("%s: version %" PRIu64 " valid: signed by %zu of its members "
            "(%zu needed)", f->path, keys_roster_version (f->roster),
            counts->own, counts->own_needed);
    if (counts->prev_needed)
        printf (" and %zu of version %" PRIu64 "'s (%zu needed)",
                counts->prev, keys_roster_version (f->roster) - 1,
                counts->prev_needed);
    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, f->hash, PROTO_HASH_BYTES);
    printf ("; %zu members\n  body hash %s\n",
            keys_roster_member_count (f->roster), hex);
}

//  Among files[lo..hi) (one version), the valid successors of prev (NULL:
//  genesis). Prints why each other one is refused. Returns the index of
//  the valid one, -1 if none, -2 after reporting a fork.
static long
s_pick (s_file_t *files, size_t lo, size_t hi, const s_file_t *prev)
{
    long chosen = -1;
    for (size_t i = lo; i < hi; i++) {
        keys_roster_count_t counts;
        char err[S_ERR_LEN];
        if (keys_roster_verify (files[i].roster, prev ? prev->roster : NULL,
                                &counts, err, sizeof err)
            != 0) {
            tool_error ("'%s' is not a valid version %" PRIu64 ": %s",
                        files[i].path, keys_roster_version (files[i].roster),
                        err);
            continue;
        }
        if (chosen >= 0) {
            if (!memcmp (files[chosen].hash, files[i].hash,
                         PROTO_HASH_BYTES))
                continue;                   //  the same roster twice
            char a[17], b[17];
            s_hex8 (a, files[chosen].hash);
            s_hex8 (b, files[i].hash);
            tool_error ("FORK: two different version %" PRIu64 "s are both "
                        "validly signed: '%s' (hash %s...) and '%s' (hash "
                        "%s...); the Council signed both: tell it, and trust "
                        "neither until it decides",
                        keys_roster_version (files[i].roster),
                        files[chosen].path, a, files[i].path, b);
            return -2;
        }
        chosen = (long) i;
        s_print_valid (&files[i], &counts);
    }
    return chosen;
}

int
keys_cmd_roster_verify (int argc, char *argv[])
{
    static const struct option options[] = {
        { "trusted", required_argument, NULL, 't' },
        { "notices", required_argument, NULL, 'N' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *trusted_path = NULL;
    const char *notices[KEYS_CMD_NOTICES_MAX];
    size_t notice_count = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 't': trusted_path = optarg; break;
        case 'N':
            if (keys_cmd_notices_option (optarg, notices, &notice_count))
                return TOOL_EXIT_USAGE;
            break;
        case 'h': fputs (s_usage, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    size_t n = (size_t) (argc - optind);
    if (n == 0 && !trusted_path) {
        tool_error ("roster verify needs at least one ROSTER");
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (n > KEYS_ROSTER_CHAIN_MAX) {
        tool_error ("at most %d roster versions", KEYS_ROSTER_CHAIN_MAX);
        return TOOL_EXIT_USAGE;
    }
    keys_notice_set_t *revocations = NULL;
    if (notice_count) {
        int loaded = keys_cmd_notices_load (notices, notice_count,
                                            &revocations);
        if (loaded != 0)
            return loaded;
    }
    s_file_t *files = calloc (n + 1, sizeof *files);
    s_file_t trusted = { trusted_path, NULL, { 0 } };
    int rc = TOOL_EXIT_USAGE;
    char err[S_ERR_LEN];
    if (!files) {
        tool_error ("out of memory");
        keys_notice_set_destroy (&revocations);
        return TOOL_EXIT_USAGE;
    }
    //  Read everything first: a file that does not parse is a failed
    //  verification (1); one that cannot be read, an I/O error (2).
    for (size_t i = 0; i <= n; i++) {
        s_file_t *f = i < n ? &files[i] : &trusted;
        if (i < n)
            f->path = argv[optind + (int) i];
        else if (!trusted_path)
            break;
        size_t len;
        char *text = tool_read_file (f->path, KEYS_ROSTER_MAX_BYTES, &len);
        if (!text)
            goto done;
        f->roster = keys_roster_parse (text, len, err, sizeof err);
        free (text);
        if (!f->roster || keys_roster_hash (f->roster, f->hash) != 0) {
            tool_error ("'%s' is not a roster: %s", f->path, err);
            rc = TOOL_EXIT_FAIL;
            goto done;
        }
        if (revocations && keys_notice_set_apply (revocations, f->roster)) {
            tool_error ("out of memory");
            goto done;
        }
    }
    qsort (files, n, sizeof *files, s_by_version);
    rc = TOOL_EXIT_FAIL;
    const s_file_t *current = NULL;
    size_t next = 0;
    if (trusted_path) {
        uint64_t t = keys_roster_version (trusted.roster);
        char h[2 * PROTO_HASH_BYTES + 1];
        proto_hex_encode (h, trusted.hash, PROTO_HASH_BYTES);
        printf ("%s: version %" PRIu64 " trusted as given\n  body hash %s\n",
                trusted.path, t, h);
        for (; next < n && keys_roster_version (files[next].roster) <= t;
             next++) {
            const s_file_t *f = &files[next];
            if (keys_roster_version (f->roster) < t)
                tool_error ("ROLLBACK: '%s' is version %" PRIu64 ", older "
                            "than the trusted version %" PRIu64,
                            f->path, keys_roster_version (f->roster), t);
            else if (!memcmp (f->hash, trusted.hash, PROTO_HASH_BYTES))
                tool_error ("ROLLBACK: '%s' is the trusted version %" PRIu64
                            " itself, not a newer one (give only the "
                            "versions after the trusted one)",
                            f->path, t);
            else
                tool_error ("FORK: '%s' is another version %" PRIu64 " than "
                            "the trusted one: the roster chain has forked; "
                            "tell the Council",
                            f->path, t);
        }
        if (next > 0)
            goto done;
        current = &trusted;
    }
    if (n == 0) {
        tool_error ("no version newer than the trusted one was given");
        goto done;
    }
    uint64_t newest = keys_roster_version (files[n - 1].roster);
    uint64_t want = current ? keys_roster_version (current->roster) + 1 : 1;
    while (next < n) {
        size_t hi = next;
        while (hi < n && keys_roster_version (files[hi].roster) == want)
            hi++;
        if (hi == next && want == 1) {
            tool_error ("GAP: no genesis (version 1) was given before "
                        "version %" PRIu64 ": give the chain from its "
                        "genesis, or the version your nodes trust with "
                        "--trusted", keys_roster_version (files[next].roster));
            goto done;
        }
        if (hi == next) {
            tool_error ("GAP: no version %" PRIu64 " was given between "
                        "version %" PRIu64 " and version %" PRIu64
                        " (versions go up by exactly one)",
                        want, want - 1, newest);
            goto done;
        }
        long picked = s_pick (files, next, hi, current);
        if (picked < 0) {
            if (picked == -1)
                tool_error ("no valid version %" PRIu64 ": the chain stops "
                            "at version %" PRIu64, want, want - 1);
            goto done;
        }
        current = &files[picked];
        next = hi;
        want++;
    }
    assert (current);                   //  n > 0: the loop picked one
    char in_force[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (in_force, current->hash, PROTO_HASH_BYTES);
    printf ("chain valid: version %" PRIu64 " is in force\n"
            "  body hash %s (as 'ceptoar roster show' prints it)\n",
            keys_roster_version (current->roster), in_force);
    rc = TOOL_EXIT_OK;
done:
    for (size_t i = 0; i < n; i++)
        keys_roster_destroy (&files[i].roster);
    keys_roster_destroy (&trusted.roster);
    keys_notice_set_destroy (&revocations);
    free (files);
    return rc;
}
