/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_roster: libFuzzer harness for roster parsing and verification. */

/* The input is a roster file or draft (docs/formats.md §4), as a node or a
   custodian loads it. A roster has exactly one encoding, so:

   - a refusal always comes with a reason of printable ASCII, one line;
   - a parsed roster formats back to exactly the input bytes; its body is
     a prefix of them, and keys_roster_hash is the hash of that prefix;
   - a copy of the body (keys_roster_dup_body) formats to the same body
     with no signatures;
   - verified as genesis, it either passes with version 1, no previous,
     no retired keys and enough valid member signatures, or gives a
     reason; the counts are filled either way; a one-roster chain gives
     the same answer; a roster never verifies as its own successor;
   - signatures: the parsed signature lines, added one by one to a copy of
     the body (keys_roster_add_signature, which verifies each), rebuild
     the input exactly when every one verifies, and if one does not,
     verify refuses the roster too; a signature made by a test key
     (keys_roster_sign) is always accepted once, and a second time is a
     repeat (1);
   - a successor draft (keys_roster_follow) has the next version and the
     body hash as previous, and cannot be made only after version
     2^64 - 1; unsigned, it never verifies after the roster;
   - lookups agree: each member is found by name and by key, group
     members are members, and the audiences "council", "group:G" and
     "node:NAME" resolve.                                                    */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "fuzz_common.h"

static keys_secret_t *s_test_key; /* signs with the vectors' seed 00..1f  */



/* ------------------------------------------------------------------------
   True if name could also be read as a fingerprint prefix (8..32 hex
   digits): such a name may be ambiguous by design (formats.md §6).         */
static bool
s_maybe_fingerprint (const char *name)
{
    size_t len = strlen (name);
    if (len < 8 || len > PROTO_FPR_HEX_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr ("0123456789abcdefABCDEF", name[i]))
            return false;
    return true;
}

/* ------------------------------------------------------------------------
   Lookups and audience resolution on a parsed roster.                      */
static void
s_lookups (const keys_roster_t *roster)
{
    char reason[512];
    proto_audience_t audience;
    size_t members = keys_roster_member_count (roster);
    FUZZ_CHECK ("roster-lookup",
                members >= 1 && members <= KEYS_ROSTER_MAX_MEMBERS);
    for (size_t i = 0; i < members; i++) {
        const keys_member_t *member = keys_roster_member (roster, i);
        FUZZ_CHECK ("roster-lookup", member);
        FUZZ_CHECK ("roster-lookup",
                    keys_roster_member_by_name (roster, member->card.name)
                        == member);
        FUZZ_CHECK ("roster-lookup",
                    keys_roster_member_by_key (roster, member->card.sign_pk)
                        == member);
        if (!s_maybe_fingerprint (member->card.name))
            FUZZ_CHECK ("roster-lookup",
                        keys_roster_member_lookup (roster, member->card.name)
                            == member);
        if (i > 0)
            FUZZ_CHECK ("roster-lookup",
                        strcmp (keys_roster_member (roster, i - 1)->card.name,
                                member->card.name)
                            < 0);
    }
    FUZZ_CHECK ("roster-lookup",
                keys_roster_resolve_audience (roster, "council", &audience,
                                              reason, sizeof reason)
                    == 0);
    FUZZ_CHECK ("roster-lookup", audience.type == PROTO_AUDIENCE_COUNCIL);

    const keys_member_t *first = keys_roster_member (roster, 0);
    char text[8 + KEYS_NAME_MAX + 1];
    snprintf (text, sizeof text, "node:%s", first->card.name);
    if (!s_maybe_fingerprint (first->card.name)) {
        FUZZ_CHECK ("roster-lookup",
                    keys_roster_resolve_audience (roster, text, &audience,
                                                  reason, sizeof reason)
                        == 0);
        FUZZ_CHECK ("roster-lookup",
                    proto_audience_names_node (&audience, first->card.sign_pk));
    }

    for (size_t g = 0; g < keys_roster_group_count (roster); g++) {
        const char *group = keys_roster_group_name (roster, g);
        FUZZ_CHECK ("roster-lookup",
                    group && keys_roster_group_exists (roster, group));
        size_t n = 0;
        const char *const *names
            = keys_roster_group_members (roster, group, &n);
        FUZZ_CHECK ("roster-lookup", names && n >= 1);
        for (size_t i = 0; i < n; i++) {
            const keys_member_t *member
                = keys_roster_member_by_name (roster, names[i]);
            FUZZ_CHECK ("roster-lookup", member);
            FUZZ_CHECK (
                "roster-lookup",
                keys_roster_group_has (roster, group, member->card.sign_pk));
        }
        snprintf (text, sizeof text, "group:%s", group);
        FUZZ_CHECK ("roster-lookup",
                    keys_roster_resolve_audience (roster, text, &audience,
                                                  reason, sizeof reason)
                        == 0);
        FUZZ_CHECK ("roster-lookup", audience.type == PROTO_AUDIENCE_GROUP
                                         && !strcmp (audience.group, group));
    }
}

