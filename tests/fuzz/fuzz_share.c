/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_share: libFuzzer harness for k-of-n key backup shares. */

/* The input is one or more share texts (docs/formats.md, "Key backup (k of
   n)"), as custodians type them in for `ceptoar-keys recover`, separated
   by NUL bytes (a share has no NUL, so the separator takes nothing the
   parser would accept). The format has one encoding (the parser keeps
   only text it would write itself), so:

   - a refusal always comes with a reason of printable ASCII, one line,
     that starts "line N: " with N from 1 to 13 (the line at fault, or the
     one after the checksum);
   - a parsed share's text is exactly the input (which may lack its final
     LF), its header values are in range (2 <= k <= n <= 255, 1 <= x <=
     n), and the text parses again to the same values;
   - changing any one byte of an accepted share is refused (each line
     has a CRC-16, the whole a checksum): a few positions per input;
   - keys_share_recover on the accepted shares gives the result their
     headers call for: MISMATCH if they are not all of one key, split, k
     and n; else DUPLICATE if an index repeats; else TOO_FEW below k;
     else OK or WRONG_KEY. An OK key has the public keys the shares
     record, any k of the shares rebuild the same key (the first k and the
     last k are tried), and the order of the shares does not matter.

   The fuzzer cannot forge the per-line CRC-16 or the BLAKE2b checksum of
   a mutated share, so a refused share is also tried resealed: each line's
   check and the checksum recomputed over the input's own lines. That
   reaches the field checks behind them and lets altered shares (whose
   checks were rewritten, as by a forger) into the set for recover.        */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "fuzz_common.h"

#define S_SET_MAX   16                  /* shares in one input, at most     */
#define S_LINES     12                  /* lines of a share                 */
#define S_SUM_BYTES 16                  /* checksum: truncated BLAKE2b-256  */
#define S_FLIPS     4                   /* one-byte changes tried per share */

/* ------------------------------------------------------------------------
   CRC-16/CCITT-FALSE, as keys_share.c computes a line's check.             */
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
   Copy text into out (room for len + 64 bytes) with every line's check
   and the checksum recomputed: lines 2 to 11 that end in " ~" and four
   characters get the CRC of what comes before " ~"; a line 12 that starts
   "checksum: " gets the checksum of lines 1 to 11. Other bytes are kept.
   Returns the length of out.                                               */
static size_t
s_reseal (const char *text, size_t len, char *out)
{
    size_t at = 0, pos = 0;
    for (unsigned line = 1; pos < len; line++) {
        const char *start = text + pos;
        const char *lf = memchr (start, '\n', len - pos);
        size_t line_len = lf ? (size_t) (lf - start) : len - pos;
        pos += line_len + (lf ? 1 : 0);
        static const char sum[] = "checksum: ";
        if (line == S_LINES && line_len >= sizeof sum - 1
            && !memcmp (start, sum, sizeof sum - 1)) {
            uint8_t hash[PROTO_HASH_BYTES];
            proto_hash (hash, out, at);
            memcpy (out + at, sum, sizeof sum - 1);
            at += sizeof sum - 1;
            char hex[2 * S_SUM_BYTES + 1];
            proto_hex_encode (hex, hash, S_SUM_BYTES);
            memcpy (out + at, hex, 2 * S_SUM_BYTES);
            at += 2 * S_SUM_BYTES;
        }
        else {
            memcpy (out + at, start, line_len);
            if (line >= 2 && line < S_LINES && line_len >= 6
                && !memcmp (start + line_len - 6, " ~", 2)) {
                char check[5];
                snprintf (check, sizeof check, "%04x",
                          (unsigned) s_crc16 (start, line_len - 6));
                memcpy (out + at + line_len - 4, check, 4);
            }
            at += line_len;
        }
        if (lf)
            out[at++] = '\n';
    }
    return at;
}

/* ------------------------------------------------------------------------
   The reason of a refused share: printable, one line, "line N: ".          */
static void
s_check_reason (const char *reason)
{
    FUZZ_CHECK ("share-reason", s_reason_ok (reason));
    unsigned line = 0;
    int used = 0;
    /* The text our parser wrote: sscanf's missing range check is moot. */
    /* NOLINTNEXTLINE(cert-err34-c) */
    FUZZ_CHECK ("share-reason",
                sscanf (reason, "line %u: %n", &line, &used) == 1
                    && used > 0);
    FUZZ_CHECK ("share-reason", line >= 1 && line <= S_LINES + 1);
}

