/* SPDX-License-Identifier: MPL-2.0 */
/* keys_notice: self-signed revocations and card updates, and the set of
   them a node holds. */

/* A notice is a few "field: value" lines and a signature over them, in
   the manner of keys_sigfile. The set keeps at most one revocation and
   one card update per key, in key order, so two nodes holding the same
   notices write the same set file. Nothing here decides whose notices a
   node accepts: node_dir takes only notices for keys of its roster.         */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys_io.h"
#include "keys_notice.h"

#define S_DOMAIN "CEPTOAR-NOTICE-V1"
#define S_DOMAIN_LEN (sizeof (S_DOMAIN) - 1)
#define S_PK_HEX (2 * PROTO_PK_BYTES)
#define S_SIG_HEX (2 * PROTO_SIG_BYTES)
#define S_SERIAL_MAX INT64_MAX          /* fits every signed 64-bit reader  */
#define S_SET_FILE_MAX (KEYS_NOTICE_SET_MAX * (KEYS_NOTICE_TEXT_MAX + 1))

struct _keys_notice_set_t {
    keys_notice_t *notices;             /* sorted by sign key, then kind    */
    size_t count;
    size_t cap;
};

const char *
keys_notice_kind_name (keys_notice_kind_t kind)
{
    return kind == KEYS_NOTICE_REVOCATION    ? "revocation"
           : kind == KEYS_NOTICE_CARD_UPDATE ? "card-update"
                                             : NULL;
}

/* ------------------------------------------------------------------------
   The text before the signature line (what is signed), as a fresh string,
   or NULL if a field is invalid.                                            */
static char *
s_format_signed (const keys_notice_t *self, size_t *len)
{
    const char *kind = keys_notice_kind_name (self->kind);
    if (!kind || !keys_name_valid (self->name)
        || strnlen (self->name, sizeof self->name) > KEYS_NAME_MAX)
        return NULL;
    if (self->kind == KEYS_NOTICE_CARD_UPDATE
        && (self->serial == 0 || self->serial > S_SERIAL_MAX
            || self->endpoint_count > KEYS_ENDPOINTS_MAX))
        return NULL;
    char *text = malloc (KEYS_NOTICE_TEXT_MAX);
    if (!text)
        return NULL;
    char hex[S_PK_HEX + 1];
    proto_hex_encode (hex, self->sign_pk, PROTO_PK_BYTES);
    int n = snprintf (text, KEYS_NOTICE_TEXT_MAX,
                      "ceptoar-%s: 1\nname: %s\nsign-key: %s\n", kind,
                      self->name, hex);
    size_t used = (size_t) n;
    if (self->kind == KEYS_NOTICE_REVOCATION) {
        proto_hex_encode (hex, self->box_pk, PROTO_BOXPK_BYTES);
        used += (size_t) snprintf (text + used, KEYS_NOTICE_TEXT_MAX - used,
                                   "box-key: %s\n", hex);
    }
    else {
        used += (size_t) snprintf (text + used, KEYS_NOTICE_TEXT_MAX - used,
                                   "serial: %llu\n",
                                   (unsigned long long) self->serial);
        for (size_t e = 0; e < self->endpoint_count; e++) {
            const char *endpoint = self->endpoints[e];
            if (strnlen (endpoint, KEYS_ENDPOINT_MAX + 1) > KEYS_ENDPOINT_MAX
                || !keys_endpoint_valid (endpoint)) {
                free (text);
                return NULL;
            }
            used += (size_t) snprintf (text + used,
                                       KEYS_NOTICE_TEXT_MAX - used,
                                       "endpoint: %s\n", endpoint);
        }
    }
    *len = used;
    return text;
}

