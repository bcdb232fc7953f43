/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_transcript: libFuzzer harness for ceremony transcripts. */

/* The input is a ceremony transcript (docs/formats.md, "Ceremony
   transcript"), as `ceptoar-keys transcript verify FILE` reads it and
   every ceremony command with --transcript appends to it. The format has
   one encoding, and the module keeps no formatter of its own for a whole
   transcript, so the harness writes one from the format's description.
   Properties checked:

   - a refusal always comes with a reason of printable ASCII, one line;
   - a parsed transcript has at least one record, and every record's
     values are in the format's limits (actor and labels valid text,
     action [a-z][a-z0-9-]*, at most 64 inputs and 64 outputs, a time in
     years 1970..9999, and the line of each record where its text puts
     it);
   - round trip: the header and the records, written again from the
     parsed values, are exactly the input bytes;
   - keys_transcript_verify agrees with the rules checked here from the
     parsed values (a signature checked with libsodium, then number,
     previous, time): it passes exactly when they all hold, else names
     the first record that breaks one, with a printable one-line reason;
     on success the head is the hash of the last record's bytes;
   - appending to a transcript that does not verify is refused; appending
     to one that does gives text that, after the transcript, parses and
     verifies with one more record holding the values given.

   The fuzzer cannot sign, so the harness also signs every record again
   with a test key, keeping its number, time and files, and chaining each
   previous that was right in the input (a wrong one stays wrong). That
   text must parse, and verify must then name the first record whose
   number, previous or time is wrong: the checks behind the signature.    */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "keys.h"
#include "fuzz_common.h"

#define S_HEADER     "ceptoar-transcript: 1\n"
#define S_DOMAIN     "CEPTOAR-TRANSCRIPT-V1"

static keys_secret_t *s_key;            /* signs the re-signed transcript  */

/* A growing text buffer.                                                   */
typedef struct {
    char *data;
    size_t len, cap;
} s_buf_t;

static void
s_printf (s_buf_t *buf, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_printf (s_buf_t *buf, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int n = vsnprintf (NULL, 0, format, args);
    va_end (args);
    FUZZ_CHECK ("harness", n >= 0);
    if (buf->len + (size_t) n + 1 > buf->cap) {
        buf->cap = (buf->len + (size_t) n + 1) * 2;
        buf->data = realloc (buf->data, buf->cap);
        FUZZ_CHECK ("harness", buf->data);
    }
    va_start (args, format);
    vsnprintf (buf->data + buf->len, buf->cap - buf->len, format, args);
    va_end (args);
    buf->len += (size_t) n;
}

static const char *
s_hex (char *out, const uint8_t *bin, size_t len)
{
    proto_hex_encode (out, bin, len);
    return out;
}

/* ------------------------------------------------------------------------
   Append record r to buf as the format writes it, with previous (NULL for
   "none"), signer and signature (NULL: stop after the signer line).
   Returns the offset in buf where the record starts.                       */
static size_t
s_format (s_buf_t *buf, const keys_transcript_record_t *r,
          const uint8_t *previous, const uint8_t *signer,
          const uint8_t *signature)
{
    size_t start = buf->len;
    char hex[2 * PROTO_SIG_BYTES + 1];
    char when[KEYS_TRANSCRIPT_TIME_LEN + 1];
    FUZZ_CHECK ("transcript-fields",
                keys_transcript_format_time (r->time, when) == 0);
    s_printf (buf, "record: %" PRIu64 "\nprevious: %s\n", r->number,
              previous ? s_hex (hex, previous, PROTO_HASH_BYTES) : "none");
    s_printf (buf, "time: %s\nactor: %s\naction: %s\n", when, r->actor,
              r->action);
    for (size_t i = 0; i < r->n_inputs; i++)
        s_printf (buf, "input: %s %s\n", r->inputs[i].label,
                  s_hex (hex, r->inputs[i].hash, PROTO_HASH_BYTES));
    for (size_t i = 0; i < r->n_outputs; i++)
        s_printf (buf, "output: %s %s\n", r->outputs[i].label,
                  s_hex (hex, r->outputs[i].hash, PROTO_HASH_BYTES));
    s_printf (buf, "signer: %s\n", s_hex (hex, signer, PROTO_PK_BYTES));
    if (signature)
        s_printf (buf, "signature: %s\n",
                  s_hex (hex, signature, PROTO_SIG_BYTES));
    return start;
}

/* ------------------------------------------------------------------------
   The signed message of a record whose text up to and including the
   signer line is part[0..len): domain, NUL, that text. Caller frees.       */
static uint8_t *
s_message (const char *part, size_t len, size_t *msg_len)
{
    *msg_len = sizeof S_DOMAIN + len;
    uint8_t *msg = malloc (*msg_len);
    FUZZ_CHECK ("harness", msg);
    memcpy (msg, S_DOMAIN, sizeof S_DOMAIN);       /* with its NUL */
    memcpy (msg + sizeof S_DOMAIN, part, len);
    return msg;
}

static bool
s_action_ok (const char *action)
{
    size_t len = strlen (action);
    if (len < 1 || len > KEYS_TRANSCRIPT_ACTION_MAX || action[0] < 'a'
        || action[0] > 'z')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((action[i] >= 'a' && action[i] <= 'z')
              || (action[i] >= '0' && action[i] <= '9') || action[i] == '-'))
            return false;
    return true;
}

