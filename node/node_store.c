/* SPDX-License-Identifier: MPL-2.0 */
/* node_store: the node's hash-chained, replicated log in LMDB. */

/* The store keeps every entry header ("stub") this node holds, the payloads
   it is cleared for, and the indexes that replication and the CLI read. It
   is the only code in the project that touches LMDB (STYLE §1).

   What it does: checks and appends entries (its own, signed here, and
   those from peers), answers lookups and scans from read-only
   transactions, keeps fork evidence, indexes references and applies
   retractions (protocol.md 13.9.3: the retracted payload is purged in the
   same transaction), lists the payloads still to fetch, and re-verifies
   everything (fsck).
   What it does not do: talk to peers, decide what a peer may receive (that
   is keys_disclosure_payload, called by the replication code), log, or
   count rejections (the caller does, with the returned reason).

   Schema (docs/storage.md gives the byte layouts and the reasoning):
       log       row (u32, INTEGERKEY) -> compact stub record
       payloads  row (u32, INTEGERKEY) -> stored payload bytes
       chain     author index (u32, INTEGERKEY, DUPSORT|DUPFIXED)
                     -> seq32 || row32                   (8-byte dups)
       ids       0x00 (DUPSORT|DUPFIXED) -> id[0..4) || row32  (8 bytes)
       ids_new   the same, for recent entries; merged into ids in bulk
       times     0x00 (DUPSORT|DUPFIXED) -> time48 || row32   (10 bytes)
       heads     author key (32) -> index, frozen, seq, row, id
       authors   author index (u32, INTEGERKEY) -> author key (32)
       forks     author key || seq (u64 BE) -> evidence: both stubs
       refs      target id (32, DUPSORT|DUPFIXED) -> row32 of each held
                     entry whose readable payload references it
       retracted target id (32, DUPSORT|DUPFIXED) -> retracting author key
                     || retraction id (64 bytes): held entries purged, and
                     retractions of entries not held yet (pending)
       missing   row (u32, INTEGERKEY) -> empty: headers whose payload this
                     node may hold but does not (what PAYLOADS fetches)
       receipts  row (u32, INTEGERKEY) -> u64 LE ms: payloads stored here of
                     others' entries that ask for a receipt, not yet
                     confirmed (what the daemon's receipts confirm)
       meta      "schema" -> u32 LE schema version; "missing" -> roster
                     hash || self key the missing index was built for
   Rows are local, 1, 2, 3 ... in the order this node stored the headers.
   The log record replaces the 32-byte author key by a varint author index
   and drops the fixed magic and version octets; the exact stub is rebuilt
   with proto_header_encode on read, and each record is checked to rebuild
   to the very bytes that were signed before it is written (otherwise the
   raw stub is stored instead).                                              */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <lmdb.h>

#include "node_store.h"
#include "../protocol/proto_receipt.h"

#define S_SCHEMA_VERSION 2                         /* 1 is migrated      */
#define S_MAX_DBS 16
#define S_ROW_MAX UINT32_MAX                       /* rows (and seqs held) */
#define S_TIME_MAX ((UINT64_C (1) << 48) - 1)      /* times index clamp    */
#define S_CHAIN_VAL 8                              /* seq32 || row32       */
#define S_TIME_VAL 10                              /* time48 || row32      */
#define S_ID_PREFIX 4
#define S_ID_VAL (S_ID_PREFIX + 4)                 /* id[0..4) || row32    */
#define S_IDS_MERGE 8192                           /* ids_new merge size   */
#define S_HEAD_BYTES (4 + 1 + 8 + 8 + PROTO_HASH_BYTES)
#define S_REC_RAW 0xFF                             /* raw log record tag   */
#define S_REC_COUNCIL 0x20                         /* compact: council     */
#define S_REC_MAX (PROTO_STUB_MAX + 64)
#define S_ERR_MAX 256
#define S_FSCK_THREADS_MAX 64
#define S_REF_VAL 4                                /* row32 BE             */
#define S_RETRACT_VAL (PROTO_PK_BYTES + PROTO_HASH_BYTES) /* author || id  */
#define S_STAMP_BYTES (PROTO_HASH_BYTES + PROTO_PK_BYTES) /* missing stamp */
#define S_TRIM_BYTES (16ULL << 20)                 /* see s_trim_map       */
#define S_PAGE_GUESS 4096                          /* bytes per LMDB page  */
#define S_VERIFY_SPLIT 64                          /* 2 verify threads from */

/* The single key under which the ids and times indexes keep their dups.   */
static const uint8_t s_index_key[1] = { 0 };

/* Log and payload keys: the row, a native unsigned int (MDB_INTEGERKEY).  */
typedef unsigned int s_row_t;

struct _node_store_t {
    MDB_env *env;                   /* the environment                      */
    MDB_dbi log;                    /* row -> compact stub record           */
    MDB_dbi payloads;               /* row -> payload                       */
    MDB_dbi chain;                  /* author index -> seq32||row32         */
    MDB_dbi ids;                    /* 0 -> id prefix||row32, merged        */
    MDB_dbi ids_new;                /* 0 -> id prefix||row32, recent        */
    MDB_dbi times;                  /* 0 -> time48||row32                   */
    MDB_dbi heads;                  /* author key -> head record            */
    MDB_dbi authors;                /* author index -> author key           */
    MDB_dbi forks;                  /* author key||seq -> evidence          */
    MDB_dbi refs;                   /* target id -> referencing row32       */
    MDB_dbi retracted;              /* target id -> author||retraction id   */
    MDB_dbi missing;                /* row -> empty: payload to fetch       */
    MDB_dbi receipts;               /* row -> stored ms: receipts to send   */
    MDB_dbi meta;                   /* name -> value                        */
    size_t max_map_size;            /* growth stops here                    */
    size_t ids_merge_at;            /* S_IDS_MERGE (smaller in tests)       */
    size_t txns;                    /* our transactions now open            */
    const keys_roster_t *roster;    /* borrowed, set by the owner           */
    uint8_t self_pk[PROTO_PK_BYTES];/* this node's Ed25519 key              */
    bool self_set;                  /* self_pk holds a key                  */
    const keys_secret_t *opener;    /* borrowed: opens RED sealed to it     */
    bool missing_check;             /* roster or self changed: compare the
                                       missing index's stamp before use     */
    uint8_t (*author_pk)[PROTO_PK_BYTES]; /* committed index -> key cache   */
    size_t author_count;            /* entries in author_pk                 */
    size_t author_cap;              /* allocated entries                    */
    char last_error[S_ERR_MAX];     /* last environment failure, or ""      */
    uint64_t trimmed_at;            /* map bytes in use at the last trim    */
    dev_t data_dev;                 /* data.mdb's device and inode, to find */
    ino_t data_ino;                 /* its map (s_trim_map); 0: unknown     */
};

/* An entry loaded from the log, with its stub rebuilt.                      */
typedef struct {
    node_entry_t ne;                /* what visitors see                    */
    uint32_t author_idx;            /* index in the authors table           */
    uint64_t row;                   /* log row                              */
    uint8_t stub[PROTO_STUB_MAX];   /* rebuilt header || signature          */
} s_entry_t;

/* An author's head as kept in the heads table.                              */
typedef struct {
    bool exists;                    /* the author has at least one entry    */
    uint32_t idx;                   /* author index                         */
    bool frozen;                    /* a fork was seen: chain closed        */
    uint64_t seq;                   /* highest seq held (0: none)           */
    uint64_t row;                   /* its row                              */
    uint8_t id[PROTO_HASH_BYTES];   /* its id (zero when none)              */
} s_head_t;

/* Per write transaction state.                                              */
typedef struct {
    uint64_t next_row;              /* row the next header gets             */
    uint8_t time_last[S_TIME_VAL];  /* last value of the times index        */
    bool time_any;                  /* times index not empty                */
    uint64_t now_ms;                /* stored_ms for this transaction       */
} s_wstate_t;

/* A checked entry, ready to be written.                                     */
typedef struct {
    uint8_t payload_hash[PROTO_HASH_BYTES]; /* post: of its payload         */
    uint64_t seq;                   /* its seq                              */
    uint64_t timestamp_ms;          /* its author timestamp                 */
    uint8_t id[PROTO_HASH_BYTES];   /* its id                               */
    size_t rec_len;                 /* bytes in rec                         */
    uint8_t rec[S_REC_MAX];         /* its log record                       */
} s_prep_t;

/* A write operation: returns an LMDB code; its own result lives in arg.
   Sets *commit when the transaction holds changes to keep.                 */
typedef int (s_txn_fn) (node_store_t *self, MDB_txn *txn, void *arg,
                        bool *commit);

//  --------------------------------------------------------------------------
//  Byte helpers

static void
s_put_be (uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = n; i > 0; i--) {
        p[i - 1] = (uint8_t) v;
        v >>= 8;
    }
}

static uint64_t
s_get_be (const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static void
s_put_le (uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t) v;
        v >>= 8;
    }
}

static uint64_t
s_get_le (const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i > 0; i--)
        v = (v << 8) | p[i - 1];
    return v;
}

static size_t
s_varint_put (uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t) v;
    return n;
}

static int
s_varint_get (const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p == end)
            return -1;
        uint8_t b = *p++;
        if (shift == 63 && b > 1)
            return -1;
        x |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *pp = p;
            *v = x;
            return 0;
        }
    }
    return -1;
}

//  Index values end with the row (4 bytes, big-endian: memcmp order is
//  numeric order).
static void
s_chain_val (uint8_t val[S_CHAIN_VAL], uint64_t seq, uint64_t row)
{
    s_put_be (val, seq > S_ROW_MAX ? S_ROW_MAX : seq, 4);
    s_put_be (val + 4, row, 4);
}

static void
s_time_val (uint8_t val[S_TIME_VAL], uint64_t ts, uint64_t row)
{
    s_put_be (val, ts > S_TIME_MAX ? S_TIME_MAX : ts, 6);
    s_put_be (val + 6, row, 4);
}

static void
s_id_val (uint8_t val[S_ID_VAL], const uint8_t id[PROTO_HASH_BYTES],
          uint64_t row)
{
    memcpy (val, id, S_ID_PREFIX);
    s_put_be (val + S_ID_PREFIX, row, 4);
}

static uint64_t
s_val_row (const MDB_val *v)
{
    return s_get_be ((const uint8_t *) v->mv_data + v->mv_size - 4, 4);
}