/* ------------------------------------------------------------------------
   Signatures: rebuilt on a copy of the body, and one more by the test key.
   verify_rc is keys_roster_verify's answer for the roster as genesis.      */
static void
s_signatures (const keys_roster_t *roster, const char *text, size_t size,
              int verify_rc)
{
    char reason[512];
    keys_roster_t *copy = keys_roster_dup_body (roster);
    FUZZ_CHECK ("harness", copy);
    /* The signature lines follow the body, one fixed-size line each, in
       the order of the roster's signatures.                                */
    size_t body_len = 0;
    char *body = keys_roster_format (roster, false, &body_len);
    FUZZ_CHECK ("harness", body);
    free (body);
    const size_t line_len = 11 + 2 * PROTO_PK_BYTES + 1 + 2 * PROTO_SIG_BYTES
                            + 1;
    size_t count = keys_roster_signature_count (roster);
    FUZZ_CHECK ("roster-signatures", body_len + count * line_len == size);
    bool all_valid = true;
    for (size_t s = 0; s < count; s++) {
        const char *line = text + body_len + s * line_len;
        const uint8_t *pk = keys_roster_signature_key (roster, s);
        char pk_hex[2 * PROTO_PK_BYTES + 1];
        proto_hex_encode (pk_hex, pk, PROTO_PK_BYTES);
        FUZZ_CHECK ("roster-signatures",
                    !memcmp (line, "signature: ", 11)
                        && !memcmp (line + 11, pk_hex, 2 * PROTO_PK_BYTES));
        uint8_t sig[PROTO_SIG_BYTES];
        char sig_hex[2 * PROTO_SIG_BYTES + 1];
        memcpy (sig_hex, line + 11 + 2 * PROTO_PK_BYTES + 1,
                2 * PROTO_SIG_BYTES);
        sig_hex[2 * PROTO_SIG_BYTES] = 0;
        FUZZ_CHECK ("roster-signatures",
                    proto_hex_decode (sig, PROTO_SIG_BYTES, sig_hex) == 0);
        int rc = keys_roster_add_signature (copy, pk, sig, reason,
                                            sizeof reason);
        FUZZ_CHECK ("roster-signatures", rc == 0 || rc == -1);
        if (rc != 0)
            all_valid = false;
    }
    if (all_valid) {
        size_t len = 0;
        char *again = keys_roster_format (copy, true, &len);
        FUZZ_CHECK ("roster-signatures",
                    again && len == size && !memcmp (again, text, size));
        free (again);
    }
    else
        FUZZ_CHECK ("roster-signatures", verify_rc == -1);

    uint8_t sig[PROTO_SIG_BYTES];
    FUZZ_CHECK ("roster-signatures",
                keys_roster_sign (copy, s_test_key, sig) == 0);
    const uint8_t *pk = keys_secret_sign_pk (s_test_key);
    bool had = false;
    for (size_t s = 0; s < keys_roster_signature_count (copy); s++)
        had = had || !memcmp (keys_roster_signature_key (copy, s), pk,
                              PROTO_PK_BYTES);
    int rc = keys_roster_add_signature (copy, pk, sig, reason, sizeof reason);
    FUZZ_CHECK ("roster-signatures", rc == (had ? 1 : 0)
                                         || (rc == -1 && had == false
                                             && keys_roster_signature_count (
                                                    copy)
                                                    == KEYS_ROSTER_MAX_SIGS));
    if (rc == 0)
        FUZZ_CHECK ("roster-signatures",
                    keys_roster_add_signature (copy, pk, sig, reason,
                                               sizeof reason)
                        == 1);
    keys_roster_destroy (&copy);
}

/* ------------------------------------------------------------------------
   A successor draft of roster.                                              */