/* The signed message for self; 0 or -1 (invalid field).                     */
static int
s_message (const keys_notice_t *self,
           uint8_t msg[S_DOMAIN_LEN + 1 + PROTO_HASH_BYTES])
{
    size_t len;
    char *text = s_format_signed (self, &len);
    if (!text)
        return -1;
    memcpy (msg, S_DOMAIN, S_DOMAIN_LEN);
    msg[S_DOMAIN_LEN] = 0;
    proto_hash (msg + S_DOMAIN_LEN + 1, text, len);
    free (text);
    return 0;
}

int
keys_notice_sign (keys_notice_t *self, const keys_secret_t *key, char *err,
                  size_t errlen)
{
    assert (self);
    assert (key);
    memcpy (self->sign_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    if (self->kind == KEYS_NOTICE_REVOCATION)
        memcpy (self->box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES);
    uint8_t msg[S_DOMAIN_LEN + 1 + PROTO_HASH_BYTES];
    if (s_message (self, msg) != 0) {
        keys_io_error (err, errlen,
                       "the notice has an invalid field (name, serial or "
                       "endpoint)");
        return -1;
    }
    crypto_sign_detached (self->sig, NULL, msg, sizeof msg,
                          keys_secret_sign_sk (key));
    //  Verify before handing it out (minisign).
    if (crypto_sign_verify_detached (self->sig, msg, sizeof msg,
                                     self->sign_pk)
        != 0) {
        keys_io_error (err, errlen, "the signature does not verify");
        return -1;
    }
    return 0;
}

char *
keys_notice_format (const keys_notice_t *self, size_t *len)
{
    assert (self);
    size_t used;
    char *text = s_format_signed (self, &used);
    if (!text)
        return NULL;
    char hex[S_SIG_HEX + 1];
    proto_hex_encode (hex, self->sig, PROTO_SIG_BYTES);
    used += (size_t) snprintf (text + used, KEYS_NOTICE_TEXT_MAX - used,
                               "signature: %s\n", hex);
    if (len)
        *len = used;
    return text;
}

int
keys_notice_id (const keys_notice_t *self, uint8_t out[PROTO_HASH_BYTES])
{
    size_t len;
    char *text = keys_notice_format (self, &len);
    if (!text)
        return -1;
    proto_hash (out, text, len);
    free (text);
    return 0;
}

/* ------------------------------------------------------------------------
   Parsing: one line at a time, each "field: value" of printable ASCII.      */
typedef struct {
    const char *text;
    size_t len;
    size_t pos;
    unsigned line;
    char value[KEYS_ENDPOINT_MAX + 2];   /* the current line's value        */
    char *err;
    size_t errlen;
} s_reader_t;

/* Read the next line, which must be "field: value". Returns 1 read, 0 if
   the line has another field (nothing consumed), -1 malformed.             */
static int
s_line (s_reader_t *r, const char *field)
{
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    const char *start = r->text + r->pos;
    size_t left = r->len - r->pos;
    const char *nl = memchr (start, '\n', left);
    if (!nl) {
        keys_io_error (r->err, r->errlen,
                       "line %u: expected \"%s: ...\" (the notice ends early)",
                       r->line, field);
        return -1;
    }
    size_t line_len = (size_t) (nl - start);
    size_t field_len = strlen (field);
    if (line_len < field_len + 2 || memcmp (start, field, field_len)
        || start[field_len] != ':' || start[field_len + 1] != ' ')
        return 0;
    size_t value_len = line_len - field_len - 2;
    const char *value = start + field_len + 2;
    bool printable = value_len > 0 && value_len < sizeof r->value;
    for (size_t i = 0; printable && i < value_len; i++)
        printable = value[i] > 0x20 && value[i] < 0x7f;
    if (!printable) {
        keys_io_error (r->err, r->errlen, "line %u: invalid %s \"%s\"",
                       r->line, field,
                       keys_io_quote (quoted, value, value_len));
        return -1;
    }
    memcpy (r->value, value, value_len);
    r->value[value_len] = 0;
    r->pos += line_len + 1;
    r->line++;
    return 1;
}

/* Require the field; 0 or -1.                                               */
static int
s_expect (s_reader_t *r, const char *field)
{
    int rc = s_line (r, field);
    if (rc == 0)
        keys_io_error (r->err, r->errlen, "line %u: expected \"%s: ...\"",
                       r->line, field);
    return rc == 1 ? 0 : -1;
}

static int
s_bad (s_reader_t *r, const char *field, const char *why)
{
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    keys_io_error (r->err, r->errlen, "line %u: %s \"%s\" %s", r->line - 1,
                   field, keys_io_quote (quoted, r->value, strlen (r->value)),
                   why);
    return -1;
}

/* Canonical decimal 1..S_SERIAL_MAX.                                        */
static int
s_serial (const char *value, uint64_t *out)
{
    size_t len = strlen (value);
    if (len == 0 || len > 19 || value[0] < '1' || value[0] > '9')
        return -1;
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (value[i] < '0' || value[i] > '9')
            return -1;
        uint64_t digit = (uint64_t) (value[i] - '0');
        if (n > (S_SERIAL_MAX - digit) / 10)
            return -1;
        n = n * 10 + digit;
    }
    *out = n;
    return 0;
}

