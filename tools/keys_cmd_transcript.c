/* SPDX-License-Identifier: MPL-2.0 */
/* keys_cmd_transcript: the ceremony transcript commands of ceptoar-keys. */

/* 'transcript verify FILE [--roster ROSTER]' checks every record of a
   ceremony transcript (keys/keys_transcript.h) and prints it as a record
   a person can read: number, time, action, actor, signer (named from the
   roster when one is given), input and output files with their hashes, and
   the head hash to compare with the one written down at the ceremony
   (--head checks it: records dropped from the end are caught that way).
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
/* A head written down must give at least 128 bits of the hash, as a key
   fingerprint does: fewer would let a forger search for a match.           */
#define S_HEAD_MIN_HEX 32
#define S_HEAD_HEX     (2 * PROTO_HASH_BYTES)

static const char *s_usage =
    "usage: ceptoar-keys transcript verify [--roster ROSTER] [--head HEX]\n"
    "                                      FILE\n"
    "\n"
    "Verifies a ceremony transcript: every record's signature, the record\n"
    "numbers 1, 2, 3..., each record's link to the hash of the one before,\n"
    "and that times never go back. Prints the records and the head hash.\n"
    "Records dropped from the end leave a shorter transcript that still\n"
    "verifies: give the head written down in the paper log at the last\n"
    "ceremony with --head, and verify fails unless a record has it.\n"
    "\n"
    "  --roster ROSTER  name each signer from this roster; a signer who is\n"
    "                   not a member fails the check\n"
    "  --head HEX       the head written down (at least its first 32 hex\n"
    "                   digits): some record must have it; records after\n"
    "                   it are named as added since\n"
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
//  not among its members, or the actor names another member than the one
//  whose key signed (the actor line is the signer's own word).
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
        const keys_member_t *named
            = keys_roster_member_by_name (roster, r->actor);
        known = member != NULL && (!named || named == member);
        printf ("    signer   %s (fingerprint %s)\n",
                member ? member->card.name : "NOT IN THE ROSTER", fpr);
        if (named && named != member)
            printf ("    ACTOR IS NOT THE SIGNER: \"%s\" is another member "
                    "than the key that signed\n", r->actor);
    }
    else
        printf ("    signer   fingerprint %s\n", fpr);
    s_print_files ("input", r->inputs, r->n_inputs);
    s_print_files ("output", r->outputs, r->n_outputs);
    return known;
}

//  Reads a head written down: 32 to 64 hex digits, either case, into
//  lowercase out. Returns its length, or 0 if it is not one.
static size_t
s_parse_head (const char *text, char out[S_HEAD_HEX + 1])
{
    size_t len = strlen (text);
    if (len < S_HEAD_MIN_HEX || len > S_HEAD_HEX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'F')
            c = (char) (c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
        out[i] = c;
    }
    out[len] = '\0';
    return len;
}

//  Finds the record whose hash begins with head (lowercase hex); returns its
//  1-based number, or 0 if none has it.
static size_t
s_find_head (const keys_transcript_t *transcript, const char *head)
{
    size_t count = keys_transcript_count (transcript);
    for (size_t i = 0; i < count; i++) {
        uint8_t hash[PROTO_HASH_BYTES];
        char hex[S_HEAD_HEX + 1];
        keys_transcript_record_hash (transcript, i, hash);
        proto_hex_encode (hex, hash, PROTO_HASH_BYTES);
        if (!strncmp (hex, head, strlen (head)))
            return i + 1;
    }
    return 0;
}

//  Checks the head written down against the verified transcript and says
//  what it found; returns TOOL_EXIT_OK or TOOL_EXIT_FAIL.
static int
s_check_head (const keys_transcript_t *transcript, const char *path,
              const char *head, const char *head_now)
{
    size_t count = keys_transcript_count (transcript);
    size_t at = s_find_head (transcript, head);
    if (!at) {
        tool_error ("no record of '%s' has the head %s written down: "
                    "records were dropped from its end, or this is another "
                    "transcript, or the head was mistyped: compare it with "
                    "the paper log digit by digit (its last record is %zu, "
                    "head %s)",
                    path, head, count, head_now);
        return TOOL_EXIT_FAIL;
    }
    if (at == count)
        printf ("head written down: record %zu's, the last: nothing was "
                "dropped from the end\n", at);
    else
        printf ("head written down: record %zu's; records %zu to %zu were "
                "added after it: the paper log must list them\n", at,
                at + 1, count);
    return TOOL_EXIT_OK;
}

