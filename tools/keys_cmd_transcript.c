/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_transcript: the ceremony transcript commands of ceptoar-keys. */

/* 'transcript verify FILE [--roster ROSTER]' checks every record of a
   ceremony transcript (keys/keys_transcript.h) and prints it as a record
   a person can read: number, time, action, actor, signer (named from the
   roster when one is given), input and output files with their hashes, and
   the head hash to compare with the one written down at the ceremony.
   keys_cmd_transcript_record is what ceremony commands call after their
   work when given --transcript FILE.                                        */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys_cmd_transcript.h"
#include "tool_util.h"

#define ERR_LEN 512

static const char *s_usage =
    "usage: ceptoar-keys transcript verify [--roster ROSTER] FILE\n"
    "\n"
    "Verifies a ceremony transcript: every record's signature, the record\n"
    "numbers 1, 2, 3..., each record's link to the hash of the one before,\n"
    "and that times never go back. Prints the records and the head hash;\n"
    "compare the head with the one written down at the last ceremony (a\n"
    "transcript cut short after a record still verifies).\n"
    "\n"
    "  --roster ROSTER  name each signer from this roster; a signer who is\n"
    "                   not a member fails the check\n"
    "\n"
    "Ceremony commands append to a transcript with --transcript FILE.\n"
    "exit status: 0 valid, 1 verification failed, 2 usage or I/O error\n";

static void
s_print_files (const char *kind, const keys_transcript_file_t *files,
               size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char hex[2 * PROTO_HASH_BYTES + 1];
        proto_hex_encode (hex, files[i].hash, PROTO_HASH_BYTES);
        printf ("    %-8s %s\n             blake2b-256 %s\n", kind,
                files[i].label, hex);
    }
}

//  Prints one record; returns false if a roster is given and the signer is
//  not among its members.
static bool
s_print_record (const keys_transcript_record_t *r,
                const keys_roster_t *roster)
{
    char when[KEYS_TRANSCRIPT_TIME_LEN + 1];
    char fpr[PROTO_FPR_HEX_LEN + 1];
    if (keys_transcript_format_time (r->time, when) != 0)
        snprintf (when, sizeof when, "?");
    proto_fingerprint (fpr, r->signer);
    printf ("record %" PRIu64 "  %s  %s\n", r->number, when, r->action);
    printf ("    actor    %s\n", r->actor);
    bool known = true;
    if (roster) {
        const keys_member_t *member
            = keys_roster_member_by_key (roster, r->signer);
        known = member != NULL;
        printf ("    signer   %s (fingerprint %s)\n",
                member ? member->card.name : "NOT IN THE ROSTER", fpr);
    }
    else
        printf ("    signer   fingerprint %s\n", fpr);
    s_print_files ("input", r->inputs, r->n_inputs);
    s_print_files ("output", r->outputs, r->n_outputs);
    return known;
}