int
keys_notice_parse_prefix (keys_notice_t *self, const char *text, size_t len,
                          size_t *used, char *err, size_t errlen)
{
    assert (self);
    assert (text || len == 0);
    assert (used);
    memset (self, 0, sizeof *self);
    s_reader_t r = { text, len > KEYS_NOTICE_TEXT_MAX ? KEYS_NOTICE_TEXT_MAX
                                                      : len,
                     0, 1, { 0 }, err, errlen };
    if (s_line (&r, "ceptoar-revocation") == 1)
        self->kind = KEYS_NOTICE_REVOCATION;
    else if (r.pos == 0 && s_line (&r, "ceptoar-card-update") == 1)
        self->kind = KEYS_NOTICE_CARD_UPDATE;
    else {
        keys_io_error (err, errlen,
                       "line 1: not a notice (expected \"ceptoar-revocation: "
                       "1\" or \"ceptoar-card-update: 1\")");
        return -1;
    }
    if (strcmp (r.value, "1") != 0)
        return s_bad (&r, "format", "is not a version this program reads (1)");
    if (s_expect (&r, "name") != 0)
        return -1;
    if (strlen (r.value) > KEYS_NAME_MAX || !keys_name_valid (r.value))
        return s_bad (&r, "name", "is not a valid member name");
    strcpy (self->name, r.value);
    if (s_expect (&r, "sign-key") != 0)
        return -1;
    if (proto_hex_decode (self->sign_pk, PROTO_PK_BYTES, r.value) != 0)
        return s_bad (&r, "sign-key", "is not 64 lowercase hex characters");
    if (self->kind == KEYS_NOTICE_REVOCATION) {
        if (s_expect (&r, "box-key") != 0)
            return -1;
        if (proto_hex_decode (self->box_pk, PROTO_BOXPK_BYTES, r.value) != 0)
            return s_bad (&r, "box-key", "is not 64 lowercase hex characters");
    }
    else {
        if (s_expect (&r, "serial") != 0)
            return -1;
        if (s_serial (r.value, &self->serial) != 0)
            return s_bad (&r, "serial", "is not a number from 1 (no leading "
                                        "zeros, below 2^63)");
        int rc;
        while ((rc = s_line (&r, "endpoint")) == 1) {
            if (self->endpoint_count == KEYS_ENDPOINTS_MAX) {
                keys_io_error (err, errlen, "line %u: more than %d endpoints",
                               r.line - 1, KEYS_ENDPOINTS_MAX);
                return -1;
            }
            if (strlen (r.value) > KEYS_ENDPOINT_MAX
                || !keys_endpoint_valid (r.value))
                return s_bad (&r, "endpoint", "is not tcp://HOST:PORT or "
                                              "ipc://PATH");
            strcpy (self->endpoints[self->endpoint_count++], r.value);
        }
        if (rc < 0)
            return -1;
    }
    if (s_expect (&r, "signature") != 0)
        return -1;
    if (proto_hex_decode (self->sig, PROTO_SIG_BYTES, r.value) != 0)
        return s_bad (&r, "signature", "is not 128 lowercase hex characters");
    //  One encoding: what we read must be what we would write.
    size_t again_len;
    char *again = keys_notice_format (self, &again_len);
    bool same = again && again_len == r.pos && !memcmp (again, text, r.pos);
    free (again);
    if (!same) {
        keys_io_error (err, errlen, "the notice is not in canonical form");
        return -1;
    }
    uint8_t msg[S_DOMAIN_LEN + 1 + PROTO_HASH_BYTES];
    char fpr[PROTO_FPR_HEX_LEN + 1];
    if (s_message (self, msg) != 0
        || crypto_sign_verify_detached (self->sig, msg, sizeof msg,
                                        self->sign_pk)
               != 0) {
        proto_fingerprint (fpr, self->sign_pk);
        keys_io_error (err, errlen,
                       "line %u: the signature does not verify with the key "
                       "%s it names: the notice was altered",
                       r.line - 1, fpr);
        return -1;
    }
    *used = r.pos;
    return 0;
}

