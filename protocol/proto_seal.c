/* SPDX-License-Identifier: MPL-2.0 */
/* proto_seal: end-to-end sealing of RED payloads to named recipients. */

/* The sealed payload, version 1 (integers big-endian; docs/protocol.md §6):

       offset      size      field
       0           2         magic %xCE %xC1
       2           1         version = 1
       3           1         alg = 1 (X25519 sealed boxes + XChaCha20-
                             Poly1305-IETF)
       4           1         count (1..65)
       5           112 * n   slots, strictly ascending by recipient key:
                               recipient Ed25519 public key (32)
                               crypto_box_seal(content key) (80)
       5+112n      24        nonce
       29+112n     4         ct_len (17..PROTO_PAYLOAD_MAX + 16)
       33+112n     ct_len    XChaCha20-Poly1305-IETF(plaintext payload,
                             AD = "CEPTOAR-SEALED-V1" || 0x00 || author)

   A fresh content key and nonce are drawn for every seal, so sealing is
   randomised; the content key lives on the stack only and is wiped with
   sodium_memzero on every path. Integrity against a carrier comes from the
   signed header's payload hash, which covers these bytes; the AEAD tag and
   the author in the additional data make a recipient refuse a payload
   lifted into another author's entry.

   This module does not map Ed25519 identities to X25519 keys: the caller
   takes both from the roster (keys/).                                       */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_seal.h"
#include "proto_entry.h"
#include "proto_payload.h"

#define S_AD_TAG         "CEPTOAR-SEALED-V1"
#define S_AD_TAG_LEN     sizeof (S_AD_TAG)   /* 18: tag plus the 0x00 */
#define S_AD_BYTES       (S_AD_TAG_LEN + PROTO_PK_BYTES)
#define S_NONCE_BYTES    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define S_TAG_BYTES      crypto_aead_xchacha20poly1305_ietf_ABYTES
#define S_BOXED_BYTES    (crypto_box_SEALBYTES + PROTO_SEAL_KEY_BYTES)
#define S_OFF_COUNT      4
#define S_OFF_SLOTS      5
/* Bytes around the slots: magic, version, alg, count, nonce, ct_len.        */
#define S_FRAME_BYTES    (S_OFF_SLOTS + S_NONCE_BYTES + 4)
#define S_CT_MAX         (PROTO_PAYLOAD_MAX + S_TAG_BYTES)

/* ------------------------------------------------------------------------
   Sealed size for a len-byte plaintext and n recipients.                   */
size_t
proto_seal_size (size_t len, size_t n)
{
    return S_FRAME_BYTES + n * PROTO_SEAL_SLOT_BYTES + len + S_TAG_BYTES;
}

static void
s_additional_data (uint8_t ad[S_AD_BYTES],
                   const uint8_t author_pk[PROTO_PK_BYTES])
{
    memcpy (ad, S_AD_TAG, S_AD_TAG_LEN);
    memcpy (ad + S_AD_TAG_LEN, author_pk, PROTO_PK_BYTES);
}

/* ------------------------------------------------------------------------
   Seal plain for n recipients into out; bytes written or 0.                 */
