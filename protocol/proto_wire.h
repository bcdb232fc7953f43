/* SPDX-License-Identifier: MPL-2.0 */
/* proto_wire: the replication frame codec: encoding, strict decoding and
   item iterators for the seven messages nodes exchange over ZeroMQ. */
#ifndef PROTO_WIRE_H
#define PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto_crypto.h"
#include "proto_entry.h"
#include "proto_reject.h"

/* One ZeroMQ message is one frame (docs/protocol.md section 13):

       signature %xCE %xA1, version %x01, type u8, sequence u32, body

   All integers are big-endian. This module only turns frames into bytes
   and back: it knows nothing of sockets, sessions, rosters or stores. It
   treats the stubs and payloads inside ENTRIES as opaque, length-checked
   blobs; the caller verifies them with proto_stub_verify and
   proto_payload_matches, and decides disclosure with
   keys_disclosure_payload.

   Decoding is strict and complete: proto_wire_decode checks the header
   AND every field of the body (counts, lengths, ranges, orders, no
   trailing octets) before it returns PROTO_OK, so a node never acts on
   half a frame. The iterators then walk the checked body and cannot fail.
   Decoded values borrow from the input bytes and live as long as they do.

   Threading: every function is reentrant. A writer is used by one thread
   at a time.                                                               */

#define PROTO_WIRE_MAGIC0 0xCE
#define PROTO_WIRE_MAGIC1 0xA1
#define PROTO_WIRE_VERSION 1

/* Message types (wire values, never reused).                                */
typedef enum {
    PROTO_WIRE_HELLO = 1,    /* session start: who I am, roster, max batch  */
    PROTO_WIRE_HEADS = 2,    /* the per-author heads I hold                 */
    PROTO_WIRE_WANT = 3,     /* send me the stubs of these ranges           */
    PROTO_WIRE_ENTRIES = 4,  /* stubs with the payloads you may receive     */
    PROTO_WIRE_PAYLOADS = 5, /* send me the payloads of these entries       */
    PROTO_WIRE_ROSTER = 6,   /* a roster version, with its signatures       */
    PROTO_WIRE_ERROR = 7,    /* informational; never answered               */
    PROTO_WIRE_NOTICE = 8,   /* a member's self-signed revocation or card
                                update (keys_notice), gossiped              */
} proto_wire_type_t;
#define PROTO_WIRE_TYPE_MAX 8

/* ENTRIES flag bits. Unknown bits must be zero.                             */
#define PROTO_WIRE_FLAG_REPLY 0x01 /* answers a WANT or PAYLOADS; else push */
#define PROTO_WIRE_FLAGS_KNOWN PROTO_WIRE_FLAG_REPLY

/* Sizes and limits (octets or counts).                                      */
#define PROTO_WIRE_HEADER_BYTES 8              /* signature .. sequence     */
#define PROTO_WIRE_FRAME_MAX (8 * 1024 * 1024) /* = ZMQ_MAXMSGSIZE          */
#define PROTO_WIRE_BATCH_MAX 1024              /* ENTRIES items, max_batch  */
#define PROTO_WIRE_HEADS_MAX 1024              /* HEADS items               */
#define PROTO_WIRE_WANT_MAX 256                /* WANT ranges               */
#define PROTO_WIRE_PAYLOADS_MAX 1024           /* PAYLOADS ids              */
#define PROTO_WIRE_ROSTER_MAX (1024 * 1024)    /* = KEYS_ROSTER_MAX_BYTES   */
#define PROTO_WIRE_TEXT_MAX 255                /* ERROR text                */
#define PROTO_WIRE_NOTICE_MAX 4096             /* = KEYS_NOTICE_TEXT_MAX    */
#define PROTO_WIRE_STUB_MIN (PROTO_HEADER_FIXED_BYTES + PROTO_SIG_BYTES)
#define PROTO_WIRE_HELLO_BYTES                                               \
    (PROTO_WIRE_HEADER_BYTES + PROTO_PK_BYTES + 8 + PROTO_HASH_BYTES + 2)
