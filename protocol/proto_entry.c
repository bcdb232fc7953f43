/* SPDX-License-Identifier: MPL-2.0 */
/* proto_entry: the signed entry header ("stub"): canonical encoding,
   signing, verification and entry ids. */

/* The header, version 1 (all integers big-endian; docs/protocol.md §4):

       offset  size  field
       0       2     magic %xCE %xE1
       2       1     version = 1
       3       1     sig_alg = 1 (Ed25519)
       4       32    author Ed25519 public key
       36      8     seq (>= 1)
       44      32    prev: id of entry seq-1; all zero iff seq = 1
       76      8     timestamp_ms
       84      1     level (1..5)
       85      1     flags (PROTO_FLAGS_KNOWN bits only)
       86      A     audience (proto_audience.c; A = 1 for the council)
       86+A    4     payload_len (1..PROTO_STORED_PAYLOAD_MAX)
       90+A    32    payload_hash = BLAKE2b-256(stored payload)

   The stub is header || Ed25519 signature over
   "CEPTOAR-ENTRY-V1" || 0x00 || header, and the entry id is
   BLAKE2b-256(stub). Every value has exactly one encoding, so the decoder
   checks every rule the encoder enforces; signing and verifying work on
   the stub's own header bytes, never on a re-encoding.

   Signing and verifying are hot paths (replication verifies every stub it
   receives): they use one stack buffer and never allocate.

   This module checks one entry on its own. Chain rules (seq = head + 1,
   prev = head id), forks and roster membership need the store and the
   roster and live in node/ and keys/.                                       */

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto_entry.h"
#include "proto_payload.h"
#include "proto_seal.h"
#include "proto_bytes.h"

/* Domain tag signed before the header bytes (with its NUL).                 */
#define S_SIG_TAG      "CEPTOAR-ENTRY-V1"
#define S_SIG_TAG_LEN  sizeof (S_SIG_TAG) /* 17: tag plus the 0x00 octet */
#define S_MSG_MAX      (S_SIG_TAG_LEN + PROTO_HEADER_MAX)

/* Offsets of the fixed fields before the audience.                          */
#define S_OFF_VERSION  2
#define S_OFF_ALG      3
#define S_OFF_AUTHOR   4
#define S_OFF_SEQ      36
#define S_OFF_PREV     44
#define S_OFF_TIME     76
#define S_OFF_LEVEL    84
#define S_OFF_FLAGS    85
#define S_OFF_AUDIENCE 86
/* Bytes after the audience: payload_len and payload_hash.                   */
#define S_TAIL_BYTES   (4 + PROTO_HASH_BYTES)





/* ------------------------------------------------------------------------
   Encode the header canonically; 0 on an invalid field or short cap.        */
size_t
proto_header_encode (const proto_header_t *self, uint8_t *buf, size_t cap)
{
    assert (self);
    assert (buf || cap == 0);
    if (self->seq < 1)
        return 0;
    /* prev is all zero exactly at the start of a chain. */
    bool prev_zero = sodium_is_zero (self->prev, PROTO_HASH_BYTES) == 1;
    if (prev_zero != (self->seq == 1))
        return 0;
    if (!proto_level_valid ((int) self->level))
        return 0;
    if (self->flags & ~PROTO_FLAGS_KNOWN)
        return 0;
    if (self->payload_len < 1 || self->payload_len > PROTO_STORED_PAYLOAD_MAX)
        return 0;
    /* RED is sealed to named recipients, so it needs a named-nodes
       audience (DESIGN §2). */
    if (self->level == PROTO_LEVEL_RED
        && self->audience.type != PROTO_AUDIENCE_NODES)
        return 0;
    size_t audience_size = proto_audience_encoded_size (&self->audience);
    if (audience_size == 0)
        return 0;
    size_t size = S_OFF_AUDIENCE + audience_size + S_TAIL_BYTES;
    if (size > cap)
        return 0;

    buf[0] = PROTO_ENTRY_MAGIC0;
    buf[1] = PROTO_ENTRY_MAGIC1;
    buf[S_OFF_VERSION] = PROTO_ENTRY_VERSION;
    buf[S_OFF_ALG] = PROTO_SIG_ALG_ED25519;
    memcpy (buf + S_OFF_AUTHOR, self->author, PROTO_PK_BYTES);
    proto_put_u64 (buf + S_OFF_SEQ, self->seq);
    memcpy (buf + S_OFF_PREV, self->prev, PROTO_HASH_BYTES);
    proto_put_u64 (buf + S_OFF_TIME, self->timestamp_ms);
    buf[S_OFF_LEVEL] = (uint8_t) self->level;
    buf[S_OFF_FLAGS] = self->flags;
    size_t done = proto_audience_encode (&self->audience,
                                         buf + S_OFF_AUDIENCE,
                                         cap - S_OFF_AUDIENCE);
    assert (done == audience_size);
    uint8_t *tail = buf + S_OFF_AUDIENCE + audience_size;
    proto_put_u32 (tail, self->payload_len);
    memcpy (tail + 4, self->payload_hash, PROTO_HASH_BYTES);
    return size;
}

