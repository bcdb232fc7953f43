/* SPDX-License-Identifier: MPL-2.0 */
/* proto_wire: the replication frame codec: encoding, strict decoding and
   item iterators for the seven messages nodes exchange over ZeroMQ. */

/* A frame, version 1 (all integers big-endian; docs/protocol.md 13.4, 13.5):

       offset  size  field
       0       2     signature %xCE %xA1
       2       1     version = 1
       3       1     type (1..7)
       4       4     sequence (>= 1; per connection and direction)
       8       ...   body:
         HELLO     sign_pk 32, roster_version u64 (>= 1), roster_hash 32,
                   max_batch u16 (1..1024)
         HEADS     count u16 (0..1024), count x {author 32, seq u64 (>= 1),
                   id 32}, authors strictly ascending
         WANT      count u16 (1..256), count x {author 32, from_seq u64
                   (>= 1), to_seq u64 (>= from_seq)}, ascending by author
                   then from_seq, ranges of one author apart
         ENTRIES   flags u8 (bit 0: reply), count u16 (1..1024), count x
                   {stub_len u16 (187..2236), stub, payload_len u32
                   (0..1056768), payload}
         PAYLOADS  count u16 (1..1024), count x id 32, strictly ascending
         ROSTER    len u32 (1..1048576), roster text
         NOTICE    len u16 (1..4096), notice text
         ERROR     code u16 (>= 1), len u8, one line of UTF-8

   and the whole frame is at most PROTO_WIRE_FRAME_MAX octets. Each value
   has one encoding: every encoder checks exactly what the decoder checks,
   so a decoded frame re-encodes to the octets it came from. The decoder
   checks fields in wire order and reports the first rule broken, as the
   entry decoders do.

   What this module does not do: sessions, sequence tracking, disclosure,
   signature checks, roster checks. Those need state (node/) or the roster
   (keys/); the frame codec stays a pure function of bytes, which is what
   lets the node, the tools, the vectors and the fuzzer share it.           */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_wire.h"
#include "proto_bytes.h"

/* Offsets in the frame header.                                              */
#define S_OFF_VERSION  2
#define S_OFF_TYPE     3
#define S_OFF_SEQUENCE 4
/* Where the count goes in an ENTRIES frame (after the flags octet).         */
#define S_OFF_ENTRIES_COUNT (PROTO_WIRE_HEADER_BYTES + 1)

struct _proto_wire_writer_t {
    uint8_t *buf;                /* frame being written, budget octets     */
    size_t budget;               /* most octets a frame may take           */
    size_t size;                 /* octets written so far                  */
    size_t count;                /* items so far                           */
    size_t max_items;            /* the receiver's max_batch               */
    bool open;                   /* between _begin and _finish             */
};

/* ------------------------------------------------------------------------
   Big-endian helpers.                                                       */












/* ------------------------------------------------------------------------
   Sizes as functions.                                                       */
size_t
proto_wire_frame_max (void)
{
    return PROTO_WIRE_FRAME_MAX;
}

size_t
proto_wire_header_bytes (void)
{
    return PROTO_WIRE_HEADER_BYTES;
}

/* ------------------------------------------------------------------------
   Write the 8-octet frame header.                                           */
static void
s_put_header (uint8_t *buf, proto_wire_type_t type, uint32_t sequence)
{
    buf[0] = PROTO_WIRE_MAGIC0;
    buf[1] = PROTO_WIRE_MAGIC1;
    buf[S_OFF_VERSION] = PROTO_WIRE_VERSION;
    buf[S_OFF_TYPE] = (uint8_t) type;
    proto_put_u32 (buf + S_OFF_SEQUENCE, sequence);
}

/* ------------------------------------------------------------------------
   Per-type body decoders. Each reads fields in wire order and returns the
   first rule broken. They fill self's fields for their type.               */

static proto_reject_t
s_decode_hello (proto_wire_frame_t *self, proto_reader_t *r)
{
    const uint8_t *p;
    if (!proto_read_take (r, PROTO_PK_BYTES, &p))
        return PROTO_REJECT_TRUNCATED;
    self->hello.sign_pk = p;
    if (!proto_read_u64 (r, &self->hello.roster_version))
        return PROTO_REJECT_TRUNCATED;
    if (self->hello.roster_version < 1)
        return PROTO_REJECT_FIELD;
    if (!proto_read_take (r, PROTO_HASH_BYTES, &p))
        return PROTO_REJECT_TRUNCATED;
    self->hello.roster_hash = p;
    if (!proto_read_u16 (r, &self->hello.max_batch))
        return PROTO_REJECT_TRUNCATED;
    if (self->hello.max_batch < 1)
        return PROTO_REJECT_FIELD;
    if (self->hello.max_batch > PROTO_WIRE_BATCH_MAX)
        return PROTO_REJECT_OVERSIZE;
    return PROTO_OK;
}

static proto_reject_t
s_decode_heads (proto_wire_frame_t *self, proto_reader_t *r)
{
    uint16_t count;
    if (!proto_read_u16 (r, &count))
        return PROTO_REJECT_TRUNCATED;
    if (count > PROTO_WIRE_HEADS_MAX)
        return PROTO_REJECT_OVERSIZE;
    self->items = r->p;
    const uint8_t *prev = NULL;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *author, *id;
        uint64_t seq;
        if (!proto_read_take (r, PROTO_PK_BYTES, &author))
            return PROTO_REJECT_TRUNCATED;
        /* One author, one head: strictly ascending keys, so a HEADS has one
           encoding and a receiver can merge it in one pass. */
        if (prev && memcmp (prev, author, PROTO_PK_BYTES) >= 0)
            return PROTO_REJECT_NONCANONICAL;
        prev = author;
        if (!proto_read_u64 (r, &seq))
            return PROTO_REJECT_TRUNCATED;
        if (seq < 1)
            return PROTO_REJECT_FIELD;
        if (!proto_read_take (r, PROTO_HASH_BYTES, &id))
            return PROTO_REJECT_TRUNCATED;
    }
    self->count = count;
    self->items_len = (size_t) (r->p - self->items);
    return PROTO_OK;
}

static proto_reject_t
s_decode_want (proto_wire_frame_t *self, proto_reader_t *r)
{
    uint16_t count;
    if (!proto_read_u16 (r, &count))
        return PROTO_REJECT_TRUNCATED;
    if (count < 1)
        return PROTO_REJECT_FIELD;
    if (count > PROTO_WIRE_WANT_MAX)
        return PROTO_REJECT_OVERSIZE;
    self->items = r->p;
    const uint8_t *prev = NULL;
    uint64_t prev_to = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *author;
        uint64_t from, to;
        if (!proto_read_take (r, PROTO_PK_BYTES, &author))
            return PROTO_REJECT_TRUNCATED;
        int order = prev ? memcmp (prev, author, PROTO_PK_BYTES) : -1;
        if (order > 0)
            return PROTO_REJECT_NONCANONICAL;
        if (!proto_read_u64 (r, &from))
            return PROTO_REJECT_TRUNCATED;
        if (from < 1)
            return PROTO_REJECT_FIELD;
        /* Ranges of one author ascend and neither overlap nor touch
           (from - 1 > prev_to, written without overflow), so the same set
           of seqs has one encoding and nothing is asked for twice. */
        if (order == 0 && from - 1 <= prev_to)
            return PROTO_REJECT_NONCANONICAL;
        if (!proto_read_u64 (r, &to))
            return PROTO_REJECT_TRUNCATED;
        if (to < from)
            return PROTO_REJECT_FIELD;
        prev = author;
        prev_to = to;
    }
    self->count = count;
    self->items_len = (size_t) (r->p - self->items);
    return PROTO_OK;
}

static proto_reject_t
s_decode_entries (proto_wire_frame_t *self, proto_reader_t *r)
{
    if (!proto_read_u8 (r, &self->flags))
        return PROTO_REJECT_TRUNCATED;
    if (self->flags & ~PROTO_WIRE_FLAGS_KNOWN)
        return PROTO_REJECT_FIELD;
    uint16_t count;
    if (!proto_read_u16 (r, &count))
        return PROTO_REJECT_TRUNCATED;
    if (count < 1)
        return PROTO_REJECT_FIELD;
    if (count > PROTO_WIRE_BATCH_MAX)
        return PROTO_REJECT_OVERSIZE;
    self->items = r->p;
    for (size_t i = 0; i < count; i++) {
        uint16_t stub_len;
        uint32_t payload_len;
        const uint8_t *p;
        if (!proto_read_u16 (r, &stub_len))
            return PROTO_REJECT_TRUNCATED;
        /* Lengths are checked before the octets behind them are taken. */
        if (stub_len < PROTO_WIRE_STUB_MIN)
            return PROTO_REJECT_FIELD;
        if (stub_len > PROTO_STUB_MAX)
            return PROTO_REJECT_OVERSIZE;
        if (!proto_read_take (r, stub_len, &p))
            return PROTO_REJECT_TRUNCATED;
        if (!proto_read_u32 (r, &payload_len))
            return PROTO_REJECT_TRUNCATED;
        if (payload_len > PROTO_STORED_PAYLOAD_MAX)
            return PROTO_REJECT_OVERSIZE;
        if (!proto_read_take (r, payload_len, &p))
            return PROTO_REJECT_TRUNCATED;
    }
    self->count = count;
    self->items_len = (size_t) (r->p - self->items);
    return PROTO_OK;
}

static proto_reject_t
s_decode_payloads (proto_wire_frame_t *self, proto_reader_t *r)
{
    uint16_t count;
    if (!proto_read_u16 (r, &count))
        return PROTO_REJECT_TRUNCATED;
    if (count < 1)
        return PROTO_REJECT_FIELD;
    if (count > PROTO_WIRE_PAYLOADS_MAX)
        return PROTO_REJECT_OVERSIZE;
    self->items = r->p;
    const uint8_t *prev = NULL;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *id;
        if (!proto_read_take (r, PROTO_HASH_BYTES, &id))
            return PROTO_REJECT_TRUNCATED;
        if (prev && memcmp (prev, id, PROTO_HASH_BYTES) >= 0)
            return PROTO_REJECT_NONCANONICAL;
        prev = id;
    }
    self->count = count;
    self->items_len = (size_t) (r->p - self->items);
    return PROTO_OK;
}

