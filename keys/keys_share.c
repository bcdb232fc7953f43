/* SPDX-License-Identifier: MPL-2.0 */
/* keys_share: k-of-n text shares of a node's secret key (key backup). */

/* The secret is the 64 bytes seed || X25519 secret key of a node's key.
   libgfshare splits it (Shamir over GF(2^8), one random polynomial of
   degree k - 1 per byte, evaluated at x = 1..n) and recombines it by
   Lagrange interpolation at 0. libgfshare's own random source is a global
   that starts out NULL; we point it at randombytes_buf before every use.
   gfshare_ctx_free overwrites the context's buffers (which hold the secret
   and the coefficients, or the shares) with that random source before
   freeing them, so nothing of the secret is left in freed heap memory.

   A share prints as twelve lines (docs/formats.md, "Key backup (k of n)"):
       ceptoar-key-share: 1
       fingerprint: <32 hex> ~cccc
       sign-key: <64 hex> ~cccc
       box-key: <64 hex> ~cccc
       split: <16 hex> ~cccc
       share: <x> of <n> ~cccc
       threshold: <k> ~cccc
       data-1: hhhh hhhh hhhh hhhh hhhh hhhh hhhh hhhh ~cccc
       ... data-4
       checksum: <32 hex>
   cccc is the CRC-16/CCITT-FALSE of the line up to the space before "~":
   a degree-16 CRC catches every change confined to two adjacent
   characters, so one mistyped character (or two swapped neighbours) is
   always found on its own line. The checksum is the first 16 bytes of
   BLAKE2b-256 over lines 1-11; it catches whole lines taken from another
   share. Neither is a MAC: what proves the shares right is that the
   rebuilt keys equal the public keys that every share records.

   This module does not prompt or print and never puts share bytes in an
   error message.                                                            */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libgfshare.h>

#include "keys_share.h"
#include "keys_io.h"

#define S_TITLE          "ceptoar-key-share: 1"
#define S_LINES          12            /* lines in a share                  */
#define S_DATA_LINES     4             /* data-1 .. data-4                  */
#define S_DATA_PER_LINE  16            /* bytes per data line               */
#define S_GROUPS         8             /* groups of 4 hex per data line     */
#define S_CHECK_LEN      6             /* " ~cccc"                          */
#define S_SUM_BYTES      16            /* truncated BLAKE2b-256             */
#define S_SPLIT_HEX      (2 * KEYS_SHARE_SPLIT_ID_BYTES)

/* Line numbers (1-based) of the fields.                                     */
#define S_LINE_FPR       2
#define S_LINE_SIGN      3
#define S_LINE_BOX       4
#define S_LINE_SPLIT     5
#define S_LINE_SHARE     6
#define S_LINE_THRESHOLD 7
#define S_LINE_DATA      8             /* first data line                   */
#define S_LINE_SUM       12

static const char *s_field[S_LINES + 1] = {
    NULL, "ceptoar-key-share", "fingerprint", "sign-key", "box-key",
    "split", "share", "threshold", "data-1", "data-2", "data-3", "data-4",
    "checksum",
};

struct _keys_share_t {
    unsigned index;                            /* x, 1..count               */
    unsigned threshold;                        /* k                         */
    unsigned count;                            /* n                         */
    uint8_t sign_pk[PROTO_PK_BYTES];           /* Ed25519 public key        */
    uint8_t box_pk[PROTO_BOXPK_BYTES];         /* X25519 public key         */
    uint8_t split_id[KEYS_SHARE_SPLIT_ID_BYTES]; /* same in one split       */
    uint8_t data[KEYS_SHARE_SECRET_BYTES];     /* the share bytes (secret)  */
    size_t text_len;                           /* bytes in text             */
    char text[KEYS_SHARE_TEXT_MAX + 1];        /* the text form, NUL-ended  */
};

size_t
keys_share_secret_bytes (void)
{
    return KEYS_SHARE_SECRET_BYTES;
}

size_t
keys_share_text_max (void)
{
    return KEYS_SHARE_TEXT_MAX;
}

/* ------------------------------------------------------------------------
   libgfshare's random source: coefficients and the wipe in
   gfshare_ctx_free.                                                         */
static void
s_fill_rand (unsigned char *buf, unsigned int len)
{
    randombytes_buf (buf, len);
}

/* ------------------------------------------------------------------------
   A zeroed share in secure memory, or NULL.                                 */
static keys_share_t *
s_alloc (void)
{
    keys_share_t *self = (keys_share_t *) sodium_malloc (sizeof *self);
    if (self)
        sodium_memzero (self, sizeof *self);
    return self;
}

void
keys_share_destroy (keys_share_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        sodium_free (*self_p);
        *self_p = NULL;
    }
}

/* ------------------------------------------------------------------------
   CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff, no reflection, no final
   xor); check value 0x29b1 for "123456789".                                 */
static uint16_t
s_crc16 (const char *text, size_t len)
{
    uint16_t crc = 0xffff;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t) ((uint8_t) text[i] << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000) ? (uint16_t) ((crc << 1) ^ 0x1021)
                                 : (uint16_t) (crc << 1);
    }
    return crc;
}

/* ------------------------------------------------------------------------
   Append formatted text to self->text (programmer error if it overflows:
   every field has a fixed maximum width).                                   */