static bool
s_same_header (const keys_share_t *a, const keys_share_t *b)
{
    return keys_share_index (a) == keys_share_index (b)
           && keys_share_threshold (a) == keys_share_threshold (b)
           && keys_share_count (a) == keys_share_count (b)
           && !memcmp (keys_share_sign_pk (a), keys_share_sign_pk (b),
                       PROTO_PK_BYTES)
           && !memcmp (keys_share_box_pk (a), keys_share_box_pk (b),
                       PROTO_BOXPK_BYTES)
           && !memcmp (keys_share_split_id (a), keys_share_split_id (b),
                       KEYS_SHARE_SPLIT_ID_BYTES);
}

/* ------------------------------------------------------------------------
   Properties of a share parsed from text[0..len).                          */
static void
s_check_share (const keys_share_t *share, const char *text, size_t len)
{
    const char *own = keys_share_text (share);
    size_t own_len = strlen (own);
    bool lf = len > 0 && text[len - 1] == '\n';
    FUZZ_CHECK ("share-round-trip", own_len == len + (lf ? 0 : 1));
    FUZZ_CHECK ("share-round-trip", !memcmp (own, text, len));
    FUZZ_CHECK ("share-round-trip", own[own_len - 1] == '\n');
    FUZZ_CHECK ("share-round-trip", own_len <= KEYS_SHARE_TEXT_MAX);

    unsigned x = keys_share_index (share), k = keys_share_threshold (share);
    unsigned n = keys_share_count (share);
    FUZZ_CHECK ("share-range", KEYS_SHARE_MIN <= k && k <= n
                                   && n <= KEYS_SHARE_MAX);
    FUZZ_CHECK ("share-range", 1 <= x && x <= n);

    char reason[KEYS_SHARE_ERR_LEN] = "";
    keys_share_t *again = keys_share_parse (own, own_len, reason,
                                            sizeof reason);
    FUZZ_CHECK ("share-round-trip", again);
    FUZZ_CHECK ("share-round-trip", s_same_header (share, again));
    FUZZ_CHECK ("share-round-trip", !strcmp (keys_share_text (again), own));
    keys_share_destroy (&again);

    /* One byte changed, at a few positions spread over the text.            */
    char copy[KEYS_SHARE_TEXT_MAX + 1];
    memcpy (copy, own, own_len);
    uint32_t seed = s_crc16 (text, len);
    for (unsigned i = 0; i < S_FLIPS; i++) {
        size_t at = (seed + i * (own_len / S_FLIPS + 1)) % own_len;
        char was = copy[at];
        copy[at] = (char) (was ^ (1 << ((seed >> (4 * i)) % 7)));
        keys_share_t *changed = keys_share_parse (copy, own_len, reason,
                                                  sizeof reason);
        FUZZ_CHECK ("share-one-byte", !changed);
        s_check_reason (reason);
        copy[at] = was;
    }
}

/* ------------------------------------------------------------------------
   What keys_share_recover must answer for these shares, short of the
   interpolation itself: KEYS_SHARE_OK stands for "OK or WRONG_KEY".         */
static keys_share_result_t
s_expected (keys_share_t *const shares[], size_t count)
{
    const keys_share_t *first = shares[0];
    for (size_t i = 1; i < count; i++)
        if (memcmp (keys_share_sign_pk (shares[i]), keys_share_sign_pk (first),
                    PROTO_PK_BYTES)
            || memcmp (keys_share_box_pk (shares[i]),
                       keys_share_box_pk (first), PROTO_BOXPK_BYTES)
            || memcmp (keys_share_split_id (shares[i]),
                       keys_share_split_id (first),
                       KEYS_SHARE_SPLIT_ID_BYTES)
            || keys_share_threshold (shares[i]) != keys_share_threshold (first)
            || keys_share_count (shares[i]) != keys_share_count (first))
            return KEYS_SHARE_MISMATCH;
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++)
            if (keys_share_index (shares[i]) == keys_share_index (shares[j]))
                return KEYS_SHARE_DUPLICATE;
    if (count < keys_share_threshold (first))
        return KEYS_SHARE_TOO_FEW;
    return KEYS_SHARE_OK;
}

