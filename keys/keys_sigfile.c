/* SPDX-License-Identifier: MPL-2.0 */
/* keys_sigfile: detached roster signature files. */

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys_io.h"
#include "keys_sigfile.h"

#define SIGFILE_FIELDS 6

static const char *s_fields[SIGFILE_FIELDS] = {
    "ceptoar-roster-signature", "roster-version", "roster-hash", "signer",
    "sign-key", "signature",
};

char *
keys_sigfile_format (const keys_sigfile_t *self)
{
    assert (self);
    if (!keys_name_valid (self->signer))
        return NULL;
    char hash[2 * PROTO_HASH_BYTES + 1];
    char pk[2 * PROTO_PK_BYTES + 1];
    char sig[2 * PROTO_SIG_BYTES + 1];
    proto_hex_encode (hash, self->roster_hash, PROTO_HASH_BYTES);
    proto_hex_encode (pk, self->sign_pk, PROTO_PK_BYTES);
    proto_hex_encode (sig, self->sig, PROTO_SIG_BYTES);
    size_t cap = 512;
    char *text = malloc (cap);
    if (!text)
        return NULL;
    snprintf (text, cap,
              "%s: 1\n%s: %" PRIu64 "\n%s: %s\n%s: %s\n%s: %s\n%s: %s\n",
              s_fields[0], s_fields[1], self->roster_version, s_fields[2],
              hash, s_fields[3], self->signer, s_fields[4], pk, s_fields[5],
              sig);
    return text;
}

int
keys_sigfile_parse (keys_sigfile_t *self, const char *text, size_t len,
                    char *err, size_t errlen)
{
    assert (self);
    assert (text);
    memset (self, 0, sizeof *self);
    const char *cursor = text;
    const char *end = text + len;
    for (size_t field = 0; field < SIGFILE_FIELDS; field++) {
        size_t line_no = field + 1;
        const char *eol = memchr (cursor, '\n', (size_t) (end - cursor));
        if (!eol) {
            keys_io_error (err, errlen,
                           "line %zu: expected '%s:' (file ends early)",
                           line_no, s_fields[field]);
            return -1;
        }
        size_t name_len = strlen (s_fields[field]);
        size_t line_len = (size_t) (eol - cursor);
        if (line_len < name_len + 2 || memcmp (cursor, s_fields[field],
                                               name_len) != 0
            || cursor[name_len] != ':' || cursor[name_len + 1] != ' ') {
            keys_io_error (err, errlen, "line %zu: expected '%s: ...'", line_no,
                           s_fields[field]);
            return -1;
        }
        char value[2 * PROTO_SIG_BYTES + 2];
        size_t value_len = line_len - name_len - 2;
        if (value_len == 0 || value_len >= sizeof value) {
            keys_io_error (err, errlen,
                           "line %zu: '%s' has a value of the wrong "
                           "length",
                           line_no, s_fields[field]);
            return -1;
        }
        memcpy (value, cursor + name_len + 2, value_len);
        value[value_len] = 0;
        //  A NUL inside a value would hide what follows it from every check.
        int bad = memchr (value, 0, value_len) != NULL;
        //  Hex is lowercase in every ceptoar format: one encoding per value.
        if (field == 2 || field >= 4)
            for (size_t i = 0; i < value_len; i++)
                if (value[i] >= 'A' && value[i] <= 'F')
                    bad = 1;
        switch (field) {
        case 0:
            bad = bad || strcmp (value, "1") != 0;
            break;
        case 1: {
            //  Canonical decimal: digits only, no sign, space or leading 0.
            char *stop;
            errno = 0;
            unsigned long long version = strtoull (value, &stop, 10);
            bad = bad || *stop || value[0] < '1' || value[0] > '9'
                  || version == 0 || errno == ERANGE;
            self->roster_version = version;
            break;
        }
        case 2:
            bad = bad || proto_hex_decode (self->roster_hash, PROTO_HASH_BYTES,
                                    value);
            break;
        case 3:
            bad = bad || value_len > KEYS_NAME_MAX
                  || !keys_name_valid (value);
            if (!bad)
                memcpy (self->signer, value, value_len + 1);
            break;
        case 4:
            bad = bad
                  || proto_hex_decode (self->sign_pk, PROTO_PK_BYTES, value);
            break;
        default:
            bad = bad || proto_hex_decode (self->sig, PROTO_SIG_BYTES, value);
            break;
        }
        if (bad) {
            //  The value is untrusted: quote it printable and short, so a
            //  signature file cannot send escape sequences to a terminal.
            char quoted[KEYS_IO_QUOTE_MAX + 4];
            keys_io_error (err, errlen, "line %zu: invalid %s \"%s\"", line_no,
                           s_fields[field],
                           keys_io_quote (quoted, value, value_len));
            return -1;
        }
        cursor = eol + 1;
    }
    if (cursor != end) {
        keys_io_error (err, errlen,
                       "line %d: unexpected text after the signature",
                       SIGFILE_FIELDS + 1);
        return -1;
    }
    return 0;
}

