/* SPDX-License-Identifier: MPL-2.0 */
/* keys_card: a node's public identity card as strict, readable text. */

/* A card is what a node's custodian hands to the Council to be admitted:
   name, sector, both public keys, endpoints and the fingerprint that
   people compare by phone or on paper (docs/formats.md, "Identity card").
   The card itself is not signed: it is vouched for by the custodians who
   put it into a signed roster. Parsing is strict so that what a person
   reads is exactly what the roster gets; every refusal names the line and
   quotes the value.

   This module also owns the two validity rules that the roster shares:
   member names and endpoints.                                               */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys_card.h"
#include "keys_io.h"

#define S_VALUE_MAX 300         /* longest value any card field may have   */
#define S_PK_HEX_LEN (2 * PROTO_PK_BYTES)

/* The fields, in the only order they may appear.                            */
typedef enum {
    F_CARD = 0,
    F_NAME,
    F_SECTOR,
    F_SIGN_KEY,
    F_BOX_KEY,
    F_ENDPOINT,
    F_FINGERPRINT,
    F_COUNT
} s_field_t;

static const char *const s_field_names[F_COUNT] = {
    "ceptoar-card", "name",     "sector",     "sign-key",
    "box-key",      "endpoint", "fingerprint"
};

static bool
s_is_alnum (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

static bool
s_is_lower_hex (const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* ------------------------------------------------------------------------
   1..KEYS_NAME_MAX characters of [A-Za-z0-9._-], the first alphanumeric.   */
bool
keys_name_valid (const char *name)
{
    if (!name)
        return false;
    size_t len = strnlen (name, KEYS_NAME_MAX + 1);
    if (len == 0 || len > KEYS_NAME_MAX || !s_is_alnum (name[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!s_is_alnum (name[i]) && name[i] != '.' && name[i] != '_'
            && name[i] != '-')
            return false;
    return true;
}

/* ------------------------------------------------------------------------
   True if host[0..len) is a DNS name or IPv4 address ([A-Za-z0-9.-],
   starting alphanumeric) or a bracketed IPv6 address.                       */
static bool
s_host_valid (const char *host, size_t len)
{
    if (len == 0)
        return false;
    if (host[0] == '[') {
        if (len < 3 || host[len - 1] != ']')
            return false;
        for (size_t i = 1; i < len - 1; i++) {
            char c = host[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                  || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
                return false;
        }
        return true;
    }
    if (!s_is_alnum (host[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!s_is_alnum (host[i]) && host[i] != '.' && host[i] != '-')
            return false;
    return true;
}

/* ------------------------------------------------------------------------
   "tcp://HOST:PORT" (PORT 1..65535, no leading zero) or "ipc://PATH"
   (printable ASCII, no spaces), at most KEYS_ENDPOINT_MAX characters. A
   card names where peers connect, so no "*" wildcard.                       */
bool
keys_endpoint_valid (const char *endpoint)
{
    if (!endpoint)
        return false;
    size_t len = strnlen (endpoint, KEYS_ENDPOINT_MAX + 1);
    if (len > KEYS_ENDPOINT_MAX)
        return false;
    if (!strncmp (endpoint, "ipc://", 6)) {
        if (len == 6)
            return false;
        for (size_t i = 6; i < len; i++)
            if (endpoint[i] <= 0x20 || endpoint[i] >= 0x7f)
                return false;
        return true;
    }
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6;
    const char *colon = strrchr (host, ':');
    if (!colon)
        return false;
    const char *port = colon + 1;
    size_t port_len = strlen (port);
    if (port_len < 1 || port_len > 5 || port[0] == '0')
        return false;
    unsigned long value = 0;
    for (size_t i = 0; i < port_len; i++) {
        if (port[i] < '0' || port[i] > '9')
            return false;
        value = value * 10 + (unsigned long) (port[i] - '0');
    }
    return value <= 65535 && s_host_valid (host, (size_t) (colon - host));
}

/* ------------------------------------------------------------------------
   Append to a fixed buffer; returns false once it is full.                  */
static bool
s_append (char *buf, size_t cap, size_t *len, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

static bool
s_append (char *buf, size_t cap, size_t *len, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int n = vsnprintf (buf + *len, cap - *len, format, args);
    va_end (args);
    if (n < 0 || (size_t) n >= cap - *len)
        return false;
    *len += (size_t) n;
    return true;
}

/* ------------------------------------------------------------------------
   The card's text; caller frees. NULL if a field is invalid.                */
char *
keys_card_format (const keys_card_t *self)
{
    assert (self);
    const char *sector = proto_sector_name (self->sector);
    if (!keys_name_valid (self->name) || !sector
        || self->endpoint_count > KEYS_ENDPOINTS_MAX)
        return NULL;
    for (size_t i = 0; i < self->endpoint_count; i++)
        if (!keys_endpoint_valid (self->endpoints[i]))
            return NULL;

    char sign_hex[S_PK_HEX_LEN + 1], box_hex[S_PK_HEX_LEN + 1];
    char fpr[PROTO_FPR_HEX_LEN + 1];
    proto_hex_encode (sign_hex, self->sign_pk, PROTO_PK_BYTES);
    proto_hex_encode (box_hex, self->box_pk, PROTO_BOXPK_BYTES);
    proto_fingerprint (fpr, self->sign_pk);

    char *text = malloc (KEYS_CARD_TEXT_MAX);
    if (!text)
        return NULL;
    size_t len = 0;
    bool ok = s_append (text, KEYS_CARD_TEXT_MAX, &len,
                        "ceptoar-card: 1\nname: %s\nsector: %s\n"
                        "sign-key: %s\nbox-key: %s\n",
                        self->name, sector, sign_hex, box_hex);
    for (size_t i = 0; ok && i < self->endpoint_count; i++)
        ok = s_append (text, KEYS_CARD_TEXT_MAX, &len, "endpoint: %s\n",
                       self->endpoints[i]);
    ok = ok
         && s_append (text, KEYS_CARD_TEXT_MAX, &len, "fingerprint: %s\n",
                      fpr);
    if (!ok) {
        free (text);
        return NULL;
    }
    return text;
}

/* ------------------------------------------------------------------------
   Check one field's value and store it in card. line is for messages.
   Returns 0 or -1 with the reason in err.                                   */
static int
s_parse_value (keys_card_t *card, s_field_t field, unsigned line,
               const char *value, size_t len, char *err, size_t errlen)
{
    char quoted[KEYS_IO_QUOTE_MAX + 4];
    char copy[S_VALUE_MAX + 1];
    keys_io_quote (quoted, value, len);
    if (len > S_VALUE_MAX) {
        keys_io_error (err, errlen, "line %u: %s \"%s\" is too long", line,
                       s_field_names[field], quoted);
        return -1;
    }
    memcpy (copy, value, len);
    copy[len] = 0;

    switch (field) {
    case F_CARD:
        if (strcmp (copy, "1") != 0) {
            keys_io_error (err, errlen,
                           "line %u: unsupported card version \"%s\" "
                           "(this program reads version 1)",
                           line, quoted);
            return -1;
        }
        return 0;
    case F_NAME:
        if (len > KEYS_NAME_MAX) {
            keys_io_error (err, errlen,
                           "line %u: name \"%s\" is longer than %d characters",
                           line, quoted, KEYS_NAME_MAX);
            return -1;
        }
        if (!keys_name_valid (copy)) {
            keys_io_error (err, errlen,
                           "line %u: invalid name \"%s\" (use letters, digits, "
                           "'.', '_' and '-', starting with a letter or digit)",
                           line, quoted);
            return -1;
        }
        strcpy (card->name, copy);
        return 0;
    case F_SECTOR: {
        proto_sector_t sector = proto_sector_parse (copy);
        const char *canonical = proto_sector_name (sector);
        if (!canonical || strcmp (canonical, copy) != 0) {
            keys_io_error (err, errlen,
                           "line %u: unknown sector \"%s\" (sectors are "
                           "lowercase, e.g. telecom, non-life-insurance)",
                           line, quoted);
            return -1;
        }
        card->sector = sector;
        return 0;
    }
    case F_SIGN_KEY:
    case F_BOX_KEY: {
        uint8_t *key = field == F_SIGN_KEY ? card->sign_pk : card->box_pk;
        if (len != S_PK_HEX_LEN || !s_is_lower_hex (copy, len)
            || proto_hex_decode (key, PROTO_PK_BYTES, copy) != 0) {
            keys_io_error (
                err, errlen,
                "line %u: %s \"%s\" is not %d lowercase hex characters", line,
                s_field_names[field], quoted, S_PK_HEX_LEN);
            return -1;
        }
        return 0;
    }
    case F_ENDPOINT:
        if (len > KEYS_ENDPOINT_MAX) {
            keys_io_error (
                err, errlen,
                "line %u: endpoint \"%s\" is longer than %d characters", line,
                quoted, KEYS_ENDPOINT_MAX);
            return -1;
        }
        if (!keys_endpoint_valid (copy)) {
            keys_io_error (
                err, errlen,
                "line %u: invalid endpoint \"%s\" (use tcp://HOST:PORT "
                "or ipc://PATH)",
                line, quoted);
            return -1;
        }
        if (card->endpoint_count == KEYS_ENDPOINTS_MAX) {
            keys_io_error (err, errlen, "line %u: more than %d endpoints", line,
                           KEYS_ENDPOINTS_MAX);
            return -1;
        }
        strcpy (card->endpoints[card->endpoint_count++], copy);
        return 0;
    case F_FINGERPRINT: {
        char fpr[PROTO_FPR_HEX_LEN + 1];
        if (len != PROTO_FPR_HEX_LEN || !s_is_lower_hex (copy, len)) {
            keys_io_error (
                err, errlen,
                "line %u: fingerprint \"%s\" is not %d lowercase hex "
                "characters",
                line, quoted, PROTO_FPR_HEX_LEN);
            return -1;
        }
        proto_fingerprint (fpr, card->sign_pk);
        if (strcmp (fpr, copy) != 0) {
            keys_io_error (err, errlen,
                           "line %u: fingerprint \"%s\" does not match the "
                           "sign-key: the card is damaged or altered",
                           line, quoted);
            return -1;
        }
        return 0;
    }
    case F_COUNT:
        break;
    }
    assert (false);
    return -1;
}

/* ------------------------------------------------------------------------
   Parse a card. Lines end in LF (the last one may lack it); before the
   first field, blank lines and '#' comments may appear; after it, only
   fields in the fixed order.                                                */
int
keys_card_parse (keys_card_t *self, const char *text, size_t len, char *err,
                 size_t errlen)
{
    assert (self);
    assert (text || len == 0);
    keys_card_t card;
    memset (&card, 0, sizeof card);
    if (len > KEYS_CARD_TEXT_MAX) {
        keys_io_error (err, errlen, "card is longer than %d bytes",
                       KEYS_CARD_TEXT_MAX);
        return -1;
    }
    int last = -1;                      /* last field seen, -1 none yet */
    unsigned line = 0;
    size_t pos = 0;
    while (pos < len) {
        line++;
        const char *start = text + pos;
        const char *nl = memchr (start, '\n', len - pos);
        size_t line_len = nl ? (size_t) (nl - start) : len - pos;
        pos += line_len + (nl ? 1 : 0);
        char quoted[KEYS_IO_QUOTE_MAX + 4];
        keys_io_quote (quoted, start, line_len);

        /* cppcheck 2.10 reads the ?: above as line_len > 0; an empty line
           has 0. */
        /* cppcheck-suppress knownConditionTrueFalse */
        if (last < 0 && (line_len == 0 || start[0] == '#')) {
            if (!proto_utf8_valid ((const uint8_t *) start, line_len,
                                   false)) {
                keys_io_error (err, errlen,
                               "line %u: comment is not valid UTF-8 text",
                               line);
                return -1;
            }
            continue;
        }
        /* cppcheck-suppress knownConditionTrueFalse */
        if (line_len == 0 || start[0] == '#') {
            keys_io_error (
                err, errlen,
                "line %u: %s inside the card (blank lines and comments "
                "may only come before it)",
                /* cppcheck-suppress knownConditionTrueFalse */
                line, line_len ? "comment" : "blank line");
            return -1;
        }
        if (memchr (start, '\r', line_len)) {
            keys_io_error (
                err, errlen,
                "line %u: carriage return (save the card with LF line "
                "endings)",
                line);
            return -1;
        }
        for (size_t i = 0; i < line_len; i++)
            if (start[i] < 0x20 || start[i] > 0x7e) {
                keys_io_error (err, errlen,
                               "line %u: byte 0x%02x not allowed (cards are "
                               "printable ASCII)",
                               line, (unsigned) (unsigned char) start[i]);
                return -1;
            }
        const char *colon = memchr (start, ':', line_len);
        size_t name_len = colon ? (size_t) (colon - start) : 0;
        if (!colon || name_len + 3 > line_len || colon[1] != ' '
            || colon[2] == ' ' || start[line_len - 1] == ' ') {
            keys_io_error (err, errlen,
                           "line %u: expected \"field: value\", found \"%s\"",
                           line, quoted);
            return -1;
        }
        int field = -1;
        for (int f = 0; f < F_COUNT; f++)
            if (strlen (s_field_names[f]) == name_len
                && !memcmp (s_field_names[f], start, name_len))
                field = f;
        keys_io_quote (quoted, start, name_len);
        if (field < 0) {
            keys_io_error (err, errlen, "line %u: unknown field \"%s\"", line,
                           quoted);
            return -1;
        }
        /* Order: each field once, in order; endpoint may repeat or be
           absent.                                                           */
        bool endpoint_again = field == F_ENDPOINT && last == F_ENDPOINT;
        bool skip_endpoint = field == F_FINGERPRINT && last == F_BOX_KEY;
        if (!endpoint_again && !skip_endpoint && field != last + 1) {
            if (field <= last && field != F_ENDPOINT)
                keys_io_error (err, errlen, "line %u: duplicate field \"%s\"",
                               line, quoted);
            else if (last + 1 < F_COUNT)
                keys_io_error (err, errlen,
                               "line %u: field \"%s\" out of order (expected "
                               "\"%s\")",
                               line, quoted, s_field_names[last + 1]);
            else
                keys_io_error (err, errlen,
                               "line %u: field \"%s\" after the fingerprint",
                               line, quoted);
            return -1;
        }
        if (s_parse_value (&card, (s_field_t) field, line, colon + 2,
                           line_len - name_len - 2, err, errlen)
            != 0)
            return -1;
        last = field;
    }
    if (last != F_FINGERPRINT) {
        if (last < 0)
            keys_io_error (err, errlen, "not an identity card (no fields)");
        else
            keys_io_error (
                err, errlen, "line %u: card ends before field \"%s\"", line,
                s_field_names[last == F_BOX_KEY ? F_FINGERPRINT : last + 1]);
        return -1;
    }
    *self = card;
    return 0;
}

/* ------------------------------------------------------------------------
   Read and parse a card file.                                               */
int
keys_card_load (keys_card_t *self, const char *path, char *err, size_t errlen)
{
    assert (self);
    assert (path);
    char text[KEYS_CARD_TEXT_MAX + 1];
    FILE *file = fopen (path, "rb");
    if (!file) {
        keys_io_error (err, errlen, "cannot open %s: %s", path,
                       strerror (errno));
        return -1;
    }
    size_t len = fread (text, 1, sizeof text, file);
    bool failed = ferror (file);
    (void) fclose (file);
    if (failed) {
        keys_io_error (err, errlen, "cannot read %s", path);
        return -1;
    }
    if (len > KEYS_CARD_TEXT_MAX) {
        keys_io_error (err, errlen, "%s: longer than %d bytes, not a card",
                       path, KEYS_CARD_TEXT_MAX);
        return -1;
    }
    char reason[256];
    if (keys_card_parse (self, text, len, reason, sizeof reason) != 0) {
        keys_io_error (err, errlen, "%s: %s", path, reason);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Write a new card file (mode 0644, never replacing one), synced to disk.  */
int
keys_card_save (const keys_card_t *self, const char *path, char *err,
                size_t errlen)
{
    assert (self);
    assert (path);
    char *text = keys_card_format (self);
    if (!text) {
        keys_io_error (err, errlen, "the card has an invalid field");
        return -1;
    }
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0644);
    if (fd < 0) {
        keys_io_error (
            err, errlen, "cannot create %s: %s%s", path, strerror (errno),
            errno == EEXIST ? " (remove it or choose another name)" : "");
        free (text);
        return -1;
    }
    size_t len = strlen (text), done = 0;
    int rc = fchmod (fd, 0644);
    while (rc == 0 && done < len) {
        ssize_t n = write (fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = -1;
        else
            done += (size_t) n;
    }
    if (rc == 0)
        rc = fsync (fd);
    if (close (fd) != 0)
        rc = -1;
    free (text);
    if (rc != 0) {
        keys_io_error (err, errlen, "cannot write %s: %s", path,
                       strerror (errno));
        unlink (path);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
   Selftest: parse text built by replacing one line of a good card, and
   expect a refusal whose reason contains want.                              */
static void
s_expect_refused (const char *text, const char *want, bool verbose)
{
    keys_card_t card;
    char err[256] = "";
    assert (keys_card_parse (&card, text, strlen (text), err, sizeof err)
            == -1);
    if (verbose)
        printf ("\n     refused: %s", err);
    if (!strstr (err, want)) {
        fprintf (stderr, "\nexpected \"%s\" in \"%s\"\n", want, err);
        assert (false);
    }
}

/* Replace the first occurrence of from in base by to, into out.            */
static void
s_replace (char *out, size_t cap, const char *base, const char *from,
           const char *to)
{
    const char *at = strstr (base, from);
    assert (at);
    int n = snprintf (out, cap, "%.*s%s%s", (int) (at - base), base, to,
                      at + strlen (from));
    assert (n > 0 && (size_t) n < cap);
}

void
keys_card_test (bool verbose)
{
    printf (" * keys_card: ");
    fflush (stdout);

    keys_card_t card;
    memset (&card, 0, sizeof card);
    strcpy (card.name, "T-CEPTOAR");
    card.sector = PROTO_SECTOR_TELECOM;
    for (size_t i = 0; i < PROTO_PK_BYTES; i++) {
        card.sign_pk[i] = (uint8_t) i;
        card.box_pk[i] = (uint8_t) (0xff - i);
    }
    card.endpoint_count = 2;
    strcpy (card.endpoints[0], "tcp://127.0.0.1:7001");
    strcpy (card.endpoints[1], "ipc:///run/ceptoar/node.sock");

    /* Name and endpoint rules.                                              */
    assert (keys_name_valid ("T-CEPTOAR"));
    assert (keys_name_valid ("a"));
    assert (keys_name_valid ("node_1.x"));
    assert (!keys_name_valid (""));
    assert (!keys_name_valid ("-a"));
    assert (!keys_name_valid ("a b"));
    assert (!keys_name_valid ("東京"));
    assert (!keys_name_valid (NULL));
    char long_name[KEYS_NAME_MAX + 2];
    memset (long_name, 'n', sizeof long_name);
    long_name[KEYS_NAME_MAX] = 0;
    assert (keys_name_valid (long_name));
    long_name[KEYS_NAME_MAX] = 'n';
    long_name[KEYS_NAME_MAX + 1] = 0;
    assert (!keys_name_valid (long_name));
    assert (keys_endpoint_valid ("tcp://127.0.0.1:7001"));
    assert (keys_endpoint_valid ("tcp://node.example.jp:65535"));
    assert (keys_endpoint_valid ("tcp://[::1]:1"));
    assert (keys_endpoint_valid ("ipc://@abstract"));
    assert (!keys_endpoint_valid ("tcp://127.0.0.1:0"));
    assert (!keys_endpoint_valid ("tcp://127.0.0.1:65536"));
    assert (!keys_endpoint_valid ("tcp://127.0.0.1:07001"));
    assert (!keys_endpoint_valid ("tcp://127.0.0.1"));
    assert (!keys_endpoint_valid ("tcp://:7001"));
    assert (!keys_endpoint_valid ("tcp://*:7001"));
    assert (!keys_endpoint_valid ("tcp://a b:7001"));
    assert (!keys_endpoint_valid ("udp://127.0.0.1:7001"));
    assert (!keys_endpoint_valid ("ipc://"));
    assert (!keys_endpoint_valid ("ipc://a b"));
    assert (!keys_endpoint_valid (NULL));

    /* Round trip, with and without endpoints.                               */
    char *text = keys_card_format (&card);
    assert (text);
    keys_card_t parsed;
    char err[256];
    assert (keys_card_parse (&parsed, text, strlen (text), err, sizeof err)
            == 0);
    assert (!memcmp (&parsed.sign_pk, card.sign_pk, PROTO_PK_BYTES));
    char *again = keys_card_format (&parsed);
    assert (again && !strcmp (text, again));
    free (again);
    assert (!strcmp (parsed.name, "T-CEPTOAR"));
    assert (parsed.sector == PROTO_SECTOR_TELECOM);
    assert (!memcmp (parsed.box_pk, card.box_pk, PROTO_BOXPK_BYTES));
    assert (parsed.endpoint_count == 2);
    assert (!strcmp (parsed.endpoints[1], card.endpoints[1]));
    assert (!strncmp (text, "ceptoar-card: 1\nname: T-CEPTOAR\n"
                            "sector: telecom\nsign-key: 000102",
                      52));
    {
        keys_card_t bare = card;
        bare.endpoint_count = 0;
        char *bare_text = keys_card_format (&bare);
        assert (bare_text && !strstr (bare_text, "endpoint"));
        assert (keys_card_parse (&parsed, bare_text, strlen (bare_text), err,
                                 sizeof err)
                == 0);
        assert (parsed.endpoint_count == 0);
        free (bare_text);
    }

    /* Comments and blank lines before the card; no final LF.               */
    char buf[KEYS_CARD_TEXT_MAX + 512];
    snprintf (buf, sizeof buf, "# card of T-CEPTOAR (東京)\n\n%s", text);
    assert (keys_card_parse (&parsed, buf, strlen (buf), err, sizeof err)
            == 0);
    assert (keys_card_parse (&parsed, text, strlen (text) - 1, err,
                             sizeof err)
            == 0);

    /* Format refuses invalid fields.                                        */
    {
        keys_card_t bad = card;
        strcpy (bad.name, "bad name");
        assert (!keys_card_format (&bad));
        bad = card;
        bad.sector = (proto_sector_t) 99;
        assert (!keys_card_format (&bad));
        bad = card;
        bad.endpoint_count = KEYS_ENDPOINTS_MAX + 1;
        assert (!keys_card_format (&bad));
        bad = card;
        strcpy (bad.endpoints[0], "tcp://x");
        assert (!keys_card_format (&bad));
    }

    /* Every field error names the line and quotes the value.                */
    s_replace (buf, sizeof buf, text, "sector: telecom", "sector: telcom");
    s_expect_refused (buf, "line 3: unknown sector \"telcom\"", verbose);
    s_replace (buf, sizeof buf, text, "sector: telecom", "sector: Telecom");
    s_expect_refused (buf, "line 3: unknown sector \"Telecom\"", verbose);
    s_replace (buf, sizeof buf, text, "sign-key: 00", "sign-key: 0g");
    s_expect_refused (buf, "line 4: sign-key \"0g0102", verbose);
    s_replace (buf, sizeof buf, text, "sign-key: 00", "sign-key: 0");
    s_expect_refused (buf, "line 4: sign-key", verbose);
    s_replace (buf, sizeof buf, text, "box-key: ff", "box-key: FF");
    s_expect_refused (buf, "line 5: box-key \"FFfe", verbose);
    s_replace (buf, sizeof buf, text, "box-key: ff", "box-key: ffff");
    s_expect_refused (buf, "not 64 lowercase hex", verbose);
    s_replace (buf, sizeof buf, text, "fingerprint: ", "fingerprint: 0");
    s_expect_refused (buf, "line 8: fingerprint", verbose);
    {
        /* A valid-looking fingerprint of another key.                       */
        char fpr[PROTO_FPR_HEX_LEN + 1], other[PROTO_FPR_HEX_LEN + 1];
        proto_fingerprint (fpr, card.sign_pk);
        proto_fingerprint (other, card.box_pk);
        s_replace (buf, sizeof buf, text, fpr, other);
        s_expect_refused (buf, "does not match the sign-key", verbose);
        /* and the fingerprint really binds the sign-key: change a key
           byte and the old fingerprint is refused.                          */
        s_replace (buf, sizeof buf, text, "sign-key: 00", "sign-key: 01");
        s_expect_refused (buf, "line 8: fingerprint", verbose);
    }
    s_replace (buf, sizeof buf, text, "name: T-CEPTOAR\n",
               "name: T-CEPTOAR\ncolour: blue\n");
    s_expect_refused (buf, "line 3: unknown field \"colour\"", verbose);
    s_replace (buf, sizeof buf, text, "name: T-CEPTOAR\n",
               "name: T-CEPTOAR\nname: X\n");
    s_expect_refused (buf, "line 3: duplicate field \"name\"", verbose);
    s_replace (buf, sizeof buf, text, "sector: telecom\n",
               "sector: telecom\nsector: gas\n");
    s_expect_refused (buf, "line 4: duplicate field \"sector\"", verbose);
    s_replace (buf, sizeof buf, text, "name: T-CEPTOAR\nsector: telecom\n",
               "sector: telecom\nname: T-CEPTOAR\n");
    s_expect_refused (buf, "line 2: field \"sector\" out of order", verbose);
    s_replace (buf, sizeof buf, text, "fingerprint", "endpoint: ipc://x\n"
                                                     "fingerprint");
    assert (keys_card_parse (&parsed, buf, strlen (buf), err, sizeof err)
            == 0);                      /* endpoints may repeat in a row    */
    s_replace (buf, sizeof buf, text, "box-key", "endpoint: ipc://x\nbox-key");
    s_expect_refused (buf, "line 5: field \"endpoint\" out of order", verbose);
    s_replace (buf, sizeof buf, text, "\nendpoint: tcp", "\nendpoint:  tcp");
    s_expect_refused (buf, "line 6: expected \"field: value\"", verbose);
    s_replace (buf, sizeof buf, text, "\nendpoint: tcp", "\nendpoint: udp");
    s_expect_refused (buf, "line 6: invalid endpoint \"udp://127", verbose);
    s_replace (buf, sizeof buf, text, ":7001", ":70010");
    s_expect_refused (buf, "line 6: invalid endpoint", verbose);
    {
        /* A NUL or a control character cannot hide the rest of a value.   */
        char *nul = strdup (text);
        assert (nul);
        char *at = strstr (nul, "T-CEPTOAR");
        at[1] = 0;
        assert (keys_card_parse (&parsed, nul, strlen (text), err, sizeof err)
                == -1);
        assert (strstr (err, "line 2: byte 0x00 not allowed"));
        at[1] = '\t';
        assert (keys_card_parse (&parsed, nul, strlen (text), err, sizeof err)
                == -1);
        assert (strstr (err, "line 2: byte 0x09 not allowed"));
        free (nul);
    }
    s_replace (buf, sizeof buf, text, "name: T-CEPTOAR", "name: T CEPTOAR");
    s_expect_refused (buf, "line 2: invalid name \"T CEPTOAR\"", verbose);
    s_replace (buf, sizeof buf, text, "ceptoar-card: 1", "ceptoar-card: 2");
    s_expect_refused (buf, "line 1: unsupported card version \"2\"", verbose);
    s_replace (buf, sizeof buf, text, "name: T", "\nname: T");
    s_expect_refused (buf, "line 2: blank line inside", verbose);
    s_replace (buf, sizeof buf, text, "name: T", "# hi\nname: T");
    s_expect_refused (buf, "line 2: comment inside", verbose);
    s_replace (buf, sizeof buf, text, "name: T-CEPTOAR\n", "");
    s_expect_refused (buf, "line 2: field \"sector\" out of order", verbose);
    s_replace (buf, sizeof buf, text, "sector: telecom", "sector: telecom\r");
    s_expect_refused (buf, "line 3: carriage return", verbose);
    {
        char *cut = strstr (text, "fingerprint");
        snprintf (buf, sizeof buf, "%.*s", (int) (cut - text), text);
        s_expect_refused (buf, "ends before field \"fingerprint\"", verbose);
        snprintf (buf, sizeof buf, "%sendpoint: ipc://x\n", text);
        s_expect_refused (buf, "line 9: field \"endpoint\" after", verbose);
        snprintf (buf, sizeof buf, "%s\n", text);
        s_expect_refused (buf, "line 9: blank line inside the card", verbose);
        s_expect_refused ("# only a comment\n", "no fields", verbose);
    }

    /* Over-long name and endpoint; too many endpoints.                      */
    {
        char value[KEYS_ENDPOINT_MAX + 16];
        memset (value, 'n', KEYS_NAME_MAX + 1);
        value[KEYS_NAME_MAX + 1] = 0;
        char line[KEYS_ENDPOINT_MAX + 32];
        snprintf (line, sizeof line, "name: %s", value);
        s_replace (buf, sizeof buf, text, "name: T-CEPTOAR", line);
        s_expect_refused (buf, "line 2: name \"nnnn", verbose);
        s_expect_refused (buf, "longer than 64 characters", verbose);

        strcpy (value, "ipc://");
        memset (value + 6, 'p', KEYS_ENDPOINT_MAX - 6 + 1);
        value[KEYS_ENDPOINT_MAX + 1] = 0;
        snprintf (line, sizeof line, "endpoint: %s", value);
        s_replace (buf, sizeof buf, text, "endpoint: tcp://127.0.0.1:7001",
                   line);
        s_expect_refused (buf, "longer than 255 characters", verbose);
        value[KEYS_ENDPOINT_MAX] = 0;   /* exactly the limit is fine       */
        snprintf (line, sizeof line, "endpoint: %s", value);
        s_replace (buf, sizeof buf, text, "endpoint: tcp://127.0.0.1:7001",
                   line);
        assert (keys_card_parse (&parsed, buf, strlen (buf), err, sizeof err)
                == 0);

    }
    free (text);

    /* Exactly KEYS_ENDPOINTS_MAX parse; one more is refused.                */
    card.endpoint_count = KEYS_ENDPOINTS_MAX;
    for (size_t i = 0; i < KEYS_ENDPOINTS_MAX; i++)
        snprintf (card.endpoints[i], sizeof card.endpoints[i],
                  "tcp://10.0.0.%zu:7001", i + 1);
    text = keys_card_format (&card);
    assert (text);
    assert (keys_card_parse (&parsed, text, strlen (text), err, sizeof err)
            == 0);
    assert (parsed.endpoint_count == KEYS_ENDPOINTS_MAX);
    s_replace (buf, sizeof buf, text, "fingerprint",
               "endpoint: ipc://nine\nfingerprint");
    s_expect_refused (buf, "line 14: more than 8 endpoints", verbose);

    /* Files: save refuses to replace, load reports the path and line.      */
    const char *tmp = getenv ("TMPDIR");
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/keys_card_XXXXXX",
              tmp && *tmp ? tmp : "/tmp");
    assert (mkdtemp (dir));
    char path[4200], bad[4200];
    snprintf (path, sizeof path, "%s/node.card", dir);
    snprintf (bad, sizeof bad, "%s/bad.card", dir);
    assert (keys_card_save (&card, path, err, sizeof err) == 0);
    struct stat st;
    assert (stat (path, &st) == 0 && (st.st_mode & 0777) == 0644);
    assert (keys_card_save (&card, path, err, sizeof err) == -1);
    assert (strstr (err, "File exists"));
    memset (&parsed, 0, sizeof parsed);
    assert (keys_card_load (&parsed, path, err, sizeof err) == 0);
    char *reloaded = keys_card_format (&parsed);
    assert (reloaded && !strcmp (reloaded, text));
    free (reloaded);
    s_replace (buf, sizeof buf, text, "sector: telecom", "sector: telcom");
    FILE *file = fopen (bad, "w");
    assert (file);
    fputs (buf, file);
    assert (fclose (file) == 0);
    assert (keys_card_load (&parsed, bad, err, sizeof err) == -1);
    assert (strstr (err, "bad.card: line 3: unknown sector \"telcom\""));
    unlink (bad);
    assert (keys_card_load (&parsed, bad, err, sizeof err) == -1);
    assert (strstr (err, "cannot open"));
    free (text);
    unlink (path);
    assert (rmdir (dir) == 0);
    if (verbose)
        printf ("\n   ");
    printf ("OK\n");
}