static void
s_successor (const keys_roster_t *roster)
{
    char reason[512];
    keys_roster_t *next = keys_roster_dup_body (roster);
    FUZZ_CHECK ("harness", next);
    uint64_t version = keys_roster_version (roster);
    int rc = keys_roster_follow (next, roster, reason, sizeof reason);
    FUZZ_CHECK ("roster-successor", (rc == 0) == (version < UINT64_MAX));
    if (rc == 0) {
        uint8_t hash[PROTO_HASH_BYTES];
        FUZZ_CHECK ("roster-successor", keys_roster_hash (roster, hash) == 0);
        FUZZ_CHECK ("roster-successor",
                    keys_roster_version (next) == version + 1);
        const uint8_t *previous = keys_roster_previous (next);
        FUZZ_CHECK ("roster-successor",
                    previous && !memcmp (previous, hash, sizeof hash));
        FUZZ_CHECK ("roster-successor", keys_roster_signature_count (next)
                                            == 0);
        keys_roster_count_t counts;
        FUZZ_CHECK ("roster-successor",
                    keys_roster_verify (next, roster, &counts, reason,
                                        sizeof reason)
                        == -1);
        unsigned threshold = keys_roster_threshold (roster);
        FUZZ_CHECK ("roster-successor",
                    counts.own == 0 && counts.prev == 0
                        && counts.prev_needed == threshold);
    }
    keys_roster_destroy (&next);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    uint8_t seed[PROTO_SEED_BYTES], box[PROTO_BOXSK_BYTES];
    for (size_t i = 0; i < sizeof seed; i++) {
        seed[i] = (uint8_t) i;
        box[i] = (uint8_t) (0x80 + i);
    }
    s_test_key = keys_secret_from_seeds (seed, box);
    if (!s_test_key)
        abort ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    char reason[512] = "";
    keys_roster_t *roster
        = keys_roster_parse (text, size, reason, sizeof reason);
    if (!roster) {
        FUZZ_CHECK ("roster-reason", s_reason_ok (reason));
        return 0;
    }

    /* One encoding: the whole text, and the body as its prefix.            */
    size_t len = 0, body_len = 0;
    char *formatted = keys_roster_format (roster, true, &len);
    FUZZ_CHECK ("roster-round-trip",
                formatted && len == size && !memcmp (formatted, text, size));
    char *body = keys_roster_format (roster, false, &body_len);
    FUZZ_CHECK ("roster-round-trip",
                body && body_len <= size && !memcmp (body, text, body_len));
    uint8_t hash[PROTO_HASH_BYTES], expected[PROTO_HASH_BYTES];
    FUZZ_CHECK ("roster-round-trip", keys_roster_hash (roster, hash) == 0);
    proto_hash (expected, body, body_len);
    FUZZ_CHECK ("roster-round-trip", !memcmp (hash, expected, sizeof hash));
    /* After the body come only the signature lines, one per signature.    */
    size_t lines = 0;
    for (size_t i = body_len; i < size; i++)
        lines += text[i] == '\n';
    FUZZ_CHECK ("roster-round-trip",
                lines == keys_roster_signature_count (roster));

    keys_roster_t *copy = keys_roster_dup_body (roster);
    FUZZ_CHECK ("roster-round-trip", copy);
    size_t copy_len = 0;
    char *copy_text = keys_roster_format (copy, true, &copy_len);
    FUZZ_CHECK ("roster-round-trip",
                copy_text && copy_len == body_len
                    && !memcmp (copy_text, body, body_len));
    FUZZ_CHECK ("roster-round-trip", keys_roster_signature_count (copy) == 0);
    free (copy_text);
    keys_roster_destroy (&copy);
    FUZZ_CHECK ("roster-round-trip", copy == NULL);
    free (formatted);
    free (body);

    /* Verified as a genesis roster.                                        */
    keys_roster_count_t counts;
    reason[0] = 0;
    int rc = keys_roster_verify (roster, NULL, &counts, reason, sizeof reason);
    FUZZ_CHECK ("roster-verify",
                counts.own_needed == keys_roster_threshold (roster));
    FUZZ_CHECK ("roster-verify", counts.prev == 0 && counts.prev_needed == 0);
    FUZZ_CHECK ("roster-verify",
                counts.own <= keys_roster_signature_count (roster));
    if (rc == 0) {
        FUZZ_CHECK ("roster-verify", keys_roster_version (roster) == 1);
        FUZZ_CHECK ("roster-verify", keys_roster_previous (roster) == NULL);
        FUZZ_CHECK ("roster-verify", counts.own >= counts.own_needed);
        //  A genesis has no keys to retire (a retired line would make a
        //  stranger's key an author).
        FUZZ_CHECK ("roster-verify", keys_roster_retired_count (roster) == 0);
    }
    else
        FUZZ_CHECK ("roster-reason", rc == -1 && s_reason_ok (reason));
    keys_roster_t *chain[1] = { roster };
    size_t bad_index = 99;
    int chain_rc = keys_roster_verify_chain (chain, 1, false, &bad_index,
                                             reason, sizeof reason);
    FUZZ_CHECK ("roster-verify", chain_rc == rc && bad_index == 0);
    FUZZ_CHECK ("roster-verify",
                keys_roster_verify_chain (chain, 1, true, &bad_index, reason,
                                          sizeof reason)
                    == 0);
    FUZZ_CHECK ("roster-verify",
                keys_roster_verify (roster, roster, NULL, reason, sizeof reason)
                    == -1);

    s_signatures (roster, text, size, rc);
    s_successor (roster);
    s_lookups (roster);
    keys_roster_destroy (&roster);
    return 0;
}
