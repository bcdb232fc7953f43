/* SPDX-License-Identifier: MPL-2.0 */
/* proto_payload: the plaintext payload of an entry: canonical encoding. */

/* The payload, version 1 (all integers big-endian; docs/protocol.md §5):

       magic %xCE %xB1, version u8 = 1
       kind u8 (1..13), severity u8 (0..4)
       sector_count u8 (0..21), sectors u8 each, strictly ascending
       title_len u16 (1..256), title UTF-8 without control characters
       body_len u32 (0..), body UTF-8 (tab, LF, CR allowed)
       ref_count u8 (0..32), each: relation u8 (1..6), entry id (32)
       attachment_count u8 (0..16), each: hash (32), size u64,
           name_len u8 (1..255), name UTF-8, no '/', not "." or ".."
       reporter u8: 0 none | 1 named: len u8 (1..128), UTF-8 name
                  | 2 anonymised: sector u8 (1..21)

   and the whole encoding is at most PROTO_PAYLOAD_MAX bytes. A value has
   one encoding: the decoder refuses whatever the encoder would not write.
   Attachments are referenced by hash and size; their content travels
   separately and is not part of this module. A RED payload is this
   encoding sealed by proto_seal.                                            */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_payload.h"
#include "proto_entry.h"
#include "proto_bytes.h"

/* Fixed part: magic 2, version, kind, severity, sector_count, title_len 2,
   body_len 4, ref_count, attachment_count, reporter type.                   */
#define S_FIXED_BYTES        15
#define S_REF_BYTES          (1 + PROTO_HASH_BYTES)
#define S_ATTACH_FIXED_BYTES (PROTO_HASH_BYTES + 8 + 1)

/* A bounds-checked reader over the input.                                   */






/* ------------------------------------------------------------------------
   Attachment names end up as file names: no '/', no control characters,
   and not "." or "..", so saving one cannot leave its directory.           */
