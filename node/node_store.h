/* SPDX-License-Identifier: MPL-2.0 */
/* node_store: the node's hash-chained, replicated log in LMDB: the only
   code that touches LMDB. */
#ifndef NODE_STORE_H
#define NODE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../protocol/protocol.h"
#include "../keys/keys.h"

/* One store is one LMDB environment in a directory (data.mdb, lock.mdb).
   Several processes may open the same store: LMDB serialises writers with
   its lock file, and readers never block. Within a process, a store handle
   is used from one thread at a time (the store actor in ceptoard).

   Durability: every write function returns success only after the LMDB
   commit has been synced to disk (no MDB_NOSYNC, no MDB_WRITEMAP, so a full
   disk is an error return, never SIGBUS). When the map fills
   (MDB_MAP_FULL) the transaction is aborted, the map is grown (doubling, up
   to max_map_size) and the write retried once; past the maximum the write
   fails with PROTO_REJECT_STORAGE and a clear last_error.

   Schema: docs/storage.md.                                                  */

typedef struct _node_store_t node_store_t;

#define NODE_STORE_DEFAULT_MAP (64UL * 1024 * 1024)
#define NODE_STORE_DEFAULT_MAX_MAP (64UL * 1024 * 1024 * 1024)

/* ------------------------------------------------------------------------
   Open (creating if needed, mode 0700 directory, 0600 files) the store in
   dir. map_size and max_map_size in bytes, 0 for the defaults. Runs
   mdb_reader_check to clear reader slots left by killed processes. Returns
   NULL with a reason in err. Caller destroys.                               */
node_store_t *
    node_store_open (const char *dir, size_t map_size, size_t max_map_size,
                     char *err, size_t errlen);

void
    node_store_destroy (node_store_t **self_p);

/* ------------------------------------------------------------------------
   The roster in force (borrowed: must outlive the store or be replaced)
   and this node's own Ed25519 key (copied). Both must be set before any
   write: append checks authors against the roster and keeps a plaintext
   payload only if keys_disclosure_payload() allows it for self.            */
void
    node_store_set_roster (node_store_t *self, const keys_roster_t *roster);
void
    node_store_set_self (node_store_t *self, const uint8_t pk[PROTO_PK_BYTES]);

/* A new entry of this node's, before signing.                               */
typedef struct {
    proto_level_t level;
    uint8_t flags;                 /* PROTO_FLAG_*                          */
    proto_audience_t audience;
    const uint8_t *payload;        /* stored form: plaintext encoding, or
                                      sealed for RED (borrowed)             */
    size_t payload_len;
    uint64_t timestamp_ms;         /* 0: now                                */
} node_post_t;

/* ------------------------------------------------------------------------
   Sign and append n of this node's own entries in ONE transaction: the
   store assigns seq and prev from the author's head, fills the payload
   hash and length, signs with key (whose public key must be a roster
   member), and commits durably. On success fills ids[0..n) and returns
   PROTO_OK; otherwise nothing is written and the reason is returned
   (PROTO_REJECT_AUDIENCE for an audience the roster cannot resolve,
   PROTO_REJECT_FROZEN, PROTO_REJECT_STORAGE, ...).                          */
