/* SPDX-License-Identifier: MPL-2.0 */
/* test_vectors: checks the codecs against the text vectors in
   tests/vectors/ (directory from $CEPTOAR_VECTORS_DIR, or the build's). */

/* Each *.txt file in the directory is one vector: '#' comments, blank
   lines, and "key: value" lines (format in tests/vectors/README.md). Four
   kinds, by their "vector:" line:

   - entry:   rebuild the header from its fields, encode it and compare the
              bytes; re-sign from the seed and compare signature, stub and
              id exactly (Ed25519 is deterministic); decode and verify the
              stub and compare the fields; check the payload against the
              header; decode and re-encode the payload (for RED, open the
              sealed payload with the recipient's test key first).
   - payload: build the payload from its fields and compare the encoding
              exactly; decode the bytes and re-encode them.
   - wire:    a replication frame (docs/protocol.md 13.13): build it from
              its fields with the proto_wire encoders and compare the bytes
              exactly; decode the bytes, compare every field, encode the
              decoded values again and compare; verify every stub and check
              every payload of an ENTRIES frame against its stub.
   - reject:  feed the bytes to the named decoder and expect exactly the
              named reason ("input: frame" is proto_wire_decode).

   Any unknown key, missing key, or malformed value fails the test, so a
   typo in a vector cannot skip a check. The directory must also hold
   enough vectors of each kind, so an empty or wrong directory fails.       */

#include <assert.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/protocol.h"
#include "test_vectors.h"

#ifndef CEPTOAR_VECTORS_DIR_DEFAULT
#define CEPTOAR_VECTORS_DIR_DEFAULT "tests/vectors"
#endif
#define S_LINES_MAX 128
#define S_FILES_MAX 256

typedef struct {
    const char *key;                    /* borrowed from text           */
    const char *value;                  /* borrowed, NUL-terminated     */
} s_line_t;

typedef struct {
    const char *name;                   /* file name, for messages      */
    char *text;                         /* whole file, owned            */
    s_line_t lines[S_LINES_MAX];
    size_t count;
} s_vector_t;

/* Fail with the file name and what was wrong, then stop (assert).           */
#define S_CHECK(v, cond, what)                                               \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf (stderr, "\ntest_vectors: %s: %s\n", (v)->name, what);   \
            assert (cond);                                                   \
            abort ();                                                        \
        }                                                                    \
    } while (0)

/* ------------------------------------------------------------------------
   Load and split a vector file. Returns false if it cannot be read.         */