static void
s_check_fields (const keys_transcript_t *t)
{
    size_t count = keys_transcript_count (t);
    FUZZ_CHECK ("transcript-fields", count >= 1);
    FUZZ_CHECK ("transcript-fields", count <= KEYS_TRANSCRIPT_MAX_RECORDS);
    size_t line = 3;                    /* of "record:": after the header */
    for (size_t i = 0; i < count; i++) {
        const keys_transcript_record_t *r = keys_transcript_record (t, i);
        FUZZ_CHECK ("transcript-fields",
                    keys_transcript_text_valid (r->actor,
                                                KEYS_TRANSCRIPT_ACTOR_MAX));
        FUZZ_CHECK ("transcript-fields", s_action_ok (r->action));
        FUZZ_CHECK ("transcript-fields",
                    r->n_inputs <= KEYS_TRANSCRIPT_MAX_FILES
                        && r->n_outputs <= KEYS_TRANSCRIPT_MAX_FILES);
        for (size_t f = 0; f < r->n_inputs + r->n_outputs; f++) {
            const keys_transcript_file_t *file
                = f < r->n_inputs ? &r->inputs[f]
                                  : &r->outputs[f - r->n_inputs];
            FUZZ_CHECK ("transcript-fields",
                        keys_transcript_text_valid (
                            file->label, KEYS_TRANSCRIPT_LABEL_MAX));
        }
        /* Seven lines and one per file, then a blank line.                 */
        FUZZ_CHECK ("transcript-fields", r->line == line);
        line += 7 + r->n_inputs + r->n_outputs + 1;
    }
}

/* ------------------------------------------------------------------------
   The first record (1-based) that breaks a rule of verify, 0 if none.
   sig_ok[i] says whether record i's signature verifies, prev_ok[i]
   whether its previous names the record before.                           */