static bool
s_is_zero (const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

//  --------------------------------------------------------------------------
//  Errors

static void
s_error (node_store_t *self, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_error (node_store_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (self->last_error, sizeof self->last_error, fmt, ap);
    va_end (ap);
}

static void
s_mdb_error (node_store_t *self, const char *what, int rc)
{
    if (rc == MDB_CORRUPTED)
        s_error (self, "%s: a store record is malformed (run fsck)", what);
    else if (rc == EOVERFLOW)
        s_error (self, "%s: the store holds its maximum of %" PRIu32
                 " entries", what, (uint32_t) S_ROW_MAX);
    else
        s_error (self, "%s: %s", what, mdb_strerror (rc));
}

//  --------------------------------------------------------------------------
//  Author index <-> key

//  Load committed authors beyond the cache into it. The table is append-only
//  and an index never changes its key, so cached entries never go stale.
static void
s_cache_authors (node_store_t *self, MDB_txn *txn)
{
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, self->authors, &cur))
        return;
    unsigned int idx = (unsigned int) self->author_count;
    MDB_val k = { sizeof idx, &idx }, v;
    int rc = mdb_cursor_get (cur, &k, &v, MDB_SET_KEY);
    while (rc == 0 && k.mv_size == sizeof idx && v.mv_size == PROTO_PK_BYTES) {
        unsigned int got;
        memcpy (&got, k.mv_data, sizeof got);
        if (got != self->author_count)
            break;
        if (self->author_count == self->author_cap) {
            size_t cap = self->author_cap ? 2 * self->author_cap : 64;
            void *grown = realloc (self->author_pk, cap * PROTO_PK_BYTES);
            if (!grown)
                break;
            self->author_pk = grown;
            self->author_cap = cap;
        }
        memcpy (self->author_pk[self->author_count++], v.mv_data,
                PROTO_PK_BYTES);
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
}

//  The key of author index idx. may_cache only for read-only transactions
//  of the owning thread (a write transaction may not commit).
static int
s_author_pk (node_store_t *self, MDB_txn *txn, uint32_t idx,
             uint8_t out[PROTO_PK_BYTES], bool may_cache)
{
    if (idx < self->author_count) {
        memcpy (out, self->author_pk[idx], PROTO_PK_BYTES);
        return 0;
    }
    unsigned int key = idx;
    MDB_val k = { sizeof key, &key }, v;
    int rc = mdb_get (txn, self->authors, &k, &v);
    if (rc == MDB_NOTFOUND)
        return MDB_CORRUPTED;
    if (rc)
        return rc;
    if (v.mv_size != PROTO_PK_BYTES)
        return MDB_CORRUPTED;
    memcpy (out, v.mv_data, PROTO_PK_BYTES);
    if (may_cache)
        s_cache_authors (self, txn);
    return 0;
}

//  --------------------------------------------------------------------------
//  Heads

static void
s_head_encode (uint8_t buf[S_HEAD_BYTES], const s_head_t *head)
{
    s_put_le (buf, head->idx, 4);
    buf[4] = head->frozen ? 1 : 0;
    s_put_le (buf + 5, head->seq, 8);
    s_put_le (buf + 13, head->row, 8);
    memcpy (buf + 21, head->id, PROTO_HASH_BYTES);
}

static int
s_head_decode (s_head_t *head, const MDB_val *v)
{
    if (v->mv_size != S_HEAD_BYTES)
        return MDB_CORRUPTED;
    const uint8_t *p = v->mv_data;
    head->exists = true;
    head->idx = (uint32_t) s_get_le (p, 4);
    head->frozen = p[4] != 0;
    head->seq = s_get_le (p + 5, 8);
    head->row = s_get_le (p + 13, 8);
    memcpy (head->id, p + 21, PROTO_HASH_BYTES);
    return 0;
}

//  The head of author pk; head->exists false (and zeroed) when none.
static int
s_head_get (node_store_t *self, MDB_txn *txn,
            const uint8_t pk[PROTO_PK_BYTES], s_head_t *head)
{
    memset (head, 0, sizeof *head);
    MDB_val k = { PROTO_PK_BYTES, (void *) pk }, v;
    int rc = mdb_get (txn, self->heads, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    return s_head_decode (head, &v);
}

static int
s_head_put (node_store_t *self, MDB_txn *txn,
            const uint8_t pk[PROTO_PK_BYTES], const s_head_t *head)
{
    uint8_t buf[S_HEAD_BYTES];
    s_head_encode (buf, head);
    MDB_val k = { PROTO_PK_BYTES, (void *) pk }, v = { sizeof buf, buf };
    return mdb_put (txn, self->heads, &k, &v, 0);
}

//  Give a new author the next index; fills head (no entry yet).
static int
s_author_new (node_store_t *self, MDB_txn *txn,
              const uint8_t pk[PROTO_PK_BYTES], s_head_t *head)
{
    MDB_stat st;
    int rc = mdb_stat (txn, self->authors, &st);
    if (rc)
        return rc;
    if (st.ms_entries >= UINT32_MAX)
        return MDB_CORRUPTED;
    unsigned int idx = (unsigned int) st.ms_entries;
    MDB_val k = { sizeof idx, &idx }, v = { PROTO_PK_BYTES, (void *) pk };
    rc = mdb_put (txn, self->authors, &k, &v, MDB_APPEND);
    if (rc)
        return rc;
    memset (head, 0, sizeof *head);
    head->exists = true;
    head->idx = idx;
    return 0;
}

//  --------------------------------------------------------------------------
//  Log records

//  Compact form: one octet (bits 0-2 level, 3-4 flags, 5 council audience,
//  6-7 zero), varints (author index, seq, author timestamp, zigzag of
//  stored_ms - timestamp, payload length), the encoded audience unless
//  council, prev, payload hash, signature. Returns bytes, or 0 when the
//  header does not fit this form.
static size_t
s_rec_compact (uint8_t *buf, const proto_header_t *h, uint32_t idx,
               const uint8_t sig[PROTO_SIG_BYTES], uint64_t stored_ms)
{
    if ((unsigned) h->level < 1 || (unsigned) h->level > 6 || h->flags > 3)
        return 0;
    bool council = h->audience.type == PROTO_AUDIENCE_COUNCIL;
    uint8_t *p = buf;
    *p++ = (uint8_t) ((unsigned) h->level | ((unsigned) h->flags << 3)
                      | (council ? S_REC_COUNCIL : 0));
    p += s_varint_put (p, idx);
    p += s_varint_put (p, h->seq);
    p += s_varint_put (p, h->timestamp_ms);
    uint64_t d = stored_ms - h->timestamp_ms;     /* modulo 2^64 */
    p += s_varint_put (p, (d << 1) ^ (0 - (d >> 63)));
    p += s_varint_put (p, h->payload_len);
    if (!council) {
        size_t a = proto_audience_encode (&h->audience, p,
                                          S_REC_MAX - (size_t) (p - buf)
                                              - 128);
        if (!a)
            return 0;
        p += a;
    }
    memcpy (p, h->prev, PROTO_HASH_BYTES);
    p += PROTO_HASH_BYTES;
    memcpy (p, h->payload_hash, PROTO_HASH_BYTES);
    p += PROTO_HASH_BYTES;
    memcpy (p, sig, PROTO_SIG_BYTES);
    p += PROTO_SIG_BYTES;
    return (size_t) (p - buf);
}

//  Raw form, used when the compact form would not rebuild the exact stub:
//  tag, stored_ms u64 LE, author index u32 LE, stub.
static size_t
s_rec_raw (uint8_t *buf, const uint8_t *stub, size_t stub_len, uint32_t idx,
           uint64_t stored_ms)
{
    buf[0] = S_REC_RAW;
    s_put_le (buf + 1, stored_ms, 8);
    s_put_le (buf + 9, idx, 4);
    memcpy (buf + 13, stub, stub_len);
    return 13 + stub_len;
}

//  Decode a log record into e (header, rebuilt stub, stored_ms, author
//  index). pk: the author's key if the caller knows it, else NULL (looked
//  up). Does not compute the id nor fetch the payload. Returns 0,
//  MDB_CORRUPTED, or an LMDB error.
static int
s_rec_decode (node_store_t *self, MDB_txn *txn, const MDB_val *val,
              s_entry_t *e, const uint8_t *pk, bool may_cache)
{
    const uint8_t *p = val->mv_data;
    const uint8_t *end = p + val->mv_size;
    proto_header_t *h = &e->ne.header;
    memset (h, 0, sizeof *h);
    e->ne.stub = e->stub;
    e->ne.payload = NULL;
    e->ne.payload_len = 0;
    if (p == end)
        return MDB_CORRUPTED;
    if (*p == S_REC_RAW) {
        if (val->mv_size < 13 || val->mv_size - 13 > PROTO_STUB_MAX)
            return MDB_CORRUPTED;
        e->ne.stored_ms = s_get_le (p + 1, 8);
        e->author_idx = (uint32_t) s_get_le (p + 9, 4);
        e->ne.stub_len = val->mv_size - 13;
        memcpy (e->stub, p + 13, e->ne.stub_len);
        uint8_t sig[PROTO_SIG_BYTES];
        if (proto_stub_decode (h, sig, e->stub, e->ne.stub_len) != PROTO_OK)
            return MDB_CORRUPTED;
        return 0;
    }
    uint8_t lf = *p++;
    if (lf >> 6)
        return MDB_CORRUPTED;
    uint64_t idx, seq, ts, zz, plen;
    if (s_varint_get (&p, end, &idx) || s_varint_get (&p, end, &seq)
        || s_varint_get (&p, end, &ts) || s_varint_get (&p, end, &zz)
        || s_varint_get (&p, end, &plen) || idx > UINT32_MAX
        || plen > UINT32_MAX)
        return MDB_CORRUPTED;
    if (lf & S_REC_COUNCIL)
        proto_audience_set_council (&h->audience);
    else {
        size_t used = 0;
        if (proto_audience_decode (&h->audience, p, (size_t) (end - p),
                                   &used)
            != PROTO_OK)
            return MDB_CORRUPTED;
        p += used;
    }
    if ((size_t) (end - p) != 2 * PROTO_HASH_BYTES + PROTO_SIG_BYTES)
        return MDB_CORRUPTED;
    e->author_idx = (uint32_t) idx;
    if (pk)
        memcpy (h->author, pk, PROTO_PK_BYTES);
    else {
        int rc = s_author_pk (self, txn, e->author_idx, h->author, may_cache);
        if (rc)
            return rc;
    }
    h->seq = seq;
    h->timestamp_ms = ts;
    e->ne.stored_ms = ts + ((zz >> 1) ^ (0 - (zz & 1)));
    h->level = (proto_level_t) (lf & 0x07);
    h->flags = (uint8_t) ((lf >> 3) & 0x03);
    h->payload_len = (uint32_t) plen;
    memcpy (h->prev, p, PROTO_HASH_BYTES);
    memcpy (h->payload_hash, p + PROTO_HASH_BYTES, PROTO_HASH_BYTES);
    size_t hl = proto_header_encode (h, e->stub, sizeof e->stub);
    if (!hl || hl + PROTO_SIG_BYTES > sizeof e->stub)
        return MDB_CORRUPTED;
    memcpy (e->stub + hl, p + 2 * PROTO_HASH_BYTES, PROTO_SIG_BYTES);
    e->ne.stub_len = hl + PROTO_SIG_BYTES;
    return 0;
}

//  Load row, whose log record is rec, into e: header, stub, id, row and
//  (if want_payload) the payload, which stays borrowed from the
//  transaction. Returns 0, MDB_CORRUPTED or an LMDB error.
static int
s_load_rec (node_store_t *self, MDB_txn *txn, uint64_t row,
            const MDB_val *rec, s_entry_t *e, bool may_cache,
            bool want_payload)
{
    int rc = s_rec_decode (self, txn, rec, e, NULL, may_cache);
    if (rc)
        return rc;
    e->row = row;
    e->ne.row = row;
    proto_entry_id (e->ne.id, e->stub, e->ne.stub_len);
    s_row_t key = (s_row_t) row;
    MDB_val k = { sizeof key, &key }, v;
    if (want_payload) {
        rc = mdb_get (txn, self->payloads, &k, &v);
        if (rc == 0) {
            e->ne.payload = v.mv_data;
            e->ne.payload_len = v.mv_size;
        }
        else if (rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

//  Load row into e, as s_load_rec. Returns 0, MDB_NOTFOUND, MDB_CORRUPTED
//  or an LMDB error.
static int
s_load (node_store_t *self, MDB_txn *txn, uint64_t row, s_entry_t *e,
        bool may_cache, bool want_payload)
{
    if (row > S_ROW_MAX)
        return MDB_NOTFOUND;
    s_row_t key = (s_row_t) row;
    MDB_val k = { sizeof key, &key }, v;
    int rc = mdb_get (txn, self->log, &k, &v);
    if (rc)
        return rc;
    return s_load_rec (self, txn, row, &v, e, may_cache, want_payload);
}

//  The row of (author index, seq), via the chain index. MDB_NOTFOUND if
//  absent.
static int
s_chain_row (node_store_t *self, MDB_cursor *cur, uint32_t idx, uint64_t seq,
             uint64_t *row)
{
    unsigned int key = idx;
    uint8_t val[S_CHAIN_VAL];
    if (seq > S_ROW_MAX)
        return MDB_NOTFOUND;
    s_chain_val (val, seq, 0);
    MDB_val k = { sizeof key, &key }, v = { sizeof val, val };
    int rc = mdb_cursor_get (cur, &k, &v, MDB_GET_BOTH_RANGE);
    if (rc)
        return rc;
    if (v.mv_size != S_CHAIN_VAL)
        return MDB_CORRUPTED;
    if (s_get_be (v.mv_data, 4) != seq)
        return MDB_NOTFOUND;
    *row = s_val_row (&v);
    return 0;
}

//  Find id in one table of the id index and load its entry into e. The
//  index holds a 4-byte prefix: each candidate is confirmed by its hash.
//  may_cache as for s_author_pk. Returns 0, MDB_NOTFOUND, or an LMDB error.
static int
s_id_find (node_store_t *self, MDB_txn *txn, MDB_dbi dbi,
           const uint8_t id[PROTO_HASH_BYTES], s_entry_t *e, bool may_cache)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, dbi, &cur);
    if (rc)
        return rc;
    uint8_t val[S_ID_VAL];
    s_id_val (val, id, 0);
    MDB_val k = { sizeof s_index_key, (void *) s_index_key };
    MDB_val v = { sizeof val, val };
    rc = mdb_cursor_get (cur, &k, &v, MDB_GET_BOTH_RANGE);
    while (rc == 0) {
        if (v.mv_size != S_ID_VAL) {
            rc = MDB_CORRUPTED;
            break;
        }
        if (memcmp (v.mv_data, id, S_ID_PREFIX)) {
            rc = MDB_NOTFOUND;
            break;
        }
        rc = s_load (self, txn, s_val_row (&v), e, may_cache, true);
        if (rc == MDB_NOTFOUND)
            rc = MDB_CORRUPTED;   /* the index names a row the log lacks */
        if (rc || !memcmp (e->ne.id, id, PROTO_HASH_BYTES))
            break;
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT_DUP);
    }
    mdb_cursor_close (cur);
    return rc;
}

//  Find the held entry id (recent ids first) and load it into e, payload
//  included. Returns 0, MDB_NOTFOUND, or an LMDB error.
static int
s_find_entry (node_store_t *self, MDB_txn *txn,
              const uint8_t id[PROTO_HASH_BYTES], s_entry_t *e,
              bool may_cache)
{
    int rc = s_id_find (self, txn, self->ids_new, id, e, may_cache);
    if (rc == MDB_NOTFOUND)
        rc = s_id_find (self, txn, self->ids, id, e, may_cache);
    return rc;
}

//  --------------------------------------------------------------------------
//  Transactions

//  Every transaction of ours starts here and ends in s_txn_end or
//  s_txn_commit, so that the map is only resized when none is open (a
//  visitor may call back into the store from inside a scan).
static int
s_txn_begin (node_store_t *self, unsigned flags, MDB_txn **txn)
{
    int rc = mdb_txn_begin (self->env, NULL, flags, txn);
    if (rc == MDB_MAP_RESIZED && self->txns == 0) {
        //  Another process grew the map: adopt its size and retry.
        rc = mdb_env_set_mapsize (self->env, 0);
        if (rc == 0)
            rc = mdb_txn_begin (self->env, NULL, flags, txn);
    }
    if (rc == 0)
        self->txns++;
    return rc;
}

static void
s_txn_end (node_store_t *self, MDB_txn *txn)
{
    mdb_txn_abort (txn);
    self->txns--;
}

static int
s_txn_commit (node_store_t *self, MDB_txn *txn)
{
    self->txns--;
    return mdb_txn_commit (txn);    /* synced: no MDB_NOSYNC */
}

//  Double the map, up to max_map_size. Returns 0, or -1 with last_error set.
static int
s_grow (node_store_t *self)
{
    MDB_envinfo info;
    int rc = mdb_env_info (self->env, &info);
    if (rc) {
        s_mdb_error (self, "map full, and cannot read the map size", rc);
        return -1;
    }
    size_t cur = info.me_mapsize;
    if (self->txns) {
        s_error (self, "map full, and it cannot grow while a read of this "
                 "store is open (a write from inside a visitor)");
        return -1;
    }
    if (cur >= self->max_map_size) {
        s_error (self,
                 "map full: the store has reached its maximum size of %zu "
                 "bytes (store/max-map-size in ceptoard.cfg): raise it, or "
                 "free disk space",
                 self->max_map_size);
        return -1;
    }
    size_t next = cur > self->max_map_size / 2 ? self->max_map_size : 2 * cur;
    rc = mdb_env_set_mapsize (self->env, next);
    if (rc) {
        s_mdb_error (self, "map full, and cannot grow the map", rc);
        return -1;
    }
    return 0;
}

//  Run fn in a write transaction and commit durably when it asks to. On
//  MDB_MAP_FULL, abort, grow the map and run fn again (each retry follows
//  a doubling, so this ends at max_map_size). Returns 0, or -1 with
//  last_error set (the caller returns PROTO_REJECT_STORAGE).
//  LMDB's map of data.mdb in this process: found in /proc/self/maps by
//  the file's device and inode (LMDB does not export its map address).
//  Returns 0 with *addr and *len, or -1.
static int
s_map_find (node_store_t *self, void **addr, size_t *len)
{
    FILE *maps = fopen ("/proc/self/maps", "re");
    if (!maps)
        return -1;
    char line[4096];
    int rc = -1;
    while (rc && fgets (line, sizeof line, maps)) {
        unsigned long lo, hi, inode;
        unsigned dev_major, dev_minor;
        //  The kernel wrote these numbers; the address exists only as one.
        //  NOLINTNEXTLINE(cert-err34-c)
        if (sscanf (line, "%lx-%lx %*s %*s %x:%x %lu", &lo, &hi, &dev_major,
                    &dev_minor, &inode) == 5
            && inode == (unsigned long) self->data_ino
            && makedev (dev_major, dev_minor) == self->data_dev) {
            *addr = (void *) lo;        //  NOLINT(performance-no-int-to-ptr)
            *len = hi - lo;
            rc = 0;
        }
    }
    (void) fclose (maps);
    return rc;
}

//  LMDB maps every page it writes into this process as it goes, so the
//  resident size would grow with the store (a node catching up a million
//  entries would show a quarter of a gigabyte). Those pages are the
//  kernel's page cache, not ours: every S_TRIM_BYTES written, drop the
//  process's mappings of the (read-only, shared) map; later reads fault
//  them back from the cache. Nothing on disk or in the cache changes.
static void
s_trim_map (node_store_t *self)
{
    MDB_envinfo info;
    if (!self->data_ino || mdb_env_info (self->env, &info) != 0)
        return;
    uint64_t used = (uint64_t) info.me_last_pgno * S_PAGE_GUESS;
    if (used < self->trimmed_at + S_TRIM_BYTES && used >= self->trimmed_at)
        return;
    self->trimmed_at = used;
    void *addr;
    size_t len;
    if (s_map_find (self, &addr, &len) == 0)
        madvise (addr, len, MADV_DONTNEED);
}

static int
s_write (node_store_t *self, s_txn_fn *fn, void *arg, const char *what)
{
    for (;;) {
        MDB_txn *txn;
        int rc = s_txn_begin (self, 0, &txn);
        if (rc) {
            s_mdb_error (self, what, rc);
            return -1;
        }
        bool commit = false;
        rc = fn (self, txn, arg, &commit);
        if (rc == 0 && commit)
            rc = s_txn_commit (self, txn);
        else
            s_txn_end (self, txn);
        if (rc == MDB_MAP_FULL) {
            if (s_grow (self))
                return -1;
            continue;
        }
        if (rc) {
            s_mdb_error (self, what, rc);
            return -1;
        }
        if (commit)
            s_trim_map (self);
        return 0;
    }
}

static int
s_wstate_init (node_store_t *self, MDB_txn *txn, s_wstate_t *st)
{
    st->time_any = false;
    st->now_ms = proto_now_ms ();
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->log, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    rc = mdb_cursor_get (cur, &k, &v, MDB_LAST);
    mdb_cursor_close (cur);
    if (rc == 0) {
        s_row_t last;
        if (k.mv_size != sizeof last)
            return MDB_CORRUPTED;
        memcpy (&last, k.mv_data, sizeof last);
        st->next_row = (uint64_t) last + 1;
    }
    else if (rc == MDB_NOTFOUND)
        st->next_row = 1;
    else
        return rc;
    rc = mdb_cursor_open (txn, self->times, &cur);
    if (rc)
        return rc;
    rc = mdb_cursor_get (cur, &k, &v, MDB_LAST);
    mdb_cursor_close (cur);
    if (rc == 0) {
        if (v.mv_size != S_TIME_VAL)
            return MDB_CORRUPTED;
        memcpy (st->time_last, v.mv_data, S_TIME_VAL);
        st->time_any = true;
    }
    else if (rc != MDB_NOTFOUND)
        return rc;
    return 0;
}

//  The log record of a checked stub, from h (decoded from the stub, or the
//  header it was signed from): the compact form when it rebuilds exactly
//  the signed bytes, the raw stub otherwise. check is scratch. Touches no
//  transaction and no store state, so any thread may call it.
static void
s_make_record (const proto_header_t *h, const uint8_t *stub,
               size_t stub_len, uint32_t idx, uint64_t stored_ms,
               s_prep_t *prep, s_entry_t *check)
{
    prep->seq = h->seq;
    prep->timestamp_ms = h->timestamp_ms;
    size_t len = 0;
    if (stub_len > PROTO_SIG_BYTES)
        len = s_rec_compact (prep->rec, h, idx,
                             stub + stub_len - PROTO_SIG_BYTES, stored_ms);
    if (len) {
        MDB_val v = { len, prep->rec };
        if (s_rec_decode (NULL, NULL, &v, check, h->author, false)
            || check->ne.stub_len != stub_len
            || memcmp (check->stub, stub, stub_len))
            len = 0;
    }
    if (!len)
        len = s_rec_raw (prep->rec, stub, stub_len, idx, stored_ms);
    prep->rec_len = len;
}

//  Write one checked entry at the next row: log record, payload (may be
//  NULL), chain, times and ids indexes; moves head (the caller writes it).
static int
s_put_entry (node_store_t *self, MDB_txn *txn, s_wstate_t *st,
             s_head_t *head, const s_prep_t *prep, const uint8_t *payload,
             size_t payload_len)
{
    uint64_t row = st->next_row;
    if (row > S_ROW_MAX || prep->seq > S_ROW_MAX)
        return EOVERFLOW;
    s_row_t key = (s_row_t) row;
    MDB_val k = { sizeof key, &key };
    MDB_val v = { prep->rec_len, (void *) prep->rec };
    int rc = mdb_put (txn, self->log, &k, &v, MDB_APPEND);
    if (rc)
        return rc;
    if (payload) {
        v.mv_size = payload_len;
        v.mv_data = (void *) payload;
        rc = mdb_put (txn, self->payloads, &k, &v, MDB_APPEND);
        if (rc)
            return rc;
    }
    unsigned int akey = head->idx;
    uint8_t val[S_CHAIN_VAL];
    s_chain_val (val, prep->seq, row);
    MDB_val ak = { sizeof akey, &akey }, av = { sizeof val, val };
    //  seq is head + 1 and rows only grow, so this is the author's largest.
    rc = mdb_put (txn, self->chain, &ak, &av, MDB_APPENDDUP);
    if (rc)
        return rc;

    uint8_t tval[S_TIME_VAL];
    s_time_val (tval, prep->timestamp_ms, row);
    //  Append (pages fill completely) when the value is the largest, as it
    //  is for this node's own posts; peers' entries may land earlier.
    unsigned flags = 0;
    if (!st->time_any || memcmp (tval, st->time_last, S_TIME_VAL) > 0) {
        flags = MDB_APPENDDUP;
        memcpy (st->time_last, tval, S_TIME_VAL);
        st->time_any = true;
    }
    MDB_val ik = { sizeof s_index_key, (void *) s_index_key };
    MDB_val tv = { sizeof tval, tval };
    rc = mdb_put (txn, self->times, &ik, &tv, flags);
    if (rc)
        return rc;

    uint8_t idv[S_ID_VAL];
    s_id_val (idv, prep->id, row);
    MDB_val iv = { sizeof idv, idv };
    rc = mdb_put (txn, self->ids_new, &ik, &iv, 0);
    if (rc)
        return rc;

    head->seq = prep->seq;
    head->row = row;
    memcpy (head->id, prep->id, PROTO_HASH_BYTES);
    st->next_row = row + 1;
    return 0;
}

//  The id index is two tables. New values go to ids_new, which stays small
//  so that a batch touches few of its pages; once it holds S_IDS_MERGE
//  values they move to ids in one sorted pass and ids_new is emptied.
//  Inserting random ids straight into one large table would copy most of
//  its leaf pages at every commit (writes, and free pages on disk).
static int
s_ids_merge (node_store_t *self, MDB_txn *txn, bool force)
{
    MDB_stat st;
    int rc = mdb_stat (txn, self->ids_new, &st);
    if (rc || st.ms_entries == 0
        || (!force && st.ms_entries < self->ids_merge_at))
        return rc;
    MDB_cursor *cur;
    rc = mdb_cursor_open (txn, self->ids_new, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    MDB_val ik = { sizeof s_index_key, (void *) s_index_key };
    rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        rc = mdb_put (txn, self->ids, &ik, &v, 0);
        if (rc == 0)
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    if (rc != MDB_NOTFOUND)
        return rc;
    return mdb_drop (txn, self->ids_new, 0);
}

//  --------------------------------------------------------------------------
//  References, retractions and missing payloads

//  The references of a payload the store could read, copied out of it.
typedef struct {
    bool readable;                  /* the payload decoded                  */
    size_t count;                   /* refs used                            */
    proto_ref_t refs[PROTO_REFS_MAX];
} s_refs_t;

static void
s_ref_val (uint8_t val[S_REF_VAL], uint64_t row)
{
    s_put_be (val, row, S_REF_VAL);
}

//  Decode the references of a stored payload of header h into out: a
//  plaintext payload directly, a RED one only when it is sealed to the
//  opener key. The opened plaintext and its decoded value are wiped before
//  returning (STYLE §4: RED never lingers). Returns 0 (out->readable says
//  whether anything could be read) or ENOMEM.
static int
s_payload_refs (node_store_t *self, const proto_header_t *h,
                const uint8_t *payload, size_t len, s_refs_t *out)
{
    out->readable = false;
    out->count = 0;
    proto_payload_t pl;
    if (h->level != PROTO_LEVEL_RED) {
        if (proto_payload_decode (&pl, payload, len) == PROTO_OK) {
            out->readable = true;
            out->count = pl.ref_count;
            memcpy (out->refs, pl.refs, pl.ref_count * sizeof pl.refs[0]);
        }
        return 0;
    }
    const keys_secret_t *key = self->opener;
    if (!key || len == 0
        || !proto_seal_has_recipient (payload, len, keys_secret_sign_pk (key)))
        return 0;
    uint8_t *plain = malloc (len);   /* the plaintext is shorter */
    if (!plain)
        return ENOMEM;
    size_t plain_len = 0;
    if (proto_seal_open (payload, len, h->author, keys_secret_sign_pk (key),
                         keys_secret_box_pk (key), keys_secret_box_sk (key),
                         plain, len, &plain_len) == 0
        && proto_payload_decode (&pl, plain, plain_len) == PROTO_OK) {
        out->readable = true;
        out->count = pl.ref_count;
        memcpy (out->refs, pl.refs, pl.ref_count * sizeof pl.refs[0]);
    }
    sodium_memzero (&pl, sizeof pl);
    sodium_memzero (plain, len);
    free (plain);
    return 0;
}

//  Is there a retraction record for id? Fills first (may be NULL) with the
//  first one (author || retraction id). Returns 0, MDB_NOTFOUND, an LMDB
//  error, or MDB_CORRUPTED for a record of the wrong size.
static int
s_retract_get (node_store_t *self, MDB_txn *txn,
               const uint8_t id[PROTO_HASH_BYTES],
               uint8_t first[S_RETRACT_VAL])
{
    MDB_val k = { PROTO_HASH_BYTES, (void *) id }, v;
    int rc = mdb_get (txn, self->retracted, &k, &v);
    if (rc)
        return rc;
    if (v.mv_size != S_RETRACT_VAL)
        return MDB_CORRUPTED;
    if (first)
        memcpy (first, v.mv_data, S_RETRACT_VAL);
    return 0;
}

//  Drop row's values for the targets in refs from the refs index.
static int
s_refs_del (node_store_t *self, MDB_txn *txn, const s_refs_t *refs,
            uint64_t row)
{
    uint8_t val[S_REF_VAL];
    s_ref_val (val, row);
    for (size_t i = 0; i < refs->count; i++) {
        MDB_val k = { PROTO_HASH_BYTES, (void *) refs->refs[i].id };
        MDB_val v = { sizeof val, val };
        int rc = mdb_del (txn, self->refs, &k, &v);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

//  Retract the held entry r (loaded) by its own author's retraction
//  (author || id in by): delete its payload and, with it, its references;
//  take it off the missing index; record it. The header stays, so the
//  chain still verifies. A second retraction changes nothing: the first
//  one stands.
static int
s_retract_held (node_store_t *self, MDB_txn *txn, const s_entry_t *r,
                const uint8_t by[S_RETRACT_VAL])
{
    int rc = s_retract_get (self, txn, r->ne.id, NULL);
    if (rc != MDB_NOTFOUND)
        return rc;
    s_row_t key = (s_row_t) r->row;
    MDB_val k = { sizeof key, &key }, v;
    rc = mdb_get (txn, self->payloads, &k, &v);
    if (rc == 0) {
        s_refs_t refs;
        rc = s_payload_refs (self, &r->ne.header, v.mv_data, v.mv_size,
                             &refs);
        if (rc == 0)
            rc = s_refs_del (self, txn, &refs, r->row);
        if (rc == 0)
            rc = mdb_del (txn, self->payloads, &k, NULL);
        sodium_memzero (&refs, sizeof refs);   /* RED: what it named */
    }
    else if (rc == MDB_NOTFOUND)
        rc = 0;
    if (rc)
        return rc;
    rc = mdb_del (txn, self->missing, &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    MDB_val rk = { PROTO_HASH_BYTES, (void *) r->ne.id };
    MDB_val rv = { S_RETRACT_VAL, (void *) by };
    return mdb_put (txn, self->retracted, &rk, &rv, 0);
}

//  A new header id by author is about to be stored: settle the retractions
//  of it that arrived first. One by the same author stands (*marked: store
//  the header without its payload); the others were ordinary references
//  and are dropped, so a held entry has a record only when retracted.
static int
s_retract_pending (node_store_t *self, MDB_txn *txn,
                   const uint8_t id[PROTO_HASH_BYTES],
                   const uint8_t author[PROTO_PK_BYTES], bool *marked)
{
    *marked = false;
    MDB_val k = { PROTO_HASH_BYTES, (void *) id }, v;
    int rc = mdb_get (txn, self->retracted, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;               /* the usual case: nothing waits */
    if (rc)
        return rc;
    uint8_t keep[S_RETRACT_VAL];
    MDB_cursor *cur;
    rc = mdb_cursor_open (txn, self->retracted, &cur);
    if (rc)
        return rc;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_KEY);
    while (rc == 0) {
        if (!*marked && v.mv_size == S_RETRACT_VAL
            && !memcmp (v.mv_data, author, PROTO_PK_BYTES)) {
            memcpy (keep, v.mv_data, S_RETRACT_VAL);
            *marked = true;
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT_DUP);
    }
    mdb_cursor_close (cur);
    if (rc != MDB_NOTFOUND)
        return rc;
    k.mv_size = PROTO_HASH_BYTES;
    k.mv_data = (void *) id;
    rc = mdb_del (txn, self->retracted, &k, NULL);
    if (rc == 0 && *marked) {
        v.mv_size = S_RETRACT_VAL;
        v.mv_data = keep;
        rc = mdb_put (txn, self->retracted, &k, &v, 0);
    }
    return rc;
}

//  May this node hold (some form of) the payload of h? The missing index
//  lists headers held without such a payload.
static bool
s_may_hold (node_store_t *self, const proto_header_t *h)
{
    return self->roster && self->self_set
           && keys_disclosure_payload (self->roster, h, self->self_pk)
                  != KEYS_DISCLOSE_NONE;
}

static int
s_missing_put (node_store_t *self, MDB_txn *txn, uint64_t row, bool append)
{
    s_row_t key = (s_row_t) row;
    MDB_val k = { sizeof key, &key }, v = { 0, NULL };
    return mdb_put (txn, self->missing, &k, &v, append ? MDB_APPEND : 0);
}

//  --------------------------------------------------------------------------
//  Receipts (protocol.md 13.9.7)

//  Could reader have received the payload of the entry with header h:
//  named, if RED (carrying a sealed payload is not receiving it), or in
//  the audience otherwise?
static bool
s_reader_of (const keys_roster_t *roster, const proto_header_t *h,
             const uint8_t reader[PROTO_PK_BYTES])
{
    if (h->level == PROTO_LEVEL_RED) {
        for (size_t i = 0; i < h->audience.node_count; i++)
            if (!memcmp (h->audience.nodes[i], reader, PROTO_PK_BYTES))
                return true;
        return false;
    }
    return keys_disclosure_payload (roster, h, reader)
           == KEYS_DISCLOSE_PLAINTEXT;
}

//  The payload of another member's entry h, at row, was just stored here:
//  if h asks for a receipt and this node is one of its readers, queue one
//  in the same transaction, so that a crash cannot lose it.
static int
s_receipt_due (node_store_t *self, MDB_txn *txn, const proto_header_t *h,
               uint64_t row, uint64_t now_ms)
{
    if (!(h->flags & PROTO_FLAG_RECEIPT) || !self->self_set
        || !memcmp (h->author, self->self_pk, PROTO_PK_BYTES)
        || !s_reader_of (self->roster, h, self->self_pk))
        return 0;
    s_row_t key = (s_row_t) row;
    uint8_t when[8];
    s_put_le (when, now_ms, 8);
    MDB_val k = { sizeof key, &key }, v = { sizeof when, when };
    return mdb_put (txn, self->receipts, &k, &v, 0);
}

//  Does target (held here) fit a receipt or acknowledgement by h: its
//  author is among those h is addressed to, and h's author could have
//  received it and is not its author?
static bool
s_confirms_rightly (node_store_t *self, const proto_header_t *h,
                    const proto_header_t *target)
{
    bool addressed = false;
    for (size_t i = 0; i < h->audience.node_count && !addressed; i++)
        addressed = !memcmp (h->audience.nodes[i], target->author,
                             PROTO_PK_BYTES);
    return addressed
           && memcmp (target->author, h->author, PROTO_PK_BYTES) != 0
           && s_reader_of (self->roster, target, h->author);
}

//  A receipt or acknowledgement arriving with its payload: refuse one not
//  as specified, not addressed to named nodes, or confirming a held entry
//  its author could not have received (PROTO_REJECT_RECEIPT in *reason).
//  Entries not held here cannot be checked here; their authors check
//  them. Returns an LMDB code.
static int
s_receipt_check (node_store_t *self, MDB_txn *txn, const proto_header_t *h,
                 const uint8_t *payload, size_t len, s_entry_t *scratch,
                 proto_reject_t *reason)
{
    *reason = PROTO_OK;
    //  Most payloads are neither: look at the kind octet (after the magic
    //  and version, protocol.md 6.1) before decoding the whole payload.
    if (h->level == PROTO_LEVEL_RED || len < 4
        || (payload[3] != PROTO_KIND_RECEIPT && payload[3] != PROTO_KIND_ACK))
        return 0;
    proto_payload_t p;
    if (proto_payload_decode (&p, payload, len) != PROTO_OK
        || (p.kind != PROTO_KIND_RECEIPT && p.kind != PROTO_KIND_ACK))
        return 0;
    if (h->audience.type != PROTO_AUDIENCE_NODES
        || proto_receipt_payload_check (&p) != PROTO_OK) {
        *reason = PROTO_REJECT_RECEIPT;
        return 0;
    }
    proto_receipt_item_t *items = NULL;
    size_t n = 1;
    if (p.kind == PROTO_KIND_RECEIPT) {
        items = malloc (PROTO_RECEIPT_ITEMS_MAX * sizeof *items);
        if (!items)
            return ENOMEM;
        proto_reject_t r = proto_receipt_body_decode (p.body, p.body_len,
                                                      items, &n);
        assert (r == PROTO_OK);        /* proto_receipt_payload_check      */
        (void) r;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0 && *reason == PROTO_OK; i++) {
        const uint8_t *target = items ? items[i].id : p.refs[0].id;
        rc = s_find_entry (self, txn, target, scratch, false);
        if (rc == 0 && !s_confirms_rightly (self, h, &scratch->ne.header))
            *reason = PROTO_REJECT_RECEIPT;
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    free (items);
    return rc;
}

//  Apply the references refs of entry E (header h, id, at row): index
//  them, and apply E's retractions (13.9.3): only the retracted entry's
//  own author may retract it; a target not held yet is remembered for
//  s_retract_pending. scratch is any free entry.
static int
s_apply_refs (node_store_t *self, MDB_txn *txn, uint64_t row,
              const proto_header_t *h, const uint8_t id[PROTO_HASH_BYTES],
              const s_refs_t *refs, s_entry_t *scratch)
{
    uint8_t val[S_REF_VAL];
    s_ref_val (val, row);
    uint8_t by[S_RETRACT_VAL];
    memcpy (by, h->author, PROTO_PK_BYTES);
    memcpy (by + PROTO_PK_BYTES, id, PROTO_HASH_BYTES);
    for (size_t i = 0; i < refs->count; i++) {
        const proto_ref_t *ref = &refs->refs[i];
        MDB_val k = { PROTO_HASH_BYTES, (void *) ref->id };
        MDB_val v = { sizeof val, val };
        int rc = mdb_put (txn, self->refs, &k, &v, MDB_NODUPDATA);
        if (rc && rc != MDB_KEYEXIST)
            return rc;
        if (ref->relation != PROTO_REL_RETRACTION)
            continue;
        rc = s_find_entry (self, txn, ref->id, scratch, false);
        if (rc == 0) {
            //  Another author's "retraction" is an ordinary reference.
            if (!memcmp (scratch->ne.header.author, h->author,
                         PROTO_PK_BYTES))
                rc = s_retract_held (self, txn, scratch, by);
        }
        else if (rc == MDB_NOTFOUND) {
            v.mv_size = sizeof by;
            v.mv_data = by;
            rc = mdb_put (txn, self->retracted, &k, &v, MDB_NODUPDATA);
            if (rc == MDB_KEYEXIST)
                rc = 0;
        }
        if (rc)
            return rc;
    }
    return 0;
}

//  Entry E (header h, id, at row) was stored with its payload: index the
//  references the store can read and apply E's retractions.
static int
s_index_payload (node_store_t *self, MDB_txn *txn, uint64_t row,
                 const proto_header_t *h, const uint8_t id[PROTO_HASH_BYTES],
                 const uint8_t *payload, size_t len, s_entry_t *scratch)
{
    s_refs_t refs;
    int rc = s_payload_refs (self, h, payload, len, &refs);
    if (rc == 0 && refs.count)
        rc = s_apply_refs (self, txn, row, h, id, &refs, scratch);
    if (h->level == PROTO_LEVEL_RED)
        sodium_memzero (&refs, sizeof refs);
    return rc;
}

//  What the missing index was built for: the roster's hash and self's key.
//  Needs both set.
static void
s_missing_stamp (node_store_t *self, uint8_t stamp[S_STAMP_BYTES])
{
    if (keys_roster_hash (self->roster, stamp) != 0)
        memset (stamp, 0, PROTO_HASH_BYTES);
    memcpy (stamp + PROTO_HASH_BYTES, self->self_pk, PROTO_PK_BYTES);
}

static int
s_missing_stamp_get (node_store_t *self, MDB_txn *txn,
                     uint8_t stamp[S_STAMP_BYTES])
{
    MDB_val k = { 7, "missing" }, v;
    int rc = mdb_get (txn, self->meta, &k, &v);
    if (rc == 0 && v.mv_size != S_STAMP_BYTES)
        rc = MDB_NOTFOUND;      /* rebuilt and rewritten */
    if (rc == 0)
        memcpy (stamp, v.mv_data, S_STAMP_BYTES);
    return rc;
}

//  Rebuild the missing index for the roster and self in force: every
//  header held without its payload, not retracted, whose payload this node
//  may hold. One pass over the log beside the payloads.
static int
s_missing_rebuild_txn (node_store_t *self, MDB_txn *txn, void *arg,
                       bool *commit)
{
    (void) arg;
    s_entry_t *e = malloc (sizeof *e);
    if (!e)
        return ENOMEM;
    MDB_cursor *log = NULL, *pay = NULL;
    int rc = mdb_drop (txn, self->missing, 0);
    if (rc == 0)
        rc = mdb_cursor_open (txn, self->log, &log);
    if (rc == 0)
        rc = mdb_cursor_open (txn, self->payloads, &pay);
    MDB_val k, v, pk, pv;
    bool pay_more = false;
    if (rc == 0) {
        rc = mdb_cursor_get (pay, &pk, &pv, MDB_FIRST);
        pay_more = rc == 0;
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    if (rc == 0)
        rc = mdb_cursor_get (log, &k, &v, MDB_FIRST);
    while (rc == 0) {
        s_row_t row, prow = 0;
        if (k.mv_size != sizeof row) {
            rc = MDB_CORRUPTED;
            break;
        }
        memcpy (&row, k.mv_data, sizeof row);
        //  Both tables are in row order: walk the payloads alongside.
        while (pay_more) {
            if (pk.mv_size != sizeof prow) {
                rc = MDB_CORRUPTED;
                break;
            }
            memcpy (&prow, pk.mv_data, sizeof prow);
            if (prow >= row)
                break;
            rc = mdb_cursor_get (pay, &pk, &pv, MDB_NEXT);
            pay_more = rc == 0;
            if (rc == MDB_NOTFOUND)
                rc = 0;
        }
        if (rc)
            break;
        if (!pay_more || prow != row) {
            rc = s_load_rec (self, txn, row, &v, e, false, false);
            if (rc == 0 && s_may_hold (self, &e->ne.header)) {
                rc = s_retract_get (self, txn, e->ne.id, NULL);
                if (rc == MDB_NOTFOUND)
                    rc = s_missing_put (self, txn, row, true);
            }
            if (rc)
                break;
        }
        rc = mdb_cursor_get (log, &k, &v, MDB_NEXT);
    }
    if (pay)
        mdb_cursor_close (pay);
    if (log)
        mdb_cursor_close (log);
    free (e);
    if (rc != MDB_NOTFOUND)
        return rc;
    uint8_t stamp[S_STAMP_BYTES];
    s_missing_stamp (self, stamp);
    k.mv_size = 7;
    k.mv_data = "missing";
    v.mv_size = sizeof stamp;
    v.mv_data = stamp;
    rc = mdb_put (txn, self->meta, &k, &v, 0);
    if (rc == 0)
        *commit = true;
    return rc;
}

//  Before the missing index is used or written: if the roster or self key
//  changed since it was built (or it never was), rebuild it, so that it
//  lists exactly what the disclosure rule in force lets this node hold.
//  A roster change is rare; the common case is one read of the stamp.
//  Returns 0, or -1 with last_error set.
static int
s_missing_refresh (node_store_t *self)
{
    if (!self->missing_check || !self->roster || !self->self_set)
        return 0;
    uint8_t want[S_STAMP_BYTES], have[S_STAMP_BYTES];
    s_missing_stamp (self, want);
    MDB_txn *txn;
    int rc = s_txn_begin (self, MDB_RDONLY, &txn);
    if (rc) {
        s_mdb_error (self, "missing index", rc);
        return -1;
    }
    rc = s_missing_stamp_get (self, txn, have);
    s_txn_end (self, txn);
    if (rc && rc != MDB_NOTFOUND) {
        s_mdb_error (self, "missing index", rc);
        return -1;
    }
    if (rc == MDB_NOTFOUND || memcmp (have, want, sizeof want)) {
        if (s_write (self, s_missing_rebuild_txn, NULL, "missing index"))
            return -1;
    }
    self->missing_check = false;
    return 0;
}

//  Schema 1 -> 2: index the references of every payload held and apply
//  the retractions among them, in row order (a retraction comes after what
//  it retracts); then record the new version. The missing index follows
//  at the first s_missing_refresh (no stamp yet). RED payloads are not
//  opened here (no opener is set while opening).
static int
s_migrate_txn (node_store_t *self, MDB_txn *txn, void *arg, bool *commit)
{
    (void) arg;
    s_entry_t *e = malloc (2 * sizeof *e);
    if (!e)
        return ENOMEM;
    int rc = mdb_drop (txn, self->refs, 0);
    if (rc == 0)
        rc = mdb_drop (txn, self->retracted, 0);
    if (rc == 0)
        rc = mdb_drop (txn, self->missing, 0);
    uint64_t last = 0;
    MDB_cursor *cur;
    if (rc == 0 && (rc = mdb_cursor_open (txn, self->log, &cur)) == 0) {
        MDB_val k, v;
        rc = mdb_cursor_get (cur, &k, &v, MDB_LAST);
        if (rc == 0 && k.mv_size == sizeof (s_row_t)) {
            s_row_t r;
            memcpy (&r, k.mv_data, sizeof r);
            last = r;
        }
        else if (rc == 0)
            rc = MDB_CORRUPTED;
        if (rc == MDB_NOTFOUND)
            rc = 0;
        mdb_cursor_close (cur);
    }
    //  Row by row (not a cursor): purging writes to the payloads table.
    for (uint64_t row = 1; rc == 0 && row <= last; row++) {
        rc = s_load (self, txn, row, &e[0], false, true);
        if (rc == 0 && e[0].ne.payload)
            rc = s_index_payload (self, txn, row, &e[0].ne.header,
                                  e[0].ne.id, e[0].ne.payload,
                                  e[0].ne.payload_len, &e[1]);
        else if (rc == MDB_NOTFOUND || rc == MDB_CORRUPTED)
            rc = 0;             /* fsck names a damaged row */
    }
    free (e);
    if (rc)
        return rc;
    MDB_val k = { 6, "schema" }, v;
    uint8_t ver[4];
    s_put_le (ver, S_SCHEMA_VERSION, 4);
    v.mv_size = sizeof ver;
    v.mv_data = ver;
    rc = mdb_put (txn, self->meta, &k, &v, 0);
    if (rc == 0)
        *commit = true;
    return rc;
}

//  --------------------------------------------------------------------------
//  Open and close

static int
s_open_dbis (node_store_t *self, MDB_txn *txn)
{
    struct {
        const char *name;
        unsigned flags;
        MDB_dbi *dbi;
    } dbs[] = {
        { "log", MDB_INTEGERKEY, &self->log },
        { "payloads", MDB_INTEGERKEY, &self->payloads },
        { "chain", MDB_INTEGERKEY | MDB_DUPSORT | MDB_DUPFIXED, &self->chain },
        { "ids", MDB_DUPSORT | MDB_DUPFIXED, &self->ids },
        { "ids_new", MDB_DUPSORT | MDB_DUPFIXED, &self->ids_new },
        { "times", MDB_DUPSORT | MDB_DUPFIXED, &self->times },
        { "heads", 0, &self->heads },
        { "authors", MDB_INTEGERKEY, &self->authors },
        { "forks", 0, &self->forks },
        { "refs", MDB_DUPSORT | MDB_DUPFIXED, &self->refs },
        { "retracted", MDB_DUPSORT | MDB_DUPFIXED, &self->retracted },
        { "missing", MDB_INTEGERKEY, &self->missing },
        { "receipts", MDB_INTEGERKEY, &self->receipts },
        { "meta", 0, &self->meta },
    };
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
        int rc = mdb_dbi_open (txn, dbs[i].name, dbs[i].flags | MDB_CREATE,
                               dbs[i].dbi);
        if (rc)
            return rc;
    }
    return 0;
}

static int
s_prepare_dir (const char *dir, char *err, size_t errlen)
{
    if (mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (err, errlen, "cannot create store directory %s: %s", dir,
                  strerror (errno));
        return -1;
    }
    struct stat sb;
    if (stat (dir, &sb)) {
        snprintf (err, errlen, "cannot read store directory %s: %s", dir,
                  strerror (errno));
        return -1;
    }
    if (!S_ISDIR (sb.st_mode)) {
        snprintf (err, errlen, "store path %s is not a directory", dir);
        return -1;
    }
    //  The log holds payloads this node is cleared for: owner only.
    if ((sb.st_mode & 077) && chmod (dir, 0700)) {
        snprintf (err, errlen, "cannot restrict %s to mode 0700: %s", dir,
                  strerror (errno));
        return -1;
    }
    return 0;
}

node_store_t *
node_store_open (const char *dir, size_t map_size, size_t max_map_size,
                 char *err, size_t errlen)
{
    assert (dir);
    char dummy[1];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (errlen)
        err[0] = 0;
    size_t page = (size_t) sysconf (_SC_PAGESIZE);
    if (!map_size)
        map_size = NODE_STORE_DEFAULT_MAP;
    if (!max_map_size)
        max_map_size = NODE_STORE_DEFAULT_MAX_MAP;
    if (max_map_size < map_size)
        max_map_size = map_size;
    map_size = (map_size + page - 1) / page * page;
    max_map_size = max_map_size / page * page;
    if (max_map_size < map_size)
        max_map_size = map_size;

    if (s_prepare_dir (dir, err, errlen))
        return NULL;
    node_store_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->max_map_size = max_map_size;
    char data_path[4096];
    struct stat st;
    snprintf (data_path, sizeof data_path, "%s/data.mdb", dir);
    self->ids_merge_at = S_IDS_MERGE;
    const char *step = "mdb_env_create";
    int rc = mdb_env_create (&self->env);
    if (rc == 0) {
        step = "mdb_env_set_maxdbs";
        rc = mdb_env_set_maxdbs (self->env, S_MAX_DBS);
    }
    if (rc == 0) {
        step = "mdb_env_set_mapsize";
        rc = mdb_env_set_mapsize (self->env, map_size);
    }
    if (rc == 0) {
        //  MDB_NOTLS: the handle may move between threads (actor), and fsck
        //  hands read transactions to worker threads. No MDB_NOSYNC,
        //  MDB_NOMETASYNC or MDB_WRITEMAP: commits are durable.
        //  MDB_NORDAHEAD: the indexes are read at random; readahead (and
        //  the kernel's fault-around) would map pages nobody asked for and
        //  grow the process's resident size with the store.
        step = "mdb_env_open";
        rc = mdb_env_open (self->env, dir, MDB_NOTLS | MDB_NORDAHEAD, 0600);
    }
    if (rc == 0 && stat (data_path, &st) == 0) {
        self->data_dev = st.st_dev;
        self->data_ino = st.st_ino;
    }
    if (rc == 0) {
        //  Free reader slots left behind by killed processes.
        int dead = 0;
        step = "mdb_reader_check";
        rc = mdb_reader_check (self->env, &dead);
    }
    MDB_txn *txn = NULL;
    if (rc == 0) {
        step = "begin";
        rc = s_txn_begin (self, 0, &txn);
    }
    bool migrate = false;
    if (rc == 0) {
        step = "opening tables";
        //  Creates the tables a store of an older schema lacks (version 1:
        //  refs, retracted, missing), empty; s_migrate_txn fills them.
        rc = s_open_dbis (self, txn);
        if (rc == 0) {
            MDB_val k = { 6, "schema" }, v;
            rc = mdb_get (txn, self->meta, &k, &v);
            if (rc == MDB_NOTFOUND) {
                uint8_t ver[4];
                s_put_le (ver, S_SCHEMA_VERSION, 4);
                v.mv_size = sizeof ver;
                v.mv_data = ver;
                rc = mdb_put (txn, self->meta, &k, &v, 0);
            }
            else if (rc == 0 && v.mv_size == 4
                     && s_get_le (v.mv_data, 4) == 1)
                migrate = true;
            else if (rc == 0
                     && (v.mv_size != 4
                         || s_get_le (v.mv_data, 4) != S_SCHEMA_VERSION)) {
                snprintf (err, errlen,
                          "store %s has schema version %" PRIu64
                          ", this build reads versions 1 to %d",
                          dir, v.mv_size == 4 ? s_get_le (v.mv_data, 4) : 0,
                          S_SCHEMA_VERSION);
                s_txn_end (self, txn);
                node_store_destroy (&self);
                return NULL;
            }
        }
        if (rc == 0) {
            step = "commit";
            rc = s_txn_commit (self, txn);
        }
        else
            s_txn_end (self, txn);
    }
    if (rc) {
        snprintf (err, errlen, "cannot open store %s (%s): %s", dir, step,
                  mdb_strerror (rc));
        node_store_destroy (&self);
        return NULL;
    }
    if (migrate && s_write (self, s_migrate_txn, NULL, "migrate")) {
        snprintf (err, errlen,
                  "cannot migrate store %s to schema version %d: %s", dir,
                  S_SCHEMA_VERSION, self->last_error);
        node_store_destroy (&self);
        return NULL;
    }
    if (s_txn_begin (self, MDB_RDONLY, &txn) == 0) {
        s_cache_authors (self, txn);
        s_txn_end (self, txn);
    }
    //  The missing index was built for some roster and self key: compare
    //  before its first use (s_missing_refresh).
    self->missing_check = true;
    return self;
}

void
node_store_destroy (node_store_t **self_p)
{
    assert (self_p);
    node_store_t *self = *self_p;
    if (!self)
        return;
    if (self->env)
        mdb_env_close (self->env);
    free (self->author_pk);
    free (self);
    *self_p = NULL;
}

void
node_store_set_roster (node_store_t *self, const keys_roster_t *roster)
{
    assert (self);
    self->roster = roster;
    self->missing_check = true;
}

void
node_store_set_self (node_store_t *self, const uint8_t pk[PROTO_PK_BYTES])
{
    assert (self);
    assert (pk);
    memcpy (self->self_pk, pk, PROTO_PK_BYTES);
    self->self_set = true;
    self->missing_check = true;
}

void
node_store_set_opener (node_store_t *self, const keys_secret_t *key)
{
    assert (self);
    self->opener = key;
}

const char *
node_store_last_error (const node_store_t *self)
{
    assert (self);
    return self->last_error;
}

//  --------------------------------------------------------------------------
//  Checks shared by post and append

//  May this node keep this payload for this header? Length, hash and form
//  (proto_payload_matches: for RED the seal's structure and recipients),
//  and THE disclosure rule for self: plaintext only inside its audience,
//  sealed for any member.
static proto_reject_t
s_payload_check (node_store_t *self, const proto_header_t *h,
                 const uint8_t *payload, size_t len)
{
    proto_reject_t r = proto_payload_matches (h, payload, len);
    if (r != PROTO_OK)
        return r;
    keys_disclosure_t d = keys_disclosure_payload (self->roster, h,
                                                   self->self_pk);
    if (h->level == PROTO_LEVEL_RED)
        return d == KEYS_DISCLOSE_NONE ? PROTO_REJECT_NOT_CLEARED : PROTO_OK;
    return d == KEYS_DISCLOSE_PLAINTEXT ? PROTO_OK : PROTO_REJECT_NOT_CLEARED;
}

//  Everything about a new own entry except its signature and chain.
static proto_reject_t
s_post_check (node_store_t *self, const proto_header_t *h,
              const uint8_t *payload, size_t len)
{
    if (!proto_level_valid ((int) h->level)
        || (h->flags & ~PROTO_FLAGS_KNOWN))
        return PROTO_REJECT_FIELD;
    if (len == 0 || len > PROTO_STORED_PAYLOAD_MAX)
        return PROTO_REJECT_PAYLOAD_LEN;
    const proto_audience_t *a = &h->audience;
    switch (a->type) {
    case PROTO_AUDIENCE_COUNCIL:
        break;
    case PROTO_AUDIENCE_GROUP:
        if (!keys_roster_group_exists (self->roster, a->group))
            return PROTO_REJECT_AUDIENCE;
        break;
    case PROTO_AUDIENCE_NODES:
        if (a->node_count == 0 || a->node_count > PROTO_AUDIENCE_MAX_NODES)
            return PROTO_REJECT_AUDIENCE;
        for (size_t i = 0; i < a->node_count; i++)
            //  A retired key may be named by an entry of before its
            //  retirement, which must stay valid (s_author_check).
            if (!keys_roster_member_by_key (self->roster, a->nodes[i])
                && !keys_roster_retired_by_key (self->roster, a->nodes[i]))
                return PROTO_REJECT_AUDIENCE;
        break;
    default:
        return PROTO_REJECT_AUDIENCE;
    }
    //  RED stays with named recipients: it is sealed to named nodes.
    if (h->level == PROTO_LEVEL_RED && a->type != PROTO_AUDIENCE_NODES)
        return PROTO_REJECT_AUDIENCE;
    //  RED <=> sealed form. The seal's structure and recipients are checked
    //  by proto_payload_matches once the hash is known (s_post_txn).
    if (h->level == PROTO_LEVEL_RED ? !proto_seal_is_sealed (payload, len)
                                    : !proto_payload_is_plaintext (payload,
                                                                   len))
        return PROTO_REJECT_SEALING;
    keys_disclosure_t d = keys_disclosure_payload (self->roster, h,
                                                   self->self_pk);
    if (h->level == PROTO_LEVEL_RED ? d == KEYS_DISCLOSE_NONE
                                    : d != KEYS_DISCLOSE_PLAINTEXT)
        return PROTO_REJECT_NOT_CLEARED;
    return PROTO_OK;
}

//  --------------------------------------------------------------------------
//  Post

//  Scratch for preparing own entries (one per thread that prepares).
typedef struct {
    proto_header_t h;
    uint8_t stub[PROTO_STUB_MAX];
    s_entry_t check;
} s_scratch_t;

//  The header of post p by key, with zero seq, prev, time and hash. Copies
//  only the audience's used part (the struct is 2 KiB, mostly node slots).
static void
s_post_header (proto_header_t *h, const keys_secret_t *key,
               const node_post_t *p)
{
    memcpy (h->author, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    h->seq = 0;
    memset (h->prev, 0, PROTO_HASH_BYTES);
    h->timestamp_ms = 0;
    h->level = p->level;
    h->flags = p->flags;
    const proto_audience_t *a = &p->audience;
    h->audience.type = a->type;
    memcpy (h->audience.group, a->group, sizeof a->group);
    h->audience.node_count = a->node_count;
    size_t nodes = a->node_count < PROTO_AUDIENCE_MAX_NODES
                       ? a->node_count : PROTO_AUDIENCE_MAX_NODES;
    memcpy (h->audience.nodes, a->nodes, nodes * PROTO_PK_BYTES);
    h->payload_len = (uint32_t) p->payload_len;
    memset (h->payload_hash, 0, PROTO_HASH_BYTES);
}

//  The author timestamp of head's entry (the chain's last), loaded into
//  scratch. Returns an LMDB code.
static int
s_head_time (node_store_t *self, MDB_txn *txn, const s_head_t *head,
             s_entry_t *scratch, uint64_t *timestamp_ms)
{
    int rc = s_load (self, txn, head->row, scratch, false, false);
    if (rc == MDB_NOTFOUND)
        rc = MDB_CORRUPTED;       /* a head's row is always in the log      */
    if (rc == 0)
        *timestamp_ms = scratch->ne.header.timestamp_ms;
    return rc;
}

//  The clock policy's order rule (docs/protocol.md 5.6): an entry may be
//  stamped before the previous one of its chain by at most the allowed
//  skew (a clock stepped back a little), never more.
static bool
s_time_order_ok (uint64_t timestamp_ms, uint64_t previous_ms)
{
    return timestamp_ms + PROTO_CLOCK_SKEW_MAX_MS >= previous_ms;
}

//  Check post p (everything but the chain) and hash its payload into prep.
static proto_reject_t
s_post_check_hash (node_store_t *self, const keys_secret_t *key,
                   const node_post_t *p, s_prep_t *prep, proto_header_t *h)
{
    s_post_header (h, key, p);
    proto_reject_t r = s_post_check (self, h, p->payload, p->payload_len);
    if (r != PROTO_OK)
        return r;
    proto_hash (h->payload_hash, p->payload, p->payload_len);
    memcpy (prep->payload_hash, h->payload_hash, PROTO_HASH_BYTES);
    //  RED: sealed to exactly the named nodes and the author.
    if (h->level == PROTO_LEVEL_RED)
        r = proto_payload_matches (h, p->payload, p->payload_len);
    return r;
}

//  Sign the checked post p as entry seq after prev and make its record.
static proto_reject_t
s_post_sign (const keys_secret_t *key, const node_post_t *p, uint64_t seq,
             const uint8_t prev[PROTO_HASH_BYTES], uint64_t timestamp_ms,
             uint32_t idx, uint64_t stored_ms, s_prep_t *prep, s_scratch_t *x)
{
    proto_header_t *h = &x->h;
    s_post_header (h, key, p);
    h->seq = seq;
    memcpy (h->prev, prev, PROTO_HASH_BYTES);
    h->timestamp_ms = timestamp_ms;
    memcpy (h->payload_hash, prep->payload_hash, PROTO_HASH_BYTES);
    //  Signed here, so correct by construction: not verified again (that
    //  would halve the rate); fsck re-verifies every signature.
    size_t len = proto_entry_sign (h, keys_secret_sign_sk (key), x->stub,
                                   sizeof x->stub);
    if (!len)
        return PROTO_REJECT_FIELD;
    proto_entry_id (prep->id, x->stub, len);
    s_make_record (h, x->stub, len, idx, stored_ms, prep, &x->check);
    return PROTO_OK;
}

typedef struct {
    const keys_secret_t *key;
    const node_post_t *posts;
    size_t n;
    uint8_t (*ids)[PROTO_HASH_BYTES];
    proto_reject_t reason;
    s_prep_t prep;                  /* scratch                              */
    s_scratch_t x;                  /* scratch                              */
    s_entry_t previous;             /* scratch: the chain's last entry      */
} s_post_op_t;

static int
s_post_txn (node_store_t *self, MDB_txn *txn, void *arg, bool *commit)
{
    s_post_op_t *op = arg;
    const uint8_t *pk = keys_secret_sign_pk (op->key);
    s_wstate_t st;
    int rc = s_wstate_init (self, txn, &st);
    if (rc)
        return rc;
    s_head_t head;
    rc = s_head_get (self, txn, pk, &head);
    if (rc)
        return rc;
    if (head.frozen) {
        op->reason = PROTO_REJECT_FROZEN;
        return 0;
    }
    uint64_t previous_ms = 0;
    if (head.exists && head.seq > 0
        && (rc = s_head_time (self, txn, &head, &op->previous, &previous_ms)))
        return rc;
    if (!head.exists && (rc = s_author_new (self, txn, pk, &head)))
        return rc;

    //  Each entry chains on the one before, so they are signed in order.
    op->reason = PROTO_OK;
    for (size_t i = 0; i < op->n && rc == 0; i++) {
        const node_post_t *p = &op->posts[i];
        //  Never sign what the clock policy makes peers refuse or defer
        //  (docs/protocol.md 5.6): a clock gone back, or a stamp ahead.
        uint64_t timestamp_ms = p->timestamp_ms ? p->timestamp_ms
                                                : proto_now_ms ();
        if (!s_time_order_ok (timestamp_ms, previous_ms)) {
            op->reason = PROTO_REJECT_TIME_ORDER;
            break;
        }
        if (timestamp_ms > st.now_ms + PROTO_CLOCK_SKEW_MAX_MS) {
            op->reason = PROTO_REJECT_TIME_AHEAD;
            break;
        }
        previous_ms = timestamp_ms;
        op->reason = s_post_check_hash (self, op->key, p, &op->prep,
                                        &op->x.h);
        if (op->reason == PROTO_OK)
            op->reason = s_post_sign (op->key, p, head.seq + 1, head.id,
                                      timestamp_ms, head.idx, st.now_ms,
                                      &op->prep, &op->x);
        if (op->reason != PROTO_OK)
            break;
        memcpy (op->ids[i], op->prep.id, PROTO_HASH_BYTES);
        rc = s_put_entry (self, txn, &st, &head, &op->prep, p->payload,
                          p->payload_len);
        //  No retraction of a new own entry can be waiting: it would have
        //  to be an earlier entry of this chain naming this one's id,
        //  which hashes that very entry (through prev).
        if (rc == 0)
            rc = s_index_payload (self, txn, head.row, &op->x.h,
                                  op->prep.id, p->payload, p->payload_len,
                                  &op->x.check);
    }
    if (rc || op->reason != PROTO_OK)
        return rc;
    rc = s_head_put (self, txn, pk, &head);
    if (rc == 0)
        rc = s_ids_merge (self, txn, false);
    if (rc)
        return rc;
    *commit = true;
    return 0;
}

proto_reject_t
node_store_post (node_store_t *self, const keys_secret_t *key,
                 const node_post_t *posts, size_t n,
                 uint8_t (*ids)[PROTO_HASH_BYTES])
{
    assert (self);
    assert (key);
    assert (posts || n == 0);
    assert (ids || n == 0);
    assert (self->roster && self->self_set);
    self->last_error[0] = 0;
    if (n == 0)
        return PROTO_OK;
    for (size_t i = 0; i < n; i++)
        assert (posts[i].payload || posts[i].payload_len == 0);
    if (keys_roster_revoked (self->roster, keys_secret_sign_pk (key)))
        return PROTO_REJECT_REVOKED;
    if (!keys_roster_member_by_key (self->roster, keys_secret_sign_pk (key)))
        return PROTO_REJECT_UNKNOWN_AUTHOR;
    if (s_missing_refresh (self))
        return PROTO_REJECT_STORAGE;
    s_post_op_t *op = malloc (sizeof *op);
    if (!op) {
        s_error (self, "post: out of memory");
        return PROTO_REJECT_STORAGE;
    }
    op->key = key;
    op->posts = posts;
    op->n = n;
    op->ids = ids;
    op->reason = PROTO_REJECT_STORAGE;
    proto_reject_t reason = PROTO_REJECT_STORAGE;
    if (s_write (self, s_post_txn, op, "post") == 0)
        reason = op->reason;
    free (op);
    return reason;
}

//  --------------------------------------------------------------------------
//  Append

typedef struct {
    const node_append_t *items;
    size_t n;
    const proto_reject_t *pre;      /* reasons from the checks done before
                                       the transaction (signature, roster)  */
    proto_reject_t *results;
    s_entry_t held;                 /* scratch: the entry held at a seq     */
    proto_header_t h;               /* scratch                              */
    s_prep_t prep;                  /* scratch                              */
    s_entry_t check;                /* scratch                              */
} s_append_op_t;

static int
s_append_fork (node_store_t *self, MDB_txn *txn, s_head_t *head,
               const proto_header_t *h, const s_entry_t *held,
               const uint8_t *stub, size_t stub_len, uint64_t now_ms)
{
    //  Evidence: both signed stubs, so any operator can show the Council
    //  that the author signed two entries at one seq.
    uint8_t key[PROTO_PK_BYTES + 8];
    memcpy (key, h->author, PROTO_PK_BYTES);
    s_put_be (key + PROTO_PK_BYTES, h->seq, 8);
    size_t len = 8 + 2 + held->ne.stub_len + 2 + stub_len;
    uint8_t *val = malloc (len);
    if (!val)
        return ENOMEM;
    uint8_t *p = val;
    s_put_le (p, now_ms, 8);
    p += 8;
    s_put_le (p, held->ne.stub_len, 2);
    p += 2;
    memcpy (p, held->ne.stub, held->ne.stub_len);
    p += held->ne.stub_len;
    s_put_le (p, stub_len, 2);
    p += 2;
    memcpy (p, stub, stub_len);
    MDB_val k = { sizeof key, key }, v = { len, val };
    int rc = mdb_put (txn, self->forks, &k, &v, 0);
    free (val);
    if (rc)
        return rc;
    head->frozen = true;
    return s_head_put (self, txn, h->author, head);
}

//  One entry whose signature and author were checked already. Returns an
//  LMDB code; the entry's reason goes to *reason.
static int
s_append_one (node_store_t *self, MDB_txn *txn, s_wstate_t *st,
              MDB_cursor *chain, s_append_op_t *op, const node_append_t *it,
              proto_reject_t *reason, bool *dirty)
{
    proto_header_t *h = &op->h;
    uint8_t sig[PROTO_SIG_BYTES];
    *reason = proto_stub_decode (h, sig, it->stub, it->stub_len);
    if (*reason != PROTO_OK)
        return 0;
    s_head_t head;
    int rc = s_head_get (self, txn, h->author, &head);
    if (rc)
        return rc;
    if (head.frozen) {
        *reason = PROTO_REJECT_FROZEN;
        return 0;
    }
    uint8_t id[PROTO_HASH_BYTES];
    proto_entry_id (id, it->stub, it->stub_len);

    if (head.exists && h->seq >= 1 && h->seq <= head.seq) {
        uint64_t row;
        rc = s_chain_row (self, chain, head.idx, h->seq, &row);
        if (rc == MDB_NOTFOUND)
            rc = MDB_CORRUPTED;   /* a held seq must be in the chain index */
        if (rc == 0)
            rc = s_load (self, txn, row, &op->held, false, true);
        if (rc)
            return rc;
        if (memcmp (op->held.ne.id, id, PROTO_HASH_BYTES)) {
            rc = s_append_fork (self, txn, &head, h, &op->held, it->stub,
                                it->stub_len, st->now_ms);
            if (rc)
                return rc;
            *dirty = true;
            *reason = PROTO_REJECT_FORK;
            return 0;
        }
        *reason = PROTO_REJECT_DUPLICATE;
        if (it->payload && !op->held.ne.payload) {
            //  The header came first, the payload now: keep it if valid and
            //  cleared; a bad one is refused with its own reason.
            proto_reject_t r = s_payload_check (self, h, it->payload,
                                                it->payload_len);
            if (r == PROTO_OK) {
                rc = s_receipt_check (self, txn, h, it->payload,
                                      it->payload_len, &op->check, &r);
                if (rc)
                    return rc;
            }
            if (r != PROTO_OK) {
                *reason = r;
                return 0;
            }
            //  A held entry has a retraction record only once retracted:
            //  its payload is never stored again (13.9.3).
            rc = s_retract_get (self, txn, id, NULL);
            if (rc == 0) {
                *reason = PROTO_REJECT_RETRACTED;
                return 0;
            }
            if (rc != MDB_NOTFOUND)
                return rc;
            s_row_t key = (s_row_t) row;
            MDB_val k = { sizeof key, &key };
            MDB_val v = { it->payload_len, (void *) it->payload };
            rc = mdb_put (txn, self->payloads, &k, &v, 0);
            if (rc == 0)
                rc = mdb_del (txn, self->missing, &k, NULL);
            if (rc == MDB_NOTFOUND)
                rc = 0;
            if (rc == 0)
                rc = s_index_payload (self, txn, row, h, id, it->payload,
                                      it->payload_len, &op->held);
            if (rc == 0)
                rc = s_receipt_due (self, txn, h, row, st->now_ms);
            if (rc)
                return rc;
            *dirty = true;
        }
        return 0;
    }
    if (h->seq != head.seq + 1) {
        *reason = PROTO_REJECT_CHAIN_SEQ;
        return 0;
    }
    //  Zero prev at seq 1 (head.id is zero when there is no head).
    if (memcmp (h->prev, head.id, PROTO_HASH_BYTES)) {
        *reason = PROTO_REJECT_CHAIN_PREV;
        return 0;
    }
    if (head.exists && head.seq > 0) {
        uint64_t previous_ms;
        rc = s_head_time (self, txn, &head, &op->held, &previous_ms);
        if (rc)
            return rc;
        if (!s_time_order_ok (h->timestamp_ms, previous_ms)) {
            *reason = PROTO_REJECT_TIME_ORDER;
            return 0;
        }
    }
    if (it->payload) {
        *reason = s_payload_check (self, h, it->payload, it->payload_len);
        if (*reason == PROTO_OK) {
            rc = s_receipt_check (self, txn, h, it->payload, it->payload_len,
                                  &op->check, reason);
            if (rc)
                return rc;
        }
        if (*reason != PROTO_OK)
            return 0;
    }
    //  Retracted by its author before it arrived: the header alone.
    bool retracted;
    rc = s_retract_pending (self, txn, id, h->author, &retracted);
    if (rc)
        return rc;
    const uint8_t *payload = retracted ? NULL : it->payload;
    size_t payload_len = retracted ? 0 : it->payload_len;
    if (!head.exists && (rc = s_author_new (self, txn, h->author, &head)))
        return rc;
    s_make_record (h, it->stub, it->stub_len, head.idx, st->now_ms,
                   &op->prep, &op->check);
    memcpy (op->prep.id, id, PROTO_HASH_BYTES);
    rc = s_put_entry (self, txn, st, &head, &op->prep, payload,
                      payload_len);
    if (rc == 0)
        rc = s_head_put (self, txn, h->author, &head);
    if (rc == 0 && payload) {
        rc = s_index_payload (self, txn, head.row, h, id, payload,
                              payload_len, &op->held);
        if (rc == 0)
            rc = s_receipt_due (self, txn, h, head.row, st->now_ms);
    }
    else if (rc == 0 && !retracted && s_may_hold (self, h))
        rc = s_missing_put (self, txn, head.row, true);
    if (rc)
        return rc;
    *dirty = true;
    *reason = PROTO_OK;
    return 0;
}

static int
s_append_txn (node_store_t *self, MDB_txn *txn, void *arg, bool *commit)
{
    s_append_op_t *op = arg;
    s_wstate_t st;
    int rc = s_wstate_init (self, txn, &st);
    if (rc)
        return rc;
    MDB_cursor *chain;
    rc = mdb_cursor_open (txn, self->chain, &chain);
    if (rc)
        return rc;
    bool dirty = false;
    for (size_t i = 0; i < op->n && rc == 0; i++) {
        op->results[i] = op->pre[i];
        if (op->pre[i] == PROTO_OK)
            rc = s_append_one (self, txn, &st, chain, op, &op->items[i],
                               &op->results[i], &dirty);
    }
    mdb_cursor_close (chain);
    if (rc == 0 && dirty)
        rc = s_ids_merge (self, txn, false);
    *commit = dirty;
    return rc;
}

//  Verify the signatures of items [lo, hi) into sig (and their ids).
//  Touches only the items, so any number run at once, on any thread.
typedef struct {
    const node_append_t *items;
    size_t lo, hi;                  /* the items of this job                */
    proto_reject_t *sig;            /* results, shared, disjoint ranges     */
    uint8_t (*ids)[PROTO_HASH_BYTES]; /* may be NULL                        */
} s_verify_job_t;

static void *
s_verify_worker (void *arg)
{
    s_verify_job_t *job = arg;
    for (size_t i = job->lo; i < job->hi; i++) {
        const node_append_t *it = &job->items[i];
        assert (it->stub || it->stub_len == 0);
        if (job->ids)
            proto_entry_id (job->ids[i], it->stub, it->stub_len);
        job->sig[i] = proto_stub_verify (NULL, it->stub, it->stub_len);
    }
    return NULL;
}

void
node_store_verify_stubs (const node_append_t *items, size_t n,
                         proto_reject_t *sig,
                         uint8_t (*ids)[PROTO_HASH_BYTES])
{
    assert (items || n == 0);
    assert (sig || n == 0);
    s_verify_job_t job = { items, 0, n, sig, ids };
    s_verify_worker (&job);
}

/* ------------------------------------------------------------------------
   May this author's entry be stored under roster? An active member: yes.
   A revoked key: never again (its holder may be an attacker). A key a
   roster change retired (rotated out, or its member removed): only
   entries stamped up to the change, so a catching-up node still gets the
   old chain while the old key cannot add to it.                            */
static proto_reject_t
s_author_check (const keys_roster_t *roster, const proto_header_t *h)
{
    if (keys_roster_revoked (roster, h->author))
        return PROTO_REJECT_REVOKED;
    if (keys_roster_member_by_key (roster, h->author))
        return PROTO_OK;
    const keys_retired_t *retired = keys_roster_retired_by_key (roster,
                                                                h->author);
    if (!retired)
        return PROTO_REJECT_UNKNOWN_AUTHOR;
    if (h->timestamp_ms > (uint64_t) retired->until * 1000)
        return PROTO_REJECT_KEY_RETIRED;
    return PROTO_OK;
}

proto_reject_t
node_store_append_batch (node_store_t *self, const node_append_t *items,
                         size_t n, proto_reject_t *results,
                         uint8_t (*ids)[PROTO_HASH_BYTES])
{
    assert (self);
    assert (items || n == 0);
    assert (results || n == 0);
    if (n == 0)
        return PROTO_OK;
    proto_reject_t *sig = malloc (n * sizeof *sig);
    if (!sig) {
        s_error (self, "append: out of memory");
        for (size_t i = 0; i < n; i++)
            results[i] = PROTO_REJECT_STORAGE;
        return PROTO_REJECT_STORAGE;
    }
    //  Untrusted input: verify before taking the writer lock, on two
    //  threads for a large batch (catching up), each on one half.
    s_verify_job_t jobs[2] = {
        { items, 0, n, sig, ids },
        { items, n, n, sig, ids },
    };
    pthread_t tid;
    bool threaded = false;
    if (n >= S_VERIFY_SPLIT) {
        jobs[0].hi = jobs[1].lo = n / 2;
        threaded = pthread_create (&tid, NULL, s_verify_worker, &jobs[1])
                   == 0;
    }
    s_verify_worker (&jobs[0]);
    if (threaded)
        pthread_join (tid, NULL);
    else
        s_verify_worker (&jobs[1]);
    proto_reject_t status = node_store_append_verified (self, items, n, sig,
                                                        results, ids);
    free (sig);
    return status;
}

proto_reject_t
node_store_append_verified (node_store_t *self, const node_append_t *items,
                            size_t n, const proto_reject_t *sig,
                            proto_reject_t *results,
                            uint8_t (*ids)[PROTO_HASH_BYTES])
{
    assert (self);
    assert (items || n == 0);
    assert (sig || n == 0);
    assert (results || n == 0);
    assert (self->roster && self->self_set);
    self->last_error[0] = 0;
    if (n == 0)
        return PROTO_OK;
    s_append_op_t *op = malloc (sizeof *op);
    proto_reject_t *pre = malloc (n * sizeof *pre);
    if (!op || !pre) {
        free (op);
        free (pre);
        s_error (self, "append: out of memory");
        for (size_t i = 0; i < n; i++)
            results[i] = PROTO_REJECT_STORAGE;
        return PROTO_REJECT_STORAGE;
    }
    //  The author must be a member of the roster in force NOW (checked
    //  here, in the writer's thread, not where the signature was).
    uint64_t now_ms = proto_now_ms ();
    for (size_t i = 0; i < n; i++) {
        if (ids)
            proto_entry_id (ids[i], items[i].stub, items[i].stub_len);
        pre[i] = sig[i];
        if (pre[i] != PROTO_OK)
            continue;
        uint8_t sigbytes[PROTO_SIG_BYTES];
        pre[i] = proto_stub_decode (&op->h, sigbytes, items[i].stub,
                                    items[i].stub_len);
        if (pre[i] == PROTO_OK)
            pre[i] = s_author_check (self->roster, &op->h);
        //  Too far ahead of our clock: deferred (docs/protocol.md 5.6).
        if (pre[i] == PROTO_OK
            && op->h.timestamp_ms > now_ms + PROTO_CLOCK_SKEW_MAX_MS)
            pre[i] = PROTO_REJECT_TIME_AHEAD;
    }
    if (s_missing_refresh (self)) {
        for (size_t i = 0; i < n; i++)
            results[i] = PROTO_REJECT_STORAGE;
        free (pre);
        free (op);
        return PROTO_REJECT_STORAGE;
    }
    op->items = items;
    op->n = n;
    op->pre = pre;
    op->results = results;
    proto_reject_t status = PROTO_OK;
    if (s_write (self, s_append_txn, op, "append")) {
        status = PROTO_REJECT_STORAGE;
        for (size_t i = 0; i < n; i++)
            results[i] = PROTO_REJECT_STORAGE;
    }
    free (pre);
    free (op);
    return status;
}

proto_reject_t
node_store_append (node_store_t *self, const uint8_t *stub, size_t stub_len,
                   const uint8_t *payload, size_t payload_len,
                   uint8_t id[PROTO_HASH_BYTES])
{
    assert (self);
    assert (stub || stub_len == 0);
    assert (payload || payload_len == 0);
    node_append_t item = { stub, stub_len, payload, payload_len };
    proto_reject_t result;
    uint8_t ids[1][PROTO_HASH_BYTES];
    node_store_append_batch (self, &item, 1, &result, ids);
    if (id)
        memcpy (id, ids[0], PROTO_HASH_BYTES);
    return result;
}

//  --------------------------------------------------------------------------
//  Reads

static int
s_read_begin (node_store_t *self, MDB_txn **txn, const char *what)
{
    self->last_error[0] = 0;
    int rc = s_txn_begin (self, MDB_RDONLY, txn);
    if (rc)
        s_mdb_error (self, what, rc);
    return rc;
}

int
node_store_get (node_store_t *self, const uint8_t id[PROTO_HASH_BYTES],
                node_store_visit_fn *visit, void *arg)
{
    assert (self);
    assert (id);
    assert (visit);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "get"))
        return -1;
    s_entry_t *e = malloc (sizeof *e);
    int rc = e ? s_find_entry (self, txn, id, e, true) : ENOMEM;
    int result;
    if (rc == 0)
        result = visit (&e->ne, arg);
    else if (rc == MDB_NOTFOUND)
        result = NODE_STORE_NOTFOUND;
    else {
        s_mdb_error (self, "get", rc);
        result = -1;
    }
    s_txn_end (self, txn);
    free (e);
    return result;
}

//  One walk over an index or table, shared by the scans: open a cursor
//  at (key, val) with `first`, step with `next`, turn each position into a
//  log row, load the entry, keep it if `keep` says so (NULL: all), and
//  hand it to the visitor.
typedef struct {
    MDB_dbi dbi;
    MDB_val key, val;               /* where to start                       */
    MDB_cursor_op first, next;
    size_t val_size;                /* dup values: expected size; 0: keys   */
    uint64_t (*row_of) (const MDB_val *k, const MDB_val *v);
    bool (*keep) (const node_entry_t *entry, uint64_t limit);
    uint64_t limit;                 /* for keep                             */
} s_walk_t;

static uint64_t
s_row_of_key (const MDB_val *k, const MDB_val *v)
{
    (void) v;
    s_row_t row;
    memcpy (&row, k->mv_data, sizeof row);
    return row;
}

static uint64_t
s_row_of_val (const MDB_val *k, const MDB_val *v)
{
    (void) k;
    return s_val_row (v);
}

static uint64_t
s_row_of_ref (const MDB_val *k, const MDB_val *v)
{
    (void) k;
    return s_get_be (v->mv_data, S_REF_VAL);
}

static int
s_walk (node_store_t *self, MDB_txn *txn, s_walk_t *walk,
        node_store_visit_fn *visit, void *arg)
{
    s_entry_t *e = malloc (sizeof *e);
    MDB_cursor *cur = NULL;
    int result = 0;
    int rc = e ? mdb_cursor_open (txn, walk->dbi, &cur) : ENOMEM;
    MDB_val k = walk->key, v = walk->val;
    if (rc == 0)
        rc = mdb_cursor_get (cur, &k, &v, walk->first);
    while (rc == 0) {
        bool shaped = walk->val_size ? v.mv_size == walk->val_size
                                     : k.mv_size == sizeof (s_row_t);
        if (!shaped) {
            rc = MDB_CORRUPTED;
            break;
        }
        rc = s_load (self, txn, walk->row_of (&k, &v), e, true, true);
        if (rc == MDB_NOTFOUND)
            rc = MDB_CORRUPTED;   /* an index names a row the log lacks */
        if (rc)
            break;
        if (!walk->keep || walk->keep (&e->ne, walk->limit)) {
            result = visit (&e->ne, arg);
            if (result)
                break;
        }
        rc = mdb_cursor_get (cur, &k, &v, walk->next);
    }
    if (rc && rc != MDB_NOTFOUND) {
        s_mdb_error (self, "scan", rc);
        result = -1;
    }
    if (cur)
        mdb_cursor_close (cur);
    free (e);
    return result;
}

//  The times index clamps times to 48 bits: filter on the real one.
static bool
s_keep_since (const node_entry_t *entry, uint64_t since_ms)
{
    return entry->header.timestamp_ms >= since_ms;
}

//  Only a payload held can reference anything.
static bool
s_keep_with_payload (const node_entry_t *entry, uint64_t unused)
{
    (void) unused;
    return entry->payload != NULL;
}

int
node_store_scan_time (node_store_t *self, uint64_t since_ms,
                      node_store_visit_fn *visit, void *arg)
{
    assert (self);
    assert (visit);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "scan"))
        return -1;
    uint8_t val[S_TIME_VAL];
    s_time_val (val, since_ms, 0);
    s_walk_t walk = { self->times,
                      { sizeof s_index_key, (void *) s_index_key },
                      { sizeof val, val }, MDB_GET_BOTH_RANGE, MDB_NEXT_DUP,
                      S_TIME_VAL, s_row_of_val, s_keep_since, since_ms };
    int result = s_walk (self, txn, &walk, visit, arg);
    s_txn_end (self, txn);
    return result;
}

int
node_store_scan_author (node_store_t *self,
                        const uint8_t author[PROTO_PK_BYTES],
                        uint64_t from_seq, node_store_visit_fn *visit,
                        void *arg)
{
    assert (self);
    assert (author);
    assert (visit);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "scan"))
        return -1;
    s_head_t head;
    int rc = s_head_get (self, txn, author, &head);
    if (rc || !head.exists || from_seq > S_ROW_MAX) {
        s_txn_end (self, txn);
        if (rc)
            s_mdb_error (self, "scan", rc);
        return rc ? -1 : 0;
    }
    unsigned int key = head.idx;
    uint8_t val[S_CHAIN_VAL];
    s_chain_val (val, from_seq, 0);
    s_walk_t walk = { self->chain, { sizeof key, &key }, { sizeof val, val },
                      MDB_GET_BOTH_RANGE, MDB_NEXT_DUP, S_CHAIN_VAL,
                      s_row_of_val, NULL, 0 };
    int result = s_walk (self, txn, &walk, visit, arg);
    s_txn_end (self, txn);
    return result;
}

int
node_store_head (node_store_t *self, const uint8_t author[PROTO_PK_BYTES],
                 uint64_t *seq, uint8_t id[PROTO_HASH_BYTES])
{
    assert (self);
    assert (author);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "head"))
        return -1;
    s_head_t head;
    int rc = s_head_get (self, txn, author, &head);
    s_txn_end (self, txn);
    if (rc) {
        s_mdb_error (self, "head", rc);
        return -1;
    }
    if (!head.exists || head.seq == 0)
        return NODE_STORE_NOTFOUND;
    if (seq)
        *seq = head.seq;
    if (id)
        memcpy (id, head.id, PROTO_HASH_BYTES);
    return 0;
}

