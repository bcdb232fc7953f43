/* SPDX-License-Identifier: MPL-2.0 */
/* bench_store: throughput, latency and size figures of the LMDB store. */

/* Usage: bench_store [--quick] [--dir DIR] [--runs N] [--keep] [--batch N]

   Prints, as medians of N runs (default 5) on this machine (each store
   rate is paired with a raw rate measured just before it, and its target
   is checked on the median of the per-run ratios, so that a busy shared
   machine shifts both alike):
   (a) raw libsodium Ed25519 sign and verify rates, one core;
   (b) entries per second through node_store_post, batches of 1024
       (--batch), real payloads (proto_payload_encode, 300-byte body),
       100 000 entries;
   (c) durable single-entry post latency (n = 1), p50 and p99 of 2000;
   (d) fsck entries verified per second, 1 and 2 threads, on (b)'s store;
   (e) bytes on disk per entry, against the payload size;
   (f) entries per second through node_store_append_batch: a peer's
       entries (signed beforehand, with payloads) in batches of 256, as a
       node catching up stores them (signatures verified on 2 threads).
       Informational: no target.
   Each figure is printed with its target and PASS or MISS. --quick uses
   small counts (a smoke test; figures are then noisy). --dir puts the
   scratch stores under DIR (default: a mkdtemp directory under /tmp);
   they are removed at the end, except (b)'s store with --keep. Exit code
   0 unless a step fails (a MISS is a figure, not a failure).              */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../protocol/protocol.h"
#include "../../keys/keys.h"
#include "../../node/node_store.h"

#define BODY_BYTES 300
#define BATCH_DEFAULT 1024
#define BATCH_MAX 8192
static size_t s_batch = BATCH_DEFAULT;   /* entries per post call, --batch */
#define MAX_RUNS 15

