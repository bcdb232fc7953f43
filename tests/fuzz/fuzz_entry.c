/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_entry: libFuzzer harness for entry stubs (decode, verify) and for
   checking a payload against its header. */

/* The input is a stub followed by its stored payload, as a peer sends an
   entry: stub || payload. The stub is self-delimiting, so the split needs
   no framing: proto_stub_decode on the whole input returns TRAILING when a
   header decodes and bytes follow its signature; the header's canonical
   re-encoding then gives the stub's length and the rest is the payload.
   The seeds are the entry vectors' stub || payload (make_corpus.py).

   The fuzzer cannot forge signatures or hashes, so besides the entry as
   given the harness also checks the payload against a copy of the header
   whose payload_len and payload_hash are set from the tail, to reach the
   sealing rules (§8: RED needs a sealed payload whose recipients are
   exactly the named nodes plus the author), and re-signs the header with
   a test key to check sign/verify/decode agree. The audience decoder is
   also run on the raw input.

   Properties checked (docs/protocol.md §5, §8):
   - refusals are decoding reasons (1..8), or SIGNATURE from verify, or
     PAYLOAD_LEN / PAYLOAD_HASH / SEALING from payload_matches;
   - a decoded header re-encodes to exactly the input's header bytes, and
     every proper prefix tried of a decodable stub is TRUNCATED;
   - verify and decode agree on the header;
   - payload_matches: a wrong length is PAYLOAD_LEN; with length and hash
     right, the result is OK exactly when the form matches the level, as
     computed independently here from the sealed slots;
   - a header signed by the test key verifies and decodes to itself.
   - audience: a decoded audience re-encodes to the bytes it consumed.      */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "fuzz_common.h"

#define S_OFF_AUDIENCE 86 /* docs/protocol.md §5.2                       */
#define S_SLOTS_OFF    5  /* sealed payload: slots follow magic .. count  */

static uint8_t s_test_pk[PROTO_PK_BYTES]; /* vectors' author (00..1f)  */
static uint8_t s_test_sk[PROTO_SK_BYTES];


/* ------------------------------------------------------------------------
   Field-by-field equality of two audiences and of two headers.             */
static bool
s_audience_eq (const proto_audience_t *a, const proto_audience_t *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == PROTO_AUDIENCE_GROUP)
        return !strcmp (a->group, b->group);
    if (a->type == PROTO_AUDIENCE_NODES)
        return a->node_count == b->node_count
               && !memcmp (a->nodes, b->nodes,
                           (size_t) a->node_count * PROTO_PK_BYTES);
    return true;
}

static bool
s_header_eq (const proto_header_t *a, const proto_header_t *b)
{
    return !memcmp (a->author, b->author, PROTO_PK_BYTES) && a->seq == b->seq
           && !memcmp (a->prev, b->prev, PROTO_HASH_BYTES)
           && a->timestamp_ms == b->timestamp_ms && a->level == b->level
           && a->flags == b->flags && s_audience_eq (&a->audience, &b->audience)
           && a->payload_len == b->payload_len
           && !memcmp (a->payload_hash, b->payload_hash, PROTO_HASH_BYTES);
}

/* ------------------------------------------------------------------------
   §8 for RED, computed here without the library: the payload passes the
   structural check and its slot keys are exactly the named nodes plus the
   author.                                                                   */
static bool
s_red_form_ok (const proto_header_t *header, const uint8_t *payload, size_t len)
{
    if (!proto_seal_is_sealed (payload, len)
        || proto_seal_check (payload, len) != PROTO_OK)
        return false;
    const proto_audience_t *audience = &header->audience;
    size_t count = payload[S_SLOTS_OFF - 1];
    bool author_seen = false;
    size_t nodes_seen = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *key = payload + S_SLOTS_OFF + i * PROTO_SEAL_SLOT_BYTES;
        bool named = false;
        for (size_t n = 0; n < audience->node_count; n++)
            if (!memcmp (audience->nodes[n], key, PROTO_PK_BYTES))
                named = true;
        bool author = !memcmp (header->author, key, PROTO_PK_BYTES);
        if (!named && !author)
            return false; /* a recipient outside the audience */
        nodes_seen += named;
        author_seen = author_seen || author;
    }
    return author_seen && nodes_seen == audience->node_count;
}