uint64_t
node_store_count (node_store_t *self)
{
    assert (self);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "count"))
        return 0;
    MDB_stat st;
    int rc = mdb_stat (txn, self->log, &st);
    s_txn_end (self, txn);
    if (rc) {
        s_mdb_error (self, "count", rc);
        return 0;
    }
    return st.ms_entries;
}

uint64_t
node_store_disk_bytes (node_store_t *self)
{
    assert (self);
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info (self->env, &info) || mdb_env_stat (self->env, &st))
        return 0;
    return ((uint64_t) info.me_last_pgno + 1) * st.ms_psize;
}

int
node_store_forks (node_store_t *self, node_store_fork_fn *visit, void *arg)
{
    assert (self);
    assert (visit);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "forks"))
        return -1;
    MDB_cursor *cur = NULL;
    int result = 0;
    int rc = mdb_cursor_open (txn, self->forks, &cur);
    MDB_val k, v;
    if (rc == 0)
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        const uint8_t *p = v.mv_data, *end = p + v.mv_size;
        if (k.mv_size != PROTO_PK_BYTES + 8 || v.mv_size < 12) {
            rc = MDB_CORRUPTED;
            break;
        }
        uint64_t seq = s_get_be ((const uint8_t *) k.mv_data + PROTO_PK_BYTES,
                                 8);
        uint64_t when = s_get_le (p, 8);
        size_t l1 = (size_t) s_get_le (p + 8, 2);
        const uint8_t *s1 = p + 10;
        if ((size_t) (end - s1) < l1 + 2) {
            rc = MDB_CORRUPTED;
            break;
        }
        size_t l2 = (size_t) s_get_le (s1 + l1, 2);
        const uint8_t *s2 = s1 + l1 + 2;
        if ((size_t) (end - s2) != l2) {
            rc = MDB_CORRUPTED;
            break;
        }
        result = visit (k.mv_data, seq, s1, l1, s2, l2, when, arg);
        if (result)
            break;
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    if (rc && rc != MDB_NOTFOUND) {
        s_mdb_error (self, "forks", rc);
        result = -1;
    }
    if (cur)
        mdb_cursor_close (cur);
    s_txn_end (self, txn);
    return result;
}