proto_reject_t
    node_store_post (node_store_t *self, const keys_secret_t *key,
                     const node_post_t *posts, size_t n,
                     uint8_t (*ids)[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   Append an entry received from elsewhere, after checking everything:
   stub decoding and signature, author in roster, chain (seq = head + 1 and
   prev = head id), payload length/hash/form if a payload is given. A
   payload the node is not cleared for is refused (PROTO_REJECT_NOT_CLEARED,
   nothing stored). An identical entry already held gives
   PROTO_REJECT_DUPLICATE (a payload for a held header is added if it
   was missing). A different entry at a held (author, seq) is a fork: both
   stubs are kept as evidence, the author's chain is frozen, and
   PROTO_REJECT_FORK is returned. Durable on PROTO_OK. id may be NULL.       */
proto_reject_t
    node_store_append (node_store_t *self, const uint8_t *stub,
                       size_t stub_len, const uint8_t *payload,
                       size_t payload_len, uint8_t id[PROTO_HASH_BYTES]);

/* One entry for node_store_append_batch. All pointers borrowed.             */
typedef struct {
    const uint8_t *stub;            /* header || signature, untrusted        */
    size_t stub_len;
    const uint8_t *payload;         /* stored form, or NULL for header only  */
    size_t payload_len;
} node_append_t;

/* ------------------------------------------------------------------------
   Append n entries (replication batches) in ONE durable transaction. Each
   entry is checked exactly as by node_store_append, in order, so an entry
   may build on one earlier in the batch; results[i] gets its reason, and
   ids[i] (ids may be NULL) BLAKE2b-256 of its stub. Returns PROTO_OK once
   the transaction is committed (whatever the individual results), or
   PROTO_REJECT_STORAGE when it could not be (then every results[i] is
   PROTO_REJECT_STORAGE and nothing is written; see last_error).            */
proto_reject_t
    node_store_append_batch (node_store_t *self, const node_append_t *items,
                             size_t n, proto_reject_t *results,
                             uint8_t (*ids)[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   The two halves of node_store_append_batch, for callers that verify on
   other threads while the writer works (replication's pipeline):
   node_store_verify_stubs checks each stub's encoding and Ed25519
   signature into sig[i] (PROTO_OK or the reason) and, if ids is not NULL,
   its id; it touches no store and may run on any thread, several at once.
   node_store_append_verified then appends as node_store_append_batch does,
   trusting sig: sig MUST be what node_store_verify_stubs wrote for exactly
   these items (a wrong PROTO_OK would store a forged entry). It checks
   authors against the roster in force at the time of the append.         */
void
    node_store_verify_stubs (const node_append_t *items, size_t n,
                             proto_reject_t *sig,
                             uint8_t (*ids)[PROTO_HASH_BYTES]);
proto_reject_t
    node_store_append_verified (node_store_t *self,
                                const node_append_t *items, size_t n,
                                const proto_reject_t *sig,
                                proto_reject_t *results,
                                uint8_t (*ids)[PROTO_HASH_BYTES]);

/* An entry as the read functions hand it to a visitor. All pointers are
   borrowed and valid only during the visitor call (they point into the
   LMDB map); copy what you keep.                                            */
typedef struct {
    uint8_t id[PROTO_HASH_BYTES];
    proto_header_t header;
    const uint8_t *stub;            /* header || signature                   */
    size_t stub_len;
    const uint8_t *payload;         /* NULL when the payload is not held     */
    size_t payload_len;
    uint64_t stored_ms;             /* when this node stored the header      */
    uint64_t row;                   /* local arrival order (1, 2, 3 ...)     */
} node_entry_t;

/* Return 0 to continue, non-zero to stop the scan (returned by the scan).   */
typedef int (node_store_visit_fn) (const node_entry_t *entry, void *arg);

/* ------------------------------------------------------------------------
   Look up one entry by id and call visit once. Returns visit's result (0
   usually), NODE_STORE_NOTFOUND, or -1 on a storage error.                  */
#define NODE_STORE_NOTFOUND 1000
int
    node_store_get (node_store_t *self, const uint8_t id[PROTO_HASH_BYTES],
                    node_store_visit_fn *visit, void *arg);

/* ------------------------------------------------------------------------
   Visit entries whose author timestamp is >= since_ms, oldest first.
   Returns 0 when done, visit's non-zero result if it stopped, -1 on error.  */
int
    node_store_scan_time (node_store_t *self, uint64_t since_ms,
                          node_store_visit_fn *visit, void *arg);

/* ------------------------------------------------------------------------
   Visit one author's entries with seq >= from_seq in sequence order.
   Returns as node_store_scan_time.                                          */
int
    node_store_scan_author (node_store_t *self,
                            const uint8_t author[PROTO_PK_BYTES],
                            uint64_t from_seq, node_store_visit_fn *visit,
                            void *arg);

/* ------------------------------------------------------------------------
   An author's head: highest seq and its id. Returns 0, NODE_STORE_NOTFOUND
   when no entry of that author is held, or -1 on error. id may be NULL.     */
int
    node_store_head (node_store_t *self, const uint8_t author[PROTO_PK_BYTES],
                     uint64_t *seq, uint8_t id[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   Number of entries (headers) held, or 0 on error.                          */
uint64_t
    node_store_count (node_store_t *self);

/* ------------------------------------------------------------------------
   Bytes of the map in use (last page number times page size): what the
   store occupies on disk, for benchmarks.                                   */
uint64_t
    node_store_disk_bytes (node_store_t *self);

/* Fork evidence as node_store_forks hands it over: the author, the seq,
   the stub held in the log, the other stub signed for the same seq, and
   when this node saw the conflict. Pointers borrowed for the call only.
   Return 0 to continue, non-zero to stop (returned by node_store_forks).   */
typedef int (node_store_fork_fn) (const uint8_t author[PROTO_PK_BYTES],
                                  uint64_t seq, const uint8_t *held,
                                  size_t held_len, const uint8_t *other,
                                  size_t other_len, uint64_t detected_ms,
                                  void *arg);

/* ------------------------------------------------------------------------
   Visit every fork evidence record (author key, then seq order). An author
   with evidence is frozen. Returns 0 when done, visit's non-zero result,
   or -1 on a storage error.                                                 */
int
    node_store_forks (node_store_t *self, node_store_fork_fn *visit,
                      void *arg);

/* ------------------------------------------------------------------------
   Visit entries in the order this node stored their headers (rows), from
   row from_row (>= 1) upward. The order `ceptoar follow` tails in and
   replication announces in. Returns as node_store_scan_time.               */
int
    node_store_scan_rows (node_store_t *self, uint64_t from_row,
                          node_store_visit_fn *visit, void *arg);

/* ------------------------------------------------------------------------
   The highest row held (0 when the store is empty, or on error).            */
uint64_t
    node_store_last_row (node_store_t *self);

/* One author's head as node_store_heads hands it over (borrowed, call only). */
typedef struct {
    const uint8_t *author;          /* PROTO_PK_BYTES                        */
    uint64_t seq;                   /* highest seq held (>= 1)               */
    const uint8_t *id;              /* its id, PROTO_HASH_BYTES              */
    bool frozen;                    /* fork evidence held: chain closed      */
} node_head_t;

typedef int (node_store_head_fn) (const node_head_t *head, void *arg);

/* ------------------------------------------------------------------------
   Visit every author's head, in ascending order of author key (the order
   HEADS lists them). Returns 0 when done, visit's non-zero result, -1 on
   error.                                                                    */
int
    node_store_heads (node_store_t *self, node_store_head_fn *visit,
                      void *arg);

/* ------------------------------------------------------------------------
   Let the store read RED payloads sealed to this node (key's box key), so
   that references inside them (retractions, corrections) are indexed like
   those of plaintext payloads. Optional; key is borrowed and must outlive
   the store or be replaced (NULL: stop). Without it, RED payloads are
   stored opaque and their references are not seen.                          */
void
    node_store_set_opener (node_store_t *self, const keys_secret_t *key);

/* ------------------------------------------------------------------------
   Retractions (docs/protocol.md 13.9.3). Whenever an entry E is stored
   (post or append) with a payload the store can read, each reference of E
   with relation PROTO_REL_RETRACTION to entry R is applied:
     - R held and R's author is E's author: R's payload is deleted in the
       same transaction (its header stays); R is marked retracted by E;
     - R held, other author: an ordinary reference, nothing happens;
     - R not held: remembered (R's id, E's author, E's id); when R's header
       arrives later from E's author it is stored WITHOUT its payload and
       marked retracted.
   A payload offered for a retracted entry is never stored: for a header
   already held, append returns PROTO_REJECT_RETRACTED; for a new header
   the header is stored alone and append returns PROTO_OK.
   Returns 1 and fills by (may be NULL) with the retracting entry's id if
   id is retracted, 0 if not, -1 on error.                                   */
int
    node_store_retracted (node_store_t *self,
                          const uint8_t id[PROTO_HASH_BYTES],
                          uint8_t by[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   Visit every held entry whose readable payload references target (any
   relation: replies, updates, corrections, retractions ...), in the order
   they were stored. The history `ceptoar show` prints. Returns as
   node_store_scan_time.                                                     */
int
    node_store_scan_refs (node_store_t *self,
                          const uint8_t target[PROTO_HASH_BYTES],
                          node_store_visit_fn *visit, void *arg);

/* ------------------------------------------------------------------------
   Visit every entry whose header is held, whose payload is not, which is
   not retracted, and whose payload this node may hold
   (keys_disclosure_payload (roster, header, self) is not NONE with the
   roster in force): the payloads replication should fetch (PAYLOADS).
   Kept as an index, so the cost is the number of such entries. Returns as
   node_store_scan_time.                                                     */
int
    node_store_scan_missing (node_store_t *self, node_store_visit_fn *visit,
                             void *arg);

/* ------------------------------------------------------------------------
   Receipts owed (protocol.md 13.9.7). When the store keeps the payload of
   another member's entry that asks for a receipt (PROTO_FLAG_RECEIPT) and
   this node is one of its readers (in the audience; named, if RED), it
   queues the entry in the same transaction. The daemon reads the queue
   (node_store_receipts_due: up to cap, oldest first), posts receipts that
   confirm them, then takes them off (node_store_receipts_done). A crash
   in between sends a receipt twice, never loses one. Return 0, or -1
   with last_error set.                                                      */
typedef struct {
    uint64_t row;
    uint8_t id[PROTO_HASH_BYTES];
    uint8_t author[PROTO_PK_BYTES];
    uint64_t stored_ms;             /* when the payload was stored here     */
} node_receipt_due_t;

int node_store_receipts_due (node_store_t *self, node_receipt_due_t *out,
                             size_t cap, size_t *n);
int node_store_receipts_done (node_store_t *self,
                              const node_receipt_due_t *items, size_t n);

/* Counters from a fsck run.                                                 */
typedef struct {
    uint64_t entries;      /* headers checked                                */
    uint64_t payloads;     /* payloads checked                               */
    uint64_t authors;      /* chains checked                                 */
    uint64_t problems;     /* problems reported                              */
} node_fsck_stats_t;

/* One line per problem, e.g. "entry <id>: signature does not verify".       */
typedef void (node_fsck_report_fn) (const char *problem, void *arg);

/* ------------------------------------------------------------------------
   Re-verify everything: every stub decodes and its signature verifies
   (on `threads` threads, 0 = number of cores), every chain is contiguous
   from seq 1 with correct prev links, heads match chains, every index
   (id, chain, time) is consistent with the log, every payload matches its
   header's length and hash, and no plaintext payload is held that the
   disclosure rule refuses this node. Returns 0 if clean, 1 if problems
   were reported, -1 if the store could not be read.                         */
int
    node_store_fsck (node_store_t *self, unsigned threads,
                     node_fsck_report_fn *report, void *arg,
                     node_fsck_stats_t *stats);

/* ------------------------------------------------------------------------
   The text of the last environment failure (LMDB error, map full ...), or
   "" if none. Borrowed; valid until the next call on the store.             */
const char *
    node_store_last_error (const node_store_t *self);

void
    node_store_test (bool verbose);

#endif
