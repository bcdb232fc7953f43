/* SPDX-License-Identifier: MPL-2.0 */
/* keys_transcript: the signed, hash-chained ceremony transcript. */

/* Key ceremonies (genesis, admitting members, rotating and revoking keys)
   run on an offline machine and must leave a record that anyone can check
   later, as the DNSSEC root KSK ceremony scripts do. Each ceremony command
   appends one record: who (actor and signer key), what (action), when
   (UTC time), and the BLAKE2b-256 of every input and output file. Each
   record is signed and names the hash of the record before, so an edit,
   deletion, insertion or reordering of a record breaks a signature, a
   number or a link, and verification names the first bad record.

   The format is text with one encoding (docs/formats.md, "Ceremony
   transcript"): the parser refuses what the formatter would not write,
   and compares each record with its re-formatted bytes.

   It does not decide whom to trust: a verified transcript says that each
   record was signed by the key its signer line names, in this order. The
   caller matches signers against a roster, and compares the head hash with
   one written down at the ceremony (dropping records from the end leaves a
   valid, shorter transcript). It holds no secret: signing borrows a
   keys_secret_t.                                                            */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keys_transcript.h"
#include "keys_io.h"

#define S_SIG_DOMAIN      "CEPTOAR-TRANSCRIPT-V1"
#define S_SIG_DOMAIN_LEN  (sizeof (S_SIG_DOMAIN) - 1)
#define S_HEADER          "ceptoar-transcript: 1\n"
#define S_HEADER_LEN      (sizeof (S_HEADER) - 1)
#define S_HASH_HEX_LEN    (2 * PROTO_HASH_BYTES)
#define S_PK_HEX_LEN      (2 * PROTO_PK_BYTES)
#define S_SIG_HEX_LEN     (2 * PROTO_SIG_BYTES)
#define S_NUMBER_MAX      20       /* digits of a uint64                     */
/* The longest line: "output: " label SP hash LF.                            */
#define S_LINE_MAX        (8 + KEYS_TRANSCRIPT_LABEL_MAX + 1 + S_HASH_HEX_LEN)

typedef struct {
    keys_transcript_record_t pub;            /* what callers read            */
    char *actor;                             /* owned, pub.actor             */
    char *action;                            /* owned, pub.action            */
    keys_transcript_file_t *files;           /* owned: inputs then outputs   */
    char *bytes;                             /* owned: the record's text     */
    size_t len;                              /* bytes in it                  */
    size_t signed_len;                       /* up to the signer line's LF   */
    uint8_t hash[PROTO_HASH_BYTES];          /* BLAKE2b-256 of bytes         */
} s_record_t;

struct _keys_transcript_t {
    s_record_t *records;                     /* in file order                */
    size_t count;                            /* records held                 */
    size_t cap;                              /* records allocated            */
    size_t bytes;                            /* length of the file text      */
    size_t lines;                            /* lines in the file text       */
    bool verified;                           /* verify passed, nothing since */
};

//  --------------------------------------------------------------------------
//  An untrusted value fit to quote in a message: printable ASCII only (a
//  transcript must not send escape sequences to a terminal), truncated.
//  out holds KEYS_IO_QUOTE_MAX + 4 bytes.

static void
s_record_free (s_record_t *record)
{
    free (record->actor);
    free (record->action);
    if (record->files) {
        size_t n = record->pub.n_inputs + record->pub.n_outputs;
        for (size_t i = 0; i < n; i++)
            free ((char *) record->files[i].label);
        free (record->files);
    }
    free (record->bytes);
    memset (record, 0, sizeof *record);
}

keys_transcript_t *
keys_transcript_new (void)
{
    return calloc (1, sizeof (keys_transcript_t));
}

void
keys_transcript_destroy (keys_transcript_t **self_p)
{
    assert (self_p);
    keys_transcript_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->count; i++)
        s_record_free (&self->records[i]);
    free (self->records);
    free (self);
    *self_p = NULL;
}

size_t
keys_transcript_count (const keys_transcript_t *self)
{
    assert (self);
    return self->count;
}

const keys_transcript_record_t *
keys_transcript_record (const keys_transcript_t *self, size_t index)
{
    assert (self);
    assert (index < self->count);
    return &self->records[index].pub;
}

int
keys_transcript_head (const keys_transcript_t *self,
                      uint8_t out[PROTO_HASH_BYTES])
{
    assert (self);
    assert (out);
    if (self->count == 0)
        return -1;
    memcpy (out, self->records[self->count - 1].hash, PROTO_HASH_BYTES);
    return 0;
}

void
keys_transcript_record_hash (const keys_transcript_t *self, size_t index,
                             uint8_t out[PROTO_HASH_BYTES])
{
    assert (self);
    assert (index < self->count);
    assert (out);
    memcpy (out, self->records[index].hash, PROTO_HASH_BYTES);
}

//  --------------------------------------------------------------------------
//  Values.

bool
keys_transcript_text_valid (const char *text, size_t max)
{
    assert (text);
    size_t len = strlen (text);
    if (len == 0 || len > max || text[0] == ' ' || text[len - 1] == ' ')
        return false;
    //  C0 controls, invalid UTF-8 and NUL are out (proto_utf8_valid); DEL,
    //  C1 controls and the bidirectional overrides are out too, because a
    //  transcript is read by people who must see what was signed.
    if (!proto_utf8_valid ((const uint8_t *) text, len, false))
        return false;
    const unsigned char *s = (const unsigned char *) text;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == 0x7f)
            return false;
        if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80
            && s[i + 1] <= 0x9f)
            return false;
        if (s[i] == 0xe2 && i + 2 < len
            && ((s[i + 1] == 0x80 && s[i + 2] >= 0xaa && s[i + 2] <= 0xae)
                || (s[i + 1] == 0x81 && s[i + 2] >= 0xa6
                    && s[i + 2] <= 0xa9)))
            return false;
    }
    return true;
}