/* ------------------------------------------------------------------------
   Check a payload against a header; properties of the result.              */
static void
s_check_payload (const proto_header_t *header, const uint8_t *payload,
                 size_t len)
{
    proto_reject_t rc = proto_payload_matches (header, payload, len);
    FUZZ_CHECK ("entry-matches", rc == PROTO_OK
                                     || rc == PROTO_REJECT_PAYLOAD_LEN
                                     || rc == PROTO_REJECT_PAYLOAD_HASH
                                     || rc == PROTO_REJECT_SEALING);
    if (len != header->payload_len) {
        FUZZ_CHECK ("entry-matches", rc == PROTO_REJECT_PAYLOAD_LEN);
        return;
    }
    uint8_t hash[PROTO_HASH_BYTES];
    proto_hash (hash, payload, len);
    if (memcmp (hash, header->payload_hash, PROTO_HASH_BYTES)) {
        FUZZ_CHECK ("entry-matches", rc == PROTO_REJECT_PAYLOAD_HASH);
        return;
    }
    bool form_ok = header->level == PROTO_LEVEL_RED
                       ? s_red_form_ok (header, payload, len)
                       : proto_payload_is_plaintext (payload, len);
    FUZZ_CHECK ("entry-matches", (rc == PROTO_OK) == form_ok);
    if (rc == PROTO_OK && header->level != PROTO_LEVEL_RED) {
        /* What a node does next with a plaintext payload. */
        proto_payload_t decoded;
        (void) proto_payload_decode (&decoded, payload, len);
    }
}

/* ------------------------------------------------------------------------
   Sign the header as the test author; the stub must verify and decode to
   the same header, with the same bytes apart from the author.               */
static void
s_resign (const proto_header_t *header, const uint8_t *stub, size_t len)
{
    proto_header_t mine = *header;
    memcpy (mine.author, s_test_pk, PROTO_PK_BYTES);
    uint8_t signed_stub[PROTO_STUB_MAX];
    size_t signed_len
        = proto_entry_sign (&mine, s_test_sk, signed_stub, sizeof signed_stub);
    FUZZ_CHECK ("entry-resign", signed_len == len);
    proto_header_t back;
    FUZZ_CHECK ("entry-resign",
                proto_stub_verify (&back, signed_stub, signed_len) == PROTO_OK);
    FUZZ_CHECK ("entry-resign", s_header_eq (&back, &mine));
    FUZZ_CHECK ("entry-resign", !memcmp (signed_stub, stub, 4));
    FUZZ_CHECK ("entry-resign",
                !memcmp (signed_stub + 4 + PROTO_PK_BYTES,
                         stub + 4 + PROTO_PK_BYTES,
                         len - PROTO_SIG_BYTES - 4 - PROTO_PK_BYTES));
    /* Ed25519 is deterministic: the test author's own stubs come back. */
    if (!memcmp (header->author, s_test_pk, PROTO_PK_BYTES)
        && proto_stub_verify (NULL, stub, len) == PROTO_OK)
        FUZZ_CHECK ("entry-resign", !memcmp (signed_stub, stub, len));
}

/* ------------------------------------------------------------------------
   The audience decoder on its own, from the start of the input.            */