static bool
s_load (s_vector_t *v, const char *dir, const char *name)
{
    char path[2048];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    memset (v, 0, sizeof *v);
    v->name = name;
    FILE *f = fopen (path, "rb");
    if (!f)
        return false;
    size_t cap = 4096, len = 0;
    v->text = malloc (cap);
    assert (v->text);
    size_t got;
    while ((got = fread (v->text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            cap *= 2;
            v->text = realloc (v->text, cap);
            assert (v->text);
        }
    }
    (void) fclose (f);
    v->text[len] = '\0';
    char *line = v->text;
    while (*line) {
        char *end = strchr (line, '\n');
        char *next = end ? end + 1 : line + strlen (line);
        if (end)
            *end = '\0';
        if (*line && *line != '#') {
            char *colon = strstr (line, ": ");
            S_CHECK (v, colon, "line without 'key: value'");
            S_CHECK (v, v->count < S_LINES_MAX, "too many lines");
            *colon = '\0';
            v->lines[v->count].key = line;
            v->lines[v->count].value = colon + 2;
            v->count++;
        }
        line = next;
    }
    return true;
}

static void
s_unload (s_vector_t *v)
{
    free (v->text);
    v->text = NULL;
}

/* First value of key, or NULL.                                              */
static const char *
s_get (const s_vector_t *v, const char *key)
{
    for (size_t i = 0; i < v->count; i++)
        if (!strcmp (v->lines[i].key, key))
            return v->lines[i].value;
    return NULL;
}

static const char *
s_need (const s_vector_t *v, const char *key)
{
    const char *value = s_get (v, key);
    if (!value) {
        fprintf (stderr, "\ntest_vectors: %s: missing '%s'\n", v->name, key);
        assert (value);
        abort ();
    }
    return value;
}

/* Every key must be one of allowed (a NULL-ended list).                     */
static void
s_only_keys (const s_vector_t *v, const char *const *allowed)
{
    for (size_t i = 0; i < v->count; i++) {
        bool known = false;
        for (const char *const *k = allowed; *k; k++)
            if (!strcmp (v->lines[i].key, *k))
                known = true;
        if (!known) {
            fprintf (stderr, "\ntest_vectors: %s: unknown key '%s'\n",
                     v->name, v->lines[i].key);
            assert (known);
            abort ();
        }
    }
}

/* Fixed-size hex value.                                                     */
static void
s_hex_fixed (const s_vector_t *v, const char *value, uint8_t *out,
             size_t len)
{
    S_CHECK (v, proto_hex_decode (out, len, value) == 0, "bad hex");
}

/* Variable-size hex value into a fresh buffer (caller frees).               */
static uint8_t *
s_hex_alloc (const s_vector_t *v, const char *value, size_t *len)
{
    size_t chars = strlen (value);
    S_CHECK (v, chars % 2 == 0, "odd hex length");
    *len = chars / 2;
    uint8_t *out = malloc (*len + 1);
    assert (out);
    S_CHECK (v, proto_hex_decode (out, *len, value) == 0, "bad hex");
    return out;
}

/* Strict unsigned decimal.                                                  */
static uint64_t
s_decimal (const s_vector_t *v, const char *value)
{
    S_CHECK (v, *value >= '0' && *value <= '9', "bad number");
    char *end;
    unsigned long long n = strtoull (value, &end, 10);
    S_CHECK (v, *end == '\0', "bad number");
    return (uint64_t) n;
}

/* Undo the \n \r \t \\ escapes of text values into a fresh string.         */
static char *
s_unescape (const s_vector_t *v, const char *value, size_t *len)
{
    char *out = malloc (strlen (value) + 1);
    assert (out);
    size_t n = 0;
    for (const char *p = value; *p; p++) {
        if (*p != '\\') {
            out[n++] = *p;
            continue;
        }
        p++;
        if (*p == 'n')
            out[n++] = '\n';
        else if (*p == 'r')
            out[n++] = '\r';
        else if (*p == 't')
            out[n++] = '\t';
        else if (*p == '\\')
            out[n++] = '\\';
        else
            S_CHECK (v, false, "unknown escape in text");
    }
    out[n] = '\0';
    *len = n;
    return out;
}

/* ------------------------------------------------------------------------
   Decode a plaintext payload and re-encode it: the bytes must not change.   */
static void
s_payload_round_trip (const s_vector_t *v, const uint8_t *bytes, size_t len)
{
    proto_payload_t decoded;
    S_CHECK (v, proto_payload_decode (&decoded, bytes, len) == PROTO_OK,
             "payload does not decode");
    uint8_t *again = malloc (len);
    assert (again);
    S_CHECK (v, proto_payload_encoded_size (&decoded) == len,
             "payload re-encodes to another size");
    S_CHECK (v, proto_payload_encode (&decoded, again, len) == len,
             "payload does not re-encode");
    S_CHECK (v, !memcmp (again, bytes, len),
             "payload re-encodes to other bytes");
    free (again);
}

/* ------------------------------------------------------------------------
   An entry vector.                                                          */
static void
s_check_entry (const s_vector_t *v, bool *saw_red)
{
    static const char *const keys[] = {
        "vector", "seed", "author", "seq", "prev", "timestamp_ms", "level",
        "flags", "audience", "audience_node", "payload_len", "payload_hash",
        "header", "signature", "stub", "id", "payload", "recipient_sign_pk",
        "recipient_box_sk", "plaintext", NULL
    };
    s_only_keys (v, keys);

    uint8_t seed[PROTO_SEED_BYTES], pk[PROTO_PK_BYTES], sk[PROTO_SK_BYTES];
    s_hex_fixed (v, s_need (v, "seed"), seed, sizeof seed);
    crypto_sign_seed_keypair (pk, sk, seed);

    /* The header, from its fields. */
    proto_header_t h;
    memset (&h, 0, sizeof h);
    s_hex_fixed (v, s_need (v, "author"), h.author, PROTO_PK_BYTES);
    S_CHECK (v, !memcmp (h.author, pk, PROTO_PK_BYTES),
             "author is not the seed's public key");
    h.seq = s_decimal (v, s_need (v, "seq"));
    s_hex_fixed (v, s_need (v, "prev"), h.prev, PROTO_HASH_BYTES);
    h.timestamp_ms = s_decimal (v, s_need (v, "timestamp_ms"));
    h.level = proto_level_parse (s_need (v, "level"));
    S_CHECK (v, proto_level_valid ((int) h.level), "bad level");
    uint64_t flags = s_decimal (v, s_need (v, "flags"));
    S_CHECK (v, flags <= 255, "bad flags");
    h.flags = (uint8_t) flags;
    const char *audience = s_need (v, "audience");
    if (!strcmp (audience, "council"))
        proto_audience_set_council (&h.audience);
    else if (!strncmp (audience, "group ", 6))
        S_CHECK (v, proto_audience_set_group (&h.audience, audience + 6) == 0,
                 "bad group name");
    else {
        S_CHECK (v, !strcmp (audience, "nodes"), "bad audience");
        proto_audience_set_nodes (&h.audience);
        for (size_t i = 0; i < v->count; i++)
            if (!strcmp (v->lines[i].key, "audience_node")) {
                uint8_t node[PROTO_PK_BYTES];
                s_hex_fixed (v, v->lines[i].value, node, sizeof node);
                S_CHECK (v, proto_audience_add_node (&h.audience, node) == 0,
                         "too many nodes");
            }
    }
    uint64_t payload_len = s_decimal (v, s_need (v, "payload_len"));
    S_CHECK (v, payload_len <= UINT32_MAX, "bad payload_len");
    h.payload_len = (uint32_t) payload_len;
    s_hex_fixed (v, s_need (v, "payload_hash"), h.payload_hash,
                 PROTO_HASH_BYTES);

    /* Encode and sign: exactly the bytes of the vector. */
    size_t header_len, sig_len, stub_len, payload_size;
    uint8_t *header = s_hex_alloc (v, s_need (v, "header"), &header_len);
    uint8_t *sig = s_hex_alloc (v, s_need (v, "signature"), &sig_len);
    uint8_t *stub = s_hex_alloc (v, s_need (v, "stub"), &stub_len);
    uint8_t *payload = s_hex_alloc (v, s_need (v, "payload"), &payload_size);
    uint8_t id[PROTO_HASH_BYTES], our_id[PROTO_HASH_BYTES];
    s_hex_fixed (v, s_need (v, "id"), id, sizeof id);
    S_CHECK (v, sig_len == PROTO_SIG_BYTES, "signature is not 64 bytes");
    S_CHECK (v, stub_len == header_len + sig_len
                    && !memcmp (stub, header, header_len)
                    && !memcmp (stub + header_len, sig, sig_len),
             "stub is not header || signature");

    uint8_t ours[PROTO_STUB_MAX];
    S_CHECK (v, proto_header_encode (&h, ours, sizeof ours) == header_len,
             "header encodes to another length");
    S_CHECK (v, !memcmp (ours, header, header_len),
             "header encodes to other bytes");
    S_CHECK (v, proto_entry_sign (&h, sk, ours, sizeof ours) == stub_len,
             "stub signs to another length");
    S_CHECK (v, !memcmp (ours + header_len, sig, sig_len),
             "signature differs");
    S_CHECK (v, !memcmp (ours, stub, stub_len), "stub differs");
    proto_entry_id (our_id, stub, stub_len);
    S_CHECK (v, !memcmp (our_id, id, sizeof id), "id differs");

    /* Decode and verify: exactly the fields of the vector. */
    proto_header_t decoded;
    S_CHECK (v, proto_stub_verify (&decoded, stub, stub_len) == PROTO_OK,
             "stub does not verify");
    /* Whole values compared on purpose: decoding memsets them first. */
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    S_CHECK (v, !memcmp (&decoded, &h, sizeof h),
             "stub decodes to other fields");

    /* The payload. */
    uint8_t hash[PROTO_HASH_BYTES];
    proto_hash (hash, payload, payload_size);
    S_CHECK (v, !memcmp (hash, h.payload_hash, sizeof hash),
             "payload_hash is not the payload's hash");
    S_CHECK (v, proto_payload_matches (&decoded, payload, payload_size)
                    == PROTO_OK,
             "payload does not match the header");
    if (h.level == PROTO_LEVEL_RED) {
        *saw_red = true;
        uint8_t r_pk[PROTO_PK_BYTES], r_box_pk[PROTO_BOXPK_BYTES];
        uint8_t r_box_sk[PROTO_BOXSK_BYTES];
        s_hex_fixed (v, s_need (v, "recipient_sign_pk"), r_pk, sizeof r_pk);
        s_hex_fixed (v, s_need (v, "recipient_box_sk"), r_box_sk,
                     sizeof r_box_sk);
        S_CHECK (v, crypto_scalarmult_base (r_box_pk, r_box_sk) == 0,
                 "bad recipient box key");
        S_CHECK (v, proto_audience_names_node (&decoded.audience, r_pk),
                 "recipient is not in the audience");
        size_t plain_len, opened_len;
        uint8_t *plain = s_hex_alloc (v, s_need (v, "plaintext"), &plain_len);
        uint8_t *opened = malloc (payload_size);
        assert (opened);
        S_CHECK (v, proto_seal_open (payload, payload_size, h.author, r_pk,
                                     r_box_pk, r_box_sk, opened,
                                     payload_size, &opened_len)
                        == 0,
                 "recipient cannot open the sealed payload");
        S_CHECK (v, opened_len == plain_len
                        && !memcmp (opened, plain, plain_len),
                 "sealed payload opens to other bytes");
        /* A key that is not a recipient cannot. */
        uint8_t other_pk[PROTO_BOXPK_BYTES], other_sk[PROTO_BOXSK_BYTES];
        crypto_box_keypair (other_pk, other_sk);
        S_CHECK (v, proto_seal_open (payload, payload_size, h.author, r_pk,
                                     other_pk, other_sk, opened,
                                     payload_size, &opened_len)
                        == -1,
                 "a stranger's key opens the sealed payload");
        s_payload_round_trip (v, plain, plain_len);
        sodium_memzero (r_box_sk, sizeof r_box_sk);
        sodium_memzero (other_sk, sizeof other_sk);
        free (plain);
        free (opened);
    }
    else {
        S_CHECK (v, !s_get (v, "plaintext"), "plaintext on a non-RED entry");
        s_payload_round_trip (v, payload, payload_size);
    }
    sodium_memzero (sk, sizeof sk);
    free (header);
    free (sig);
    free (stub);
    free (payload);
}

/* ------------------------------------------------------------------------
   A payload vector.                                                         */
static void
s_check_payload (const s_vector_t *v)
{
    static const char *const keys[] = {
        "vector", "kind", "severity", "sectors", "title", "body", "ref",
        "attachment", "reporter", "reporter-sector", "payload", NULL
    };
    s_only_keys (v, keys);
    proto_payload_t p;
    proto_kind_t kind = proto_kind_parse (s_need (v, "kind"));
    S_CHECK (v, kind != 0, "bad kind");
    uint64_t severity = s_decimal (v, s_need (v, "severity"));
    S_CHECK (v, severity <= PROTO_SEVERITY_MAX, "bad severity");
    proto_payload_init (&p, kind, (uint8_t) severity);

    const char *sectors = s_need (v, "sectors");
    if (strcmp (sectors, "none")) {
        char list[512];
        S_CHECK (v, strlen (sectors) < sizeof list, "sector list too long");
        strcpy (list, sectors);
        for (char *save = NULL, *s = strtok_r (list, ",", &save); s;
             s = strtok_r (NULL, ",", &save)) {
            proto_sector_t sector = proto_sector_parse (s);
            S_CHECK (v, sector != 0, "bad sector");
            S_CHECK (v, proto_payload_add_sector (&p, sector) == 0,
                     "bad sector");
        }
    }
    char *title = s_unescape (v, s_need (v, "title"), &p.title_len);
    p.title = title;
    char *body = s_unescape (v, s_need (v, "body"), &p.body_len);
    p.body = body;
    for (size_t i = 0; i < v->count; i++) {
        const char *value = v->lines[i].value;
        if (!strcmp (v->lines[i].key, "ref")) {
            const char *space = strchr (value, ' ');
            S_CHECK (v, space, "bad ref");
            char relation[32];
            size_t n = (size_t) (space - value);
            S_CHECK (v, n < sizeof relation, "bad ref");
            memcpy (relation, value, n);
            relation[n] = '\0';
            uint8_t id[PROTO_HASH_BYTES];
            s_hex_fixed (v, space + 1, id, sizeof id);
            S_CHECK (v, proto_payload_add_ref (
                            &p, proto_relation_parse (relation), id)
                            == 0,
                     "bad ref");
        }
        else if (!strcmp (v->lines[i].key, "attachment")) {
            S_CHECK (v, p.attachment_count < PROTO_ATTACH_MAX,
                     "too many attachments");
            proto_attachment_t *a = &p.attachments[p.attachment_count++];
            char hash_hex[2 * PROTO_HASH_BYTES + 1];
            S_CHECK (v, strlen (value) > sizeof hash_hex
                            && value[2 * PROTO_HASH_BYTES] == ' ',
                     "bad attachment");
            memcpy (hash_hex, value, 2 * PROTO_HASH_BYTES);
            hash_hex[2 * PROTO_HASH_BYTES] = '\0';
            s_hex_fixed (v, hash_hex, a->hash, PROTO_HASH_BYTES);
            const char *size = value + 2 * PROTO_HASH_BYTES + 1;
            char *end;
            S_CHECK (v, *size >= '0' && *size <= '9', "bad attachment");
            a->size = strtoull (size, &end, 10);
            S_CHECK (v, *end == ' ', "bad attachment");
            a->name = end + 1;
            a->name_len = strlen (end + 1);
        }
    }
    char *reporter = NULL;
    if (s_get (v, "reporter")) {
        p.reporter_type = PROTO_REPORTER_NAMED;
        reporter = s_unescape (v, s_get (v, "reporter"),
                               &p.reporter_name_len);
        p.reporter_name = reporter;
    }
    else if (s_get (v, "reporter-sector")) {
        p.reporter_type = PROTO_REPORTER_ANONYMISED;
        p.reporter_sector =
            (uint8_t) proto_sector_parse (s_get (v, "reporter-sector"));
    }

    size_t len;
    uint8_t *bytes = s_hex_alloc (v, s_need (v, "payload"), &len);
    uint8_t *ours = malloc (len + 1);
    assert (ours);
    S_CHECK (v, proto_payload_encode (&p, ours, len + 1) == len,
             "fields encode to another length");
    S_CHECK (v, !memcmp (ours, bytes, len), "fields encode to other bytes");
    s_payload_round_trip (v, bytes, len);
    free (ours);
    free (bytes);
    free (title);
    free (body);
    free (reporter);
}

/* ------------------------------------------------------------------------
   Split a value into at most max space-separated words, in a fresh copy
   (caller frees *copy). Returns the number of words.                        */
static size_t
s_words (const char *value, char **copy, const char **words, size_t max)
{
    *copy = strdup (value);
    assert (*copy);
    size_t n = 0;
    for (char *save = NULL, *w = strtok_r (*copy, " ", &save); w;
         w = strtok_r (NULL, " ", &save)) {
        if (n == max)
            return max + 1;
        words[n++] = w;
    }
    return n;
}

/* The values of a wire vector, as repeated keys give them.                  */
typedef struct {
    size_t count;                                /* items                  */
    uint8_t keys[S_LINES_MAX][PROTO_PK_BYTES];   /* head/range authors     */
    uint8_t ids[S_LINES_MAX][PROTO_HASH_BYTES];  /* head ids, payload ids  */
    proto_wire_head_t heads[S_LINES_MAX];
    proto_wire_range_t ranges[S_LINES_MAX];
    proto_wire_item_t items[S_LINES_MAX];        /* stub/payload: owned    */
} s_wire_values_t;

/* ------------------------------------------------------------------------
   A wire vector: fields -> octets, octets -> fields -> octets.             */
static void
s_check_wire (const s_vector_t *v, bool *types_seen)
{
    static const char *const keys[] = {
        "vector", "type", "sequence", "sign_pk", "roster_version",
        "roster_hash", "max_batch", "head", "range", "flags", "item", "id",
        "roster", "notice", "code", "text", "frame", NULL
    };
    static const char *const type_names[] = {
        "hello", "heads", "want", "entries", "payloads", "roster", "error",
        "notice"
    };
    s_only_keys (v, keys);
    const char *type_name = s_need (v, "type");
    int type = 0;
    for (int t = 1; t <= PROTO_WIRE_TYPE_MAX; t++)
        if (!strcmp (type_name, type_names[t - 1]))
            type = t;
    S_CHECK (v, type != 0, "unknown wire type");
    types_seen[type] = true;
    uint64_t sequence = s_decimal (v, s_need (v, "sequence"));
    S_CHECK (v, sequence >= 1 && sequence <= UINT32_MAX, "bad sequence");
    size_t frame_len;
    uint8_t *frame = s_hex_alloc (v, s_need (v, "frame"), &frame_len);
    uint8_t *ours = malloc (frame_len + 1);
    assert (ours);

    /* Build the frame from the vector's fields. */
    s_wire_values_t *w = calloc (1, sizeof *w);
    assert (w);
    uint8_t sign_pk[PROTO_PK_BYTES], roster_hash[PROTO_HASH_BYTES];
    proto_wire_hello_t hello = { sign_pk, 0, roster_hash, 0 };
    uint64_t flags = 0, code = 0;
    char *text = NULL;
    size_t text_len = 0;
    size_t built = 0;
    for (size_t i = 0; i < v->count; i++) {
        const char *key = v->lines[i].key, *value = v->lines[i].value;
        const char *word[3];
        char *copy;
        size_t words;
        if (!strcmp (key, "head")) {
            S_CHECK (v, type == PROTO_WIRE_HEADS, "head outside HEADS");
            words = s_words (value, &copy, word, 3);
            S_CHECK (v, words == 3, "head: AUTHOR SEQ ID");
            s_hex_fixed (v, word[0], w->keys[w->count], PROTO_PK_BYTES);
            s_hex_fixed (v, word[2], w->ids[w->count], PROTO_HASH_BYTES);
            w->heads[w->count].author = w->keys[w->count];
            w->heads[w->count].seq = s_decimal (v, word[1]);
            w->heads[w->count].id = w->ids[w->count];
            w->count++;
            free (copy);
        }
        else if (!strcmp (key, "range")) {
            S_CHECK (v, type == PROTO_WIRE_WANT, "range outside WANT");
            words = s_words (value, &copy, word, 3);
            S_CHECK (v, words == 3, "range: AUTHOR FROM TO");
            s_hex_fixed (v, word[0], w->keys[w->count], PROTO_PK_BYTES);
            w->ranges[w->count].author = w->keys[w->count];
            w->ranges[w->count].from_seq = s_decimal (v, word[1]);
            w->ranges[w->count].to_seq = s_decimal (v, word[2]);
            w->count++;
            free (copy);
        }
        else if (!strcmp (key, "item")) {
            S_CHECK (v, type == PROTO_WIRE_ENTRIES, "item outside ENTRIES");
            words = s_words (value, &copy, word, 2);
            S_CHECK (v, words == 2, "item: STUB PAYLOAD-or-'-'");
            proto_wire_item_t *item = &w->items[w->count++];
            uint8_t *stub = s_hex_alloc (v, word[0], &item->stub_len);
            item->stub = stub;
            if (strcmp (word[1], "-")) {
                uint8_t *payload
                    = s_hex_alloc (v, word[1], &item->payload_len);
                item->payload = payload;
            }
            /* What a receiver does with each item. */
            proto_header_t header;
            S_CHECK (v, proto_stub_verify (&header, item->stub,
                                           item->stub_len)
                            == PROTO_OK,
                     "item's stub does not verify");
            S_CHECK (v, !item->payload
                            || proto_payload_matches (&header, item->payload,
                                                      item->payload_len)
                                   == PROTO_OK,
                     "item's payload does not match its stub");
            free (copy);
        }
        else if (!strcmp (key, "id")) {
            S_CHECK (v, type == PROTO_WIRE_PAYLOADS, "id outside PAYLOADS");
            s_hex_fixed (v, value, w->ids[w->count++], PROTO_HASH_BYTES);
        }
    }
    switch (type) {
        case PROTO_WIRE_HELLO: {
            s_hex_fixed (v, s_need (v, "sign_pk"), sign_pk, sizeof sign_pk);
            s_hex_fixed (v, s_need (v, "roster_hash"), roster_hash,
                         sizeof roster_hash);
            hello.roster_version = s_decimal (v, s_need (v, "roster_version"));
            uint64_t max_batch = s_decimal (v, s_need (v, "max_batch"));
            S_CHECK (v, max_batch <= UINT16_MAX, "bad max_batch");
            hello.max_batch = (uint16_t) max_batch;
            built = proto_wire_encode_hello (&hello, (uint32_t) sequence,
                                             ours, frame_len + 1);
            break;
        }
        case PROTO_WIRE_HEADS:
            built = proto_wire_encode_heads (w->heads, w->count,
                                             (uint32_t) sequence, ours,
                                             frame_len + 1);
            break;
        case PROTO_WIRE_WANT:
            built = proto_wire_encode_want (w->ranges, w->count,
                                            (uint32_t) sequence, ours,
                                            frame_len + 1);
            break;
        case PROTO_WIRE_ENTRIES:
            flags = s_decimal (v, s_need (v, "flags"));
            S_CHECK (v, flags <= 255, "bad flags");
            built = proto_wire_encode_entries ((uint8_t) flags, w->items,
                                               w->count, (uint32_t) sequence,
                                               ours, frame_len + 1);
            break;
        case PROTO_WIRE_PAYLOADS:
            built = proto_wire_encode_payloads (
                (const uint8_t (*)[PROTO_HASH_BYTES]) w->ids, w->count,
                (uint32_t) sequence, ours, frame_len + 1);
            break;
        case PROTO_WIRE_ROSTER:
            text = s_unescape (v, s_need (v, "roster"), &text_len);
            built = proto_wire_encode_roster (text, text_len,
                                              (uint32_t) sequence, ours,
                                              frame_len + 1);
            break;
        case PROTO_WIRE_NOTICE:
            text = s_unescape (v, s_need (v, "notice"), &text_len);
            built = proto_wire_encode_notice (text, text_len,
                                              (uint32_t) sequence, ours,
                                              frame_len + 1);
            break;
        case PROTO_WIRE_ERROR:
            code = s_decimal (v, s_need (v, "code"));
            S_CHECK (v, code <= UINT16_MAX, "bad code");
            text = s_unescape (v, s_need (v, "text"), &text_len);
            built = proto_wire_encode_error ((uint16_t) code, text, text_len,
                                             (uint32_t) sequence, ours,
                                             frame_len + 1);
            break;
    }
    S_CHECK (v, built == frame_len, "fields encode to another length");
    S_CHECK (v, !memcmp (ours, frame, frame_len),
             "fields encode to other bytes");

    /* Decode: exactly the vector's fields. */
    proto_wire_frame_t f;
    S_CHECK (v, proto_wire_decode (&f, frame, frame_len) == PROTO_OK,
             "frame does not decode");
    S_CHECK (v, (int) f.type == type && f.sequence == sequence,
             "frame decodes to another type or sequence");
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, &f);
    size_t n = 0, again = 0;
    switch (type) {
        case PROTO_WIRE_HELLO:
            S_CHECK (v, !memcmp (f.hello.sign_pk, sign_pk, PROTO_PK_BYTES)
                            && f.hello.roster_version == hello.roster_version
                            && !memcmp (f.hello.roster_hash, roster_hash,
                                        PROTO_HASH_BYTES)
                            && f.hello.max_batch == hello.max_batch,
                     "HELLO decodes to other fields");
            again = proto_wire_encode_hello (&f.hello, f.sequence, ours,
                                             frame_len);
            break;
        case PROTO_WIRE_HEADS: {
            proto_wire_head_t got[S_LINES_MAX];
            while (n < S_LINES_MAX && proto_wire_heads_next (&it, &got[n])) {
                S_CHECK (v, n < w->count
                                && !memcmp (got[n].author, w->keys[n],
                                            PROTO_PK_BYTES)
                                && got[n].seq == w->heads[n].seq
                                && !memcmp (got[n].id, w->ids[n],
                                            PROTO_HASH_BYTES),
                         "HEADS decodes to other heads");
                n++;
            }
            again = proto_wire_encode_heads (got, n, f.sequence, ours,
                                             frame_len);
            break;
        }
        case PROTO_WIRE_WANT: {
            proto_wire_range_t got[S_LINES_MAX];
            while (n < S_LINES_MAX && proto_wire_want_next (&it, &got[n])) {
                S_CHECK (v, n < w->count
                                && !memcmp (got[n].author, w->keys[n],
                                            PROTO_PK_BYTES)
                                && got[n].from_seq == w->ranges[n].from_seq
                                && got[n].to_seq == w->ranges[n].to_seq,
                         "WANT decodes to other ranges");
                n++;
            }
            again = proto_wire_encode_want (got, n, f.sequence, ours,
                                            frame_len);
            break;
        }
        case PROTO_WIRE_ENTRIES: {
            proto_wire_item_t got[S_LINES_MAX];
            S_CHECK (v, f.flags == flags, "ENTRIES decodes to other flags");
            while (n < S_LINES_MAX && proto_wire_entries_next (&it, &got[n])) {
                const proto_wire_item_t *want = &w->items[n];
                S_CHECK (v, n < w->count && got[n].stub_len == want->stub_len
                                && !memcmp (got[n].stub, want->stub,
                                            want->stub_len)
                                && got[n].payload_len == want->payload_len
                                && (!want->payload_len
                                    || !memcmp (got[n].payload,
                                                want->payload,
                                                want->payload_len)),
                         "ENTRIES decodes to other items");
                n++;
            }
            again = proto_wire_encode_entries (f.flags, got, n, f.sequence,
                                               ours, frame_len);
            break;
        }
        case PROTO_WIRE_PAYLOADS: {
            uint8_t got[S_LINES_MAX][PROTO_HASH_BYTES];
            const uint8_t *id;
            while (n < S_LINES_MAX && proto_wire_payloads_next (&it, &id)) {
                S_CHECK (v, n < w->count
                                && !memcmp (id, w->ids[n], PROTO_HASH_BYTES),
                         "PAYLOADS decodes to other ids");
                memcpy (got[n++], id, PROTO_HASH_BYTES);
            }
            again = proto_wire_encode_payloads (
                (const uint8_t (*)[PROTO_HASH_BYTES]) got, n, f.sequence,
                ours, frame_len);
            break;
        }
        case PROTO_WIRE_ROSTER:
            S_CHECK (v, f.roster_len == text_len
                            && !memcmp (f.roster, text, text_len),
                     "ROSTER decodes to another text");
            again = proto_wire_encode_roster (f.roster, f.roster_len,
                                              f.sequence, ours, frame_len);
            break;
        case PROTO_WIRE_NOTICE:
            S_CHECK (v, f.notice_len == text_len
                            && !memcmp (f.notice, text, text_len),
                     "NOTICE decodes to another text");
            again = proto_wire_encode_notice (f.notice, f.notice_len,
                                              f.sequence, ours, frame_len);
            break;
        case PROTO_WIRE_ERROR:
            S_CHECK (v, f.error_code == code && f.error_text_len == text_len
                            && !memcmp (f.error_text, text, text_len),
                     "ERROR decodes to other fields");
            again = proto_wire_encode_error (f.error_code, f.error_text,
                                             f.error_text_len, f.sequence,
                                             ours, frame_len);
            break;
    }
    S_CHECK (v, n == w->count && f.count == w->count,
             "frame decodes to another number of items");
    S_CHECK (v, again == frame_len && !memcmp (ours, frame, frame_len),
             "decoded frame re-encodes to other bytes");
    /* Without its last octet it is refused. */
    proto_wire_frame_t cut;
    S_CHECK (v, proto_wire_decode (&cut, frame, frame_len - 1)
                    == PROTO_REJECT_TRUNCATED,
             "frame without its last octet decodes");

    for (size_t i = 0; i < w->count; i++) {
        free ((void *) w->items[i].stub);
        free ((void *) w->items[i].payload);
    }
    free (w);
    free (text);
    free (ours);
    free (frame);
}