#define PROTO_WIRE_HEAD_BYTES (PROTO_PK_BYTES + 8 + PROTO_HASH_BYTES)
#define PROTO_WIRE_RANGE_BYTES (PROTO_PK_BYTES + 8 + 8)
/* One ENTRIES item: stub_len, stub, payload_len, payload.                   */
#define PROTO_WIRE_ITEM_OVERHEAD (2 + 4)
#define PROTO_WIRE_ITEM_MAX                                                  \
    (PROTO_WIRE_ITEM_OVERHEAD + PROTO_STUB_MAX + PROTO_STORED_PAYLOAD_MAX)
/* ENTRIES before its items: header, flags, count.                           */
#define PROTO_WIRE_ENTRIES_FIXED (PROTO_WIRE_HEADER_BYTES + 1 + 2)
/* The smallest writer budget: one largest item always fits.                 */
#define PROTO_WIRE_BUDGET_MIN (PROTO_WIRE_ENTRIES_FIXED + PROTO_WIRE_ITEM_MAX)

/* Protocol error codes for ERROR frames. Codes below 100 are
   proto_reject_t reasons; these are the protocol's own.                     */
#define PROTO_WIRE_ERR_VERSION 100  /* version-unsupported                  */
#define PROTO_WIRE_ERR_MEMBER 101   /* not-a-member                         */
#define PROTO_WIRE_ERR_SEQUENCE 102 /* out-of-sequence: send HELLO          */
#define PROTO_WIRE_ERR_BUSY 103     /* busy: ask again later                */
#define PROTO_WIRE_ERR_NOT_HELD 104 /* not-held: nothing of the request     */
#define PROTO_WIRE_ERR_ROSTER 105   /* roster-refused                       */

/* Timings and rates the protocol fixes (docs/protocol.md 13.6).             */
#define PROTO_WIRE_HEADS_DELAY_MS 100      /* HEADS after storing, at most  */
#define PROTO_WIRE_HEADS_INTERVAL_MS 10000 /* anti-entropy HEADS            */
#define PROTO_WIRE_REQUESTS_MAX 2          /* outstanding requests per peer */
#define PROTO_WIRE_REQUEST_TIMEOUT_MS 60000 /* unanswered: restart (HELLO)  */
#define PROTO_WIRE_ERRORS_PER_SEC 10       /* ERROR replies per connection  */

/* The values of a HELLO. Pointers are borrowed: into the frame after a
   decode, into the caller's arrays for an encode.                           */
typedef struct {
    const uint8_t *sign_pk;     /* PROTO_PK_BYTES: sender's Ed25519 key      */
    uint64_t roster_version;    /* >= 1                                      */
    const uint8_t *roster_hash; /* PROTO_HASH_BYTES: roster body hash        */
    uint16_t max_batch;         /* 1..PROTO_WIRE_BATCH_MAX                   */
} proto_wire_hello_t;

/* One HEADS item.                                                           */
typedef struct {
    const uint8_t *author;      /* PROTO_PK_BYTES, strictly ascending        */
    uint64_t seq;               /* >= 1: the head's sequence number          */
    const uint8_t *id;          /* PROTO_HASH_BYTES: the head's entry id     */
} proto_wire_head_t;

/* One WANT range: seqs from_seq..to_seq of author, both included.           */
typedef struct {
    const uint8_t *author;      /* PROTO_PK_BYTES                            */
    uint64_t from_seq;          /* >= 1                                      */
    uint64_t to_seq;            /* >= from_seq                               */
} proto_wire_range_t;

/* One ENTRIES item: a stub and, if the receiver may have it, its stored
   payload. Both are untrusted until verified by the caller.                 */
typedef struct {
    const uint8_t *stub;        /* PROTO_WIRE_STUB_MIN..PROTO_STUB_MAX       */
    size_t stub_len;
    const uint8_t *payload;     /* NULL iff payload_len is 0 (no payload)    */
    size_t payload_len;         /* 0..PROTO_STORED_PAYLOAD_MAX               */
} proto_wire_item_t;

/* A decoded frame: a plain value that borrows from the decoded bytes. Only
   the fields of its type are set; the rest are zero.                        */