int
node_store_scan_rows (node_store_t *self, uint64_t from_row,
                      node_store_visit_fn *visit, void *arg)
{
    assert (self);
    assert (visit);
    if (from_row == 0)
        from_row = 1;
    if (from_row > S_ROW_MAX)
        return 0;
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "scan"))
        return -1;
    s_row_t key = (s_row_t) from_row;
    s_walk_t walk = { self->log, { sizeof key, &key }, { 0, NULL },
                      MDB_SET_RANGE, MDB_NEXT, 0, s_row_of_key, NULL, 0 };
    int result = s_walk (self, txn, &walk, visit, arg);
    s_txn_end (self, txn);
    return result;
}

uint64_t
node_store_last_row (node_store_t *self)
{
    assert (self);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "last row"))
        return 0;
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t last = 0;
    int rc = mdb_cursor_open (txn, self->log, &cur);
    if (rc == 0) {
        rc = mdb_cursor_get (cur, &k, &v, MDB_LAST);
        if (rc == 0 && k.mv_size == sizeof (s_row_t)) {
            s_row_t r;
            memcpy (&r, k.mv_data, sizeof r);
            last = r;
        }
        else if (rc == 0)
            rc = MDB_CORRUPTED;
        mdb_cursor_close (cur);
    }
    s_txn_end (self, txn);
    if (rc && rc != MDB_NOTFOUND)
        s_mdb_error (self, "last row", rc);
    return last;
}

int
node_store_heads (node_store_t *self, node_store_head_fn *visit, void *arg)
{
    assert (self);
    assert (visit);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "heads"))
        return -1;
    MDB_cursor *cur = NULL;
    int result = 0;
    int rc = mdb_cursor_open (txn, self->heads, &cur);
    MDB_val k, v;
    if (rc == 0)
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    //  Keys are the authors' keys: memcmp order is ascending key order.
    while (rc == 0) {
        s_head_t head;
        if (k.mv_size != PROTO_PK_BYTES || s_head_decode (&head, &v)) {
            rc = MDB_CORRUPTED;
            break;
        }
        if (head.seq > 0) {
            node_head_t nh = { k.mv_data, head.seq, head.id, head.frozen };
            result = visit (&nh, arg);
            if (result)
                break;
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    if (rc && rc != MDB_NOTFOUND) {
        s_mdb_error (self, "heads", rc);
        result = -1;
    }
    if (cur)
        mdb_cursor_close (cur);
    s_txn_end (self, txn);
    return result;
}

int
node_store_retracted (node_store_t *self, const uint8_t id[PROTO_HASH_BYTES],
                      uint8_t by[PROTO_HASH_BYTES])
{
    assert (self);
    assert (id);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "retracted"))
        return -1;
    uint8_t rec[S_RETRACT_VAL];
    s_entry_t *e = NULL;
    int rc = s_retract_get (self, txn, id, rec);
    //  A record for an entry not held is a retraction still waiting for
    //  it (maybe not by its author): not a retraction yet.
    if (rc == 0) {
        e = malloc (sizeof *e);
        rc = e ? s_find_entry (self, txn, id, e, true) : ENOMEM;
    }
    s_txn_end (self, txn);
    free (e);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc) {
        s_mdb_error (self, "retracted", rc);
        return -1;
    }
    if (by)
        memcpy (by, rec + PROTO_PK_BYTES, PROTO_HASH_BYTES);
    return 1;
}

int
node_store_scan_refs (node_store_t *self,
                      const uint8_t target[PROTO_HASH_BYTES],
                      node_store_visit_fn *visit, void *arg)
{
    assert (self);
    assert (target);
    assert (visit);
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "scan"))
        return -1;
    //  Values are rows, big-endian: in the order the entries were stored.
    s_walk_t walk = { self->refs, { PROTO_HASH_BYTES, (void *) target },
                      { 0, NULL }, MDB_SET_KEY, MDB_NEXT_DUP, S_REF_VAL,
                      s_row_of_ref, s_keep_with_payload, 0 };
    int result = s_walk (self, txn, &walk, visit, arg);
    s_txn_end (self, txn);
    return result;
}

int
node_store_scan_missing (node_store_t *self, node_store_visit_fn *visit,
                         void *arg)
{
    assert (self);
    assert (visit);
    self->last_error[0] = 0;
    if (s_missing_refresh (self))
        return -1;
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "scan"))
        return -1;
    s_walk_t walk = { self->missing, { 0, NULL }, { 0, NULL }, MDB_FIRST,
                      MDB_NEXT, 0, s_row_of_key, NULL, 0 };
    int result = s_walk (self, txn, &walk, visit, arg);
    s_txn_end (self, txn);
    return result;
}

//  Receipts owed, oldest first (the receipts table in row order).
int
node_store_receipts_due (node_store_t *self, node_receipt_due_t *out,
                         size_t cap, size_t *n)
{
    assert (self);
    assert (out || cap == 0);
    *n = 0;
    MDB_txn *txn;
    if (s_read_begin (self, &txn, "receipts"))
        return -1;
    s_entry_t *e = malloc (sizeof *e);
    MDB_cursor *cur = NULL;
    int rc = e ? mdb_cursor_open (txn, self->receipts, &cur) : ENOMEM;
    MDB_val k, v;
    if (rc == 0)
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0 && *n < cap) {
        if (k.mv_size != sizeof (s_row_t) || v.mv_size != 8) {
            rc = MDB_CORRUPTED;
            break;
        }
        s_row_t row;
        memcpy (&row, k.mv_data, sizeof row);
        rc = s_load (self, txn, row, e, true, false);
        if (rc == MDB_NOTFOUND)
            rc = MDB_CORRUPTED;        /* the queue names a row not held    */
        if (rc)
            break;
        node_receipt_due_t *due = &out[(*n)++];
        due->row = row;
        memcpy (due->id, e->ne.id, PROTO_HASH_BYTES);
        memcpy (due->author, e->ne.header.author, PROTO_PK_BYTES);
        due->stored_ms = s_get_le (v.mv_data, 8);
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (cur)
        mdb_cursor_close (cur);
    s_txn_end (self, txn);
    free (e);
    if (rc) {
        s_mdb_error (self, "receipts", rc);
        return -1;
    }
    return 0;
}

typedef struct {
    const node_receipt_due_t *items;
    size_t n;
} s_receipts_done_t;

