/* SPDX-License-Identifier: MPL-2.0 */
/* gen_vectors: writes the protocol test vectors in tests/vectors/. */

/* Not part of the build: the vectors are committed, and this program is
   kept only to show where they came from and to regenerate them after a
   deliberate format change. Build and run it by hand:

       cd <repo> && gcc -std=c11 -D_POSIX_C_SOURCE=200809L -I. -o /tmp/gen
           tests/vectors/gen_vectors.c protocol/proto_[a-z]*.c -lsodium
       /tmp/gen tests/vectors

   (the second line continues the first).

   Everything is fixed (seeds, timestamps, texts) except the sealed payload
   of the RED entry, which is randomised by design (fresh content key and
   nonce); entries 3 and 4 therefore change on every run. The checker is
   tests/test_vectors.c; the file format is described in README.md here.   */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/protocol.h"

static const char *s_dir;

typedef struct {
    uint8_t seed[PROTO_SEED_BYTES];
    uint8_t pk[PROTO_PK_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
    uint8_t box_seed[PROTO_SEED_BYTES];
    uint8_t box_pk[PROTO_BOXPK_BYTES];
    uint8_t box_sk[PROTO_BOXSK_BYTES];
} s_key_t;

/* Seeds are tag, tag+1, ... so each key is easy to recognise.              */
static void
s_key (s_key_t *k, uint8_t tag)
{
    for (size_t i = 0; i < PROTO_SEED_BYTES; i++) {
        k->seed[i] = (uint8_t) (tag + i);
        k->box_seed[i] = (uint8_t) (tag + 0x80 + i);
    }
    crypto_sign_seed_keypair (k->pk, k->sk, k->seed);
    crypto_box_seed_keypair (k->box_pk, k->box_sk, k->box_seed);
}

static FILE *
s_open (const char *name, const char *comment)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen (path, "w");
    assert (f);
    fprintf (f, "# %s\n", comment);
    return f;
}

/* A vector file that could not be written in full must not look done. */
static void
s_close (FILE *f)
{
    assert (!ferror (f));
    assert (fclose (f) == 0);
}

static void
s_hex (FILE *f, const char *key, const uint8_t *bin, size_t len)
{
    fprintf (f, "%s: ", key);
    for (size_t i = 0; i < len; i++)
        fprintf (f, "%02x", bin[i]);
    fprintf (f, "\n");
}

/* Text with \n, \r, \t and \\ escaped, as the checker unescapes it.         */
static void
s_text (FILE *f, const char *key, const char *text, size_t len)
{
    fprintf (f, "%s: ", key);
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\n')
            fputs ("\\n", f);
        else if (c == '\r')
            fputs ("\\r", f);
        else if (c == '\t')
            fputs ("\\t", f);
        else if (c == '\\')
            fputs ("\\\\", f);
        else
            fputc (c, f);
    }
    fprintf (f, "\n");
}

static void
s_payload_fields (FILE *f, const proto_payload_t *p)
{
    fprintf (f, "kind: %s\n", proto_kind_name (p->kind));
    fprintf (f, "severity: %d\n", p->severity);
    fprintf (f, "sectors: ");
    for (size_t i = 0; i < p->sector_count; i++)
        fprintf (f, "%s%s", i ? "," : "", proto_sector_name (p->sectors[i]));
    fprintf (f, "%s\n", p->sector_count ? "" : "none");
    s_text (f, "title", p->title, p->title_len);
    s_text (f, "body", p->body, p->body_len);
    for (size_t i = 0; i < p->ref_count; i++) {
        fprintf (f, "ref: %s ", proto_relation_name (p->refs[i].relation));
        for (size_t k = 0; k < PROTO_HASH_BYTES; k++)
            fprintf (f, "%02x", p->refs[i].id[k]);
        fprintf (f, "\n");
    }
    for (size_t i = 0; i < p->attachment_count; i++) {
        const proto_attachment_t *a = &p->attachments[i];
        fprintf (f, "attachment: ");
        for (size_t k = 0; k < PROTO_HASH_BYTES; k++)
            fprintf (f, "%02x", a->hash[k]);
        fprintf (f, " %llu %.*s\n", (unsigned long long) a->size,
                 (int) a->name_len, a->name);
    }
    if (p->reporter_type == PROTO_REPORTER_NAMED)
        s_text (f, "reporter", p->reporter_name, p->reporter_name_len);
    else if (p->reporter_type == PROTO_REPORTER_ANONYMISED)
        fprintf (f, "reporter-sector: %s\n",
                 proto_sector_name (p->reporter_sector));
}