static void
s_append (keys_share_t *self, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_append (keys_share_t *self, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    size_t room = sizeof self->text - self->text_len;
    int n = vsnprintf (self->text + self->text_len, room, fmt, args);
    va_end (args);
    assert (n >= 0 && (size_t) n < room);
    self->text_len += (size_t) n;
}

/* ------------------------------------------------------------------------
   End the line that starts at line_at with its check and LF.                */
static void
s_end_checked (keys_share_t *self, size_t line_at)
{
    uint16_t crc = s_crc16 (self->text + line_at, self->text_len - line_at);
    s_append (self, " ~%04x\n", (unsigned) crc);
}

/* ------------------------------------------------------------------------
   Write self->text from the fields. The share bytes are written straight
   into the secure text buffer, never through a stack copy.                  */
static void
s_format (keys_share_t *self)
{
    char fpr[PROTO_FPR_HEX_LEN + 1];
    char sign_hex[2 * PROTO_PK_BYTES + 1], box_hex[2 * PROTO_BOXPK_BYTES + 1];
    char split_hex[S_SPLIT_HEX + 1];
    proto_fingerprint (fpr, self->sign_pk);
    proto_hex_encode (sign_hex, self->sign_pk, PROTO_PK_BYTES);
    proto_hex_encode (box_hex, self->box_pk, PROTO_BOXPK_BYTES);
    proto_hex_encode (split_hex, self->split_id, KEYS_SHARE_SPLIT_ID_BYTES);

    self->text_len = 0;
    s_append (self, "%s\n", S_TITLE);
    size_t at = self->text_len;
    s_append (self, "fingerprint: %s", fpr);
    s_end_checked (self, at);
    at = self->text_len;
    s_append (self, "sign-key: %s", sign_hex);
    s_end_checked (self, at);
    at = self->text_len;
    s_append (self, "box-key: %s", box_hex);
    s_end_checked (self, at);
    at = self->text_len;
    s_append (self, "split: %s", split_hex);
    s_end_checked (self, at);
    at = self->text_len;
    s_append (self, "share: %u of %u", self->index, self->count);
    s_end_checked (self, at);
    at = self->text_len;
    s_append (self, "threshold: %u", self->threshold);
    s_end_checked (self, at);
    for (unsigned line = 0; line < S_DATA_LINES; line++) {
        at = self->text_len;
        s_append (self, "data-%u:", line + 1);
        const uint8_t *bytes = self->data + line * S_DATA_PER_LINE;
        for (unsigned g = 0; g < S_GROUPS; g++)
            s_append (self, " %02x%02x", bytes[2 * g], bytes[2 * g + 1]);
        s_end_checked (self, at);
    }
    uint8_t hash[PROTO_HASH_BYTES];
    char sum_hex[2 * S_SUM_BYTES + 1];
    proto_hash (hash, self->text, self->text_len);
    proto_hex_encode (sum_hex, hash, S_SUM_BYTES);
    s_append (self, "checksum: %s\n", sum_hex);
}

/* ------------------------------------------------------------------------
   Value of one lowercase hex digit, or -1.                                  */
static int
s_nibble (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* ------------------------------------------------------------------------
   Decode exactly 2 * len lowercase hex characters (text need not be
   NUL-terminated). Returns 0 or -1.                                         */
static int
s_hex_decode (uint8_t *bin, size_t len, const char *text, size_t text_len)
{
    if (text_len != 2 * len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int hi = s_nibble (text[2 * i]), lo = s_nibble (text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        bin[i] = (uint8_t) (hi << 4 | lo);
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Parse a decimal 1..255 without leading zeros from text[0..len). Returns
   0 or -1.                                                                  */
static int
s_parse_small (const char *text, size_t len, unsigned *out)
{
    if (len < 1 || len > 3 || text[0] == '0')
        return -1;
    unsigned value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (unsigned) (text[i] - '0');
    }
    if (value > KEYS_SHARE_MAX)
        return -1;
    *out = value;
    return 0;
}

/* ------------------------------------------------------------------------
   Print "line N: " and the reason into err (which may be NULL).             */
static void
s_err (char *err, size_t err_size, unsigned line, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_err (char *err, size_t err_size, unsigned line, const char *fmt, ...)
{
    if (!err || !err_size)
        return;
    int n = snprintf (err, err_size, "line %u: ", line);
    if (n < 0 || (size_t) n >= err_size)
        return;
    va_list args;
    va_start (args, fmt);
    vsnprintf (err + n, err_size - (size_t) n, fmt, args);
    va_end (args);
}

/* ------------------------------------------------------------------------
   Parse the value of header or data line `line` (its check already
   verified) into self. value[0..len) is what follows "name: ". Returns 0
   or -1 with err set.                                                       */
static int
s_parse_value (keys_share_t *self, unsigned line, const char *value,
               size_t len, char fpr[PROTO_FPR_HEX_LEN + 1], char *err,
               size_t err_size)
{
    //  Header values are public, so they are quoted (at most 80
    //  characters); data values are never quoted.
    int quote = len > 80 ? 80 : (int) len;
    uint8_t scratch[PROTO_FPR_BYTES];
    switch (line) {
    case S_LINE_FPR:
        if (s_hex_decode (scratch, PROTO_FPR_BYTES, value, len) != 0) {
            s_err (err, err_size, line, "fingerprint \"%.*s\" is not 32 "
                   "lowercase hex characters", quote, value);
            return -1;
        }
        memcpy (fpr, value, PROTO_FPR_HEX_LEN);
        fpr[PROTO_FPR_HEX_LEN] = 0;
        return 0;
    case S_LINE_SIGN:
    case S_LINE_BOX:
        if (s_hex_decode (line == S_LINE_SIGN ? self->sign_pk : self->box_pk,
                          PROTO_PK_BYTES, value, len) != 0) {
            s_err (err, err_size, line, "%s \"%.*s\" is not 64 lowercase hex "
                   "characters", s_field[line], quote, value);
            return -1;
        }
        return 0;
    case S_LINE_SPLIT:
        if (s_hex_decode (self->split_id, KEYS_SHARE_SPLIT_ID_BYTES, value,
                          len) != 0) {
            s_err (err, err_size, line, "split \"%.*s\" is not %d lowercase "
                   "hex characters", quote, value, S_SPLIT_HEX);
            return -1;
        }
        return 0;
    case S_LINE_SHARE: {
        const char *of = memchr (value, ' ', len);
        if (!of || (size_t) (value + len - of) < 4 || memcmp (of, " of ", 4)
            || s_parse_small (value, (size_t) (of - value), &self->index)
            || s_parse_small (of + 4, (size_t) (value + len - of - 4),
                              &self->count)) {
            s_err (err, err_size, line, "share \"%.*s\" is not \"X of N\" "
                   "with numbers from 1 to %d", quote, value, KEYS_SHARE_MAX);
            return -1;
        }
        if (self->count < KEYS_SHARE_MIN || self->index > self->count) {
            s_err (err, err_size, line, "share \"%.*s\" cannot be: a split "
                   "has %d to %d shares, numbered from 1", quote, value,
                   KEYS_SHARE_MIN, KEYS_SHARE_MAX);
            return -1;
        }
        return 0;
    }
    case S_LINE_THRESHOLD:
        if (s_parse_small (value, len, &self->threshold) != 0
            || self->threshold < KEYS_SHARE_MIN
            || self->threshold > self->count) {
            s_err (err, err_size, line, "threshold \"%.*s\" is not a number "
                   "from %d to the %u shares of the split", quote, value,
                   KEYS_SHARE_MIN, self->count);
            return -1;
        }
        return 0;
    default: {
        //  data-N: eight groups of four hex digits, one space before each.
        assert (line >= S_LINE_DATA && line < S_LINE_DATA + S_DATA_LINES);
        uint8_t *bytes = self->data + (line - S_LINE_DATA) * S_DATA_PER_LINE;
        bool ok = len == S_GROUPS * 5 - 1;
        for (unsigned g = 0; ok && g < S_GROUPS; g++) {
            const char *group = value + 5 * g;
            ok = (g == 0 || group[-1] == ' ')
                 && s_hex_decode (bytes + 2 * g, 2, group, 4) == 0;
        }
        if (!ok) {
            s_err (err, err_size, line, "%s is not eight groups of four "
                   "lowercase hex digits separated by single spaces",
                   s_field[line]);
            return -1;
        }
        return 0;
    }
    }
}

/* ------------------------------------------------------------------------
   Parse untrusted share text; see the header. Every check that one line
   can decide is made on that line, so the reason names it.                  */
keys_share_t *
keys_share_parse (const char *text, size_t len, char *err, size_t err_size)
{
    assert (text || len == 0);
    if (err && err_size)
        *err = 0;
    if (len > KEYS_SHARE_TEXT_MAX) {
        s_err (err, err_size, 1, "longer than any share (%d bytes): this is "
               "not a ceptoar key share", KEYS_SHARE_TEXT_MAX);
        return NULL;
    }
    keys_share_t *self = s_alloc ();
    if (!self) {
        s_err (err, err_size, 1, "cannot allocate secure memory");
        return NULL;
    }
    char fpr[PROTO_FPR_HEX_LEN + 1] = "";
    size_t pos = 0, sum_at = 0;
    for (unsigned line = 1; line <= S_LINES; line++) {
        if (pos == len) {
            s_err (err, err_size, line, "the share ends here, before its "
                   "\"%s\" line: the share is truncated; copy the rest from "
                   "the custodian's paper", s_field[line]);
            goto fail;
        }
        const char *start = text + pos;
        const char *lf = memchr (start, '\n', len - pos);
        size_t line_len = lf ? (size_t) (lf - start) : len - pos;
        pos += line_len + (lf ? 1 : 0);
        for (size_t i = 0; i < line_len; i++) {
            unsigned char c = (unsigned char) start[i];
            if (c == '\r') {
                s_err (err, err_size, line, "has a carriage return: save "
                       "the share with plain LF line ends");
                goto fail;
            }
            if (c < 0x20 || c > 0x7e) {
                s_err (err, err_size, line, "has a character that is not "
                       "printable ASCII (byte 0x%02x at column %zu)", c,
                       i + 1);
                goto fail;
            }
        }
        //  Only the last line may lack its LF (the writer always writes it).
        if (!lf && line < S_LINES) {
            s_err (err, err_size, line, "the share ends in the middle of "
                   "this line: the share is truncated");
            goto fail;
        }
        if (line == 1) {
            if (line_len != strlen (S_TITLE)
                || memcmp (start, S_TITLE, line_len)) {
                s_err (err, err_size, line, "not a ceptoar key share "
                       "(expected \"%s\")", S_TITLE);
                goto fail;
            }
            continue;
        }
        if (line == S_LINE_SUM) {
            sum_at = (size_t) (start - text);
            static const char prefix[] = "checksum: ";
            uint8_t sum[S_SUM_BYTES], hash[PROTO_HASH_BYTES];
            if (line_len < sizeof prefix - 1
                || memcmp (start, prefix, sizeof prefix - 1)
                || s_hex_decode (sum, S_SUM_BYTES, start + sizeof prefix - 1,
                                 line_len - (sizeof prefix - 1)) != 0) {
                s_err (err, err_size, line, "expected \"checksum: \" and 32 "
                       "lowercase hex characters");
                goto fail;
            }
            proto_hash (hash, text, sum_at);
            if (sodium_memcmp (hash, sum, S_SUM_BYTES) != 0) {
                s_err (err, err_size, line, "the checksum does not match "
                       "the lines above it: lines were mixed from different "
                       "shares, or this line was copied wrong");
                goto fail;
            }
            continue;
        }
        //  Lines 2-11: "name: value ~cccc".
        uint8_t check[2];
        if (line_len < S_CHECK_LEN
            || memcmp (start + line_len - S_CHECK_LEN, " ~", 2)
            || s_hex_decode (check, 2, start + line_len - 4, 4) != 0) {
            s_err (err, err_size, line, "does not end in a check (a space, "
                   "\"~\" and four lowercase hex digits)");
            goto fail;
        }
        size_t body_len = line_len - S_CHECK_LEN;
        uint16_t want = (uint16_t) (check[0] << 8 | check[1]);
        if (s_crc16 (start, body_len) != want) {
            s_err (err, err_size, line, "does not match its check ~%.4s: a "
                   "character on this line is wrong; compare it with the "
                   "custodian's paper", start + line_len - 4);
            goto fail;
        }
        size_t name_len = strlen (s_field[line]);
        if (body_len < name_len + 2 || memcmp (start, s_field[line], name_len)
            || memcmp (start + name_len, ": ", 2)) {
            s_err (err, err_size, line, "expected the \"%s\" line here: the "
                   "lines are out of order", s_field[line]);
            goto fail;
        }
        if (s_parse_value (self, line, start + name_len + 2,
                           body_len - name_len - 2, fpr, err, err_size) != 0)
            goto fail;
    }
    if (pos != len) {
        s_err (err, err_size, S_LINES + 1, "text after the checksum line: "
               "a share ends with its checksum line");
        goto fail;
    }
    char computed[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (computed, self->sign_pk);
    if (strcmp (computed, fpr) != 0) {
        s_err (err, err_size, S_LINE_FPR, "fingerprint %s does not match "
               "the sign-key on line %d (fingerprint %s): the share is "
               "damaged or altered", fpr, S_LINE_SIGN, computed);
        goto fail;
    }
    //  Keep the one canonical text. Every field was read strictly, so it
    //  equals the input (which may lack the final LF); check all the same.
    s_format (self);
    if (self->text_len != len + (text[len - 1] == '\n' ? 0 : 1)
        || memcmp (self->text, text, len) != 0) {
        s_err (err, err_size, 1, "the share is not in its canonical form");
        goto fail;
    }
    return self;
fail:
    keys_share_destroy (&self);
    return NULL;
}

/* ------------------------------------------------------------------------
   Read a share file into secure memory and parse it.                        */
keys_share_t *
keys_share_load (const char *path, char *err, size_t err_size)
{
    assert (path);
    assert (err && err_size);
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf (err, err_size, "cannot open: %s", strerror (errno));
        return NULL;
    }
    struct stat st;
    if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
        snprintf (err, err_size, "not a regular file");
        close (fd);
        return NULL;
    }
    char *buf = (char *) sodium_malloc (KEYS_SHARE_TEXT_MAX + 1);
    if (!buf) {
        snprintf (err, err_size, "cannot allocate secure memory");
        close (fd);
        return NULL;
    }
    size_t len = 0;
    bool ok = true;
    while (len <= KEYS_SHARE_TEXT_MAX) {
        ssize_t n = read (fd, buf + len, KEYS_SHARE_TEXT_MAX + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf (err, err_size, "cannot read: %s", strerror (errno));
            ok = false;
        }
        if (n <= 0)
            break;
        len += (size_t) n;
    }
    close (fd);
    keys_share_t *self = ok ? keys_share_parse (buf, len, err, err_size)
                            : NULL;
    sodium_free (buf);
    return self;
}


int
keys_share_save (const keys_share_t *self, const char *path)
{
    assert (self);
    assert (path);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0600);
    if (fd < 0)
        return -1;
    if (keys_io_write_all (fd, self->text, self->text_len) != 0
        || fsync (fd) != 0) {
        int saved = errno;
        close (fd);
        unlink (path);
        errno = saved;
        return -1;
    }
    if (close (fd) != 0) {
        int saved = errno;
        unlink (path);
        errno = saved;
        return -1;
    }
    //  Best effort: sync the directory so the new name survives a crash.
    char copy[4096];
    if (strlen (path) < sizeof copy) {
        strcpy (copy, path);
        int dir = open (dirname (copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0) {
            fsync (dir);
            close (dir);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Interpolate the secret at 0 from count shares with distinct indexes
   (count <= 255), whatever their threshold. Returns 0, or -1 if libgfshare
   cannot allocate.                                                          */
static int
s_interpolate (keys_share_t *const shares[], size_t count,
               uint8_t secret[KEYS_SHARE_SECRET_BYTES])
{
    assert (count >= 1 && count <= KEYS_SHARE_MAX);
    uint8_t xs[KEYS_SHARE_MAX];
    for (size_t i = 0; i < count; i++)
        xs[i] = (uint8_t) shares[i]->index;
    gfshare_fill_rand = s_fill_rand;
    gfshare_ctx *ctx = gfshare_ctx_init_dec (xs, (unsigned) count,
                                             KEYS_SHARE_SECRET_BYTES);
    if (!ctx)
        return -1;
    for (size_t i = 0; i < count; i++)
        gfshare_ctx_dec_giveshare (ctx, (unsigned char) i, shares[i]->data);
    gfshare_ctx_dec_extract (ctx, secret);
    gfshare_ctx_free (ctx);       /* overwrites the shares it held */
    return 0;
}

/* ------------------------------------------------------------------------
   Keys from a 64-byte secret, or NULL (no secure memory).                   */
static keys_secret_t *
s_key_from_secret (const uint8_t secret[KEYS_SHARE_SECRET_BYTES])
{
    return keys_secret_from_seeds (secret, secret + PROTO_SEED_BYTES);
}

/* ------------------------------------------------------------------------
   The name of share i for messages.                                         */
static const char *
s_name (const char *const names[], size_t i, char buf[32])
{
    if (names && names[i])
        return names[i];
    snprintf (buf, 32, "share #%zu", i + 1);
    return buf;
}

keys_secret_t *
keys_share_recover (keys_share_t *const shares[], size_t count,
                    const char *const names[], keys_share_result_t *result,
                    char *err, size_t err_size)
{
    assert (shares);
    assert (count >= 1);
    assert (result);
    assert (err && err_size);
    *err = 0;
    char buf_a[32], buf_b[32];
    const keys_share_t *first = shares[0];
    const char *first_name = s_name (names, 0, buf_a);
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, first->sign_pk);

    //  All of one split: same keys, same split id, same k and n.
    for (size_t i = 1; i < count; i++) {
        const keys_share_t *other = shares[i];
        const char *name = s_name (names, i, buf_b);
        if (memcmp (other->sign_pk, first->sign_pk, PROTO_PK_BYTES)
            || memcmp (other->box_pk, first->box_pk, PROTO_BOXPK_BYTES)) {
            char other_fpr[PROTO_FPR_HEX_LEN + 1];
            proto_fingerprint (other_fpr, other->sign_pk);
            snprintf (err, err_size, "mismatched shares: %s is a share of "
                      "the key with fingerprint %s, but %s is of %s: give "
                      "shares of one key", name, other_fpr, first_name, fpr);
            *result = KEYS_SHARE_MISMATCH;
            return NULL;
        }
        if (memcmp (other->split_id, first->split_id,
                    KEYS_SHARE_SPLIT_ID_BYTES)) {
            char id_a[S_SPLIT_HEX + 1], id_b[S_SPLIT_HEX + 1];
            proto_hex_encode (id_a, first->split_id,
                              KEYS_SHARE_SPLIT_ID_BYTES);
            proto_hex_encode (id_b, other->split_id,
                              KEYS_SHARE_SPLIT_ID_BYTES);
            snprintf (err, err_size, "mismatched shares: %s (split %s) and "
                      "%s (split %s) come from two different splits of the "
                      "key; shares of different splits cannot be combined: "
                      "give shares of one split", first_name, id_a, name,
                      id_b);
            *result = KEYS_SHARE_MISMATCH;
            return NULL;
        }
        if (other->threshold != first->threshold
            || other->count != first->count) {
            snprintf (err, err_size, "mismatched shares: %s says %u of %u "
                      "shares recover the key, but %s says %u of %u: one of "
                      "them was altered", first_name, first->threshold,
                      first->count, name, other->threshold, other->count);
            *result = KEYS_SHARE_MISMATCH;
            return NULL;
        }
    }
    //  Distinct indexes: the same point twice adds nothing, and libgfshare
    //  would divide by zero.
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++)
            if (shares[i]->index == shares[j]->index) {
                snprintf (err, err_size, "duplicate share: %s and %s are "
                          "both share %u of %u: give distinct shares",
                          s_name (names, i, buf_a), s_name (names, j, buf_b),
                          shares[i]->index, shares[i]->count);
                *result = KEYS_SHARE_DUPLICATE;
                return NULL;
            }
    if (count < first->threshold) {
        snprintf (err, err_size, "%zu of %u shares: any %u of the %u shares "
                  "of this split recover the key with fingerprint %s; give "
                  "%zu more", count, first->threshold, first->threshold,
                  first->count, fpr, first->threshold - count);
        *result = KEYS_SHARE_TOO_FEW;
        return NULL;
    }
    uint8_t *secret = (uint8_t *) sodium_malloc (KEYS_SHARE_SECRET_BYTES);
    keys_secret_t *key = NULL;
    if (secret && s_interpolate (shares, count, secret) == 0)
        key = s_key_from_secret (secret);
    if (secret)
        sodium_free (secret);
    if (!key) {
        snprintf (err, err_size, "cannot allocate secure memory");
        *result = KEYS_SHARE_NOMEM;
        return NULL;
    }
    //  Verify before handing out: the keys must be the recorded ones.
    if (memcmp (keys_secret_sign_pk (key), first->sign_pk, PROTO_PK_BYTES)
        || memcmp (keys_secret_box_pk (key), first->box_pk,
                   PROTO_BOXPK_BYTES)) {
        keys_secret_destroy (&key);
        snprintf (err, err_size, "the %zu shares do not rebuild the key with "
                  "fingerprint %s that they record: one of them was altered "
                  "(each share's text is intact, so it was rewritten with "
                  "valid checks); try another set of %u shares", count, fpr,
                  first->threshold);
        *result = KEYS_SHARE_WRONG_KEY;
        return NULL;
    }
    *result = KEYS_SHARE_OK;
    return key;
}

/* ------------------------------------------------------------------------
   Split; see the header.                                                    */
int
keys_share_split (const keys_secret_t *key, unsigned threshold,
                  unsigned count, keys_share_t *shares[])
{
    assert (key);
    assert (threshold >= KEYS_SHARE_MIN && threshold <= count);
    assert (count <= KEYS_SHARE_MAX);
    assert (shares);
    for (unsigned i = 0; i < count; i++)
        shares[i] = NULL;
    uint8_t *secret = (uint8_t *) sodium_malloc (KEYS_SHARE_SECRET_BYTES);
    if (!secret)
        return -1;
    memcpy (secret, keys_secret_sign_seed (key), PROTO_SEED_BYTES);
    memcpy (secret + PROTO_SEED_BYTES, keys_secret_box_sk (key),
            PROTO_BOXSK_BYTES);
    uint8_t split_id[KEYS_SHARE_SPLIT_ID_BYTES];
    randombytes_buf (split_id, sizeof split_id);
    uint8_t xs[KEYS_SHARE_MAX];
    for (unsigned i = 0; i < count; i++)
        xs[i] = (uint8_t) (i + 1);      /* x = 0 would be the secret itself */

    gfshare_fill_rand = s_fill_rand;
    gfshare_ctx *ctx = gfshare_ctx_init_enc (xs, count,
                                             (unsigned char) threshold,
                                             KEYS_SHARE_SECRET_BYTES);
    bool ok = ctx != NULL;
    if (ok)
        gfshare_ctx_enc_setsecret (ctx, secret);
    for (unsigned i = 0; ok && i < count; i++) {
        shares[i] = s_alloc ();
        if (!shares[i]) {
            ok = false;
            break;
        }
        keys_share_t *share = shares[i];
        share->index = i + 1;
        share->threshold = threshold;
        share->count = count;
        memcpy (share->sign_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
        memcpy (share->box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES);
        memcpy (share->split_id, split_id, sizeof split_id);
        gfshare_ctx_enc_getshare (ctx, (unsigned char) i, share->data);
        s_format (share);
    }
    if (ctx)
        gfshare_ctx_free (ctx);       /* overwrites secret and coefficients */
    sodium_free (secret);

    //  Verify before handing out: every text parses back to its share, and
    //  the first and the last threshold shares rebuild the key.
    for (unsigned i = 0; ok && i < count; i++) {
        keys_share_t *back = keys_share_parse (shares[i]->text,
                                               shares[i]->text_len, NULL, 0);
        ok = back && sodium_memcmp (back->data, shares[i]->data,
                                    KEYS_SHARE_SECRET_BYTES) == 0
             && back->index == shares[i]->index;
        keys_share_destroy (&back);
    }
    for (int end = 0; ok && end < 2; end++) {
        keys_share_result_t result;
        char err[KEYS_SHARE_ERR_LEN];
        keys_secret_t *again = keys_share_recover (
            shares + (end ? count - threshold : 0), threshold, NULL, &result,
            err, sizeof err);
        ok = again != NULL;
        keys_secret_destroy (&again);
    }
    if (!ok) {
        for (unsigned i = 0; i < count; i++)
            keys_share_destroy (&shares[i]);
        return -1;
    }
    return 0;
}

unsigned
keys_share_index (const keys_share_t *self)
{
    assert (self);
    return self->index;
}

unsigned
keys_share_threshold (const keys_share_t *self)
{
    assert (self);
    return self->threshold;
}

unsigned
keys_share_count (const keys_share_t *self)
{
    assert (self);
    return self->count;
}

const uint8_t *
keys_share_sign_pk (const keys_share_t *self)
{
    assert (self);
    return self->sign_pk;
}

const uint8_t *
keys_share_box_pk (const keys_share_t *self)
{
    assert (self);
    return self->box_pk;
}

const uint8_t *
keys_share_split_id (const keys_share_t *self)
{
    assert (self);
    return self->split_id;
}

const char *
keys_share_text (const keys_share_t *self)
{
    assert (self);
    return self->text;
}

//  --------------------------------------------------------------------------
//  Selftest helpers.

/* Parse text that must be refused, with a reason naming `line` and
   containing `want` (if not NULL).                                          */
static void
s_expect_refused (const char *text, size_t len, unsigned line,
                  const char *want)
{
    char err[KEYS_SHARE_ERR_LEN];
    keys_share_t *share = keys_share_parse (text, len, err, sizeof err);
    char prefix[32];
    snprintf (prefix, sizeof prefix, "line %u: ", line);
    if (share || strncmp (err, prefix, strlen (prefix))
        || (want && !strstr (err, want))) {
        fprintf (stderr, "\nexpected refusal at line %u (%s), got %s: %s\n",
                 line, want ? want : "-", share ? "a share" : "refusal",
                 err);
        assert (false);
    }
}

/* The line (1-based) holding byte offset at of text.                        */
static unsigned
s_line_of (const char *text, size_t at)
{
    unsigned line = 1;
    for (size_t i = 0; i < at; i++)
        line += text[i] == '\n';
    return line;
}

/* Recover from the shares picked by the bits of mask.                       */
static keys_secret_t *
s_recover_mask (keys_share_t *shares[], unsigned count, unsigned mask,
                keys_share_result_t *result, size_t *picked)
{
    keys_share_t *subset[KEYS_SHARE_MAX];
    size_t n = 0;
    for (unsigned i = 0; i < count; i++)
        if (mask & (1u << i))
            subset[n++] = shares[i];
    *picked = n;
    char err[KEYS_SHARE_ERR_LEN];
    return keys_share_recover (subset, n, NULL, result, err, sizeof err);
}

static bool
s_same_key (const keys_secret_t *a, const keys_secret_t *b)
{
    return !memcmp (keys_secret_sign_seed (a), keys_secret_sign_seed (b),
                    PROTO_SEED_BYTES)
           && !memcmp (keys_secret_box_sk (a), keys_secret_box_sk (b),
                       PROTO_BOXSK_BYTES)
           && !memcmp (keys_secret_sign_pk (a), keys_secret_sign_pk (b),
                       PROTO_PK_BYTES);
}

void
keys_share_test (bool verbose)
{
    printf (" * keys_share: ");
    fflush (stdout);
    assert (keys_share_secret_bytes () == 64);
    assert (keys_share_text_max () == KEYS_SHARE_TEXT_MAX);
    assert (s_crc16 ("123456789", 9) == 0x29b1);

    uint8_t seed[PROTO_SEED_BYTES], box_sk[PROTO_BOXSK_BYTES];
    for (size_t i = 0; i < sizeof seed; i++) {
        seed[i] = (uint8_t) (0x11 * i);
        box_sk[i] = (uint8_t) (0x80 + i);
    }
    keys_secret_t *key = keys_secret_from_seeds (seed, box_sk);
    assert (key);
    uint8_t secret[KEYS_SHARE_SECRET_BYTES];
    memcpy (secret, seed, sizeof seed);
    memcpy (secret + sizeof seed, box_sk, sizeof box_sk);

    /* Split 3 of 5; every share records the keys and the split.            */
    keys_share_t *a[5], *b[5];
    assert (keys_share_split (key, 3, 5, a) == 0);
    for (unsigned i = 0; i < 5; i++) {
        assert (keys_share_index (a[i]) == i + 1);
        assert (keys_share_threshold (a[i]) == 3);
        assert (keys_share_count (a[i]) == 5);
        assert (!memcmp (keys_share_sign_pk (a[i]), keys_secret_sign_pk (key),
                         PROTO_PK_BYTES));
        assert (!memcmp (keys_share_box_pk (a[i]), keys_secret_box_pk (key),
                         PROTO_BOXPK_BYTES));
        assert (!memcmp (keys_share_split_id (a[i]),
                         keys_share_split_id (a[0]),
                         KEYS_SHARE_SPLIT_ID_BYTES));
        /* A share is not the secret, nor does it hold it in the clear.     */
        assert (memcmp (a[i]->data, secret, sizeof secret));
        assert (strlen (keys_share_text (a[i])) == a[i]->text_len);
        assert (a[i]->text_len < KEYS_SHARE_TEXT_MAX);
    }
    /* verbose prints nothing more: a share is secret material (STYLE §4). */

    /* Every subset of at least 3 recovers the identical key; every subset
       of 1 or 2 is refused, and interpolating 2 gives something else.      */
    size_t full = 0, short_sets = 0;
    for (unsigned mask = 1; mask < 32; mask++) {
        keys_share_result_t result = KEYS_SHARE_OK;
        size_t picked = 0;
        keys_secret_t *got = s_recover_mask (a, 5, mask, &result, &picked);
        if (picked >= 3) {
            assert (got && result == KEYS_SHARE_OK);
            assert (s_same_key (got, key));
            full++;
        }
        else {
            assert (!got && result == KEYS_SHARE_TOO_FEW);
            if (picked == 2) {
                keys_share_t *pair[2] = { NULL, NULL };
                size_t n = 0;
                for (unsigned i = 0; i < 5; i++)
                    if (mask & (1u << i))
                        pair[n++] = a[i];
                uint8_t guess[KEYS_SHARE_SECRET_BYTES];
                assert (s_interpolate (pair, 2, guess) == 0);
                assert (memcmp (guess, secret, PROTO_SEED_BYTES));
                assert (memcmp (guess + PROTO_SEED_BYTES, box_sk,
                                PROTO_BOXSK_BYTES));
                sodium_memzero (guess, sizeof guess);
                short_sets++;
            }
        }
        keys_secret_destroy (&got);
    }
    assert (full == 16 && short_sets == 10);   /* 10+5+1, and C(5,2) = 10  */
    char err[KEYS_SHARE_ERR_LEN];
    keys_share_result_t result = KEYS_SHARE_OK;
    keys_share_t *two[2] = { a[3], a[1] };
    assert (!keys_share_recover (two, 2, NULL, &result, err, sizeof err));
    assert (result == KEYS_SHARE_TOO_FEW && strstr (err, "2 of 3 shares"));

    /* Files: 0600, parse back identical, never overwritten.                */
    const char *tmp = getenv ("TMPDIR");
    char dir[4096], path[4200], path2[4200];
    snprintf (dir, sizeof dir, "%s/keys_share_XXXXXX",
              tmp && *tmp ? tmp : "/tmp");
    assert (mkdtemp (dir));
    snprintf (path, sizeof path, "%s/share-01-of-05.txt", dir);
    snprintf (path2, sizeof path2, "%s/missing.txt", dir);
    assert (keys_share_save (a[0], path) == 0);
    struct stat st;
    assert (stat (path, &st) == 0 && (st.st_mode & 07777) == 0600);
    assert (keys_share_save (a[1], path) == -1 && errno == EEXIST);
    keys_share_t *loaded = keys_share_load (path, err, sizeof err);
    assert (loaded);
    assert (!strcmp (keys_share_text (loaded), keys_share_text (a[0])));
    assert (!memcmp (loaded->data, a[0]->data, sizeof loaded->data));
    keys_share_destroy (&loaded);
    assert (!keys_share_load (path2, err, sizeof err));
    assert (strstr (err, "cannot open"));
    assert (!keys_share_load (dir, err, sizeof err));
    assert (unlink (path) == 0);
    assert (rmdir (dir) == 0);

    /* The text: one changed character anywhere is refused on its line,
       whatever it is changed to (another hex digit, a letter, a line
       break), and so is a deleted one.                                      */
    char text[KEYS_SHARE_TEXT_MAX + 1];
    size_t len = a[1]->text_len;
    memcpy (text, a[1]->text, len + 1);
    assert (s_line_of (text, len - 1) == S_LINES);
    for (size_t at = 0; at < len; at++) {
        char was = text[at];
        int digit = s_nibble (was);
        char subs[3] = { digit >= 0 ? "0123456789abcdef"[(digit + 1) % 16]
                                    : 'a',
                         was == 'Z' ? 'Y' : 'Z', '\n' };
        if (was == 'a')
            subs[0] = 'b';
        for (int s = 0; s < 3; s++) {
            if (subs[s] == was)
                continue;
            text[at] = subs[s];
            s_expect_refused (text, len, s_line_of (text, at), NULL);
        }
        text[at] = was;
        memmove (text + at, text + at + 1, len - at);      /* delete it    */
        if (at < len - 1)
            s_expect_refused (text, len - 1, s_line_of (text, at), NULL);
        memmove (text + at + 1, text + at, len - at);
        text[at] = was;
    }
    assert (!strcmp (text, a[1]->text));
    /* A mistyped data digit names the line and its check.                   */
    char *data3 = strstr (text, "data-3: ") + 8;
    *data3 = *data3 == '0' ? '1' : '0';
    s_expect_refused (text, len, 10, "does not match its check");
    *data3 = a[1]->text[data3 - text];
    /* Truncated anywhere is refused; only the final LF may be missing.     */
    for (size_t cut = 0; cut + 1 < len; cut++)
        s_expect_refused (text, cut, s_line_of (text, cut), NULL);
    s_expect_refused (text, 0, 1, "truncated");
    char *at_data2 = strstr (text, "data-2:");
    s_expect_refused (text, (size_t) (at_data2 - text), 9,
                      "the share is truncated");
    keys_share_t *no_lf = keys_share_parse (text, len - 1, err, sizeof err);
    assert (no_lf && !strcmp (keys_share_text (no_lf), text));
    keys_share_destroy (&no_lf);
    /* Trailing text, CRLF, an upper-case digit, oversize.                    */
    char longer[KEYS_SHARE_TEXT_MAX + 16];
    memcpy (longer, text, len);
    memcpy (longer + len, "\n", 1);
    s_expect_refused (longer, len + 1, S_LINES + 1, "after the checksum");
    memcpy (longer, text, len);
    memcpy (longer + len - 1, "\r\n", 2);
    s_expect_refused (longer, len + 1, S_LINES, "carriage return");
    s_expect_refused (text, KEYS_SHARE_TEXT_MAX + 1, 1, "longer");
    /* Two checked lines swapped: each intact, but out of order.            */
    char *l3 = strstr (text, "sign-key: "), *l4 = strstr (text, "box-key: ");
    char *l5 = strstr (text, "split: ");
    char swapped[KEYS_SHARE_TEXT_MAX + 1];
    size_t n3 = (size_t) (l4 - l3), n4 = (size_t) (l5 - l4);
    memcpy (swapped, text, len + 1);
    memcpy (swapped + (l3 - text), l4, n4);
    memcpy (swapped + (l3 - text) + n4, l3, n3);
    s_expect_refused (swapped, len, 3, "out of order");
    /* A whole data line from another share: intact, but the checksum.      */
    memcpy (swapped, text, len + 1);
    char *mine = strstr (swapped, "data-2: ");
    const char *theirs = strstr (a[2]->text, "data-2: ");
    memcpy (mine, theirs, (size_t) (strchr (theirs, '\n') - theirs));
    s_expect_refused (swapped, len, S_LINE_SUM, "mixed");

    /* Shares of two splits of the same key are refused as mismatched, and
       the message names the odd one.                                        */
    assert (keys_share_split (key, 3, 5, b) == 0);
    assert (memcmp (keys_share_split_id (a[0]), keys_share_split_id (b[0]),
                    KEYS_SHARE_SPLIT_ID_BYTES));
    const char *names[3] = { "alice.txt", "bob.txt", "carol.txt" };
    keys_share_t *mixed[3] = { a[0], a[1], b[2] };
    assert (!keys_share_recover (mixed, 3, names, &result, err, sizeof err));
    assert (result == KEYS_SHARE_MISMATCH);
    assert (strstr (err, "different splits") && strstr (err, "carol.txt"));
    /* ... even when the shares alone would make up the threshold.          */
    keys_share_t *mixed4[4] = { a[0], a[1], a[3], b[2] };
    assert (!keys_share_recover (mixed4, 4, NULL, &result, err, sizeof err));
    assert (result == KEYS_SHARE_MISMATCH && strstr (err, "share #4"));

    /* Shares of another key.                                                */
    keys_secret_t *other = keys_secret_generate ();
    keys_share_t *c[2];
    assert (other && keys_share_split (other, 2, 2, c) == 0);
    keys_share_t *keys2[3] = { a[0], c[0], a[1] };
    assert (!keys_share_recover (keys2, 3, names, &result, err, sizeof err));
    assert (result == KEYS_SHARE_MISMATCH && strstr (err, "bob.txt")
            && strstr (err, "one key"));
    /* 2 of 2 works.                                                          */
    keys_secret_t *got = keys_share_recover (c, 2, NULL, &result, err,
                                             sizeof err);
    assert (got && s_same_key (got, other));
    keys_secret_destroy (&got);

    /* The same share twice.                                                 */
    keys_share_t *dup[3] = { a[0], a[2], a[0] };
    assert (!keys_share_recover (dup, 3, names, &result, err, sizeof err));
    assert (result == KEYS_SHARE_DUPLICATE);
    assert (strstr (err, "alice.txt") && strstr (err, "carol.txt")
            && strstr (err, "share 1 of 5"));
    keys_share_t *copy = keys_share_parse (a[2]->text, a[2]->text_len, err,
                                           sizeof err);
    keys_share_t *dup2[3] = { a[2], a[4], copy };
    assert (!keys_share_recover (dup2, 3, NULL, &result, err, sizeof err));
    assert (result == KEYS_SHARE_DUPLICATE);
    keys_share_destroy (&copy);

    /* A wrong k or n, rewritten with valid checks (a forgery, or a buggy
       writer): refused as mismatched next to genuine shares.                */
    keys_share_t *forged = s_alloc ();
    assert (forged);
    memcpy (forged, a[4], sizeof *forged);
    forged->threshold = 2;
    s_format (forged);
    keys_share_t *reparsed = keys_share_parse (forged->text, forged->text_len,
                                               err, sizeof err);
    assert (reparsed && keys_share_threshold (reparsed) == 2);
    keys_share_t *wrong_k[3] = { a[0], a[1], reparsed };
    assert (!keys_share_recover (wrong_k, 3, names, &result, err, sizeof err));
    assert (result == KEYS_SHARE_MISMATCH && strstr (err, "carol.txt")
            && strstr (err, "2 of 5"));
    keys_share_destroy (&reparsed);
    forged->threshold = 3;
    forged->count = 6;
    s_format (forged);
    reparsed = keys_share_parse (forged->text, forged->text_len, err,
                                 sizeof err);
    assert (reparsed);
    keys_share_t *wrong_n[3] = { reparsed, a[1], a[2] };
    assert (!keys_share_recover (wrong_n, 3, NULL, &result, err, sizeof err));
    assert (result == KEYS_SHARE_MISMATCH && strstr (err, "3 of 6"));
    keys_share_destroy (&reparsed);
    /* Impossible headers are refused on their line.                          */
    forged->count = 5;
    forged->threshold = 6;
    s_format (forged);
    s_expect_refused (forged->text, forged->text_len, S_LINE_THRESHOLD,
                      "threshold \"6\"");
    forged->threshold = 1;
    s_format (forged);
    s_expect_refused (forged->text, forged->text_len, S_LINE_THRESHOLD, NULL);
    forged->threshold = 3;
    forged->index = 6;
    s_format (forged);
    s_expect_refused (forged->text, forged->text_len, S_LINE_SHARE,
                      "6 of 5");
    /* A consistent forgery of k: two shares both claiming "any 2" pass
       every check but the last one: the keys they rebuild are not the
       recorded keys.                                                         */
    keys_share_t *pair[2] = { s_alloc (), s_alloc () };
    assert (pair[0] && pair[1]);
    memcpy (pair[0], a[0], sizeof *pair[0]);
    memcpy (pair[1], a[3], sizeof *pair[1]);
    pair[0]->threshold = pair[1]->threshold = 2;
    assert (!keys_share_recover (pair, 2, NULL, &result, err, sizeof err));
    assert (result == KEYS_SHARE_WRONG_KEY && strstr (err, "altered"));
    /* So is one altered share byte among correct headers.                   */
    forged->index = 5;
    forged->data[7] ^= 0x01;
    s_format (forged);
    keys_share_t *bad_data[3] = { a[0], a[1], forged };
    assert (!keys_share_recover (bad_data, 3, NULL, &result, err, sizeof err));
    assert (result == KEYS_SHARE_WRONG_KEY);
    /* Shares that agree on a box-key that is not the key's: the sign key
       alone must not vouch for the result.                                  */
    keys_share_t *boxed[3] = { s_alloc (), s_alloc (), s_alloc () };
    for (unsigned i = 0; i < 3; i++) {
        assert (boxed[i]);
        memcpy (boxed[i], a[i], sizeof *boxed[i]);
        boxed[i]->box_pk[5] ^= 0x20;
    }
    assert (!keys_share_recover (boxed, 3, NULL, &result, err, sizeof err));
    assert (result == KEYS_SHARE_WRONG_KEY);
    keys_share_t *one_boxed[3] = { a[0], a[1], boxed[2] };
    assert (!keys_share_recover (one_boxed, 3, NULL, &result, err,
                                 sizeof err));
    assert (result == KEYS_SHARE_MISMATCH && strstr (err, "share #3"));
    for (unsigned i = 0; i < 3; i++)
        keys_share_destroy (&boxed[i]);
    /* A fingerprint that does not match the sign-key.                       */
    forged->data[7] ^= 0x01;
    forged->sign_pk[0] ^= 0x01;
    s_format (forged);
    memcpy (text, forged->text, forged->text_len + 1);
    const char *good_line = strstr (a[4]->text, "fingerprint: ");
    memcpy (strstr (text, "fingerprint: "), good_line,
            (size_t) (strchr (good_line, '\n') - good_line));
    /* Reseal the checksum over the edited lines.                           */
    char *sum_line = strstr (text, "checksum: ");
    uint8_t hash[PROTO_HASH_BYTES];
    proto_hash (hash, text, (size_t) (sum_line - text));
    proto_hex_encode (sum_line + 10, hash, S_SUM_BYTES);
    sum_line[10 + 2 * S_SUM_BYTES] = '\n';
    s_expect_refused (text, forged->text_len, S_LINE_FPR,
                      "does not match the sign-key");
    keys_share_destroy (&forged);
    keys_share_destroy (&pair[0]);
    keys_share_destroy (&pair[1]);

    /* The limits: 2 of 255 (first and last share), 255 of 255.              */
    keys_share_t *many[KEYS_SHARE_MAX];
    assert (keys_share_split (key, 2, KEYS_SHARE_MAX, many) == 0);
    assert (strstr (keys_share_text (many[254]), "share: 255 of 255 ~"));
    keys_share_t *ends[2] = { many[254], many[0] };
    got = keys_share_recover (ends, 2, NULL, &result, err, sizeof err);
    assert (got && s_same_key (got, key));
    keys_secret_destroy (&got);
    for (unsigned i = 0; i < KEYS_SHARE_MAX; i++)
        keys_share_destroy (&many[i]);
    assert (keys_share_split (key, KEYS_SHARE_MAX, KEYS_SHARE_MAX, many)
            == 0);
    got = keys_share_recover (many, KEYS_SHARE_MAX, NULL, &result, err,
                              sizeof err);
    assert (got && s_same_key (got, key));
    keys_secret_destroy (&got);
    got = keys_share_recover (many + 1, KEYS_SHARE_MAX - 1, NULL, &result,
                              err, sizeof err);
    assert (!got && result == KEYS_SHARE_TOO_FEW && strstr (err, "254 of"));
    for (unsigned i = 0; i < KEYS_SHARE_MAX; i++)
        keys_share_destroy (&many[i]);

    for (unsigned i = 0; i < 5; i++) {
        keys_share_destroy (&a[i]);
        keys_share_destroy (&b[i]);
    }
    assert (a[0] == NULL);
    keys_share_destroy (&a[0]);
    keys_share_destroy (&c[0]);
    keys_share_destroy (&c[1]);
    keys_secret_destroy (&other);
    keys_secret_destroy (&key);
    sodium_memzero (secret, sizeof secret);
    sodium_memzero (seed, sizeof seed);
    sodium_memzero (box_sk, sizeof box_sk);
    printf ("OK\n");
}