typedef struct {
    proto_wire_type_t type;     /* 1..PROTO_WIRE_TYPE_MAX                    */
    uint32_t sequence;          /* >= 1                                      */
    size_t count;               /* items of HEADS, WANT, ENTRIES, PAYLOADS   */
    uint8_t flags;              /* ENTRIES: PROTO_WIRE_FLAG_*                */
    proto_wire_hello_t hello;   /* HELLO                                     */
    const char *roster;         /* ROSTER: the roster text, not NUL-ended    */
    size_t roster_len;          /* ROSTER: 1..PROTO_WIRE_ROSTER_MAX          */
    const char *notice;         /* NOTICE: the notice text, not NUL-ended    */
    size_t notice_len;          /* NOTICE: 1..PROTO_WIRE_NOTICE_MAX          */
    uint16_t error_code;        /* ERROR: >= 1                               */
    const char *error_text;     /* ERROR: UTF-8, one line, not NUL-ended     */
    size_t error_text_len;      /* ERROR: 0..PROTO_WIRE_TEXT_MAX             */
    const uint8_t *items;       /* private: first item, for the iterators    */
    size_t items_len;           /* private: octets of all items              */
} proto_wire_frame_t;

/* An iterator over a decoded frame's items: a plain value on the caller's
   stack; its fields are private.                                            */
typedef struct {
    const proto_wire_frame_t *frame; /* the frame walked (borrowed)          */
    const uint8_t *next;             /* next item                            */
    size_t left;                     /* octets left                          */
    size_t index;                    /* items handed out                     */
} proto_wire_iter_t;

/* An ENTRIES writer (opaque): fills one frame at a time up to a byte
   budget and a count, copying each stub and payload once.                   */
typedef struct _proto_wire_writer_t proto_wire_writer_t;

/* ------------------------------------------------------------------------
   Size constants as functions (libsodium style).                            */
size_t proto_wire_frame_max (void);
size_t proto_wire_header_bytes (void);

/* ------------------------------------------------------------------------
   Strictly decode data[0..size) as one frame into self, checking every
   field of the header and the body in wire order. On PROTO_OK every field
   of self for the frame's type is set, and pointers in self (and those the
   iterators hand out) point into data: they stay valid while data does.
   Returns PROTO_OK, or the first rule broken:
     PROTO_REJECT_TRUNCATED     the input ends inside a field
     PROTO_REJECT_MAGIC         the signature octets are not CE A1
     PROTO_REJECT_VERSION       the version octet is not 1
     PROTO_REJECT_OVERSIZE      the frame is over PROTO_WIRE_FRAME_MAX, or a
                                count or length is over its limit
     PROTO_REJECT_FIELD         unknown type, sequence 0, or a value out of
                                range (a zero count or length where one is
                                required, seq 0, to_seq < from_seq, unknown
                                flag bits, a stub shorter than a stub, ERROR
                                code 0)
     PROTO_REJECT_NONCANONICAL  HEADS authors, WANT ranges or PAYLOADS ids
                                not strictly ascending (or ranges overlapping
                                or touching)
     PROTO_REJECT_UTF8          ERROR text is not one line of UTF-8
     PROTO_REJECT_TRAILING      octets after the last field
   On failure, self->type and self->sequence are set if the 8-octet header
   decoded (type 0 otherwise); other fields are unspecified. Never reads
   outside data[0..size), on any input.                                      */
proto_reject_t
    proto_wire_decode (proto_wire_frame_t *self, const uint8_t *data,
                       size_t size) __attribute__ ((warn_unused_result));

/* ------------------------------------------------------------------------
   Start iterating over the items of a frame decoded with PROTO_OK.         */
void
    proto_wire_iter_init (proto_wire_iter_t *self,
                          const proto_wire_frame_t *frame);

/* ------------------------------------------------------------------------
   Hand out the next item of a HEADS, WANT, ENTRIES or PAYLOADS frame (the
   function must match the frame's type). Returns true and fills *item, or
   false after the last item. Item pointers borrow from the frame's bytes.
   *id (PAYLOADS) points at PROTO_HASH_BYTES octets.                        */