static int
s_cmd_verify (int argc, char *argv[])
{
    static const struct option options[] = {
        { "roster", required_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *roster_path = NULL;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'r': roster_path = optarg; break;
        case 'h': fputs (s_usage, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        tool_error ("transcript verify needs one FILE");
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *path = argv[optind];
    char err[ERR_LEN];
    keys_roster_t *roster = NULL;
    if (roster_path
        && !(roster = keys_roster_load (roster_path, err, sizeof err))) {
        tool_error ("roster '%s': %s", roster_path, err);
        return TOOL_EXIT_USAGE;
    }
    keys_transcript_t *transcript = NULL;
    int loaded = keys_transcript_load (path, &transcript, err, sizeof err);
    if (loaded != 0) {
        //  A readable file that does not parse fails the check.
        tool_error ("%s", err);
        if (loaded == KEYS_TRANSCRIPT_BAD)
            fprintf (stderr, "the transcript is malformed: it was edited, "
                             "or cut short while a record was written\n");
        keys_roster_destroy (&roster);
        return loaded == KEYS_TRANSCRIPT_IO ? TOOL_EXIT_USAGE
                                            : TOOL_EXIT_FAIL;
    }
    int rc = TOOL_EXIT_OK;
    size_t bad = 0;
    if (keys_transcript_verify (transcript, &bad, err, sizeof err) != 0) {
        tool_error ("'%s' is not valid: %s", path, err);
        if (bad > 1)
            fprintf (stderr, "records 1 to %zu verify; nothing from record "
                             "%zu on can be trusted\n", bad - 1, bad);
        rc = TOOL_EXIT_FAIL;
        goto done;
    }
    size_t strangers = 0;
    size_t count = keys_transcript_count (transcript);
    for (size_t i = 0; i < count; i++) {
        if (!s_print_record (keys_transcript_record (transcript, i), roster))
            strangers++;
        printf ("\n");
    }
    uint8_t head[PROTO_HASH_BYTES];
    char head_hex[2 * PROTO_HASH_BYTES + 1];
    keys_transcript_head (transcript, head);
    proto_hex_encode (head_hex, head, PROTO_HASH_BYTES);
    if (strangers) {
        tool_error ("%zu of %zu records are signed by keys that are not "
                    "members of roster '%s'", strangers, count, roster_path);
        rc = TOOL_EXIT_FAIL;
    }
    else
        printf ("%s: %zu records, valid\nhead %s\n(compare the head with "
                "the one written down at the last ceremony)\n", path,
                count, head_hex);
done:
    keys_transcript_destroy (&transcript);
    keys_roster_destroy (&roster);
    return rc;
}

int
keys_cmd_transcript (int argc, char *argv[])
{
    if (argc < 2 || !strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")) {
        fputs (s_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? TOOL_EXIT_USAGE : TOOL_EXIT_OK;
    }
    if (!strcmp (argv[1], "verify"))
        return s_cmd_verify (argc - 1, argv + 1);
    tool_error ("unknown command 'transcript %s'", argv[1]);
    fputs (s_usage, stderr);
    return TOOL_EXIT_USAGE;
}

int
keys_cmd_transcript_check (const char *path)
{
    if (access (path, F_OK) != 0 && errno == ENOENT)
        return TOOL_EXIT_OK;
    char err[ERR_LEN];
    keys_transcript_t *transcript = NULL;
    int loaded = keys_transcript_load (path, &transcript, err, sizeof err);
    int rc = TOOL_EXIT_OK;
    size_t bad = 0;
    if (loaded == KEYS_TRANSCRIPT_IO) {
        tool_error ("transcript: %s", err);
        rc = TOOL_EXIT_USAGE;
    }
    else if (loaded == KEYS_TRANSCRIPT_BAD
             && strstr (err, "not a ceremony transcript")
             && access (path, R_OK) == 0) {
        //  An empty file is a transcript not yet begun; other text is not.
        FILE *file = fopen (path, "rb");
        bool empty = file && fgetc (file) == EOF;
        if (file)
            (void) fclose (file);
        if (!empty) {
            tool_error ("transcript: %s", err);
            rc = TOOL_EXIT_FAIL;
        }
    }
    else if (loaded == KEYS_TRANSCRIPT_BAD
             || keys_transcript_verify (transcript, &bad, err, sizeof err)
                    != 0) {
        tool_error ("transcript '%s' is broken: %s; the ceremony was not "
                    "run (check it with 'ceptoar-keys transcript verify')",
                    path, err);
        rc = TOOL_EXIT_FAIL;
    }
    keys_transcript_destroy (&transcript);
    return rc;
}

int
keys_cmd_transcript_record (const char *path, const keys_secret_t *signer,
                            const char *actor, const char *action,
                            const char *const *inputs, size_t n_inputs,
                            const char *const *outputs, size_t n_outputs)
{
    if (n_inputs > KEYS_TRANSCRIPT_MAX_FILES
        || n_outputs > KEYS_TRANSCRIPT_MAX_FILES) {
        tool_error ("transcript: at most %d input and %d output files",
                    KEYS_TRANSCRIPT_MAX_FILES, KEYS_TRANSCRIPT_MAX_FILES);
        return TOOL_EXIT_USAGE;
    }
    keys_transcript_file_t files[2 * KEYS_TRANSCRIPT_MAX_FILES];
    for (size_t i = 0; i < n_inputs + n_outputs; i++) {
        const char *file = i < n_inputs ? inputs[i] : outputs[i - n_inputs];
        files[i].label = file;
        if (keys_transcript_hash_file (file, files[i].hash) != 0) {
            tool_error ("transcript: cannot read '%s' to hash it: %s", file,
                        strerror (errno));
            return TOOL_EXIT_USAGE;
        }
    }
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, keys_secret_sign_pk (signer));
    uint64_t number = 0;
    uint8_t head[PROTO_HASH_BYTES];
    char err[ERR_LEN];
    int rc = keys_transcript_append_file (
        path, signer, (int64_t) time (NULL), actor ? actor : fpr, action,
        files, n_inputs, files + n_inputs, n_outputs, &number, head, err,
        sizeof err);
    if (rc != 0) {
        tool_error ("transcript: %s", err);
        return rc == KEYS_TRANSCRIPT_IO ? TOOL_EXIT_USAGE : TOOL_EXIT_FAIL;
    }
    char head_hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (head_hex, head, PROTO_HASH_BYTES);
    printf ("transcript %s: record %" PRIu64 " (%s), head %s\n", path,
            number, action, head_hex);
    return TOOL_EXIT_OK;
}