static int
s_receipts_done_txn (node_store_t *self, MDB_txn *txn, void *arg,
                     bool *commit)
{
    s_receipts_done_t *d = arg;
    for (size_t i = 0; i < d->n; i++) {
        s_row_t key = (s_row_t) d->items[i].row;
        MDB_val k = { sizeof key, &key };
        int rc = mdb_del (txn, self->receipts, &k, NULL);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    *commit = true;
    return 0;
}

int
node_store_receipts_done (node_store_t *self, const node_receipt_due_t *items,
                          size_t n)
{
    assert (self);
    self->last_error[0] = 0;
    s_receipts_done_t d = { items, n };
    return n == 0 || !s_write (self, s_receipts_done_txn, &d, "receipts")
               ? 0 : -1;
}

//  --------------------------------------------------------------------------
//  fsck

typedef struct {
    node_store_t *self;
    MDB_txn *txn;                   /* read-only, this worker's             */
    uint64_t lo, hi;                /* rows [lo, hi)                        */
    node_fsck_report_fn *report;
    void *arg;
    pthread_mutex_t *lock;          /* serialises report and problems       */
    uint64_t *problems;             /* shared problem counter               */
    bool disclosure;                /* roster and self are set              */
    bool missing_current;           /* the missing index was built for the
                                       roster and self in force             */
    uint64_t entries, payloads;     /* counted by this worker               */
    int rc;                         /* LMDB failure, 0 if none              */
    s_entry_t e, prev;              /* scratch                              */
    s_refs_t refs;                  /* scratch                              */
} s_fsck_job_t;

static void
s_fsck_say (pthread_mutex_t *lock, uint64_t *problems,
            node_fsck_report_fn *report, void *arg, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

static void
s_fsck_say (pthread_mutex_t *lock, uint64_t *problems,
            node_fsck_report_fn *report, void *arg, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    pthread_mutex_lock (lock);
    (*problems)++;
    if (report)
        report (line, arg);
    pthread_mutex_unlock (lock);
}

#define S_JOB_SAY(job, ...)                                                  \
    s_fsck_say ((job)->lock, (job)->problems, (job)->report, (job)->arg,     \
                __VA_ARGS__)

//  Does the DUPSORT table hold exactly (key, val)?
static int
s_has_dup (MDB_cursor *cur, const void *key, size_t klen, const void *val,
           size_t vlen)
{
    MDB_val k = { klen, (void *) key }, v = { vlen, (void *) val };
    return mdb_cursor_get (cur, &k, &v, MDB_GET_BOTH);
}

//  The retraction record, the missing index and the references of one
//  loaded entry (e), whose payload is payload (NULL: not held).
static int
s_fsck_retract_refs (s_fsck_job_t *job, MDB_cursor *refs,
                     const MDB_val *payload, const char *hex)
{
    node_store_t *self = job->self;
    s_entry_t *e = &job->e;
    const proto_header_t *h = &e->ne.header;
    uint8_t rec[S_RETRACT_VAL];
    int rc = s_retract_get (self, job->txn, e->ne.id, rec);
    bool retracted = rc == 0;
    if (rc == MDB_CORRUPTED)
        S_JOB_SAY (job, "entry %s: retraction record is malformed", hex);
    else if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (retracted && memcmp (rec, h->author, PROTO_PK_BYTES))
        S_JOB_SAY (job, "entry %s: marked retracted by another author", hex);
    s_row_t key = (s_row_t) e->row;
    MDB_val k = { sizeof key, &key }, v;
    rc = mdb_get (job->txn, self->missing, &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    bool listed = rc == 0;
    if (payload) {
        //  Listed with its payload held: the structure pass says so.
        if (retracted)
            S_JOB_SAY (job, "entry %s: retracted, but its payload is held",
                       hex);
        //  Every reference of a plaintext payload is indexed (RED ones are
        //  indexed only with an opener, which fsck does not use).
        s_refs_t *rr = &job->refs;
        if (h->level == PROTO_LEVEL_RED)
            return 0;
        rc = s_payload_refs (self, h, payload->mv_data, payload->mv_size,
                             rr);
        if (rc)
            return rc;
        uint8_t val[S_REF_VAL];
        s_ref_val (val, e->row);
        for (size_t i = 0; i < rr->count; i++) {
            rc = s_has_dup (refs, rr->refs[i].id, PROTO_HASH_BYTES, val,
                            sizeof val);
            if (rc == MDB_NOTFOUND) {
                char thex[2 * PROTO_HASH_BYTES + 1];
                proto_hex_encode (thex, rr->refs[i].id, PROTO_HASH_BYTES);
                S_JOB_SAY (job, "entry %s: its reference to %s is missing "
                           "from the refs index", hex, thex);
            }
            else if (rc)
                return rc;
        }
        return 0;
    }
    if (retracted && listed)
        S_JOB_SAY (job, "entry %s: retracted, but in the missing index", hex);
    else if (!retracted && !listed && job->missing_current
             && s_may_hold (self, h))
        S_JOB_SAY (job, "entry %s: payload not held and not in the missing "
                   "index", hex);
    return 0;
}

//  Check one loaded entry (e) against the indexes, its chain and payload.
static int
s_fsck_entry (s_fsck_job_t *job, MDB_cursor *chain, MDB_cursor *times,
              MDB_cursor *ids, MDB_cursor *ids_new, MDB_cursor *refs,
              const char *hex)
{
    node_store_t *self = job->self;
    s_entry_t *e = &job->e;
    const proto_header_t *h = &e->ne.header;
    proto_reject_t r = proto_stub_verify (NULL, e->stub, e->ne.stub_len);
    if (r == PROTO_REJECT_SIGNATURE)
        S_JOB_SAY (job, "entry %s: signature does not verify", hex);
    else if (r != PROTO_OK)
        S_JOB_SAY (job, "entry %s: stub does not decode (%s)", hex,
                   proto_reject_name (r));

    unsigned int akey = e->author_idx;
    uint8_t val[S_CHAIN_VAL];
    s_chain_val (val, h->seq, e->row);
    int rc = s_has_dup (chain, &akey, sizeof akey, val, sizeof val);
    if (rc == MDB_NOTFOUND)
        S_JOB_SAY (job, "entry %s: missing from the chain index", hex);
    else if (rc)
        return rc;
    uint8_t tval[S_TIME_VAL];
    s_time_val (tval, h->timestamp_ms, e->row);
    rc = s_has_dup (times, s_index_key, sizeof s_index_key, tval,
                    sizeof tval);
    if (rc == MDB_NOTFOUND)
        S_JOB_SAY (job, "entry %s: missing from the time index", hex);
    else if (rc)
        return rc;
    uint8_t idv[S_ID_VAL];
    s_id_val (idv, e->ne.id, e->row);
    rc = s_has_dup (ids_new, s_index_key, sizeof s_index_key, idv,
                    sizeof idv);
    if (rc == MDB_NOTFOUND)
        rc = s_has_dup (ids, s_index_key, sizeof s_index_key, idv,
                        sizeof idv);
    if (rc == MDB_NOTFOUND)
        S_JOB_SAY (job, "entry %s: missing from the id index", hex);
    else if (rc)
        return rc;

    //  prev must be the id of seq - 1 (zero at seq 1). Consecutive rows
    //  of one author are common: reuse the previous row's id.
    if (h->seq <= 1) {
        if (h->seq == 0)
            S_JOB_SAY (job, "entry %s: seq 0", hex);
        else if (!s_is_zero (h->prev, PROTO_HASH_BYTES))
            S_JOB_SAY (job, "entry %s: seq 1 with a non-zero prev", hex);
    }
    else if (job->prev.row != 0 && job->prev.author_idx == e->author_idx
             && job->prev.ne.header.seq + 1 == h->seq) {
        if (memcmp (h->prev, job->prev.ne.id, PROTO_HASH_BYTES))
            S_JOB_SAY (job, "entry %s: prev is not the id of seq %" PRIu64,
                       hex, h->seq - 1);
    }
    else {
        uint64_t prow;
        rc = s_chain_row (self, chain, e->author_idx, h->seq - 1, &prow);
        if (rc == 0) {
            s_entry_t *pe = &job->prev;   /* reused as scratch */
            rc = s_load (self, job->txn, prow, pe, false, false);
            if (rc == 0 && memcmp (h->prev, pe->ne.id, PROTO_HASH_BYTES))
                S_JOB_SAY (job,
                           "entry %s: prev is not the id of seq %" PRIu64,
                           hex, h->seq - 1);
            if (rc == MDB_CORRUPTED)
                rc = 0;           /* that row reports itself */
            pe->row = 0;
        }
        if (rc == MDB_NOTFOUND)
            S_JOB_SAY (job, "entry %s: chain broken: seq %" PRIu64
                       " is not held", hex, h->seq - 1);
        else if (rc)
            return rc;
    }

    s_row_t key = (s_row_t) e->row;
    MDB_val k = { sizeof key, &key }, v;
    rc = mdb_get (job->txn, self->payloads, &k, &v);
    if (rc == MDB_NOTFOUND)
        return s_fsck_retract_refs (job, refs, NULL, hex);
    if (rc)
        return rc;
    rc = s_fsck_retract_refs (job, refs, &v, hex);
    if (rc)
        return rc;
    job->payloads++;
    r = proto_payload_matches (h, v.mv_data, v.mv_size);
    if (r != PROTO_OK)
        S_JOB_SAY (job, "entry %s: payload does not match its header (%s)",
                   hex, proto_reject_name (r));
    if (job->disclosure) {
        keys_disclosure_t d = keys_disclosure_payload (self->roster, h,
                                                       self->self_pk);
        if (h->level != PROTO_LEVEL_RED && d != KEYS_DISCLOSE_PLAINTEXT)
            S_JOB_SAY (job, "entry %s: holds a plaintext payload this node "
                       "is not cleared for", hex);
        else if (h->level == PROTO_LEVEL_RED && d == KEYS_DISCLOSE_NONE)
            S_JOB_SAY (job, "entry %s: holds a sealed payload this node may "
                       "not carry", hex);
    }
    return 0;
}

static void *
s_fsck_worker (void *arg)
{
    s_fsck_job_t *job = arg;
    node_store_t *self = job->self;
    MDB_cursor *log = NULL, *chain = NULL, *times = NULL, *ids = NULL;
    MDB_cursor *ids_new = NULL;
    MDB_cursor *refs = NULL;
    int rc = mdb_cursor_open (job->txn, self->log, &log);
    if (rc == 0)
        rc = mdb_cursor_open (job->txn, self->refs, &refs);
    if (rc == 0)
        rc = mdb_cursor_open (job->txn, self->chain, &chain);
    if (rc == 0)
        rc = mdb_cursor_open (job->txn, self->times, &times);
    if (rc == 0)
        rc = mdb_cursor_open (job->txn, self->ids, &ids);
    if (rc == 0)
        rc = mdb_cursor_open (job->txn, self->ids_new, &ids_new);
    s_row_t key = (s_row_t) job->lo;
    MDB_val k = { sizeof key, &key }, v;
    job->prev.row = 0;
    if (rc == 0)
        rc = mdb_cursor_get (log, &k, &v, MDB_SET_RANGE);
    while (rc == 0) {
        s_row_t row;
        if (k.mv_size != sizeof row) {
            rc = MDB_CORRUPTED;
            break;
        }
        memcpy (&row, k.mv_data, sizeof row);
        if (row >= job->hi)
            break;
        job->entries++;
        s_entry_t *e = &job->e;
        rc = s_rec_decode (self, job->txn, &v, e, NULL, false);
        if (rc == MDB_CORRUPTED) {
            S_JOB_SAY (job, "row %u: log record is malformed", row);
            job->prev.row = 0;
        }
        else if (rc)
            break;
        else {
            e->row = row;
            proto_entry_id (e->ne.id, e->stub, e->ne.stub_len);
            char hex[2 * PROTO_HASH_BYTES + 1];
            proto_hex_encode (hex, e->ne.id, PROTO_HASH_BYTES);
            rc = s_fsck_entry (job, chain, times, ids, ids_new, refs, hex);
            if (rc)
                break;
            //  Keep this entry as the "previous" for the next row.
            job->prev.row = row;
            job->prev.author_idx = e->author_idx;
            job->prev.ne.header.seq = e->ne.header.seq;
            memcpy (job->prev.ne.id, e->ne.id, PROTO_HASH_BYTES);
        }
        rc = mdb_cursor_get (log, &k, &v, MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
    job->rc = rc;
    if (ids_new)
        mdb_cursor_close (ids_new);
    if (ids)
        mdb_cursor_close (ids);
    if (times)
        mdb_cursor_close (times);
    if (chain)
        mdb_cursor_close (chain);
    if (log)
        mdb_cursor_close (log);
    if (refs)
        mdb_cursor_close (refs);
    return NULL;
}

typedef struct {
    node_store_t *self;
    MDB_txn *txn;
    node_fsck_report_fn *report;
    void *arg;
    pthread_mutex_t *lock;
    uint64_t *problems;
    uint64_t authors;
    s_entry_t e;
} s_fsck_main_t;

#define S_MAIN_SAY(m, ...)                                                   \
    s_fsck_say ((m)->lock, (m)->problems, (m)->report, (m)->arg, __VA_ARGS__)

//  An index holds more or fewer values than the log has entries: name the
//  values that point nowhere or disagree with the log.
static int
s_fsck_index_strays (s_fsck_main_t *m, MDB_dbi dbi, const char *name,
                     int kind)
{
    node_store_t *self = m->self;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (m->txn, dbi, &cur);
    MDB_val k, v;
    if (rc == 0)
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        size_t want = kind == 0 ? S_CHAIN_VAL
                      : kind == 1 ? S_TIME_VAL : S_ID_VAL;
        if (v.mv_size != want) {
            S_MAIN_SAY (m, "%s index: value of %zu bytes", name, v.mv_size);
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
            continue;
        }
        uint64_t row = s_val_row (&v);
        int lr = s_load (self, m->txn, row, &m->e, false, false);
        if (lr == MDB_NOTFOUND)
            S_MAIN_SAY (m, "%s index: names row %" PRIu64
                        ", which the log does not hold", name, row);
        else if (lr == 0) {
            //  The value the log implies for this row.
            const proto_header_t *h = &m->e.ne.header;
            uint8_t expect[S_TIME_VAL];
            bool ok = true;
            if (kind == 0) {
                unsigned int akey;
                ok = k.mv_size == sizeof akey;
                if (ok) {
                    memcpy (&akey, k.mv_data, sizeof akey);
                    ok = akey == m->e.author_idx;
                }
                s_chain_val (expect, h->seq, row);
            }
            else if (kind == 1)
                s_time_val (expect, h->timestamp_ms, row);
            else
                s_id_val (expect, m->e.ne.id, row);
            if (!ok || memcmp (v.mv_data, expect, want))
                S_MAIN_SAY (m, "%s index: value for row %" PRIu64
                            " disagrees with the log", name, row);
        }
        else if (lr != MDB_CORRUPTED)
            break;
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = 0;
    mdb_cursor_close (cur);
    return rc;
}

//  Every row of the missing index has a header and no payload.
static int
s_fsck_missing (s_fsck_main_t *m)
{
    node_store_t *self = m->self;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (m->txn, self->missing, &cur);
    MDB_val k, v;
    if (rc == 0)
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        s_row_t row = 0;
        if (k.mv_size == sizeof row)
            memcpy (&row, k.mv_data, sizeof row);
        MDB_val x;
        int lr = mdb_get (m->txn, self->log, &k, &x);
        if (lr == MDB_NOTFOUND)
            S_MAIN_SAY (m, "missing index: row %u is not in the log", row);
        else if (lr) {
            rc = lr;
            break;
        }
        lr = mdb_get (m->txn, self->payloads, &k, &x);
        if (lr == 0)
            S_MAIN_SAY (m, "missing index: row %u holds its payload", row);
        else if (lr != MDB_NOTFOUND) {
            rc = lr;
            break;
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

//  Every value of the refs index names a row of the log that holds its
//  payload. (The workers checked the other way: every reference read is
//  indexed.) A RED row is let off: its references, indexed with an opener,
//  stay when it is purged without one (scan_refs skips them).
static int
s_fsck_refs (s_fsck_main_t *m)
{
    node_store_t *self = m->self;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (m->txn, self->refs, &cur);
    MDB_val k, v;
    if (rc == 0)
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        if (v.mv_size != S_REF_VAL)
            S_MAIN_SAY (m, "refs index: value of %zu bytes", v.mv_size);
        else {
            s_row_t row = (s_row_t) s_get_be (v.mv_data, S_REF_VAL);
            int lr = s_load (self, m->txn, row, &m->e, false, true);
            if (lr == MDB_NOTFOUND)
                S_MAIN_SAY (m, "refs index: names row %u, which the log "
                            "does not hold", row);
            else if (lr == 0 && !m->e.ne.payload
                     && m->e.ne.header.level != PROTO_LEVEL_RED)
                S_MAIN_SAY (m, "refs index: names row %u, which holds no "
                            "payload", row);
            else if (lr && lr != MDB_CORRUPTED) {
                rc = lr;
                break;
            }
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

//  Chains contiguous from 1, heads agree with chains, counts agree, every
//  payload has a header. Runs on the same snapshot as the workers.
static int
s_fsck_structure (s_fsck_main_t *m)
{
    node_store_t *self = m->self;
    MDB_txn *txn = m->txn;
    MDB_stat slog, schain, stimes, sids, sids_new, sheads;
    int rc = mdb_stat (txn, self->log, &slog);
    if (!rc)
        rc = mdb_stat (txn, self->chain, &schain);
    if (!rc)
        rc = mdb_stat (txn, self->times, &stimes);
    if (!rc)
        rc = mdb_stat (txn, self->ids, &sids);
    if (!rc)
        rc = mdb_stat (txn, self->ids_new, &sids_new);
    if (!rc)
        rc = mdb_stat (txn, self->heads, &sheads);
    if (rc)
        return rc;
    size_t id_values = sids.ms_entries + sids_new.ms_entries;
    //  Each worker found every entry's own index values; equal counts then
    //  mean the indexes hold nothing else (consistent both ways).
    struct {
        size_t values;
        const char *name;
    } idx[] = { { schain.ms_entries, "chain" },
                { stimes.ms_entries, "time" },
                { id_values, "id" } };
    for (int i = 0; i < 3; i++) {
        if (idx[i].values == slog.ms_entries)
            continue;
        S_MAIN_SAY (m, "%s index: %zu values for %zu entries", idx[i].name,
                    idx[i].values, slog.ms_entries);
        MDB_dbi dbi = i == 0 ? self->chain : i == 1 ? self->times : self->ids;
        rc = s_fsck_index_strays (m, dbi, idx[i].name, i);
        if (rc == 0 && i == 2)
            rc = s_fsck_index_strays (m, self->ids_new, idx[i].name, i);
        if (rc)
            return rc;
    }

    //  Chains: per author index, seqs 1, 2, 3 ... and the head agrees.
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->chain, &cur)))
        return rc;
    MDB_val k, v;
    size_t chains = 0;
    rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        unsigned int akey;
        if (k.mv_size != sizeof akey) {
            rc = MDB_CORRUPTED;
            break;
        }
        memcpy (&akey, k.mv_data, sizeof akey);
        chains++;
        m->authors++;
        char fpr[PROTO_FPR_HEX_LEN + 1] = "?";
        uint8_t pk[PROTO_PK_BYTES];
        bool known = s_author_pk (self, txn, akey, pk, false) == 0;
        if (known)
            proto_fingerprint (fpr, pk);
        else
            S_MAIN_SAY (m, "author index %u: not in the authors table", akey);
        uint64_t expect = 1, last_row = 0;
        bool reported = false;
        while (rc == 0) {
            if (v.mv_size != S_CHAIN_VAL) {
                rc = MDB_CORRUPTED;
                break;
            }
            uint64_t seq = s_get_be (v.mv_data, 4);
            if (seq != expect && !reported) {
                S_MAIN_SAY (m, "author %s: chain jumps from seq %" PRIu64
                            " to seq %" PRIu64, fpr, expect - 1, seq);
                reported = true;
            }
            expect = seq + 1;
            last_row = s_val_row (&v);
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT_DUP);
        }
        if (rc != MDB_NOTFOUND)
            break;
        if (known) {
            s_head_t head;
            rc = s_head_get (self, txn, pk, &head);
            if (rc)
                break;
            int lr = s_load (self, txn, last_row, &m->e, false, false);
            if (lr && lr != MDB_NOTFOUND && lr != MDB_CORRUPTED) {
                rc = lr;
                break;
            }
            if (!head.exists)
                S_MAIN_SAY (m, "author %s: has entries but no head", fpr);
            else if (head.idx != akey || head.seq != expect - 1
                     || head.row != last_row
                     || (lr == 0
                         && memcmp (head.id, m->e.ne.id, PROTO_HASH_BYTES)))
                S_MAIN_SAY (m, "author %s: head (seq %" PRIu64
                            ") does not match its chain (seq %" PRIu64 ")",
                            fpr, head.seq, expect - 1);
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT_NODUP);
    }
    mdb_cursor_close (cur);
    if (rc != MDB_NOTFOUND)
        return rc;
    if (sheads.ms_entries != chains)
        S_MAIN_SAY (m, "heads: %zu heads for %zu chains", sheads.ms_entries,
                    chains);

    //  Every payload belongs to a header held.
    if ((rc = mdb_cursor_open (txn, self->payloads, &cur)))
        return rc;
    rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        MDB_val lv;
        int lr = mdb_get (txn, self->log, &k, &lv);
        if (lr == MDB_NOTFOUND) {
            s_row_t row = 0;
            if (k.mv_size == sizeof row)
                memcpy (&row, k.mv_data, sizeof row);
            S_MAIN_SAY (m, "payload at row %u: no header held", row);
        }
        else if (lr) {
            rc = lr;
            break;
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    if (rc != MDB_NOTFOUND)
        return rc;
    rc = s_fsck_missing (m);
    if (rc == 0)
        rc = s_fsck_refs (m);
    return rc;
}

//  Begin n read transactions on one snapshot (a writer in another process
//  may commit between two begins: then start again).
static int
s_fsck_snapshot (node_store_t *self, MDB_txn **txns, size_t n)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        size_t got = 0;
        int rc = 0;
        bool same = true;
        for (; got < n; got++) {
            rc = s_txn_begin (self, MDB_RDONLY, &txns[got]);
            if (rc)
                break;
            if (mdb_txn_id (txns[got]) != mdb_txn_id (txns[0]))
                same = false;
        }
        if (rc == 0 && same)
            return 0;
        for (size_t i = 0; i < got; i++)
            s_txn_end (self, txns[i]);
        //  A resize by another process: adopt it with none of ours open.
        if (rc == MDB_MAP_RESIZED && self->txns == 0)
            rc = mdb_env_set_mapsize (self->env, 0);
        if (rc)
            return rc;
    }
    return MDB_BAD_TXN;
}

int
node_store_fsck (node_store_t *self, unsigned threads,
                 node_fsck_report_fn *report, void *arg,
                 node_fsck_stats_t *stats)
{
    assert (self);
    self->last_error[0] = 0;
    if (threads == 0) {
        long cores = sysconf (_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (unsigned) cores : 1;
    }
    if (threads > S_FSCK_THREADS_MAX)
        threads = S_FSCK_THREADS_MAX;

    MDB_txn *txns[S_FSCK_THREADS_MAX + 1];
    int rc = s_fsck_snapshot (self, txns, threads + 1);
    if (rc) {
        s_mdb_error (self, "fsck", rc);
        return -1;
    }
    MDB_txn *txn = txns[0];
    //  Every author of the snapshot into the cache, before the workers
    //  read it (they never change it).
    s_cache_authors (self, txn);

    uint64_t lo = 1, hi = 1;
    MDB_cursor *cur;
    MDB_val k, v;
    rc = mdb_cursor_open (txn, self->log, &cur);
    if (rc == 0) {
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
        if (rc == 0 && k.mv_size == sizeof (s_row_t)) {
            s_row_t r;
            memcpy (&r, k.mv_data, sizeof r);
            lo = r;
            rc = mdb_cursor_get (cur, &k, &v, MDB_LAST);
            memcpy (&r, k.mv_data, sizeof r);
            hi = (uint64_t) r + 1;
        }
        else if (rc == 0)
            rc = MDB_CORRUPTED;
        if (rc == MDB_NOTFOUND)
            rc = 0;
        mdb_cursor_close (cur);
    }
    if (rc) {
        for (unsigned i = 0; i <= threads; i++)
            s_txn_end (self, txns[i]);
        s_mdb_error (self, "fsck", rc);
        return -1;
    }

    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    uint64_t problems = 0;
    bool disclosure = self->roster && self->self_set;
    bool missing_current = false;
    if (disclosure) {
        uint8_t want[S_STAMP_BYTES], have[S_STAMP_BYTES];
        s_missing_stamp (self, want);
        missing_current = s_missing_stamp_get (self, txn, have) == 0
                          && !memcmp (have, want, sizeof want);
    }
    if (!disclosure)
        s_fsck_say (&lock, &problems, report, arg,
                    "store: disclosure not checked (no roster or self key "
                    "set)");
    s_fsck_job_t *jobs = calloc (threads, sizeof *jobs);
    pthread_t *tids = calloc (threads, sizeof *tids);
    bool *started = calloc (threads, sizeof *started);
    if (!jobs || !tids || !started) {
        free (jobs);
        free (tids);
        free (started);
        for (unsigned i = 0; i <= threads; i++)
            s_txn_end (self, txns[i]);
        s_error (self, "fsck: out of memory");
        return -1;
    }
    uint64_t span = (hi - lo + threads - 1) / threads;
    for (unsigned i = 0; i < threads; i++) {
        s_fsck_job_t *job = &jobs[i];
        job->self = self;
        job->txn = txns[i + 1];
        job->lo = lo + i * span;
        job->hi = i + 1 == threads ? hi : lo + (i + 1) * span;
        if (job->hi > hi)
            job->hi = hi;
        if (job->lo > job->hi)
            job->lo = job->hi;
        job->report = report;
        job->arg = arg;
        job->lock = &lock;
        job->problems = &problems;
        job->disclosure = disclosure;
        job->missing_current = missing_current;
    }
    //  Worker 0 runs on this thread; the others on their own.
    for (unsigned i = 1; i < threads; i++)
        started[i] = pthread_create (&tids[i], NULL, s_fsck_worker, &jobs[i])
                     == 0;
    s_fsck_worker (&jobs[0]);
    for (unsigned i = 1; i < threads; i++) {
        if (started[i])
            pthread_join (tids[i], NULL);
        else
            s_fsck_worker (&jobs[i]);
    }

    node_fsck_stats_t st = { 0, 0, 0, 0 };
    rc = 0;
    for (unsigned i = 0; i < threads; i++) {
        st.entries += jobs[i].entries;
        st.payloads += jobs[i].payloads;
        if (jobs[i].rc && !rc)
            rc = jobs[i].rc;
        s_txn_end (self, txns[i + 1]);
    }
    if (rc == 0) {
        s_fsck_main_t *m = calloc (1, sizeof *m);
        if (m) {
            m->self = self;
            m->txn = txn;
            m->report = report;
            m->arg = arg;
            m->lock = &lock;
            m->problems = &problems;
            rc = s_fsck_structure (m);
            st.authors = m->authors;
            free (m);
        }
        else
            rc = ENOMEM;
    }
    s_txn_end (self, txn);
    free (jobs);
    free (tids);
    free (started);
    st.problems = problems;
    if (stats)
        *stats = st;
    if (rc) {
        s_mdb_error (self, "fsck", rc);
        return -1;
    }
    return problems ? 1 : 0;
}

//  --------------------------------------------------------------------------
//  Selftest

#define S_TEST_MAP (1024 * 1024)

typedef struct {
    char dir[64];                   /* scratch directory                    */
    keys_secret_t *alice;           /* this node; in group finance          */
    keys_secret_t *bob;             /* member; finance and energy           */
    keys_secret_t *carol;           /* member; energy                       */
    keys_secret_t *mallory;         /* not a member                         */
    keys_roster_t *roster;
} s_fixture_t;

static void
s_test_card (keys_card_t *card, const char *name, proto_sector_t sector,
             const keys_secret_t *key)
{
    memset (card, 0, sizeof *card);
    snprintf (card->name, sizeof card->name, "%s", name);
    card->sector = sector;
    memcpy (card->sign_pk, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    memcpy (card->box_pk, keys_secret_box_pk (key), PROTO_BOXPK_BYTES);
}

static void
s_fixture_new (s_fixture_t *f)
{
    memset (f, 0, sizeof *f);
    snprintf (f->dir, sizeof f->dir, "/tmp/node_store_test.XXXXXX");
    assert (mkdtemp (f->dir));
    f->alice = keys_secret_generate ();
    f->bob = keys_secret_generate ();
    f->carol = keys_secret_generate ();
    f->mallory = keys_secret_generate ();
    assert (f->alice && f->bob && f->carol && f->mallory);
    char err[256];
    f->roster = keys_roster_new (NULL, 1);
    assert (f->roster);
    keys_card_t card;
    s_test_card (&card, "alice", PROTO_SECTOR_BANKING, f->alice);
    assert (keys_roster_add_member (f->roster, &card, "", err, sizeof err)
            == 0);
    s_test_card (&card, "bob", PROTO_SECTOR_SECURITIES, f->bob);
    assert (keys_roster_add_member (f->roster, &card, "", err, sizeof err)
            == 0);
    s_test_card (&card, "carol", PROTO_SECTOR_GAS, f->carol);
    assert (keys_roster_add_member (f->roster, &card, "", err, sizeof err)
            == 0);
    const char *finance[] = { "alice", "bob" };
    const char *energy[] = { "bob", "carol" };
    assert (keys_roster_set_group (f->roster, "finance", finance, 2, err,
                                   sizeof err) == 0);
    assert (keys_roster_set_group (f->roster, "energy", energy, 2, err,
                                   sizeof err) == 0);
    uint8_t sig[PROTO_SIG_BYTES];
    assert (keys_roster_sign (f->roster, f->alice, sig) == 0);
    assert (keys_roster_add_signature (f->roster,
                                       keys_secret_sign_pk (f->alice), sig,
                                       err, sizeof err) == 0);
    assert (keys_roster_verify (f->roster, NULL, NULL, err, sizeof err)
            == 0);
}

static void
s_fixture_destroy (s_fixture_t *f)
{
    char path[128];
    snprintf (path, sizeof path, "%s/data.mdb", f->dir);
    unlink (path);
    snprintf (path, sizeof path, "%s/lock.mdb", f->dir);
    unlink (path);
    assert (rmdir (f->dir) == 0);
    keys_roster_destroy (&f->roster);
    keys_secret_destroy (&f->alice);
    keys_secret_destroy (&f->bob);
    keys_secret_destroy (&f->carol);
    keys_secret_destroy (&f->mallory);
}

static node_store_t *
s_test_open (s_fixture_t *f, size_t map, size_t max_map)
{
    char err[256];
    node_store_t *store = node_store_open (f->dir, map, max_map, err,
                                           sizeof err);
    if (!store)
        fprintf (stderr, "node_store_open: %s\n", err);
    assert (store);
    node_store_set_roster (store, f->roster);
    node_store_set_self (store, keys_secret_sign_pk (f->alice));
    return store;
}

//  A plaintext payload with a body of body_len bytes; returns its size.
static size_t
s_test_payload (uint8_t *buf, size_t cap, const char *title, size_t body_len)
{
    static char body[4096];
    assert (body_len <= sizeof body);
    for (size_t i = 0; i < body_len; i++)
        body[i] = (char) ('a' + i % 26);
    proto_payload_t payload;
    proto_payload_init (&payload, PROTO_KIND_INCIDENT, 2);
    assert (proto_payload_add_sector (&payload, PROTO_SECTOR_BANKING) == 0);
    payload.title = title;
    payload.title_len = strlen (title);
    payload.body = body;
    payload.body_len = body_len;
    size_t size = proto_payload_encode (&payload, buf, cap);
    assert (size > 0);
    return size;
}

//  A GREEN post to the council of payload (len bytes), stamped now.
static node_post_t
s_test_green_post (const uint8_t *payload, size_t len)
{
    node_post_t post;
    memset (&post, 0, sizeof post);
    post.level = PROTO_LEVEL_GREEN;
    proto_audience_set_council (&post.audience);
    post.payload = payload;
    post.payload_len = len;
    return post;
}

//  Header flags of the stubs s_test_stub makes (0 but in s_test_receipts).
static uint8_t s_test_flags = 0;

//  A signed stub by key, as a peer would send it. Returns its length.
static size_t
s_test_stub (uint8_t *stub, const keys_secret_t *key, uint64_t seq,
             const uint8_t *prev, uint64_t ts, proto_level_t level,
             const proto_audience_t *audience, const uint8_t *payload,
             size_t payload_len)
{
    proto_header_t h;
    memset (&h, 0, sizeof h);
    h.flags = s_test_flags;
    memcpy (h.author, keys_secret_sign_pk (key), PROTO_PK_BYTES);
    h.seq = seq;
    if (prev)
        memcpy (h.prev, prev, PROTO_HASH_BYTES);
    h.timestamp_ms = ts;
    h.level = level;
    h.audience = *audience;
    h.payload_len = (uint32_t) payload_len;
    proto_hash (h.payload_hash, payload, payload_len);
    size_t len = proto_entry_sign (&h, keys_secret_sign_sk (key), stub,
                                   PROTO_STUB_MAX);
    assert (len > 0);
    return len;
}

typedef struct {
    size_t count;
    uint64_t last_seq;
    uint64_t last_ts;
    bool ordered;                   /* timestamps / seqs never went down    */
    bool with_payload;              /* every entry had its payload          */
    uint8_t id[PROTO_HASH_BYTES];   /* last entry's id                      */
    uint8_t payload[2048];          /* last entry's payload                 */
    size_t payload_len;
    proto_header_t header;          /* last entry's header                  */
    int stop_after;                 /* stop with 7 after this many, 0 never */
} s_visit_t;

static int
s_test_visit (const node_entry_t *e, void *arg)
{
    s_visit_t *v = arg;
    if (v->count == 0) {
        v->ordered = true;
        v->with_payload = true;
    }
    if (v->count && (e->header.timestamp_ms < v->last_ts))
        v->ordered = false;
    v->count++;
    v->last_ts = e->header.timestamp_ms;
    v->last_seq = e->header.seq;
    memcpy (v->id, e->id, PROTO_HASH_BYTES);
    v->header = e->header;
    //  The stub handed over is the signed one, and its id is right.
    uint8_t id[PROTO_HASH_BYTES];
    proto_entry_id (id, e->stub, e->stub_len);
    assert (!memcmp (id, e->id, PROTO_HASH_BYTES));
    proto_header_t h;
    assert (proto_stub_verify (&h, e->stub, e->stub_len) == PROTO_OK);
    assert (h.seq == e->header.seq);
    assert (!memcmp (h.author, e->header.author, PROTO_PK_BYTES));
    assert (e->stored_ms > 0);
    assert (e->row >= 1);
    if (!e->payload)
        v->with_payload = false;
    v->payload_len = 0;
    if (e->payload && e->payload_len <= sizeof v->payload) {
        memcpy (v->payload, e->payload, e->payload_len);
        v->payload_len = e->payload_len;
    }
    if (v->stop_after && (int) v->count == v->stop_after)
        return 7;
    return 0;
}

typedef struct {
    size_t lines;
    char text[4096];
    bool verbose;
} s_report_t;

static void
s_test_report (const char *problem, void *arg)
{
    s_report_t *r = arg;
    r->lines++;
    size_t used = strlen (r->text);
    snprintf (r->text + used, sizeof r->text - used, "%s\n", problem);
    if (r->verbose)
        printf ("    fsck: %s\n", problem);
}

static void
s_test_fsck_clean (node_store_t *store, unsigned threads, uint64_t entries)
{
    s_report_t rep;
    memset (&rep, 0, sizeof rep);
    node_fsck_stats_t st;
    int rc = node_store_fsck (store, threads, s_test_report, &rep, &st);
    if (rc != 0)
        fprintf (stderr, "%s", rep.text);
    assert (rc == 0);
    assert (store->txns == 0);
    assert (rep.lines == 0);
    assert (st.entries == entries);
    assert (st.problems == 0);
}

static void
s_post_one (node_store_t *store, const keys_secret_t *key, const char *title,
            uint64_t ts, uint8_t id[PROTO_HASH_BYTES])
{
    uint8_t payload[1024];
    node_post_t post = s_test_green_post (
        payload, s_test_payload (payload, sizeof payload, title, 100));
    post.timestamp_ms = ts;
    uint8_t ids[1][PROTO_HASH_BYTES];
    proto_reject_t r = node_store_post (store, key, &post, 1, ids);
    assert (r == PROTO_OK);
    if (id)
        memcpy (id, ids[0], PROTO_HASH_BYTES);
}

//  A visitor that looks its entry up again, from inside the scan.
typedef struct {
    node_store_t *store;
    size_t found;
} s_nested_t;

static int
s_test_nested (const node_entry_t *e, void *arg)
{
    s_nested_t *n = arg;
    s_visit_t v;
    memset (&v, 0, sizeof v);
    if (node_store_get (n->store, e->id, s_test_visit, &v) == 0
        && v.count == 1 && v.header.seq == e->header.seq)
        n->found++;
    return 0;
}

//  Another process opens and reads the store while this one holds it
//  open. The verdict comes back over a pipe, not the exit status, which
//  valgrind replaces when the child exits holding the parent's heap.
static void
s_test_other_process (const char *dir, uint64_t expect)
{
    int fds[2];
    assert (pipe (fds) == 0);
    fflush (stdout);
    pid_t pid = fork ();
    assert (pid >= 0);
    if (pid == 0) {
        close (fds[0]);
        char err[256];
        node_store_t *store = node_store_open (dir, 0, 0, err, sizeof err);
        char verdict = store && node_store_count (store) == expect ? 'y'
                                                                    : 'n';
        node_store_destroy (&store);
        ssize_t rc = write (fds[1], &verdict, 1);
        (void) rc;
        _exit (0);
    }
    close (fds[1]);
    char verdict = 0;
    assert (read (fds[0], &verdict, 1) == 1);
    close (fds[0]);
    int status;
    assert (waitpid (pid, &status, 0) == pid);
    assert (verdict == 'y');
}

//  Post, read back by id, by time, by author; batch; reopen.
static void
s_test_post_and_read (bool verbose)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    store->ids_merge_at = 64;   /* the batch below merges the id index */
    const uint8_t *apk = keys_secret_sign_pk (f.alice);
    assert (node_store_count (store) == 0);
    assert (node_store_head (store, apk, NULL, NULL) == NODE_STORE_NOTFOUND);
    s_test_fsck_clean (store, 1, 0);

    uint8_t payload[1024];
    node_post_t post;
    memset (&post, 0, sizeof post);
    post.level = PROTO_LEVEL_AMBER;
    post.flags = PROTO_FLAG_URGENT;
    assert (proto_audience_set_group (&post.audience, "finance") == 0);
    post.payload = payload;
    post.payload_len = s_test_payload (payload, sizeof payload, "first", 300);
    post.timestamp_ms = 1700000000000ULL;
    uint8_t id1[1][PROTO_HASH_BYTES];
    assert (node_store_post (store, f.alice, &post, 1, id1) == PROTO_OK);
    assert (node_store_count (store) == 1);

    uint64_t seq = 0;
    uint8_t hid[PROTO_HASH_BYTES];
    assert (node_store_head (store, apk, &seq, hid) == 0);
    assert (seq == 1 && !memcmp (hid, id1[0], PROTO_HASH_BYTES));

    s_visit_t v;
    memset (&v, 0, sizeof v);
    assert (node_store_get (store, id1[0], s_test_visit, &v) == 0);
    assert (v.count == 1);
    assert (v.header.seq == 1 && v.header.level == PROTO_LEVEL_AMBER);
    assert (v.header.flags == PROTO_FLAG_URGENT);
    assert (v.header.timestamp_ms == 1700000000000ULL);
    assert (v.header.audience.type == PROTO_AUDIENCE_GROUP);
    assert (!strcmp (v.header.audience.group, "finance"));
    assert (!memcmp (v.header.author, apk, PROTO_PK_BYTES));
    assert (v.payload_len == post.payload_len);
    assert (!memcmp (v.payload, payload, post.payload_len));
    uint8_t other[PROTO_HASH_BYTES];
    memcpy (other, id1[0], sizeof other);
    other[31] ^= 1;             /* same index prefix, different id */
    assert (node_store_get (store, other, s_test_visit, &v)
            == NODE_STORE_NOTFOUND);

    //  A batch of many entries in one call; timestamps 0 mean now. The
    //  others zigzag within the allowed clock skew, so that the times
    //  index must order what the rows do not.
    enum { BATCH = 300 };
    node_post_t *posts = calloc (BATCH, sizeof *posts);
    uint8_t (*ids)[PROTO_HASH_BYTES] = calloc (BATCH, PROTO_HASH_BYTES);
    assert (posts && ids);
    for (size_t i = 0; i < BATCH; i++) {
        posts[i].level = PROTO_LEVEL_GREEN;
        proto_audience_set_council (&posts[i].audience);
        posts[i].payload = payload;
        posts[i].payload_len = post.payload_len;
        posts[i].timestamp_ms = i >= BATCH - 10 ? 0
                                : 1700000000000ULL + 1000 + i
                                      + (i % 2 ? 60000 : 0);
    }
    assert (node_store_post (store, f.alice, posts, BATCH, ids)
            == PROTO_OK);
    assert (node_store_count (store) == BATCH + 1);
    assert (node_store_head (store, apk, &seq, hid) == 0);
    assert (seq == BATCH + 1);
    assert (!memcmp (hid, ids[BATCH - 1], PROTO_HASH_BYTES));
    memset (&v, 0, sizeof v);
    assert (node_store_get (store, ids[123], s_test_visit, &v) == 0);
    assert (v.header.seq == 125);

    //  By author, from a seq, in seq order; a visitor can stop the scan.
    memset (&v, 0, sizeof v);
    assert (node_store_scan_author (store, apk, 250, s_test_visit, &v) == 0);
    assert (v.count == BATCH + 1 - 249 && v.last_seq == BATCH + 1);
    memset (&v, 0, sizeof v);
    v.stop_after = 3;
    assert (node_store_scan_author (store, apk, 1, s_test_visit, &v) == 7);
    assert (v.count == 3 && v.last_seq == 3);
    memset (&v, 0, sizeof v);
    assert (node_store_scan_author (store, keys_secret_sign_pk (f.bob), 1,
                                    s_test_visit, &v) == 0);
    assert (v.count == 0);

    //  By time, oldest first.
    memset (&v, 0, sizeof v);
    assert (node_store_scan_time (store, 0, s_test_visit, &v) == 0);
    assert (v.count == BATCH + 1 && v.ordered && v.with_payload);
    memset (&v, 0, sizeof v);
    assert (node_store_scan_time (store, 1700000000000ULL + 1000, s_test_visit,
                                  &v) == 0);
    assert (v.count == BATCH && v.ordered);
    memset (&v, 0, sizeof v);
    assert (node_store_scan_time (store, UINT64_MAX, s_test_visit, &v) == 0);
    assert (v.count == 0);
    s_test_fsck_clean (store, 1, BATCH + 1);
    s_test_fsck_clean (store, 2, BATCH + 1);
    s_test_fsck_clean (store, 0, BATCH + 1);
    s_nested_t nested = { store, 0 };
    assert (node_store_scan_author (store, apk, 290, s_test_nested, &nested)
            == 0);
    assert (nested.found == BATCH + 1 - 289 && store->txns == 0);
    s_test_other_process (f.dir, BATCH + 1);
    if (verbose)
        printf ("\n    %d entries, %" PRIu64 " bytes on disk", BATCH + 1,
                node_store_disk_bytes (store));

    //  Reopen: everything is still there, and posting goes on.
    node_store_destroy (&store);
    assert (store == NULL);
    node_store_destroy (&store);
    struct stat sb;
    assert (stat (f.dir, &sb) == 0 && (sb.st_mode & 0777) == 0700);
    char path[128];
    snprintf (path, sizeof path, "%s/data.mdb", f.dir);
    assert (stat (path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    store = s_test_open (&f, S_TEST_MAP, 0);
    assert (node_store_count (store) == BATCH + 1);
    assert (node_store_head (store, apk, &seq, hid) == 0);
    assert (seq == BATCH + 1);
    memset (&v, 0, sizeof v);
    assert (node_store_get (store, id1[0], s_test_visit, &v) == 0);
    assert (v.count == 1 && v.payload_len == post.payload_len);
    uint8_t id[PROTO_HASH_BYTES];
    s_post_one (store, f.alice, "after reopen", 0, id);
    memset (&v, 0, sizeof v);
    assert (node_store_get (store, id, s_test_visit, &v) == 0);
    assert (v.header.seq == BATCH + 2);
    assert (!memcmp (v.header.prev, ids[BATCH - 1], PROTO_HASH_BYTES));
    s_test_fsck_clean (store, 2, BATCH + 2);
    assert (node_store_last_error (store)[0] == 0);

    free (posts);
    free (ids);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  What post refuses, each with its own reason, writing nothing.
static void
s_test_post_rejects (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    uint8_t payload[1024];
    size_t plen = s_test_payload (payload, sizeof payload, "x", 50);
    node_post_t post = s_test_green_post (payload, plen);
    uint8_t ids[3][PROTO_HASH_BYTES];

    assert (node_store_post (store, f.mallory, &post, 1, ids)
            == PROTO_REJECT_UNKNOWN_AUTHOR);
    node_post_t bad = post;
    assert (proto_audience_set_group (&bad.audience, "nosuchgroup") == 0);
    assert (node_store_post (store, f.alice, &bad, 1, ids)
            == PROTO_REJECT_AUDIENCE);
    bad = post;
    proto_audience_set_nodes (&bad.audience);
    assert (proto_audience_add_node (&bad.audience,
                                     keys_secret_sign_pk (f.mallory)) == 0);
    assert (node_store_post (store, f.alice, &bad, 1, ids)
            == PROTO_REJECT_AUDIENCE);
    //  RED needs the sealed form; plaintext levels the plaintext form.
    bad = post;
    bad.level = PROTO_LEVEL_RED;
    proto_audience_set_nodes (&bad.audience);
    assert (proto_audience_add_node (&bad.audience,
                                     keys_secret_sign_pk (f.bob)) == 0);
    assert (node_store_post (store, f.alice, &bad, 1, ids)
            == PROTO_REJECT_SEALING);
    uint8_t sealed[2048];
    proto_recipient_t rcpt[2];
    memcpy (rcpt[0].sign_pk, keys_secret_sign_pk (f.alice), PROTO_PK_BYTES);
    memcpy (rcpt[0].box_pk, keys_secret_box_pk (f.alice), PROTO_BOXPK_BYTES);
    memcpy (rcpt[1].sign_pk, keys_secret_sign_pk (f.bob), PROTO_PK_BYTES);
    memcpy (rcpt[1].box_pk, keys_secret_box_pk (f.bob), PROTO_BOXPK_BYTES);
    size_t slen = proto_seal (payload, plen, keys_secret_sign_pk (f.alice),
                              rcpt, 2, sealed, sizeof sealed);
    assert (slen > 0);
    bad = post;
    bad.payload = sealed;
    bad.payload_len = slen;
    assert (node_store_post (store, f.alice, &bad, 1, ids)
            == PROTO_REJECT_SEALING);
    bad.payload_len = 0;
    assert (node_store_post (store, f.alice, &bad, 1, ids)
            == PROTO_REJECT_PAYLOAD_LEN);
    //  RED to the whole council: RED needs named recipients.
    bad = post;
    bad.level = PROTO_LEVEL_RED;
    bad.payload = sealed;
    bad.payload_len = slen;
    assert (node_store_post (store, f.alice, &bad, 1, ids)
            == PROTO_REJECT_AUDIENCE);
    //  One bad post in a batch: nothing of the batch is written.
    node_post_t batch[3] = { post, post, post };
    assert (proto_audience_set_group (&batch[2].audience, "nosuchgroup")
            == 0);
    assert (node_store_post (store, f.alice, batch, 3, ids)
            == PROTO_REJECT_AUDIENCE);
    assert (node_store_count (store) == 0);
    //  The same in a larger batch, the bad one near the end.
    enum { BIG = 40 };
    node_post_t big[BIG];
    uint8_t big_ids[BIG][PROTO_HASH_BYTES];
    for (size_t i = 0; i < BIG; i++)
        big[i] = post;
    big[BIG - 5].flags = 0x80;
    assert (node_store_post (store, f.alice, big, BIG, big_ids)
            == PROTO_REJECT_FIELD);
    assert (node_store_count (store) == 0);
    big[BIG - 5].flags = 0;
    big[0].payload_len = 0;
    assert (node_store_post (store, f.alice, big, BIG, big_ids)
            == PROTO_REJECT_PAYLOAD_LEN);
    assert (node_store_count (store) == 0);

    //  A RED post sealed to the named node and the author is fine.
    bad = post;
    bad.level = PROTO_LEVEL_RED;
    proto_audience_set_nodes (&bad.audience);
    assert (proto_audience_add_node (&bad.audience,
                                     keys_secret_sign_pk (f.bob)) == 0);
    bad.payload = sealed;
    bad.payload_len = slen;
    assert (node_store_post (store, f.alice, &bad, 1, ids) == PROTO_OK);
    assert (node_store_count (store) == 1);
    //  An author may post to a group it is not in, and keeps its own.
    bad = post;
    assert (proto_audience_set_group (&bad.audience, "energy") == 0);
    assert (node_store_post (store, f.alice, &bad, 1, ids) == PROTO_OK);
    s_test_fsck_clean (store, 1, 2);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

typedef struct {
    size_t count;
    uint64_t seq;
    uint8_t author[PROTO_PK_BYTES];
    bool valid;                     /* both stubs verify, same author+seq   */
} s_forks_t;

static int
s_test_fork_visit (const uint8_t author[PROTO_PK_BYTES], uint64_t seq,
                   const uint8_t *held, size_t held_len, const uint8_t *other,
                   size_t other_len, uint64_t detected_ms, void *arg)
{
    s_forks_t *fk = arg;
    fk->count++;
    fk->seq = seq;
    memcpy (fk->author, author, PROTO_PK_BYTES);
    proto_header_t h1, h2;
    fk->valid = proto_stub_verify (&h1, held, held_len) == PROTO_OK
                && proto_stub_verify (&h2, other, other_len) == PROTO_OK
                && h1.seq == seq && h2.seq == seq
                && !memcmp (h1.author, author, PROTO_PK_BYTES)
                && !memcmp (h2.author, author, PROTO_PK_BYTES)
                && (held_len != other_len || memcmp (held, other, held_len))
                && detected_ms > 0;
    return 0;
}

//  The clock policy (docs/protocol.md 5.6): an entry stamped more than the
//  allowed skew ahead of this node's clock is deferred, one stamped that
//  far before its chain's previous entry refused; the author never signs
//  either. Up to the skew, both pass.
static void
s_test_clock (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    proto_audience_t council;
    proto_audience_set_council (&council);
    uint8_t payload[1024];
    size_t plen = s_test_payload (payload, sizeof payload, "clock", 100);
    const uint64_t skew = PROTO_CLOCK_SKEW_MAX_MS;
    uint64_t now = proto_now_ms ();
    uint8_t s[4][PROTO_STUB_MAX], id[4][PROTO_HASH_BYTES];
    size_t l[4];

    //  Ahead by twice the skew: deferred, nothing stored; ahead by less
    //  than the skew (a minute of margin for this test's own time): kept.
    l[0] = s_test_stub (s[0], f.bob, 1, NULL, now + 2 * skew,
                        PROTO_LEVEL_GREEN, &council, payload, plen);
    assert (node_store_append (store, s[0], l[0], payload, plen, NULL)
            == PROTO_REJECT_TIME_AHEAD);
    assert (node_store_count (store) == 0);
    l[0] = s_test_stub (s[0], f.bob, 1, NULL, now + skew - 60000,
                        PROTO_LEVEL_GREEN, &council, payload, plen);
    assert (node_store_append (store, s[0], l[0], payload, plen, id[0])
            == PROTO_OK);
    //  The next one may go back by up to the skew, not by more.
    uint64_t first = now + skew - 60000;
    l[1] = s_test_stub (s[1], f.bob, 2, id[0], first - skew - 1,
                        PROTO_LEVEL_GREEN, &council, payload, plen);
    assert (node_store_append (store, s[1], l[1], payload, plen, NULL)
            == PROTO_REJECT_TIME_ORDER);
    l[1] = s_test_stub (s[1], f.bob, 2, id[0], first - skew,
                        PROTO_LEVEL_GREEN, &council, payload, plen);
    assert (node_store_append (store, s[1], l[1], payload, plen, id[1])
            == PROTO_OK);
    //  In a batch: a refused one does not take the rest with it.
    l[2] = s_test_stub (s[2], f.bob, 3, id[1], first - 2 * skew - 1,
                        PROTO_LEVEL_GREEN, &council, payload, plen);
    node_append_t items[1] = { { s[2], l[2], payload, plen } };
    proto_reject_t results[1];
    assert (node_store_append_batch (store, items, 1, results, NULL)
            == PROTO_OK);
    assert (results[0] == PROTO_REJECT_TIME_ORDER);
    assert (node_store_count (store) == 2);

    //  The author's own posts: never signed out of policy.
    node_post_t post = s_test_green_post (payload, plen);
    post.timestamp_ms = now;
    assert (node_store_post (store, f.alice, &post, 1, id) == PROTO_OK);
    post.timestamp_ms = now - skew - 1;
    assert (node_store_post (store, f.alice, &post, 1, id)
            == PROTO_REJECT_TIME_ORDER);
    post.timestamp_ms = now + 2 * skew;
    assert (node_store_post (store, f.alice, &post, 1, id)
            == PROTO_REJECT_TIME_AHEAD);
    //  Within one batch too: the second goes back too far, nothing kept.
    node_post_t two[2] = { post, post };
    two[0].timestamp_ms = now + 1000;
    two[1].timestamp_ms = now + 1000 - skew - 1;
    assert (node_store_post (store, f.alice, two, 2, id)
            == PROTO_REJECT_TIME_ORDER);
    assert (node_store_count (store) == 3);
    post.timestamp_ms = 0;          /* now */
    assert (node_store_post (store, f.alice, &post, 1, id) == PROTO_OK);
    s_test_fsck_clean (store, 0, 4);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  Entries from another author: chain checks and every rejection.
static void
s_test_append (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    const uint8_t *bpk = keys_secret_sign_pk (f.bob);
    proto_audience_t council;
    proto_audience_set_council (&council);
    uint8_t payload[1024];
    size_t plen = s_test_payload (payload, sizeof payload, "bob", 200);
    uint64_t ts = 1700000000000ULL;
    uint8_t s1[PROTO_STUB_MAX], s2[PROTO_STUB_MAX], s3[PROTO_STUB_MAX];
    uint8_t id1[PROTO_HASH_BYTES], id2[PROTO_HASH_BYTES];
    uint8_t id3[PROTO_HASH_BYTES], id[PROTO_HASH_BYTES];

    size_t l1 = s_test_stub (s1, f.bob, 1, NULL, ts, PROTO_LEVEL_GREEN,
                             &council, payload, plen);
    proto_entry_id (id1, s1, l1);
    size_t l2 = s_test_stub (s2, f.bob, 2, id1, ts + 1, PROTO_LEVEL_GREEN,
                             &council, payload, plen);
    proto_entry_id (id2, s2, l2);

    //  Bad signature: one flipped byte.
    uint8_t bad[PROTO_STUB_MAX];
    memcpy (bad, s1, l1);
    bad[l1 - 1] ^= 0x40;
    assert (node_store_append (store, bad, l1, payload, plen, NULL)
            == PROTO_REJECT_SIGNATURE);
    memcpy (bad, s1, l1);
    bad[80] ^= 0x01;            /* the timestamp, inside the header */
    assert (node_store_append (store, bad, l1, payload, plen, NULL)
            == PROTO_REJECT_SIGNATURE);
    assert (node_store_append (store, s1, l1 - 3, payload, plen, NULL)
            != PROTO_OK);
    //  Not a roster member.
    uint8_t sm[PROTO_STUB_MAX];
    size_t lm = s_test_stub (sm, f.mallory, 1, NULL, ts, PROTO_LEVEL_GREEN,
                             &council, payload, plen);
    assert (node_store_append (store, sm, lm, payload, plen, NULL)
            == PROTO_REJECT_UNKNOWN_AUTHOR);
    //  Chain: seq 2 before seq 1 is a gap.
    assert (node_store_append (store, s2, l2, payload, plen, NULL)
            == PROTO_REJECT_CHAIN_SEQ);
    //  Payload that does not match its header.
    uint8_t wrong[1024];
    memcpy (wrong, payload, plen);
    wrong[plen - 1] ^= 1;
    assert (node_store_append (store, s1, l1, wrong, plen, NULL)
            == PROTO_REJECT_PAYLOAD_HASH);
    assert (node_store_append (store, s1, l1, payload, plen - 1, NULL)
            == PROTO_REJECT_PAYLOAD_LEN);
    assert (node_store_count (store) == 0);

    //  Header first, payload later.
    assert (node_store_append (store, s1, l1, NULL, 0, id) == PROTO_OK);
    assert (!memcmp (id, id1, PROTO_HASH_BYTES));
    s_visit_t v;
    memset (&v, 0, sizeof v);
    assert (node_store_get (store, id1, s_test_visit, &v) == 0);
    assert (v.count == 1 && v.payload_len == 0);
    assert (node_store_append (store, s1, l1, wrong, plen, NULL)
            == PROTO_REJECT_PAYLOAD_HASH);
    assert (node_store_append (store, s1, l1, payload, plen, NULL)
            == PROTO_REJECT_DUPLICATE);
    memset (&v, 0, sizeof v);
    assert (node_store_get (store, id1, s_test_visit, &v) == 0);
    assert (v.payload_len == plen && !memcmp (v.payload, payload, plen));
    assert (node_store_append (store, s1, l1, payload, plen, NULL)
            == PROTO_REJECT_DUPLICATE);
    assert (node_store_count (store) == 1);

    //  Wrong prev at the right seq.
    uint8_t sp[PROTO_STUB_MAX];
    uint8_t fake[PROTO_HASH_BYTES];
    memset (fake, 0x5a, sizeof fake);
    size_t lp = s_test_stub (sp, f.bob, 2, fake, ts + 1, PROTO_LEVEL_GREEN,
                             &council, payload, plen);
    assert (node_store_append (store, sp, lp, payload, plen, NULL)
            == PROTO_REJECT_CHAIN_PREV);
    assert (node_store_append (store, s2, l2, payload, plen, NULL)
            == PROTO_OK);
    uint64_t seq;
    assert (node_store_head (store, bpk, &seq, id) == 0);
    assert (seq == 2 && !memcmp (id, id2, PROTO_HASH_BYTES));

    //  A batch: seq 3 and 4 build on each other; a bad one in between
    //  does not stop the others.
    uint8_t s4[PROTO_STUB_MAX];
    size_t l3 = s_test_stub (s3, f.bob, 3, id2, ts + 2, PROTO_LEVEL_GREEN,
                             &council, payload, plen);
    proto_entry_id (id3, s3, l3);
    size_t l4 = s_test_stub (s4, f.bob, 4, id3, ts + 3, PROTO_LEVEL_GREEN,
                             &council, payload, plen);
    node_append_t items[3] = { { s3, l3, payload, plen },
                               { sm, lm, payload, plen },
                               { s4, l4, NULL, 0 } };
    proto_reject_t results[3];
    uint8_t bids[3][PROTO_HASH_BYTES];
    assert (node_store_append_batch (store, items, 3, results, bids)
            == PROTO_OK);
    assert (results[0] == PROTO_OK);
    assert (results[1] == PROTO_REJECT_UNKNOWN_AUTHOR);
    assert (results[2] == PROTO_OK);
    assert (!memcmp (bids[0], id3, PROTO_HASH_BYTES));
    assert (node_store_count (store) == 4);

    //  Fork: another valid entry at seq 3.
    uint8_t sf[PROTO_STUB_MAX];
    size_t lf = s_test_stub (sf, f.bob, 3, id2, ts + 99, PROTO_LEVEL_GREEN,
                             &council, payload, plen);
    s_forks_t fk;
    memset (&fk, 0, sizeof fk);
    assert (node_store_forks (store, s_test_fork_visit, &fk) == 0);
    assert (fk.count == 0);
    assert (node_store_append (store, sf, lf, payload, plen, NULL)
            == PROTO_REJECT_FORK);
    assert (node_store_forks (store, s_test_fork_visit, &fk) == 0);
    assert (fk.count == 1 && fk.seq == 3 && fk.valid);
    assert (!memcmp (fk.author, bpk, PROTO_PK_BYTES));
    //  The author is frozen: nothing more of that chain.
    uint8_t s5[PROTO_STUB_MAX], id4[PROTO_HASH_BYTES];
    proto_entry_id (id4, s4, l4);
    size_t l5 = s_test_stub (s5, f.bob, 5, id4, ts + 4, PROTO_LEVEL_GREEN,
                             &council, payload, plen);
    assert (node_store_append (store, s5, l5, payload, plen, NULL)
            == PROTO_REJECT_FROZEN);
    assert (node_store_append (store, sf, lf, payload, plen, NULL)
            == PROTO_REJECT_FROZEN);
    assert (node_store_count (store) == 4);
    //  Other authors go on.
    s_post_one (store, f.alice, "alice", 0, NULL);
    assert (node_store_count (store) == 5);
    s_test_fsck_clean (store, 2, 5);

    //  Survives a reopen, fork evidence included.
    node_store_destroy (&store);
    store = s_test_open (&f, S_TEST_MAP, 0);
    assert (node_store_count (store) == 5);
    memset (&fk, 0, sizeof fk);
    assert (node_store_forks (store, s_test_fork_visit, &fk) == 0);
    assert (fk.count == 1 && fk.valid);
    assert (node_store_append (store, s5, l5, payload, plen, NULL)
            == PROTO_REJECT_FROZEN);
    memset (&v, 0, sizeof v);
    assert (node_store_scan_author (store, bpk, 1, s_test_visit, &v) == 0);
    assert (v.count == 4 && v.last_seq == 4);

    //  A retired key (mallory's, as if rotated out 10 s after ts): its
    //  entries stamped up to then are accepted, later ones refused.
    char err[256];
    keys_roster_t *later = keys_roster_dup_body (f.roster);
    assert (later);
    assert (keys_roster_retire (later, keys_secret_sign_pk (f.mallory),
                                "mallory", (int64_t) (ts / 1000) + 10, err,
                                sizeof err)
            == 0);
    node_store_set_roster (store, later);
    assert (node_store_append (store, sm, lm, payload, plen, NULL)
            == PROTO_OK);
    uint8_t idm[PROTO_HASH_BYTES], sm2[PROTO_STUB_MAX];
    proto_entry_id (idm, sm, lm);
    size_t lm2 = s_test_stub (sm2, f.mallory, 2, idm, ts + 10001,
                              PROTO_LEVEL_GREEN, &council, payload, plen);
    assert (node_store_append (store, sm2, lm2, payload, plen, NULL)
            == PROTO_REJECT_KEY_RETIRED);
    lm2 = s_test_stub (sm2, f.mallory, 2, idm, ts + 10000, PROTO_LEVEL_GREEN,
                       &council, payload, plen);
    assert (node_store_append (store, sm2, lm2, payload, plen, NULL)
            == PROTO_OK);
    //  A revoked key: nothing more, whatever its timestamp, and this node
    //  cannot post with it either.
    assert (keys_roster_revoke (later, keys_secret_sign_pk (f.alice)) == 0);
    uint8_t sa[PROTO_STUB_MAX];
    uint64_t alice_seq;
    uint8_t alice_head[PROTO_HASH_BYTES];
    assert (node_store_head (store, keys_secret_sign_pk (f.alice), &alice_seq,
                             alice_head)
            == 0);
    size_t la = s_test_stub (sa, f.alice, alice_seq + 1, alice_head, ts,
                             PROTO_LEVEL_GREEN, &council, payload, plen);
    assert (node_store_append (store, sa, la, payload, plen, NULL)
            == PROTO_REJECT_REVOKED);
    node_post_t post = { 0 };
    post.payload = payload;
    post.payload_len = plen;
    post.level = PROTO_LEVEL_GREEN;
    post.audience = council;
    uint8_t post_id[1][PROTO_HASH_BYTES];
    assert (node_store_post (store, f.alice, &post, 1, post_id)
            == PROTO_REJECT_REVOKED);
    node_store_set_roster (store, f.roster);
    keys_roster_destroy (&later);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  The disclosure rule decides what payloads this node keeps.
static void
s_test_disclosure (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    uint8_t payload[1024];
    size_t plen = s_test_payload (payload, sizeof payload, "energy", 200);
    uint64_t ts = 1700000000000ULL;

    //  Plaintext for the energy group (bob, carol): alice may not hold it.
    proto_audience_t energy;
    assert (proto_audience_set_group (&energy, "energy") == 0);
    uint8_t s1[PROTO_STUB_MAX], id1[PROTO_HASH_BYTES];
    size_t l1 = s_test_stub (s1, f.bob, 1, NULL, ts, PROTO_LEVEL_AMBER,
                             &energy, payload, plen);
    proto_entry_id (id1, s1, l1);
    assert (node_store_append (store, s1, l1, payload, plen, NULL)
            == PROTO_REJECT_NOT_CLEARED);
    assert (node_store_count (store) == 0);
    s_visit_t v;
    memset (&v, 0, sizeof v);
    assert (node_store_get (store, id1, s_test_visit, &v)
            == NODE_STORE_NOTFOUND);
    //  The header alone is for everyone.
    assert (node_store_append (store, s1, l1, NULL, 0, NULL) == PROTO_OK);
    assert (node_store_append (store, s1, l1, payload, plen, NULL)
            == PROTO_REJECT_NOT_CLEARED);
    memset (&v, 0, sizeof v);
    assert (node_store_get (store, id1, s_test_visit, &v) == 0);
    assert (v.count == 1 && v.payload_len == 0);

    //  RED, sealed to bob and carol: alice carries it without opening it.
    proto_audience_t nodes;
    proto_audience_set_nodes (&nodes);
    assert (proto_audience_add_node (&nodes, keys_secret_sign_pk (f.carol))
            == 0);
    proto_recipient_t rcpt[2];
    memcpy (rcpt[0].sign_pk, keys_secret_sign_pk (f.bob), PROTO_PK_BYTES);
    memcpy (rcpt[0].box_pk, keys_secret_box_pk (f.bob), PROTO_BOXPK_BYTES);
    memcpy (rcpt[1].sign_pk, keys_secret_sign_pk (f.carol), PROTO_PK_BYTES);
    memcpy (rcpt[1].box_pk, keys_secret_box_pk (f.carol), PROTO_BOXPK_BYTES);
    uint8_t sealed[2048];
    size_t slen = proto_seal (payload, plen, keys_secret_sign_pk (f.bob),
                              rcpt, 2, sealed, sizeof sealed);
    assert (slen > 0);
    assert (!proto_seal_has_recipient (sealed, slen,
                                       keys_secret_sign_pk (f.alice)));
    uint8_t s2[PROTO_STUB_MAX], id2[PROTO_HASH_BYTES];
    size_t l2 = s_test_stub (s2, f.bob, 2, id1, ts + 1, PROTO_LEVEL_RED,
                             &nodes, sealed, slen);
    proto_entry_id (id2, s2, l2);
    //  A plaintext payload under a RED header is refused.
    uint8_t s3[PROTO_STUB_MAX];
    size_t l3 = s_test_stub (s3, f.bob, 2, id1, ts + 1, PROTO_LEVEL_RED,
                             &nodes, payload, plen);
    assert (node_store_append (store, s3, l3, payload, plen, NULL)
            == PROTO_REJECT_SEALING);
    assert (node_store_append (store, s2, l2, sealed, slen, NULL)
            == PROTO_OK);
    memset (&v, 0, sizeof v);
    assert (node_store_get (store, id2, s_test_visit, &v) == 0);
    assert (v.payload_len == slen && !memcmp (v.payload, sealed, slen));
    s_test_fsck_clean (store, 1, 2);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  A tiny maximum map: posting stops with STORAGE and a clear reason,
//  what was committed stays, and a larger maximum lets posting resume.
static void
s_test_map_full (bool verbose)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, 128 * 1024, 256 * 1024);
    uint8_t payload[1024];
    enum { N = 16 };
    node_post_t posts[N];
    memset (posts, 0, sizeof posts);
    size_t plen = s_test_payload (payload, sizeof payload, "full", 300);
    for (size_t i = 0; i < N; i++) {
        posts[i].level = PROTO_LEVEL_GREEN;
        proto_audience_set_council (&posts[i].audience);
        posts[i].payload = payload;
        posts[i].payload_len = plen;
    }
    uint8_t ids[N][PROTO_HASH_BYTES];
    uint64_t committed = 0;
    proto_reject_t r = PROTO_OK;
    for (int round = 0; round < 1000 && r == PROTO_OK; round++) {
        r = node_store_post (store, f.alice, posts, N, ids);
        if (r == PROTO_OK)
            committed += N;
    }
    assert (r == PROTO_REJECT_STORAGE);
    assert (committed > 0);
    const char *err = node_store_last_error (store);
    if (verbose)
        printf ("\n    after %" PRIu64 " entries: %s", committed, err);
    assert (strstr (err, "map full") && strstr (err, "store/max-map-size"));
    assert (node_store_count (store) == committed);
    s_test_fsck_clean (store, 2, committed);
    uint64_t seq;
    assert (node_store_head (store, keys_secret_sign_pk (f.alice), &seq,
                             NULL) == 0);
    assert (seq == committed);
    node_store_destroy (&store);

    store = s_test_open (&f, 128 * 1024, 4 * 1024 * 1024);
    assert (node_store_count (store) == committed);
    assert (node_store_post (store, f.alice, posts, N, ids) == PROTO_OK);
    assert (node_store_count (store) == committed + N);
    s_test_fsck_clean (store, 1, committed + N);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  Change the store behind its back and expect fsck to say so.
static void
s_test_damage (node_store_t *store, int what, uint64_t row)
{
    MDB_txn *txn;
    assert (mdb_txn_begin (store->env, NULL, 0, &txn) == 0);
    s_row_t key = (s_row_t) row;
    MDB_val k = { sizeof key, &key }, v;
    uint8_t buf[S_REC_MAX];
    if (what == 0) {                /* flip a signature byte in the log */
        assert (mdb_get (txn, store->log, &k, &v) == 0);
        memcpy (buf, v.mv_data, v.mv_size);
        buf[v.mv_size - 1] ^= 0x20;
        v.mv_data = buf;
        assert (mdb_put (txn, store->log, &k, &v, 0) == 0);
    }
    else if (what == 1) {           /* damage a payload */
        assert (mdb_get (txn, store->payloads, &k, &v) == 0);
        memcpy (buf, v.mv_data, v.mv_size);
        buf[v.mv_size / 2] ^= 0x01;
        v.mv_data = buf;
        assert (mdb_put (txn, store->payloads, &k, &v, 0) == 0);
    }
    else if (what == 2) {           /* lose an id index value */
        s_entry_t *e = malloc (sizeof *e);
        assert (e);
        assert (s_load (store, txn, row, e, false, false) == 0);
        uint8_t idv[S_ID_VAL];
        s_id_val (idv, e->ne.id, row);
        MDB_val ik = { sizeof s_index_key, (void *) s_index_key };
        MDB_val iv = { sizeof idv, idv };
        if (mdb_del (txn, store->ids_new, &ik, &iv))
            assert (mdb_del (txn, store->ids, &ik, &iv) == 0);
        free (e);
    }
    mdb_txn_commit (txn);
}

static void
s_test_fsck (bool verbose)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    store->ids_merge_at = 10;   /* ids in both tables of the id index */
    for (int i = 0; i < 20; i++)
        s_post_one (store, f.alice, "fsck", 0, NULL);
    //  A header this node holds, for a group it is not in.
    proto_audience_t energy;
    assert (proto_audience_set_group (&energy, "energy") == 0);
    uint8_t payload[1024], stub[PROTO_STUB_MAX];
    size_t plen = s_test_payload (payload, sizeof payload, "energy", 64);
    size_t slen = s_test_stub (stub, f.bob, 1, NULL, proto_now_ms (),
                               PROTO_LEVEL_GREEN, &energy, payload, plen);
    assert (node_store_append (store, stub, slen, NULL, 0, NULL) == PROTO_OK);
    s_test_fsck_clean (store, 2, 21);

    s_test_damage (store, 0, 5);
    s_test_damage (store, 1, 9);
    s_test_damage (store, 2, 12);
    //  A plaintext payload put where the disclosure rule refuses it.
    MDB_txn *txn;
    assert (mdb_txn_begin (store->env, NULL, 0, &txn) == 0);
    s_row_t key = 21;
    MDB_val k = { sizeof key, &key }, v = { plen, payload };
    assert (mdb_put (txn, store->payloads, &k, &v, 0) == 0);
    assert (mdb_txn_commit (txn) == 0);

    for (unsigned threads = 1; threads <= 2; threads++) {
        s_report_t rep;
        memset (&rep, 0, sizeof rep);
        rep.verbose = verbose && threads == 1;
        if (rep.verbose)
            printf ("\n");
        node_fsck_stats_t st;
        assert (node_store_fsck (store, threads, s_test_report, &rep, &st)
                == 1);
        assert (st.entries == 21 && st.payloads == 21 && st.authors == 2);
        assert (st.problems == rep.lines && rep.lines >= 5);
        assert (strstr (rep.text, "signature does not verify"));
        assert (strstr (rep.text, "payload does not match its header"));
        assert (strstr (rep.text, "missing from the id index"));
        assert (strstr (rep.text, "id index: 20 values for 21 entries"));
        assert (strstr (rep.text, "not cleared for"));
        //  Entry 6 names entry 5 as prev, whose rebuilt stub changed id.
        assert (strstr (rep.text, "prev is not the id of seq 5"));
    }
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  --------------------------------------------------------------------------
//  Selftest: rows, heads, references, retractions, missing payloads,
//  migration and parallel verification

//  One id, or an array of ids, as the targets of s_test_ref_payload.
#define S_IDS(x) ((const uint8_t (*)[PROTO_HASH_BYTES]) (x))

//  A plaintext payload with n references of relation rel; returns its size.
static size_t
s_test_ref_payload (uint8_t *buf, size_t cap, const char *title,
                    proto_relation_t rel,
                    const uint8_t (*targets)[PROTO_HASH_BYTES], size_t n)
{
    proto_payload_t payload;
    proto_payload_init (&payload, PROTO_KIND_INCIDENT, 1);
    payload.title = title;
    payload.title_len = strlen (title);
    payload.body = "see the referenced entries";
    payload.body_len = strlen (payload.body);
    for (size_t i = 0; i < n; i++)
        assert (proto_payload_add_ref (&payload, rel, targets[i]) == 0);
    size_t size = proto_payload_encode (&payload, buf, cap);
    assert (size > 0);
    return size;
}

//  One author's chain as a peer builds it: the next stub, its id.
typedef struct {
    const keys_secret_t *key;
    uint64_t seq;                   /* last seq built                       */
    uint8_t prev[PROTO_HASH_BYTES]; /* its id                               */
} s_chain_t;

static void
s_chain_init (s_chain_t *c, const keys_secret_t *key)
{
    memset (c, 0, sizeof *c);
    c->key = key;
}

static size_t
s_chain_next (s_chain_t *c, uint8_t *stub, proto_level_t level,
              const proto_audience_t *audience, const uint8_t *payload,
              size_t len, uint8_t id[PROTO_HASH_BYTES])
{
    size_t l = s_test_stub (stub, c->key, c->seq + 1, c->seq ? c->prev : NULL,
                            1700000000000ULL + c->seq, level, audience,
                            payload, len);
    c->seq++;
    proto_entry_id (c->prev, stub, l);
    if (id)
        memcpy (id, c->prev, PROTO_HASH_BYTES);
    return l;
}

//  Append a council GREEN entry of c with payload (or header only).
static void
s_chain_append (node_store_t *store, s_chain_t *c, const uint8_t *payload,
                size_t len, bool with_payload, uint8_t id[PROTO_HASH_BYTES])
{
    proto_audience_t council;
    proto_audience_set_council (&council);
    uint8_t stub[PROTO_STUB_MAX];
    size_t l = s_chain_next (c, stub, PROTO_LEVEL_GREEN, &council, payload,
                             len, id);
    assert (node_store_append (store, stub, l, with_payload ? payload : NULL,
                               with_payload ? len : 0, NULL)
            == PROTO_OK);
}

//  Post one entry of key with this payload.
static void
s_post_payload (node_store_t *store, const keys_secret_t *key,
                const uint8_t *payload, size_t len,
                uint8_t id[PROTO_HASH_BYTES])
{
    node_post_t post = s_test_green_post (payload, len);
    uint8_t ids[1][PROTO_HASH_BYTES];
    assert (node_store_post (store, key, &post, 1, ids) == PROTO_OK);
    memcpy (id, ids[0], PROTO_HASH_BYTES);
}

#define S_TEST_ROWS 256

//  Collects what a scan visits, in order.
typedef struct {
    size_t count;
    uint64_t rows[S_TEST_ROWS];
    uint8_t ids[S_TEST_ROWS][PROTO_HASH_BYTES];
    bool payload[S_TEST_ROWS];
    int stop_after;                 /* stop with 9 after this many, 0 never */
} s_rows_t;

static int
s_test_rows_visit (const node_entry_t *e, void *arg)
{
    s_rows_t *r = arg;
    uint8_t id[PROTO_HASH_BYTES];
    proto_entry_id (id, e->stub, e->stub_len);
    assert (!memcmp (id, e->id, PROTO_HASH_BYTES));
    assert (e->row >= 1);
    assert (r->count < S_TEST_ROWS);
    r->rows[r->count] = e->row;
    memcpy (r->ids[r->count], e->id, PROTO_HASH_BYTES);
    r->payload[r->count] = e->payload != NULL;
    r->count++;
    return r->stop_after && (int) r->count == r->stop_after ? 9 : 0;
}

static void
s_rows_scan (node_store_t *store, int which, const uint8_t *target,
             uint64_t from, s_rows_t *r)
{
    memset (r, 0, sizeof *r);
    int rc = which == 0 ? node_store_scan_rows (store, from,
                                                s_test_rows_visit, r)
             : which == 1 ? node_store_scan_refs (store, target,
                                                  s_test_rows_visit, r)
                          : node_store_scan_missing (store, s_test_rows_visit,
                                                     r);
    assert (rc == 0);
}

//  The stored entry id: its row and whether its payload is held.
static uint64_t
s_test_row_of (node_store_t *store, const uint8_t id[PROTO_HASH_BYTES],
               bool *payload)
{
    s_rows_t r;
    memset (&r, 0, sizeof r);
    assert (node_store_get (store, id, s_test_rows_visit, &r) == 0);
    assert (r.count == 1);
    if (payload)
        *payload = r.payload[0];
    return r.rows[0];
}

//  Is the entry held with its payload?
static bool
s_test_has_payload (node_store_t *store, const uint8_t id[PROTO_HASH_BYTES])
{
    bool payload;
    s_test_row_of (store, id, &payload);
    return payload;
}

static bool
s_test_retracted_by (node_store_t *store, const uint8_t id[PROTO_HASH_BYTES],
                     const uint8_t by[PROTO_HASH_BYTES])
{
    uint8_t got[PROTO_HASH_BYTES];
    return node_store_retracted (store, id, got) == 1
           && !memcmp (got, by, PROTO_HASH_BYTES);
}

//  Values in one table of the store (all dups counted).
static size_t
s_test_table_count (node_store_t *store, MDB_dbi dbi)
{
    MDB_txn *txn;
    MDB_stat st;
    assert (mdb_txn_begin (store->env, NULL, MDB_RDONLY, &txn) == 0);
    assert (mdb_stat (txn, dbi, &st) == 0);
    mdb_txn_abort (txn);
    return st.ms_entries;
}

typedef struct {
    size_t count;
    uint8_t authors[8][PROTO_PK_BYTES];
    uint64_t seqs[8];
    uint8_t ids[8][PROTO_HASH_BYTES];
    bool frozen[8];
    int stop_after;
} s_heads_t;

static int
s_test_heads_visit (const node_head_t *head, void *arg)
{
    s_heads_t *h = arg;
    assert (h->count < 8);
    memcpy (h->authors[h->count], head->author, PROTO_PK_BYTES);
    h->seqs[h->count] = head->seq;
    memcpy (h->ids[h->count], head->id, PROTO_HASH_BYTES);
    h->frozen[h->count] = head->frozen;
    h->count++;
    return h->stop_after && (int) h->count == h->stop_after ? 5 : 0;
}

//  scan_rows (order, from_row, stopping), last_row, heads (order, frozen).
static void
s_test_rows_heads (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    s_rows_t r;
    s_heads_t hd;
    assert (node_store_last_row (store) == 0);
    s_rows_scan (store, 0, NULL, 1, &r);
    assert (r.count == 0);
    memset (&hd, 0, sizeof hd);
    assert (node_store_heads (store, s_test_heads_visit, &hd) == 0);
    assert (hd.count == 0);

    //  Rows 1-3 alice, 4-5 bob, 6 alice, 7 carol (header only).
    uint8_t want[7][PROTO_HASH_BYTES];
    uint8_t payload[1024];
    size_t plen = s_test_payload (payload, sizeof payload, "rows", 80);
    s_post_one (store, f.alice, "a1", 0, want[0]);
    s_post_one (store, f.alice, "a2", 0, want[1]);
    s_post_one (store, f.alice, "a3", 0, want[2]);
    s_chain_t bob, carol;
    s_chain_init (&bob, f.bob);
    s_chain_init (&carol, f.carol);
    s_chain_append (store, &bob, payload, plen, true, want[3]);
    s_chain_append (store, &bob, payload, plen, true, want[4]);
    s_post_one (store, f.alice, "a4", 0, want[5]);
    s_chain_append (store, &carol, payload, plen, false, want[6]);
    assert (node_store_last_row (store) == 7);

    for (uint64_t from = 0; from <= 1; from++) {
        s_rows_scan (store, 0, NULL, from, &r);
        assert (r.count == 7);
        for (size_t i = 0; i < 7; i++) {
            assert (r.rows[i] == i + 1);
            assert (!memcmp (r.ids[i], want[i], PROTO_HASH_BYTES));
            assert (r.payload[i] == (i != 6));
        }
    }
    s_rows_scan (store, 0, NULL, 5, &r);
    assert (r.count == 3 && r.rows[0] == 5 && r.rows[2] == 7);
    assert (!memcmp (r.ids[0], want[4], PROTO_HASH_BYTES));
    s_rows_scan (store, 0, NULL, 8, &r);
    assert (r.count == 0);
    s_rows_scan (store, 0, NULL, UINT64_MAX, &r);
    assert (r.count == 0);
    memset (&r, 0, sizeof r);
    r.stop_after = 2;
    assert (node_store_scan_rows (store, 3, s_test_rows_visit, &r) == 9);
    assert (r.count == 2 && r.rows[1] == 4);
    //  Every read hands out the row.
    assert (s_test_row_of (store, want[4], NULL) == 5);
    memset (&r, 0, sizeof r);
    assert (node_store_scan_author (store, keys_secret_sign_pk (f.bob), 1,
                                    s_test_rows_visit, &r) == 0);
    assert (r.count == 2 && r.rows[0] == 4 && r.rows[1] == 5);
    memset (&r, 0, sizeof r);
    assert (node_store_scan_time (store, 0, s_test_rows_visit, &r) == 0);
    assert (r.count == 7);

    //  Heads: ascending author key, each the author's head, none frozen.
    memset (&hd, 0, sizeof hd);
    assert (node_store_heads (store, s_test_heads_visit, &hd) == 0);
    assert (hd.count == 3);
    for (size_t i = 0; i < hd.count; i++) {
        if (i)
            assert (memcmp (hd.authors[i - 1], hd.authors[i],
                            PROTO_PK_BYTES) < 0);
        uint64_t seq;
        uint8_t id[PROTO_HASH_BYTES];
        assert (node_store_head (store, hd.authors[i], &seq, id) == 0);
        assert (hd.seqs[i] == seq
                && !memcmp (hd.ids[i], id, PROTO_HASH_BYTES));
        assert (!hd.frozen[i]);
        if (!memcmp (hd.authors[i], keys_secret_sign_pk (f.alice),
                     PROTO_PK_BYTES))
            assert (seq == 4 && !memcmp (id, want[5], PROTO_HASH_BYTES));
    }
    //  A fork freezes bob: only his head says so.
    proto_audience_t council;
    proto_audience_set_council (&council);
    uint8_t sf[PROTO_STUB_MAX];
    size_t lf = s_test_stub (sf, f.bob, 2, want[3], 1, PROTO_LEVEL_GREEN,
                             &council, payload, plen);
    assert (node_store_append (store, sf, lf, NULL, 0, NULL)
            == PROTO_REJECT_FORK);
    memset (&hd, 0, sizeof hd);
    assert (node_store_heads (store, s_test_heads_visit, &hd) == 0);
    assert (hd.count == 3);
    for (size_t i = 0; i < hd.count; i++) {
        bool is_bob = !memcmp (hd.authors[i], keys_secret_sign_pk (f.bob),
                               PROTO_PK_BYTES);
        assert (hd.frozen[i] == is_bob);
        if (is_bob)
            assert (hd.seqs[i] == 2
                    && !memcmp (hd.ids[i], want[4], PROTO_HASH_BYTES));
    }
    memset (&hd, 0, sizeof hd);
    hd.stop_after = 1;
    assert (node_store_heads (store, s_test_heads_visit, &hd) == 5);
    assert (hd.count == 1);
    assert (node_store_last_row (store) == 7);
    s_test_fsck_clean (store, 2, 7);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  Retractions by post: own entries, several in one batch, a second
//  retraction, references listed by scan_refs.
static void
s_test_retract_post (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    uint8_t r1[PROTO_HASH_BYTES], r2[PROTO_HASH_BYTES], r3[PROTO_HASH_BYTES];
    uint8_t e1[PROTO_HASH_BYTES], e3[PROTO_HASH_BYTES];
    s_post_one (store, f.alice, "r1", 0, r1);
    s_post_one (store, f.alice, "r2", 0, r2);
    uint8_t buf[1024];
    size_t len = s_test_ref_payload (buf, sizeof buf, "retract r1",
                                     PROTO_REL_RETRACTION,
                                     S_IDS (r1), 1);
    s_post_payload (store, f.alice, buf, len, e1);
    assert (node_store_count (store) == 3);
    assert (!s_test_has_payload (store, r1));   /* header stays */
    assert (s_test_has_payload (store, r2) && s_test_has_payload (store, e1));
    assert (s_test_retracted_by (store, r1, e1));
    assert (node_store_retracted (store, r2, NULL) == 0);
    assert (node_store_retracted (store, e1, NULL) == 0);
    s_rows_t r;
    s_rows_scan (store, 1, r1, 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], e1, PROTO_HASH_BYTES));
    s_rows_scan (store, 1, r2, 0, &r);
    assert (r.count == 0);

    //  One batch: a reply to r2, a retraction of r2 and r3, and a second
    //  retraction of r1.
    s_post_one (store, f.alice, "r3", 0, r3);
    uint8_t targets[2][PROTO_HASH_BYTES];
    memcpy (targets[0], r2, PROTO_HASH_BYTES);
    memcpy (targets[1], r3, PROTO_HASH_BYTES);
    uint8_t buf2[1024], buf3[1024], buf4[1024];
    size_t len2 = s_test_ref_payload (buf2, sizeof buf2, "retract r2 r3",
                                      PROTO_REL_RETRACTION,
                                      S_IDS (targets), 2);
    size_t len3 = s_test_ref_payload (buf3, sizeof buf3, "reply to r2",
                                      PROTO_REL_REPLY,
                                      S_IDS (r2), 1);
    //  Retracting r1 again: the first retraction stands.
    size_t len4 = s_test_ref_payload (buf4, sizeof buf4, "retract r1 again",
                                      PROTO_REL_RETRACTION,
                                      S_IDS (r1), 1);
    node_post_t posts[3];
    memset (posts, 0, sizeof posts);
    const uint8_t *bodies[3] = { buf3, buf2, buf4 };
    size_t lens[3] = { len3, len2, len4 };
    for (size_t i = 0; i < 3; i++) {
        posts[i].level = PROTO_LEVEL_GREEN;
        proto_audience_set_council (&posts[i].audience);
        posts[i].payload = bodies[i];
        posts[i].payload_len = lens[i];
    }
    uint8_t ids[3][PROTO_HASH_BYTES];
    assert (node_store_post (store, f.alice, posts, 3, ids) == PROTO_OK);
    memcpy (e3, ids[1], PROTO_HASH_BYTES);
    assert (!s_test_has_payload (store, r2));
    assert (!s_test_has_payload (store, r3));
    assert (s_test_retracted_by (store, r2, e3));
    assert (s_test_retracted_by (store, r3, e3));
    assert (s_test_retracted_by (store, r1, e1));
    //  History of r2: the reply, then the retraction, in stored order.
    s_rows_scan (store, 1, r2, 0, &r);
    assert (r.count == 2);
    assert (!memcmp (r.ids[0], ids[0], PROTO_HASH_BYTES));
    assert (!memcmp (r.ids[1], ids[1], PROTO_HASH_BYTES));
    assert (r.rows[0] < r.rows[1]);
    s_rows_scan (store, 1, r1, 0, &r);
    assert (r.count == 2 && !memcmp (r.ids[1], ids[2], PROTO_HASH_BYTES));
    //  Retracting a reply drops what it referenced from the history.
    uint8_t buf5[1024], e5[PROTO_HASH_BYTES];
    size_t len5 = s_test_ref_payload (buf5, sizeof buf5, "retract reply",
                                      PROTO_REL_RETRACTION,
                                      S_IDS (ids[0]), 1);
    //  References: e1, the reply, e3 (2), the second retraction of r1;
    //  then e5's, less the reply's.
    assert (s_test_table_count (store, store->refs) == 5);
    s_post_payload (store, f.alice, buf5, len5, e5);
    s_rows_scan (store, 1, r2, 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], e3, PROTO_HASH_BYTES));
    assert (s_test_table_count (store, store->refs) == 5);
    //  Nothing pending, one record per retracted entry.
    assert (s_test_table_count (store, store->retracted) == 4);
    s_test_fsck_clean (store, 2, 8);
    //  Survives a reopen.
    node_store_destroy (&store);
    store = s_test_open (&f, S_TEST_MAP, 0);
    assert (s_test_retracted_by (store, r3, e3));
    assert (!s_test_has_payload (store, r3));
    s_test_fsck_clean (store, 1, 8);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  Put a retraction record straight into the table: the only way to have
//  a retraction by an author arrive before that author's target, since a
//  chain is stored contiguously and a retraction hashes (through prev)
//  every earlier entry of its chain.
static void
s_test_plant_retraction (node_store_t *store,
                         const uint8_t target[PROTO_HASH_BYTES],
                         const uint8_t author[PROTO_PK_BYTES],
                         const uint8_t by[PROTO_HASH_BYTES])
{
    MDB_txn *txn;
    assert (mdb_txn_begin (store->env, NULL, 0, &txn) == 0);
    uint8_t val[S_RETRACT_VAL];
    memcpy (val, author, PROTO_PK_BYTES);
    memcpy (val + PROTO_PK_BYTES, by, PROTO_HASH_BYTES);
    MDB_val k = { PROTO_HASH_BYTES, (void *) target }, v = { sizeof val, val };
    assert (mdb_put (txn, store->retracted, &k, &v, 0) == 0);
    assert (mdb_txn_commit (txn) == 0);
}

//  Retractions by append: a held target, a header-only target, a payload
//  offered afterwards, several in one batch, a retraction whose payload
//  comes later, another author's, and retractions that arrive first.
static void
s_test_retract_append (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    const uint8_t *bpk = keys_secret_sign_pk (f.bob);
    proto_audience_t council;
    proto_audience_set_council (&council);
    s_chain_t bob, carol;
    s_chain_init (&bob, f.bob);
    s_chain_init (&carol, f.carol);
    uint8_t p[1024], q[1024];
    size_t plen = s_test_payload (p, sizeof p, "bob", 120);
    uint8_t b[16][PROTO_HASH_BYTES];
    s_rows_t r;

    //  b1 held with payload, b2 too, b3 header only (listed missing);
    //  b4 retracts b1 and b3.
    s_chain_append (store, &bob, p, plen, true, b[1]);
    s_chain_append (store, &bob, p, plen, true, b[2]);
    uint8_t s3[PROTO_STUB_MAX];
    size_t l3 = s_chain_next (&bob, s3, PROTO_LEVEL_GREEN, &council, p, plen,
                              b[3]);
    assert (node_store_append (store, s3, l3, NULL, 0, NULL) == PROTO_OK);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], b[3], PROTO_HASH_BYTES));
    uint8_t t[3][PROTO_HASH_BYTES];
    memcpy (t[0], b[1], PROTO_HASH_BYTES);
    memcpy (t[1], b[3], PROTO_HASH_BYTES);
    size_t qlen = s_test_ref_payload (q, sizeof q, "retract b1 b3",
                                      PROTO_REL_RETRACTION,
                                      S_IDS (t), 2);
    s_chain_append (store, &bob, q, qlen, true, b[4]);
    assert (!s_test_has_payload (store, b[1]));
    assert (s_test_retracted_by (store, b[1], b[4]));
    assert (s_test_retracted_by (store, b[3], b[4]));
    assert (s_test_has_payload (store, b[2]));
    assert (s_test_has_payload (store, b[4]));
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 0);
    //  The payload offered again is refused, and not stored.
    uint8_t s1[PROTO_STUB_MAX];
    size_t l1 = s_test_stub (s1, f.bob, 1, NULL, 1700000000000ULL,
                             PROTO_LEVEL_GREEN, &council, p, plen);
    assert (node_store_append (store, s1, l1, p, plen, NULL)
            == PROTO_REJECT_RETRACTED);
    assert (node_store_append (store, s1, l1, NULL, 0, NULL)
            == PROTO_REJECT_DUPLICATE);
    assert (node_store_append (store, s3, l3, p, plen, NULL)
            == PROTO_REJECT_RETRACTED);
    //  A bad payload keeps its own reason.
    assert (node_store_append (store, s1, l1, p, plen - 1, NULL)
            == PROTO_REJECT_PAYLOAD_LEN);
    assert (!s_test_has_payload (store, b[1]));
    assert (!s_test_has_payload (store, b[3]));

    //  Several retractions in one batch: b5-b7, then b8 retracting b5 and
    //  b9 retracting b6 and b7.
    uint8_t stubs[5][PROTO_STUB_MAX];
    size_t lens[5];
    uint8_t q8[1024], q9[1024];
    for (int i = 0; i < 3; i++)
        lens[i] = s_chain_next (&bob, stubs[i], PROTO_LEVEL_GREEN, &council,
                                p, plen, b[5 + i]);
    size_t q8len = s_test_ref_payload (q8, sizeof q8, "retract b5",
                                       PROTO_REL_RETRACTION,
                                       S_IDS (b[5]), 1);
    size_t q9len = s_test_ref_payload (q9, sizeof q9, "retract b6 b7",
                                       PROTO_REL_RETRACTION,
                                       S_IDS (b[6]), 2);
    lens[3] = s_chain_next (&bob, stubs[3], PROTO_LEVEL_GREEN, &council, q8,
                            q8len, b[8]);
    lens[4] = s_chain_next (&bob, stubs[4], PROTO_LEVEL_GREEN, &council, q9,
                            q9len, b[9]);
    node_append_t items[5];
    for (int i = 0; i < 5; i++) {
        items[i].stub = stubs[i];
        items[i].stub_len = lens[i];
        items[i].payload = i < 3 ? p : i == 3 ? q8 : q9;
        items[i].payload_len = i < 3 ? plen : i == 3 ? q8len : q9len;
    }
    proto_reject_t results[5];
    assert (node_store_append_batch (store, items, 5, results, NULL)
            == PROTO_OK);
    for (int i = 0; i < 5; i++)
        assert (results[i] == PROTO_OK);
    assert (s_test_retracted_by (store, b[5], b[8]));
    assert (s_test_retracted_by (store, b[6], b[9]));
    assert (s_test_retracted_by (store, b[7], b[9]));
    for (int i = 5; i <= 7; i++)
        assert (!s_test_has_payload (store, b[i]));

    //  The retraction's header first, its payload later: applied then.
    s_chain_append (store, &bob, p, plen, true, b[10]);
    uint8_t q11[1024];
    size_t q11len = s_test_ref_payload (q11, sizeof q11, "retract b10",
                                        PROTO_REL_RETRACTION,
                                        S_IDS (b[10]), 1);
    uint8_t s11[PROTO_STUB_MAX];
    size_t l11 = s_chain_next (&bob, s11, PROTO_LEVEL_GREEN, &council, q11,
                               q11len, b[11]);
    assert (node_store_append (store, s11, l11, NULL, 0, NULL) == PROTO_OK);
    assert (s_test_has_payload (store, b[10]));
    assert (node_store_retracted (store, b[10], NULL) == 0);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], b[11], PROTO_HASH_BYTES));
    assert (node_store_append (store, s11, l11, q11, q11len, NULL)
            == PROTO_REJECT_DUPLICATE);
    assert (!s_test_has_payload (store, b[10]));
    assert (s_test_retracted_by (store, b[10], b[11]));
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 0);

    //  Another author's "retraction" of a held entry: a reference only.
    uint8_t c[4][PROTO_HASH_BYTES];
    uint8_t qc[1024];
    size_t qclen = s_test_ref_payload (qc, sizeof qc, "carol retracts b2",
                                       PROTO_REL_RETRACTION,
                                       S_IDS (b[2]), 1);
    s_chain_append (store, &carol, qc, qclen, true, c[1]);
    assert (s_test_has_payload (store, b[2]));
    assert (node_store_retracted (store, b[2], NULL) == 0);
    s_rows_scan (store, 1, b[2], 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], c[1], PROTO_HASH_BYTES));

    //  ... and of an entry not held yet: when it arrives from bob, it is
    //  stored whole, and the waiting record goes.
    size_t records = s_test_table_count (store, store->retracted);
    uint8_t s12[PROTO_STUB_MAX];
    size_t l12 = s_chain_next (&bob, s12, PROTO_LEVEL_GREEN, &council, p,
                               plen, b[12]);
    size_t qc2len = s_test_ref_payload (qc, sizeof qc, "carol retracts b12",
                                        PROTO_REL_RETRACTION,
                                        S_IDS (b[12]), 1);
    s_chain_append (store, &carol, qc, qc2len, true, c[2]);
    assert (s_test_table_count (store, store->retracted) == records + 1);
    assert (node_store_retracted (store, b[12], NULL) == 0);
    assert (node_store_append (store, s12, l12, p, plen, NULL) == PROTO_OK);
    assert (s_test_has_payload (store, b[12]));
    assert (node_store_retracted (store, b[12], NULL) == 0);
    assert (s_test_table_count (store, store->retracted) == records);

    //  Retracted by bob before it arrived (planted, see above), with a
    //  waiting record of carol's too: the header alone is stored, OK,
    //  marked, not listed missing; carol's record goes.
    uint8_t s13[PROTO_STUB_MAX], by[PROTO_HASH_BYTES];
    size_t l13 = s_chain_next (&bob, s13, PROTO_LEVEL_GREEN, &council, p,
                               plen, b[13]);
    memset (by, 0x42, sizeof by);
    s_test_plant_retraction (store, b[13], keys_secret_sign_pk (f.carol),
                             c[2]);
    s_test_plant_retraction (store, b[13], bpk, by);
    assert (node_store_append (store, s13, l13, p, plen, NULL) == PROTO_OK);
    assert (!s_test_has_payload (store, b[13]));
    assert (s_test_retracted_by (store, b[13], by));
    assert (s_test_table_count (store, store->retracted) == records + 1);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 0);
    assert (node_store_append (store, s13, l13, p, plen, NULL)
            == PROTO_REJECT_RETRACTED);
    //  The same for a header arriving alone.
    uint8_t s14[PROTO_STUB_MAX];
    size_t l14 = s_chain_next (&bob, s14, PROTO_LEVEL_GREEN, &council, p,
                               plen, b[14]);
    s_test_plant_retraction (store, b[14], bpk, by);
    assert (node_store_append (store, s14, l14, NULL, 0, NULL) == PROTO_OK);
    assert (s_test_retracted_by (store, b[14], by));
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 0);
    uint64_t count = node_store_count (store);
    assert (count == 14 + 2);
    s_test_fsck_clean (store, 2, count);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  RED: a retraction is applied only where it can be read (an opener
//  key it is sealed to).
static void
s_test_retract_red (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    s_chain_t bob;
    s_chain_init (&bob, f.bob);
    //  RED from bob to alice (sealed to both), and from bob to carol.
    proto_audience_t to_alice, to_carol;
    proto_audience_set_nodes (&to_alice);
    assert (proto_audience_add_node (&to_alice, keys_secret_sign_pk (f.alice))
            == 0);
    proto_audience_set_nodes (&to_carol);
    assert (proto_audience_add_node (&to_carol, keys_secret_sign_pk (f.carol))
            == 0);
    proto_recipient_t ra[2], rc[2];
    memcpy (ra[0].sign_pk, keys_secret_sign_pk (f.bob), PROTO_PK_BYTES);
    memcpy (ra[0].box_pk, keys_secret_box_pk (f.bob), PROTO_BOXPK_BYTES);
    memcpy (ra[1].sign_pk, keys_secret_sign_pk (f.alice), PROTO_PK_BYTES);
    memcpy (ra[1].box_pk, keys_secret_box_pk (f.alice), PROTO_BOXPK_BYTES);
    rc[0] = ra[0];
    memcpy (rc[1].sign_pk, keys_secret_sign_pk (f.carol), PROTO_PK_BYTES);
    memcpy (rc[1].box_pk, keys_secret_box_pk (f.carol), PROTO_BOXPK_BYTES);
    uint8_t plain[1024], sealed[6][2048];
    size_t slen[6];
    uint8_t id[6][PROTO_HASH_BYTES], stub[PROTO_STUB_MAX];
    size_t plen = s_test_payload (plain, sizeof plain, "red", 60);

    //  r0 and its retraction e1, both RED to alice, appended without an
    //  opener: e1 cannot be read, r0 keeps its sealed payload.
    //  Then with alice's opener: r2 and its retraction e3: applied.
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            node_store_set_opener (store, f.alice);
        int r = 2 * round, e = r + 1;
        slen[r] = proto_seal (plain, plen, keys_secret_sign_pk (f.bob), ra,
                              2, sealed[r], sizeof sealed[r]);
        size_t l = s_chain_next (&bob, stub, PROTO_LEVEL_RED, &to_alice,
                                 sealed[r], slen[r], id[r]);
        assert (node_store_append (store, stub, l, sealed[r], slen[r], NULL)
                == PROTO_OK);
        uint8_t q[1024];
        size_t qlen = s_test_ref_payload (q, sizeof q, "retract red",
                                          PROTO_REL_RETRACTION,
                                          S_IDS (id[r]), 1);
        slen[e] = proto_seal (q, qlen, keys_secret_sign_pk (f.bob), ra, 2,
                              sealed[e], sizeof sealed[e]);
        l = s_chain_next (&bob, stub, PROTO_LEVEL_RED, &to_alice, sealed[e],
                          slen[e], id[e]);
        assert (node_store_append (store, stub, l, sealed[e], slen[e], NULL)
                == PROTO_OK);
    }
    s_rows_t r;
    assert (s_test_has_payload (store, id[0]));
    assert (node_store_retracted (store, id[0], NULL) == 0);
    s_rows_scan (store, 1, id[0], 0, &r);
    assert (r.count == 0);
    assert (!s_test_has_payload (store, id[2]));
    assert (s_test_retracted_by (store, id[2], id[3]));
    s_rows_scan (store, 1, id[2], 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], id[3], PROTO_HASH_BYTES));
    //  Sealed to bob and carol only: alice's opener cannot read it.
    slen[4] = proto_seal (plain, plen, keys_secret_sign_pk (f.bob), rc, 2,
                          sealed[4], sizeof sealed[4]);
    size_t l = s_chain_next (&bob, stub, PROTO_LEVEL_RED, &to_carol,
                             sealed[4], slen[4], id[4]);
    assert (node_store_append (store, stub, l, sealed[4], slen[4], NULL)
            == PROTO_OK);
    uint8_t q[1024];
    size_t qlen = s_test_ref_payload (q, sizeof q, "retract for carol",
                                      PROTO_REL_RETRACTION,
                                      S_IDS (id[4]), 1);
    slen[5] = proto_seal (q, qlen, keys_secret_sign_pk (f.bob), rc, 2,
                          sealed[5], sizeof sealed[5]);
    l = s_chain_next (&bob, stub, PROTO_LEVEL_RED, &to_carol, sealed[5],
                      slen[5], id[5]);
    assert (node_store_append (store, stub, l, sealed[5], slen[5], NULL)
            == PROTO_OK);
    assert (s_test_has_payload (store, id[4]));
    //  A plaintext retraction by the same author purges the RED r0.
    uint8_t g[1024], gid[PROTO_HASH_BYTES];
    size_t glen = s_test_ref_payload (g, sizeof g, "retract r0",
                                      PROTO_REL_RETRACTION,
                                      S_IDS (id[0]), 1);
    s_chain_append (store, &bob, g, glen, true, gid);
    assert (!s_test_has_payload (store, id[0]));
    assert (s_test_retracted_by (store, id[0], gid));
    node_store_set_opener (store, NULL);
    s_test_fsck_clean (store, 1, 7);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  A roster like f's, one version on, with alice also in energy.