bool
    proto_wire_heads_next (proto_wire_iter_t *self, proto_wire_head_t *item);
bool
    proto_wire_want_next (proto_wire_iter_t *self, proto_wire_range_t *item);
bool
    proto_wire_entries_next (proto_wire_iter_t *self,
                             proto_wire_item_t *item);
bool
    proto_wire_payloads_next (proto_wire_iter_t *self, const uint8_t **id);

/* ------------------------------------------------------------------------
   Octets of the frame of this type with n items (HEADS, WANT, PAYLOADS),
   n octets of text (ROSTER, NOTICE, ERROR) or nothing (HELLO: n is ignored).
   Returns 0 if n is out of range for the type, and for ENTRIES (use
   proto_wire_entries_size or a writer).                                     */
size_t
    proto_wire_encoded_size (proto_wire_type_t type, size_t n);

/* ------------------------------------------------------------------------
   Octets of an ENTRIES frame holding these items, or 0 if an item is
   invalid, count is 0 or over PROTO_WIRE_BATCH_MAX, or the total is over
   PROTO_WIRE_FRAME_MAX.                                                     */
size_t
    proto_wire_entries_size (const proto_wire_item_t *items, size_t count);

/* ------------------------------------------------------------------------
   Encode one frame with the given sequence number (>= 1) into buf (cap
   octets, owned by the caller). Each encoder checks every rule the decoder
   checks, so what it writes always decodes to the same values. Returns the
   octets written, or 0 if a value is invalid (limits, orders, sequence 0,
   NULL pointers) or cap is too small; buf is then unspecified.
   - heads: count 0..PROTO_WIRE_HEADS_MAX, authors strictly ascending.
   - want: count 1..PROTO_WIRE_WANT_MAX, ranges ascending by author then
     from_seq; ranges of one author must neither overlap nor touch.
   - entries: flags PROTO_WIRE_FLAG_* only, count 1..PROTO_WIRE_BATCH_MAX,
     whole frame at most PROTO_WIRE_FRAME_MAX (see also the writer).
   - payloads: count 1..PROTO_WIRE_PAYLOADS_MAX, ids strictly ascending.
   - roster: len 1..PROTO_WIRE_ROSTER_MAX octets, not interpreted here.
   - notice: len 1..PROTO_WIRE_NOTICE_MAX octets, not interpreted here.
   - error: code >= 1; text 0..PROTO_WIRE_TEXT_MAX octets of one-line
     UTF-8 (text may be NULL when len is 0).                                 */
size_t
    proto_wire_encode_hello (const proto_wire_hello_t *hello,
                             uint32_t sequence, uint8_t *buf, size_t cap);
size_t
    proto_wire_encode_heads (const proto_wire_head_t *heads, size_t count,
                             uint32_t sequence, uint8_t *buf, size_t cap);
size_t
    proto_wire_encode_want (const proto_wire_range_t *ranges, size_t count,
                            uint32_t sequence, uint8_t *buf, size_t cap);
size_t
    proto_wire_encode_entries (uint8_t flags, const proto_wire_item_t *items,
                               size_t count, uint32_t sequence, uint8_t *buf,
                               size_t cap);
size_t
    proto_wire_encode_payloads (const uint8_t (*ids)[PROTO_HASH_BYTES],
                                size_t count, uint32_t sequence, uint8_t *buf,
                                size_t cap);
size_t
    proto_wire_encode_roster (const char *text, size_t len, uint32_t sequence,
                              uint8_t *buf, size_t cap);
size_t
    proto_wire_encode_notice (const char *text, size_t len, uint32_t sequence,
                              uint8_t *buf, size_t cap);
size_t
    proto_wire_encode_error (uint16_t code, const char *text, size_t len,
                             uint32_t sequence, uint8_t *buf, size_t cap);

/* ------------------------------------------------------------------------
   A new ENTRIES writer whose frames are at most budget octets
   (PROTO_WIRE_BUDGET_MIN..PROTO_WIRE_FRAME_MAX; 0 means
   PROTO_WIRE_FRAME_MAX). The writer allocates one buffer of budget octets
   when a frame begins and never reallocates it, so every stub and payload
   is copied exactly once, from the caller's memory into the frame (large
   allocations are committed by the OS only as they are written). Returns
   NULL if budget is out of range. Caller destroys.                          */
