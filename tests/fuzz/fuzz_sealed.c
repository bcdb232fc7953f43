/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_sealed: libFuzzer harness for sealed (RED) payloads: structure
   check, recipient lookup and opening. */

/* The input is a stored sealed payload (docs/protocol.md §7). The harness
   checks it with proto_seal_check, looks for two fixed test recipients and
   opens it as each of them, with the test author's key as additional data.
   The keys are those of tests/vectors (gen_vectors.c: author A from seed
   00 01 .. 1f, recipient B from seed 40 41 .. 5f, X25519 seeds 80.. and
   c0..), so the sealed payload of entry-3.txt really opens and the fuzzer
   starts from a payload that reaches the AEAD.

   Properties checked:
   - a refusal is one of the decoding reasons (1..8);
   - proto_seal_has_recipient and proto_seal_open never succeed on a
     payload that proto_seal_check refuses;
   - an opened plaintext is exactly ct_len - 16 bytes, and opening into a
     buffer one byte short fails;
   - a valid sealed payload minus its last byte is refused;
   - round trip: the input, sealed as a plaintext to A and B, passes the
     check, lists both, opens as B to the same bytes, and does not open
     under another author's key.                                             */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "fuzz_common.h"

/* Round trips are done for inputs up to this size, to keep the rate up.   */
#define S_ROUND_TRIP_MAX 4096
/* Fixed part of a sealed payload around the slots.                         */
#define S_FRAME_BYTES (5 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + 4)
#define S_TAG_BYTES   crypto_aead_xchacha20poly1305_ietf_ABYTES

typedef struct {
    uint8_t sign_pk[PROTO_PK_BYTES];   /* Ed25519 public key            */
    uint8_t sign_sk[PROTO_SK_BYTES];   /* Ed25519 secret key            */
    uint8_t box_pk[PROTO_BOXPK_BYTES]; /* X25519 public key             */
    uint8_t box_sk[PROTO_BOXSK_BYTES]; /* X25519 secret key (test only) */
} s_key_t;

static s_key_t s_author; /* A: writes, and is a recipient              */
static s_key_t s_reader; /* B: a named recipient                       */


/* ------------------------------------------------------------------------
   The test key of gen_vectors.c's s_key (tag): seeds tag, tag + 1, ...     */
static void
s_test_key (s_key_t *key, uint8_t tag)
{
    uint8_t seed[PROTO_SEED_BYTES], box_seed[PROTO_SEED_BYTES];
    for (size_t i = 0; i < PROTO_SEED_BYTES; i++) {
        seed[i] = (uint8_t) (tag + i);
        box_seed[i] = (uint8_t) (tag + 0x80 + i);
    }
    crypto_sign_seed_keypair (key->sign_pk, key->sign_sk, seed);
    crypto_box_seed_keypair (key->box_pk, key->box_sk, box_seed);
}

/* ------------------------------------------------------------------------
   Open data as key, written by author; checks the size properties.
   Returns true if it opened.                                                */
static bool
s_open_as (const uint8_t *data, size_t size, const s_key_t *key,
           const uint8_t author_pk[PROTO_PK_BYTES], bool checked, uint8_t *out,
           size_t cap)
{
    size_t out_len = 12345;
    int rc = proto_seal_open (data, size, author_pk, key->sign_pk, key->box_pk,
                              key->box_sk, out, cap, &out_len);
    if (rc != 0) {
        FUZZ_CHECK ("sealed-open", rc == -1);
        FUZZ_CHECK ("sealed-open", out_len == 0);
        return false;
    }
    FUZZ_CHECK ("sealed-open", checked);
    FUZZ_CHECK ("sealed-open",
                proto_seal_has_recipient (data, size, key->sign_pk));
    size_t count = data[4];
    size_t ct_len = size - S_FRAME_BYTES - count * PROTO_SEAL_SLOT_BYTES;
    FUZZ_CHECK ("sealed-open", out_len >= 1 && out_len == ct_len - S_TAG_BYTES);
    FUZZ_CHECK ("sealed-open", out_len <= cap);
    /* The caller's capacity is honoured. */
    size_t short_len;
    FUZZ_CHECK ("sealed-open",
                proto_seal_open (data, size, author_pk, key->sign_pk,
                                 key->box_pk, key->box_sk, out, out_len - 1,
                                 &short_len)
                    == -1);
    return true;
}