static keys_roster_t *
s_test_roster_energy (s_fixture_t *f)
{
    char err[256];
    keys_roster_t *roster = keys_roster_new (f->roster, 1);
    assert (roster);
    keys_card_t card;
    const keys_secret_t *keys[3] = { f->alice, f->bob, f->carol };
    const char *names[3] = { "alice", "bob", "carol" };
    proto_sector_t sectors[3] = { PROTO_SECTOR_BANKING,
                                  PROTO_SECTOR_SECURITIES, PROTO_SECTOR_GAS };
    for (int i = 0; i < 3; i++) {
        s_test_card (&card, names[i], sectors[i], keys[i]);
        assert (keys_roster_add_member (roster, &card, "", err, sizeof err)
                == 0);
    }
    const char *finance[] = { "alice", "bob" };
    const char *energy[] = { "alice", "bob", "carol" };
    assert (keys_roster_set_group (roster, "finance", finance, 2, err,
                                   sizeof err) == 0);
    assert (keys_roster_set_group (roster, "energy", energy, 3, err,
                                   sizeof err) == 0);
    return roster;
}

//  The missing index: what it lists, and how a payload, a retraction and
//  a roster change move entries in and out.
static void
s_test_missing (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    s_chain_t bob;
    s_chain_init (&bob, f.bob);
    proto_audience_t council, energy, to_carol;
    proto_audience_set_council (&council);
    assert (proto_audience_set_group (&energy, "energy") == 0);
    proto_audience_set_nodes (&to_carol);
    assert (proto_audience_add_node (&to_carol, keys_secret_sign_pk (f.carol))
            == 0);
    uint8_t p[1024], sealed[2048];
    size_t plen = s_test_payload (p, sizeof p, "missing", 90);
    proto_recipient_t rcpt[2];
    memcpy (rcpt[0].sign_pk, keys_secret_sign_pk (f.bob), PROTO_PK_BYTES);
    memcpy (rcpt[0].box_pk, keys_secret_box_pk (f.bob), PROTO_BOXPK_BYTES);
    memcpy (rcpt[1].sign_pk, keys_secret_sign_pk (f.carol), PROTO_PK_BYTES);
    memcpy (rcpt[1].box_pk, keys_secret_box_pk (f.carol), PROTO_BOXPK_BYTES);
    size_t slen = proto_seal (p, plen, keys_secret_sign_pk (f.bob), rcpt, 2,
                              sealed, sizeof sealed);
    assert (slen > 0);
    //  m1 council, m2 energy (alice not in it), m3 RED to carol (alice may
    //  carry it), all header only; m4 council with its payload.
    uint8_t s[4][PROTO_STUB_MAX], m[4][PROTO_HASH_BYTES];
    size_t l[4];
    l[0] = s_chain_next (&bob, s[0], PROTO_LEVEL_GREEN, &council, p, plen,
                         m[0]);
    l[1] = s_chain_next (&bob, s[1], PROTO_LEVEL_AMBER, &energy, p, plen,
                         m[1]);
    l[2] = s_chain_next (&bob, s[2], PROTO_LEVEL_RED, &to_carol, sealed, slen,
                         m[2]);
    l[3] = s_chain_next (&bob, s[3], PROTO_LEVEL_GREEN, &council, p, plen,
                         m[3]);
    for (int i = 0; i < 3; i++)
        assert (node_store_append (store, s[i], l[i], NULL, 0, NULL)
                == PROTO_OK);
    assert (node_store_append (store, s[3], l[3], p, plen, NULL) == PROTO_OK);
    s_rows_t r;
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 2);
    assert (!memcmp (r.ids[0], m[0], PROTO_HASH_BYTES) && r.rows[0] == 1);
    assert (!memcmp (r.ids[1], m[2], PROTO_HASH_BYTES) && r.rows[1] == 3);
    assert (!r.payload[0] && !r.payload[1]);
    memset (&r, 0, sizeof r);
    r.stop_after = 1;
    assert (node_store_scan_missing (store, s_test_rows_visit, &r) == 9);
    s_test_fsck_clean (store, 2, 4);

    //  The payload arrives: off the list.
    assert (node_store_append (store, s[0], l[0], p, plen, NULL)
            == PROTO_REJECT_DUPLICATE);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], m[2], PROTO_HASH_BYTES));
    assert (node_store_append (store, s[2], l[2], sealed, slen, NULL)
            == PROTO_REJECT_DUPLICATE);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 0);

    //  Retracted while missing: off the list, for good.
    uint8_t m5[PROTO_HASH_BYTES], m6[PROTO_HASH_BYTES], q[1024];
    s_chain_append (store, &bob, p, plen, false, m5);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], m5, PROTO_HASH_BYTES));
    size_t qlen = s_test_ref_payload (q, sizeof q, "retract m5",
                                      PROTO_REL_RETRACTION,
                                      S_IDS (m5), 1);
    s_chain_append (store, &bob, q, qlen, true, m6);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 0);

    //  A roster that puts alice in energy: m2 becomes fetchable; back to
    //  the first roster, it is not any more.
    keys_roster_t *roster2 = s_test_roster_energy (&f);
    node_store_set_roster (store, roster2);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], m[1], PROTO_HASH_BYTES));
    s_test_fsck_clean (store, 2, 6);
    node_store_destroy (&store);
    //  The index is kept: reopening with the same roster rebuilds nothing.
    store = s_test_open (&f, S_TEST_MAP, 0);
    node_store_set_roster (store, roster2);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 1);
    node_store_set_roster (store, f.roster);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 0);
    s_test_fsck_clean (store, 1, 6);
    //  The energy payload now stored under roster2, then the store back
    //  on the first roster: a write also brings the index up to date.
    node_store_set_roster (store, roster2);
    assert (node_store_append (store, s[1], l[1], p, plen, NULL)
            == PROTO_REJECT_DUPLICATE);
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 0);
    node_store_destroy (&store);
    keys_roster_destroy (&roster2);
    s_fixture_destroy (&f);
}