static proto_reject_t
s_check_attach_name (const char *name, size_t len)
{
    if (len < 1)
        return PROTO_REJECT_FIELD;
    if (len > PROTO_ATTACH_NAME_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (!proto_utf8_valid ((const uint8_t *) name, len, false))
        return PROTO_REJECT_UTF8;
    if (memchr (name, '/', len))
        return PROTO_REJECT_FIELD;
    if ((len == 1 && name[0] == '.')
        || (len == 2 && name[0] == '.' && name[1] == '.'))
        return PROTO_REJECT_FIELD;
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   Zero the value, set kind and severity, no reporter.                       */
void
proto_payload_init (proto_payload_t *self, proto_kind_t kind,
                    uint8_t severity)
{
    assert (self);
    memset (self, 0, sizeof *self);
    self->kind = kind;
    self->severity = severity;
    self->reporter_type = PROTO_REPORTER_NONE;
}

/* ------------------------------------------------------------------------
   Insert a sector in order; repeats are ignored.                            */
int
proto_payload_add_sector (proto_payload_t *self, proto_sector_t sector)
{
    assert (self);
    if ((int) sector < 1 || (int) sector > PROTO_SECTOR_MAX)
        return -1;
    assert (self->sector_count <= PROTO_SECTOR_MAX);
    size_t at = 0;
    while (at < self->sector_count && self->sectors[at] < sector)
        at++;
    if (at < self->sector_count && self->sectors[at] == sector)
        return 0;
    /* There are only PROTO_SECTOR_MAX sectors, so a new one always fits. */
    assert (self->sector_count < PROTO_SECTOR_MAX);
    memmove (self->sectors + at + 1, self->sectors + at,
             self->sector_count - at);
    self->sectors[at] = (uint8_t) sector;
    self->sector_count++;
    return 0;
}

/* ------------------------------------------------------------------------
   Append a reference.                                                       */
int
proto_payload_add_ref (proto_payload_t *self, proto_relation_t relation,
                       const uint8_t id[PROTO_HASH_BYTES])
{
    assert (self);
    assert (id);
    if ((int) relation < 1 || (int) relation > PROTO_REL_MAX)
        return -1;
    if (self->ref_count >= PROTO_REFS_MAX)
        return -1;
    self->refs[self->ref_count].relation = (uint8_t) relation;
    memcpy (self->refs[self->ref_count].id, id, PROTO_HASH_BYTES);
    self->ref_count++;
    return 0;
}

/* ------------------------------------------------------------------------
   Validate every field as the decoder would and return the encoded size,
   or 0 if anything is invalid or the total is over PROTO_PAYLOAD_MAX.      */
size_t
proto_payload_encoded_size (const proto_payload_t *self)
{
    assert (self);
    if ((int) self->kind < 1 || (int) self->kind > PROTO_KIND_MAX)
        return 0;
    if (self->severity > PROTO_SEVERITY_MAX)
        return 0;
    if (self->sector_count > PROTO_SECTOR_MAX)
        return 0;
    for (size_t i = 0; i < self->sector_count; i++) {
        if (self->sectors[i] < 1 || self->sectors[i] > PROTO_SECTOR_MAX)
            return 0;
        if (i > 0 && self->sectors[i - 1] >= self->sectors[i])
            return 0;
    }
    if (!self->title || self->title_len < 1
        || self->title_len > PROTO_TITLE_MAX
        || !proto_utf8_valid ((const uint8_t *) self->title,
                              self->title_len, false))
        return 0;
    if (self->body_len > PROTO_PAYLOAD_MAX || (self->body_len && !self->body)
        || !proto_utf8_valid ((const uint8_t *) self->body, self->body_len,
                              true))
        return 0;
    if (self->ref_count > PROTO_REFS_MAX)
        return 0;
    for (size_t i = 0; i < self->ref_count; i++)
        if (self->refs[i].relation < 1
            || self->refs[i].relation > PROTO_REL_MAX)
            return 0;
    if (self->attachment_count > PROTO_ATTACH_MAX)
        return 0;
    size_t size = S_FIXED_BYTES + self->sector_count + self->title_len
                  + self->body_len + self->ref_count * S_REF_BYTES;
    for (size_t i = 0; i < self->attachment_count; i++) {
        const proto_attachment_t *a = &self->attachments[i];
        if (!a->name || s_check_attach_name (a->name, a->name_len) != PROTO_OK)
            return 0;
        size += S_ATTACH_FIXED_BYTES + a->name_len;
    }
    switch (self->reporter_type) {
        case PROTO_REPORTER_NONE:
            break;
        case PROTO_REPORTER_NAMED:
            if (!self->reporter_name || self->reporter_name_len < 1
                || self->reporter_name_len > PROTO_REPORTER_MAX
                || !proto_utf8_valid ((const uint8_t *) self->reporter_name,
                                      self->reporter_name_len, false))
                return 0;
            size += 1 + self->reporter_name_len;
            break;
        case PROTO_REPORTER_ANONYMISED:
            if (self->reporter_sector < 1
                || self->reporter_sector > PROTO_SECTOR_MAX)
                return 0;
            size += 1;
            break;
        default:
            return 0;
    }
    return size <= PROTO_PAYLOAD_MAX ? size : 0;
}

/* ------------------------------------------------------------------------
   Canonical encoding into buf.                                              */
size_t
proto_payload_encode (const proto_payload_t *self, uint8_t *buf, size_t cap)
{
    assert (self);
    assert (buf || cap == 0);
    size_t size = proto_payload_encoded_size (self);
    if (size == 0 || size > cap)
        return 0;
    uint8_t *p = buf;
    *p++ = PROTO_PAYLOAD_MAGIC0;
    *p++ = PROTO_PAYLOAD_MAGIC1;
    *p++ = PROTO_PAYLOAD_VERSION;
    *p++ = (uint8_t) self->kind;
    *p++ = self->severity;
    *p++ = self->sector_count;
    memcpy (p, self->sectors, self->sector_count);
    p += self->sector_count;
    *p++ = (uint8_t) (self->title_len >> 8);
    *p++ = (uint8_t) self->title_len;
    memcpy (p, self->title, self->title_len);
    p += self->title_len;
    uint32_t body_len = (uint32_t) self->body_len;
    *p++ = (uint8_t) (body_len >> 24);
    *p++ = (uint8_t) (body_len >> 16);
    *p++ = (uint8_t) (body_len >> 8);
    *p++ = (uint8_t) body_len;
    if (body_len)
        memcpy (p, self->body, body_len);
    p += body_len;
    *p++ = self->ref_count;
    for (size_t i = 0; i < self->ref_count; i++) {
        *p++ = self->refs[i].relation;
        memcpy (p, self->refs[i].id, PROTO_HASH_BYTES);
        p += PROTO_HASH_BYTES;
    }
    *p++ = self->attachment_count;
    for (size_t i = 0; i < self->attachment_count; i++) {
        const proto_attachment_t *a = &self->attachments[i];
        memcpy (p, a->hash, PROTO_HASH_BYTES);
        p += PROTO_HASH_BYTES;
        for (int shift = 56; shift >= 0; shift -= 8)
            *p++ = (uint8_t) (a->size >> shift);
        *p++ = (uint8_t) a->name_len;
        memcpy (p, a->name, a->name_len);
        p += a->name_len;
    }
    *p++ = (uint8_t) self->reporter_type;
    if (self->reporter_type == PROTO_REPORTER_NAMED) {
        *p++ = (uint8_t) self->reporter_name_len;
        memcpy (p, self->reporter_name, self->reporter_name_len);
        p += self->reporter_name_len;
    }
    else if (self->reporter_type == PROTO_REPORTER_ANONYMISED)
        *p++ = self->reporter_sector;
    assert ((size_t) (p - buf) == size);
    return size;
}

/* ------------------------------------------------------------------------
   Strict decode; text fields borrow from buf. Each count or length is
   checked against its limit before the bytes behind it are looked at, so
   an absurd length is OVERSIZE even when the input is also short.          */
proto_reject_t
proto_payload_decode (proto_payload_t *self, const uint8_t *buf, size_t len)
{
    assert (self);
    assert (buf || len == 0);
    memset (self, 0, sizeof *self);
    proto_reader_t r = { buf, len };
    const uint8_t *p;
    uint8_t v8;

    if (!proto_read_u8 (&r, &v8))
        return PROTO_REJECT_TRUNCATED;
    if (v8 != PROTO_PAYLOAD_MAGIC0)
        return PROTO_REJECT_MAGIC;
    if (!proto_read_u8 (&r, &v8))
        return PROTO_REJECT_TRUNCATED;
    if (v8 != PROTO_PAYLOAD_MAGIC1)
        return PROTO_REJECT_MAGIC;
    if (!proto_read_u8 (&r, &v8))
        return PROTO_REJECT_TRUNCATED;
    if (v8 != PROTO_PAYLOAD_VERSION)
        return PROTO_REJECT_VERSION;
    if (len > PROTO_PAYLOAD_MAX)
        return PROTO_REJECT_OVERSIZE;

    if (!proto_read_u8 (&r, &v8))
        return PROTO_REJECT_TRUNCATED;
    if (v8 < 1 || v8 > PROTO_KIND_MAX)
        return PROTO_REJECT_FIELD;
    self->kind = (proto_kind_t) v8;
    if (!proto_read_u8 (&r, &self->severity))
        return PROTO_REJECT_TRUNCATED;
    if (self->severity > PROTO_SEVERITY_MAX)
        return PROTO_REJECT_FIELD;

    if (!proto_read_u8 (&r, &self->sector_count))
        return PROTO_REJECT_TRUNCATED;
    if (self->sector_count > PROTO_SECTOR_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (!proto_read_take (&r, self->sector_count, &p))
        return PROTO_REJECT_TRUNCATED;
    for (size_t i = 0; i < self->sector_count; i++) {
        if (p[i] < 1 || p[i] > PROTO_SECTOR_MAX)
            return PROTO_REJECT_FIELD;
        if (i > 0 && p[i - 1] >= p[i])
            return PROTO_REJECT_NONCANONICAL;
        self->sectors[i] = p[i];
    }

    uint16_t title_len;
    if (!proto_read_u16 (&r, &title_len))
        return PROTO_REJECT_TRUNCATED;
    if (title_len < 1)
        return PROTO_REJECT_FIELD;
    if (title_len > PROTO_TITLE_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (!proto_read_take (&r, title_len, &p))
        return PROTO_REJECT_TRUNCATED;
    if (!proto_utf8_valid (p, title_len, false))
        return PROTO_REJECT_UTF8;
    self->title = (const char *) p;
    self->title_len = title_len;

    uint32_t body_len;
    if (!proto_read_u32 (&r, &body_len))
        return PROTO_REJECT_TRUNCATED;
    if (body_len > PROTO_PAYLOAD_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (!proto_read_take (&r, body_len, &p))
        return PROTO_REJECT_TRUNCATED;
    if (!proto_utf8_valid (p, body_len, true))
        return PROTO_REJECT_UTF8;
    self->body = (const char *) p;
    self->body_len = body_len;

    if (!proto_read_u8 (&r, &self->ref_count))
        return PROTO_REJECT_TRUNCATED;
    if (self->ref_count > PROTO_REFS_MAX)
        return PROTO_REJECT_OVERSIZE;
    for (size_t i = 0; i < self->ref_count; i++) {
        if (!proto_read_take (&r, S_REF_BYTES, &p))
            return PROTO_REJECT_TRUNCATED;
        if (p[0] < 1 || p[0] > PROTO_REL_MAX)
            return PROTO_REJECT_FIELD;
        self->refs[i].relation = p[0];
        memcpy (self->refs[i].id, p + 1, PROTO_HASH_BYTES);
    }

    if (!proto_read_u8 (&r, &self->attachment_count))
        return PROTO_REJECT_TRUNCATED;
    if (self->attachment_count > PROTO_ATTACH_MAX)
        return PROTO_REJECT_OVERSIZE;
    for (size_t i = 0; i < self->attachment_count; i++) {
        proto_attachment_t *a = &self->attachments[i];
        if (!proto_read_take (&r, PROTO_HASH_BYTES, &p))
            return PROTO_REJECT_TRUNCATED;
        memcpy (a->hash, p, PROTO_HASH_BYTES);
        if (!proto_read_u64 (&r, &a->size))
            return PROTO_REJECT_TRUNCATED;
        if (!proto_read_u8 (&r, &v8))
            return PROTO_REJECT_TRUNCATED;
        if (v8 < 1)
            return PROTO_REJECT_FIELD;
        if (!proto_read_take (&r, v8, &p))
            return PROTO_REJECT_TRUNCATED;
        proto_reject_t rc = s_check_attach_name ((const char *) p, v8);
        if (rc != PROTO_OK)
            return rc;
        a->name = (const char *) p;
        a->name_len = v8;
    }

    if (!proto_read_u8 (&r, &v8))
        return PROTO_REJECT_TRUNCATED;
    if (v8 == PROTO_REPORTER_NAMED) {
        uint8_t name_len;
        if (!proto_read_u8 (&r, &name_len))
            return PROTO_REJECT_TRUNCATED;
        if (name_len < 1)
            return PROTO_REJECT_FIELD;
        if (name_len > PROTO_REPORTER_MAX)
            return PROTO_REJECT_OVERSIZE;
        if (!proto_read_take (&r, name_len, &p))
            return PROTO_REJECT_TRUNCATED;
        if (!proto_utf8_valid (p, name_len, false))
            return PROTO_REJECT_UTF8;
        self->reporter_name = (const char *) p;
        self->reporter_name_len = name_len;
    }
    else if (v8 == PROTO_REPORTER_ANONYMISED) {
        if (!proto_read_u8 (&r, &self->reporter_sector))
            return PROTO_REJECT_TRUNCATED;
        if (self->reporter_sector < 1
            || self->reporter_sector > PROTO_SECTOR_MAX)
            return PROTO_REJECT_FIELD;
    }
    else if (v8 != PROTO_REPORTER_NONE)
        return PROTO_REJECT_FIELD;
    self->reporter_type = (proto_reporter_type_t) v8;

    if (r.left)
        return PROTO_REJECT_TRAILING;
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   Plaintext signature octets.                                               */
uint8_t
proto_payload_implied_flags (const proto_payload_t *self)
{
    assert (self);
    uint8_t flags = 0;
    //  Receipts cost a little on every receiver, so only for what a
    //  sender must know reached everyone: drills and serious entries.
    if (self->kind == PROTO_KIND_DRILL || self->severity >= 3)
        flags |= PROTO_FLAG_RECEIPT;
    //  The urgent lane is for what cannot wait behind a catch-up.
    if (self->severity >= 4
        || (self->kind == PROTO_KIND_EARLY_WARNING && self->severity >= 3))
        flags |= PROTO_FLAG_URGENT;
    //  Receipts and acknowledgements never ask for receipts themselves.
    if (self->kind == PROTO_KIND_RECEIPT || self->kind == PROTO_KIND_ACK)
        flags = 0;
    return flags;
}

bool
proto_payload_is_plaintext (const uint8_t *buf, size_t len)
{
    return buf && len >= 2 && buf[0] == PROTO_PAYLOAD_MAGIC0
           && buf[1] == PROTO_PAYLOAD_MAGIC1;
}

static bool
s_text_eq (const char *a, size_t a_len, const char *b, size_t b_len)
{
    return a_len == b_len && (a_len == 0 || !memcmp (a, b, a_len));
}

/* ------------------------------------------------------------------------
   Field-by-field equality, text compared by content (the pointers may
   borrow from different buffers).                                           */
bool
proto_payload_eq (const proto_payload_t *a, const proto_payload_t *b)
{
    assert (a);
    assert (b);
    if (a->kind != b->kind || a->severity != b->severity
        || a->sector_count != b->sector_count
        || memcmp (a->sectors, b->sectors, a->sector_count)
        || !s_text_eq (a->title, a->title_len, b->title, b->title_len)
        || !s_text_eq (a->body, a->body_len, b->body, b->body_len)
        || a->ref_count != b->ref_count
        || a->attachment_count != b->attachment_count
        || a->reporter_type != b->reporter_type
        || !s_text_eq (a->reporter_name, a->reporter_name_len,
                       b->reporter_name, b->reporter_name_len)
        || a->reporter_sector != b->reporter_sector)
        return false;
    for (size_t i = 0; i < a->ref_count; i++)
        if (a->refs[i].relation != b->refs[i].relation
            || memcmp (a->refs[i].id, b->refs[i].id, PROTO_HASH_BYTES))
            return false;
    for (size_t i = 0; i < a->attachment_count; i++) {
        const proto_attachment_t *x = &a->attachments[i];
        const proto_attachment_t *y = &b->attachments[i];
        if (memcmp (x->hash, y->hash, PROTO_HASH_BYTES) || x->size != y->size
            || !s_text_eq (x->name, x->name_len, y->name, y->name_len))
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */

/* Every truncation is TRUNCATED; trailing bytes are TRAILING.               */
static void
s_test_cuts (const uint8_t *buf, size_t len)
{
    proto_payload_t d;
    uint8_t *copy = malloc (len + 1);
    assert (copy);
    for (size_t cut = 0; cut < len; cut++)
        assert (proto_payload_decode (&d, buf, cut)
                == PROTO_REJECT_TRUNCATED);
    memcpy (copy, buf, len);
    copy[len] = 0;
    assert (proto_payload_decode (&d, copy, len + 1)
            == PROTO_REJECT_TRAILING);
    free (copy);
}

void
proto_payload_test (bool verbose)
{
    printf (" * proto_payload: ");
    fflush (stdout);
    proto_payload_t p, d;
    static uint8_t buf[PROTO_PAYLOAD_MAX + 64];

    /* Smallest payload: one-byte title, empty body, nothing else. */
    proto_payload_init (&p, PROTO_KIND_NEWSLETTER, 0);
    assert (proto_payload_encoded_size (&p) == 0);        /* no title */
    p.title = "x";
    p.title_len = 1;
    size_t size = proto_payload_encode (&p, buf, sizeof buf);
    assert (size == S_FIXED_BYTES + 1);
    assert (size == proto_payload_encoded_size (&p));
    assert (proto_payload_is_plaintext (buf, size));
    assert (!proto_payload_is_plaintext (buf, 1));
    assert (proto_payload_decode (&d, buf, size) == PROTO_OK);
    assert (proto_payload_eq (&p, &d));
    assert (d.body_len == 0 && d.reporter_type == PROTO_REPORTER_NONE);
    s_test_cuts (buf, size);

    /* A full payload: every field used. */
    proto_payload_init (&p, PROTO_KIND_INCIDENT, 4);
    assert (proto_payload_add_sector (&p, PROTO_SECTOR_SECURITIES) == 0);
    assert (proto_payload_add_sector (&p, PROTO_SECTOR_BANKING) == 0);
    assert (proto_payload_add_sector (&p, PROTO_SECTOR_PORTS) == 0);
    assert (proto_payload_add_sector (&p, PROTO_SECTOR_BANKING) == 0);
    assert (proto_payload_add_sector (&p, (proto_sector_t) 0) == -1);
    assert (proto_payload_add_sector (&p, (proto_sector_t) 22) == -1);
    assert (p.sector_count == 3 && p.sectors[0] == PROTO_SECTOR_BANKING
            && p.sectors[1] == PROTO_SECTOR_SECURITIES
            && p.sectors[2] == PROTO_SECTOR_PORTS);
    /* "不正送金" (unauthorised transfers) */
    p.title = "\xe4\xb8\x8d\xe6\xad\xa3\xe9\x80\x81\xe9\x87\x91";
    p.title_len = strlen (p.title);
    p.body = "Line one\n\tLine two\r\n";
    p.body_len = strlen (p.body);
    uint8_t id[PROTO_HASH_BYTES];
    memset (id, 0xAB, sizeof id);
    assert (proto_payload_add_ref (&p, PROTO_REL_UPDATE, id) == 0);
    id[0] = 0x01;
    assert (proto_payload_add_ref (&p, PROTO_REL_REPLY, id) == 0);
    assert (proto_payload_add_ref (&p, (proto_relation_t) 0, id) == -1);
    assert (proto_payload_add_ref (&p, (proto_relation_t) 7, id) == -1);
    p.attachment_count = 2;
    memset (p.attachments[0].hash, 0x5A, PROTO_HASH_BYTES);
    p.attachments[0].size = 0x0102030405060708ULL;
    p.attachments[0].name = "ioc-list.csv";
    p.attachments[0].name_len = 12;
    memset (p.attachments[1].hash, 0xA5, PROTO_HASH_BYTES);
    p.attachments[1].size = 0;
    p.attachments[1].name = "..report";
    p.attachments[1].name_len = 8;
    p.reporter_type = PROTO_REPORTER_NAMED;
    p.reporter_name = "Example Bank";
    p.reporter_name_len = 12;
    size = proto_payload_encode (&p, buf, sizeof buf);
    assert (size > 0 && size == proto_payload_encoded_size (&p));
    assert (proto_payload_encode (&p, buf, size - 1) == 0);
    assert (proto_payload_decode (&d, buf, size) == PROTO_OK);
    assert (proto_payload_eq (&p, &d));
    /* Borrowed pointers point into the buffer. */
    assert ((const uint8_t *) d.title > buf
            && (const uint8_t *) d.title < buf + size);
    /* Re-encoding the decoded value gives the same bytes. */
    static uint8_t again[4096];
    assert (proto_payload_encode (&d, again, sizeof again) == size);
    assert (!memcmp (buf, again, size));
    s_test_cuts (buf, size);
    /* Offsets of the fixed fields, as documented. */
    assert (buf[0] == 0xCE && buf[1] == 0xB1 && buf[2] == 1);
    assert (buf[3] == PROTO_KIND_INCIDENT && buf[4] == 4 && buf[5] == 3);
    assert (buf[9] == 0 && buf[10] == 12);                  /* title_len */

    /* Decoder errors on hand-edited copies. */
    memcpy (again, buf, size);
#define S_EDIT(offset, value, reason)                                        \
    do {                                                                     \
        memcpy (again, buf, size);                                           \
        again[offset] = (value);                                             \
        assert (proto_payload_decode (&d, again, size) == (reason));         \
    } while (0)
    S_EDIT (0, 0xCF, PROTO_REJECT_MAGIC);
    S_EDIT (1, 0xC1, PROTO_REJECT_MAGIC);               /* a sealed one  */
    S_EDIT (2, 2, PROTO_REJECT_VERSION);
    S_EDIT (2, 0, PROTO_REJECT_VERSION);
    S_EDIT (3, 0, PROTO_REJECT_FIELD);                  /* kind          */
    S_EDIT (3, PROTO_KIND_MAX + 1, PROTO_REJECT_FIELD);
    S_EDIT (4, PROTO_SEVERITY_MAX + 1, PROTO_REJECT_FIELD);
    S_EDIT (5, PROTO_SECTOR_MAX + 1, PROTO_REJECT_OVERSIZE);
    S_EDIT (5, 255, PROTO_REJECT_OVERSIZE);
    S_EDIT (6, 0, PROTO_REJECT_FIELD);                  /* sector 0      */
    S_EDIT (6, PROTO_SECTOR_SECURITIES, PROTO_REJECT_NONCANONICAL);
    S_EDIT (7, PROTO_SECTOR_BANKING, PROTO_REJECT_NONCANONICAL);
    S_EDIT (8, PROTO_SECTOR_MAX + 1, PROTO_REJECT_FIELD);
    S_EDIT (10, 0, PROTO_REJECT_FIELD);                 /* title_len 0   */
    S_EDIT (9, 1, PROTO_REJECT_OVERSIZE);               /* 268 > 256     */
    S_EDIT (11, '\n', PROTO_REJECT_UTF8);               /* newline title */
    S_EDIT (11, 0xC0, PROTO_REJECT_UTF8);
    S_EDIT (23, 0x20, PROTO_REJECT_OVERSIZE);           /* body_len MSB  */
    S_EDIT (27, 0x00, PROTO_REJECT_UTF8);               /* NUL in body   */
    S_EDIT (27, 0x1B, PROTO_REJECT_UTF8);               /* ESC in body   */
    size_t at = 27 + p.body_len;                        /* ref_count     */
    S_EDIT (at, PROTO_REFS_MAX + 1, PROTO_REJECT_OVERSIZE);
    S_EDIT (at + 1, 0, PROTO_REJECT_FIELD);             /* relation 0    */
    S_EDIT (at + 1, PROTO_REL_MAX + 1, PROTO_REJECT_FIELD);
    at += 1 + 2 * S_REF_BYTES;                          /* attach count  */
    S_EDIT (at, PROTO_ATTACH_MAX + 1, PROTO_REJECT_OVERSIZE);
    size_t name_at = at + 1 + S_ATTACH_FIXED_BYTES;
    S_EDIT (name_at - 1, 0, PROTO_REJECT_FIELD);        /* name_len 0    */
    S_EDIT (name_at + 3, '/', PROTO_REJECT_FIELD);
    S_EDIT (name_at + 3, '\n', PROTO_REJECT_UTF8);
    S_EDIT (name_at + 3, 0xFF, PROTO_REJECT_UTF8);
    size_t rep_at = size - 1 - 1 - p.reporter_name_len; /* reporter     */
    S_EDIT (rep_at, 3, PROTO_REJECT_FIELD);
    S_EDIT (rep_at + 1, 0, PROTO_REJECT_FIELD);         /* name_len 0    */
    S_EDIT (rep_at + 1, PROTO_REPORTER_MAX + 1, PROTO_REJECT_OVERSIZE);
    S_EDIT (rep_at + 2, '\t', PROTO_REJECT_UTF8);
#undef S_EDIT
    /* ref_count raised by one, with nothing behind it: truncated. */
    memcpy (again, buf, size);
    again[27 + p.body_len] = 3;
    assert (proto_payload_decode (&d, again, size)
            == PROTO_REJECT_TRUNCATED);

    /* Attachment names "." and ".." cannot be encoded or decoded. */
    proto_payload_t q = p;
    q.attachments[1].name = "..";
    q.attachments[1].name_len = 2;
    assert (proto_payload_encoded_size (&q) == 0);
    q.attachments[1].name = ".";
    q.attachments[1].name_len = 1;
    assert (proto_payload_encoded_size (&q) == 0);
    q.attachments[1].name = "..x";
    q.attachments[1].name_len = 3;
    assert (proto_payload_encoded_size (&q) > 0);
    q.attachments[1].name = "a/b";
    assert (proto_payload_encoded_size (&q) == 0);

    /* Anonymised reporter. */
    q = p;
    q.reporter_type = PROTO_REPORTER_ANONYMISED;
    q.reporter_sector = PROTO_SECTOR_BANKING;
    q.reporter_name = NULL;
    q.reporter_name_len = 0;
    size = proto_payload_encode (&q, buf, sizeof buf);
    assert (size > 0);
    assert (buf[size - 2] == PROTO_REPORTER_ANONYMISED);
    assert (proto_payload_decode (&d, buf, size) == PROTO_OK);
    assert (proto_payload_eq (&q, &d));
    s_test_cuts (buf, size);
    buf[size - 1] = 0;
    assert (proto_payload_decode (&d, buf, size) == PROTO_REJECT_FIELD);
    buf[size - 1] = PROTO_SECTOR_MAX + 1;
    assert (proto_payload_decode (&d, buf, size) == PROTO_REJECT_FIELD);
    q.reporter_sector = 0;
    assert (proto_payload_encoded_size (&q) == 0);

    /* The encoder refuses what the decoder would refuse. */
    q = p;
    q.kind = (proto_kind_t) 0;
    assert (proto_payload_encoded_size (&q) == 0);
    q = p;
    q.severity = 5;
    assert (proto_payload_encoded_size (&q) == 0);
    q = p;
    q.title = "a\nb";
    q.title_len = 3;
    assert (proto_payload_encoded_size (&q) == 0);
    q = p;
    q.title_len = PROTO_TITLE_MAX + 1;
    assert (proto_payload_encoded_size (&q) == 0);
    q = p;
    q.body = "\xed\xa0\x80";                            /* a surrogate  */
    q.body_len = 3;
    assert (proto_payload_encoded_size (&q) == 0);
    q = p;
    q.sectors[0] = q.sectors[1];
    assert (proto_payload_encoded_size (&q) == 0);
    q = p;
    q.refs[0].relation = 0;
    assert (proto_payload_encoded_size (&q) == 0);
    q = p;
    q.reporter_name_len = 0;
    assert (proto_payload_encoded_size (&q) == 0);
    q.reporter_type = (proto_reporter_type_t) 3;
    assert (proto_payload_encoded_size (&q) == 0);

    /* Limits: 32 refs fit, a 33rd does not. */
    proto_payload_init (&q, PROTO_KIND_RELATED, 1);
    q.title = "refs";
    q.title_len = 4;
    for (int i = 0; i < PROTO_REFS_MAX; i++)
        assert (proto_payload_add_ref (&q, PROTO_REL_RELATED, id) == 0);
    assert (proto_payload_add_ref (&q, PROTO_REL_RELATED, id) == -1);
    size = proto_payload_encode (&q, buf, sizeof buf);
    assert (size == S_FIXED_BYTES + 4 + PROTO_REFS_MAX * S_REF_BYTES);
    assert (proto_payload_decode (&d, buf, size) == PROTO_OK);
    assert (proto_payload_eq (&q, &d));

    /* Limits: the whole encoding is at most PROTO_PAYLOAD_MAX bytes. */
    char *body = malloc (PROTO_PAYLOAD_MAX);
    assert (body);
    memset (body, 'a', PROTO_PAYLOAD_MAX);
    proto_payload_init (&q, PROTO_KIND_BEST_PRACTICE, 0);
    q.title = "big";
    q.title_len = 3;
    q.body = body;
    q.body_len = PROTO_PAYLOAD_MAX - S_FIXED_BYTES - 3;
    size = proto_payload_encode (&q, buf, sizeof buf);
    assert (size == PROTO_PAYLOAD_MAX);
    assert (proto_payload_decode (&d, buf, size) == PROTO_OK);
    q.body_len++;
    assert (proto_payload_encoded_size (&q) == 0);
    /* Any input over the limit is refused before it is parsed. */
    size = proto_payload_encode (&p, buf, sizeof buf);
    assert (size > 0);
    memset (buf + size, 0, PROTO_PAYLOAD_MAX + 1 - size);
    assert (proto_payload_decode (&d, buf, PROTO_PAYLOAD_MAX + 1)
            == PROTO_REJECT_OVERSIZE);
    free (body);

    if (verbose)
        printf ("(max %d bytes) ", PROTO_PAYLOAD_MAX);
    printf ("OK\n");
}