static bool
s_action_valid (const char *action)
{
    size_t len = strlen (action);
    if (len == 0 || len > KEYS_TRANSCRIPT_ACTION_MAX || action[0] < 'a'
        || action[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = action[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

int
keys_transcript_format_time (int64_t time,
                             char out[KEYS_TRANSCRIPT_TIME_LEN + 1])
{
    assert (out);
    return keys_io_format_utc (time, out);
}

//  --------------------------------------------------------------------------
//  Format a record's text: the signed part alone (with_sig false) or the
//  whole record. Returns a fresh string (caller frees) or NULL.

static char *
s_format (const keys_transcript_record_t *r, bool with_sig, size_t *len)
{
    size_t n_files = r->n_inputs + r->n_outputs;
    size_t cap = 512 + KEYS_TRANSCRIPT_ACTOR_MAX + n_files * (S_LINE_MAX + 1);
    char *text = malloc (cap);
    if (!text)
        return NULL;
    char hex[S_SIG_HEX_LEN + 1];
    char when[KEYS_TRANSCRIPT_TIME_LEN + 1];
    if (keys_transcript_format_time (r->time, when) != 0) {
        free (text);
        return NULL;
    }
    size_t at = 0;
    at += (size_t) snprintf (text + at, cap - at, "record: %" PRIu64 "\n",
                             r->number);
    if (r->has_previous)
        proto_hex_encode (hex, r->previous, PROTO_HASH_BYTES);
    at += (size_t) snprintf (text + at, cap - at,
                             "previous: %s\ntime: %s\nactor: %s\n"
                             "action: %s\n",
                             r->has_previous ? hex : "none", when, r->actor,
                             r->action);
    for (size_t i = 0; i < n_files; i++) {
        const keys_transcript_file_t *file
            = i < r->n_inputs ? &r->inputs[i] : &r->outputs[i - r->n_inputs];
        proto_hex_encode (hex, file->hash, PROTO_HASH_BYTES);
        at += (size_t) snprintf (text + at, cap - at, "%s: %s %s\n",
                                 i < r->n_inputs ? "input" : "output",
                                 file->label, hex);
    }
    proto_hex_encode (hex, r->signer, PROTO_PK_BYTES);
    at += (size_t) snprintf (text + at, cap - at, "signer: %s\n", hex);
    if (with_sig) {
        proto_hex_encode (hex, r->signature, PROTO_SIG_BYTES);
        at += (size_t) snprintf (text + at, cap - at, "signature: %s\n",
                                 hex);
    }
    assert (at < cap);
    if (len)
        *len = at;
    return text;
}

//  The signed message: domain || 0x00 || the record up to its signer line.
static int
s_verify_sig (const s_record_t *record)
{
    size_t msg_len = S_SIG_DOMAIN_LEN + 1 + record->signed_len;
    uint8_t *msg = malloc (msg_len);
    if (!msg)
        return -1;
    memcpy (msg, S_SIG_DOMAIN, S_SIG_DOMAIN_LEN + 1);
    memcpy (msg + S_SIG_DOMAIN_LEN + 1, record->bytes, record->signed_len);
    int rc = crypto_sign_verify_detached (record->pub.signature, msg, msg_len,
                                          record->pub.signer);
    free (msg);
    return rc == 0 ? 0 : -1;
}

static int
s_push (keys_transcript_t *self, s_record_t *record)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        s_record_t *records = realloc (self->records, cap * sizeof *records);
        if (!records)
            return -1;
        self->records = records;
        self->cap = cap;
    }
    self->records[self->count++] = *record;
    memset (record, 0, sizeof *record);
    return 0;
}

//  --------------------------------------------------------------------------
//  Parsing.

typedef struct {
    const char *cursor;                      /* next unread byte             */
    const char *end;                         /* one past the text            */
    size_t line;                             /* line number of cursor        */
    size_t record;                           /* position being parsed        */
    char *err;                               /* where reasons go             */
    size_t errlen;
} s_parser_t;

static void
s_fail (s_parser_t *p, const char *field, const char *value, size_t len,
        const char *reason)
{
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    if (value)
        keys_io_error (p->err, p->errlen,
                       "record %zu (line %zu): %s \"%s\": %s", p->record,
                       p->line, field, keys_io_quote (quoted, value, len),
                       reason);
    else
        keys_io_error (p->err, p->errlen, "record %zu (line %zu): %s: %s",
                       p->record, p->line, field, reason);
}

//  Read the next line as "field: value"; sets value and its length and
//  moves on. Returns 0, or -1 after s_fail.
static int
s_take (s_parser_t *p, const char *field, const char **value, size_t *len)
{
    size_t left = (size_t) (p->end - p->cursor);
    const char *eol = memchr (p->cursor, '\n', left);
    if (!eol) {
        s_fail (p, field, NULL, 0,
                left ? "the file ends inside this line (truncated?)"
                     : "the file ends before this field (truncated?)");
        return -1;
    }
    size_t line_len = (size_t) (eol - p->cursor);
    size_t name_len = strlen (field);
    if (line_len < name_len + 2 || memcmp (p->cursor, field, name_len) != 0
        || p->cursor[name_len] != ':' || p->cursor[name_len + 1] != ' ') {
        char quoted[KEYS_IO_QUOTE_MAX + 4];
        char reason[128];
        snprintf (reason, sizeof reason, "expected \"%s: \", found \"%s\"",
                  field, keys_io_quote (quoted, p->cursor, line_len));
        s_fail (p, field, NULL, 0, reason);
        return -1;
    }
    if (line_len > S_LINE_MAX) {
        s_fail (p, field, p->cursor + name_len + 2, line_len - name_len - 2,
                "line too long");
        return -1;
    }
    *value = p->cursor + name_len + 2;
    *len = line_len - name_len - 2;
    return 0;
}

static void
s_next_line (s_parser_t *p)
{
    p->cursor = (const char *) memchr (p->cursor, '\n',
                                       (size_t) (p->end - p->cursor))
                + 1;
    p->line++;
}

static bool
s_peek (const s_parser_t *p, const char *prefix)
{
    size_t n = strlen (prefix);
    return (size_t) (p->end - p->cursor) >= n
           && memcmp (p->cursor, prefix, n) == 0;
}

//  Decode exactly 2 * n lowercase hex characters of value[0..len).
static int
s_hex (uint8_t *bin, size_t n, const char *value, size_t len)
{
    char hex[S_SIG_HEX_LEN + 1];
    if (len != 2 * n || len > S_SIG_HEX_LEN)
        return -1;
    memcpy (hex, value, len);
    hex[len] = 0;
    return proto_hex_decode (bin, n, hex);
}

static char *
s_strndup (const char *value, size_t len)
{
    char *copy = malloc (len + 1);
    if (copy) {
        memcpy (copy, value, len);
        copy[len] = 0;
    }
    return copy;
}

//  Parse one "input"/"output" value: label SP hash.
static int
s_parse_file (s_parser_t *p, const char *field, const char *value,
              size_t len, keys_transcript_file_t *file)
{
    if (len < S_HASH_HEX_LEN + 2 || value[len - S_HASH_HEX_LEN - 1] != ' ') {
        s_fail (p, field, value, len, "expected a name, a space and 64 "
                                      "lowercase hex characters");
        return -1;
    }
    size_t label_len = len - S_HASH_HEX_LEN - 1;
    char *label = s_strndup (value, label_len);
    if (!label) {
        s_fail (p, field, NULL, 0, "out of memory");
        return -1;
    }
    if (strlen (label) != label_len
        || !keys_transcript_text_valid (label, KEYS_TRANSCRIPT_LABEL_MAX)) {
        free (label);
        s_fail (p, field, value, label_len,
                "invalid name (1-255 bytes of UTF-8 without control "
                "characters, no leading or trailing space)");
        return -1;
    }
    if (s_hex (file->hash, PROTO_HASH_BYTES, value + label_len + 1,
               S_HASH_HEX_LEN) != 0) {
        free (label);
        s_fail (p, field, value + label_len + 1, S_HASH_HEX_LEN,
                "hash is not 64 lowercase hex characters");
        return -1;
    }
    file->label = label;
    return 0;
}

//  The input and output lines of a record, into record->files (exactly
//  sized: a transcript may hold 100000 records).
static int
s_parse_files (s_parser_t *p, s_record_t *record)
{
    keys_transcript_file_t files[2 * KEYS_TRANSCRIPT_MAX_FILES];
    static const char *kinds[2] = { "input", "output" };
    size_t counts[2] = { 0, 0 };
    int rc = -1;
    for (int kind = 0; kind < 2; kind++) {
        char prefix[16];
        snprintf (prefix, sizeof prefix, "%s: ", kinds[kind]);
        while (s_peek (p, prefix)) {
            const char *value;
            size_t len;
            if (counts[kind] == KEYS_TRANSCRIPT_MAX_FILES) {
                s_fail (p, kinds[kind], NULL, 0, "too many in a record");
                goto done;
            }
            if (s_take (p, kinds[kind], &value, &len)
                || s_parse_file (p, kinds[kind], value, len,
                                 &files[counts[0] + counts[1]]))
                goto done;
            counts[kind]++;
            s_next_line (p);
        }
    }
    size_t n = counts[0] + counts[1];
    record->files = calloc (n + 1, sizeof *record->files);
    if (!record->files) {
        s_fail (p, "input", NULL, 0, "out of memory");
        goto done;
    }
    memcpy (record->files, files, n * sizeof *files);
    record->pub.n_inputs = counts[0];
    record->pub.n_outputs = counts[1];
    return 0;
done:
    for (size_t i = 0; i < counts[0] + counts[1]; i++)
        free ((char *) files[i].label);
    return rc;
}

static int
s_parse_record (s_parser_t *p, s_record_t *record)
{
    keys_transcript_record_t *r = &record->pub;
    const char *start = p->cursor;
    r->line = p->line;
    const char *value;
    size_t len;

    if (s_take (p, "record", &value, &len))
        return -1;
    //  Canonical decimal: digits, no sign, no leading zero, fits 64 bits.
    bool ok = len >= 1 && len <= S_NUMBER_MAX && value[0] >= '1'
              && value[0] <= '9';
    uint64_t number = 0;
    for (size_t i = 0; ok && i < len; i++) {
        unsigned digit = (unsigned) (value[i] - '0');
        ok = value[i] >= '0' && value[i] <= '9'
             && number <= (UINT64_MAX - digit) / 10;
        number = number * 10 + digit;
    }
    if (!ok) {
        s_fail (p, "record", value, len, "not a record number (1, 2, 3...)");
        return -1;
    }
    r->number = number;
    s_next_line (p);

    if (s_take (p, "previous", &value, &len))
        return -1;
    if (len == 4 && memcmp (value, "none", 4) == 0)
        r->has_previous = false;
    else if (s_hex (r->previous, PROTO_HASH_BYTES, value, len) == 0)
        r->has_previous = true;
    else {
        s_fail (p, "previous", value, len,
                "expected none or 64 lowercase hex characters");
        return -1;
    }
    s_next_line (p);

    if (s_take (p, "time", &value, &len))
        return -1;
    if (keys_io_parse_utc (value, len, &r->time) != 0) {
        s_fail (p, "time", value, len,
                "expected a UTC time like 2026-11-23T10:00:00Z");
        return -1;
    }
    s_next_line (p);

    if (s_take (p, "actor", &value, &len))
        return -1;
    record->actor = s_strndup (value, len);
    if (!record->actor || strlen (record->actor) != len
        || !keys_transcript_text_valid (record->actor,
                                        KEYS_TRANSCRIPT_ACTOR_MAX)) {
        s_fail (p, "actor", value, len,
                "invalid actor (1-128 bytes of UTF-8 without control "
                "characters, no leading or trailing space)");
        return -1;
    }
    r->actor = record->actor;
    s_next_line (p);

    if (s_take (p, "action", &value, &len))
        return -1;
    record->action = s_strndup (value, len);
    if (!record->action || strlen (record->action) != len
        || !s_action_valid (record->action)) {
        s_fail (p, "action", value, len,
                "invalid action (1-64 of a-z 0-9 -, starting with a-z)");
        return -1;
    }
    r->action = record->action;
    s_next_line (p);

    //  Inputs, then outputs, at most KEYS_TRANSCRIPT_MAX_FILES of each.
    if (s_parse_files (p, record) != 0)
        return -1;
    r->inputs = record->files;
    r->outputs = record->files + r->n_inputs;

    if (s_take (p, "signer", &value, &len))
        return -1;
    if (s_hex (r->signer, PROTO_PK_BYTES, value, len)) {
        s_fail (p, "signer", value, len,
                "not 64 lowercase hex characters (an Ed25519 public key)");
        return -1;
    }
    s_next_line (p);
    record->signed_len = (size_t) (p->cursor - start);

    if (s_take (p, "signature", &value, &len))
        return -1;
    if (s_hex (r->signature, PROTO_SIG_BYTES, value, len)) {
        s_fail (p, "signature", value, len,
                "not 128 lowercase hex characters");
        return -1;
    }
    s_next_line (p);
    record->len = (size_t) (p->cursor - start);

    //  One encoding: whatever the checks above forgot, the formatter
    //  decides.
    size_t formatted_len;
    char *formatted = s_format (r, true, &formatted_len);
    bool same = formatted && formatted_len == record->len
                && memcmp (formatted, start, record->len) == 0;
    free (formatted);
    if (!same) {
        s_fail (p, "record", NULL, 0, "not in canonical form");
        return -1;
    }
    record->bytes = s_strndup (start, record->len);
    if (!record->bytes) {
        s_fail (p, "record", NULL, 0, "out of memory");
        return -1;
    }
    proto_hash (record->hash, record->bytes, record->len);
    //  Not a leak: the caller frees record->bytes. (The analyzer forgets
    //  it once proto_hash has written record->hash, a field beside it.)
    return 0;   // NOLINT(clang-analyzer-unix.Malloc)
}

keys_transcript_t *
keys_transcript_parse (const char *text, size_t len, char *err,
                       size_t errlen)
{
    assert (text || len == 0);
    if (len > KEYS_TRANSCRIPT_MAX_BYTES) {
        keys_io_error (err, errlen, "longer than %d bytes: not a transcript",
                       KEYS_TRANSCRIPT_MAX_BYTES);
        return NULL;
    }
    if (len < S_HEADER_LEN || memcmp (text, S_HEADER, S_HEADER_LEN) != 0) {
        keys_io_error (err, errlen,
                       "line 1: expected \"ceptoar-transcript: 1\": "
                       "not a ceremony transcript");
        return NULL;
    }
    keys_transcript_t *self = keys_transcript_new ();
    if (!self) {
        keys_io_error (err, errlen, "out of memory");
        return NULL;
    }
    s_parser_t p = { text + S_HEADER_LEN, text + len, 2, 1, err, errlen };
    do {
        //  Records are separated, and preceded, by one blank line.
        if (p.cursor == p.end || *p.cursor != '\n') {
            if (p.cursor == p.end)
                s_fail (&p, "record", NULL, 0, "no records");
            else
                s_fail (&p, "record", NULL, 0,
                        "expected a blank line before the record");
            goto fail;
        }
        p.cursor++;
        p.line++;
        if (self->count == KEYS_TRANSCRIPT_MAX_RECORDS) {
            s_fail (&p, "record", NULL, 0, "more than 100000 records");
            goto fail;
        }
        s_record_t record;
        memset (&record, 0, sizeof record);
        if (s_parse_record (&p, &record) != 0 || s_push (self, &record)) {
            s_record_free (&record);
            goto fail;
        }
        p.record++;
    } while (p.cursor != p.end);
    self->bytes = len;
    self->lines = p.line - 1;
    return self;
fail:
    keys_transcript_destroy (&self);
    return NULL;
}

int
keys_transcript_load (const char *path, keys_transcript_t **out, char *err,
                      size_t errlen)
{
    assert (path);
    assert (out);
    *out = NULL;
    FILE *file = fopen (path, "rb");
    if (!file) {
        keys_io_error (err, errlen, "cannot open %s: %s", path,
                       strerror (errno));
        return KEYS_TRANSCRIPT_IO;
    }
    char *text = malloc (KEYS_TRANSCRIPT_MAX_BYTES + 1);
    if (!text) {
        (void) fclose (file);
        keys_io_error (err, errlen, "out of memory");
        return KEYS_TRANSCRIPT_IO;
    }
    size_t len = fread (text, 1, KEYS_TRANSCRIPT_MAX_BYTES + 1, file);
    bool failed = ferror (file);
    (void) fclose (file);
    int rc = 0;
    char reason[512];
    if (failed) {
        keys_io_error (err, errlen, "cannot read %s", path);
        rc = KEYS_TRANSCRIPT_IO;
    }
    else if (!(*out = keys_transcript_parse (text, len, reason,
                                             sizeof reason))) {
        keys_io_error (err, errlen, "%s: %s", path, reason);
        rc = KEYS_TRANSCRIPT_BAD;
    }
    free (text);
    return rc;
}

int
keys_transcript_verify (const keys_transcript_t *self, size_t *bad_record,
                        char *err, size_t errlen)
{
    assert (self);
    for (size_t i = 0; i < self->count; i++) {
        const s_record_t *record = &self->records[i];
        const keys_transcript_record_t *r = &record->pub;
        size_t position = i + 1;
        if (bad_record)
            *bad_record = position;
        //  The signature first: an altered record is named as altered,
        //  whatever else its alteration breaks further on.
        if (s_verify_sig (record) != 0) {
            char pk[S_PK_HEX_LEN + 1];
            proto_hex_encode (pk, r->signer, PROTO_PK_BYTES);
            keys_io_error (
                err, errlen,
                "record %zu (line %zu): signature: does not verify "
                "with the signer key %.16s...: the record was altered, "
                "or signed by another key",
                position, r->line, pk);
            return -1;
        }
        if (r->number != position) {
            keys_io_error (
                err, errlen,
                "record %zu (line %zu): record: numbered %" PRIu64
                " where %zu belongs: a record was deleted, inserted or "
                "moved",
                position, r->line, r->number, position);
            return -1;
        }
        if (i == 0 && r->has_previous) {
            keys_io_error (
                err, errlen,
                "record 1 (line %zu): previous: names a record before "
                "the first: records were deleted from the start",
                r->line);
            return -1;
        }
        if (i > 0
            && (!r->has_previous
                || memcmp (r->previous, self->records[i - 1].hash,
                           PROTO_HASH_BYTES) != 0)) {
            keys_io_error (
                err, errlen,
                "record %zu (line %zu): previous: does not match the "
                "hash of record %zu: a record was deleted, inserted, "
                "moved or altered",
                position, r->line, i);
            return -1;
        }
        if (i > 0 && r->time < self->records[i - 1].pub.time) {
            char when[KEYS_TRANSCRIPT_TIME_LEN + 1];
            char before[KEYS_TRANSCRIPT_TIME_LEN + 1];
            keys_transcript_format_time (r->time, when);
            keys_transcript_format_time (self->records[i - 1].pub.time,
                                         before);
            keys_io_error (
                err, errlen,
                "record %zu (line %zu): time: %s is before record %zu's "
                "time %s",
                position, r->line, when, i, before);
            return -1;
        }
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Appending.

static int
s_check_files (const keys_transcript_file_t *files, size_t n,
               const char *kind, char *err, size_t errlen)
{
    if (n > KEYS_TRANSCRIPT_MAX_FILES) {
        keys_io_error (err, errlen, "more than %d %ss",
                       KEYS_TRANSCRIPT_MAX_FILES, kind);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!files[i].label
            || !keys_transcript_text_valid (files[i].label,
                                            KEYS_TRANSCRIPT_LABEL_MAX)) {
            char quoted[KEYS_IO_QUOTE_MAX + 4];
            const char *label = files[i].label ? files[i].label : "";
            keys_io_error (err, errlen,
                           "%s name \"%s\" is not valid: 1-255 bytes "
                           "of UTF-8 without control characters",
                           kind, keys_io_quote (quoted, label, strlen (label)));
            return -1;
        }
    }
    return 0;
}

char *
keys_transcript_append (keys_transcript_t *self, const keys_secret_t *signer,
                        int64_t time, const char *actor, const char *action,
                        const keys_transcript_file_t *inputs, size_t n_inputs,
                        const keys_transcript_file_t *outputs,
                        size_t n_outputs, size_t *len, char *err,
                        size_t errlen)
{
    assert (self);
    assert (signer);
    assert (actor);
    assert (action);
    assert (inputs || n_inputs == 0);
    assert (outputs || n_outputs == 0);
    char reason[512];
    if (!self->verified
        && keys_transcript_verify (self, NULL, reason, sizeof reason) != 0) {
        keys_io_error (err, errlen,
                       "the transcript is broken, nothing appended: "
                       "%s",
                       reason);
        return NULL;
    }
    self->verified = true;
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    if (!keys_transcript_text_valid (actor, KEYS_TRANSCRIPT_ACTOR_MAX)) {
        keys_io_error (err, errlen,
                       "actor \"%s\" is not valid: 1-128 bytes of "
                       "UTF-8 without control characters",
                       keys_io_quote (quoted, actor, strlen (actor)));
        return NULL;
    }
    if (!s_action_valid (action)) {
        keys_io_error (err, errlen,
                       "action \"%s\" is not valid: 1-64 of a-z 0-9 "
                       "-, starting with a-z",
                       keys_io_quote (quoted, action, strlen (action)));
        return NULL;
    }
    if (s_check_files (inputs, n_inputs, "input", err, errlen)
        || s_check_files (outputs, n_outputs, "output", err, errlen))
        return NULL;
    char when[KEYS_TRANSCRIPT_TIME_LEN + 1];
    if (keys_transcript_format_time (time, when) != 0) {
        keys_io_error (err, errlen,
                       "the time %" PRId64 " is outside 1970-9999: "
                       "check the clock",
                       time);
        return NULL;
    }
    if (self->count) {
        const keys_transcript_record_t *last
            = &self->records[self->count - 1].pub;
        if (time < last->time) {
            char before[KEYS_TRANSCRIPT_TIME_LEN + 1];
            keys_transcript_format_time (last->time, before);
            keys_io_error (err, errlen,
                           "the clock reads %s, before the time of "
                           "record %" PRIu64
                           " (%s): set the clock (UTC) and try "
                           "again",
                           when, last->number, before);
            return NULL;
        }
    }
    if (self->count == KEYS_TRANSCRIPT_MAX_RECORDS) {
        keys_io_error (err, errlen,
                       "the transcript holds %d records, the most "
                       "allowed: start a new one",
                       KEYS_TRANSCRIPT_MAX_RECORDS);
        return NULL;
    }

    s_record_t record;
    memset (&record, 0, sizeof record);
    keys_transcript_record_t *r = &record.pub;
    char *out = NULL;
    r->number = self->count + 1;
    r->has_previous = self->count > 0;
    if (r->has_previous)
        memcpy (r->previous, self->records[self->count - 1].hash,
                PROTO_HASH_BYTES);
    r->time = time;
    r->line = self->count ? self->lines + 2 : 3;
    record.actor = strdup (actor);
    record.action = strdup (action);
    record.files = calloc (n_inputs + n_outputs + 1, sizeof *record.files);
    if (!record.actor || !record.action || !record.files)
        goto oom;
    r->actor = record.actor;
    r->action = record.action;
    for (size_t i = 0; i < n_inputs + n_outputs; i++) {
        const keys_transcript_file_t *file
            = i < n_inputs ? &inputs[i] : &outputs[i - n_inputs];
        record.files[i].label = strdup (file->label);
        if (i < n_inputs)
            r->n_inputs++;
        else
            r->n_outputs++;
        if (!record.files[i].label)
            goto oom;
        memcpy (record.files[i].hash, file->hash, PROTO_HASH_BYTES);
    }
    r->inputs = record.files;
    r->outputs = record.files + n_inputs;
    memcpy (r->signer, keys_secret_sign_pk (signer), PROTO_PK_BYTES);

    //  Sign, then verify the signature before anything is written (as
    //  minisign does): a faulty key or memory error must not leave a
    //  record that no one can verify.
    char *signed_part = s_format (r, false, &record.signed_len);
    if (!signed_part)
        goto oom;
    size_t msg_len = S_SIG_DOMAIN_LEN + 1 + record.signed_len;
    uint8_t *msg = malloc (msg_len);
    if (!msg) {
        free (signed_part);
        goto oom;
    }
    memcpy (msg, S_SIG_DOMAIN, S_SIG_DOMAIN_LEN + 1);
    memcpy (msg + S_SIG_DOMAIN_LEN + 1, signed_part, record.signed_len);
    free (signed_part);
    crypto_sign_detached (r->signature, NULL, msg, msg_len,
                          keys_secret_sign_sk (signer));
    free (msg);
    record.bytes = s_format (r, true, &record.len);
    if (!record.bytes)
        goto oom;
    if (s_verify_sig (&record) != 0) {
        keys_io_error (err, errlen,
                       "the new record's signature does not verify: "
                       "the key file may be damaged; nothing appended");
        s_record_free (&record);
        return NULL;
    }
    proto_hash (record.hash, record.bytes, record.len);
    size_t prefix = self->count ? 1 : S_HEADER_LEN + 1;
    size_t new_bytes = (self->count ? self->bytes : 0) + prefix + record.len;
    if (new_bytes > KEYS_TRANSCRIPT_MAX_BYTES) {
        keys_io_error (err, errlen,
                       "the transcript would pass %d bytes: start a "
                       "new one",
                       KEYS_TRANSCRIPT_MAX_BYTES);
        s_record_free (&record);
        return NULL;
    }
    out = malloc (prefix + record.len + 1);
    if (!out)
        goto oom;
    if (self->count)
        out[0] = '\n';
    else {
        memcpy (out, S_HEADER, S_HEADER_LEN);
        out[S_HEADER_LEN] = '\n';
    }
    memcpy (out + prefix, record.bytes, record.len + 1);
    size_t record_lines = 0;
    for (size_t i = 0; i < record.len; i++)
        record_lines += record.bytes[i] == '\n';
    if (s_push (self, &record) != 0) {
        free (out);
        goto oom;
    }
    self->bytes = new_bytes;
    self->lines += (self->count == 1 ? 2 : 1) + record_lines;
    if (len)
        *len = prefix + self->records[self->count - 1].len;
    return out;
oom:
    s_record_free (&record);
    keys_io_error (err, errlen, "out of memory");
    return NULL;
}

//  Best effort: sync the directory holding path, so a new file survives.

int
keys_transcript_append_file (const char *path, const keys_secret_t *signer,
                             int64_t time, const char *actor,
                             const char *action,
                             const keys_transcript_file_t *inputs,
                             size_t n_inputs,
                             const keys_transcript_file_t *outputs,
                             size_t n_outputs, uint64_t *number,
                             uint8_t head[PROTO_HASH_BYTES], char *err,
                             size_t errlen)
{
    assert (path);
    assert (signer);
    bool created = true;
    int fd = open (path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC
                             | O_NOFOLLOW, 0644);
    if (fd < 0 && errno == EEXIST) {
        created = false;
        fd = open (path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0) {
        keys_io_error (err, errlen, "cannot open %s: %s", path,
                       strerror (errno));
        return KEYS_TRANSCRIPT_IO;
    }
    int rc = KEYS_TRANSCRIPT_IO;
    char *text = NULL;
    char *addition = NULL;
    keys_transcript_t *self = NULL;
    struct stat st;
    //  The lock keeps two ceremony commands from reading the same head and
    //  both appending a record that claims it.
    if (flock (fd, LOCK_EX) != 0 || fstat (fd, &st) != 0) {
        keys_io_error (err, errlen, "cannot lock %s: %s", path,
                       strerror (errno));
        goto done;
    }
    if (!S_ISREG (st.st_mode)) {
        keys_io_error (err, errlen, "%s is not a regular file", path);
        goto done;
    }
    if (st.st_size > KEYS_TRANSCRIPT_MAX_BYTES) {
        keys_io_error (err, errlen,
                       "%s: longer than %d bytes, not a transcript; "
                       "nothing appended",
                       path, KEYS_TRANSCRIPT_MAX_BYTES);
        rc = KEYS_TRANSCRIPT_BAD;
        goto done;
    }
    size_t size = (size_t) st.st_size;
    text = malloc (size + 1);
    if (!text) {
        keys_io_error (err, errlen, "out of memory");
        goto done;
    }
    for (size_t got = 0; got < size;) {
        ssize_t n = pread (fd, text + got, size - got, (off_t) got);
        if (n <= 0) {
            keys_io_error (err, errlen, "cannot read %s: %s", path,
                           n < 0 ? strerror (errno) : "file shrank");
            goto done;
        }
        got += (size_t) n;
    }
    char reason[512];
    //  An empty file is a transcript not yet begun (as a crash right after
    //  creating it leaves it); anything else must parse and verify.
    if (size == 0)
        self = keys_transcript_new ();
    else if (!(self = keys_transcript_parse (text, size, reason,
                                             sizeof reason))) {
        keys_io_error (err, errlen,
                       "%s is not a valid transcript, nothing "
                       "appended: %s",
                       path, reason);
        rc = KEYS_TRANSCRIPT_BAD;
        goto done;
    }
    if (!self) {
        keys_io_error (err, errlen, "out of memory");
        goto done;
    }
    size_t add_len = 0;
    addition = keys_transcript_append (self, signer, time, actor, action,
                                       inputs, n_inputs, outputs, n_outputs,
                                       &add_len, reason, sizeof reason);
    if (!addition) {
        keys_io_error (err, errlen, "%s: %s", path, reason);
        rc = KEYS_TRANSCRIPT_BAD;
        goto done;
    }
    for (size_t put = 0; put < add_len;) {
        ssize_t n = write (fd, addition + put, add_len - put);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            keys_io_error (err, errlen, "cannot write %s: %s", path,
                           n < 0 ? strerror (errno) : "no progress");
            goto rollback;
        }
        put += (size_t) n;
    }
    if (fsync (fd) != 0) {
        keys_io_error (err, errlen, "cannot sync %s: %s", path,
                       strerror (errno));
        goto rollback;
    }
    if (created)
        keys_io_sync_parent (path);
    if (number)
        *number = keys_transcript_count (self);
    if (head)
        keys_transcript_head (self, head);
    rc = 0;
    goto done;
rollback:
    //  A half-written record would break the transcript for good.
    if (ftruncate (fd, (off_t) size) == 0)
        fsync (fd);
done:
    if (rc != 0 && created)
        unlink (path);
    close (fd);
    free (text);
    free (addition);
    keys_transcript_destroy (&self);
    return rc;
}

int
keys_transcript_hash_file (const char *path, uint8_t out[PROTO_HASH_BYTES])
{
    assert (path);
    assert (out);
    //  The file may be a key share or a secret key file: read it with
    //  read(2) into guarded memory that sodium_free wipes, never through
    //  stdio's buffer, and wipe the hash state too.
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    enum { S_CHUNK = 16384 };
    uint8_t *buffer = sodium_malloc (S_CHUNK);
    if (!buffer) {
        (void) close (fd);
        errno = ENOMEM;
        return -1;
    }
    crypto_generichash_state state;
    crypto_generichash_init (&state, NULL, 0, PROTO_HASH_BYTES);
    ssize_t n;
    while ((n = read (fd, buffer, S_CHUNK)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        crypto_generichash_update (&state, buffer, (size_t) n);
    }
    int saved = errno;
    (void) close (fd);
    sodium_free (buffer);
    if (n < 0) {
        sodium_memzero (&state, sizeof state);
        errno = saved;
        return -1;
    }
    crypto_generichash_final (&state, out, PROTO_HASH_BYTES);
    sodium_memzero (&state, sizeof state);
    return 0;
}

//  --------------------------------------------------------------------------
//  Selftest helpers: text surgery on a copy of the transcript.

//  Start of the record at 1-based position k in text (after its blank
//  line), or NULL.
static char *
s_test_record_start (char *text, size_t k)
{
    char *at = text;
    for (size_t i = 0; i < k; i++) {
        at = strstr (at, "\n\nrecord: ");
        if (!at)
            return NULL;
        at += 2;
    }
    return at;
}

//  Length of the record starting at start (to its signature line's LF).
static size_t
s_test_record_len (const char *start)
{
    const char *sig = strstr (start, "\nsignature: ");
    assert (sig);
    return (size_t) (strchr (sig + 1, '\n') + 1 - start);
}

//  The value of field in the record at position k.
static char *
s_test_field (char *text, size_t k, const char *field)
{
    char *start = s_test_record_start (text, k);
    assert (start);
    char needle[32];
    snprintf (needle, sizeof needle, "\n%s: ", field);
    char *at = strstr (start - 1, needle);
    assert (at && at < start + s_test_record_len (start));
    return at + strlen (needle);
}

static void
s_test_write (const char *path, const char *text, size_t len)
{
    FILE *file = fopen (path, "wb");
    assert (file);
    size_t wrote = fwrite (text, 1, len, file);
    int closed = fclose (file);
    assert (wrote == len && closed == 0);
}

//  Parse and verify; expect the first bad record at bad (0: valid).
static void
s_test_expect (const char *text, size_t len, size_t bad, const char *field,
               bool verbose)
{
    char err[512];
    keys_transcript_t *t = keys_transcript_parse (text, len, err, sizeof err);
    size_t got = 0;
    if (t && keys_transcript_verify (t, &got, err, sizeof err) == 0)
        got = 0;
    else if (!t) {
        //  A parse error names "record N" (our own text, so sscanf will do).
        // NOLINTNEXTLINE(cert-err34-c)
        assert (sscanf (err, "record %zu", &got) == 1);
    }
    if (verbose && bad)
        printf ("\n    %s", err);
    assert (got == bad);
    if (bad) {
        char want[32];
        snprintf (want, sizeof want, "record %zu ", bad);
        assert (strstr (err, want) == err);
        if (field)
            assert (strstr (err, field));
    }
    keys_transcript_destroy (&t);
}

static char *
s_test_read (const char *path, size_t *len)
{
    FILE *file = fopen (path, "rb");
    assert (file);
    char *text = malloc (KEYS_TRANSCRIPT_MAX_BYTES + 1);
    assert (text);
    *len = fread (text, 1, KEYS_TRANSCRIPT_MAX_BYTES, file);
    text[*len] = 0;
    (void) fclose (file);
    return text;
}

//  Flip a lowercase hex digit to another one.
static void
s_test_flip_hex (char *c)
{
    *c = *c == '0' ? '1' : '0';
}

//  A signed record with any number and previous, as a forger holding the
//  key could make it: the chain rules must catch what signatures cannot.
static char *
s_test_forge (const keys_secret_t *key, uint64_t number,
              const uint8_t *previous, int64_t time)
{
    keys_transcript_record_t r;
    memset (&r, 0, sizeof r);
    r.number = number;
    r.has_previous = previous != NULL;
    if (previous)
        memcpy (r.previous, previous, PROTO_HASH_BYTES);
    r.time = time;
    r.actor = "forger";
    r.action = "gen";
    memcpy (r.signer, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    size_t len;
    char *part = s_format (&r, false, &len);
    assert (part);
    uint8_t *msg = malloc (S_SIG_DOMAIN_LEN + 1 + len);
    memcpy (msg, S_SIG_DOMAIN, S_SIG_DOMAIN_LEN + 1);
    memcpy (msg + S_SIG_DOMAIN_LEN + 1, part, len);
    crypto_sign_detached (r.signature, NULL, msg, S_SIG_DOMAIN_LEN + 1 + len,
                          keys_secret_sign_sk (key));
    free (msg);
    free (part);
    char *text = s_format (&r, true, NULL);
    assert (text);
    return text;
}

//  header, blank, a, blank, b: parse, verify, expect record bad and field.
static void
s_test_forged_pair (const char *a, const char *b, size_t bad,
                    const char *field, bool verbose)
{
    size_t len = S_HEADER_LEN + 1 + strlen (a) + 1 + strlen (b);
    char *text = malloc (len + 1);
    snprintf (text, len + 1, "%s\n%s\n%s", S_HEADER, a, b);
    s_test_expect (text, len, bad, field, verbose);
    free (text);
}

void
keys_transcript_test (bool verbose)
{
    printf (" * keys_transcript: ");
    fflush (stdout);
    assert (proto_init () == 0);
    char scratch[] = "/tmp/keys_transcript_test.XXXXXX";
    assert (mkdtemp (scratch));
    char path[128], input[128], broken[128];
    snprintf (path, sizeof path, "%s/ceremony.log", scratch);
    snprintf (input, sizeof input, "%s/draft", scratch);
    snprintf (broken, sizeof broken, "%s/broken.log", scratch);
    s_test_write (input, "ceptoar-roster: 1\n", 18);

    uint8_t seed[PROTO_SEED_BYTES], box[PROTO_BOXSK_BYTES];
    memset (seed, 0x01, sizeof seed);
    memset (box, 0x80, sizeof box);
    keys_secret_t *alice = keys_secret_from_seeds (seed, box);
    memset (seed, 0x02, sizeof seed);
    keys_secret_t *bob = keys_secret_from_seeds (seed, box);
    assert (alice && bob);

    //  Times and formats.
    char when[KEYS_TRANSCRIPT_TIME_LEN + 1];
    const int64_t t0 = INT64_C (1795428000);          /* 2026-11-23T10:00Z */
    assert (keys_transcript_format_time (t0, when) == 0);
    assert (strcmp (when, "2026-11-23T10:00:00Z") == 0);
    int64_t back;
    assert (keys_io_parse_utc (when, strlen (when), &back) == 0 && back == t0);
    assert (keys_io_parse_utc ("2024-02-29T00:00:00Z", 20, &back) == 0);
    assert (keys_io_parse_utc ("2026-02-29T00:00:00Z", 20, &back) == -1);
    assert (keys_io_parse_utc ("2026-11-23T24:00:00Z", 20, &back) == -1);
    assert (keys_io_parse_utc ("2026-11-23T10:00:60Z", 20, &back) == -1);
    assert (keys_io_parse_utc ("2026-11-23 10:00:00Z", 20, &back) == -1);
    assert (keys_transcript_format_time (-1, when) == -1);
    assert (keys_transcript_text_valid ("T-CEPTOAR", 128));
    assert (keys_transcript_text_valid ("\xe5\x9b\xbd \xe4\xba\xa4", 128));
    assert (!keys_transcript_text_valid (" x", 128));
    assert (!keys_transcript_text_valid ("x\ty", 128));
    assert (!keys_transcript_text_valid ("x\x7fy", 128));
    assert (!keys_transcript_text_valid ("x\xc2\x9b", 128));
    //  U+202E, right-to-left override: refusing it is the point.
    // NOLINTNEXTLINE(misc-misleading-bidirectional)
    assert (!keys_transcript_text_valid ("x\xe2\x80\xae", 128));
    assert (!keys_transcript_text_valid ("\xff", 128));

    //  Five records, two signers, written through the file path.
    keys_transcript_file_t in[2], out[1];
    in[0].label = "draft";
    assert (keys_transcript_hash_file (input, in[0].hash) == 0);
    uint8_t expect_hash[PROTO_HASH_BYTES];
    proto_hash (expect_hash, "ceptoar-roster: 1\n", 18);
    assert (memcmp (expect_hash, in[0].hash, PROTO_HASH_BYTES) == 0);
    in[1].label = "cards/FIN BANK.card";
    memset (in[1].hash, 0xab, PROTO_HASH_BYTES);
    out[0].label = "roster";
    memset (out[0].hash, 0xcd, PROTO_HASH_BYTES);
    static const char *actions[5] = { "gen", "roster-draft", "roster-sign",
                                      "roster-sign", "roster-combine" };
    char err[512];
    for (size_t i = 0; i < 5; i++) {
        int rc = keys_transcript_append_file (
            path, i % 2 ? bob : alice, t0 + (int64_t) i * 60,
            i % 2 ? "FIN-BANK" : "T-CEPTOAR", actions[i], in, i % 3,
            out, i % 2, NULL, NULL, err, sizeof err);
        if (rc != 0)
            printf ("%s\n", err);
        assert (rc == 0);
    }
    size_t len;
    char *text = s_test_read (path, &len);
    if (verbose)
        printf ("\n%s", text);
    keys_transcript_t *t = NULL;
    assert (keys_transcript_load (path, &t, err, sizeof err) == 0);
    assert (keys_transcript_count (t) == 5);
    size_t bad = 99;
    assert (keys_transcript_verify (t, &bad, err, sizeof err) == 0);
    const keys_transcript_record_t *r = keys_transcript_record (t, 2);
    assert (r->number == 3 && r->time == t0 + 120);
    assert (strcmp (r->actor, "T-CEPTOAR") == 0);
    assert (strcmp (r->action, "roster-sign") == 0);
    assert (r->n_inputs == 2 && r->n_outputs == 0);
    assert (strcmp (r->inputs[1].label, "cards/FIN BANK.card") == 0);
    assert (memcmp (r->signer, keys_secret_sign_pk (alice), 32) == 0);
    assert (keys_transcript_record (t, 0)->has_previous == false);
    uint8_t head[PROTO_HASH_BYTES];
    assert (keys_transcript_head (t, head) == 0);
    //  Each record's hash is the next one's previous; the last is the head.
    for (size_t i = 0; i < 5; i++) {
        uint8_t hash[PROTO_HASH_BYTES];
        keys_transcript_record_hash (t, i, hash);
        const uint8_t *expect = i < 4
            ? keys_transcript_record (t, i + 1)->previous : head;
        assert (memcmp (hash, expect, PROTO_HASH_BYTES) == 0);
    }
    s_test_expect (text, len, 0, NULL, false);

    //  Appending in memory gives the same bytes as the file path would.
    keys_transcript_t *copy = keys_transcript_parse (text, len, err,
                                                     sizeof err);
    assert (copy);
    size_t add_len;
    char *addition = keys_transcript_append (copy, bob, t0 + 600, "FIN-BANK",
                                             "key-rotate", in, 1, out, 1,
                                             &add_len, err, sizeof err);
    assert (addition && addition[0] == '\n');
    char *longer = malloc (len + add_len + 1);
    memcpy (longer, text, len);
    memcpy (longer + len, addition, add_len + 1);
    s_test_expect (longer, len + add_len, 0, NULL, false);
    keys_transcript_t *reparsed = keys_transcript_parse (
        longer, len + add_len, err, sizeof err);
    assert (reparsed && keys_transcript_count (reparsed) == 6);
    uint8_t head6[PROTO_HASH_BYTES];
    assert (keys_transcript_head (reparsed, head6) == 0);
    assert (keys_transcript_head (copy, head) == 0);
    assert (memcmp (head, head6, PROTO_HASH_BYTES) == 0);
    assert (keys_transcript_record (reparsed, 5)->line
            == keys_transcript_record (copy, 5)->line);
    keys_transcript_destroy (&reparsed);
    //  A time before the last record's is refused; bad names are refused.
    assert (!keys_transcript_append (copy, bob, t0, "FIN-BANK", "x", NULL, 0,
                                     NULL, 0, NULL, err, sizeof err));
    assert (strstr (err, "set the clock"));
    assert (!keys_transcript_append (copy, bob, t0 + 900, "bad\x1b[2J",
                                     "x", NULL, 0, NULL, 0, NULL, err,
                                     sizeof err));
    assert (!strchr (err, 0x1b));
    assert (!keys_transcript_append (copy, bob, t0 + 900, "ok", "Bad",
                                     NULL, 0, NULL, 0, NULL, err,
                                     sizeof err));
    assert (keys_transcript_count (copy) == 6);
    free (addition);
    free (longer);
    keys_transcript_destroy (&copy);

    //  Any edit of any record is detected, naming that record.
    char *edit = malloc (len + 1);
    for (size_t k = 1; k <= 5; k++) {
        memcpy (edit, text, len + 1);
        char *actor = s_test_field (edit, k, "actor");
        actor[0] = 'X';
        s_test_expect (edit, len, k, "signature", verbose);

        memcpy (edit, text, len + 1);
        char *when_field = s_test_field (edit, k, "time");
        when_field[18] = '1';                /* :00Z -> :01Z, still valid */
        s_test_expect (edit, len, k, "signature", verbose);

        memcpy (edit, text, len + 1);
        char *sig = s_test_field (edit, k, "signature");
        s_test_flip_hex (&sig[37]);
        s_test_expect (edit, len, k, "signature", verbose);

        memcpy (edit, text, len + 1);
        char *action = s_test_field (edit, k, "action");
        action[0] = action[0] == 'r' ? 's' : 'r';
        s_test_expect (edit, len, k, "signature", verbose);

        memcpy (edit, text, len + 1);
        char *previous = s_test_field (edit, k, "previous");
        if (k == 1)
            memcpy (previous, "nonf", 4);    /* a form error, named too */
        else
            s_test_flip_hex (&previous[5]);
        s_test_expect (edit, len, k, k == 1 ? "previous" : "signature",
                       verbose);

        //  Signed by one key, the signer line naming another.
        memcpy (edit, text, len + 1);
        char *signer = s_test_field (edit, k, "signer");
        char other[S_PK_HEX_LEN + 1];
        proto_hex_encode (other, keys_secret_sign_pk (k % 2 ? bob : alice),
                          PROTO_PK_BYTES);
        memcpy (signer, other, S_PK_HEX_LEN);
        s_test_expect (edit, len, k, "signer key", verbose);

        if ((k - 1) % 3) {
            //  Records 2, 3 and 5 have inputs: edit an input hash.
            memcpy (edit, text, len + 1);
            char *hash = s_test_field (edit, k, "input");
            hash = strchr (hash, '\n') - 1;
            s_test_flip_hex (hash);
            s_test_expect (edit, len, k, "signature", verbose);
        }
        //  Uppercase hex is a form error, named with record and field.
        memcpy (edit, text, len + 1);
        sig = s_test_field (edit, k, "signature");
        for (size_t i = 0; i < S_SIG_HEX_LEN; i++)
            if (sig[i] >= 'a' && sig[i] <= 'f') {
                sig[i] = (char) (sig[i] - 'a' + 'A');
                break;
            }
        s_test_expect (edit, len, k, "signature", verbose);
    }

    //  Deleting the first, a middle or the last-but-one record is detected
    //  at its position; so is swapping two records.
    static const size_t deletions[3] = { 1, 3, 4 };
    for (size_t d = 0; d < 3; d++) {
        size_t k = deletions[d];
        char *start = s_test_record_start (text, k);
        size_t from = (size_t) (start - text) - 1;   /* its blank line */
        size_t cut = 1 + s_test_record_len (start);
        memcpy (edit, text, from);
        memcpy (edit + from, text + from + cut, len - from - cut + 1);
        s_test_expect (edit, len - cut, k, "record", verbose);
    }
    static const size_t swaps[3][2] = { { 2, 3 }, { 1, 5 }, { 4, 5 } };
    for (size_t s = 0; s < 3; s++) {
        size_t a = swaps[s][0], b = swaps[s][1];
        char *start_a = s_test_record_start (text, a);
        char *start_b = s_test_record_start (text, b);
        size_t len_a = s_test_record_len (start_a);
        size_t len_b = s_test_record_len (start_b);
        size_t off_a = (size_t) (start_a - text);
        size_t off_b = (size_t) (start_b - text);
        size_t at = 0;
        memcpy (edit, text, off_a);
        at = off_a;
        memcpy (edit + at, start_b, len_b);
        at += len_b;
        memcpy (edit + at, start_a + len_a, off_b - off_a - len_a);
        at += off_b - off_a - len_a;
        memcpy (edit + at, start_a, len_a);
        at += len_a;
        memcpy (edit + at, start_b + len_b, len - off_b - len_b + 1);
        at += len - off_b - len_b;
        assert (at == len);
        s_test_expect (edit, len, a, "record", verbose);
    }

    //  Every truncation fails, except at the end of a record, which leaves
    //  a valid shorter transcript with another head (see the header).
    for (size_t cut = 0; cut < len; cut++) {
        keys_transcript_t *part = keys_transcript_parse (text, cut, err,
                                                         sizeof err);
        if (!part)
            continue;
        assert (text[cut - 1] == '\n' && text[cut] == '\n');
        assert (keys_transcript_verify (part, NULL, err, sizeof err) == 0);
        assert (keys_transcript_count (part) < 5);
        uint8_t part_head[PROTO_HASH_BYTES];
        assert (keys_transcript_head (part, part_head) == 0);
        assert (memcmp (part_head, head6, PROTO_HASH_BYTES) != 0);
        keys_transcript_destroy (&part);
    }
    //  Truncated mid-record: named with the record and refused for append.
    size_t mid = (size_t) (s_test_field (text, 4, "actor") - text) + 3;
    s_test_expect (text, mid, 4, "actor", verbose);

    //  Appending to a broken transcript is refused and changes nothing:
    //  a truncated one, an edited one.
    s_test_write (broken, text, mid);
    assert (keys_transcript_append_file (broken, alice, t0 + 900, "T-CEPTOAR",
                                         "gen", NULL, 0, NULL, 0, NULL, NULL,
                                         err, sizeof err)
            == KEYS_TRANSCRIPT_BAD);
    assert (strstr (err, "record 4"));
    size_t after_len;
    char *after = s_test_read (broken, &after_len);
    assert (after_len == mid && memcmp (after, text, mid) == 0);
    free (after);
    memcpy (edit, text, len + 1);
    s_test_field (edit, 2, "actor")[0] = 'Y';
    s_test_write (broken, edit, len);
    assert (keys_transcript_append_file (broken, alice, t0 + 900, "T-CEPTOAR",
                                         "gen", NULL, 0, NULL, 0, NULL, NULL,
                                         err, sizeof err)
            == KEYS_TRANSCRIPT_BAD);
    assert (strstr (err, "record 2"));
    after = s_test_read (broken, &after_len);
    assert (after_len == len && memcmp (after, edit, len) == 0);
    free (after);
    //  An empty existing file starts a transcript.
    s_test_write (broken, "", 0);
    uint64_t number = 0;
    assert (keys_transcript_append_file (broken, alice, t0, "T-CEPTOAR",
                                         "gen", NULL, 0, out, 1, &number,
                                         head, err, sizeof err) == 0);
    assert (number == 1);
    keys_transcript_t *fresh = NULL;
    assert (keys_transcript_load (broken, &fresh, err, sizeof err) == 0);
    assert (keys_transcript_count (fresh) == 1);
    assert (keys_transcript_verify (fresh, NULL, err, sizeof err) == 0);
    keys_transcript_destroy (&fresh);
    //  A missing file cannot be loaded (I/O), junk is not a transcript.
    char missing[160];
    snprintf (missing, sizeof missing, "%s/missing", scratch);
    assert (keys_transcript_load (missing, &fresh, err, sizeof err)
            == KEYS_TRANSCRIPT_IO);
    s_test_write (broken, "hello\n", 6);
    assert (keys_transcript_load (broken, &fresh, err, sizeof err)
            == KEYS_TRANSCRIPT_BAD);
    //  Form: no trailing blank line, no CR, no second header, no records.
    memcpy (edit, text, len + 1);
    edit[len] = '\n';
    s_test_expect (edit, len + 1, 6, NULL, false);
    assert (!keys_transcript_parse (S_HEADER, S_HEADER_LEN, err, sizeof err));
    assert (!keys_transcript_parse (S_HEADER "\n", S_HEADER_LEN + 1, err,
                                    sizeof err));
    memcpy (edit, text, len + 1);
    s_test_field (edit, 3, "action")[-10] = '\r';
    s_test_expect (edit, len, 3, NULL, false);
    //  A control character in the actor is refused and quoted safely.
    memcpy (edit, text, len + 1);
    s_test_field (edit, 5, "actor")[1] = 0x1b;
    s_test_expect (edit, len, 5, "actor", false);
    {
        keys_transcript_t *none = keys_transcript_parse (edit, len, err,
                                                         sizeof err);
        assert (!none && !strchr (err, 0x1b));
    }
    //  Time going backwards (re-signed, so only the time rule catches it).
    keys_transcript_t *clock = keys_transcript_new ();
    char *first = keys_transcript_append (clock, alice, t0 + 60, "a", "gen",
                                          NULL, 0, NULL, 0, NULL, err,
                                          sizeof err);
    assert (first);
    //  Force the clock back by editing the in-memory last time; the append
    //  sees an earlier last time and signs the later record.
    clock->records[0].pub.time = t0 - 60;
    char *second = keys_transcript_append (clock, alice, t0, "a", "gen",
                                           NULL, 0, NULL, 0, NULL, err,
                                           sizeof err);
    assert (second);
    size_t joined_len = strlen (first) + strlen (second);
    char *joined = malloc (joined_len + 1);
    strcpy (joined, first);
    strcat (joined, second);
    s_test_expect (joined, joined_len, 2, "time", verbose);
    free (joined);
    free (first);
    free (second);
    keys_transcript_destroy (&clock);

    //  Validly signed records that break the chain rules one at a time:
    //  a skipped number, a wrong link, a link before the first record, a
    //  missing link.
    uint8_t wrong[PROTO_HASH_BYTES];
    memset (wrong, 0x5a, sizeof wrong);
    char *one = s_test_forge (alice, 1, NULL, t0);
    uint8_t one_hash[PROTO_HASH_BYTES];
    proto_hash (one_hash, one, strlen (one));
    char *skip = s_test_forge (bob, 3, one_hash, t0);
    char *relink = s_test_forge (bob, 2, wrong, t0);
    char *unlinked = s_test_forge (bob, 2, NULL, t0);
    char *linked = s_test_forge (bob, 2, one_hash, t0);
    char *early = s_test_forge (alice, 1, wrong, t0);
    s_test_forged_pair (one, linked, 0, NULL, verbose);
    s_test_forged_pair (one, skip, 2, "record: numbered 3", verbose);
    s_test_forged_pair (one, relink, 2, "previous", verbose);
    s_test_forged_pair (one, unlinked, 2, "previous", verbose);
    s_test_forged_pair (early, linked, 1, "previous", verbose);
    free (one);
    free (skip);
    free (relink);
    free (unlinked);
    free (linked);
    free (early);

    free (edit);
    free (text);
    keys_transcript_destroy (&t);
    keys_secret_destroy (&alice);
    keys_secret_destroy (&bob);
    assert (unlink (path) == 0);
    assert (unlink (input) == 0);
    assert (unlink (broken) == 0);
    assert (rmdir (scratch) == 0);
    printf ("OK\n");
}