//  Change one of the new tables behind the store's back; fsck names it.
static void
s_test_fsck_tables (bool verbose)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    uint8_t p[1024], q[1024], w[1024];
    size_t plen = s_test_payload (p, sizeof p, "fsck tables", 40);
    uint8_t rid[PROTO_HASH_BYTES], eid[PROTO_HASH_BYTES];
    s_post_payload (store, f.alice, p, plen, rid);                 /* row 1 */
    size_t qlen = s_test_ref_payload (q, sizeof q, "retract",
                                      PROTO_REL_RETRACTION,
                                      S_IDS (rid), 1);
    s_post_payload (store, f.alice, q, qlen, eid);                 /* row 2 */
    s_chain_t bob;
    s_chain_init (&bob, f.bob);
    uint8_t b1[PROTO_HASH_BYTES], b2[PROTO_HASH_BYTES];
    s_chain_append (store, &bob, p, plen, false, b1);              /* row 3 */
    size_t wlen = s_test_ref_payload (w, sizeof w, "reply",
                                      PROTO_REL_REPLY,
                                      S_IDS (eid), 1);
    s_chain_append (store, &bob, w, wlen, true, b2);               /* row 4 */
    s_test_fsck_clean (store, 2, 4);

    MDB_txn *txn;
    assert (mdb_txn_begin (store->env, NULL, 0, &txn) == 0);
    s_row_t row = 1;
    MDB_val k = { sizeof row, &row }, v = { plen, p };
    assert (mdb_put (txn, store->payloads, &k, &v, 0) == 0);   /* purged */
    row = 3;
    assert (mdb_del (txn, store->missing, &k, NULL) == 0);
    v.mv_size = 0;
    v.mv_data = NULL;
    row = 4;
    assert (mdb_put (txn, store->missing, &k, &v, 0) == 0);
    row = 999;
    assert (mdb_put (txn, store->missing, &k, &v, 0) == 0);
    uint8_t val[S_REF_VAL];
    s_ref_val (val, 4);
    MDB_val rk = { PROTO_HASH_BYTES, eid }, rv = { sizeof val, val };
    assert (mdb_del (txn, store->refs, &rk, &rv) == 0);
    s_ref_val (val, 999);
    assert (mdb_put (txn, store->refs, &rk, &rv, 0) == 0);
    s_ref_val (val, 3);         /* bob's header only */
    assert (mdb_put (txn, store->refs, &rk, &rv, 0) == 0);
    assert (mdb_txn_commit (txn) == 0);

    for (unsigned threads = 1; threads <= 2; threads++) {
        s_report_t rep;
        memset (&rep, 0, sizeof rep);
        rep.verbose = verbose && threads == 1;
        if (rep.verbose)
            printf ("\n");
        node_fsck_stats_t st;
        assert (node_store_fsck (store, threads, s_test_report, &rep, &st)
                == 1);
        assert (st.entries == 4 && st.problems == rep.lines);
        assert (rep.lines == 7);
        assert (strstr (rep.text, "retracted, but its payload is held"));
        assert (strstr (rep.text, "not in the missing index"));
        assert (strstr (rep.text, "missing index: row 4 holds its payload"));
        assert (strstr (rep.text, "missing index: row 999 is not in the log"));
        assert (strstr (rep.text, "missing from the refs index"));
        assert (strstr (rep.text, "refs index: names row 999"));
        assert (strstr (rep.text, "row 3, which holds no payload"));
    }
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