/* ------------------------------------------------------------------------
   A reject vector; returns the reason it checked.                           */
static proto_reject_t
s_check_reject (const s_vector_t *v)
{
    static const char *const keys[] = {
        "vector", "input", "bytes", "stub", "payload", "reject", NULL
    };
    s_only_keys (v, keys);
    const char *input = s_need (v, "input");
    const char *want = s_need (v, "reject");
    proto_reject_t got;
    if (!strcmp (input, "entry")) {
        size_t stub_len, payload_len;
        uint8_t *stub = s_hex_alloc (v, s_need (v, "stub"), &stub_len);
        uint8_t *payload = s_hex_alloc (v, s_need (v, "payload"),
                                        &payload_len);
        proto_header_t h;
        S_CHECK (v, proto_stub_verify (&h, stub, stub_len) == PROTO_OK,
                 "entry vector's stub does not verify");
        got = proto_payload_matches (&h, payload, payload_len);
        free (stub);
        free (payload);
    }
    else {
        size_t len;
        uint8_t *bytes = s_hex_alloc (v, s_need (v, "bytes"), &len);
        if (!strcmp (input, "stub"))
            got = proto_stub_verify (NULL, bytes, len);
        else if (!strcmp (input, "frame")) {
            proto_wire_frame_t frame;
            got = proto_wire_decode (&frame, bytes, len);
        }
        else if (!strcmp (input, "payload")) {
            proto_payload_t p;
            got = proto_payload_decode (&p, bytes, len);
        }
        else {
            S_CHECK (v, !strcmp (input, "sealed"), "unknown input");
            got = proto_seal_check (bytes, len);
            /* What does not check cannot be opened either. */
            uint8_t pk[PROTO_PK_BYTES] = { 0 }, sk[PROTO_BOXSK_BYTES] = { 0 };
            uint8_t out[16];
            size_t out_len;
            S_CHECK (v, proto_seal_open (bytes, len, pk, pk, pk, sk, out,
                                         sizeof out, &out_len)
                            == -1,
                     "malformed sealed payload opens");
        }
        free (bytes);
    }
    if (strcmp (proto_reject_name (got), want)) {
        fprintf (stderr, "\ntest_vectors: %s: expected '%s', got '%s'\n",
                 v->name, want, proto_reject_name (got));
        assert (!"reject reason differs");
        abort ();
    }
    S_CHECK (v, got != PROTO_OK, "a reject vector must be rejected");
    return got;
}