/* ------------------------------------------------------------------------
   Seal data to A and B, then check, find and open it again.                 */
static void
s_round_trip (const uint8_t *data, size_t size)
{
    proto_recipient_t to[2];
    memcpy (to[0].sign_pk, s_reader.sign_pk, PROTO_PK_BYTES);
    memcpy (to[0].box_pk, s_reader.box_pk, PROTO_BOXPK_BYTES);
    memcpy (to[1].sign_pk, s_author.sign_pk, PROTO_PK_BYTES);
    memcpy (to[1].box_pk, s_author.box_pk, PROTO_BOXPK_BYTES);
    size_t cap = proto_seal_size (size, 2);
    uint8_t *sealed = malloc (cap);
    uint8_t *plain = malloc (size);
    FUZZ_CHECK ("harness", sealed && plain);
    FUZZ_CHECK (
        "sealed-round-trip",
        proto_seal (data, size, s_author.sign_pk, to, 2, sealed, cap - 1) == 0);
    size_t len = proto_seal (data, size, s_author.sign_pk, to, 2, sealed, cap);
    FUZZ_CHECK ("sealed-round-trip", len == cap);
    FUZZ_CHECK ("sealed-round-trip", proto_seal_is_sealed (sealed, len));
    FUZZ_CHECK ("sealed-round-trip",
                proto_seal_check (sealed, len) == PROTO_OK);
    FUZZ_CHECK ("sealed-round-trip",
                proto_seal_has_recipient (sealed, len, s_author.sign_pk));
    FUZZ_CHECK ("sealed-round-trip",
                proto_seal_has_recipient (sealed, len, s_reader.sign_pk));
    size_t plain_len = 0;
    FUZZ_CHECK ("sealed-round-trip",
                proto_seal_open (sealed, len, s_author.sign_pk,
                                 s_reader.sign_pk, s_reader.box_pk,
                                 s_reader.box_sk, plain, size, &plain_len)
                    == 0);
    FUZZ_CHECK ("sealed-round-trip",
                plain_len == size && !memcmp (plain, data, size));
    /* Lifted into another author's entry, it does not open. */
    FUZZ_CHECK ("sealed-round-trip",
                proto_seal_open (sealed, len, s_reader.sign_pk,
                                 s_reader.sign_pk, s_reader.box_pk,
                                 s_reader.box_sk, plain, size, &plain_len)
                    == -1);
    free (sealed);
    free (plain);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    s_test_key (&s_author, 0x00);
    s_test_key (&s_reader, 0x40);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    proto_reject_t rc = proto_seal_check (data, size);
    bool checked = rc == PROTO_OK;
    if (!checked)
        FUZZ_CHECK ("sealed-reason",
                    rc >= PROTO_REJECT_TRUNCATED && rc <= PROTO_REJECT_UTF8);
    else {
        FUZZ_CHECK ("sealed-check", proto_seal_is_sealed (data, size));
        FUZZ_CHECK ("sealed-check", !proto_payload_is_plaintext (data, size));
        FUZZ_CHECK ("sealed-prefix",
                    proto_seal_check (data, size - 1) != PROTO_OK);
    }
    bool has_author = proto_seal_has_recipient (data, size, s_author.sign_pk);
    bool has_reader = proto_seal_has_recipient (data, size, s_reader.sign_pk);
    FUZZ_CHECK ("sealed-check", checked || (!has_author && !has_reader));

    uint8_t *out = malloc (size + 1);
    FUZZ_CHECK ("harness", out);
    if (s_open_as (data, size, &s_reader, s_author.sign_pk, checked, out,
                   size)) {
        /* What a recipient does next: decode the plaintext payload. */
        proto_payload_t payload;
        size_t count = data[4];
        size_t plain_len = size - S_FRAME_BYTES - count * PROTO_SEAL_SLOT_BYTES
                           - S_TAG_BYTES;
        (void) proto_payload_decode (&payload, out, plain_len);
    }
    (void) s_open_as (data, size, &s_author, s_author.sign_pk, checked, out,
                      size);
    free (out);

    if (size >= 1 && size <= S_ROUND_TRIP_MAX)
        s_round_trip (data, size);
    return 0;
}