static size_t
s_first_bad (const keys_transcript_t *t, const bool *sig_ok,
             const bool *prev_ok)
{
    size_t count = keys_transcript_count (t);
    for (size_t i = 0; i < count; i++) {
        const keys_transcript_record_t *r = keys_transcript_record (t, i);
        if (!sig_ok[i] || r->number != i + 1
            || (i == 0 && r->has_previous)
            || (i > 0 && (!r->has_previous || !prev_ok[i]))
            || (i > 0
                && r->time < keys_transcript_record (t, i - 1)->time))
            return i + 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Verify t and compare with want (s_first_bad); on success, the head is
   last_hash.                                                               */
static int
s_check_verify (const keys_transcript_t *t, size_t want,
                const uint8_t last_hash[PROTO_HASH_BYTES])
{
    size_t bad = 0;
    char reason[512] = "";
    int rc = keys_transcript_verify (t, &bad, reason, sizeof reason);
    if (want == 0) {
        FUZZ_CHECK ("transcript-verify", rc == 0);
        uint8_t head[PROTO_HASH_BYTES];
        FUZZ_CHECK ("transcript-verify", keys_transcript_head (t, head) == 0);
        FUZZ_CHECK ("transcript-verify",
                    !memcmp (head, last_hash, PROTO_HASH_BYTES));
    }
    else {
        FUZZ_CHECK ("transcript-verify", rc == -1);
        FUZZ_CHECK ("transcript-verify", bad == want);
        FUZZ_CHECK ("transcript-reason", s_reason_ok (reason));
    }
    return rc;
}

/* ------------------------------------------------------------------------
   Append a copy of the last record's values to t, whose text is
   text[0..len): refused if t does not verify (verified false), else the
   text with the addition parses and verifies, one record longer.           */
static void
s_check_append (keys_transcript_t *t, const char *text, size_t len,
                bool verified)
{
    size_t count = keys_transcript_count (t);
    const keys_transcript_record_t *last
        = keys_transcript_record (t, count - 1);
    /* Copies: appending may move the records.                               */
    int64_t time = last->time;
    char *actor = strdup (last->actor), *action = strdup (last->action);
    size_t n_in = last->n_inputs, n_out = last->n_outputs;
    keys_transcript_file_t *files = calloc (n_in + n_out + 1, sizeof *files);
    FUZZ_CHECK ("harness", actor && action && files);
    for (size_t f = 0; f < n_in + n_out; f++) {
        const keys_transcript_file_t *from
            = f < n_in ? &last->inputs[f] : &last->outputs[f - n_in];
        files[f].label = strdup (from->label);
        FUZZ_CHECK ("harness", files[f].label);
        memcpy (files[f].hash, from->hash, PROTO_HASH_BYTES);
    }
    char reason[512] = "";
    size_t add_len = 0;
    char *addition = keys_transcript_append (t, s_key, time, actor, action,
                                             files, n_in, files + n_in, n_out,
                                             &add_len, reason, sizeof reason);
    if (!verified) {
        FUZZ_CHECK ("transcript-append", !addition);
        FUZZ_CHECK ("transcript-reason", s_reason_ok (reason));
        FUZZ_CHECK ("transcript-append", keys_transcript_count (t) == count);
    }
    else if (len + add_len <= KEYS_TRANSCRIPT_MAX_BYTES) {
        FUZZ_CHECK ("transcript-append", addition);
        FUZZ_CHECK ("transcript-append", strlen (addition) == add_len);
        FUZZ_CHECK ("transcript-append",
                    keys_transcript_count (t) == count + 1);
        char *whole = malloc (len + add_len);
        FUZZ_CHECK ("harness", whole);
        memcpy (whole, text, len);
        memcpy (whole + len, addition, add_len);
        keys_transcript_t *again = keys_transcript_parse (whole, len + add_len,
                                                          reason,
                                                          sizeof reason);
        FUZZ_CHECK ("transcript-append", again);
        FUZZ_CHECK ("transcript-append",
                    keys_transcript_count (again) == count + 1);
        FUZZ_CHECK ("transcript-append",
                    keys_transcript_verify (again, NULL, reason,
                                            sizeof reason)
                        == 0);
        const keys_transcript_record_t *r
            = keys_transcript_record (again, count);
        FUZZ_CHECK ("transcript-append",
                    r->number == count + 1 && r->time == time
                        && !strcmp (r->actor, actor)
                        && !strcmp (r->action, action)
                        && r->n_inputs == n_in && r->n_outputs == n_out
                        && !memcmp (r->signer, keys_secret_sign_pk (s_key),
                                    PROTO_PK_BYTES));
        for (size_t f = 0; f < n_in + n_out; f++) {
            const keys_transcript_file_t *got
                = f < n_in ? &r->inputs[f] : &r->outputs[f - n_in];
            FUZZ_CHECK ("transcript-append",
                        !strcmp (got->label, files[f].label)
                            && !memcmp (got->hash, files[f].hash,
                                        PROTO_HASH_BYTES));
        }
        uint8_t head_a[PROTO_HASH_BYTES], head_b[PROTO_HASH_BYTES];
        FUZZ_CHECK ("transcript-append",
                    keys_transcript_head (t, head_a) == 0
                        && keys_transcript_head (again, head_b) == 0
                        && !memcmp (head_a, head_b, PROTO_HASH_BYTES));
        keys_transcript_destroy (&again);
        free (whole);
    }
    free (addition);
    for (size_t f = 0; f < n_in + n_out; f++)
        free ((char *) files[f].label);
    free (files);
    free (actor);
    free (action);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    uint8_t seed[PROTO_SEED_BYTES], box[PROTO_BOXSK_BYTES];
    memset (seed, 0x5a, sizeof seed);
    memset (box, 0xa5, sizeof box);
    s_key = keys_secret_from_seeds (seed, box);
    if (!s_key)
        abort ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    char reason[512] = "";
    keys_transcript_t *t = keys_transcript_parse (text, size, reason,
                                                  sizeof reason);
    if (!t) {
        FUZZ_CHECK ("transcript-reason", s_reason_ok (reason));
        return 0;
    }
    s_check_fields (t);
    size_t count = keys_transcript_count (t);

    /* Round trip, and what verify must say about the input.                 */
    s_buf_t out = { NULL, 0, 0 };
    s_printf (&out, "%s", S_HEADER);
    uint8_t (*hash)[PROTO_HASH_BYTES] = calloc (count, sizeof *hash);
    bool *sig_ok = calloc (count, sizeof (bool));
    bool *prev_ok = calloc (count, sizeof (bool));
    FUZZ_CHECK ("harness", hash && sig_ok && prev_ok);
    for (size_t i = 0; i < count; i++) {
        const keys_transcript_record_t *r = keys_transcript_record (t, i);
        s_printf (&out, "\n");
        size_t start = s_format (&out, r, r->has_previous ? r->previous : NULL,
                                 r->signer, NULL);
        size_t msg_len;
        uint8_t *msg = s_message (out.data + start, out.len - start,
                                  &msg_len);
        sig_ok[i] = crypto_sign_verify_detached (r->signature, msg, msg_len,
                                                 r->signer)
                    == 0;
        free (msg);
        char hex[2 * PROTO_SIG_BYTES + 1];
        s_printf (&out, "signature: %s\n",
                  s_hex (hex, r->signature, PROTO_SIG_BYTES));
        proto_hash (hash[i], out.data + start, out.len - start);
        prev_ok[i] = i > 0 && r->has_previous
                     && !memcmp (r->previous, hash[i - 1], PROTO_HASH_BYTES);
    }
    FUZZ_CHECK ("transcript-round-trip", out.len == size);
    FUZZ_CHECK ("transcript-round-trip", !memcmp (out.data, text, size));
    size_t want = s_first_bad (t, sig_ok, prev_ok);
    int rc = s_check_verify (t, want, hash[count - 1]);

    /* Signed again with the test key; a previous right in the input is
       chained to the new bytes, a wrong one kept.                           */
    s_buf_t signed_text = { NULL, 0, 0 };
    s_printf (&signed_text, "%s", S_HEADER);
    uint8_t new_hash[PROTO_HASH_BYTES];
    for (size_t i = 0; i < count; i++) {
        const keys_transcript_record_t *r = keys_transcript_record (t, i);
        s_printf (&signed_text, "\n");
        const uint8_t *previous = !r->has_previous ? NULL
                                  : prev_ok[i]     ? new_hash
                                                   : r->previous;
        size_t start = s_format (&signed_text, r, previous,
                                 keys_secret_sign_pk (s_key), NULL);
        size_t msg_len;
        uint8_t *msg = s_message (signed_text.data + start,
                                  signed_text.len - start, &msg_len);
        uint8_t sig[PROTO_SIG_BYTES];
        crypto_sign_detached (sig, NULL, msg, msg_len,
                              keys_secret_sign_sk (s_key));
        free (msg);
        char hex[2 * PROTO_SIG_BYTES + 1];
        s_printf (&signed_text, "signature: %s\n",
                  s_hex (hex, sig, PROTO_SIG_BYTES));
        proto_hash (new_hash, signed_text.data + start,
                    signed_text.len - start);
        sig_ok[i] = true;
    }
    keys_transcript_t *resigned = NULL;
    if (signed_text.len <= KEYS_TRANSCRIPT_MAX_BYTES) {
        resigned = keys_transcript_parse (signed_text.data, signed_text.len,
                                          reason, sizeof reason);
        FUZZ_CHECK ("transcript-resign", resigned);
        FUZZ_CHECK ("transcript-resign",
                    keys_transcript_count (resigned) == count);
        size_t want_signed = s_first_bad (resigned, sig_ok, prev_ok);
        int rc_signed = s_check_verify (resigned, want_signed, new_hash);
        s_check_append (resigned, signed_text.data, signed_text.len,
                        rc_signed == 0);
    }
    if (rc == 0)
        s_check_append (t, text, size, true);
    else
        s_check_append (t, text, size, false);

    keys_transcript_destroy (&resigned);
    keys_transcript_destroy (&t);
    free (signed_text.data);
    free (out.data);
    free (hash);
    free (sig_ok);
    free (prev_ok);
    return 0;
}