typedef struct {
    bool quick;
    bool keep;                      /* leave (b)'s store in place           */
    int runs;
    const char *dir;                /* parent of the scratch stores         */
    size_t sign_n, verify_n;        /* raw crypto iterations per run        */
    size_t post_n;                  /* entries for (b)                      */
    size_t latency_n;               /* single posts for (c)                 */
} bench_t;

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double
s_median (double *v, int n)
{
    qsort (v, (size_t) n, sizeof *v, s_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
s_percentile (double *v, size_t n, double p)
{
    qsort (v, n, sizeof *v, s_cmp_double);
    size_t i = (size_t) (p * (double) (n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static const char *
s_verdict (bool pass)
{
    return pass ? "PASS" : "MISS";
}

static void
s_rmstore (const char *dir)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/data.mdb", dir);
    unlink (path);
    snprintf (path, sizeof path, "%s/lock.mdb", dir);
    unlink (path);
    rmdir (dir);
}

//  A fresh store directory name under the scratch parent.
static void
s_store_dir (const bench_t *b, char *out, size_t cap, const char *name)
{
    snprintf (out, cap, "%s/%s", b->dir, name);
    s_rmstore (out);
}

typedef struct {
    keys_secret_t *key;
    keys_secret_t *peer;            /* another member, for (f)              */
    keys_roster_t *roster;
    uint8_t payload[1024];
    size_t payload_len;
} fixture_t;

static void
s_fixture (fixture_t *f)
{
    f->key = keys_secret_generate ();
    f->peer = keys_secret_generate ();
    assert (f->key && f->peer);
    char err[256];
    f->roster = keys_roster_new (NULL, 1);
    assert (f->roster);
    const keys_secret_t *members[2] = { f->key, f->peer };
    const char *names[2] = { "bench", "peer" };
    for (int i = 0; i < 2; i++) {
        keys_card_t card;
        memset (&card, 0, sizeof card);
        snprintf (card.name, sizeof card.name, "%s", names[i]);
        card.sector = i ? PROTO_SECTOR_GAS : PROTO_SECTOR_TELECOM;
        memcpy (card.sign_pk, keys_secret_sign_pk (members[i]),
                PROTO_PK_BYTES);
        memcpy (card.box_pk, keys_secret_box_pk (members[i]),
                PROTO_BOXPK_BYTES);
        assert (keys_roster_add_member (f->roster, &card, "", err,
                                        sizeof err) == 0);
    }
    uint8_t sig[PROTO_SIG_BYTES];
    assert (keys_roster_sign (f->roster, f->key, sig) == 0);
    assert (keys_roster_add_signature (f->roster,
                                       keys_secret_sign_pk (f->key), sig,
                                       err, sizeof err) == 0);
    char body[BODY_BYTES];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (char) ('a' + i % 26);
    proto_payload_t p;
    proto_payload_init (&p, PROTO_KIND_INCIDENT, 2);
    assert (proto_payload_add_sector (&p, PROTO_SECTOR_TELECOM) == 0);
    p.title = "Benchmark incident report";
    p.title_len = strlen (p.title);
    p.body = body;
    p.body_len = sizeof body;
    f->payload_len = proto_payload_encode (&p, f->payload,
                                           sizeof f->payload);
    assert (f->payload_len > 0);
}

static node_store_t *
s_open (const fixture_t *f, const char *dir)
{
    char err[256];
    //  A map large enough that growth does not show in the timings.
    node_store_t *store = node_store_open (dir, 1024UL * 1024 * 1024, 0,
                                           err, sizeof err);
    if (!store) {
        fprintf (stderr, "bench_store: %s\n", err);
        exit (2);
    }
    node_store_set_roster (store, f->roster);
    node_store_set_self (store, keys_secret_sign_pk (f->key));
    return store;
}

static void
s_post_setup (const fixture_t *f, node_post_t *posts, size_t n)
{
    memset (posts, 0, n * sizeof *posts);
    for (size_t i = 0; i < n; i++) {
        posts[i].level = PROTO_LEVEL_GREEN;
        proto_audience_set_council (&posts[i].audience);
        posts[i].payload = f->payload;
        posts[i].payload_len = f->payload_len;
    }
}

//  (a) Raw Ed25519 over a stub-sized message (140 bytes: the signing tag
//  and a 123-byte header), one core. One run of n; returns per second.
static double
s_raw_rate (size_t n, bool verify)
{
    static uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    static uint8_t sk[crypto_sign_SECRETKEYBYTES];
    static bool have;
    if (!have) {
        crypto_sign_keypair (pk, sk);
        have = true;
    }
    uint8_t msg[140], sig[crypto_sign_BYTES];
    randombytes_buf (msg, sizeof msg);
    crypto_sign_detached (sig, NULL, msg, sizeof msg, sk);
    double t0 = s_now ();
    for (size_t i = 0; i < n; i++) {
        if (!verify) {
            msg[0] = (uint8_t) i;
            crypto_sign_detached (sig, NULL, msg, sizeof msg, sk);
        }
        else if (crypto_sign_verify_detached (sig, msg, sizeof msg, pk)) {
            fprintf (stderr, "bench_store: verify failed\n");
            exit (2);
        }
    }
    return (double) n / (s_now () - t0);
}

//  (b) Batched posts into a fresh store; returns entries per second. The
//  store of the last run is kept for (d) and (e).
static double
s_post_rate (const bench_t *b, const fixture_t *f, const char *dir)
{
    node_post_t *posts = malloc (s_batch * sizeof *posts);
    uint8_t (*ids)[PROTO_HASH_BYTES] = malloc (s_batch * PROTO_HASH_BYTES);
    assert (posts && ids);
    s_post_setup (f, posts, s_batch);
    node_store_t *store = s_open (f, dir);
    double t0 = s_now ();
    for (size_t done = 0; done < b->post_n;) {
        size_t n = b->post_n - done < s_batch ? b->post_n - done : s_batch;
        proto_reject_t r = node_store_post (store, f->key, posts, n, ids);
        if (r != PROTO_OK) {
            fprintf (stderr, "bench_store: post: %s (%s)\n",
                     proto_reject_name (r), node_store_last_error (store));
            exit (2);
        }
        done += n;
    }
    double rate = (double) b->post_n / (s_now () - t0);
    node_store_destroy (&store);
    free (posts);
    free (ids);
    return rate;
}

//  (c) Single durable posts: per-post latencies in ms into lat.
static void
s_post_latency (const bench_t *b, const fixture_t *f, const char *dir,
                double *p50, double *p99)
{
    double *lat = malloc (b->latency_n * sizeof *lat);
    assert (lat);
    node_post_t post;
    s_post_setup (f, &post, 1);
    uint8_t id[1][PROTO_HASH_BYTES];
    node_store_t *store = s_open (f, dir);
    for (size_t i = 0; i < b->latency_n; i++) {
        double t0 = s_now ();
        proto_reject_t r = node_store_post (store, f->key, &post, 1, id);
        lat[i] = (s_now () - t0) * 1e3;
        if (r != PROTO_OK) {
            fprintf (stderr, "bench_store: post: %s (%s)\n",
                     proto_reject_name (r), node_store_last_error (store));
            exit (2);
        }
    }
    node_store_destroy (&store);
    *p50 = s_percentile (lat, b->latency_n, 0.50);
    *p99 = s_percentile (lat, b->latency_n, 0.99);
    free (lat);
}

//  (f) A peer's chain of n entries, signed beforehand: stubs[i] holds
//  PROTO_STUB_MAX bytes, lens[i] its length.
static void
s_peer_chain (const fixture_t *f, uint8_t *stubs, size_t *lens, size_t n)
{
    proto_header_t h;
    memset (&h, 0, sizeof h);
    memcpy (h.author, keys_secret_sign_pk (f->peer), PROTO_PK_BYTES);
    h.level = PROTO_LEVEL_GREEN;
    proto_audience_set_council (&h.audience);
    h.payload_len = (uint32_t) f->payload_len;
    proto_hash (h.payload_hash, f->payload, f->payload_len);
    for (size_t i = 0; i < n; i++) {
        uint8_t *stub = stubs + i * PROTO_STUB_MAX;
        h.seq = i + 1;
        h.timestamp_ms = 1700000000000ULL + i;
        lens[i] = proto_entry_sign (&h, keys_secret_sign_sk (f->peer), stub,
                                    PROTO_STUB_MAX);
        assert (lens[i] > 0);
        proto_entry_id (h.prev, stub, lens[i]);
    }
}

//  (f) Append the chain in batches of 256 into a fresh store; returns
//  entries per second.
static double
s_append_rate (const fixture_t *f, const char *dir, const uint8_t *stubs,
               const size_t *lens, size_t n)
{
    enum { APPEND_BATCH = 256 };
    node_append_t items[APPEND_BATCH];
    proto_reject_t results[APPEND_BATCH];
    node_store_t *store = s_open (f, dir);
    double t0 = s_now ();
    for (size_t done = 0; done < n;) {
        size_t k = n - done < APPEND_BATCH ? n - done : APPEND_BATCH;
        //  cppcheck 2.10 takes k for 0 (its ?: on size_t): not so.
        // cppcheck-suppress knownConditionTrueFalse
        for (size_t i = 0; i < k; i++) {
            items[i].stub = stubs + (done + i) * PROTO_STUB_MAX;
            items[i].stub_len = lens[done + i];
            items[i].payload = f->payload;
            items[i].payload_len = f->payload_len;
        }
        if (node_store_append_batch (store, items, k, results, NULL)
            != PROTO_OK) {
            fprintf (stderr, "bench_store: append: %s\n",
                     node_store_last_error (store));
            exit (2);
        }
        // cppcheck-suppress knownConditionTrueFalse
        for (size_t i = 0; i < k; i++)
            if (results[i] != PROTO_OK) {
                fprintf (stderr, "bench_store: append: %s\n",
                         proto_reject_name (results[i]));
                exit (2);
            }
        done += k;
    }
    double rate = (double) n / (s_now () - t0);
    node_store_destroy (&store);
    return rate;
}

static void
s_fsck_report (const char *problem, void *arg)
{
    fprintf (stderr, "bench_store: fsck: %s\n", problem);
}

//  (d) fsck rate on a store, entries per second.
static double
s_fsck_rate (const fixture_t *f, const char *dir, unsigned threads)
{
    node_store_t *store = s_open (f, dir);
    node_fsck_stats_t st;
    double t0 = s_now ();
    int rc = node_store_fsck (store, threads, s_fsck_report, NULL, &st);
    double rate = (double) st.entries / (s_now () - t0);
    if (rc != 0) {
        fprintf (stderr, "bench_store: fsck returned %d\n", rc);
        exit (2);
    }
    node_store_destroy (&store);
    return rate;
}

int
main (int argc, char *argv[])
{
    bench_t b = { false, false, 5, NULL, 20000, 20000, 100000, 2000 };
    for (int i = 1; i < argc; i++) {
        if (!strcmp (argv[i], "--quick"))
            b.quick = true;
        else if (!strcmp (argv[i], "--keep"))
            b.keep = true;
        else if (!strcmp (argv[i], "--dir") && i + 1 < argc)
            b.dir = argv[++i];
        else if (!strcmp (argv[i], "--batch") && i + 1 < argc) {
            long batch = strtol (argv[++i], NULL, 10);
            if (batch < 1 || batch > BATCH_MAX) {
                fprintf (stderr, "bench_store: --batch takes 1..%d\n",
                         BATCH_MAX);
                return 2;
            }
            s_batch = (size_t) batch;
        }
        else if (!strcmp (argv[i], "--runs") && i + 1 < argc) {
            long runs = strtol (argv[++i], NULL, 10);
            if (runs < 1 || runs > MAX_RUNS) {
                fprintf (stderr, "bench_store: --runs takes 1..%d\n",
                         MAX_RUNS);
                return 2;
            }
            b.runs = (int) runs;
        }
        else {
            fprintf (stderr,
                     "usage: bench_store [--quick] [--dir DIR] [--runs N] "
                     "[--keep] [--batch N]\n");
            return 2;
        }
    }
    if (b.quick) {
        b.sign_n = b.verify_n = 2000;
        b.post_n = 5000;
        b.latency_n = 200;
    }
    if (proto_init ()) {
        fprintf (stderr, "bench_store: libsodium does not start\n");
        return 2;
    }
    char scratch[512];
    if (b.dir) {
        snprintf (scratch, sizeof scratch, "%s/bench_store.XXXXXX", b.dir);
        if (mkdir (b.dir, 0700) && access (b.dir, W_OK)) {
            fprintf (stderr, "bench_store: cannot use --dir '%s'\n", b.dir);
            return 2;
        }
    }
    else
        snprintf (scratch, sizeof scratch, "/tmp/bench_store.XXXXXX");
    if (!mkdtemp (scratch)) {
        fprintf (stderr, "bench_store: cannot create a directory in '%s'\n",
                 b.dir ? b.dir : "/tmp");
        return 2;
    }
    b.dir = scratch;
    fixture_t f;
    s_fixture (&f);
    printf ("bench_store: %d runs, medians%s; scratch %s\n", b.runs,
            b.quick ? " (--quick: small counts, noisy)" : "", b.dir);

    //  The machine may be shared: each store figure is paired with a raw
    //  Ed25519 figure measured just before it, and the target is checked
    //  on the median of the per-run ratios.
    char dir[600] = "";
    double signs[MAX_RUNS] = { 0 }, verifies[2 * MAX_RUNS] = { 0 };
    double rates[MAX_RUNS] = { 0 }, ratios[MAX_RUNS] = { 0 };
    for (int r = 0; r < b.runs; r++) {
        signs[r] = s_raw_rate (b.sign_n, false);
        s_store_dir (&b, dir, sizeof dir, "post");
        rates[r] = s_post_rate (&b, &f, dir);
        ratios[r] = rates[r] / signs[r];
    }
    double post_rate = s_median (rates, b.runs);
    double post_ratio = s_median (ratios, b.runs);
    double sign_rate = s_median (signs, b.runs);

    //  (e) from the last (b) store.
    node_store_t *store = s_open (&f, dir);
    uint64_t entries = node_store_count (store);
    uint64_t bytes = node_store_disk_bytes (store);
    node_store_destroy (&store);
    double per_entry = (double) bytes / (double) entries;

    char ldir[600] = "";
    double p50s[MAX_RUNS] = { 0 }, p99s[MAX_RUNS] = { 0 };
    for (int r = 0; r < b.runs; r++) {
        s_store_dir (&b, ldir, sizeof ldir, "latency");
        s_post_latency (&b, &f, ldir, &p50s[r], &p99s[r]);
    }
    s_rmstore (ldir);
    double p50 = s_median (p50s, b.runs);
    double p99 = s_median (p99s, b.runs);

    double fsck_rate[2], fsck_ratio[2];
    for (unsigned threads = 1; threads <= 2; threads++) {
        for (int r = 0; r < b.runs; r++) {
            double v = s_raw_rate (b.verify_n, true);
            verifies[(threads - 1) * b.runs + r] = v;
            rates[r] = s_fsck_rate (&f, dir, threads);
            ratios[r] = rates[r] / v;
        }
        fsck_rate[threads - 1] = s_median (rates, b.runs);
        fsck_ratio[threads - 1] = s_median (ratios, b.runs);
    }
    double verify_rate = s_median (verifies, 2 * b.runs);

    uint8_t *peer_stubs = malloc (b.post_n * PROTO_STUB_MAX);
    size_t *peer_lens = malloc (b.post_n * sizeof *peer_lens);
    assert (peer_stubs && peer_lens);
    s_peer_chain (&f, peer_stubs, peer_lens, b.post_n);
    char adir[600] = "";
    for (int r = 0; r < b.runs; r++) {
        double v = s_raw_rate (b.verify_n, true);
        s_store_dir (&b, adir, sizeof adir, "append");
        rates[r] = s_append_rate (&f, adir, peer_stubs, peer_lens, b.post_n);
        ratios[r] = rates[r] / v;
    }
    s_rmstore (adir);
    free (peer_stubs);
    free (peer_lens);
    double append_rate = s_median (rates, b.runs);
    double append_ratio = s_median (ratios, b.runs);

    printf ("(a) raw Ed25519, one core: sign %.0f/s, verify %.0f/s\n",
            sign_rate, verify_rate);
    printf ("(b) post, batches of %zu, %zu entries: %.0f entries/s = %.0f%% "
            "of sign (target >= 70%%) %s\n",
            s_batch, b.post_n, post_rate, 100 * post_ratio,
            s_verdict (post_ratio >= 0.70));
    printf ("(c) durable single post, %zu posts: p50 %.3f ms, p99 %.3f ms "
            "(target p50 < 1 ms) %s\n",
            b.latency_n, p50, p99, s_verdict (p50 < 1.0));
    for (unsigned t = 0; t < 2; t++)
        printf ("(d) fsck, %u thread%s, %" PRIu64 " entries: %.0f entries/s "
                "= %.0f%% of verify (target >= 80%%) %s\n",
                t + 1, t ? "s" : "", entries, fsck_rate[t],
                100 * fsck_ratio[t], s_verdict (fsck_ratio[t] >= 0.80));
    printf ("(e) disk: %" PRIu64 " bytes for %" PRIu64 " entries = %.1f "
            "bytes/entry; payload %zu bytes, overhead %.1f "
            "(target <= payload + 250 = %zu) %s\n",
            bytes, entries, per_entry, f.payload_len,
            per_entry - (double) f.payload_len, f.payload_len + 250,
            s_verdict (per_entry <= (double) f.payload_len + 250));
    printf ("(f) append from a peer, batches of 256, %zu entries: %.0f "
            "entries/s = %.0f%% of one core's verify\n",
            b.post_n, append_rate, 100 * append_ratio);

    if (b.keep)
        printf ("kept (b)'s store in %s\n", dir);
    else {
        s_rmstore (dir);
        rmdir (b.dir);
    }
    keys_roster_destroy (&f.roster);
    keys_secret_destroy (&f.key);
    keys_secret_destroy (&f.peer);
    return 0;
}
