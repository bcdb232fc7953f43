/* SPDX-License-Identifier: MPL-2.0 */
/* proto_crypto: key and hash sizes, BLAKE2b-256 hashing, fingerprints, hex. */

/* The small crypto helpers every other module builds on: libsodium start-up,
   BLAKE2b-256 (crypto_generichash with a 32-byte output and no key), key
   fingerprints, strict hex, and the UTF-8 check used by every text field of
   the wire formats.

   It deliberately does no signing, sealing or key storage: proto_entry signs,
   proto_seal seals, and keys/ keeps secret keys.                            */

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "proto_crypto.h"

/* Domain tag of fingerprints: hashed before the key, without a NUL.         */
#define S_FPR_TAG     "ceptoar-fpr"
#define S_FPR_TAG_LEN (sizeof (S_FPR_TAG) - 1)

size_t
proto_pk_bytes (void)
{
    return PROTO_PK_BYTES;
}

size_t
proto_sig_bytes (void)
{
    return PROTO_SIG_BYTES;
}

size_t
proto_hash_bytes (void)
{
    return PROTO_HASH_BYTES;
}

/* ------------------------------------------------------------------------
   Starts libsodium (sodium_init returns 1 when already started).           */
int
proto_init (void)
{
    return sodium_init () < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------------
   BLAKE2b-256 of one buffer.                                                */
void
proto_hash (uint8_t out[PROTO_HASH_BYTES], const void *data, size_t len)
{
    assert (out);
    assert (data || len == 0);
    crypto_generichash (out, PROTO_HASH_BYTES, (const uint8_t *) data, len,
                        NULL, 0);
}

/* ------------------------------------------------------------------------
   BLAKE2b-256 of two buffers, streamed so nothing is copied.                */
void
proto_hash2 (uint8_t out[PROTO_HASH_BYTES], const void *a, size_t a_len,
             const void *b, size_t b_len)
{
    assert (out);
    assert (a || a_len == 0);
    assert (b || b_len == 0);
    crypto_generichash_state state;
    crypto_generichash_init (&state, NULL, 0, PROTO_HASH_BYTES);
    if (a_len)
        crypto_generichash_update (&state, (const uint8_t *) a, a_len);
    if (b_len)
        crypto_generichash_update (&state, (const uint8_t *) b, b_len);
    crypto_generichash_final (&state, out, PROTO_HASH_BYTES);
}

/* ------------------------------------------------------------------------
   Fingerprint: first 16 bytes of BLAKE2b-256("ceptoar-fpr" || pk), in hex.  */
void
proto_fingerprint (char out[PROTO_FPR_HEX_LEN + 1],
                   const uint8_t pk[PROTO_PK_BYTES])
{
    assert (out);
    assert (pk);
    uint8_t digest[PROTO_HASH_BYTES];
    proto_hash2 (digest, S_FPR_TAG, S_FPR_TAG_LEN, pk, PROTO_PK_BYTES);
    proto_hex_encode (out, digest, PROTO_FPR_BYTES);
}

/* ------------------------------------------------------------------------
   Lowercase hex; sodium_bin2hex runs in constant time, which matters when
   the caller prints a secret for a backup sheet.                            */
void
proto_hex_encode (char *out, const uint8_t *bin, size_t len)
{
    assert (out);
    assert (bin || len == 0);
    if (len == 0) {
        out[0] = '\0';
        return;
    }
    sodium_bin2hex (out, 2 * len + 1, bin, len);
}

static int
s_hex_nibble (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* ------------------------------------------------------------------------
   Strict hex: exactly 2 * len digits then NUL; no spaces, no prefix.
   sodium_hex2bin would accept a longer string, so we check it ourselves.    */
int
proto_hex_decode (uint8_t *bin, size_t len, const char *hex)
{
    assert (bin || len == 0);
    assert (hex);
    for (size_t i = 0; i < len; i++) {
        if (hex[2 * i] == '\0' || hex[2 * i + 1] == '\0')
            return -1;
        int hi = s_hex_nibble (hex[2 * i]);
        int lo = s_hex_nibble (hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        bin[i] = (uint8_t) (hi << 4 | lo);
    }
    return hex[2 * len] == '\0' ? 0 : -1;
}

/* ------------------------------------------------------------------------
   Well-formed UTF-8 (RFC 3629 table 3-7 of Unicode) with no NUL, no C0
   control except tab/LF/CR when allow_newlines. DEL and C1 are allowed:
   they are valid text and harmless once C0 is excluded.                     */
bool
proto_utf8_valid (const uint8_t *s, size_t len, bool allow_newlines)
{
    assert (s || len == 0);
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            if (c < 0x20) {
                if (!allow_newlines)
                    return false;
                if (c != '\t' && c != '\n' && c != '\r')
                    return false;
            }
            i++;
            continue;
        }
        size_t need;
        uint8_t lo = 0x80, hi = 0xBF;   /* allowed range of the 2nd byte */
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c == 0xE0) {
            need = 2;
            lo = 0xA0;                  /* no overlong 3-byte forms      */
        }
        else if (c >= 0xE1 && c <= 0xEC)
            need = 2;
        else if (c == 0xED) {
            need = 2;
            hi = 0x9F;                  /* no surrogates U+D800..DFFF    */
        }
        else if (c >= 0xEE && c <= 0xEF)
            need = 2;
        else if (c == 0xF0) {
            need = 3;
            lo = 0x90;                  /* no overlong 4-byte forms      */
        }
        else if (c >= 0xF1 && c <= 0xF3)
            need = 3;
        else if (c == 0xF4) {
            need = 3;
            hi = 0x8F;                  /* nothing above U+10FFFF        */
        }
        else
            return false;               /* 0x80..0xC1, 0xF5..0xFF        */
        if (len - i - 1 < need)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return false;
        i += need + 1;
    }
    return true;
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */
static bool
s_utf8 (const char *s, bool nl)
{
    return proto_utf8_valid ((const uint8_t *) s, strlen (s), nl);
}

void
proto_crypto_test (bool verbose)
{
    printf (" * proto_crypto: ");
    fflush (stdout);
    assert (proto_init () == 0);
    assert (proto_init () == 0);
    assert (proto_pk_bytes () == 32);
    assert (proto_sig_bytes () == 64);
    assert (proto_hash_bytes () == 32);

    /* BLAKE2b-256 of "" and "abc" (RFC 7693 parameters, 32-byte output). */
    uint8_t h[PROTO_HASH_BYTES];
    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hash (h, NULL, 0);
    proto_hex_encode (hex, h, sizeof h);
    assert (!strcmp (hex, "0e5751c026e543b2e8ab2eb06099daa1"
                          "d1e5df47778f7787faab45cdf12fe3a8"));
    proto_hash (h, "abc", 3);
    proto_hex_encode (hex, h, sizeof h);
    assert (!strcmp (hex, "bddd813c634239723171ef3fee98579b"
                          "94964e3bb1cb3e427262c8c068d52319"));
    /* hash2 equals hash of the concatenation, whatever the split. */
    uint8_t h2[PROTO_HASH_BYTES];
    proto_hash2 (h2, "a", 1, "bc", 2);
    assert (!memcmp (h, h2, sizeof h));
    proto_hash2 (h2, "abc", 3, NULL, 0);
    assert (!memcmp (h, h2, sizeof h));
    proto_hash2 (h2, NULL, 0, "abc", 3);
    assert (!memcmp (h, h2, sizeof h));

    /* Hex: round trip, lowercase only (one encoding per value in every
       format), strict lengths. */
    uint8_t bin[4];
    assert (proto_hex_decode (bin, 4, "00fFa5C3") == -1);
    assert (proto_hex_decode (bin, 4, "00ffa5c3") == 0);
    assert (bin[0] == 0x00 && bin[1] == 0xFF && bin[2] == 0xA5
            && bin[3] == 0xC3);
    proto_hex_encode (hex, bin, 4);
    assert (!strcmp (hex, "00ffa5c3"));
    assert (proto_hex_decode (bin, 4, "00ffa5c") == -1);
    assert (proto_hex_decode (bin, 4, "00ffa5c300") == -1);
    assert (proto_hex_decode (bin, 4, "00ffa5cg") == -1);
    assert (proto_hex_decode (bin, 4, " 0ffa5c3") == -1);
    assert (proto_hex_decode (bin, 4, "") == -1);
    assert (proto_hex_decode (bin, 0, "") == 0);
    assert (proto_hex_decode (bin, 0, "00") == -1);
    proto_hex_encode (hex, bin, 0);
    assert (hex[0] == '\0');

    /* Fingerprint: 32 lowercase hex chars, stable, differs per key and is
       the documented hash prefix. */
    uint8_t pk[PROTO_PK_BYTES], sk[PROTO_SK_BYTES], seed[PROTO_SEED_BYTES];
    memset (seed, 0x42, sizeof seed);
    crypto_sign_seed_keypair (pk, sk, seed);
    char fpr[PROTO_FPR_HEX_LEN + 1], fpr2[PROTO_FPR_HEX_LEN + 1];
    proto_fingerprint (fpr, pk);
    assert (strlen (fpr) == PROTO_FPR_HEX_LEN);
    uint8_t buf[11 + PROTO_PK_BYTES];
    memcpy (buf, "ceptoar-fpr", 11);
    memcpy (buf + 11, pk, PROTO_PK_BYTES);
    proto_hash (h, buf, sizeof buf);
    proto_hex_encode (hex, h, PROTO_FPR_BYTES);
    assert (!strcmp (fpr, hex));
    pk[0] ^= 1;
    proto_fingerprint (fpr2, pk);
    assert (strcmp (fpr, fpr2));
    sodium_memzero (sk, sizeof sk);

    /* UTF-8 */
    assert (s_utf8 ("", false));
    assert (s_utf8 ("plain ascii ~", false));
    assert (s_utf8 ("\xe6\x97\xa5\xe6\x9c\xac", false));     /* 日本     */
    assert (s_utf8 ("\xf0\x9f\x94\x92", false));             /* U+1F512  */
    assert (s_utf8 ("\xf4\x8f\xbf\xbf", false));             /* U+10FFFF */
    assert (s_utf8 ("\xed\x9f\xbf", false));                 /* U+D7FF   */
    assert (s_utf8 ("\x7f", false));                         /* DEL      */
    assert (s_utf8 ("a\tb\nc\r\n", true));
    assert (!s_utf8 ("a\tb", false));
    assert (!s_utf8 ("a\nb", false));
    assert (!s_utf8 ("a\x01" "b", true));
    assert (!s_utf8 ("\x1b[0m", true));                      /* ESC      */
    assert (!proto_utf8_valid ((const uint8_t *) "a\0b", 3, true));
    assert (!s_utf8 ("\xc0\xaf", false));                    /* overlong */
    assert (!s_utf8 ("\xc1\xbf", false));
    assert (!s_utf8 ("\xe0\x80\xaf", false));
    assert (!s_utf8 ("\xf0\x80\x80\xaf", false));
    assert (!s_utf8 ("\xed\xa0\x80", false));                /* D800     */
    assert (!s_utf8 ("\xf4\x90\x80\x80", false));            /* >10FFFF  */
    assert (!s_utf8 ("\xf5\x80\x80\x80", false));
    assert (!s_utf8 ("\x80", false));                        /* lone     */
    assert (!s_utf8 ("\xe6\x97", false));                    /* cut      */
    assert (!s_utf8 ("\xe6\x97" "a", false));
    assert (!s_utf8 ("\xff", false));

    if (verbose)
        printf ("(fingerprint of seed 0x42..: %s) ", fpr);
    printf ("OK\n");
}