static int
s_compare_names (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

/* ------------------------------------------------------------------------
   Run every vector in the directory.                                        */
void
test_vectors_test (bool verbose)
{
    printf (" * test_vectors: ");
    fflush (stdout);
    const char *dir = getenv ("CEPTOAR_VECTORS_DIR");
    if (!dir || !*dir)
        dir = CEPTOAR_VECTORS_DIR_DEFAULT;
    DIR *handle = opendir (dir);
    if (!handle) {
        fprintf (stderr, "\ntest_vectors: cannot open '%s' (set "
                         "CEPTOAR_VECTORS_DIR to tests/vectors)\n", dir);
        assert (handle);
        abort ();
    }
    char *names[S_FILES_MAX] = { NULL };
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        size_t len = strlen (entry->d_name);
        if (len > 4 && !strcmp (entry->d_name + len - 4, ".txt")
            && entry->d_name[0] != '.') {
            assert (count < S_FILES_MAX);
            names[count] = strdup (entry->d_name);
            assert (names[count]);
            count++;
        }
    }
    closedir (handle);
    qsort (names, count, sizeof names[0], s_compare_names);

    size_t entries = 0, payloads = 0, rejects = 0;
    size_t wires = 0, frame_rejects = 0;
    bool wire_types[PROTO_WIRE_TYPE_MAX + 1] = { false };
    bool saw_red = false;
    bool reasons[64] = { false };
    for (size_t i = 0; i < count; i++) {
        s_vector_t v;
        if (!s_load (&v, dir, names[i])) {
            fprintf (stderr, "\ntest_vectors: cannot read %s\n", names[i]);
            assert (false);
            abort ();
        }
        const char *kind = s_need (&v, "vector");
        if (!strcmp (kind, "entry")) {
            s_check_entry (&v, &saw_red);
            entries++;
        }
        else if (!strcmp (kind, "payload")) {
            s_check_payload (&v);
            payloads++;
        }
        else if (!strcmp (kind, "wire")) {
            s_check_wire (&v, wire_types);
            wires++;
        }
        else {
            S_CHECK (&v, !strcmp (kind, "reject"), "unknown vector kind");
            proto_reject_t reason = s_check_reject (&v);
            if ((int) reason >= 0 && (int) reason < 64)
                reasons[reason] = true;
            rejects++;
            if (!strcmp (s_need (&v, "input"), "frame"))
                frame_rejects++;
        }
        if (verbose)
            printf ("\n   %s", names[i]);
        s_unload (&v);
        free (names[i]);
    }
    /* The set must cover what docs/protocol.md promises. */
    assert (entries >= 4);
    assert (payloads >= 2);
    assert (saw_red);
    assert (rejects >= 20);
    assert (reasons[PROTO_REJECT_TRUNCATED] && reasons[PROTO_REJECT_MAGIC]
            && reasons[PROTO_REJECT_VERSION] && reasons[PROTO_REJECT_TRAILING]
            && reasons[PROTO_REJECT_OVERSIZE] && reasons[PROTO_REJECT_FIELD]
            && reasons[PROTO_REJECT_NONCANONICAL]
            && reasons[PROTO_REJECT_UTF8] && reasons[PROTO_REJECT_SIGNATURE]
            && reasons[PROTO_REJECT_PAYLOAD_HASH]
            && reasons[PROTO_REJECT_PAYLOAD_LEN]
            && reasons[PROTO_REJECT_SEALING]);
    /* Every replication message has a vector (docs/protocol.md 13.13). */
    for (int t = 1; t <= PROTO_WIRE_TYPE_MAX; t++)
        assert (wire_types[t]);
    assert (wires >= PROTO_WIRE_TYPE_MAX);
    assert (frame_rejects >= 10);
    if (verbose)
        printf ("\n   (%zu entries, %zu payloads, %zu frames, %zu rejects) ",
                entries, payloads, wires, rejects);
    printf ("OK\n");
}