static void
s_audience (const uint8_t *data, size_t size)
{
    proto_audience_t audience;
    size_t used = 99999;
    proto_reject_t rc = proto_audience_decode (&audience, data, size, &used);
    if (rc != PROTO_OK) {
        FUZZ_CHECK ("audience-round-trip",
                    rc >= PROTO_REJECT_TRUNCATED && rc <= PROTO_REJECT_UTF8);
        FUZZ_CHECK ("audience-round-trip", used == 0);
        return;
    }
    FUZZ_CHECK ("audience-round-trip", used >= 1 && used <= size);
    FUZZ_CHECK ("audience-round-trip",
                proto_audience_encoded_size (&audience) == used);
    uint8_t again[2 + PROTO_AUDIENCE_MAX_NODES * PROTO_PK_BYTES];
    FUZZ_CHECK ("audience-round-trip",
                proto_audience_encode (&audience, again, sizeof again) == used);
    FUZZ_CHECK ("audience-round-trip", !memcmp (again, data, used));
    proto_audience_t back;
    size_t back_used;
    FUZZ_CHECK ("audience-round-trip",
                proto_audience_decode (&back, again, used, &back_used)
                    == PROTO_OK);
    FUZZ_CHECK ("audience-round-trip",
                back_used == used && s_audience_eq (&back, &audience));
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    uint8_t seed[PROTO_SEED_BYTES];
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t) i;
    crypto_sign_seed_keypair (s_test_pk, s_test_sk, seed);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_audience (data, size);

    proto_header_t header;
    uint8_t sig[PROTO_SIG_BYTES];
    proto_reject_t rc = proto_stub_decode (&header, sig, data, size);
    if (rc != PROTO_OK && rc != PROTO_REJECT_TRAILING) {
        FUZZ_CHECK ("entry-reason",
                    rc >= PROTO_REJECT_TRUNCATED && rc <= PROTO_REJECT_UTF8);
        FUZZ_CHECK ("entry-reason", proto_stub_verify (NULL, data, size) == rc);
        return 0;
    }
    /* The header decoded: its canonical encoding is the input's header,
       and gives the length of the stub.                                    */
    uint8_t encoded[PROTO_HEADER_MAX];
    size_t header_len = proto_header_encode (&header, encoded, sizeof encoded);
    FUZZ_CHECK ("entry-round-trip", header_len >= PROTO_HEADER_FIXED_BYTES);
    FUZZ_CHECK ("entry-round-trip", header_len + PROTO_SIG_BYTES <= size);
    FUZZ_CHECK ("entry-round-trip", !memcmp (encoded, data, header_len));
    size_t stub_len = header_len + PROTO_SIG_BYTES;
    FUZZ_CHECK ("entry-round-trip", (rc == PROTO_OK) == (stub_len == size));

    proto_header_t again;
    uint8_t sig_again[PROTO_SIG_BYTES];
    FUZZ_CHECK ("entry-round-trip",
                proto_stub_decode (&again, sig_again, data, stub_len)
                    == PROTO_OK);
    FUZZ_CHECK ("entry-round-trip", s_header_eq (&again, &header));
    FUZZ_CHECK ("entry-round-trip",
                !memcmp (sig_again, data + header_len, PROTO_SIG_BYTES));
    FUZZ_CHECK ("entry-prefix",
                proto_stub_decode (&again, sig_again, data, stub_len - 1)
                    == PROTO_REJECT_TRUNCATED);
    FUZZ_CHECK ("entry-prefix",
                proto_stub_decode (&again, sig_again, data, header_len)
                    == PROTO_REJECT_TRUNCATED);
    FUZZ_CHECK ("entry-prefix",
                proto_stub_decode (&again, sig_again, data, S_OFF_AUDIENCE)
                    == PROTO_REJECT_TRUNCATED);

    proto_header_t verified;
    proto_reject_t vrc = proto_stub_verify (&verified, data, stub_len);
    FUZZ_CHECK ("entry-reason",
                vrc == PROTO_OK || vrc == PROTO_REJECT_SIGNATURE);
    FUZZ_CHECK ("entry-verify", s_header_eq (&verified, &header));
    s_resign (&header, data, stub_len);

    /* The tail is the payload: as the header says, then with length and
       hash set from it so the form rules are reached.                      */
    const uint8_t *tail = data + stub_len;
    size_t tail_len = size - stub_len;
    s_check_payload (&header, tail, tail_len);
    if (tail_len >= 1 && tail_len <= PROTO_STORED_PAYLOAD_MAX) {
        proto_header_t fixed = header;
        fixed.payload_len = (uint32_t) tail_len;
        proto_hash (fixed.payload_hash, tail, tail_len);
        s_check_payload (&fixed, tail, tail_len);
    }
    return 0;
}