proto_wire_writer_t *
    proto_wire_writer_new (size_t budget);

/* ------------------------------------------------------------------------
   Destroy the writer and its buffer (not a buffer handed out by _take).
   Sets *self_p to NULL; does nothing if it is already NULL.                 */
void
    proto_wire_writer_destroy (proto_wire_writer_t **self_p);

/* ------------------------------------------------------------------------
   Begin a new frame (dropping any unfinished one): flags
   (PROTO_WIRE_FLAG_* bits only) and the most items it may hold, usually
   the receiver's max_batch (1..PROTO_WIRE_BATCH_MAX). A pointer from
   _finish becomes invalid. Returns 0, or -1 if the buffer cannot be
   allocated.                                                                */
int
    proto_wire_writer_begin (proto_wire_writer_t *self, uint8_t flags,
                             size_t max_items);

/* ------------------------------------------------------------------------
   True if an item with these lengths would be accepted by _add now, i.e.
   the frame has fewer than max_items items and room for it in the budget.
   Lets the caller stop before fetching a payload.                           */
bool
    proto_wire_writer_fits (const proto_wire_writer_t *self, size_t stub_len,
                            size_t payload_len);

/* ------------------------------------------------------------------------
   Copy one item into the frame begun by _begin. Returns
     0   added;
     1   full: max_items reached or the item does not fit in the budget;
         nothing was changed: finish this frame and add it to the next
         (an item always fits in an empty frame);
    -1   invalid item: stub_len outside PROTO_WIRE_STUB_MIN..PROTO_STUB_MAX,
         payload_len over PROTO_STORED_PAYLOAD_MAX, or a NULL stub, or a
         NULL payload with payload_len > 0; nothing changed.
   The stub and payload are only read during the call.                       */
int
    proto_wire_writer_add (proto_wire_writer_t *self,
                           const proto_wire_item_t *item);

/* ------------------------------------------------------------------------
   Items and octets in the current frame so far.                             */
size_t
    proto_wire_writer_count (const proto_wire_writer_t *self);
size_t
    proto_wire_writer_size (const proto_wire_writer_t *self);

/* ------------------------------------------------------------------------
   Complete the frame with its sequence number (>= 1; given last so that a
   frame that is never sent uses none). Returns the frame's octets and sets
   *size, or NULL if the frame has no item. The bytes are borrowed from the
   writer until the next _begin, _take or _destroy. The frame stays
   complete: _add after _finish needs a new _begin.                          */
const uint8_t *
    proto_wire_writer_finish (proto_wire_writer_t *self, uint32_t sequence,
                              size_t *size);

/* ------------------------------------------------------------------------
   Like _finish, but hands the buffer over: the caller owns the returned
   bytes and releases them with free() (for example from the free function
   of zmq_msg_init_data, so the frame is sent without another copy). The
   next _begin allocates a new buffer. NULL if the frame has no item.        */
uint8_t *
    proto_wire_writer_take (proto_wire_writer_t *self, uint32_t sequence,
                            size_t *size);

/* ------------------------------------------------------------------------
   The sequence number after seq: seq + 1, and 1 after 4294967295 (0 is
   never used).                                                              */
uint32_t
    proto_wire_seq_next (uint32_t seq);

/* ------------------------------------------------------------------------
   Upper-case name of a message type ("HELLO" ...), or "unknown". Never
   NULL; static storage.                                                     */
const char *
    proto_wire_type_name (int type);

/* ------------------------------------------------------------------------
   Name of an ERROR code: a reason name below 100 (proto_reject_name), the
   protocol error's name from 100 ("version-unsupported", "not-a-member",
   "out-of-sequence", "busy", "not-held", "roster-refused"), or "unknown".
   Never NULL; static storage.                                               */
const char *
    proto_wire_error_name (unsigned code);

void
    proto_wire_test (bool verbose);

#endif