size_t
proto_seal (const uint8_t *plain, size_t len,
            const uint8_t author_pk[PROTO_PK_BYTES],
            const proto_recipient_t *recipients, size_t n, uint8_t *out,
            size_t cap)
{
    assert (plain || len == 0);
    assert (author_pk);
    assert (recipients || n == 0);
    assert (out || cap == 0);
    if (len < 1 || len > PROTO_PAYLOAD_MAX)
        return 0;
    if (n < 1 || n > PROTO_SEAL_MAX_RECIPIENTS)
        return 0;
    size_t size = proto_seal_size (len, n);
    if (size > cap)
        return 0;

    /* Slots go in ascending key order: sort an index, refuse repeats. */
    uint8_t order[PROTO_SEAL_MAX_RECIPIENTS] = { 0 };
    for (size_t i = 0; i < n; i++) {
        size_t at = i;
        while (at > 0
               && memcmp (recipients[order[at - 1]].sign_pk,
                          recipients[i].sign_pk, PROTO_PK_BYTES) > 0) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = (uint8_t) i;
    }
    for (size_t i = 1; i < n; i++)
        if (!memcmp (recipients[order[i - 1]].sign_pk,
                     recipients[order[i]].sign_pk, PROTO_PK_BYTES))
            return 0;

    uint8_t key[PROTO_SEAL_KEY_BYTES];
    crypto_aead_xchacha20poly1305_ietf_keygen (key);
    out[0] = PROTO_SEAL_MAGIC0;
    out[1] = PROTO_SEAL_MAGIC1;
    out[2] = PROTO_SEAL_VERSION;
    out[3] = PROTO_SEAL_ALG;
    out[S_OFF_COUNT] = (uint8_t) n;
    uint8_t *p = out + S_OFF_SLOTS;
    for (size_t i = 0; i < n; i++) {
        const proto_recipient_t *r = &recipients[order[i]];
        memcpy (p, r->sign_pk, PROTO_PK_BYTES);
        /* Fails only for a degenerate X25519 key (small order). */
        if (crypto_box_seal (p + PROTO_PK_BYTES, key, sizeof key, r->box_pk)
            != 0) {
            sodium_memzero (key, sizeof key);
            return 0;
        }
        p += PROTO_SEAL_SLOT_BYTES;
    }
    uint8_t *nonce = p;
    randombytes_buf (nonce, S_NONCE_BYTES);
    p += S_NONCE_BYTES;
    uint32_t ct_len = (uint32_t) (len + S_TAG_BYTES);
    p[0] = (uint8_t) (ct_len >> 24);
    p[1] = (uint8_t) (ct_len >> 16);
    p[2] = (uint8_t) (ct_len >> 8);
    p[3] = (uint8_t) ct_len;
    p += 4;
    uint8_t ad[S_AD_BYTES];
    s_additional_data (ad, author_pk);
    unsigned long long written;
    crypto_aead_xchacha20poly1305_ietf_encrypt (p, &written, plain, len, ad,
                                                sizeof ad, NULL, nonce, key);
    sodium_memzero (key, sizeof key);
    assert (written == ct_len);
    assert ((size_t) (p + ct_len - out) == size);
    return size;
}

/* ------------------------------------------------------------------------
   Structural check, in wire order; limits before lengths.                   */