int
keys_notice_parse (keys_notice_t *self, const char *text, size_t len,
                   char *err, size_t errlen)
{
    size_t used;
    if (keys_notice_parse_prefix (self, text, len, &used, err, errlen) != 0)
        return -1;
    if (used != len) {
        keys_io_error (err, errlen, "unexpected text after the signature");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Read all of a regular file of at most max bytes; caller frees. NULL with
   a reason; *missing set if it does not exist.                              */
static char *
s_read_file (const char *path, size_t max, size_t *len, bool *missing,
             char *err, size_t errlen)
{
    *missing = false;
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *missing = errno == ENOENT;
        keys_io_error (err, errlen, "cannot open %s: %s", path,
                       strerror (errno));
        return NULL;
    }
    char *data = malloc (max + 1);
    size_t got = 0;
    ssize_t n = 0;
    while (data && got <= max
           && (n = read (fd, data + got, max + 1 - got)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        got += (size_t) n;
    }
    close (fd);
    if (!data || n < 0 || got > max) {
        keys_io_error (err, errlen, "cannot read %s: %s", path,
                       got > max ? "too large" : strerror (errno));
        free (data);
        return NULL;
    }
    data[got] = 0;
    *len = got;
    return data;
}

int
keys_notice_load (keys_notice_t *self, const char *path, char *err,
                  size_t errlen)
{
    assert (self);
    assert (path);
    size_t len;
    bool missing;
    char *text = s_read_file (path, KEYS_NOTICE_TEXT_MAX, &len, &missing,
                              err, errlen);
    if (!text)
        return -1;
    char reason[256];
    int rc = keys_notice_parse (self, text, len, reason, sizeof reason);
    free (text);
    if (rc != 0)
        keys_io_error (err, errlen, "%s: %s", path, reason);
    return rc;
}

/* Write text to path: new (O_EXCL) or, with replace, via a temporary file
   renamed over it. Synced. Returns 0 or -1 with a reason.                   */
static int
s_write_file (const char *path, const char *text, size_t len, bool replace,
              char *err, size_t errlen)
{
    char tmp[4096];
    if (replace
        && snprintf (tmp, sizeof tmp, "%s.tmp", path) >= (int) sizeof tmp) {
        keys_io_error (err, errlen, "path too long: %s", path);
        return -1;
    }
    const char *target = replace ? tmp : path;
    int fd = open (target,
                   O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC
                       | (replace ? O_TRUNC : O_EXCL),
                   0600);
    if (fd < 0) {
        keys_io_error (err, errlen, "cannot create %s: %s%s", target,
                       strerror (errno),
                       errno == EEXIST ? " (remove it or choose another name)"
                                       : "");
        return -1;
    }
    int rc = fchmod (fd, 0600);
    if (rc == 0)
        rc = keys_io_write_all (fd, text, len);
    if (rc == 0)
        rc = fsync (fd);
    if (close (fd) != 0)
        rc = -1;
    if (rc == 0 && replace && rename (tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        keys_io_error (err, errlen, "cannot write %s: %s", path,
                       strerror (errno));
        unlink (target);
        return -1;
    }
    keys_io_sync_parent (path);
    return 0;
}

int
keys_notice_save (const keys_notice_t *self, const char *path, char *err,
                  size_t errlen)
{
    assert (self);
    assert (path);
    size_t len;
    char *text = keys_notice_format (self, &len);
    if (!text) {
        keys_io_error (err, errlen, "the notice has an invalid field");
        return -1;
    }
    int rc = s_write_file (path, text, len, false, err, errlen);
    free (text);
    return rc;
}

/* ------------------------------------------------------------------------
   The set.                                                                  */
keys_notice_set_t *
keys_notice_set_new (void)
{
    return calloc (1, sizeof (keys_notice_set_t));
}

void
keys_notice_set_destroy (keys_notice_set_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free ((*self_p)->notices);
        free (*self_p);
        *self_p = NULL;
    }
}

/* Order of the set: sign key, then kind.                                    */
static int
s_cmp (const keys_notice_t *a, const keys_notice_t *b)
{
    int c = memcmp (a->sign_pk, b->sign_pk, PROTO_PK_BYTES);
    return c ? c : (int) a->kind - (int) b->kind;
}

/* True if card update a replaces b (same key).                              */
static bool
s_newer (const keys_notice_t *a, const keys_notice_t *b)
{
    if (a->serial != b->serial)
        return a->serial > b->serial;
    uint8_t ha[PROTO_HASH_BYTES], hb[PROTO_HASH_BYTES];
    if (keys_notice_id (a, ha) != 0 || keys_notice_id (b, hb) != 0)
        return false;
    return memcmp (ha, hb, PROTO_HASH_BYTES) < 0;
}

int
keys_notice_set_add (keys_notice_set_t *self, const keys_notice_t *notice)
{
    assert (self);
    assert (notice);
    size_t at = 0;
    while (at < self->count && s_cmp (&self->notices[at], notice) < 0)
        at++;
    if (at < self->count && s_cmp (&self->notices[at], notice) == 0) {
        if (notice->kind == KEYS_NOTICE_CARD_UPDATE
            && s_newer (notice, &self->notices[at])) {
            self->notices[at] = *notice;
            return 1;
        }
        return 0;
    }
    if (self->count == KEYS_NOTICE_SET_MAX)
        return -1;
    if (self->count == self->cap) {
        size_t cap = self->cap ? 2 * self->cap : 8;
        keys_notice_t *more = realloc (self->notices, cap * sizeof *more);
        if (!more)
            return -1;
        self->notices = more;
        self->cap = cap;
    }
    memmove (&self->notices[at + 1], &self->notices[at],
             (self->count - at) * sizeof (keys_notice_t));
    self->notices[at] = *notice;
    self->count++;
    return 1;
}

size_t
keys_notice_set_count (const keys_notice_set_t *self)
{
    assert (self);
    return self->count;
}

const keys_notice_t *
keys_notice_set_get (const keys_notice_set_t *self, size_t index)
{
    assert (self);
    return index < self->count ? &self->notices[index] : NULL;
}

static const keys_notice_t *
s_find (const keys_notice_set_t *self, const uint8_t *pk,
        keys_notice_kind_t kind)
{
    for (size_t i = 0; i < self->count; i++)
        if (self->notices[i].kind == kind
            && !memcmp (self->notices[i].sign_pk, pk, PROTO_PK_BYTES))
            return &self->notices[i];
    return NULL;
}

bool
keys_notice_set_revoked (const keys_notice_set_t *self,
                         const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (pk);
    return s_find (self, pk, KEYS_NOTICE_REVOCATION) != NULL;
}

const keys_notice_t *
keys_notice_set_card_update (const keys_notice_set_t *self,
                             const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (pk);
    if (keys_notice_set_revoked (self, pk))
        return NULL;
    return s_find (self, pk, KEYS_NOTICE_CARD_UPDATE);
}

int
keys_notice_set_apply (const keys_notice_set_t *self, keys_roster_t *roster)
{
    assert (self);
    assert (roster);
    for (size_t i = 0; i < self->count; i++)
        if (self->notices[i].kind == KEYS_NOTICE_REVOCATION
            && keys_roster_revoke (roster, self->notices[i].sign_pk) != 0)
            return -1;
    return 0;
}

int
keys_notice_set_load (keys_notice_set_t *self, const char *path, char *err,
                      size_t errlen)
{
    assert (self);
    assert (path);
    size_t len;
    bool missing;
    char *text = s_read_file (path, S_SET_FILE_MAX, &len, &missing, err,
                              errlen);
    if (!text)
        return missing ? 0 : -1;
    size_t pos = 0, index = 0;
    int rc = 0;
    while (pos < len && rc == 0) {
        keys_notice_t notice;
        size_t used;
        char reason[256];
        index++;
        if (keys_notice_parse_prefix (&notice, text + pos, len - pos, &used,
                                      reason, sizeof reason)
            != 0) {
            keys_io_error (err, errlen, "%s: notice %zu: %s", path, index,
                           reason);
            rc = -1;
        }
        else if (pos + used == len || text[pos + used] != '\n') {
            keys_io_error (err, errlen,
                           "%s: notice %zu: not followed by a blank line",
                           path, index);
            rc = -1;
        }
        else if (keys_notice_set_add (self, &notice) < 0) {
            keys_io_error (err, errlen, "%s: more than %d notices", path,
                           KEYS_NOTICE_SET_MAX);
            rc = -1;
        }
        pos += used + 1;
    }
    free (text);
    return rc;
}

int
keys_notice_set_save (const keys_notice_set_t *self, const char *path,
                      char *err, size_t errlen)
{
    assert (self);
    assert (path);
    char *all = malloc (self->count * (KEYS_NOTICE_TEXT_MAX + 1) + 1);
    if (!all) {
        keys_io_error (err, errlen, "out of memory");
        return -1;
    }
    size_t len = 0;
    for (size_t i = 0; i < self->count; i++) {
        size_t n;
        char *text = keys_notice_format (&self->notices[i], &n);
        if (!text) {
            free (all);
            keys_io_error (err, errlen, "notice %zu cannot be written", i + 1);
            return -1;
        }
        memcpy (all + len, text, n);
        len += n;
        all[len++] = '\n';
        free (text);
    }
    int rc = s_write_file (path, all, len, true, err, errlen);
    free (all);
    return rc;
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */
static keys_secret_t *
s_test_key (uint8_t fill)
{
    uint8_t seed[PROTO_SEED_BYTES], box[PROTO_BOXSK_BYTES];
    memset (seed, fill, sizeof seed);
    memset (box, fill + 0x40, sizeof box);
    keys_secret_t *key = keys_secret_from_seeds (seed, box);
    assert (key);
    return key;
}

void
keys_notice_test (bool verbose)
{
    printf (" * keys_notice: ");
    char err[512];
    keys_secret_t *tel = s_test_key (0x01);
    keys_secret_t *bank = s_test_key (0x02);

    //  A revocation: signed, formatted, parsed back, verified.
    keys_notice_t revoke;
    memset (&revoke, 0, sizeof revoke);
    revoke.kind = KEYS_NOTICE_REVOCATION;
    strcpy (revoke.name, "T-CEPTOAR");
    assert (keys_notice_sign (&revoke, tel, err, sizeof err) == 0);
    size_t len;
    char *text = keys_notice_format (&revoke, &len);
    assert (text && !strncmp (text, "ceptoar-revocation: 1\nname: T-CEPTOAR\n",
                              38));
    if (verbose)
        printf ("\n%s", text);
    keys_notice_t parsed;
    assert (keys_notice_parse (&parsed, text, len, err, sizeof err) == 0);
    assert (parsed.kind == KEYS_NOTICE_REVOCATION
            && !memcmp (parsed.box_pk, keys_secret_box_pk (tel),
                        PROTO_BOXPK_BYTES));
    //  Every truncation, and any one changed byte, is refused.
    for (size_t cut = 0; cut < len; cut++)
        assert (keys_notice_parse (&parsed, text, cut, err, sizeof err) == -1);
    for (size_t i = 0; i < len; i++) {
        char *bad = strdup (text);
        bad[i] = bad[i] == 'a' ? 'b' : 'a';
        assert (keys_notice_parse (&parsed, bad, len, err, sizeof err) == -1);
        free (bad);
    }
    //  Another key's signature: the notice names TEL but BANK signed it.
    keys_notice_t forged = revoke;
    assert (keys_notice_sign (&forged, bank, err, sizeof err) == 0);
    memcpy (forged.sign_pk, keys_secret_sign_pk (tel), PROTO_PK_BYTES);
    char *forged_text = keys_notice_format (&forged, &len);
    assert (keys_notice_parse (&parsed, forged_text, len, err, sizeof err)
            == -1);
    assert (strstr (err, "does not verify"));
    free (forged_text);

    //  Card updates: newer serial wins, ties go to the lower hash.
    keys_notice_t update;
    memset (&update, 0, sizeof update);
    update.kind = KEYS_NOTICE_CARD_UPDATE;
    strcpy (update.name, "FIN-BANK");
    update.serial = 5;
    update.endpoint_count = 1;
    strcpy (update.endpoints[0], "tcp://127.0.0.1:7102");
    assert (keys_notice_sign (&update, bank, err, sizeof err) == 0);
    char *update_text = keys_notice_format (&update, &len);
    assert (keys_notice_parse (&parsed, update_text, len, err, sizeof err)
            == 0);
    assert (parsed.serial == 5 && parsed.endpoint_count == 1);
    free (update_text);
    keys_notice_t older = update, tie = update;
    older.serial = 4;
    assert (keys_notice_sign (&older, bank, err, sizeof err) == 0);
    strcpy (tie.endpoints[0], "tcp://127.0.0.1:7103");
    assert (keys_notice_sign (&tie, bank, err, sizeof err) == 0);
    //  Invalid fields cannot be signed.
    keys_notice_t invalid = update;
    invalid.serial = 0;
    assert (keys_notice_sign (&invalid, bank, err, sizeof err) == -1);
    strcpy (invalid.endpoints[0], "http://example");
    invalid.serial = 1;
    assert (keys_notice_sign (&invalid, bank, err, sizeof err) == -1);

    keys_notice_set_t *set = keys_notice_set_new ();
    assert (keys_notice_set_add (set, &update) == 1);
    assert (keys_notice_set_add (set, &update) == 0);
    assert (keys_notice_set_add (set, &older) == 0);
    int tie_rc = keys_notice_set_add (set, &tie);
    uint8_t h_update[PROTO_HASH_BYTES], h_tie[PROTO_HASH_BYTES];
    assert (keys_notice_id (&update, h_update) == 0
            && keys_notice_id (&tie, h_tie) == 0);
    assert (tie_rc == (memcmp (h_tie, h_update, PROTO_HASH_BYTES) < 0));
    const keys_notice_t *held
        = keys_notice_set_card_update (set, keys_secret_sign_pk (bank));
    assert (held && held->serial == 5);
    assert (keys_notice_set_add (set, &revoke) == 1);
    assert (keys_notice_set_add (set, &revoke) == 0);
    assert (keys_notice_set_count (set) == 2);
    assert (keys_notice_set_revoked (set, keys_secret_sign_pk (tel)));
    assert (!keys_notice_set_revoked (set, keys_secret_sign_pk (bank)));
    //  A revoked key's card update is not in force.
    keys_notice_t tel_update = update;
    strcpy (tel_update.name, "T-CEPTOAR");
    assert (keys_notice_sign (&tel_update, tel, err, sizeof err) == 0);
    assert (keys_notice_set_add (set, &tel_update) == 1);
    assert (!keys_notice_set_card_update (set, keys_secret_sign_pk (tel)));

    //  Save and load: the same set, in any order of adding.
    char dir[] = "/tmp/keys_notice_test.XXXXXX";
    assert (mkdtemp (dir));
    char path[256];
    snprintf (path, sizeof path, "%s/notices", dir);
    keys_notice_set_t *loaded = keys_notice_set_new ();
    assert (keys_notice_set_load (loaded, path, err, sizeof err) == 0);
    assert (keys_notice_set_count (loaded) == 0);
    assert (keys_notice_set_save (set, path, err, sizeof err) == 0);
    struct stat st;
    assert (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
    assert (keys_notice_set_load (loaded, path, err, sizeof err) == 0);
    assert (keys_notice_set_count (loaded) == 3);
    //  Whole values compared on purpose: decoding memsets them first.
    for (size_t i = 0; i < 3; i++)
        // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
        assert (!memcmp (keys_notice_set_get (loaded, i),
                         keys_notice_set_get (set, i), sizeof (keys_notice_t)));
    //  A damaged set file is refused, naming the notice.
    FILE *file = fopen (path, "a");
    assert (file);
    fputs ("ceptoar-revocation: 1\nname: X\n\n", file);
    assert (fclose (file) == 0);
    keys_notice_set_t *damaged = keys_notice_set_new ();
    assert (keys_notice_set_load (damaged, path, err, sizeof err) == -1);
    assert (strstr (err, "notice 4"));
    keys_notice_set_destroy (&damaged);

    //  Applying revokes in the roster.
    keys_card_t card;
    memset (&card, 0, sizeof card);
    strcpy (card.name, "T-CEPTOAR");
    card.sector = PROTO_SECTOR_TELECOM;
    memcpy (card.sign_pk, keys_secret_sign_pk (tel), PROTO_PK_BYTES);
    memcpy (card.box_pk, keys_secret_box_pk (tel), PROTO_BOXPK_BYTES);
    keys_roster_t *roster = keys_roster_new (NULL, 1);
    assert (keys_roster_add_member (roster, &card, NULL, err, sizeof err)
            == 0);
    assert (keys_roster_member_active (roster, card.sign_pk));
    assert (keys_notice_set_apply (loaded, roster) == 0);
    assert (!keys_roster_member_active (roster, card.sign_pk));
    keys_roster_destroy (&roster);

    //  A saved single notice is never replaced and is private.
    char one[256];
    snprintf (one, sizeof one, "%s/revoke.txt", dir);
    assert (keys_notice_save (&revoke, one, err, sizeof err) == 0);
    assert (stat (one, &st) == 0 && (st.st_mode & 0777) == 0600);
    assert (keys_notice_save (&revoke, one, err, sizeof err) == -1);
    assert (keys_notice_load (&parsed, one, err, sizeof err) == 0);
    unlink (one);
    unlink (path);
    rmdir (dir);
    keys_notice_set_destroy (&loaded);
    keys_notice_set_destroy (&set);
    free (text);
    keys_secret_destroy (&tel);
    keys_secret_destroy (&bank);
    printf ("OK\n");
}