/* ------------------------------------------------------------------------
   Strictly decode a header from the start of buf; *used gets its length.
   Fields are checked in wire order, so the first broken rule is reported. */
static proto_reject_t
s_header_decode (proto_header_t *self, const uint8_t *buf, size_t len,
                 size_t *used)
{
    memset (self, 0, sizeof *self);
    *used = 0;
    /* Magic and version first, so junk is refused at the first octets. */
    if (len < 1)
        return PROTO_REJECT_TRUNCATED;
    if (buf[0] != PROTO_ENTRY_MAGIC0)
        return PROTO_REJECT_MAGIC;
    if (len < 2)
        return PROTO_REJECT_TRUNCATED;
    if (buf[1] != PROTO_ENTRY_MAGIC1)
        return PROTO_REJECT_MAGIC;
    if (len < 3)
        return PROTO_REJECT_TRUNCATED;
    if (buf[S_OFF_VERSION] != PROTO_ENTRY_VERSION)
        return PROTO_REJECT_VERSION;
    if (len < 4)
        return PROTO_REJECT_TRUNCATED;
    if (buf[S_OFF_ALG] != PROTO_SIG_ALG_ED25519)
        return PROTO_REJECT_VERSION;
    if (len < S_OFF_AUDIENCE)
        return PROTO_REJECT_TRUNCATED;

    memcpy (self->author, buf + S_OFF_AUTHOR, PROTO_PK_BYTES);
    self->seq = proto_get_u64 (buf + S_OFF_SEQ);
    if (self->seq < 1)
        return PROTO_REJECT_FIELD;
    memcpy (self->prev, buf + S_OFF_PREV, PROTO_HASH_BYTES);
    bool prev_zero = sodium_is_zero (self->prev, PROTO_HASH_BYTES) == 1;
    if (prev_zero != (self->seq == 1))
        return PROTO_REJECT_FIELD;
    self->timestamp_ms = proto_get_u64 (buf + S_OFF_TIME);
    if (!proto_level_valid (buf[S_OFF_LEVEL]))
        return PROTO_REJECT_FIELD;
    self->level = (proto_level_t) buf[S_OFF_LEVEL];
    self->flags = buf[S_OFF_FLAGS];
    if (self->flags & ~PROTO_FLAGS_KNOWN)
        return PROTO_REJECT_FIELD;

    size_t audience_size;
    proto_reject_t rc = proto_audience_decode (
        &self->audience, buf + S_OFF_AUDIENCE, len - S_OFF_AUDIENCE,
        &audience_size);
    if (rc != PROTO_OK)
        return rc;
    if (self->level == PROTO_LEVEL_RED
        && self->audience.type != PROTO_AUDIENCE_NODES)
        return PROTO_REJECT_FIELD;

    size_t at = S_OFF_AUDIENCE + audience_size;
    if (len - at < 4)
        return PROTO_REJECT_TRUNCATED;
    self->payload_len = proto_get_u32 (buf + at);
    if (self->payload_len < 1)
        return PROTO_REJECT_FIELD;
    if (self->payload_len > PROTO_STORED_PAYLOAD_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (len - at - 4 < PROTO_HASH_BYTES)
        return PROTO_REJECT_TRUNCATED;
    memcpy (self->payload_hash, buf + at + 4, PROTO_HASH_BYTES);
    *used = at + S_TAIL_BYTES;
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   Lay out "CEPTOAR-ENTRY-V1" || 0x00 || header in msg; returns its size.    */
static size_t
s_signed_message (uint8_t msg[S_MSG_MAX], const uint8_t *header, size_t len)
{
    assert (len <= PROTO_HEADER_MAX);
    memcpy (msg, S_SIG_TAG, S_SIG_TAG_LEN);
    memcpy (msg + S_SIG_TAG_LEN, header, len);
    return S_SIG_TAG_LEN + len;
}

/* ------------------------------------------------------------------------
   Encode and sign into buf; the stub's length or 0.                         */
size_t
proto_entry_sign (const proto_header_t *self,
                  const uint8_t sk[PROTO_SK_BYTES], uint8_t *buf, size_t cap)
{
    assert (self);
    assert (sk);
    assert (buf || cap == 0);
    /* libsodium's secret key is seed || public key: refuse to sign a
       header that names another author. */
    if (memcmp (sk + PROTO_SK_BYTES - PROTO_PK_BYTES, self->author,
                PROTO_PK_BYTES))
        return 0;
    uint8_t msg[S_MSG_MAX];
    size_t header_len = proto_header_encode (self, msg + S_SIG_TAG_LEN,
                                             PROTO_HEADER_MAX);
    if (header_len == 0 || header_len + PROTO_SIG_BYTES > cap)
        return 0;
    memcpy (msg, S_SIG_TAG, S_SIG_TAG_LEN);
    memcpy (buf, msg + S_SIG_TAG_LEN, header_len);
    crypto_sign_detached (buf + header_len, NULL, msg,
                          S_SIG_TAG_LEN + header_len, sk);
    return header_len + PROTO_SIG_BYTES;
}

/* ------------------------------------------------------------------------
   Decode a stub without checking its signature.                             */
proto_reject_t
proto_stub_decode (proto_header_t *header, uint8_t sig[PROTO_SIG_BYTES],
                   const uint8_t *stub, size_t len)
{
    assert (header);
    assert (sig);
    assert (stub || len == 0);
    size_t header_len;
    proto_reject_t rc = s_header_decode (header, stub, len, &header_len);
    if (rc != PROTO_OK)
        return rc;
    if (len - header_len < PROTO_SIG_BYTES)
        return PROTO_REJECT_TRUNCATED;
    if (len - header_len > PROTO_SIG_BYTES)
        return PROTO_REJECT_TRAILING;
    memcpy (sig, stub + header_len, PROTO_SIG_BYTES);
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   Decode, then verify the signature over the stub's own header bytes.      */
proto_reject_t
proto_stub_verify (proto_header_t *header, const uint8_t *stub, size_t len)
{
    assert (stub || len == 0);
    proto_header_t local;
    if (!header)
        header = &local;
    uint8_t sig[PROTO_SIG_BYTES];
    proto_reject_t rc = proto_stub_decode (header, sig, stub, len);
    if (rc != PROTO_OK)
        return rc;
    size_t header_len = len - PROTO_SIG_BYTES;
    uint8_t msg[S_MSG_MAX];
    size_t msg_len = s_signed_message (msg, stub, header_len);
    if (crypto_sign_verify_detached (sig, msg, msg_len, header->author) != 0)
        return PROTO_REJECT_SIGNATURE;
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   RED only: the sealed payload's recipients must be exactly the named
   nodes plus the author, so that sealing discloses to nobody outside the
   signed audience and the author can still read its own entry.             */
static bool
s_recipients_match (const proto_header_t *header, const uint8_t *sealed,
                    size_t len)
{
    const proto_audience_t *audience = &header->audience;
    size_t expected = audience->node_count;
    if (!proto_audience_names_node (audience, header->author)) {
        if (!proto_seal_has_recipient (sealed, len, header->author))
            return false;
        expected++;
    }
    for (size_t i = 0; i < audience->node_count; i++)
        if (!proto_seal_has_recipient (sealed, len, audience->nodes[i]))
            return false;
    /* Slots are distinct (proto_seal_check), so equal counts mean equal
       sets. The count octet follows magic, version and algorithm. */
    return sealed[4] == expected;
}

/* ------------------------------------------------------------------------
   Length, then hash, then form against the level.                          */
proto_reject_t
proto_payload_matches (const proto_header_t *header, const uint8_t *payload,
                       size_t len)
{
    assert (header);
    assert (payload || len == 0);
    if (len != header->payload_len)
        return PROTO_REJECT_PAYLOAD_LEN;
    uint8_t hash[PROTO_HASH_BYTES];
    proto_hash (hash, payload, len);
    if (memcmp (hash, header->payload_hash, PROTO_HASH_BYTES))
        return PROTO_REJECT_PAYLOAD_HASH;
    if (header->level == PROTO_LEVEL_RED) {
        if (!proto_seal_is_sealed (payload, len)
            || proto_seal_check (payload, len) != PROTO_OK
            || !s_recipients_match (header, payload, len))
            return PROTO_REJECT_SEALING;
    }
    else if (!proto_payload_is_plaintext (payload, len))
        return PROTO_REJECT_SEALING;
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   id = BLAKE2b-256(stub).                                                   */
void
proto_entry_id (uint8_t id[PROTO_HASH_BYTES], const uint8_t *stub,
                size_t len)
{
    assert (id);
    assert (stub || len == 0);
    proto_hash (id, stub, len);
}

/* ------------------------------------------------------------------------
   Wall clock in ms since the epoch.                                         */
uint64_t
proto_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */

/* A small valid plaintext payload, encoded into buf; returns its size.     */
static size_t
s_test_payload (uint8_t *buf, size_t cap, const char *title)
{
    proto_payload_t payload;
    proto_payload_init (&payload, PROTO_KIND_EARLY_WARNING, 3);
    assert (proto_payload_add_sector (&payload, PROTO_SECTOR_BANKING) == 0);
    payload.title = title;
    payload.title_len = strlen (title);
    payload.body = "Block 192.0.2.0/24.\n";
    payload.body_len = strlen (payload.body);
    size_t size = proto_payload_encode (&payload, buf, cap);
    assert (size > 0);
    return size;
}

static void
s_test_header (proto_header_t *h, const uint8_t pk[PROTO_PK_BYTES],
               const uint8_t *payload, size_t len)
{
    memset (h, 0, sizeof *h);
    memcpy (h->author, pk, PROTO_PK_BYTES);
    h->seq = 1;
    h->timestamp_ms = 1700000000000ULL;
    h->level = PROTO_LEVEL_GREEN;
    proto_audience_set_council (&h->audience);
    h->payload_len = (uint32_t) len;
    proto_hash (h->payload_hash, payload, len);
}

/* Every truncation of a valid stub is TRUNCATED; every single-byte change
   (three xor masks at every offset) fails to decode or to verify.          */
static void
s_test_mutations (const uint8_t *stub, size_t len)
{
    uint8_t copy[PROTO_STUB_MAX + 1];
    proto_header_t h;
    uint8_t sig[PROTO_SIG_BYTES];
    assert (len <= PROTO_STUB_MAX);
    assert (proto_stub_verify (NULL, stub, len) == PROTO_OK);
    for (size_t cut = 0; cut < len; cut++) {
        assert (proto_stub_decode (&h, sig, stub, cut)
                == PROTO_REJECT_TRUNCATED);
        assert (proto_stub_verify (NULL, stub, cut)
                == PROTO_REJECT_TRUNCATED);
    }
    static const uint8_t masks[] = { 0x01, 0x80, 0xFF };
    for (size_t at = 0; at < len; at++)
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy (copy, stub, len);
            copy[at] ^= masks[m];
            assert (proto_stub_verify (&h, copy, len) != PROTO_OK);
        }
    /* Trailing bytes, whatever they hold. */
    memcpy (copy, stub, len);
    copy[len] = 0;
    assert (proto_stub_decode (&h, sig, copy, len + 1)
            == PROTO_REJECT_TRAILING);
    assert (proto_stub_verify (NULL, copy, len + 1) == PROTO_REJECT_TRAILING);
}

void
proto_entry_test (bool verbose)
{
    printf (" * proto_entry: ");
    fflush (stdout);

    /* Reason names are stable: they appear in logs and vector files. */
    assert (!strcmp (proto_reject_name (PROTO_OK), "ok"));
    assert (!strcmp (proto_reject_name (PROTO_REJECT_TRUNCATED), "truncated"));
    assert (!strcmp (proto_reject_name (PROTO_REJECT_PAYLOAD_HASH),
                     "payload-hash"));
    assert (!strcmp (proto_reject_name (PROTO_REJECT_CHAIN_SEQ),
                     "chain-seq"));
    assert (!strcmp (proto_reject_name (PROTO_REJECT_NOT_CLEARED),
                     "not-cleared"));
    assert (!strcmp (proto_reject_name (PROTO_REJECT_TIME_ORDER),
                     "time-order"));
    assert (!strcmp (proto_reject_name (PROTO_REJECT_TIME_AHEAD),
                     "time-ahead"));
    assert (!strcmp (proto_reject_name ((proto_reject_t) 99), "unknown"));
    for (int r = 0; r < 64; r++) {
        const char *name = proto_reject_name ((proto_reject_t) r);
        assert (name);
        for (int q = 0; q < r; q++)
            assert (!strcmp (name, "unknown")
                    || strcmp (name, proto_reject_name ((proto_reject_t) q)));
    }

    assert (proto_now_ms () > 1600000000000ULL);

    uint8_t seed[PROTO_SEED_BYTES];
    uint8_t pk[PROTO_PK_BYTES], sk[PROTO_SK_BYTES];
    uint8_t pk2[PROTO_PK_BYTES], sk2[PROTO_SK_BYTES];
    memset (seed, 0x01, sizeof seed);
    crypto_sign_seed_keypair (pk, sk, seed);
    memset (seed, 0x02, sizeof seed);
    crypto_sign_seed_keypair (pk2, sk2, seed);

    uint8_t payload[512];
    size_t payload_len = s_test_payload (payload, sizeof payload,
                                         "Phishing wave against banks");

    /* Round trip, council audience: header is exactly 123 bytes. */
    proto_header_t h, d;
    s_test_header (&h, pk, payload, payload_len);
    h.flags = PROTO_FLAG_RECEIPT;
    uint8_t header[PROTO_HEADER_MAX];
    assert (proto_header_encode (&h, header, sizeof header)
            == PROTO_HEADER_FIXED_BYTES);
    assert (header[0] == 0xCE && header[1] == 0xE1 && header[2] == 1
            && header[3] == 1);
    assert (proto_header_encode (&h, header, PROTO_HEADER_FIXED_BYTES - 1)
            == 0);
    uint8_t stub[PROTO_STUB_MAX + 1], stub2[PROTO_STUB_MAX + 1];
    size_t stub_len = proto_entry_sign (&h, sk, stub, sizeof stub);
    assert (stub_len == PROTO_HEADER_FIXED_BYTES + PROTO_SIG_BYTES);
    assert (!memcmp (stub, header, PROTO_HEADER_FIXED_BYTES));
    assert (proto_entry_sign (&h, sk, stub2, stub_len - 1) == 0);
    /* Ed25519 is deterministic: signing again gives the same stub. */
    assert (proto_entry_sign (&h, sk, stub2, sizeof stub2) == stub_len);
    assert (!memcmp (stub, stub2, stub_len));
    uint8_t sig[PROTO_SIG_BYTES];
    assert (proto_stub_decode (&d, sig, stub, stub_len) == PROTO_OK);
    /* Whole values compared on purpose: decoding memsets them first. */
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    assert (!memcmp (&h, &d, sizeof h));
    assert (proto_stub_verify (&d, stub, stub_len) == PROTO_OK);
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    assert (!memcmp (&h, &d, sizeof h));
    assert (proto_stub_verify (NULL, stub, stub_len) == PROTO_OK);
    /* The signature is over the documented message. */
    uint8_t msg[S_MSG_MAX];
    memcpy (msg, "CEPTOAR-ENTRY-V1\0", 17);
    memcpy (msg + 17, stub, PROTO_HEADER_FIXED_BYTES);
    assert (crypto_sign_verify_detached (sig, msg,
                                         17 + PROTO_HEADER_FIXED_BYTES, pk)
            == 0);
    assert (crypto_sign_verify_detached (sig, stub,
                                         PROTO_HEADER_FIXED_BYTES, pk)
            != 0);
    uint8_t id[PROTO_HASH_BYTES], id2[PROTO_HASH_BYTES];
    proto_entry_id (id, stub, stub_len);
    proto_hash (id2, stub, stub_len);
    assert (!memcmp (id, id2, sizeof id));
    assert (proto_payload_matches (&d, payload, payload_len) == PROTO_OK);
    s_test_mutations (stub, stub_len);

    /* Signing with another key, or an invalid header, gives nothing. */
    assert (proto_entry_sign (&h, sk2, stub2, sizeof stub2) == 0);
    proto_header_t bad = h;
    bad.seq = 0;
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    bad = h;
    bad.prev[31] = 1;                     /* prev set at seq 1          */
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    bad = h;
    bad.seq = 2;                          /* prev zero at seq 2         */
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    bad = h;
    bad.level = (proto_level_t) 0;
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    bad.level = (proto_level_t) 6;
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    bad = h;
    bad.flags = 0x04;
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    bad = h;
    bad.payload_len = 0;
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    bad.payload_len = PROTO_STORED_PAYLOAD_MAX + 1;
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    bad.payload_len = PROTO_STORED_PAYLOAD_MAX;
    assert (proto_header_encode (&bad, header, sizeof header) > 0);
    bad = h;
    bad.level = PROTO_LEVEL_RED;          /* RED needs named nodes      */
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    assert (proto_audience_set_group (&bad.audience, "financial") == 0);
    assert (proto_header_encode (&bad, header, sizeof header) == 0);
    bad = h;
    proto_audience_set_nodes (&bad.audience);  /* empty node list      */
    assert (proto_header_encode (&bad, header, sizeof header) == 0);

    /* Decoder, field by field, on hand-edited copies of the stub. */
    uint8_t copy[PROTO_STUB_MAX + 1];
#define S_EDIT(offset, value, reason)                                        \
    do {                                                                     \
        memcpy (copy, stub, stub_len);                                       \
        copy[offset] = (value);                                              \
        assert (proto_stub_decode (&d, sig, copy, stub_len) == (reason));    \
    } while (0)
    S_EDIT (0, 0xCF, PROTO_REJECT_MAGIC);
    S_EDIT (1, 0xB1, PROTO_REJECT_MAGIC);     /* a payload is no stub */
    S_EDIT (1, 0xC1, PROTO_REJECT_MAGIC);
    S_EDIT (2, 0, PROTO_REJECT_VERSION);
    S_EDIT (2, 2, PROTO_REJECT_VERSION);
    S_EDIT (3, 0, PROTO_REJECT_VERSION);
    S_EDIT (3, 2, PROTO_REJECT_VERSION);
    S_EDIT (S_OFF_SEQ + 7, 0, PROTO_REJECT_FIELD);        /* seq 0        */
    S_EDIT (S_OFF_SEQ + 7, 2, PROTO_REJECT_FIELD);        /* seq 2, zero  */
    S_EDIT (S_OFF_PREV + 5, 1, PROTO_REJECT_FIELD);       /* seq 1, prev  */
    S_EDIT (S_OFF_LEVEL, 0, PROTO_REJECT_FIELD);
    S_EDIT (S_OFF_LEVEL, 6, PROTO_REJECT_FIELD);
    S_EDIT (S_OFF_LEVEL, PROTO_LEVEL_RED, PROTO_REJECT_FIELD);
    S_EDIT (S_OFF_FLAGS, 0x04, PROTO_REJECT_FIELD);
    S_EDIT (S_OFF_FLAGS, 0x80, PROTO_REJECT_FIELD);
    S_EDIT (S_OFF_AUDIENCE, 0, PROTO_REJECT_FIELD);
    S_EDIT (S_OFF_AUDIENCE, 4, PROTO_REJECT_FIELD);
    S_EDIT (S_OFF_AUDIENCE + 4, 0, PROTO_REJECT_FIELD);   /* length 0     */
    S_EDIT (S_OFF_AUDIENCE + 1, 0x01, PROTO_REJECT_OVERSIZE); /* > max    */
    /* Every known flag combination decodes. */
    for (int f = 0; f <= PROTO_FLAGS_KNOWN; f++) {
        memcpy (copy, stub, stub_len);
        copy[S_OFF_FLAGS] = (uint8_t) f;
        assert (proto_stub_decode (&d, sig, copy, stub_len) == PROTO_OK);
        assert (d.flags == f);
    }
#undef S_EDIT
    /* Oversize audience count, with or without the keys behind it. */
    memcpy (copy, stub, S_OFF_AUDIENCE);
    copy[S_OFF_AUDIENCE] = PROTO_AUDIENCE_NODES;
    copy[S_OFF_AUDIENCE + 1] = PROTO_AUDIENCE_MAX_NODES + 1;
    assert (proto_stub_decode (&d, sig, copy, S_OFF_AUDIENCE + 2)
            == PROTO_REJECT_OVERSIZE);
    /* A 64 KiB blob of junk after a valid stub is trailing, not ignored. */
    static uint8_t big[PROTO_STUB_MAX + 65536];
    memcpy (big, stub, stub_len);
    assert (proto_stub_verify (NULL, big, sizeof big)
            == PROTO_REJECT_TRAILING);

    /* Tampering: each case has its own reason. */
    uint8_t other[512];
    size_t other_len = s_test_payload (other, sizeof other,
                                       "Phishing wave against bankz");
    assert (other_len == payload_len);
    assert (proto_payload_matches (&h, other, other_len)
            == PROTO_REJECT_PAYLOAD_HASH);
    assert (proto_payload_matches (&h, payload, payload_len - 1)
            == PROTO_REJECT_PAYLOAD_LEN);
    assert (proto_payload_matches (&h, payload, 0)
            == PROTO_REJECT_PAYLOAD_LEN);
    /* A changed header field under the old signature. */
    proto_header_t changed = h;
    changed.timestamp_ms++;
    memcpy (copy, stub, stub_len);
    assert (proto_header_encode (&changed, copy, sizeof copy)
            == PROTO_HEADER_FIXED_BYTES);
    assert (proto_stub_verify (NULL, copy, stub_len)
            == PROTO_REJECT_SIGNATURE);
    changed = h;
    changed.level = PROTO_LEVEL_CLEAR;                /* a downgrade   */
    assert (proto_header_encode (&changed, copy, sizeof copy) > 0);
    assert (proto_stub_verify (NULL, copy, stub_len)
            == PROTO_REJECT_SIGNATURE);
    /* A changed payload hash under the old signature. */
    changed = h;
    proto_hash (changed.payload_hash, other, other_len);
    assert (proto_header_encode (&changed, copy, sizeof copy) > 0);
    assert (proto_stub_verify (NULL, copy, stub_len)
            == PROTO_REJECT_SIGNATURE);
    /* The signature of another entry. */
    changed = h;
    changed.seq = 2;
    memcpy (changed.prev, id, PROTO_HASH_BYTES);
    size_t stub2_len = proto_entry_sign (&changed, sk, stub2, sizeof stub2);
    assert (stub2_len == stub_len);
    assert (proto_stub_verify (NULL, stub2, stub2_len) == PROTO_OK);
    memcpy (copy, stub, stub_len);
    memcpy (copy + PROTO_HEADER_FIXED_BYTES,
            stub2 + PROTO_HEADER_FIXED_BYTES, PROTO_SIG_BYTES);
    assert (proto_stub_verify (NULL, copy, stub_len)
            == PROTO_REJECT_SIGNATURE);
    /* The same header, claimed by another author. */
    memcpy (copy, stub, stub_len);
    memcpy (copy + S_OFF_AUTHOR, pk2, PROTO_PK_BYTES);
    assert (proto_stub_verify (NULL, copy, stub_len)
            == PROTO_REJECT_SIGNATURE);
    /* ... and signed by that author, it is a different entry. */
    changed = h;
    memcpy (changed.author, pk2, PROTO_PK_BYTES);
    assert (proto_entry_sign (&changed, sk2, stub2, sizeof stub2)
            == stub_len);
    assert (proto_stub_verify (NULL, stub2, stub_len) == PROTO_OK);
    proto_entry_id (id2, stub2, stub_len);
    assert (memcmp (id, id2, sizeof id));

    /* Group audience, seq 2: round trip and mutations. */
    changed = h;
    changed.seq = 2;
    memcpy (changed.prev, id, PROTO_HASH_BYTES);
    changed.level = PROTO_LEVEL_AMBER_STRICT;
    changed.flags = PROTO_FLAGS_KNOWN;
    assert (proto_audience_set_group (&changed.audience, "financial") == 0);
    stub2_len = proto_entry_sign (&changed, sk, stub2, sizeof stub2);
    assert (stub2_len == PROTO_HEADER_FIXED_BYTES + 1 + 9 + PROTO_SIG_BYTES);
    assert (proto_stub_verify (&d, stub2, stub2_len) == PROTO_OK);
    /* Whole values compared on purpose: decoding memsets them first. */
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    assert (!memcmp (&changed, &d, sizeof d));
    s_test_mutations (stub2, stub2_len);

    /* RED to named nodes: sealed payload, form checks both ways. */
    uint8_t box_pk[2][PROTO_BOXPK_BYTES], box_sk[2][PROTO_BOXSK_BYTES];
    crypto_box_keypair (box_pk[0], box_sk[0]);
    crypto_box_keypair (box_pk[1], box_sk[1]);
    proto_recipient_t recipients[2];
    memcpy (recipients[0].sign_pk, pk, PROTO_PK_BYTES);
    memcpy (recipients[0].box_pk, box_pk[0], PROTO_BOXPK_BYTES);
    memcpy (recipients[1].sign_pk, pk2, PROTO_PK_BYTES);
    memcpy (recipients[1].box_pk, box_pk[1], PROTO_BOXPK_BYTES);
    uint8_t sealed[1024];
    size_t sealed_len = proto_seal (payload, payload_len, pk, recipients, 2,
                                    sealed, sizeof sealed);
    assert (sealed_len == proto_seal_size (payload_len, 2));
    proto_header_t red = h;
    red.level = PROTO_LEVEL_RED;
    proto_audience_set_nodes (&red.audience);
    assert (proto_audience_add_node (&red.audience, pk2) == 0);
    red.payload_len = (uint32_t) sealed_len;
    proto_hash (red.payload_hash, sealed, sealed_len);
    stub2_len = proto_entry_sign (&red, sk, stub2, sizeof stub2);
    assert (stub2_len == PROTO_HEADER_FIXED_BYTES + 1 + 32 + PROTO_SIG_BYTES);
    /* Any node verifies the header and checks the sealed payload without
       opening it. */
    assert (proto_stub_verify (&d, stub2, stub2_len) == PROTO_OK);
    assert (proto_payload_matches (&d, sealed, sealed_len) == PROTO_OK);
    s_test_mutations (stub2, stub2_len);
    /* RED with a plaintext payload is refused, and so is GREEN sealed. */
    red.payload_len = (uint32_t) payload_len;
    proto_hash (red.payload_hash, payload, payload_len);
    assert (proto_payload_matches (&red, payload, payload_len)
            == PROTO_REJECT_SEALING);
    proto_header_t green = h;
    green.payload_len = (uint32_t) sealed_len;
    proto_hash (green.payload_hash, sealed, sealed_len);
    assert (proto_payload_matches (&green, sealed, sealed_len)
            == PROTO_REJECT_SEALING);
    /* Sealed to someone outside the audience: refused. */
    uint8_t pk3[PROTO_PK_BYTES];
    memset (pk3, 0x77, sizeof pk3);
    memcpy (recipients[1].sign_pk, pk3, PROTO_PK_BYTES);
    sealed_len = proto_seal (payload, payload_len, pk, recipients, 2, sealed,
                             sizeof sealed);
    assert (sealed_len > 0);
    red.payload_len = (uint32_t) sealed_len;
    proto_hash (red.payload_hash, sealed, sealed_len);
    assert (proto_payload_matches (&red, sealed, sealed_len)
            == PROTO_REJECT_SEALING);
    /* Sealed to the named node only, not the author: refused. */
    memcpy (recipients[0].sign_pk, pk2, PROTO_PK_BYTES);
    sealed_len = proto_seal (payload, payload_len, pk, recipients, 1, sealed,
                             sizeof sealed);
    assert (sealed_len > 0);
    red.payload_len = (uint32_t) sealed_len;
    proto_hash (red.payload_hash, sealed, sealed_len);
    assert (proto_payload_matches (&red, sealed, sealed_len)
            == PROTO_REJECT_SEALING);

    /* Largest header: 64 named nodes (AMBER, to named nodes). */
    proto_header_t wide = h;
    wide.level = PROTO_LEVEL_AMBER;
    proto_audience_set_nodes (&wide.audience);
    for (int i = 0; i < PROTO_AUDIENCE_MAX_NODES; i++) {
        uint8_t k[PROTO_PK_BYTES];
        memset (k, i, sizeof k);
        assert (proto_audience_add_node (&wide.audience, k) == 0);
    }
    stub2_len = proto_entry_sign (&wide, sk, stub2, sizeof stub2);
    assert (stub2_len == PROTO_STUB_MAX);
    assert (proto_stub_verify (&d, stub2, stub2_len) == PROTO_OK);
    /* Whole values compared on purpose: decoding memsets them first. */
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    assert (!memcmp (&wide, &d, sizeof d));
    for (size_t cut = 0; cut < stub2_len; cut++)
        assert (proto_stub_verify (NULL, stub2, cut)
                == PROTO_REJECT_TRUNCATED);

    sodium_memzero (sk, sizeof sk);
    sodium_memzero (sk2, sizeof sk2);
    sodium_memzero (box_sk, sizeof box_sk);
    if (verbose)
        printf ("(stub %zu..%d bytes) ", stub_len, PROTO_STUB_MAX);
    printf ("OK\n");
}