//  A store of schema 1 (no refs, retracted, missing tables; a retracted
//  payload still held) opens, is migrated and is then consistent.
static void
s_test_migrate (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    uint8_t p[1024], q[1024], w[1024];
    size_t plen = s_test_payload (p, sizeof p, "old", 40);
    uint8_t rid[PROTO_HASH_BYTES], eid[PROTO_HASH_BYTES];
    uint8_t wid[PROTO_HASH_BYTES], b1[PROTO_HASH_BYTES];
    s_post_payload (store, f.alice, p, plen, rid);
    size_t qlen = s_test_ref_payload (q, sizeof q, "retract",
                                      PROTO_REL_RETRACTION,
                                      S_IDS (rid), 1);
    s_post_payload (store, f.alice, q, qlen, eid);
    size_t wlen = s_test_ref_payload (w, sizeof w, "update",
                                      PROTO_REL_UPDATE,
                                      S_IDS (eid), 1);
    s_post_payload (store, f.alice, w, wlen, wid);
    s_chain_t bob;
    s_chain_init (&bob, f.bob);
    s_chain_append (store, &bob, p, plen, false, b1);
    uint64_t rrow = s_test_row_of (store, rid, NULL);
    //  Back to what schema 1 held.
    MDB_txn *txn;
    assert (mdb_txn_begin (store->env, NULL, 0, &txn) == 0);
    s_row_t row = (s_row_t) rrow;
    MDB_val k = { sizeof row, &row }, v = { plen, p };
    assert (mdb_put (txn, store->payloads, &k, &v, 0) == 0);
    assert (mdb_drop (txn, store->refs, 1) == 0);
    assert (mdb_drop (txn, store->retracted, 1) == 0);
    assert (mdb_drop (txn, store->missing, 1) == 0);
    MDB_val mk = { 7, "missing" };
    assert (mdb_del (txn, store->meta, &mk, NULL) == 0);
    uint8_t ver[4];
    s_put_le (ver, 1, 4);
    MDB_val sk = { 6, "schema" }, sv = { sizeof ver, ver };
    assert (mdb_put (txn, store->meta, &sk, &sv, 0) == 0);
    assert (mdb_txn_commit (txn) == 0);
    node_store_destroy (&store);

    store = s_test_open (&f, S_TEST_MAP, 0);
    assert (node_store_count (store) == 4);
    assert (!s_test_has_payload (store, rid));
    assert (s_test_retracted_by (store, rid, eid));
    s_rows_t r;
    s_rows_scan (store, 1, eid, 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], wid, PROTO_HASH_BYTES));
    s_rows_scan (store, 2, NULL, 0, &r);
    assert (r.count == 1 && !memcmp (r.ids[0], b1, PROTO_HASH_BYTES));
    assert (mdb_txn_begin (store->env, NULL, MDB_RDONLY, &txn) == 0);
    assert (mdb_get (txn, store->meta, &sk, &sv) == 0);
    assert (sv.mv_size == 4 && s_get_le (sv.mv_data, 4) == S_SCHEMA_VERSION);
    mdb_txn_abort (txn);
    s_test_fsck_clean (store, 2, 4);

    //  A schema this build does not know is refused, with a reason.
    assert (mdb_txn_begin (store->env, NULL, 0, &txn) == 0);
    s_put_le (ver, S_SCHEMA_VERSION + 1, 4);
    sv.mv_size = sizeof ver;
    sv.mv_data = ver;
    assert (mdb_put (txn, store->meta, &sk, &sv, 0) == 0);
    assert (mdb_txn_commit (txn) == 0);
    node_store_destroy (&store);
    char err[256];
    assert (node_store_open (f.dir, S_TEST_MAP, 0, err, sizeof err) == NULL);
    assert (strstr (err, "schema version"));
    s_fixture_destroy (&f);
}

//  Verification on two threads gives exactly what one gives: a batch of
//  200 (threaded) against the same items one by one (inline), forged
//  signatures and a non-member in both halves.
static void
s_test_parallel_verify (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    enum { N = 200 };
    static uint8_t stubs[N][PROTO_STUB_MAX];
    node_append_t *items = calloc (N, sizeof *items);
    proto_reject_t *expect = calloc (N, sizeof *expect);
    proto_reject_t *got1 = calloc (N, sizeof *got1);
    proto_reject_t *got2 = calloc (N, sizeof *got2);
    uint8_t (*ids1)[PROTO_HASH_BYTES] = calloc (N, PROTO_HASH_BYTES);
    uint8_t (*ids2)[PROTO_HASH_BYTES] = calloc (N, PROTO_HASH_BYTES);
    assert (items && expect && got1 && got2 && ids1 && ids2);
    uint8_t p[1024];
    size_t plen = s_test_payload (p, sizeof p, "catch up", 64);
    proto_audience_t council;
    proto_audience_set_council (&council);
    s_chain_t bob, mallory;
    s_chain_init (&bob, f.bob);
    s_chain_init (&mallory, f.mallory);
    size_t last_genuine = 0;
    size_t good = 0;
    for (size_t i = 0; i < N; i++) {
        items[i].stub = stubs[i];
        items[i].payload = i % 3 ? p : NULL;
        items[i].payload_len = i % 3 ? plen : 0;
        if (i == 3 || i == 50 || i == 99 || i == 100 || i == 150 || i == 199) {
            //  A forged copy of the last genuine entry: one bit of its
            //  signature flipped.
            items[i].stub_len = items[last_genuine].stub_len;
            memcpy (stubs[i], stubs[last_genuine], items[i].stub_len);
            stubs[i][items[i].stub_len - 1 - i % 7] ^= 0x10;
            expect[i] = PROTO_REJECT_SIGNATURE;
        }
        else if (i == 20 || i == 120) {
            items[i].stub_len = s_chain_next (&mallory, stubs[i],
                                              PROTO_LEVEL_GREEN, &council, p,
                                              plen, NULL);
            expect[i] = PROTO_REJECT_UNKNOWN_AUTHOR;
        }
        else {
            items[i].stub_len = s_chain_next (&bob, stubs[i],
                                              PROTO_LEVEL_GREEN, &council, p,
                                              plen, NULL);
            expect[i] = PROTO_OK;
            last_genuine = i;
            good++;
        }
    }
    //  Threaded batch.
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    assert (node_store_append_batch (store, items, N, got1, ids1)
            == PROTO_OK);
    assert (node_store_count (store) == good);
    s_test_fsck_clean (store, 2, good);
    node_store_destroy (&store);
    s_fixture_t g = f;              /* same keys, a fresh directory */
    snprintf (g.dir, sizeof g.dir, "/tmp/node_store_test.XXXXXX");
    assert (mkdtemp (g.dir));
    store = s_test_open (&g, S_TEST_MAP, 0);
    //  One by one: each call verifies inline.
    for (size_t i = 0; i < N; i++)
        got2[i] = node_store_append (store, items[i].stub, items[i].stub_len,
                                     items[i].payload, items[i].payload_len,
                                     ids2[i]);
    for (size_t i = 0; i < N; i++) {
        assert (got1[i] == expect[i]);
        assert (got2[i] == expect[i]);
        uint8_t id[PROTO_HASH_BYTES];
        proto_entry_id (id, items[i].stub, items[i].stub_len);
        assert (!memcmp (ids1[i], id, PROTO_HASH_BYTES));
        assert (!memcmp (ids2[i], id, PROTO_HASH_BYTES));
    }
    assert (node_store_count (store) == good);
    //  A batch just under the split verifies inline: the same again.
    proto_reject_t got3[63];
    assert (node_store_append_batch (store, items, 63, got3, NULL)
            == PROTO_OK);
    for (size_t i = 0; i < 63; i++)
        assert (got3[i] == (expect[i] == PROTO_OK ? PROTO_REJECT_DUPLICATE
                                                  : expect[i]));
    node_store_destroy (&store);
    char path[128];
    snprintf (path, sizeof path, "%s/data.mdb", g.dir);
    unlink (path);
    snprintf (path, sizeof path, "%s/lock.mdb", g.dir);
    unlink (path);
    assert (rmdir (g.dir) == 0);
    free (items);
    free (expect);
    free (got1);
    free (got2);
    free (ids1);
    free (ids2);
    s_fixture_destroy (&f);
}

//  A receipt for targets[0..n), or an acknowledgement (ack) of
//  targets[0]. Returns the payload's size.
static size_t
s_test_receipt_payload (uint8_t *buf, size_t cap, bool ack,
                        const uint8_t (*targets)[PROTO_HASH_BYTES], size_t n)
{
    proto_payload_t p;
    proto_payload_init (&p, ack ? PROTO_KIND_ACK : PROTO_KIND_RECEIPT, 0);
    p.title = ack ? "Acknowledged" : "Delivery receipt";
    p.title_len = strlen (p.title);
    static char body[4096];
    if (ack) {
        proto_ack_t a = { "duty officer", 12, NULL, 0 };
        p.body_len = proto_ack_body_encode (&a, body, sizeof body);
        assert (proto_payload_add_ref (&p, PROTO_REL_ACKNOWLEDGES,
                                       targets[0]) == 0);
    }
    else {
        proto_receipt_item_t items[8];
        assert (n <= 8);
        for (size_t i = 0; i < n; i++) {
            memcpy (items[i].id, targets[i], PROTO_HASH_BYTES);
            items[i].stored_ms = 1700000000500ULL + i;
        }
        p.body_len = proto_receipt_body_encode (items, n, body, sizeof body);
    }
    assert (p.body_len > 0);
    p.body = body;
    size_t size = proto_payload_encode (&p, buf, cap);
    assert (size > 0);
    return size;
}

//  Receipts owed are queued with the payload, for others' entries that
//  ask for one and that this node reads; receipts and acknowledgements
//  that confirm what their author could not have received are refused.
static void
s_test_receipts (void)
{
    s_fixture_t f;
    s_fixture_new (&f);
    node_store_t *store = s_test_open (&f, S_TEST_MAP, 0);
    uint8_t payload[1024];
    size_t plen = s_test_payload (payload, sizeof payload, "drill", 100);
    uint64_t ts = 1700000000000ULL;
    node_receipt_due_t due[8];
    size_t n;
    assert (node_store_receipts_due (store, due, 8, &n) == 0 && n == 0);

    //  bob's entries: 1 asks (council), 2 does not, 3 asks (energy: alice
    //  does not read it), 4 asks (header first, payload later).
    proto_audience_t council, energy;
    proto_audience_set_council (&council);
    assert (proto_audience_set_group (&energy, "energy") == 0);
    s_chain_t bob;
    s_chain_init (&bob, f.bob);
    uint8_t stub[PROTO_STUB_MAX], ids[4][PROTO_HASH_BYTES];
    size_t len;
    s_test_flags = PROTO_FLAG_RECEIPT;
    len = s_chain_next (&bob, stub, PROTO_LEVEL_GREEN, &council, payload,
                        plen, NULL);
    assert (node_store_append (store, stub, len, payload, plen, ids[0])
            == PROTO_OK);
    s_test_flags = 0;
    len = s_chain_next (&bob, stub, PROTO_LEVEL_GREEN, &council, payload,
                        plen, NULL);
    assert (node_store_append (store, stub, len, payload, plen, ids[1])
            == PROTO_OK);
    s_test_flags = PROTO_FLAG_RECEIPT;
    len = s_chain_next (&bob, stub, PROTO_LEVEL_AMBER, &energy, payload,
                        plen, NULL);
    assert (node_store_append (store, stub, len, NULL, 0, ids[2])
            == PROTO_OK);
    len = s_chain_next (&bob, stub, PROTO_LEVEL_GREEN, &council, payload,
                        plen, NULL);
    assert (node_store_append (store, stub, len, NULL, 0, ids[3])
            == PROTO_OK);
    assert (node_store_receipts_due (store, due, 8, &n) == 0 && n == 1);
    assert (!memcmp (due[0].id, ids[0], PROTO_HASH_BYTES));
    assert (!memcmp (due[0].author, keys_secret_sign_pk (f.bob),
                     PROTO_PK_BYTES));
    assert (due[0].stored_ms > ts);
    //  The payload arrives after its header: owed from then.
    assert (node_store_append (store, stub, len, payload, plen, NULL)
            == PROTO_REJECT_DUPLICATE);
    assert (node_store_receipts_due (store, due, 8, &n) == 0 && n == 2);
    assert (!memcmp (due[1].id, ids[3], PROTO_HASH_BYTES));
    assert (node_store_receipts_due (store, due, 1, &n) == 0 && n == 1);
    //  alice's own entries asking for receipts owe nothing here.
    node_post_t post;
    memset (&post, 0, sizeof post);
    post.level = PROTO_LEVEL_AMBER;
    post.flags = PROTO_FLAG_RECEIPT;
    proto_audience_set_nodes (&post.audience);
    assert (proto_audience_add_node (&post.audience,
                                     keys_secret_sign_pk (f.bob)) == 0);
    post.payload = payload;
    post.payload_len = plen;
    uint8_t mine[2][PROTO_HASH_BYTES];
    assert (node_store_post (store, f.alice, &post, 1, mine) == PROTO_OK);
    proto_audience_set_council (&post.audience);
    assert (node_store_post (store, f.alice, &post, 1, mine + 1) == PROTO_OK);
    assert (node_store_receipts_due (store, due, 8, &n) == 0 && n == 2);
    assert (node_store_receipts_done (store, due, 2) == 0);
    assert (node_store_receipts_due (store, due, 8, &n) == 0 && n == 0);

    //  Receipts to alice for her entries: mine[0] is for bob only.
    s_test_flags = 0;
    proto_audience_t to_alice;
    proto_audience_set_nodes (&to_alice);
    assert (proto_audience_add_node (&to_alice,
                                     keys_secret_sign_pk (f.alice)) == 0);
    uint8_t rp[4096];
    //  carol confirms mine[0], which she could not have received: refused.
    size_t rlen = s_test_receipt_payload (rp, sizeof rp, false, mine, 2);
    len = s_test_stub (stub, f.carol, 1, NULL, ts + 10, PROTO_LEVEL_AMBER,
                       &to_alice, rp, rlen);
    assert (node_store_append (store, stub, len, rp, rlen, NULL)
            == PROTO_REJECT_RECEIPT);
    //  ... and acknowledges it: refused too.
    rlen = s_test_receipt_payload (rp, sizeof rp, true, mine, 1);
    len = s_test_stub (stub, f.carol, 1, NULL, ts + 10, PROTO_LEVEL_AMBER,
                       &to_alice, rp, rlen);
    assert (node_store_append (store, stub, len, rp, rlen, NULL)
            == PROTO_REJECT_RECEIPT);
    //  A receipt for everyone (not addressed to named nodes): refused.
    rlen = s_test_receipt_payload (rp, sizeof rp, false, mine + 1, 1);
    len = s_test_stub (stub, f.carol, 1, NULL, ts + 10, PROTO_LEVEL_AMBER,
                       &council, rp, rlen);
    assert (node_store_append (store, stub, len, rp, rlen, NULL)
            == PROTO_REJECT_RECEIPT);
    //  carol confirms mine[1] (council): kept; bob acknowledges mine[0].
    s_chain_t carol;
    s_chain_init (&carol, f.carol);
    len = s_chain_next (&carol, stub, PROTO_LEVEL_AMBER, &to_alice, rp, rlen,
                        NULL);
    assert (node_store_append (store, stub, len, rp, rlen, NULL) == PROTO_OK);
    rlen = s_test_receipt_payload (rp, sizeof rp, true, mine, 1);
    len = s_chain_next (&bob, stub, PROTO_LEVEL_AMBER, &to_alice, rp, rlen,
                        NULL);
    assert (node_store_append (store, stub, len, rp, rlen, NULL) == PROTO_OK);
    //  A receipt listing an entry not held here cannot be checked here.
    uint8_t unknown[1][PROTO_HASH_BYTES];
    memset (unknown, 7, sizeof unknown);
    rlen = s_test_receipt_payload (rp, sizeof rp, false, unknown, 1);
    len = s_chain_next (&carol, stub, PROTO_LEVEL_AMBER, &to_alice, rp, rlen,
                        NULL);
    assert (node_store_append (store, stub, len, rp, rlen, NULL) == PROTO_OK);
    //  Receipts and acknowledgements owe no receipts themselves.
    assert (node_store_receipts_due (store, due, 8, &n) == 0 && n == 0);
    s_test_fsck_clean (store, 1, 9);
    node_store_destroy (&store);
    s_fixture_destroy (&f);
}

void
node_store_test (bool verbose)
{
    printf (" * node_store: ");
    fflush (stdout);
    assert (proto_init () == 0);
    s_test_post_and_read (verbose);
    s_test_post_rejects ();
    s_test_append ();
    s_test_clock ();
    s_test_disclosure ();
    s_test_map_full (verbose);
    s_test_fsck (verbose);
    s_test_rows_heads ();
    s_test_retract_post ();
    s_test_retract_append ();
    s_test_retract_red ();
    s_test_missing ();
    s_test_receipts ();
    s_test_fsck_tables (verbose);
    s_test_migrate ();
    s_test_parallel_verify ();
    if (verbose)
        printf ("\n   ");
    printf ("OK\n");
}