static proto_reject_t
s_decode_roster (proto_wire_frame_t *self, proto_reader_t *r)
{
    uint32_t len;
    const uint8_t *p;
    if (!proto_read_u32 (r, &len))
        return PROTO_REJECT_TRUNCATED;
    if (len < 1)
        return PROTO_REJECT_FIELD;
    if (len > PROTO_WIRE_ROSTER_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (!proto_read_take (r, len, &p))
        return PROTO_REJECT_TRUNCATED;
    /* The text is parsed (strictly) by keys_roster_parse, not here. */
    self->roster = (const char *) p;
    self->roster_len = len;
    return PROTO_OK;
}

static proto_reject_t
s_decode_notice (proto_wire_frame_t *self, proto_reader_t *r)
{
    uint16_t len;
    const uint8_t *p;
    if (!proto_read_u16 (r, &len))
        return PROTO_REJECT_TRUNCATED;
    if (len < 1)
        return PROTO_REJECT_FIELD;
    if (len > PROTO_WIRE_NOTICE_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (!proto_read_take (r, len, &p))
        return PROTO_REJECT_TRUNCATED;
    /* The text is parsed and verified by keys_notice_parse, not here. */
    self->notice = (const char *) p;
    self->notice_len = len;
    return PROTO_OK;
}

static proto_reject_t
s_decode_error (proto_wire_frame_t *self, proto_reader_t *r)
{
    uint8_t len;
    const uint8_t *p;
    if (!proto_read_u16 (r, &self->error_code))
        return PROTO_REJECT_TRUNCATED;
    if (self->error_code < 1)
        return PROTO_REJECT_FIELD;
    if (!proto_read_u8 (r, &len))
        return PROTO_REJECT_TRUNCATED;
    if (!proto_read_take (r, len, &p))
        return PROTO_REJECT_TRUNCATED;
    /* One line, so that logging a peer's text cannot forge log lines. */
    if (!proto_utf8_valid (p, len, false))
        return PROTO_REJECT_UTF8;
    self->error_text = (const char *) p;
    self->error_text_len = len;
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   Strictly decode one frame.                                                */
proto_reject_t
proto_wire_decode (proto_wire_frame_t *self, const uint8_t *data, size_t size)
{
    assert (self);
    assert (data || size == 0);
    memset (self, 0, sizeof *self);
    /* Signature and version first, so junk and other versions are refused
       at the first octets, before any length is believed. */
    if (size < 1)
        return PROTO_REJECT_TRUNCATED;
    if (data[0] != PROTO_WIRE_MAGIC0)
        return PROTO_REJECT_MAGIC;
    if (size < 2)
        return PROTO_REJECT_TRUNCATED;
    if (data[1] != PROTO_WIRE_MAGIC1)
        return PROTO_REJECT_MAGIC;
    if (size < 3)
        return PROTO_REJECT_TRUNCATED;
    if (data[S_OFF_VERSION] != PROTO_WIRE_VERSION)
        return PROTO_REJECT_VERSION;
    if (size > PROTO_WIRE_FRAME_MAX)
        return PROTO_REJECT_OVERSIZE;
    if (size < 4)
        return PROTO_REJECT_TRUNCATED;
    uint8_t type = data[S_OFF_TYPE];
    if (type < PROTO_WIRE_HELLO || type > PROTO_WIRE_TYPE_MAX)
        return PROTO_REJECT_FIELD;
    if (size < PROTO_WIRE_HEADER_BYTES)
        return PROTO_REJECT_TRUNCATED;
    uint32_t sequence = proto_get_u32 (data + S_OFF_SEQUENCE);
    if (sequence < 1)
        return PROTO_REJECT_FIELD;
    self->type = (proto_wire_type_t) type;
    self->sequence = sequence;

    proto_reader_t r = { data + PROTO_WIRE_HEADER_BYTES,
                     size - PROTO_WIRE_HEADER_BYTES };
    proto_reject_t rc = PROTO_REJECT_FIELD;
    switch (self->type) {
        case PROTO_WIRE_HELLO:    rc = s_decode_hello (self, &r); break;
        case PROTO_WIRE_HEADS:    rc = s_decode_heads (self, &r); break;
        case PROTO_WIRE_WANT:     rc = s_decode_want (self, &r); break;
        case PROTO_WIRE_ENTRIES:  rc = s_decode_entries (self, &r); break;
        case PROTO_WIRE_PAYLOADS: rc = s_decode_payloads (self, &r); break;
        case PROTO_WIRE_ROSTER:   rc = s_decode_roster (self, &r); break;
        case PROTO_WIRE_ERROR:    rc = s_decode_error (self, &r); break;
        case PROTO_WIRE_NOTICE:   rc = s_decode_notice (self, &r); break;
    }
    if (rc != PROTO_OK)
        return rc;
    if (r.left > 0)
        return PROTO_REJECT_TRAILING;
    return PROTO_OK;
}

/* ------------------------------------------------------------------------
   Iterators. The body was checked by proto_wire_decode; the walk still
   bounds every read by the octets left, so a frame value that did not come
   from a successful decode cannot make it read past the items.             */
void
proto_wire_iter_init (proto_wire_iter_t *self,
                      const proto_wire_frame_t *frame)
{
    assert (self);
    assert (frame);
    self->frame = frame;
    self->next = frame->items;
    self->left = frame->items ? frame->items_len : 0;
    self->index = 0;
}

static bool
s_iter_take (proto_wire_iter_t *self, size_t n, const uint8_t **out)
{
    if (self->index >= self->frame->count || self->left < n)
        return false;
    *out = self->next;
    self->next += n;
    self->left -= n;
    return true;
}

bool
proto_wire_heads_next (proto_wire_iter_t *self, proto_wire_head_t *item)
{
    assert (self);
    assert (self->frame);
    assert (self->frame->type == PROTO_WIRE_HEADS);
    assert (item);
    const uint8_t *p;
    if (!s_iter_take (self, PROTO_WIRE_HEAD_BYTES, &p))
        return false;
    item->author = p;
    item->seq = proto_get_u64 (p + PROTO_PK_BYTES);
    item->id = p + PROTO_PK_BYTES + 8;
    self->index++;
    return true;
}

bool
proto_wire_want_next (proto_wire_iter_t *self, proto_wire_range_t *item)
{
    assert (self);
    assert (self->frame);
    assert (self->frame->type == PROTO_WIRE_WANT);
    assert (item);
    const uint8_t *p;
    if (!s_iter_take (self, PROTO_WIRE_RANGE_BYTES, &p))
        return false;
    item->author = p;
    item->from_seq = proto_get_u64 (p + PROTO_PK_BYTES);
    item->to_seq = proto_get_u64 (p + PROTO_PK_BYTES + 8);
    self->index++;
    return true;
}

bool
proto_wire_entries_next (proto_wire_iter_t *self, proto_wire_item_t *item)
{
    assert (self);
    assert (self->frame);
    assert (self->frame->type == PROTO_WIRE_ENTRIES);
    assert (item);
    if (self->index >= self->frame->count)
        return false;
    proto_reader_t r = { self->next, self->left };
    uint16_t stub_len;
    uint32_t payload_len;
    const uint8_t *stub, *payload;
    if (!proto_read_u16 (&r, &stub_len)
        || !proto_read_take (&r, stub_len, &stub)
        || !proto_read_u32 (&r, &payload_len)
        || !proto_read_take (&r, payload_len, &payload))
        return false;
    item->stub = stub;
    item->stub_len = stub_len;
    item->payload = payload_len ? payload : NULL;
    item->payload_len = payload_len;
    self->next = r.p;
    self->left = r.left;
    self->index++;
    return true;
}

bool
proto_wire_payloads_next (proto_wire_iter_t *self, const uint8_t **id)
{
    assert (self);
    assert (self->frame);
    assert (self->frame->type == PROTO_WIRE_PAYLOADS);
    assert (id);
    const uint8_t *p;
    if (!s_iter_take (self, PROTO_HASH_BYTES, &p))
        return false;
    *id = p;
    self->index++;
    return true;
}

/* ------------------------------------------------------------------------
   Validity of values, as the decoder sees them (for the encoders).         */
static bool
s_heads_valid (const proto_wire_head_t *heads, size_t count)
{
    if (count > PROTO_WIRE_HEADS_MAX || (count && !heads))
        return false;
    for (size_t i = 0; i < count; i++) {
        if (!heads[i].author || !heads[i].id || heads[i].seq < 1)
            return false;
        if (i > 0
            && memcmp (heads[i - 1].author, heads[i].author, PROTO_PK_BYTES)
                   >= 0)
            return false;
    }
    return true;
}

static bool
s_ranges_valid (const proto_wire_range_t *ranges, size_t count)
{
    if (count < 1 || count > PROTO_WIRE_WANT_MAX || !ranges)
        return false;
    for (size_t i = 0; i < count; i++) {
        const proto_wire_range_t *g = &ranges[i];
        if (!g->author || g->from_seq < 1 || g->to_seq < g->from_seq)
            return false;
        if (i == 0)
            continue;
        const proto_wire_range_t *prev = &ranges[i - 1];
        int order = memcmp (prev->author, g->author, PROTO_PK_BYTES);
        if (order > 0 || (order == 0 && g->from_seq - 1 <= prev->to_seq))
            return false;
    }
    return true;
}

static bool
s_item_valid (const proto_wire_item_t *item)
{
    return item->stub && item->stub_len >= PROTO_WIRE_STUB_MIN
           && item->stub_len <= PROTO_STUB_MAX
           && item->payload_len <= PROTO_STORED_PAYLOAD_MAX
           && (item->payload_len == 0 || item->payload);
}

static size_t
s_item_size (size_t stub_len, size_t payload_len)
{
    return PROTO_WIRE_ITEM_OVERHEAD + stub_len + payload_len;
}

/* Write one ENTRIES item at p; returns the octets written.                  */
static size_t
s_put_item (uint8_t *p, const proto_wire_item_t *item)
{
    proto_put_u16 (p, (uint16_t) item->stub_len);
    memcpy (p + 2, item->stub, item->stub_len);
    uint8_t *q = p + 2 + item->stub_len;
    proto_put_u32 (q, (uint32_t) item->payload_len);
    if (item->payload_len)
        memcpy (q + 4, item->payload, item->payload_len);
    return s_item_size (item->stub_len, item->payload_len);
}

/* ------------------------------------------------------------------------
   Frame sizes.                                                              */
size_t
proto_wire_encoded_size (proto_wire_type_t type, size_t n)
{
    switch (type) {
        case PROTO_WIRE_HELLO:
            return PROTO_WIRE_HELLO_BYTES;
        case PROTO_WIRE_HEADS:
            if (n > PROTO_WIRE_HEADS_MAX)
                return 0;
            return PROTO_WIRE_HEADER_BYTES + 2 + n * PROTO_WIRE_HEAD_BYTES;
        case PROTO_WIRE_WANT:
            if (n < 1 || n > PROTO_WIRE_WANT_MAX)
                return 0;
            return PROTO_WIRE_HEADER_BYTES + 2 + n * PROTO_WIRE_RANGE_BYTES;
        case PROTO_WIRE_PAYLOADS:
            if (n < 1 || n > PROTO_WIRE_PAYLOADS_MAX)
                return 0;
            return PROTO_WIRE_HEADER_BYTES + 2 + n * PROTO_HASH_BYTES;
        case PROTO_WIRE_ROSTER:
            if (n < 1 || n > PROTO_WIRE_ROSTER_MAX)
                return 0;
            return PROTO_WIRE_HEADER_BYTES + 4 + n;
        case PROTO_WIRE_ERROR:
            if (n > PROTO_WIRE_TEXT_MAX)
                return 0;
            return PROTO_WIRE_HEADER_BYTES + 2 + 1 + n;
        case PROTO_WIRE_NOTICE:
            if (n < 1 || n > PROTO_WIRE_NOTICE_MAX)
                return 0;
            return PROTO_WIRE_HEADER_BYTES + 2 + n;
        case PROTO_WIRE_ENTRIES:
            break;
    }
    return 0;
}

size_t
proto_wire_entries_size (const proto_wire_item_t *items, size_t count)
{
    if (count < 1 || count > PROTO_WIRE_BATCH_MAX || !items)
        return 0;
    size_t size = PROTO_WIRE_ENTRIES_FIXED;
    for (size_t i = 0; i < count; i++) {
        if (!s_item_valid (&items[i]))
            return 0;
        /* Each item is at most ~1 MiB and there are at most 1024, so the
           sum cannot overflow a size_t; the limit is checked as we go. */
        size += s_item_size (items[i].stub_len, items[i].payload_len);
        if (size > PROTO_WIRE_FRAME_MAX)
            return 0;
    }
    return size;
}

/* ------------------------------------------------------------------------
   Encoders.                                                                 */
size_t
proto_wire_encode_hello (const proto_wire_hello_t *hello, uint32_t sequence,
                         uint8_t *buf, size_t cap)
{
    assert (hello);
    assert (buf || cap == 0);
    if (sequence < 1 || !hello->sign_pk || !hello->roster_hash
        || hello->roster_version < 1 || hello->max_batch < 1
        || hello->max_batch > PROTO_WIRE_BATCH_MAX)
        return 0;
    if (cap < PROTO_WIRE_HELLO_BYTES)
        return 0;
    s_put_header (buf, PROTO_WIRE_HELLO, sequence);
    uint8_t *p = buf + PROTO_WIRE_HEADER_BYTES;
    memcpy (p, hello->sign_pk, PROTO_PK_BYTES);
    p += PROTO_PK_BYTES;
    proto_put_u64 (p, hello->roster_version);
    p += 8;
    memcpy (p, hello->roster_hash, PROTO_HASH_BYTES);
    p += PROTO_HASH_BYTES;
    proto_put_u16 (p, hello->max_batch);
    return PROTO_WIRE_HELLO_BYTES;
}

size_t
proto_wire_encode_heads (const proto_wire_head_t *heads, size_t count,
                         uint32_t sequence, uint8_t *buf, size_t cap)
{
    assert (buf || cap == 0);
    if (sequence < 1 || !s_heads_valid (heads, count))
        return 0;
    size_t size = proto_wire_encoded_size (PROTO_WIRE_HEADS, count);
    if (size == 0 || size > cap)
        return 0;
    s_put_header (buf, PROTO_WIRE_HEADS, sequence);
    uint8_t *p = buf + PROTO_WIRE_HEADER_BYTES;
    proto_put_u16 (p, (uint16_t) count);
    p += 2;
    for (size_t i = 0; i < count; i++) {
        memcpy (p, heads[i].author, PROTO_PK_BYTES);
        proto_put_u64 (p + PROTO_PK_BYTES, heads[i].seq);
        memcpy (p + PROTO_PK_BYTES + 8, heads[i].id, PROTO_HASH_BYTES);
        p += PROTO_WIRE_HEAD_BYTES;
    }
    assert ((size_t) (p - buf) == size);
    return size;
}

size_t
proto_wire_encode_want (const proto_wire_range_t *ranges, size_t count,
                        uint32_t sequence, uint8_t *buf, size_t cap)
{
    assert (buf || cap == 0);
    if (sequence < 1 || !s_ranges_valid (ranges, count))
        return 0;
    size_t size = proto_wire_encoded_size (PROTO_WIRE_WANT, count);
    if (size == 0 || size > cap)
        return 0;
    s_put_header (buf, PROTO_WIRE_WANT, sequence);
    uint8_t *p = buf + PROTO_WIRE_HEADER_BYTES;
    proto_put_u16 (p, (uint16_t) count);
    p += 2;
    for (size_t i = 0; i < count; i++) {
        memcpy (p, ranges[i].author, PROTO_PK_BYTES);
        proto_put_u64 (p + PROTO_PK_BYTES, ranges[i].from_seq);
        proto_put_u64 (p + PROTO_PK_BYTES + 8, ranges[i].to_seq);
        p += PROTO_WIRE_RANGE_BYTES;
    }
    assert ((size_t) (p - buf) == size);
    return size;
}

size_t
proto_wire_encode_entries (uint8_t flags, const proto_wire_item_t *items,
                           size_t count, uint32_t sequence, uint8_t *buf,
                           size_t cap)
{
    assert (buf || cap == 0);
    if (sequence < 1 || (flags & ~PROTO_WIRE_FLAGS_KNOWN))
        return 0;
    size_t size = proto_wire_entries_size (items, count);
    if (size == 0 || size > cap)
        return 0;
    s_put_header (buf, PROTO_WIRE_ENTRIES, sequence);
    buf[PROTO_WIRE_HEADER_BYTES] = flags;
    proto_put_u16 (buf + S_OFF_ENTRIES_COUNT, (uint16_t) count);
    uint8_t *p = buf + PROTO_WIRE_ENTRIES_FIXED;
    for (size_t i = 0; i < count; i++)
        p += s_put_item (p, &items[i]);
    assert ((size_t) (p - buf) == size);
    return size;
}

size_t
proto_wire_encode_payloads (const uint8_t (*ids)[PROTO_HASH_BYTES],
                            size_t count, uint32_t sequence, uint8_t *buf,
                            size_t cap)
{
    assert (buf || cap == 0);
    if (sequence < 1 || !ids)
        return 0;
    size_t size = proto_wire_encoded_size (PROTO_WIRE_PAYLOADS, count);
    if (size == 0 || size > cap)
        return 0;
    for (size_t i = 1; i < count; i++)
        if (memcmp (ids[i - 1], ids[i], PROTO_HASH_BYTES) >= 0)
            return 0;
    s_put_header (buf, PROTO_WIRE_PAYLOADS, sequence);
    proto_put_u16 (buf + PROTO_WIRE_HEADER_BYTES, (uint16_t) count);
    memcpy (buf + PROTO_WIRE_HEADER_BYTES + 2, ids, count * PROTO_HASH_BYTES);
    return size;
}

size_t
proto_wire_encode_roster (const char *text, size_t len, uint32_t sequence,
                          uint8_t *buf, size_t cap)
{
    assert (buf || cap == 0);
    if (sequence < 1 || !text)
        return 0;
    size_t size = proto_wire_encoded_size (PROTO_WIRE_ROSTER, len);
    if (size == 0 || size > cap)
        return 0;
    s_put_header (buf, PROTO_WIRE_ROSTER, sequence);
    proto_put_u32 (buf + PROTO_WIRE_HEADER_BYTES, (uint32_t) len);
    memcpy (buf + PROTO_WIRE_HEADER_BYTES + 4, text, len);
    return size;
}

size_t
proto_wire_encode_notice (const char *text, size_t len, uint32_t sequence,
                          uint8_t *buf, size_t cap)
{
    assert (buf || cap == 0);
    if (sequence < 1 || !text)
        return 0;
    size_t size = proto_wire_encoded_size (PROTO_WIRE_NOTICE, len);
    if (size == 0 || size > cap)
        return 0;
    s_put_header (buf, PROTO_WIRE_NOTICE, sequence);
    proto_put_u16 (buf + PROTO_WIRE_HEADER_BYTES, (uint16_t) len);
    memcpy (buf + PROTO_WIRE_HEADER_BYTES + 2, text, len);
    return size;
}

size_t
proto_wire_encode_error (uint16_t code, const char *text, size_t len,
                         uint32_t sequence, uint8_t *buf, size_t cap)
{
    assert (buf || cap == 0);
    if (sequence < 1 || code < 1 || (len && !text))
        return 0;
    size_t size = proto_wire_encoded_size (PROTO_WIRE_ERROR, len);
    if (size == 0 || size > cap)
        return 0;
    if (!proto_utf8_valid ((const uint8_t *) text, len, false))
        return 0;
    s_put_header (buf, PROTO_WIRE_ERROR, sequence);
    proto_put_u16 (buf + PROTO_WIRE_HEADER_BYTES, code);
    buf[PROTO_WIRE_HEADER_BYTES + 2] = (uint8_t) len;
    if (len)
        memcpy (buf + PROTO_WIRE_HEADER_BYTES + 3, text, len);
    return size;
}

/* ------------------------------------------------------------------------
   The ENTRIES writer.                                                       */
proto_wire_writer_t *
proto_wire_writer_new (size_t budget)
{
    if (budget == 0)
        budget = PROTO_WIRE_FRAME_MAX;
    if (budget < PROTO_WIRE_BUDGET_MIN || budget > PROTO_WIRE_FRAME_MAX)
        return NULL;
    proto_wire_writer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->budget = budget;
    return self;
}

void
proto_wire_writer_destroy (proto_wire_writer_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        proto_wire_writer_t *self = *self_p;
        free (self->buf);
        free (self);
        *self_p = NULL;
    }
}

int
proto_wire_writer_begin (proto_wire_writer_t *self, uint8_t flags,
                         size_t max_items)
{
    assert (self);
    assert (!(flags & ~PROTO_WIRE_FLAGS_KNOWN));
    assert (max_items >= 1 && max_items <= PROTO_WIRE_BATCH_MAX);
    /* One allocation of the whole budget, never grown: a realloc would
       copy the payloads a second time. */
    if (!self->buf) {
        self->buf = malloc (self->budget);
        if (!self->buf)
            return -1;
    }
    s_put_header (self->buf, PROTO_WIRE_ENTRIES, 1);
    self->buf[PROTO_WIRE_HEADER_BYTES] = flags;
    proto_put_u16 (self->buf + S_OFF_ENTRIES_COUNT, 0);
    self->size = PROTO_WIRE_ENTRIES_FIXED;
    self->count = 0;
    self->max_items = max_items;
    self->open = true;
    return 0;
}

bool
proto_wire_writer_fits (const proto_wire_writer_t *self, size_t stub_len,
                        size_t payload_len)
{
    assert (self);
    assert (self->open);
    if (self->count >= self->max_items)
        return false;
    if (stub_len > PROTO_STUB_MAX || payload_len > PROTO_STORED_PAYLOAD_MAX)
        return false;
    return s_item_size (stub_len, payload_len) <= self->budget - self->size;
}

int
proto_wire_writer_add (proto_wire_writer_t *self,
                       const proto_wire_item_t *item)
{
    assert (self);
    assert (item);
    assert (self->open);
    if (!s_item_valid (item))
        return -1;
    if (!proto_wire_writer_fits (self, item->stub_len, item->payload_len))
        return 1;
    self->size += s_put_item (self->buf + self->size, item);
    self->count++;
    return 0;
}

size_t
proto_wire_writer_count (const proto_wire_writer_t *self)
{
    assert (self);
    return self->count;
}

size_t
proto_wire_writer_size (const proto_wire_writer_t *self)
{
    assert (self);
    return self->buf ? self->size : 0;
}

const uint8_t *
proto_wire_writer_finish (proto_wire_writer_t *self, uint32_t sequence,
                          size_t *size)
{
    assert (self);
    assert (size);
    assert (sequence >= 1);
    *size = 0;
    if (!self->buf || self->count == 0)
        return NULL;
    proto_put_u32 (self->buf + S_OFF_SEQUENCE, sequence);
    proto_put_u16 (self->buf + S_OFF_ENTRIES_COUNT, (uint16_t) self->count);
    self->open = false;
    *size = self->size;
    return self->buf;
}

uint8_t *
proto_wire_writer_take (proto_wire_writer_t *self, uint32_t sequence,
                        size_t *size)
{
    if (!proto_wire_writer_finish (self, sequence, size))
        return NULL;
    uint8_t *buf = self->buf;
    self->buf = NULL;
    self->count = 0;
    self->size = 0;
    return buf;
}

/* ------------------------------------------------------------------------
   Sequence numbers skip 0, which a decoder refuses.                         */
uint32_t
proto_wire_seq_next (uint32_t seq)
{
    return seq == UINT32_MAX ? 1 : seq + 1;
}

/* ------------------------------------------------------------------------
   Names.                                                                    */
const char *
proto_wire_type_name (int type)
{
    switch (type) {
        case PROTO_WIRE_HELLO:    return "HELLO";
        case PROTO_WIRE_HEADS:    return "HEADS";
        case PROTO_WIRE_WANT:     return "WANT";
        case PROTO_WIRE_ENTRIES:  return "ENTRIES";
        case PROTO_WIRE_PAYLOADS: return "PAYLOADS";
        case PROTO_WIRE_ROSTER:   return "ROSTER";
        case PROTO_WIRE_ERROR:    return "ERROR";
        case PROTO_WIRE_NOTICE:   return "NOTICE";
    }
    return "unknown";
}

const char *
proto_wire_error_name (unsigned code)
{
    if (code < 100)
        return proto_reject_name ((proto_reject_t) code);
    switch (code) {
        case PROTO_WIRE_ERR_VERSION:  return "version-unsupported";
        case PROTO_WIRE_ERR_MEMBER:   return "not-a-member";
        case PROTO_WIRE_ERR_SEQUENCE: return "out-of-sequence";
        case PROTO_WIRE_ERR_BUSY:     return "busy";
        case PROTO_WIRE_ERR_NOT_HELD: return "not-held";
        case PROTO_WIRE_ERR_ROSTER:   return "roster-refused";
    }
    return "unknown";
}

/* ------------------------------------------------------------------------
   Selftest.                                                                 */

/* Value equality of two decoded frames, item by item (the pointers differ
   when the frames are different buffers, the octets behind them must not). */
static bool
s_test_frame_eq (const proto_wire_frame_t *a, const proto_wire_frame_t *b)
{
    if (a->type != b->type || a->sequence != b->sequence
        || a->count != b->count || a->flags != b->flags)
        return false;
    proto_wire_iter_t ia, ib;
    proto_wire_iter_init (&ia, a);
    proto_wire_iter_init (&ib, b);
    switch (a->type) {
        case PROTO_WIRE_HELLO:
            return !memcmp (a->hello.sign_pk, b->hello.sign_pk,
                            PROTO_PK_BYTES)
                   && a->hello.roster_version == b->hello.roster_version
                   && !memcmp (a->hello.roster_hash, b->hello.roster_hash,
                               PROTO_HASH_BYTES)
                   && a->hello.max_batch == b->hello.max_batch;
        case PROTO_WIRE_HEADS: {
            proto_wire_head_t x, y;
            while (proto_wire_heads_next (&ia, &x)) {
                assert (proto_wire_heads_next (&ib, &y));
                if (memcmp (x.author, y.author, PROTO_PK_BYTES)
                    || x.seq != y.seq || memcmp (x.id, y.id, PROTO_HASH_BYTES))
                    return false;
            }
            return true;
        }
        case PROTO_WIRE_WANT: {
            proto_wire_range_t x, y;
            while (proto_wire_want_next (&ia, &x)) {
                assert (proto_wire_want_next (&ib, &y));
                if (memcmp (x.author, y.author, PROTO_PK_BYTES)
                    || x.from_seq != y.from_seq || x.to_seq != y.to_seq)
                    return false;
            }
            return true;
        }
        case PROTO_WIRE_ENTRIES: {
            proto_wire_item_t x, y;
            while (proto_wire_entries_next (&ia, &x)) {
                assert (proto_wire_entries_next (&ib, &y));
                if (x.stub_len != y.stub_len
                    || memcmp (x.stub, y.stub, x.stub_len)
                    || x.payload_len != y.payload_len
                    || (x.payload_len
                        && memcmp (x.payload, y.payload, x.payload_len)))
                    return false;
            }
            return true;
        }
        case PROTO_WIRE_PAYLOADS: {
            const uint8_t *x, *y;
            while (proto_wire_payloads_next (&ia, &x)) {
                assert (proto_wire_payloads_next (&ib, &y));
                if (memcmp (x, y, PROTO_HASH_BYTES))
                    return false;
            }
            return true;
        }
        case PROTO_WIRE_ROSTER:
            return a->roster_len == b->roster_len
                   && !memcmp (a->roster, b->roster, a->roster_len);
        case PROTO_WIRE_NOTICE:
            return a->notice_len == b->notice_len
                   && !memcmp (a->notice, b->notice, a->notice_len);
        case PROTO_WIRE_ERROR:
            return a->error_code == b->error_code
                   && a->error_text_len == b->error_text_len
                   && !memcmp (a->error_text, b->error_text,
                               a->error_text_len);
    }
    return false;
}

/* Encode a decoded frame again with the public encoders (the usage
   example for the iterators). Returns the size, or 0.                      */
static size_t
s_test_reencode (const proto_wire_frame_t *f, uint8_t *buf, size_t cap)
{
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, f);
    size_t n = 0, size = 0;
    switch (f->type) {
        case PROTO_WIRE_HELLO:
            return proto_wire_encode_hello (&f->hello, f->sequence, buf, cap);
        case PROTO_WIRE_HEADS: {
            proto_wire_head_t *heads = calloc (f->count + 1, sizeof *heads);
            assert (heads);
            while (proto_wire_heads_next (&it, &heads[n]))
                n++;
            assert (n == f->count);
            size = proto_wire_encode_heads (heads, n, f->sequence, buf, cap);
            free (heads);
            return size;
        }
        case PROTO_WIRE_WANT: {
            proto_wire_range_t *ranges = calloc (f->count, sizeof *ranges);
            assert (ranges);
            while (proto_wire_want_next (&it, &ranges[n]))
                n++;
            assert (n == f->count);
            size = proto_wire_encode_want (ranges, n, f->sequence, buf, cap);
            free (ranges);
            return size;
        }
        case PROTO_WIRE_ENTRIES: {
            proto_wire_item_t *items = calloc (f->count, sizeof *items);
            assert (items);
            while (proto_wire_entries_next (&it, &items[n]))
                n++;
            assert (n == f->count);
            size = proto_wire_encode_entries (f->flags, items, n, f->sequence,
                                              buf, cap);
            free (items);
            return size;
        }
        case PROTO_WIRE_PAYLOADS: {
            uint8_t (*ids)[PROTO_HASH_BYTES] = calloc (f->count, sizeof *ids);
            const uint8_t *id;
            assert (ids);
            while (proto_wire_payloads_next (&it, &id))
                memcpy (ids[n++], id, PROTO_HASH_BYTES);
            assert (n == f->count);
            size = proto_wire_encode_payloads (
                (const uint8_t (*)[PROTO_HASH_BYTES]) ids, n, f->sequence,
                buf, cap);
            free (ids);
            return size;
        }
        case PROTO_WIRE_ROSTER:
            return proto_wire_encode_roster (f->roster, f->roster_len,
                                             f->sequence, buf, cap);
        case PROTO_WIRE_NOTICE:
            return proto_wire_encode_notice (f->notice, f->notice_len,
                                             f->sequence, buf, cap);
        case PROTO_WIRE_ERROR:
            return proto_wire_encode_error (f->error_code, f->error_text,
                                            f->error_text_len, f->sequence,
                                            buf, cap);
    }
    return 0;
}

/* The properties every valid frame has: it decodes, re-encodes to itself,
   every proper prefix is TRUNCATED, an octet more is TRAILING, and every
   single-octet change is either refused or decodes to another value that
   re-encodes to the changed octets (one encoding per value). Short frames
   get every xor value at every offset, long ones three.                    */
static void
s_test_frame (const uint8_t *frame, size_t size, proto_wire_type_t type)
{
    proto_wire_frame_t f, g;
    assert (proto_wire_decode (&f, frame, size) == PROTO_OK);
    assert (f.type == type);
    /* Exactly size octets, so that ASan sees a read one past the end. */
    uint8_t *copy = malloc (size);
    uint8_t *again = malloc (size + 1);
    assert (copy && again);
    assert (s_test_reencode (&f, again, size) == size);
    assert (!memcmp (again, frame, size));
    assert (s_test_reencode (&f, again, size - 1) == 0);
    assert (s_test_frame_eq (&f, &f));

    /* Truncations, each in a buffer of exactly its size so that ASan sees
       any read past the end. */
    for (size_t cut = 0; cut < size; cut++) {
        uint8_t *part = malloc (cut ? cut : 1);
        assert (part);
        memcpy (part, frame, cut);
        proto_reject_t rc = proto_wire_decode (&g, part, cut);
        if (rc != PROTO_REJECT_TRUNCATED) {
            fprintf (stderr, "\nproto_wire: %s cut at %zu: %s\n",
                     proto_wire_type_name (type), cut, proto_reject_name (rc));
            assert (rc == PROTO_REJECT_TRUNCATED);
        }
        free (part);
    }
    memcpy (again, frame, size);
    again[size] = 0;
    assert (proto_wire_decode (&g, again, size + 1) == PROTO_REJECT_TRAILING);

    static const uint8_t masks[] = { 0x01, 0x80, 0xFF };
    bool every = size <= 4096;
    size_t mask_count = every ? 255 : sizeof masks;
    for (size_t at = 0; at < size; at++)
        for (size_t m = 0; m < mask_count; m++) {
            memcpy (copy, frame, size);
            copy[at] ^= every ? (uint8_t) (m + 1) : masks[m];
            if (proto_wire_decode (&g, copy, size) != PROTO_OK)
                continue;
            assert (!s_test_frame_eq (&f, &g));
            assert (s_test_reencode (&g, again, size) == size);
            assert (!memcmp (again, copy, size));
        }
    free (copy);
    free (again);
}

/* Decode bytes[0..size), expecting reason.                                  */
static void
s_test_reject (const uint8_t *bytes, size_t size, proto_reject_t reason,
               const char *what)
{
    proto_wire_frame_t f;
    uint8_t *copy = malloc (size ? size : 1);
    assert (copy);
    memcpy (copy, bytes, size);
    proto_reject_t rc = proto_wire_decode (&f, copy, size);
    if (rc != reason) {
        fprintf (stderr, "\nproto_wire: %s: expected %s, got %s\n", what,
                 proto_reject_name (reason), proto_reject_name (rc));
        assert (rc == reason);
    }
    free (copy);
}

/* Keys and ids that sort in the order of their tag.                        */
static void
s_test_key (uint8_t *out, size_t len, uint8_t tag)
{
    memset (out, tag, len);
}

/* Checks docs/protocol.md section 13 against the codec, both ways: the
   ABNF rule of each message has its type number and the codec's fields in
   the codec's order, no other message rule exists; the error code table
   and the limits table name the codec's values. Returns false if the
   document is not there (only when no vectors directory was given).        */
static bool s_test_spec (bool verbose);

void
proto_wire_test (bool verbose)
{
    printf (" * proto_wire: ");
    fflush (stdout);

    /* Names and numbers. */
    assert (!strcmp (proto_wire_type_name (PROTO_WIRE_HELLO), "HELLO"));
    assert (!strcmp (proto_wire_type_name (PROTO_WIRE_ERROR), "ERROR"));
    assert (!strcmp (proto_wire_type_name (0), "unknown"));
    assert (!strcmp (proto_wire_type_name (9), "unknown"));
    assert (!strcmp (proto_wire_error_name (PROTO_REJECT_TRUNCATED),
                     "truncated"));
    assert (!strcmp (proto_wire_error_name (PROTO_REJECT_RETRACTED),
                     "retracted"));
    assert (!strcmp (proto_wire_error_name (PROTO_WIRE_ERR_VERSION),
                     "version-unsupported"));
    assert (!strcmp (proto_wire_error_name (PROTO_WIRE_ERR_ROSTER),
                     "roster-refused"));
    assert (!strcmp (proto_wire_error_name (99), "unknown"));
    assert (!strcmp (proto_wire_error_name (106), "unknown"));
    /* Every reject reason fits below the protocol's own codes. */
    for (unsigned code = 100; code < 1000; code++)
        assert (!strcmp (proto_reject_name ((proto_reject_t) code),
                         "unknown"));
    assert (proto_wire_frame_max () == PROTO_WIRE_FRAME_MAX);
    assert (proto_wire_header_bytes () == 8);
    static_assert (PROTO_WIRE_HELLO_BYTES == 82, "HELLO size");
    static_assert (PROTO_WIRE_STUB_MIN == 187, "smallest stub");
    static_assert (PROTO_WIRE_BUDGET_MIN < PROTO_WIRE_FRAME_MAX / 7,
                   "budget floor");
    assert (proto_wire_seq_next (1) == 2);
    assert (proto_wire_seq_next (UINT32_MAX) == 1);

    /* Test keys, ids and entries: four authors a < b < c < d. */
    uint8_t keys[4][PROTO_PK_BYTES], ids[4][PROTO_HASH_BYTES];
    for (int i = 0; i < 4; i++) {
        s_test_key (keys[i], PROTO_PK_BYTES, (uint8_t) (0x10 * (i + 1)));
        s_test_key (ids[i], PROTO_HASH_BYTES, (uint8_t) (0x11 * (i + 1)));
    }
    uint8_t seed[PROTO_SEED_BYTES], pk[PROTO_PK_BYTES], sk[PROTO_SK_BYTES];
    memset (seed, 0x01, sizeof seed);
    crypto_sign_seed_keypair (pk, sk, seed);
    static const uint8_t payload[] = {
        0xCE, 0xB1, 0x01, 0x09, 0x00, 0x00, 0x00, 0x01, 0x78,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
    };
    proto_header_t h;
    memset (&h, 0, sizeof h);
    memcpy (h.author, pk, PROTO_PK_BYTES);
    h.seq = 1;
    h.timestamp_ms = 1735689600000ULL;
    h.level = PROTO_LEVEL_GREEN;
    proto_audience_set_council (&h.audience);
    h.payload_len = sizeof payload;
    proto_hash (h.payload_hash, payload, sizeof payload);
    uint8_t stub1[PROTO_STUB_MAX], stub2[PROTO_STUB_MAX];
    size_t stub1_len = proto_entry_sign (&h, sk, stub1, sizeof stub1);
    assert (stub1_len == PROTO_WIRE_STUB_MIN);
    h.seq = 2;
    proto_entry_id (h.prev, stub1, stub1_len);
    h.level = PROTO_LEVEL_AMBER;
    proto_audience_set_nodes (&h.audience);
    for (int i = 0; i < 4; i++)
        assert (proto_audience_add_node (&h.audience, keys[i]) == 0);
    size_t stub2_len = proto_entry_sign (&h, sk, stub2, sizeof stub2);
    assert (stub2_len == PROTO_WIRE_STUB_MIN + 1 + 4 * PROTO_PK_BYTES);
    sodium_memzero (sk, sizeof sk);

    uint8_t buf[8192];
    size_t size;
    proto_wire_frame_t f;
    proto_wire_iter_t it;

    /* HELLO. */
    proto_wire_hello_t hello = { pk, 7, ids[0], 256 };
    size = proto_wire_encode_hello (&hello, 1, buf, sizeof buf);
    assert (size == PROTO_WIRE_HELLO_BYTES);
    assert (size == proto_wire_encoded_size (PROTO_WIRE_HELLO, 0));
    assert (!memcmp (buf, "\xCE\xA1\x01\x01\x00\x00\x00\x01", 8));
    assert (proto_wire_decode (&f, buf, size) == PROTO_OK);
    assert (f.type == PROTO_WIRE_HELLO && f.sequence == 1);
    assert (!memcmp (f.hello.sign_pk, pk, PROTO_PK_BYTES));
    assert (f.hello.sign_pk == buf + 8);      /* borrowed, not copied */
    assert (f.hello.roster_version == 7 && f.hello.max_batch == 256);
    assert (!memcmp (f.hello.roster_hash, ids[0], PROTO_HASH_BYTES));
    s_test_frame (buf, size, PROTO_WIRE_HELLO);
    assert (proto_wire_encode_hello (&hello, 0, buf, sizeof buf) == 0);
    assert (proto_wire_encode_hello (&hello, 1, buf, size - 1) == 0);
    hello.max_batch = PROTO_WIRE_BATCH_MAX + 1;
    assert (proto_wire_encode_hello (&hello, 1, buf, sizeof buf) == 0);
    hello.max_batch = 0;
    assert (proto_wire_encode_hello (&hello, 1, buf, sizeof buf) == 0);
    hello.max_batch = PROTO_WIRE_BATCH_MAX;
    hello.roster_version = 0;
    assert (proto_wire_encode_hello (&hello, 1, buf, sizeof buf) == 0);
    hello.roster_version = UINT64_MAX;
    size = proto_wire_encode_hello (&hello, UINT32_MAX, buf, sizeof buf);
    assert (size > 0);
    s_test_frame (buf, size, PROTO_WIRE_HELLO);
    /* Field by field. */
    buf[8 + 32 + 8 + 32] = 0x04;                          /* max_batch 1025 */
    buf[8 + 32 + 8 + 32 + 1] = 0x01;
    s_test_reject (buf, size, PROTO_REJECT_OVERSIZE, "hello max_batch");
    buf[8 + 32 + 8 + 32] = 0;
    buf[8 + 32 + 8 + 32 + 1] = 0;
    s_test_reject (buf, size, PROTO_REJECT_FIELD, "hello max_batch 0");
    memset (buf + 8 + 32, 0, 8);
    s_test_reject (buf, size, PROTO_REJECT_FIELD, "hello version 0");

    /* The frame header, on a HELLO. */
    size = proto_wire_encode_hello (&(proto_wire_hello_t) { pk, 1, ids[0],
                                                            1 },
                                    5, buf, sizeof buf);
    assert (size == PROTO_WIRE_HELLO_BYTES);
    buf[0] = 0xCF;
    s_test_reject (buf, size, PROTO_REJECT_MAGIC, "magic 0");
    s_test_reject (buf, 1, PROTO_REJECT_MAGIC, "magic 0 alone");
    buf[0] = 0xCE;
    buf[1] = 0xE1;                                  /* an entry is no frame */
    s_test_reject (buf, size, PROTO_REJECT_MAGIC, "magic 1");
    buf[1] = 0xA1;
    buf[2] = 0;
    s_test_reject (buf, size, PROTO_REJECT_VERSION, "version 0");
    buf[2] = 2;
    s_test_reject (buf, size, PROTO_REJECT_VERSION, "version 2");
    s_test_reject (buf, 3, PROTO_REJECT_VERSION, "version 2 alone");
    buf[2] = 1;
    buf[3] = 0;
    s_test_reject (buf, size, PROTO_REJECT_FIELD, "type 0");
    buf[3] = PROTO_WIRE_TYPE_MAX + 1;
    s_test_reject (buf, size, PROTO_REJECT_FIELD, "type 8");
    buf[3] = 0xFF;
    s_test_reject (buf, 4, PROTO_REJECT_FIELD, "type 255 alone");
    buf[3] = PROTO_WIRE_HELLO;
    memset (buf + 4, 0, 4);
    s_test_reject (buf, size, PROTO_REJECT_FIELD, "sequence 0");
    s_test_reject (buf, 0, PROTO_REJECT_TRUNCATED, "empty");
    /* A type is decoded from its own octet: a HELLO body is not a HEADS. */
    buf[7] = 1;
    buf[3] = PROTO_WIRE_HEADS;
    assert (proto_wire_decode (&f, buf, size) != PROTO_OK);
    assert (f.type == PROTO_WIRE_HEADS && f.sequence == 1);

    /* HEADS: empty, one, four; order and seq rules. */
    size = proto_wire_encode_heads (NULL, 0, 3, buf, sizeof buf);
    assert (size == 10 && size == proto_wire_encoded_size (PROTO_WIRE_HEADS,
                                                           0));
    s_test_frame (buf, size, PROTO_WIRE_HEADS);
    proto_wire_head_t heads[4];
    for (int i = 0; i < 4; i++) {
        heads[i].author = keys[i];
        heads[i].seq = (uint64_t) i * 1000 + 1;
        heads[i].id = ids[3 - i];
    }
    heads[3].seq = UINT64_MAX;
    size = proto_wire_encode_heads (heads, 4, 9, buf, sizeof buf);
    assert (size == 10 + 4 * PROTO_WIRE_HEAD_BYTES);
    assert (proto_wire_decode (&f, buf, size) == PROTO_OK);
    assert (f.count == 4);
    proto_wire_iter_init (&it, &f);
    proto_wire_head_t head;
    for (int i = 0; i < 4; i++) {
        assert (proto_wire_heads_next (&it, &head));
        assert (!memcmp (head.author, keys[i], PROTO_PK_BYTES));
        assert (head.seq == heads[i].seq);
        assert (!memcmp (head.id, ids[3 - i], PROTO_HASH_BYTES));
    }
    assert (!proto_wire_heads_next (&it, &head));
    assert (!proto_wire_heads_next (&it, &head));
    s_test_frame (buf, size, PROTO_WIRE_HEADS);
    /* Swapped, repeated, seq 0. */
    uint8_t edit[8192];
    memcpy (edit, buf, size);
    memcpy (edit + 10, keys[1], PROTO_PK_BYTES);
    memcpy (edit + 10 + PROTO_WIRE_HEAD_BYTES, keys[0], PROTO_PK_BYTES);
    s_test_reject (edit, size, PROTO_REJECT_NONCANONICAL, "heads swapped");
    memcpy (edit, buf, size);
    memcpy (edit + 10 + PROTO_WIRE_HEAD_BYTES, keys[0], PROTO_PK_BYTES);
    s_test_reject (edit, size, PROTO_REJECT_NONCANONICAL, "heads repeat");
    memcpy (edit, buf, size);
    memset (edit + 10 + PROTO_PK_BYTES, 0, 8);
    s_test_reject (edit, size, PROTO_REJECT_FIELD, "heads seq 0");
    /* The order rule comes before the octets behind it are read. */
    memcpy (edit, buf, size);
    s_test_reject (edit, 10 + PROTO_WIRE_HEAD_BYTES + PROTO_PK_BYTES,
                   PROTO_REJECT_TRUNCATED, "heads cut after an author");
    memcpy (edit, buf, size);
    memcpy (edit + 10 + PROTO_WIRE_HEAD_BYTES, keys[0], PROTO_PK_BYTES);
    s_test_reject (edit, 10 + PROTO_WIRE_HEAD_BYTES + PROTO_PK_BYTES,
                   PROTO_REJECT_NONCANONICAL, "heads repeat, then cut");
    /* Count over the limit: oversize even with no items behind it. */
    memcpy (edit, buf, 8);
    proto_put_u16 (edit + 8, PROTO_WIRE_HEADS_MAX + 1);
    s_test_reject (edit, 10, PROTO_REJECT_OVERSIZE, "heads count 1025");
    proto_put_u16 (edit + 8, 0xFFFF);
    s_test_reject (edit, 10, PROTO_REJECT_OVERSIZE, "heads count 65535");
    /* Encoder refuses the same. */
    proto_wire_head_t bad_heads[4];
    memcpy (bad_heads, heads, sizeof heads);
    bad_heads[1].author = keys[0];
    assert (proto_wire_encode_heads (bad_heads, 4, 1, buf, sizeof buf) == 0);
    memcpy (bad_heads, heads, sizeof heads);
    bad_heads[2].seq = 0;
    assert (proto_wire_encode_heads (bad_heads, 4, 1, buf, sizeof buf) == 0);
    assert (proto_wire_encoded_size (PROTO_WIRE_HEADS,
                                     PROTO_WIRE_HEADS_MAX + 1) == 0);
    /* The largest HEADS. */
    {
        size_t n = PROTO_WIRE_HEADS_MAX;
        proto_wire_head_t *many = calloc (n, sizeof *many);
        uint8_t (*authors)[PROTO_PK_BYTES] = calloc (n, PROTO_PK_BYTES);
        size_t cap = proto_wire_encoded_size (PROTO_WIRE_HEADS, n);
        uint8_t *big = malloc (cap);
        assert (many && authors && big);
        for (size_t i = 0; i < n; i++) {
            authors[i][0] = (uint8_t) (i >> 8);
            authors[i][1] = (uint8_t) i;
            many[i].author = authors[i];
            many[i].seq = i + 1;
            many[i].id = ids[0];
        }
        assert (proto_wire_encode_heads (many, n, 1, big, cap) == cap);
        assert (proto_wire_decode (&f, big, cap) == PROTO_OK);
        assert (f.count == n);
        assert (proto_wire_encode_heads (many, n, 1, big, cap - 1) == 0);
        free (many);
        free (authors);
        free (big);
    }

    /* WANT. */
    proto_wire_range_t ranges[4] = {
        { keys[0], 1, 1 },
        { keys[0], 3, 100 },          /* a gap of one seq: not touching */
        { keys[2], 5, UINT64_MAX },
        { keys[3], UINT64_MAX, UINT64_MAX },
    };
    size = proto_wire_encode_want (ranges, 4, 11, buf, sizeof buf);
    assert (size == 10 + 4 * PROTO_WIRE_RANGE_BYTES);
    assert (size == proto_wire_encoded_size (PROTO_WIRE_WANT, 4));
    assert (proto_wire_decode (&f, buf, size) == PROTO_OK);
    proto_wire_iter_init (&it, &f);
    proto_wire_range_t range;
    for (int i = 0; i < 4; i++) {
        assert (proto_wire_want_next (&it, &range));
        assert (!memcmp (range.author, ranges[i].author, PROTO_PK_BYTES));
        assert (range.from_seq == ranges[i].from_seq);
        assert (range.to_seq == ranges[i].to_seq);
    }
    assert (!proto_wire_want_next (&it, &range));
    s_test_frame (buf, size, PROTO_WIRE_WANT);
    size_t want_size = size;
    uint8_t want[1024];
    memcpy (want, buf, size);
#define S_RANGE(i) (10 + (i) * PROTO_WIRE_RANGE_BYTES)
    /* Touching, overlapping, descending, from 0, to < from. */
    memcpy (edit, want, want_size);
    proto_put_u64 (edit + S_RANGE (1) + 32, 2);
    s_test_reject (edit, want_size, PROTO_REJECT_NONCANONICAL,
                   "want ranges touch");
    proto_put_u64 (edit + S_RANGE (1) + 32, 1);
    s_test_reject (edit, want_size, PROTO_REJECT_NONCANONICAL,
                   "want ranges overlap");
    memcpy (edit, want, want_size);
    memcpy (edit + S_RANGE (2), keys[1], PROTO_PK_BYTES);
    memcpy (edit + S_RANGE (3), keys[0], PROTO_PK_BYTES);
    s_test_reject (edit, want_size, PROTO_REJECT_NONCANONICAL,
                   "want authors descend");
    memcpy (edit, want, want_size);
    proto_put_u64 (edit + S_RANGE (0) + 32, 0);
    proto_put_u64 (edit + S_RANGE (0) + 40, 0);
    s_test_reject (edit, want_size, PROTO_REJECT_FIELD, "want from 0");
    memcpy (edit, want, want_size);
    proto_put_u64 (edit + S_RANGE (2) + 40, 4);
    s_test_reject (edit, want_size, PROTO_REJECT_FIELD, "want to < from");
    memcpy (edit, want, want_size);
    proto_put_u16 (edit + 8, 0);
    s_test_reject (edit, 10, PROTO_REJECT_FIELD, "want count 0");
    proto_put_u16 (edit + 8, PROTO_WIRE_WANT_MAX + 1);
    s_test_reject (edit, want_size, PROTO_REJECT_OVERSIZE, "want count 257");
#undef S_RANGE
    proto_wire_range_t bad_ranges[4];
    memcpy (bad_ranges, ranges, sizeof ranges);
    bad_ranges[1].from_seq = 2;
    assert (proto_wire_encode_want (bad_ranges, 4, 1, buf, sizeof buf) == 0);
    memcpy (bad_ranges, ranges, sizeof ranges);
    bad_ranges[2].to_seq = 4;
    assert (proto_wire_encode_want (bad_ranges, 4, 1, buf, sizeof buf) == 0);
    memcpy (bad_ranges, ranges, sizeof ranges);
    bad_ranges[3].author = keys[1];
    assert (proto_wire_encode_want (bad_ranges, 4, 1, buf, sizeof buf) == 0);
    assert (proto_wire_encode_want (ranges, 0, 1, buf, sizeof buf) == 0);

    /* ENTRIES: a reply with a payload and a header-only item. */
    proto_wire_item_t items[2] = {
        { stub1, stub1_len, payload, sizeof payload },
        { stub2, stub2_len, NULL, 0 },
    };
    size = proto_wire_encode_entries (PROTO_WIRE_FLAG_REPLY, items, 2, 12,
                                      buf, sizeof buf);
    assert (size == proto_wire_entries_size (items, 2));
    assert (size == 11 + 6 + stub1_len + sizeof payload + 6 + stub2_len);
    assert (proto_wire_decode (&f, buf, size) == PROTO_OK);
    assert (f.flags == PROTO_WIRE_FLAG_REPLY && f.count == 2);
    proto_wire_iter_init (&it, &f);
    proto_wire_item_t item;
    assert (proto_wire_entries_next (&it, &item));
    assert (item.stub_len == stub1_len && !memcmp (item.stub, stub1,
                                                   stub1_len));
    assert (item.payload_len == sizeof payload
            && !memcmp (item.payload, payload, sizeof payload));
    /* What the node does next with each item. */
    proto_header_t decoded;
    assert (proto_stub_verify (&decoded, item.stub, item.stub_len)
            == PROTO_OK);
    assert (proto_payload_matches (&decoded, item.payload, item.payload_len)
            == PROTO_OK);
    assert (proto_wire_entries_next (&it, &item));
    assert (item.stub_len == stub2_len && item.payload == NULL
            && item.payload_len == 0);
    assert (proto_stub_verify (NULL, item.stub, item.stub_len) == PROTO_OK);
    assert (!proto_wire_entries_next (&it, &item));
    s_test_frame (buf, size, PROTO_WIRE_ENTRIES);
    size_t entries_size = size;
    uint8_t entries[2048];
    memcpy (entries, buf, size);
    /* A push of one. */
    size = proto_wire_encode_entries (0, items + 1, 1, 13, buf, sizeof buf);
    assert (size > 0);
    s_test_frame (buf, size, PROTO_WIRE_ENTRIES);
    /* Field by field. */
    memcpy (edit, entries, entries_size);
    edit[8] = 0x02;
    s_test_reject (edit, entries_size, PROTO_REJECT_FIELD, "entries flags");
    edit[8] = 0x81;
    s_test_reject (edit, entries_size, PROTO_REJECT_FIELD, "entries flag 7");
    memcpy (edit, entries, entries_size);
    proto_put_u16 (edit + 9, 0);
    s_test_reject (edit, entries_size, PROTO_REJECT_FIELD, "entries count 0");
    proto_put_u16 (edit + 9, PROTO_WIRE_BATCH_MAX + 1);
    s_test_reject (edit, 11, PROTO_REJECT_OVERSIZE, "entries count 1025");
    memcpy (edit, entries, entries_size);
    proto_put_u16 (edit + 11, PROTO_WIRE_STUB_MIN - 1);
    s_test_reject (edit, entries_size, PROTO_REJECT_FIELD, "stub too short");
    proto_put_u16 (edit + 11, 0);
    s_test_reject (edit, entries_size, PROTO_REJECT_FIELD, "stub empty");
    proto_put_u16 (edit + 11, PROTO_STUB_MAX + 1);
    s_test_reject (edit, entries_size, PROTO_REJECT_OVERSIZE, "stub 2237");
    s_test_reject (edit, 13, PROTO_REJECT_OVERSIZE, "stub 2237, no stub");
    memcpy (edit, entries, entries_size);
    proto_put_u32 (edit + 13 + stub1_len, PROTO_STORED_PAYLOAD_MAX + 1);
    s_test_reject (edit, entries_size, PROTO_REJECT_OVERSIZE,
                   "payload 1056769");
    proto_put_u32 (edit + 13 + stub1_len, UINT32_MAX);
    s_test_reject (edit, entries_size, PROTO_REJECT_OVERSIZE,
                   "payload 4 GiB");
    proto_put_u32 (edit + 13 + stub1_len, PROTO_STORED_PAYLOAD_MAX);
    s_test_reject (edit, entries_size, PROTO_REJECT_TRUNCATED,
                   "payload runs past the end");
    /* Encoder refuses bad items, flags and counts. */
    proto_wire_item_t bad_item = items[0];
    bad_item.stub_len = PROTO_WIRE_STUB_MIN - 1;
    assert (proto_wire_encode_entries (0, &bad_item, 1, 1, buf, sizeof buf)
            == 0);
    bad_item = items[0];
    bad_item.payload = NULL;
    assert (proto_wire_encode_entries (0, &bad_item, 1, 1, buf, sizeof buf)
            == 0);
    assert (proto_wire_encode_entries (0x02, items, 1, 1, buf, sizeof buf)
            == 0);
    assert (proto_wire_encode_entries (0, items, 0, 1, buf, sizeof buf) == 0);
    assert (proto_wire_encode_entries (0, items, 2, 1, buf, entries_size - 1)
            == 0);
    assert (proto_wire_encoded_size (PROTO_WIRE_ENTRIES, 1) == 0);

    /* PAYLOADS. */
    size = proto_wire_encode_payloads ((const uint8_t (*)[PROTO_HASH_BYTES])
                                           ids,
                                       4, 14, buf, sizeof buf);
    assert (size == 10 + 4 * PROTO_HASH_BYTES);
    assert (size == proto_wire_encoded_size (PROTO_WIRE_PAYLOADS, 4));
    assert (proto_wire_decode (&f, buf, size) == PROTO_OK);
    proto_wire_iter_init (&it, &f);
    const uint8_t *id;
    for (int i = 0; i < 4; i++) {
        assert (proto_wire_payloads_next (&it, &id));
        assert (!memcmp (id, ids[i], PROTO_HASH_BYTES));
    }
    assert (!proto_wire_payloads_next (&it, &id));
    s_test_frame (buf, size, PROTO_WIRE_PAYLOADS);
    memcpy (edit, buf, size);
    memcpy (edit + 10 + PROTO_HASH_BYTES, ids[0], PROTO_HASH_BYTES);
    s_test_reject (edit, size, PROTO_REJECT_NONCANONICAL, "payloads repeat");
    memcpy (edit + 10, ids[2], PROTO_HASH_BYTES);
    s_test_reject (edit, size, PROTO_REJECT_NONCANONICAL, "payloads order");
    proto_put_u16 (edit + 8, 0);
    s_test_reject (edit, 10, PROTO_REJECT_FIELD, "payloads count 0");
    proto_put_u16 (edit + 8, PROTO_WIRE_PAYLOADS_MAX + 1);
    s_test_reject (edit, size, PROTO_REJECT_OVERSIZE, "payloads count 1025");
    uint8_t two_ids[2][PROTO_HASH_BYTES];
    memcpy (two_ids[0], ids[1], PROTO_HASH_BYTES);
    memcpy (two_ids[1], ids[0], PROTO_HASH_BYTES);
    assert (proto_wire_encode_payloads (
                (const uint8_t (*)[PROTO_HASH_BYTES]) two_ids, 2, 1, buf,
                sizeof buf)
            == 0);
    assert (proto_wire_encode_payloads (
                (const uint8_t (*)[PROTO_HASH_BYTES]) two_ids, 0, 1, buf,
                sizeof buf)
            == 0);

    /* NOTICE: the text is carried, not interpreted; length bounded. */
    {
        static const char notice[] = "ceptoar-revocation: 1\n";
        size_t nsize = proto_wire_encode_notice (notice, strlen (notice), 3,
                                                 buf, sizeof buf);
        assert (nsize == 10 + strlen (notice));
        proto_wire_frame_t nf;
        assert (proto_wire_decode (&nf, buf, nsize) == PROTO_OK);
        assert (nf.type == PROTO_WIRE_NOTICE
                && nf.notice_len == strlen (notice)
                && !memcmp (nf.notice, notice, nf.notice_len));
        assert (proto_wire_decode (&nf, buf, nsize - 1)
                == PROTO_REJECT_TRUNCATED);
        assert (proto_wire_encode_notice (notice, 0, 3, buf, sizeof buf)
                == 0);
        char big[PROTO_WIRE_NOTICE_MAX + 1];
        memset (big, 'x', sizeof big);
        assert (proto_wire_encode_notice (big, sizeof big, 3, buf,
                                          sizeof buf)
                == 0);
        proto_put_u16 (buf + PROTO_WIRE_HEADER_BYTES,
                       PROTO_WIRE_NOTICE_MAX + 1);
        assert (proto_wire_decode (&nf, buf, nsize) == PROTO_REJECT_OVERSIZE);
        proto_put_u16 (buf + PROTO_WIRE_HEADER_BYTES, 0);
        assert (proto_wire_decode (&nf, buf, nsize) == PROTO_REJECT_FIELD);
    }
    /* ROSTER: the text is carried, not interpreted. */
    static const char roster[] = "ceptoar-roster: 1\nversion: 2\n";
    size = proto_wire_encode_roster (roster, strlen (roster), 15, buf,
                                     sizeof buf);
    assert (size == 12 + strlen (roster));
    assert (proto_wire_decode (&f, buf, size) == PROTO_OK);
    assert (f.roster_len == strlen (roster)
            && !memcmp (f.roster, roster, f.roster_len));
    s_test_frame (buf, size, PROTO_WIRE_ROSTER);
    memcpy (edit, buf, 8);
    proto_put_u32 (edit + 8, 0);
    s_test_reject (edit, 12, PROTO_REJECT_FIELD, "roster empty");
    proto_put_u32 (edit + 8, PROTO_WIRE_ROSTER_MAX + 1);
    s_test_reject (edit, 12, PROTO_REJECT_OVERSIZE, "roster 1 MiB + 1");
    assert (proto_wire_encode_roster (roster, 0, 1, buf, sizeof buf) == 0);
    assert (proto_wire_encoded_size (PROTO_WIRE_ROSTER,
                                     PROTO_WIRE_ROSTER_MAX + 1) == 0);
    {
        /* The largest roster frame. */
        size_t cap = proto_wire_encoded_size (PROTO_WIRE_ROSTER,
                                              PROTO_WIRE_ROSTER_MAX);
        char *text = malloc (PROTO_WIRE_ROSTER_MAX);
        uint8_t *big = malloc (cap);
        assert (text && big);
        memset (text, 'x', PROTO_WIRE_ROSTER_MAX);
        assert (proto_wire_encode_roster (text, PROTO_WIRE_ROSTER_MAX, 1, big,
                                          cap) == cap);
        assert (proto_wire_decode (&f, big, cap) == PROTO_OK);
        free (text);
        free (big);
    }

    /* ERROR. */
    static const char text[] = "unknown version 2 (supported: 1)";
    size = proto_wire_encode_error (PROTO_WIRE_ERR_VERSION, text,
                                    strlen (text), 16, buf, sizeof buf);
    assert (size == 11 + strlen (text));
    assert (proto_wire_decode (&f, buf, size) == PROTO_OK);
    assert (f.error_code == PROTO_WIRE_ERR_VERSION);
    assert (f.error_text_len == strlen (text)
            && !memcmp (f.error_text, text, f.error_text_len));
    s_test_frame (buf, size, PROTO_WIRE_ERROR);
    size = proto_wire_encode_error (PROTO_REJECT_TRUNCATED, NULL, 0, 17, buf,
                                    sizeof buf);
    assert (size == 11);
    s_test_frame (buf, size, PROTO_WIRE_ERROR);
    memcpy (edit, buf, size);
    proto_put_u16 (edit + 8, 0);
    s_test_reject (edit, size, PROTO_REJECT_FIELD, "error code 0");
    size = proto_wire_encode_error (PROTO_WIRE_ERR_BUSY, "busy", 4, 18, buf,
                                    sizeof buf);
    memcpy (edit, buf, size);
    edit[11] = '\n';
    s_test_reject (edit, size, PROTO_REJECT_UTF8, "error text newline");
    edit[11] = 0xC0;
    edit[12] = 0x80;
    s_test_reject (edit, size, PROTO_REJECT_UTF8, "error text overlong");
    assert (proto_wire_encode_error (0, "x", 1, 1, buf, sizeof buf) == 0);
    assert (proto_wire_encode_error (1, "a\nb", 3, 1, buf, sizeof buf) == 0);
    assert (proto_wire_encode_error (1, NULL, 1, 1, buf, sizeof buf) == 0);
    {
        char long_text[PROTO_WIRE_TEXT_MAX + 1];
        memset (long_text, 'e', sizeof long_text);
        assert (proto_wire_encode_error (1, long_text, sizeof long_text, 1,
                                         buf, sizeof buf) == 0);
        size = proto_wire_encode_error (1, long_text, PROTO_WIRE_TEXT_MAX, 1,
                                        buf, sizeof buf);
        assert (size == 11 + PROTO_WIRE_TEXT_MAX);
        assert (proto_wire_decode (&f, buf, size) == PROTO_OK);
    }

    /* The writer: budget limits, count limits, ownership. */
    assert (proto_wire_writer_new (PROTO_WIRE_BUDGET_MIN - 1) == NULL);
    assert (proto_wire_writer_new (PROTO_WIRE_FRAME_MAX + 1) == NULL);
    proto_wire_writer_t *writer = proto_wire_writer_new (0);
    assert (writer);
    const uint8_t *frame;
    assert (proto_wire_writer_begin (writer, PROTO_WIRE_FLAG_REPLY, 2) == 0);
    assert (proto_wire_writer_finish (writer, 1, &size) == NULL);
    assert (size == 0);
    assert (proto_wire_writer_begin (writer, PROTO_WIRE_FLAG_REPLY, 2) == 0);
    assert (proto_wire_writer_add (writer, &bad_item) == -1);
    bad_item = items[0];
    bad_item.stub_len = PROTO_STUB_MAX + 1;
    assert (proto_wire_writer_add (writer, &bad_item) == -1);
    assert (proto_wire_writer_count (writer) == 0);
    assert (proto_wire_writer_add (writer, &items[0]) == 0);
    assert (proto_wire_writer_add (writer, &items[1]) == 0);
    assert (!proto_wire_writer_fits (writer, stub1_len, 0));
    assert (proto_wire_writer_add (writer, &items[1]) == 1);   /* max 2 */
    assert (proto_wire_writer_count (writer) == 2);
    assert (proto_wire_writer_size (writer) == entries_size);
    frame = proto_wire_writer_finish (writer, 12, &size);
    assert (frame && size == entries_size);
    assert (!memcmp (frame, entries, entries_size));
    /* Fill with the largest payloads until the frame maximum refuses. */
    uint8_t *big_payload = malloc (PROTO_STORED_PAYLOAD_MAX);
    assert (big_payload);
    for (size_t i = 0; i < PROTO_STORED_PAYLOAD_MAX; i++)
        big_payload[i] = (uint8_t) (i * 7);
    proto_wire_item_t big = { stub2, stub2_len, big_payload,
                              PROTO_STORED_PAYLOAD_MAX };
    assert (proto_wire_writer_begin (writer, 0, PROTO_WIRE_BATCH_MAX) == 0);
    size_t added = 0;
    while (proto_wire_writer_add (writer, &big) == 0)
        added++;
    assert (added == (PROTO_WIRE_FRAME_MAX - PROTO_WIRE_ENTRIES_FIXED)
                         / s_item_size (stub2_len, PROTO_STORED_PAYLOAD_MAX));
    assert (proto_wire_writer_count (writer) == added);
    assert (proto_wire_writer_add (writer, &big) == 1);
    /* Top it up to exactly PROTO_WIRE_FRAME_MAX octets. */
    size_t room = PROTO_WIRE_FRAME_MAX - proto_wire_writer_size (writer);
    proto_wire_item_t top = { stub1, stub1_len, big_payload,
                              room - PROTO_WIRE_ITEM_OVERHEAD - stub1_len };
    assert (!proto_wire_writer_fits (writer, stub1_len, top.payload_len + 1));
    assert (proto_wire_writer_fits (writer, stub1_len, top.payload_len));
    assert (proto_wire_writer_add (writer, &top) == 0);
    assert (proto_wire_writer_size (writer) == PROTO_WIRE_FRAME_MAX);
    assert (!proto_wire_writer_fits (writer, PROTO_WIRE_STUB_MIN, 0));
    uint8_t *owned = proto_wire_writer_take (writer, 99, &size);
    assert (owned && size == PROTO_WIRE_FRAME_MAX);
    assert (proto_wire_decode (&f, owned, size) == PROTO_OK);
    assert (f.count == added + 1 && f.sequence == 99 && f.flags == 0);
    proto_wire_iter_init (&it, &f);
    while (proto_wire_entries_next (&it, &item))
        assert (item.payload_len == PROTO_STORED_PAYLOAD_MAX
                    ? !memcmp (item.payload, big_payload, item.payload_len)
                    : item.payload_len == top.payload_len);
    assert (it.index == added + 1);
    /* One octet more is over the frame maximum, whatever it holds. */
    uint8_t *over = realloc (owned, PROTO_WIRE_FRAME_MAX + 1);
    assert (over);
    over[PROTO_WIRE_FRAME_MAX] = 0;
    assert (proto_wire_decode (&f, over, PROTO_WIRE_FRAME_MAX + 1)
            == PROTO_REJECT_OVERSIZE);
    assert (proto_wire_decode (&f, over, PROTO_WIRE_FRAME_MAX) == PROTO_OK);
    free (over);
    /* The one-shot encoder refuses the same batch plus one item. */
    {
        proto_wire_item_t *batch = calloc (added + 2, sizeof *batch);
        assert (batch);
        for (size_t i = 0; i < added; i++)
            batch[i] = big;
        batch[added] = top;
        assert (proto_wire_entries_size (batch, added + 1)
                == PROTO_WIRE_FRAME_MAX);
        batch[added + 1] = items[1];
        assert (proto_wire_entries_size (batch, added + 2) == 0);
        uint8_t *out = malloc (PROTO_WIRE_FRAME_MAX);
        assert (out);
        assert (proto_wire_encode_entries (0, batch, added + 2, 1, out,
                                           PROTO_WIRE_FRAME_MAX) == 0);
        free (out);
        free (batch);
    }
    /* After _take, the writer starts a new buffer. */
    assert (proto_wire_writer_begin (writer, 0, 1) == 0);
    assert (proto_wire_writer_size (writer) == PROTO_WIRE_ENTRIES_FIXED);
    assert (proto_wire_writer_add (writer, &items[1]) == 0);
    assert (proto_wire_writer_add (writer, &items[0]) == 1);   /* max 1 */
    frame = proto_wire_writer_finish (writer, 13, &size);
    assert (frame);
    assert (proto_wire_encode_entries (0, items + 1, 1, 13, buf, sizeof buf)
            == size);
    assert (!memcmp (frame, buf, size));
    proto_wire_writer_destroy (&writer);
    assert (writer == NULL);
    proto_wire_writer_destroy (&writer);
    /* The smallest budget holds exactly one largest item. */
    writer = proto_wire_writer_new (PROTO_WIRE_BUDGET_MIN);
    assert (writer);
    uint8_t wide_stub[PROTO_STUB_MAX];
    memset (wide_stub, 0x5A, sizeof wide_stub);
    proto_wire_item_t widest = { wide_stub, PROTO_STUB_MAX, big_payload,
                                 PROTO_STORED_PAYLOAD_MAX };
    assert (proto_wire_writer_begin (writer, 0, 2) == 0);
    assert (proto_wire_writer_add (writer, &widest) == 0);
    assert (proto_wire_writer_size (writer) == PROTO_WIRE_BUDGET_MIN);
    assert (proto_wire_writer_add (writer, &items[1]) == 1);
    frame = proto_wire_writer_finish (writer, 1, &size);
    assert (frame && proto_wire_decode (&f, frame, size) == PROTO_OK);
    proto_wire_writer_destroy (&writer);
    free (big_payload);

    /* A frame over the maximum is refused after its version, before its
       type is looked at. */
    uint8_t *huge = calloc (1, PROTO_WIRE_FRAME_MAX + 1);
    assert (huge);
    memcpy (huge, "\xCE\xA1\x01\x00", 4);
    assert (proto_wire_decode (&f, huge, PROTO_WIRE_FRAME_MAX + 1)
            == PROTO_REJECT_OVERSIZE);
    free (huge);

    /* The document and the codec agree. */
    bool spec = s_test_spec (verbose);
    if (verbose)
        printf ("(largest ENTRIES holds %zu full payloads%s) ", added,
                spec ? "" : "; docs/protocol.md not found, not compared");
    printf ("OK\n");
}

/* The grammar of docs/protocol.md 13.5 as this codec reads it: each rule's
   definition (whitespace collapsed, comment removed) and a text its comment
   must contain. Numbers come from the codec's own macros.                   */
typedef struct {
    char name[24];                 /* rule name                              */
    char def[96];                  /* definition                             */
    char note[48];                 /* in the comment, or empty               */
    bool seen;                     /* found in the document                  */
} s_test_rule_t;

static size_t
s_test_rules (s_test_rule_t *r, size_t cap)
{
    size_t n = 0;
#define S_RULE(rule_name, note_fmt, note_arg, ...)                           \
    do {                                                                     \
        assert (n < cap);                                                    \
        memset (&r[n], 0, sizeof r[n]);                                      \
        snprintf (r[n].name, sizeof r[n].name, "%s", rule_name);             \
        snprintf (r[n].def, sizeof r[n].def, __VA_ARGS__);                   \
        snprintf (r[n].note, sizeof r[n].note, note_fmt, note_arg);          \
        n++;                                                                 \
    } while (0)
    char message[96] = "";
    for (int t = PROTO_WIRE_HELLO; t <= PROTO_WIRE_TYPE_MAX; t++) {
        char lower[16];
        snprintf (lower, sizeof lower, "%s", proto_wire_type_name (t));
        for (char *c = lower; *c; c++)
            *c = (char) (*c - 'A' + 'a');
        size_t len = strlen (message);
        snprintf (message + len, sizeof message - len, "%s%s",
                  t > PROTO_WIRE_HELLO ? " / " : "", lower);
    }
    S_RULE ("frame", "%s", "", "signature version message");
    S_RULE ("signature", "%s", "", "%%x%02X %%x%02X", PROTO_WIRE_MAGIC0,
            PROTO_WIRE_MAGIC1);
    S_RULE ("version", "%s", "", "%%x%02X", PROTO_WIRE_VERSION);
    S_RULE ("message", "%s", "", "%s", message);
    S_RULE ("sequence", "%s", "u32, 1..4294967295", "4OCTET");
    S_RULE ("hello", "%s", "", "%%x%02X sequence sign-pk roster-version "
            "roster-hash max-batch", PROTO_WIRE_HELLO);
    S_RULE ("sign-pk", "%s", "Ed25519", "%dOCTET", PROTO_PK_BYTES);
    S_RULE ("roster-version", "%s", "u64, >= 1", "8OCTET");
    S_RULE ("roster-hash", "%s", "body hash", "%dOCTET", PROTO_HASH_BYTES);
    S_RULE ("max-batch", "u16, 1..%d", PROTO_WIRE_BATCH_MAX, "2OCTET");
    S_RULE ("heads", "%s", "", "%%x%02X sequence head-count 0*%dhead",
            PROTO_WIRE_HEADS, PROTO_WIRE_HEADS_MAX);
    S_RULE ("head-count", "u16, 0..%d", PROTO_WIRE_HEADS_MAX, "2OCTET");
    S_RULE ("head", "%s", "strictly ascending by author",
            "author seq head-id");
    S_RULE ("head-id", "%s", "", "%dOCTET", PROTO_HASH_BYTES);
    S_RULE ("want", "%s", "", "%%x%02X sequence range-count 1*%drange",
            PROTO_WIRE_WANT, PROTO_WIRE_WANT_MAX);
    S_RULE ("range-count", "u16, 1..%d", PROTO_WIRE_WANT_MAX, "2OCTET");
    S_RULE ("range", "%s", "ascending by author", "author from-seq to-seq");
    S_RULE ("from-seq", "%s", "u64, >= 1", "8OCTET");
    S_RULE ("to-seq", "%s", "u64, >= from-seq", "8OCTET");
    S_RULE ("entries", "%s", "",
            "%%x%02X sequence flags item-count 1*%ditem", PROTO_WIRE_ENTRIES,
            PROTO_WIRE_BATCH_MAX);
    S_RULE ("flags", "%s", "bit 0: reply", "%%x00-%02X",
            PROTO_WIRE_FLAGS_KNOWN);
    S_RULE ("item-count", "u16, 1..%d", PROTO_WIRE_BATCH_MAX, "2OCTET");
    S_RULE ("item", "%s", "", "stub-len stub stored-len stored-payload");
    S_RULE ("stub-len", "u16, %d..", PROTO_WIRE_STUB_MIN, "2OCTET");
    S_RULE ("stored-len", "u32, 0..%d", PROTO_STORED_PAYLOAD_MAX, "4OCTET");
    S_RULE ("stored-payload", "%s", "stored-len octets", "*OCTET");
    S_RULE ("payloads", "%s", "", "%%x%02X sequence id-count 1*%dentry-id",
            PROTO_WIRE_PAYLOADS, PROTO_WIRE_PAYLOADS_MAX);
    S_RULE ("id-count", "u16, 1..%d", PROTO_WIRE_PAYLOADS_MAX, "2OCTET");
    S_RULE ("roster", "%s", "", "%%x%02X sequence roster-len roster-text",
            PROTO_WIRE_ROSTER);
    S_RULE ("roster-len", "u32, 1..%d", PROTO_WIRE_ROSTER_MAX, "4OCTET");
    S_RULE ("roster-text", "%s", "roster-len octets", "*OCTET");
    S_RULE ("notice", "%s", "", "%%x%02X sequence notice-len notice-text",
            PROTO_WIRE_NOTICE);
    S_RULE ("notice-len", "u16, 1..%d", PROTO_WIRE_NOTICE_MAX, "2OCTET");
    S_RULE ("notice-text", "%s", "notice-len octets", "*OCTET");
    S_RULE ("error", "%s", "", "%%x%02X sequence error-code text-len "
            "error-text", PROTO_WIRE_ERROR);
    S_RULE ("error-code", "%s", "u16, >= 1", "2OCTET");
    S_RULE ("text-len", "u8, 0..%d", PROTO_WIRE_TEXT_MAX, "OCTET");
    S_RULE ("error-text", "%s", "UTF-8, one line", "*OCTET");
#undef S_RULE
    return n;
}

/* Collapse runs of blanks to one space and trim, in place.                  */
static void
s_test_squeeze (char *s)
{
    char *out = s;
    bool space = true;
    for (char *p = s; *p; p++) {
        bool blank = *p == ' ' || *p == '\t';
        if (blank && space)
            continue;
        *out++ = blank ? ' ' : *p;
        space = blank;
    }
    if (out > s && out[-1] == ' ')
        out--;
    *out = '\0';
}

/* One "| number | `name` |" table row: number and name, or false.          */
static bool
s_test_row (const char *line, unsigned long *number, char *name, size_t cap)
{
    if (strncmp (line, "| ", 2))
        return false;
    char *end;
    *number = strtoul (line + 2, &end, 10);
    if (end == line + 2)
        return false;
    while (*end == ' ')
        end++;
    if (strncmp (end, "| `", 3))
        return false;
    const char *start = end + 3;
    const char *close = strchr (start, '`');
    if (!close || (size_t) (close - start) >= cap)
        return false;
    memcpy (name, start, (size_t) (close - start));
    name[close - start] = '\0';
    return true;
}

static bool
s_test_spec (bool verbose)
{
    char path[4096];
    const char *dir = getenv ("CEPTOAR_VECTORS_DIR");
    if (dir && *dir)
        snprintf (path, sizeof path, "%s/../../docs/protocol.md", dir);
    else
        snprintf (path, sizeof path, "docs/protocol.md");
    FILE *file = fopen (path, "rb");
    if (!file) {
        /* ctest always gives the vectors directory: then the document
           must be there. */
        if (dir && *dir) {
            fprintf (stderr, "\nproto_wire: cannot read %s\n", path);
            assert (file);
        }
        return false;
    }
    size_t cap = 1 << 20, len = 0, got;
    char *text = malloc (cap + 1);
    assert (text);
    while ((got = fread (text + len, 1, cap - len, file)) > 0)
        len += got;
    (void) fclose (file);
    assert (len < cap);
    text[len] = '\0';
    char *start = strstr (text, "\n## 13. ");
    char *stop = start ? strstr (start, "\n## 14. ") : NULL;
    assert (start && stop);
    *stop = '\0';

    s_test_rule_t rules[64];
    size_t rule_count = s_test_rules (rules, 64);
    bool types_seen[PROTO_WIRE_TYPE_MAX + 1] = { false };
    bool codes_seen[PROTO_WIRE_ERR_ROSTER + 1] = { false };
    static const struct {
        const char *macro;
        unsigned long value;
    } limits[] = {
        { "PROTO_WIRE_HEADER_BYTES", PROTO_WIRE_HEADER_BYTES },
        { "PROTO_WIRE_FRAME_MAX", PROTO_WIRE_FRAME_MAX },
        { "PROTO_WIRE_HELLO_BYTES", PROTO_WIRE_HELLO_BYTES },
        { "PROTO_WIRE_BATCH_MAX", PROTO_WIRE_BATCH_MAX },
        { "PROTO_WIRE_HEADS_MAX", PROTO_WIRE_HEADS_MAX },
        { "PROTO_WIRE_WANT_MAX", PROTO_WIRE_WANT_MAX },
        { "PROTO_WIRE_PAYLOADS_MAX", PROTO_WIRE_PAYLOADS_MAX },
        { "PROTO_WIRE_ROSTER_MAX", PROTO_WIRE_ROSTER_MAX },
        { "PROTO_WIRE_TEXT_MAX", PROTO_WIRE_TEXT_MAX },
        { "PROTO_WIRE_NOTICE_MAX", PROTO_WIRE_NOTICE_MAX },
        { "PROTO_WIRE_STUB_MIN", PROTO_WIRE_STUB_MIN },
        { "PROTO_WIRE_BUDGET_MIN", PROTO_WIRE_BUDGET_MIN },
        { "PROTO_WIRE_HEADS_DELAY_MS", PROTO_WIRE_HEADS_DELAY_MS },
        { "PROTO_WIRE_HEADS_INTERVAL_MS", PROTO_WIRE_HEADS_INTERVAL_MS },
        { "PROTO_WIRE_REQUESTS_MAX", PROTO_WIRE_REQUESTS_MAX },
        { "PROTO_WIRE_REQUEST_TIMEOUT_MS", PROTO_WIRE_REQUEST_TIMEOUT_MS },
        { "PROTO_WIRE_ERRORS_PER_SEC", PROTO_WIRE_ERRORS_PER_SEC },
    };
    bool limits_seen[sizeof limits / sizeof limits[0]] = { false };

    bool in_abnf = false;
    char def[512] = "", note[512] = "", name[64] = "";
    /* A rule is complete when the next one starts or the block ends. */
#define S_FLUSH()                                                            \
    do {                                                                     \
        if (*name) {                                                         \
            s_test_squeeze (def);                                            \
            bool known = false;                                              \
            for (size_t k = 0; k < rule_count; k++)                          \
                if (!strcmp (rules[k].name, name)) {                         \
                    known = true;                                            \
                    rules[k].seen = true;                                    \
                    if (strcmp (rules[k].def, def)                           \
                        || !strstr (note, rules[k].note)) {                  \
                        fprintf (stderr, "\nproto_wire: 13.5 rule %s is "    \
                                 "'%s' ;%s, the codec says '%s' ; %s\n",     \
                                 name, def, note, rules[k].def,              \
                                 rules[k].note);                             \
                        assert (false && "spec and codec differ");           \
                    }                                                        \
                }                                                            \
            if (!known) {                                                    \
                fprintf (stderr, "\nproto_wire: 13.5 rule %s is not in the " \
                         "codec\n", name);                                   \
                assert (known);                                              \
            }                                                                \
        }                                                                    \
        *name = *def = *note = '\0';                                         \
    } while (0)
    for (char *line = start + 1; line && *line;) {
        char *next = strchr (line, '\n');
        if (next)
            *next++ = '\0';
        if (!strncmp (line, "```abnf", 7))
            in_abnf = true;
        else if (in_abnf && !strncmp (line, "```", 3)) {
            S_FLUSH ();
            in_abnf = false;
        }
        else if (in_abnf) {
            char *semi = strchr (line, ';');
            if (semi)
                *semi = '\0';
            if (*line != ' ' && *line != '\0') {
                S_FLUSH ();
                char *eq = strstr (line, " = ");
                assert (eq);
                *eq = '\0';
                snprintf (name, sizeof name, "%s", line);
                s_test_squeeze (name);
                line = eq + 3;
            }
            size_t at = strlen (def);
            snprintf (def + at, sizeof def - at, " %s", line);
            if (semi) {
                at = strlen (note);
                snprintf (note + at, sizeof note - at, " %s", semi + 1);
                s_test_squeeze (note);
            }
        }
        else {
            unsigned long number;
            char word[64];
            if (s_test_row (line, &number, word, sizeof word)) {
                if (word[0] >= 'A' && word[0] <= 'Z') {
                    /* The message table of 13.4. */
                    assert (number >= 1 && number <= PROTO_WIRE_TYPE_MAX);
                    assert (!strcmp (proto_wire_type_name ((int) number),
                                     word));
                    types_seen[number] = true;
                }
                else {
                    /* Error codes (13.10) and reject reasons. */
                    if (strcmp (proto_wire_error_name ((unsigned) number),
                                word)) {
                        fprintf (stderr, "\nproto_wire: code %lu is '%s' "
                                 "in the document, '%s' in the codec\n",
                                 number, word,
                                 proto_wire_error_name ((unsigned) number));
                        assert (!"spec and codec differ");
                    }
                    if (number <= PROTO_WIRE_ERR_ROSTER)
                        codes_seen[number] = true;
                }
            }
            const char *macro = strstr (line, "| `PROTO_WIRE_");
            if (!strncmp (line, "| ", 2) && macro) {
                /* The limits table of 13.6: "| what | value | `MACRO` |". */
                const char *cell = macro;
                while (cell > line && cell[-1] == ' ')
                    cell--;
                while (cell > line && cell[-1] != '|')
                    cell--;
                unsigned long value = strtoul (cell, NULL, 10);
                bool known = false;
                for (size_t k = 0; k < sizeof limits / sizeof limits[0];
                     k++) {
                    size_t mlen = strlen (limits[k].macro);
                    if (!strncmp (macro + 3, limits[k].macro, mlen)
                        && macro[3 + mlen] == '`') {
                        known = true;
                        limits_seen[k] = true;
                        assert (value == limits[k].value);
                    }
                }
                assert (known);
            }
        }
        line = next;
    }
#undef S_FLUSH
    for (size_t k = 0; k < rule_count; k++)
        if (!rules[k].seen) {
            fprintf (stderr, "\nproto_wire: rule %s missing from 13.5\n",
                     rules[k].name);
            assert (rules[k].seen);
        }
    for (int t = PROTO_WIRE_HELLO; t <= PROTO_WIRE_TYPE_MAX; t++)
        assert (types_seen[t]);
    for (int c = PROTO_WIRE_ERR_VERSION; c <= PROTO_WIRE_ERR_ROSTER; c++)
        assert (codes_seen[c]);
    assert (codes_seen[PROTO_REJECT_RETRACTED]);
    for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++)
        assert (limits_seen[k]);
    if (verbose)
        printf ("(13.5: %zu rules) ", rule_count);
    free (text);
    return true;
}