static void
s_entry_file (const char *name, const char *comment, const s_key_t *author,
              const proto_header_t *h, const uint8_t *stub, size_t stub_len,
              const uint8_t *payload, size_t payload_len)
{
    FILE *f = s_open (name, comment);
    fprintf (f, "vector: entry\n");
    s_hex (f, "seed", author->seed, PROTO_SEED_BYTES);
    s_hex (f, "author", h->author, PROTO_PK_BYTES);
    fprintf (f, "seq: %llu\n", (unsigned long long) h->seq);
    s_hex (f, "prev", h->prev, PROTO_HASH_BYTES);
    fprintf (f, "timestamp_ms: %llu\n", (unsigned long long) h->timestamp_ms);
    fprintf (f, "level: %s\n", proto_level_name (h->level));
    fprintf (f, "flags: %u\n", h->flags);
    if (h->audience.type == PROTO_AUDIENCE_COUNCIL)
        fprintf (f, "audience: council\n");
    else if (h->audience.type == PROTO_AUDIENCE_GROUP)
        fprintf (f, "audience: group %s\n", h->audience.group);
    else {
        fprintf (f, "audience: nodes\n");
        for (size_t i = 0; i < h->audience.node_count; i++)
            s_hex (f, "audience_node", h->audience.nodes[i], PROTO_PK_BYTES);
    }
    fprintf (f, "payload_len: %u\n", h->payload_len);
    s_hex (f, "payload_hash", h->payload_hash, PROTO_HASH_BYTES);
    s_hex (f, "header", stub, stub_len - PROTO_SIG_BYTES);
    s_hex (f, "signature", stub + stub_len - PROTO_SIG_BYTES,
           PROTO_SIG_BYTES);
    s_hex (f, "stub", stub, stub_len);
    uint8_t id[PROTO_HASH_BYTES];
    proto_entry_id (id, stub, stub_len);
    s_hex (f, "id", id, PROTO_HASH_BYTES);
    s_hex (f, "payload", payload, payload_len);
    s_close (f);
}

static void
s_reject (const char *name, const char *comment, const char *input,
          const uint8_t *bytes, size_t len, proto_reject_t reason)
{
    FILE *f = s_open (name, comment);
    fprintf (f, "vector: reject\n");
    fprintf (f, "input: %s\n", input);
    s_hex (f, "bytes", bytes, len);
    fprintf (f, "reject: %s\n", proto_reject_name (reason));
    s_close (f);
}

static void
s_reject_entry (const char *name, const char *comment, const uint8_t *stub,
                size_t stub_len, const uint8_t *payload, size_t payload_len,
                proto_reject_t reason)
{
    FILE *f = s_open (name, comment);
    fprintf (f, "vector: reject\n");
    fprintf (f, "input: entry\n");
    s_hex (f, "stub", stub, stub_len);
    s_hex (f, "payload", payload, payload_len);
    fprintf (f, "reject: %s\n", proto_reject_name (reason));
    s_close (f);
}

/* Check a reject vector against the codec before writing it.              */
static proto_reject_t
s_input_reason (const char *input, const uint8_t *bytes, size_t len)
{
    if (!strcmp (input, "stub"))
        return proto_stub_verify (NULL, bytes, len);
    if (!strcmp (input, "payload")) {
        proto_payload_t p;
        return proto_payload_decode (&p, bytes, len);
    }
    return proto_seal_check (bytes, len);
}

#define S_REJECT(name, comment, input, bytes, len, reason)                   \
    do {                                                                     \
        assert (s_input_reason (input, bytes, len) == (reason));             \
        s_reject (name, comment, input, bytes, len, reason);                 \
    } while (0)

static size_t
s_sign (proto_header_t *h, const s_key_t *k, const uint8_t *payload,
        size_t len, uint8_t *stub)
{
    h->payload_len = (uint32_t) len;
    proto_hash (h->payload_hash, payload, len);
    size_t stub_len = proto_entry_sign (h, k->sk, stub, PROTO_STUB_MAX);
    assert (stub_len > 0);
    assert (proto_stub_verify (NULL, stub, stub_len) == PROTO_OK);
    assert (proto_payload_matches (h, payload, len) == PROTO_OK);
    return stub_len;
}