void
keys_sigfile_test (bool verbose)
{
    printf (" * keys_sigfile: ");
    keys_sigfile_t sigfile;
    memset (&sigfile, 0, sizeof sigfile);
    sigfile.roster_version = 7;
    randombytes_buf (sigfile.roster_hash, sizeof sigfile.roster_hash);
    randombytes_buf (sigfile.sign_pk, sizeof sigfile.sign_pk);
    randombytes_buf (sigfile.sig, sizeof sigfile.sig);
    strcpy (sigfile.signer, "T-CEPTOAR");
    char *text = keys_sigfile_format (&sigfile);
    assert (text);
    if (verbose)
        printf ("\n%s", text);

    keys_sigfile_t parsed;
    char err[256];
    assert (keys_sigfile_parse (&parsed, text, strlen (text), err,
                                sizeof err) == 0);
    //  Whole values compared on purpose: decoding memsets them first.
    // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
    assert (memcmp (&parsed, &sigfile, sizeof parsed) == 0);

    //  Every truncation is refused.
    for (size_t cut = 0; cut < strlen (text); cut++)
        assert (keys_sigfile_parse (&parsed, text, cut, err, sizeof err)
                == -1);
    //  Trailing text, a bad hex digit, a zero or signed version are refused.
    char *longer = malloc (strlen (text) + 8);
    sprintf (longer, "%sjunk\n", text);
    assert (keys_sigfile_parse (&parsed, longer, strlen (longer), err,
                                sizeof err) == -1);
    free (longer);
    char *bad = strdup (text);
    //  The line that starts with "signature: " (not the first line's tail).
    char *sig_line = strstr (bad, "\nsignature: ") + 1;
    sig_line[11] = 'g';
    assert (keys_sigfile_parse (&parsed, bad, strlen (bad), err, sizeof err)
            == -1);
    assert (strstr (err, "line 6"));
    strcpy (bad, text);
    char *version = strstr (bad, "roster-version: 7");
    version[16] = '0';
    assert (keys_sigfile_parse (&parsed, bad, strlen (bad), err, sizeof err)
            == -1);
    //  Uppercase hex and a padded version are not canonical.
    strcpy (bad, text);
    sig_line = strstr (bad, "\nsign-key: ") + 1;
    sig_line[10] = (char) toupper ((unsigned char) sig_line[10]) == sig_line[10]
                       ? 'A' : (char) toupper ((unsigned char) sig_line[10]);
    assert (keys_sigfile_parse (&parsed, bad, strlen (bad), err, sizeof err)
            == -1);
    char *padded = malloc (strlen (text) + 2);
    version = strstr (text, "roster-version: ");
    size_t head = (size_t) (version - text) + 16;
    memcpy (padded, text, head);
    padded[head] = ' ';
    strcpy (padded + head + 1, text + head);
    assert (keys_sigfile_parse (&parsed, padded, strlen (padded), err,
                                sizeof err) == -1);
    free (padded);
    //  A NUL inside a value, and a version past 64 bits, are refused.
    char *nul = malloc (strlen (text) + 8);
    assert (nul);
    size_t text_len = strlen (text);
    memcpy (nul, text, text_len + 1);       //  with the NUL, for strstr
    char *signer = strstr (nul, "\nsigner: ") + 9;
    memmove (signer + 2, signer, text_len - (size_t) (signer - nul));
    signer[0] = 'X';
    signer[1] = 0;
    assert (keys_sigfile_parse (&parsed, nul, text_len + 2, err, sizeof err)
            == -1);
    free (nul);
    const char *huge = "ceptoar-roster-signature: 1\n"
                       "roster-version: 99999999999999999999\n";
    char *overflow = malloc (strlen (text) + 32);
    strcpy (overflow, huge);
    strcat (overflow, strstr (text, "roster-hash: "));
    assert (keys_sigfile_parse (&parsed, overflow, strlen (overflow), err,
                                sizeof err) == -1);
    assert (strstr (err, "line 2"));
    free (overflow);
    //  An invalid value is quoted without control characters.
    const char *escape = "ceptoar-roster-signature: \x1b[31m\n";
    assert (keys_sigfile_parse (&parsed, escape, strlen (escape), err,
                                sizeof err) == -1);
    assert (!strchr (err, 0x1b));
    free (bad);
    //  A name that is not a valid member name cannot be formatted.
    strcpy (sigfile.signer, "bad name");
    assert (keys_sigfile_format (&sigfile) == NULL);
    free (text);
    printf ("OK\n");
}