/* ------------------------------------------------------------------------
   Recover from shares; checks the result against s_expected and the
   reason. Returns the key (caller destroys) or NULL.                       */
static keys_secret_t *
s_recover (keys_share_t *const shares[], size_t count,
           keys_share_result_t *result)
{
    char reason[KEYS_SHARE_ERR_LEN] = "";
    *result = KEYS_SHARE_NOMEM;
    keys_secret_t *key = keys_share_recover (shares, count, NULL, result,
                                             reason, sizeof reason);
    keys_share_result_t want = s_expected (shares, count);
    if (want == KEYS_SHARE_OK)
        FUZZ_CHECK ("share-recover", *result == KEYS_SHARE_OK
                                         || *result == KEYS_SHARE_WRONG_KEY);
    else
        FUZZ_CHECK ("share-recover", *result == want);
    FUZZ_CHECK ("share-recover", (key != NULL) == (*result == KEYS_SHARE_OK));
    if (key) {
        FUZZ_CHECK ("share-recover",
                    !memcmp (keys_secret_sign_pk (key),
                             keys_share_sign_pk (shares[0]), PROTO_PK_BYTES));
        FUZZ_CHECK ("share-recover",
                    !memcmp (keys_secret_box_pk (key),
                             keys_share_box_pk (shares[0]),
                             PROTO_BOXPK_BYTES));
    }
    else
        FUZZ_CHECK ("share-recover-reason", s_reason_ok (reason));
    return key;
}

static bool
s_same_key (const keys_secret_t *a, const keys_secret_t *b)
{
    return !memcmp (keys_secret_sign_seed (a), keys_secret_sign_seed (b),
                    PROTO_SEED_BYTES)
           && !memcmp (keys_secret_box_sk (a), keys_secret_box_sk (b),
                       PROTO_BOXSK_BYTES);
}

/* ------------------------------------------------------------------------
   Recover from the whole set, reversed, and from its first and last k.     */
static void
s_check_set (keys_share_t *set[], size_t count)
{
    keys_share_result_t result, other;
    keys_secret_t *key = s_recover (set, count, &result);

    keys_share_t *reversed[S_SET_MAX];
    for (size_t i = 0; i < count; i++)
        reversed[i] = set[count - 1 - i];
    keys_secret_t *back = s_recover (reversed, count, &other);
    FUZZ_CHECK ("share-order", other == result);
    FUZZ_CHECK ("share-order", !key || s_same_key (key, back));
    keys_secret_destroy (&back);

    size_t k = keys_share_threshold (set[0]);
    if (key && count > k) {
        for (int end = 0; end < 2; end++) {
            keys_secret_t *part = s_recover (set + (end ? count - k : 0), k,
                                             &other);
            FUZZ_CHECK ("share-subset", part && s_same_key (key, part));
            keys_secret_destroy (&part);
        }
    }
    keys_secret_destroy (&key);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *input = (const char *) data;
    keys_share_t *set[S_SET_MAX];
    size_t count = 0;
    char reason[KEYS_SHARE_ERR_LEN];
    size_t pos = 0;
    while (pos <= size && count < S_SET_MAX) {
        const char *text = input + pos;
        const char *nul = memchr (text, 0, size - pos);
        size_t len = nul ? (size_t) (nul - text) : size - pos;
        pos += len + 1;

        reason[0] = 0;
        keys_share_t *share = keys_share_parse (text, len, reason,
                                                sizeof reason);
        if (share)
            s_check_share (share, text, len);
        else {
            s_check_reason (reason);
            /* The same text with its checks and checksum made right.       */
            if (len <= KEYS_SHARE_TEXT_MAX) {
                char sealed[KEYS_SHARE_TEXT_MAX + 64];
                size_t sealed_len = s_reseal (text, len, sealed);
                FUZZ_CHECK ("harness", sealed_len < sizeof sealed);
                if (sealed_len != len || memcmp (sealed, text, len)) {
                    reason[0] = 0;
                    share = keys_share_parse (sealed, sealed_len, reason,
                                              sizeof reason);
                    if (share)
                        s_check_share (share, sealed, sealed_len);
                    else
                        s_check_reason (reason);
                }
            }
        }
        if (share)
            set[count++] = share;
    }
    if (count > 0)
        s_check_set (set, count);
    for (size_t i = 0; i < count; i++)
        keys_share_destroy (&set[i]);
    return 0;
}