int
main (int argc, char *argv[])
{
    if (argc != 2) {
        fprintf (stderr, "usage: gen_vectors DIR\n");
        return 2;
    }
    s_dir = argv[1];
    if (proto_init () != 0)
        return 1;

    s_key_t a, b, c;
    s_key (&a, 0x00);       /* the author, a banking CEPTOAR        */
    s_key (&b, 0x40);       /* a recipient                          */
    s_key (&c, 0x60);       /* another member                       */

    /* ---- payload-1: every field ---------------------------------------- */
    proto_payload_t p1;
    proto_payload_init (&p1, PROTO_KIND_INCIDENT, 3);
    proto_payload_add_sector (&p1, PROTO_SECTOR_BANKING);
    proto_payload_add_sector (&p1, PROTO_SECTOR_CREDIT);
    proto_payload_add_sector (&p1, PROTO_SECTOR_SECURITIES);
    p1.title = "\xe4\xb8\x8d\xe6\xad\xa3\xe9\x80\x81\xe9\x87\x91 / "
               "unauthorised transfers";
    p1.title_len = strlen (p1.title);
    p1.body = "Since 09:00 JST transfers via the API gateway\n"
              "\t- source: 192.0.2.0/24\r\n"
              "back\\slash";
    p1.body_len = strlen (p1.body);
    uint8_t ref[PROTO_HASH_BYTES];
    memset (ref, 0x11, sizeof ref);
    proto_payload_add_ref (&p1, PROTO_REL_RELATED, ref);
    memset (ref, 0x22, sizeof ref);
    proto_payload_add_ref (&p1, PROTO_REL_CORRECTION, ref);
    p1.attachment_count = 2;
    proto_hash (p1.attachments[0].hash, "ioc", 3);
    p1.attachments[0].size = 1234;
    p1.attachments[0].name = "iocs.csv";
    p1.attachments[0].name_len = 8;
    proto_hash (p1.attachments[1].hash, "report", 6);
    p1.attachments[1].size = 5000000000ULL;
    p1.attachments[1].name = "\xe5\xa0\xb1\xe5\x91\x8a.pdf"; /* 報告.pdf */
    p1.attachments[1].name_len = strlen (p1.attachments[1].name);
    p1.reporter_type = PROTO_REPORTER_NAMED;
    p1.reporter_name = "Example Bank";
    p1.reporter_name_len = strlen (p1.reporter_name);
    uint8_t pl1[4096];
    size_t pl1_len = proto_payload_encode (&p1, pl1, sizeof pl1);
    assert (pl1_len > 0);
    FILE *f = s_open ("payload-1.txt",
                      "Plaintext payload using every field (named reporter).");
    fprintf (f, "vector: payload\n");
    s_payload_fields (f, &p1);
    s_hex (f, "payload", pl1, pl1_len);
    s_close (f);

    /* ---- payload-2: the smallest ----------------------------------------- */
    proto_payload_t p2;
    proto_payload_init (&p2, PROTO_KIND_NEWSLETTER, 0);
    p2.title = "x";
    p2.title_len = 1;
    uint8_t pl2[64];
    size_t pl2_len = proto_payload_encode (&p2, pl2, sizeof pl2);
    assert (pl2_len > 0);
    f = s_open ("payload-2.txt", "Smallest plaintext payload.");
    fprintf (f, "vector: payload\n");
    s_payload_fields (f, &p2);
    s_hex (f, "payload", pl2, pl2_len);
    s_close (f);

    /* ---- entry-1: first entry, GREEN, council -------------------------- */
    proto_payload_t e1p;
    proto_payload_init (&e1p, PROTO_KIND_EARLY_WARNING, 2);
    proto_payload_add_sector (&e1p, PROTO_SECTOR_BANKING);
    e1p.title = "Phishing wave";
    e1p.title_len = strlen (e1p.title);
    e1p.body = "Block 192.0.2.0/24.";
    e1p.body_len = strlen (e1p.body);
    uint8_t e1pl[256];
    size_t e1pl_len = proto_payload_encode (&e1p, e1pl, sizeof e1pl);
    assert (e1pl_len > 0);
    proto_header_t h1;
    memset (&h1, 0, sizeof h1);
    memcpy (h1.author, a.pk, PROTO_PK_BYTES);
    h1.seq = 1;
    h1.timestamp_ms = 1735689600000ULL;     /* 2025-01-01T00:00:00Z */
    h1.level = PROTO_LEVEL_GREEN;
    h1.flags = PROTO_FLAG_RECEIPT;
    proto_audience_set_council (&h1.audience);
    uint8_t stub1[PROTO_STUB_MAX];
    size_t stub1_len = s_sign (&h1, &a, e1pl, e1pl_len, stub1);
    assert (stub1_len == PROTO_HEADER_FIXED_BYTES + PROTO_SIG_BYTES);
    s_entry_file ("entry-1.txt",
                  "First entry of a chain: GREEN to the council, receipt "
                  "flag, plaintext payload.",
                  &a, &h1, stub1, stub1_len, e1pl, e1pl_len);
    uint8_t id1[PROTO_HASH_BYTES];
    proto_entry_id (id1, stub1, stub1_len);

    /* ---- entry-2: AMBER+STRICT to a group, references entry 1 ---------- */
    proto_payload_t e2p;
    proto_payload_init (&e2p, PROTO_KIND_NEAR_MISS, 1);
    proto_payload_add_sector (&e2p, PROTO_SECTOR_BANKING);
    e2p.title = "Near miss at a member bank";
    e2p.title_len = strlen (e2p.title);
    proto_payload_add_ref (&e2p, PROTO_REL_UPDATE, id1);
    e2p.reporter_type = PROTO_REPORTER_ANONYMISED;
    e2p.reporter_sector = PROTO_SECTOR_BANKING;
    uint8_t e2pl[256];
    size_t e2pl_len = proto_payload_encode (&e2p, e2pl, sizeof e2pl);
    assert (e2pl_len > 0);
    proto_header_t h2 = h1;
    h2.seq = 2;
    memcpy (h2.prev, id1, PROTO_HASH_BYTES);
    h2.timestamp_ms += 60000;
    h2.level = PROTO_LEVEL_AMBER_STRICT;
    h2.flags = PROTO_FLAG_RECEIPT | PROTO_FLAG_URGENT;
    assert (proto_audience_set_group (&h2.audience, "financial") == 0);
    uint8_t stub2[PROTO_STUB_MAX];
    size_t stub2_len = s_sign (&h2, &a, e2pl, e2pl_len, stub2);
    s_entry_file ("entry-2.txt",
                  "Second entry: AMBER+STRICT to group 'financial', urgent, "
                  "anonymised reporter, updates entry 1.",
                  &a, &h2, stub2, stub2_len, e2pl, e2pl_len);
    uint8_t id2[PROTO_HASH_BYTES];
    proto_entry_id (id2, stub2, stub2_len);

    /* ---- entry-3: RED to node B, sealed to B and the author ------------- */
    proto_payload_t e3p;
    proto_payload_init (&e3p, PROTO_KIND_ATTACK_TECHNIQUE, 4);
    e3p.title = "Credential relay technique";
    e3p.title_len = strlen (e3p.title);
    e3p.body = "Only for B.";
    e3p.body_len = strlen (e3p.body);
    uint8_t e3plain[256];
    size_t e3plain_len = proto_payload_encode (&e3p, e3plain,
                                               sizeof e3plain);
    assert (e3plain_len > 0);
    proto_recipient_t to[2];
    memcpy (to[0].sign_pk, a.pk, PROTO_PK_BYTES);
    memcpy (to[0].box_pk, a.box_pk, PROTO_BOXPK_BYTES);
    memcpy (to[1].sign_pk, b.pk, PROTO_PK_BYTES);
    memcpy (to[1].box_pk, b.box_pk, PROTO_BOXPK_BYTES);
    uint8_t sealed[1024];
    size_t sealed_len = proto_seal (e3plain, e3plain_len, a.pk, to, 2, sealed,
                                    sizeof sealed);
    assert (sealed_len > 0);
    proto_header_t h3 = h2;
    h3.seq = 3;
    memcpy (h3.prev, id2, PROTO_HASH_BYTES);
    h3.timestamp_ms += 60000;
    h3.level = PROTO_LEVEL_RED;
    h3.flags = 0;
    proto_audience_set_nodes (&h3.audience);
    proto_audience_add_node (&h3.audience, b.pk);
    uint8_t stub3[PROTO_STUB_MAX];
    size_t stub3_len = s_sign (&h3, &a, sealed, sealed_len, stub3);
    s_entry_file ("entry-3.txt",
                  "Third entry: RED to one named node (B); the payload is "
                  "sealed to B and the author. Test-only keys.",
                  &a, &h3, stub3, stub3_len, sealed, sealed_len);
    {
        char path[1024];
        snprintf (path, sizeof path, "%s/entry-3.txt", s_dir);
        f = fopen (path, "a");
        assert (f);
        fprintf (f, "# The recipient's keys (test only) and what it reads.\n");
        s_hex (f, "recipient_sign_pk", b.pk, PROTO_PK_BYTES);
        s_hex (f, "recipient_box_sk", b.box_sk, PROTO_BOXSK_BYTES);
        s_hex (f, "plaintext", e3plain, e3plain_len);
        s_close (f);
    }
    uint8_t id3[PROTO_HASH_BYTES];
    proto_entry_id (id3, stub3, stub3_len);

    /* ---- entry-4: AMBER to two named nodes, plaintext -------------------- */
    proto_payload_t e4p;
    proto_payload_init (&e4p, PROTO_KIND_ACK, 0);
    e4p.title = "ack";
    e4p.title_len = 3;
    proto_payload_add_ref (&e4p, PROTO_REL_ACKNOWLEDGES, id3);
    uint8_t e4pl[256];
    size_t e4pl_len = proto_payload_encode (&e4p, e4pl, sizeof e4pl);
    proto_header_t h4 = h3;
    h4.seq = 4;
    memcpy (h4.prev, id3, PROTO_HASH_BYTES);
    h4.timestamp_ms += 1;
    h4.level = PROTO_LEVEL_AMBER;
    proto_audience_set_nodes (&h4.audience);
    proto_audience_add_node (&h4.audience, c.pk);
    proto_audience_add_node (&h4.audience, b.pk);
    uint8_t stub4[PROTO_STUB_MAX];
    size_t stub4_len = s_sign (&h4, &a, e4pl, e4pl_len, stub4);
    s_entry_file ("entry-4.txt",
                  "Fourth entry: AMBER to two named nodes (sorted), "
                  "plaintext acknowledgement of entry 3.",
                  &a, &h4, stub4, stub4_len, e4pl, e4pl_len);

    /* ---- reject vectors: stubs ------------------------------------------ */
    uint8_t buf[PROTO_STUB_MAX + 64];
    S_REJECT ("reject-stub-truncated.txt",
              "Entry 1's stub without its last byte.", "stub", stub1,
              stub1_len - 1, PROTO_REJECT_TRUNCATED);
    S_REJECT ("reject-stub-empty.txt", "Entry 1's first byte only.", "stub",
              stub1, 1, PROTO_REJECT_TRUNCATED);
    memcpy (buf, stub1, stub1_len);
    buf[1] = 0xB1;
    S_REJECT ("reject-stub-magic.txt",
              "Entry 1's stub with the payload magic CE B1.", "stub", buf,
              stub1_len, PROTO_REJECT_MAGIC);
    memcpy (buf, stub1, stub1_len);
    buf[2] = 2;
    S_REJECT ("reject-stub-version.txt", "Entry 1's stub, version 2.",
              "stub", buf, stub1_len, PROTO_REJECT_VERSION);
    memcpy (buf, stub1, stub1_len);
    buf[3] = 2;
    S_REJECT ("reject-stub-sig-alg.txt",
              "Entry 1's stub, signature algorithm 2.", "stub", buf,
              stub1_len, PROTO_REJECT_VERSION);
    memcpy (buf, stub1, stub1_len);
    buf[stub1_len] = 0x00;
    S_REJECT ("reject-stub-trailing.txt",
              "Entry 1's stub followed by one zero byte.", "stub", buf,
              stub1_len + 1, PROTO_REJECT_TRAILING);
    memcpy (buf, stub1, stub1_len);
    buf[84] = PROTO_LEVEL_RED;
    S_REJECT ("reject-stub-red-council.txt",
              "Entry 1's stub with level RED: RED needs a named-nodes "
              "audience.", "stub", buf, stub1_len, PROTO_REJECT_FIELD);
    memcpy (buf, stub1, stub1_len);
    buf[84] = 0;
    S_REJECT ("reject-stub-level-zero.txt", "Entry 1's stub, level 0.",
              "stub", buf, stub1_len, PROTO_REJECT_FIELD);
    memcpy (buf, stub1, stub1_len);
    buf[43] = 0;
    S_REJECT ("reject-stub-seq-zero.txt", "Entry 1's stub, seq 0.", "stub",
              buf, stub1_len, PROTO_REJECT_FIELD);
    memcpy (buf, stub2, stub2_len);
    memset (buf + 44, 0, PROTO_HASH_BYTES);
    S_REJECT ("reject-stub-prev-zero.txt",
              "Entry 2's stub with prev all zero at seq 2.", "stub", buf,
              stub2_len, PROTO_REJECT_FIELD);
    memcpy (buf, stub1, stub1_len);
    buf[85] = 0x04;
    S_REJECT ("reject-stub-flags.txt", "Entry 1's stub, unknown flag 0x04.",
              "stub", buf, stub1_len, PROTO_REJECT_FIELD);
    memcpy (buf, stub2, stub2_len);
    buf[88] = 'F';
    S_REJECT ("reject-stub-group-name.txt",
              "Entry 2's stub, group name 'Financial' (uppercase).", "stub",
              buf, stub2_len, PROTO_REJECT_FIELD);
    memcpy (buf, stub1, stub1_len);
    buf[87] = 0x01;
    S_REJECT ("reject-stub-oversize-payload-len.txt",
              "Entry 1's stub, payload_len above PROTO_STORED_PAYLOAD_MAX.",
              "stub", buf, stub1_len, PROTO_REJECT_OVERSIZE);
    /* 65 named nodes: one more than allowed, keys ascending. */
    {
        uint8_t wide[86 + 2 + 65 * 32 + 36 + 64];
        memcpy (wide, stub1, 86);
        wide[86] = PROTO_AUDIENCE_NODES;
        wide[87] = PROTO_AUDIENCE_MAX_NODES + 1;
        for (int i = 0; i < 65; i++)
            memset (wide + 88 + i * 32, i + 1, 32);
        memcpy (wide + 88 + 65 * 32, stub1 + 87, 36 + 64);
        S_REJECT ("reject-stub-oversize-nodes.txt",
                  "A stub naming 65 nodes (the limit is 64).", "stub", wide,
                  sizeof wide, PROTO_REJECT_OVERSIZE);
    }
    memcpy (buf, stub4, stub4_len);
    memcpy (buf + 88, stub4 + 88 + 32, 32);
    memcpy (buf + 88 + 32, stub4 + 88, 32);
    S_REJECT ("reject-stub-nodes-order.txt",
              "Entry 4's stub with its two named nodes swapped.", "stub", buf,
              stub4_len, PROTO_REJECT_NONCANONICAL);
    memcpy (buf, stub1, stub1_len);
    buf[83] ^= 0x01;
    S_REJECT ("reject-stub-signature.txt",
              "Entry 1's stub with timestamp_ms changed by one: the "
              "signature no longer verifies.", "stub", buf, stub1_len,
              PROTO_REJECT_SIGNATURE);
    memcpy (buf, stub1, stub1_len);
    memcpy (buf + 4, c.pk, PROTO_PK_BYTES);
    S_REJECT ("reject-stub-wrong-author.txt",
              "Entry 1's stub claimed by another author key.", "stub", buf,
              stub1_len, PROTO_REJECT_SIGNATURE);
    memcpy (buf, stub1, stub1_len);
    memcpy (buf + PROTO_HEADER_FIXED_BYTES,
            stub2 + stub2_len - PROTO_SIG_BYTES, PROTO_SIG_BYTES);
    S_REJECT ("reject-stub-swapped-signature.txt",
              "Entry 1's header with entry 2's signature.", "stub", buf,
              stub1_len, PROTO_REJECT_SIGNATURE);

    /* ---- reject vectors: payloads --------------------------------------- */
    uint8_t pbuf[4096];
    S_REJECT ("reject-payload-truncated.txt",
              "Payload 1 without its last byte.", "payload", pl1,
              pl1_len - 1, PROTO_REJECT_TRUNCATED);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[pl1_len] = 0;
    S_REJECT ("reject-payload-trailing.txt",
              "Payload 1 followed by one zero byte.", "payload", pbuf,
              pl1_len + 1, PROTO_REJECT_TRAILING);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[2] = 2;
    S_REJECT ("reject-payload-version.txt", "Payload 1, version 2.",
              "payload", pbuf, pl1_len, PROTO_REJECT_VERSION);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[0] = 0xCF;
    S_REJECT ("reject-payload-magic.txt", "Payload 1, first magic octet CF.",
              "payload", pbuf, pl1_len, PROTO_REJECT_MAGIC);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[3] = PROTO_KIND_MAX + 1;
    S_REJECT ("reject-payload-kind.txt", "Payload 1, kind 14.", "payload",
              pbuf, pl1_len, PROTO_REJECT_FIELD);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[4] = PROTO_SEVERITY_MAX + 1;
    S_REJECT ("reject-payload-severity.txt", "Payload 1, severity 5.",
              "payload", pbuf, pl1_len, PROTO_REJECT_FIELD);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[5] = PROTO_SECTOR_MAX + 1;
    S_REJECT ("reject-payload-oversize-sectors.txt",
              "Payload 1, sector_count 22.", "payload", pbuf, pl1_len,
              PROTO_REJECT_OVERSIZE);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[7] = pl1[6];
    S_REJECT ("reject-payload-sectors-repeat.txt",
              "Payload 1 with a sector repeated.", "payload", pbuf, pl1_len,
              PROTO_REJECT_NONCANONICAL);
    /* title_len is at 6 + sector_count. */
    size_t tl = 6 + p1.sector_count;
    memcpy (pbuf, pl1, pl1_len);
    pbuf[tl] = 0x01;
    pbuf[tl + 1] = 0x01;
    S_REJECT ("reject-payload-oversize-title.txt",
              "Payload 1, title_len 257.", "payload", pbuf, pl1_len,
              PROTO_REJECT_OVERSIZE);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[tl + 2] = 0xC0;
    pbuf[tl + 3] = 0xAF;
    S_REJECT ("reject-payload-utf8-overlong.txt",
              "Payload 1, title starting with the overlong C0 AF.",
              "payload", pbuf, pl1_len, PROTO_REJECT_UTF8);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[tl + 2] = '\n';
    S_REJECT ("reject-payload-title-newline.txt",
              "Payload 1, title starting with a line feed.", "payload", pbuf,
              pl1_len, PROTO_REJECT_UTF8);
    /* Attachment 1's name starts 42 bytes after the attachment count. */
    size_t ac = tl + 2 + p1.title_len + 4 + p1.body_len + 1
                + p1.ref_count * 33;
    assert (pl1[ac] == 2);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[ac + 1 + 41] = '/';
    S_REJECT ("reject-payload-attachment-slash.txt",
              "Payload 1, attachment name '/ocs.csv'.", "payload", pbuf,
              pl1_len, PROTO_REJECT_FIELD);
    memcpy (pbuf, pl1, pl1_len);
    pbuf[ac] = PROTO_ATTACH_MAX + 1;
    S_REJECT ("reject-payload-oversize-attachments.txt",
              "Payload 1, attachment_count 17.", "payload", pbuf, pl1_len,
              PROTO_REJECT_OVERSIZE);

    /* ---- reject vectors: sealed payloads -------------------------------- */
    S_REJECT ("reject-sealed-truncated.txt",
              "Entry 3's sealed payload without its last byte.", "sealed",
              sealed, sealed_len - 1, PROTO_REJECT_TRUNCATED);
    memcpy (pbuf, sealed, sealed_len);
    pbuf[sealed_len] = 0;
    S_REJECT ("reject-sealed-trailing.txt",
              "Entry 3's sealed payload followed by one zero byte.", "sealed",
              pbuf, sealed_len + 1, PROTO_REJECT_TRAILING);
    memcpy (pbuf, sealed, sealed_len);
    pbuf[2] = 2;
    S_REJECT ("reject-sealed-version.txt",
              "Entry 3's sealed payload, version 2.", "sealed", pbuf,
              sealed_len, PROTO_REJECT_VERSION);
    memcpy (pbuf, sealed, sealed_len);
    pbuf[4] = PROTO_SEAL_MAX_RECIPIENTS + 1;
    S_REJECT ("reject-sealed-oversize-count.txt",
              "Entry 3's sealed payload, 66 slots announced.", "sealed", pbuf,
              sealed_len, PROTO_REJECT_OVERSIZE);
    memcpy (pbuf, sealed, sealed_len);
    memcpy (pbuf + 5, sealed + 5 + 112, 112);
    memcpy (pbuf + 5 + 112, sealed + 5, 112);
    S_REJECT ("reject-sealed-slot-order.txt",
              "Entry 3's sealed payload with its two slots swapped.",
              "sealed", pbuf, sealed_len, PROTO_REJECT_NONCANONICAL);

    /* ---- reject vectors: header plus payload ----------------------------- */
    memcpy (pbuf, e1pl, e1pl_len);
    pbuf[e1pl_len - 3 - e1p.body_len] ^= 0x20;  /* 'B'lock -> 'b'lock */
    proto_header_t hd;
    assert (proto_stub_verify (&hd, stub1, stub1_len) == PROTO_OK);
    assert (proto_payload_matches (&hd, pbuf, e1pl_len)
            == PROTO_REJECT_PAYLOAD_HASH);
    s_reject_entry ("reject-entry-payload-hash.txt",
                    "Entry 1 with one letter of its payload's body changed.",
                    stub1, stub1_len, pbuf, e1pl_len,
                    PROTO_REJECT_PAYLOAD_HASH);
    assert (proto_payload_matches (&hd, e1pl, e1pl_len - 1)
            == PROTO_REJECT_PAYLOAD_LEN);
    s_reject_entry ("reject-entry-payload-len.txt",
                    "Entry 1 with its payload's last byte missing.", stub1,
                    stub1_len, e1pl, e1pl_len - 1, PROTO_REJECT_PAYLOAD_LEN);
    /* RED header over a plaintext payload (validly signed). */
    proto_header_t hr = h3;
    uint8_t stubr[PROTO_STUB_MAX];
    hr.payload_len = (uint32_t) e3plain_len;
    proto_hash (hr.payload_hash, e3plain, e3plain_len);
    size_t stubr_len = proto_entry_sign (&hr, a.sk, stubr, sizeof stubr);
    assert (proto_payload_matches (&hr, e3plain, e3plain_len)
            == PROTO_REJECT_SEALING);
    s_reject_entry ("reject-entry-red-plaintext.txt",
                    "A signed RED entry whose payload is plaintext.", stubr,
                    stubr_len, e3plain, e3plain_len, PROTO_REJECT_SEALING);
    /* GREEN header over a sealed payload (validly signed). */
    proto_header_t hg = h1;
    hg.payload_len = (uint32_t) sealed_len;
    proto_hash (hg.payload_hash, sealed, sealed_len);
    stubr_len = proto_entry_sign (&hg, a.sk, stubr, sizeof stubr);
    assert (proto_payload_matches (&hg, sealed, sealed_len)
            == PROTO_REJECT_SEALING);
    s_reject_entry ("reject-entry-green-sealed.txt",
                    "A signed GREEN entry whose payload is sealed.", stubr,
                    stubr_len, sealed, sealed_len, PROTO_REJECT_SEALING);
    /* RED to B, sealed to B, the author and C: C is outside the audience. */
    proto_recipient_t to3[3];
    memcpy (to3, to, sizeof to);
    memcpy (to3[2].sign_pk, c.pk, PROTO_PK_BYTES);
    memcpy (to3[2].box_pk, c.box_pk, PROTO_BOXPK_BYTES);
    uint8_t sealed3[1024];
    size_t sealed3_len = proto_seal (e3plain, e3plain_len, a.pk, to3, 3,
                                     sealed3, sizeof sealed3);
    hr = h3;
    hr.payload_len = (uint32_t) sealed3_len;
    proto_hash (hr.payload_hash, sealed3, sealed3_len);
    stubr_len = proto_entry_sign (&hr, a.sk, stubr, sizeof stubr);
    assert (proto_payload_matches (&hr, sealed3, sealed3_len)
            == PROTO_REJECT_SEALING);
    s_reject_entry ("reject-entry-red-extra-recipient.txt",
                    "A signed RED entry to B whose payload is also sealed to "
                    "C, who is not in the audience.", stubr, stubr_len,
                    sealed3, sealed3_len, PROTO_REJECT_SEALING);

    sodium_memzero (&a, sizeof a);
    printf ("vectors written to %s\n", s_dir);
    return 0;
}