static int
s_cmd_verify (int argc, char *argv[])
{
    static const struct option options[] = {
        { "roster", required_argument, NULL, 'r' },
        { "head", required_argument, NULL, 'H' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *roster_path = NULL;
    char head[S_HEAD_HEX + 1] = "";
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'r': roster_path = optarg; break;
        case 'H':
            if (!s_parse_head (optarg, head)) {
                tool_error ("--head '%s': give the head as written down, "
                            "%d to %d hex digits", optarg, S_HEAD_MIN_HEX,
                            S_HEAD_HEX);
                return TOOL_EXIT_USAGE;
            }
            break;
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
    uint8_t head_now[PROTO_HASH_BYTES];
    char head_hex[2 * PROTO_HASH_BYTES + 1] = "(none: no records)";
    if (keys_transcript_head (transcript, head_now) == 0)
        proto_hex_encode (head_hex, head_now, PROTO_HASH_BYTES);
    if (*head && s_check_head (transcript, path, head, head_hex) != 0)
        rc = TOOL_EXIT_FAIL;
    if (strangers) {
        tool_error ("%zu of %zu records are signed by keys that are not "
                    "members of roster '%s', or name another member as "
                    "their actor", strangers, count, roster_path);
        rc = TOOL_EXIT_FAIL;
    }
    else if (rc == TOOL_EXIT_OK && *head)
        printf ("%s: %zu records, valid\nhead %s\n", path, count, head_hex);
    else if (rc == TOOL_EXIT_OK)
        printf ("%s: %zu records, valid\nhead %s\n(compare the head with "
                "the one written down at the last ceremony, or give it "
                "with --head)\n", path, count, head_hex);
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

//  Whether a record can be appended now, so that a ceremony step never
//  writes files it then cannot record: the clock must not be before the
//  last record's time, and the transcript must have room.
static int
s_check_appendable (const keys_transcript_t *transcript, const char *path)
{
    size_t count = keys_transcript_count (transcript);
    if (count == 0)
        return TOOL_EXIT_OK;
    if (count >= KEYS_TRANSCRIPT_MAX_RECORDS) {
        tool_error ("transcript '%s' holds %zu records, the most allowed: "
                    "start a new one; the ceremony was not run", path, count);
        return TOOL_EXIT_FAIL;
    }
    const keys_transcript_record_t *last
        = keys_transcript_record (transcript, count - 1);
    int64_t now = (int64_t) time (NULL);
    if (now < last->time) {
        char when[KEYS_TRANSCRIPT_TIME_LEN + 1];
        char before[KEYS_TRANSCRIPT_TIME_LEN + 1];
        if (keys_transcript_format_time (now, when) != 0)
            snprintf (when, sizeof when, "?");
        if (keys_transcript_format_time (last->time, before) != 0)
            snprintf (before, sizeof before, "?");
        tool_error ("transcript '%s': the clock reads %s, before the time "
                    "of record %" PRIu64 " (%s): set the clock (UTC) and "
                    "try again; the ceremony was not run", path, when,
                    last->number, before);
        return TOOL_EXIT_FAIL;
    }
    return TOOL_EXIT_OK;
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
    else if (loaded == 0)
        rc = s_check_appendable (transcript, path);
    keys_transcript_destroy (&transcript);
    return rc;
}

int
keys_cmd_transcript_room (size_t n_inputs, size_t n_outputs)
{
    if (n_inputs <= KEYS_TRANSCRIPT_MAX_FILES
        && n_outputs <= KEYS_TRANSCRIPT_MAX_FILES)
        return TOOL_EXIT_OK;
    tool_error ("a transcript record names at most %d input and %d output "
                "files, and this step has %zu and %zu; the ceremony was not "
                "run", KEYS_TRANSCRIPT_MAX_FILES, KEYS_TRANSCRIPT_MAX_FILES,
                n_inputs, n_outputs);
    return TOOL_EXIT_USAGE;
}

int
keys_cmd_transcript_record (const char *path, const keys_secret_t *signer,
                            const char *actor, const char *action,
                            const char *const *inputs, size_t n_inputs,
                            const char *const *outputs, size_t n_outputs)
{
    int room = keys_cmd_transcript_room (n_inputs, n_outputs);
    if (room != TOOL_EXIT_OK)
        return room;
    //  On the heap: 1200 entries are too many for a tool's stack frame.
    keys_transcript_file_t *files
        = calloc (n_inputs + n_outputs + 1, sizeof *files);
    if (!files) {
        tool_error ("transcript: out of memory");
        return TOOL_EXIT_USAGE;
    }
    for (size_t i = 0; i < n_inputs + n_outputs; i++) {
        const char *file = i < n_inputs ? inputs[i] : outputs[i - n_inputs];
        files[i].label = file;
        if (keys_transcript_hash_file (file, files[i].hash) != 0) {
            tool_error ("transcript: cannot read '%s' to hash it: %s", file,
                        strerror (errno));
            free (files);
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
    free (files);
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