proto_reject_t
proto_seal_check (const uint8_t *sealed, size_t len)
{
    assert (sealed || len == 0);
    if (len < 1)
        return PROTO_REJECT_TRUNCATED;
    if (sealed[0] != PROTO_SEAL_MAGIC0)
        return PROTO_REJECT_MAGIC;
    if (len < 2)
        return PROTO_REJECT_TRUNCATED;
    if (sealed[1] != PROTO_SEAL_MAGIC1)
        return PROTO_REJECT_MAGIC;
    if (len < 3)
        return PROTO_REJECT_TRUNCATED;
    if (sealed[2] != PROTO_SEAL_VERSION)
        return PROTO_REJECT_VERSION;
    if (len < 4)
        return PROTO_REJECT_TRUNCATED;
    if (sealed[3] != PROTO_SEAL_ALG)
        return PROTO_REJECT_VERSION;
    if (len > PROTO_STORED_PAYLOAD_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (len < S_OFF_SLOTS)
        return PROTO_REJECT_TRUNCATED;
    size_t count = sealed[S_OFF_COUNT];
    if (count < 1)
        return PROTO_REJECT_FIELD;
    if (count > PROTO_SEAL_MAX_RECIPIENTS)
        return PROTO_REJECT_OVERSIZE;
    size_t at = S_OFF_SLOTS;
    for (size_t i = 0; i < count; i++) {
        if (len - at < PROTO_SEAL_SLOT_BYTES)
            return PROTO_REJECT_TRUNCATED;
        /* One encoding per recipient set: keys strictly ascending. */
        if (i > 0
            && memcmp (sealed + at - PROTO_SEAL_SLOT_BYTES, sealed + at,
                       PROTO_PK_BYTES) >= 0)
            return PROTO_REJECT_NONCANONICAL;
        at += PROTO_SEAL_SLOT_BYTES;
    }
    if (len - at < S_NONCE_BYTES + 4)
        return PROTO_REJECT_TRUNCATED;
    at += S_NONCE_BYTES;
    size_t ct_len = (size_t) sealed[at] << 24 | (size_t) sealed[at + 1] << 16
                    | (size_t) sealed[at + 2] << 8 | sealed[at + 3];
    at += 4;
    /* At least one byte of plaintext, at most a whole payload. */
    if (ct_len < S_TAG_BYTES + 1)
        return PROTO_REJECT_FIELD;
    if (ct_len > S_CT_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (len - at < ct_len)
        return PROTO_REJECT_TRUNCATED;
    if (len - at > ct_len)
        return PROTO_REJECT_TRAILING;
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   The slot of sign_pk in a checked sealed payload, or NULL.                 */
static const uint8_t *
s_find_slot (const uint8_t *sealed, const uint8_t sign_pk[PROTO_PK_BYTES])
{
    size_t count = sealed[S_OFF_COUNT];
    const uint8_t *slot = sealed + S_OFF_SLOTS;
    for (size_t i = 0; i < count; i++, slot += PROTO_SEAL_SLOT_BYTES) {
        int cmp = memcmp (slot, sign_pk, PROTO_PK_BYTES);
        if (cmp == 0)
            return slot;
        if (cmp > 0)
            break;          /* sorted: it cannot come later */
    }
    return NULL;
}

bool
proto_seal_has_recipient (const uint8_t *sealed, size_t len,
                          const uint8_t sign_pk[PROTO_PK_BYTES])
{
    assert (sealed || len == 0);
    assert (sign_pk);
    if (proto_seal_check (sealed, len) != PROTO_OK)
        return false;
    return s_find_slot (sealed, sign_pk) != NULL;
}

/* ------------------------------------------------------------------------
   Open as one recipient; 0 with the plaintext in out, or -1.                */
int
proto_seal_open (const uint8_t *sealed, size_t len,
                 const uint8_t author_pk[PROTO_PK_BYTES],
                 const uint8_t sign_pk[PROTO_PK_BYTES],
                 const uint8_t box_pk[PROTO_BOXPK_BYTES],
                 const uint8_t box_sk[PROTO_BOXSK_BYTES], uint8_t *out,
                 size_t cap, size_t *out_len)
{
    assert (sealed || len == 0);
    assert (author_pk);
    assert (sign_pk);
    assert (box_pk);
    assert (box_sk);
    assert (out || cap == 0);
    assert (out_len);
    *out_len = 0;
    if (proto_seal_check (sealed, len) != PROTO_OK)
        return -1;
    const uint8_t *slot = s_find_slot (sealed, sign_pk);
    if (!slot)
        return -1;
    size_t count = sealed[S_OFF_COUNT];
    const uint8_t *nonce = sealed + S_OFF_SLOTS
                           + count * PROTO_SEAL_SLOT_BYTES;
    const uint8_t *ct = nonce + S_NONCE_BYTES + 4;
    size_t ct_len = len - (size_t) (ct - sealed);
    if (cap < ct_len - S_TAG_BYTES)
        return -1;

    uint8_t key[PROTO_SEAL_KEY_BYTES];
    if (crypto_box_seal_open (key, slot + PROTO_PK_BYTES, S_BOXED_BYTES,
                              box_pk, box_sk)
        != 0) {
        sodium_memzero (key, sizeof key);
        return -1;
    }
    uint8_t ad[S_AD_BYTES];
    s_additional_data (ad, author_pk);
    unsigned long long plain_len;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt (
        out, &plain_len, NULL, ct, ct_len, ad, sizeof ad, nonce, key);
    sodium_memzero (key, sizeof key);
    if (rc != 0)
        return -1;
    *out_len = (size_t) plain_len;
    return 0;
}

/* ------------------------------------------------------------------------
   Sealed signature octets.                                                  */
bool
proto_seal_is_sealed (const uint8_t *buf, size_t len)
{
    return buf && len >= 2 && buf[0] == PROTO_SEAL_MAGIC0
           && buf[1] == PROTO_SEAL_MAGIC1;
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */
typedef struct {
    uint8_t sign_pk[PROTO_PK_BYTES];
    uint8_t sign_sk[PROTO_SK_BYTES];
    uint8_t box_pk[PROTO_BOXPK_BYTES];
    uint8_t box_sk[PROTO_BOXSK_BYTES];
} s_node_t;

static void
s_node_init (s_node_t *node, uint8_t tag)
{
    uint8_t seed[PROTO_SEED_BYTES];
    memset (seed, tag, sizeof seed);
    crypto_sign_seed_keypair (node->sign_pk, node->sign_sk, seed);
    seed[0] ^= 0xFF;
    crypto_box_seed_keypair (node->box_pk, node->box_sk, seed);
}

static int
s_open (const uint8_t *sealed, size_t len, const uint8_t *author,
        const s_node_t *node, uint8_t *out, size_t cap, size_t *out_len)
{
    return proto_seal_open (sealed, len, author, node->sign_pk, node->box_pk,
                            node->box_sk, out, cap, out_len);
}

void
proto_seal_test (bool verbose)
{
    printf (" * proto_seal: ");
    fflush (stdout);
    static_assert (PROTO_SEAL_SLOT_BYTES == 112, "slot size");
    assert (proto_seal_size (1, 1) == 5 + 112 + 24 + 4 + 1 + 16);

    /* Author A seals to itself and B, C; D is a member left out. */
    s_node_t a, b, c, d;
    s_node_init (&a, 0xA0);
    s_node_init (&b, 0xB0);
    s_node_init (&c, 0xC0);
    s_node_init (&d, 0xD0);
    const s_node_t *to[3] = { &c, &a, &b };
    proto_recipient_t recipients[PROTO_SEAL_MAX_RECIPIENTS + 1];
    for (size_t i = 0; i < 3; i++) {
        memcpy (recipients[i].sign_pk, to[i]->sign_pk, PROTO_PK_BYTES);
        memcpy (recipients[i].box_pk, to[i]->box_pk, PROTO_BOXPK_BYTES);
    }
    /* A real payload as the plaintext. */
    uint8_t plain[256];
    proto_payload_t payload;
    proto_payload_init (&payload, PROTO_KIND_INCIDENT, 4);
    payload.title = "Wire fraud, RED";
    payload.title_len = strlen (payload.title);
    size_t plain_len = proto_payload_encode (&payload, plain, sizeof plain);
    assert (plain_len > 0);

    uint8_t sealed[4096], sealed2[4096], out[4096];
    size_t size = proto_seal (plain, plain_len, a.sign_pk, recipients, 3,
                              sealed, sizeof sealed);
    assert (size == proto_seal_size (plain_len, 3));
    assert (proto_seal_is_sealed (sealed, size));
    assert (!proto_seal_is_sealed (plain, plain_len));
    assert (!proto_payload_is_plaintext (sealed, size));
    assert (proto_seal_check (sealed, size) == PROTO_OK);
    assert (sealed[4] == 3);
    /* Slots are sorted and the plaintext does not show through. */
    for (size_t i = 1; i < 3; i++)
        assert (memcmp (sealed + 5 + (i - 1) * 112, sealed + 5 + i * 112, 32)
                < 0);
    for (size_t i = 0; i + 4 <= size; i++)
        assert (memcmp (sealed + i, "Wire", 4));
    /* Sealing is randomised: a second seal differs. */
    assert (proto_seal (plain, plain_len, a.sign_pk, recipients, 3, sealed2,
                        sizeof sealed2)
            == size);
    assert (memcmp (sealed, sealed2, size));

    /* Every recipient opens; others cannot. */
    const s_node_t *all[3] = { &a, &b, &c };
    for (size_t i = 0; i < 3; i++) {
        size_t out_len = 0;
        assert (proto_seal_has_recipient (sealed, size, all[i]->sign_pk));
        assert (s_open (sealed, size, a.sign_pk, all[i], out, sizeof out,
                        &out_len)
                == 0);
        assert (out_len == plain_len && !memcmp (out, plain, plain_len));
        /* Exactly enough room is enough; one byte less is not. */
        /* NOLINTNEXTLINE(readability-suspicious-call-argument) */
        assert (s_open (sealed, size, a.sign_pk, all[i], out, plain_len,
                        &out_len)
                == 0);
        assert (s_open (sealed, size, a.sign_pk, all[i], out, plain_len - 1,
                        &out_len)
                == -1);
    }
    size_t out_len = 1;
    assert (!proto_seal_has_recipient (sealed, size, d.sign_pk));
    assert (s_open (sealed, size, a.sign_pk, &d, out, sizeof out, &out_len)
            == -1);
    assert (out_len == 0);
    /* D claims B's slot with its own box key: the box does not open. */
    assert (proto_seal_open (sealed, size, a.sign_pk, b.sign_pk, d.box_pk,
                             d.box_sk, out, sizeof out, &out_len)
            == -1);
    /* Wrong author (the payload lifted into B's entry): refused. */
    assert (s_open (sealed, size, b.sign_pk, &b, out, sizeof out, &out_len)
            == -1);
    /* Any change to the nonce, length or ciphertext: refused. */
    size_t body_at = 5 + 3 * 112;
    for (size_t at = body_at; at < size; at++) {
        memcpy (sealed2, sealed, size);
        sealed2[at] ^= 0x01;
        assert (s_open (sealed2, size, a.sign_pk, &b, out, sizeof out,
                        &out_len)
                == -1);
    }
    /* A change in a recipient's own slot: that recipient is refused. */
    for (size_t at = 5; at < body_at; at++) {
        memcpy (sealed2, sealed, size);
        sealed2[at] ^= 0x80;
        const uint8_t *slot_pk = sealed + 5 + (at - 5) / 112 * 112;
        for (size_t i = 0; i < 3; i++)
            if (!memcmp (slot_pk, all[i]->sign_pk, PROTO_PK_BYTES))
                assert (s_open (sealed2, size, a.sign_pk, all[i], out,
                                sizeof out, &out_len)
                        == -1);
    }

    /* Structure: truncations, trailing bytes, fields. */
    for (size_t cut = 0; cut < size; cut++) {
        assert (proto_seal_check (sealed, cut) == PROTO_REJECT_TRUNCATED);
        assert (!proto_seal_has_recipient (sealed, cut, a.sign_pk));
        assert (s_open (sealed, cut, a.sign_pk, &a, out, sizeof out,
                        &out_len)
                == -1);
    }
    memcpy (sealed2, sealed, size);
    sealed2[size] = 0;
    assert (proto_seal_check (sealed2, size + 1) == PROTO_REJECT_TRAILING);
    assert (s_open (sealed2, size + 1, a.sign_pk, &a, out, sizeof out,
                    &out_len)
            == -1);
#define S_EDIT(offset, value, reason)                                        \
    do {                                                                     \
        memcpy (sealed2, sealed, size);                                      \
        sealed2[offset] = (value);                                           \
        assert (proto_seal_check (sealed2, size) == (reason));               \
    } while (0)
    S_EDIT (0, 0xCF, PROTO_REJECT_MAGIC);
    S_EDIT (1, 0xB1, PROTO_REJECT_MAGIC);
    S_EDIT (2, 2, PROTO_REJECT_VERSION);
    S_EDIT (3, 2, PROTO_REJECT_VERSION);
    S_EDIT (4, 0, PROTO_REJECT_FIELD);
    S_EDIT (4, PROTO_SEAL_MAX_RECIPIENTS + 1, PROTO_REJECT_OVERSIZE);
    S_EDIT (body_at + 24, 0x01, PROTO_REJECT_OVERSIZE);   /* ct_len    */
    S_EDIT (body_at + 27, 0, PROTO_REJECT_FIELD);
    S_EDIT (body_at + 27, sealed[body_at + 27] - 1, PROTO_REJECT_TRAILING);
#undef S_EDIT
    /* Two slots swapped, or two equal slots, are non-canonical. */
    memcpy (sealed2, sealed, size);
    memcpy (sealed2 + 5, sealed + 5 + 112, 112);
    memcpy (sealed2 + 5 + 112, sealed + 5, 112);
    assert (proto_seal_check (sealed2, size) == PROTO_REJECT_NONCANONICAL);
    memcpy (sealed2, sealed, size);
    memcpy (sealed2 + 5 + 112, sealed2 + 5, 112);
    assert (proto_seal_check (sealed2, size) == PROTO_REJECT_NONCANONICAL);

    /* Bad arguments give 0. */
    assert (proto_seal (plain, 0, a.sign_pk, recipients, 3, sealed2,
                        sizeof sealed2)
            == 0);
    assert (proto_seal (plain, plain_len, a.sign_pk, recipients, 0, sealed2,
                        sizeof sealed2)
            == 0);
    assert (proto_seal (plain, plain_len, a.sign_pk, recipients, 3, sealed2,
                        size - 1)
            == 0);
    recipients[3] = recipients[1];
    assert (proto_seal (plain, plain_len, a.sign_pk, recipients, 4, sealed2,
                        sizeof sealed2)
            == 0);
    /* A small-order X25519 key (all zero) cannot be sealed to. */
    memcpy (recipients[3].sign_pk, d.sign_pk, PROTO_PK_BYTES);
    memset (recipients[3].box_pk, 0, PROTO_BOXPK_BYTES);
    assert (proto_seal (plain, plain_len, a.sign_pk, recipients, 4, sealed2,
                        sizeof sealed2)
            == 0);

    /* The most recipients: 64 named nodes plus the author; one more is
       refused. Only the last recipient opens it here, to keep this quick. */
    for (size_t i = 0; i <= PROTO_SEAL_MAX_RECIPIENTS; i++) {
        memset (recipients[i].sign_pk, (int) (PROTO_SEAL_MAX_RECIPIENTS - i),
                PROTO_PK_BYTES);
        memcpy (recipients[i].box_pk, d.box_pk, PROTO_BOXPK_BYTES);
    }
    memcpy (recipients[PROTO_SEAL_MAX_RECIPIENTS - 1].sign_pk, c.sign_pk,
            PROTO_PK_BYTES);
    memcpy (recipients[PROTO_SEAL_MAX_RECIPIENTS - 1].box_pk, c.box_pk,
            PROTO_BOXPK_BYTES);
    size_t big_cap = proto_seal_size (plain_len, PROTO_SEAL_MAX_RECIPIENTS);
    uint8_t *big = malloc (big_cap + 1);
    assert (big);
    assert (proto_seal (plain, plain_len, a.sign_pk, recipients,
                        PROTO_SEAL_MAX_RECIPIENTS + 1, big, big_cap + 1)
            == 0);
    size_t big_len = proto_seal (plain, plain_len, a.sign_pk, recipients,
                                 PROTO_SEAL_MAX_RECIPIENTS, big, big_cap);
    assert (big_len == big_cap);
    assert (proto_seal_check (big, big_len) == PROTO_OK);
    assert (s_open (big, big_len, a.sign_pk, &c, out, sizeof out, &out_len)
            == 0);
    assert (out_len == plain_len && !memcmp (out, plain, plain_len));
    free (big);

    /* In an entry: any node checks the header and the sealed payload
       without opening it; only recipients read it. */
    proto_header_t h;
    memset (&h, 0, sizeof h);
    memcpy (h.author, a.sign_pk, PROTO_PK_BYTES);
    h.seq = 1;
    h.timestamp_ms = proto_now_ms ();
    h.level = PROTO_LEVEL_RED;
    proto_audience_set_nodes (&h.audience);
    assert (proto_audience_add_node (&h.audience, b.sign_pk) == 0);
    assert (proto_audience_add_node (&h.audience, c.sign_pk) == 0);
    h.payload_len = (uint32_t) size;
    proto_hash (h.payload_hash, sealed, size);
    uint8_t stub[PROTO_STUB_MAX];
    size_t stub_len = proto_entry_sign (&h, a.sign_sk, stub, sizeof stub);
    assert (stub_len > 0);
    proto_header_t seen;
    assert (proto_stub_verify (&seen, stub, stub_len) == PROTO_OK);
    assert (proto_payload_matches (&seen, sealed, size) == PROTO_OK);
    assert (s_open (sealed, size, seen.author, &c, out, sizeof out,
                    &out_len)
            == 0);
    proto_payload_t opened;
    assert (proto_payload_decode (&opened, out, out_len) == PROTO_OK);
    assert (opened.kind == PROTO_KIND_INCIDENT);

    sodium_memzero (&a, sizeof a);
    sodium_memzero (&b, sizeof b);
    sodium_memzero (&c, sizeof c);
    sodium_memzero (&d, sizeof d);
    if (verbose)
        printf ("(%zu-byte payload sealed to 3: %zu bytes) ", plain_len,
                size);
    printf ("OK\n");
}
