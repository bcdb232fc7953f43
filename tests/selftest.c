/* SPDX-License-Identifier: MPL-2.0 */
/* selftest: the one runner for every module's selftest.

   ceptoar_selftest [--verbose] [--list] [--test NAME]...
   With no --test, runs every test in the table below, in order. Each test
   prints its name and OK, and aborts (assert) on failure, so ctest sees a
   non-zero exit. CMake registers one ctest test per entry (see
   tests/CMakeLists.txt), so `ctest -R proto_entry` runs one module.       */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/protocol.h"
#include "../keys/keys.h"
#include "../node/node_config.h"
#include "../node/node_store.h"
#include "../node/node_verify.h"
#include "../node/node_transport.h"
#include "../node/node_server.h"
#include "test_vectors.h"

typedef struct {
    const char *name;
    void (*test) (bool verbose);
} selftest_t;

static const selftest_t s_tests[] = {
    { "proto_crypto", proto_crypto_test },
    { "proto_level", proto_level_test },
    { "proto_vocab", proto_vocab_test },
    { "proto_audience", proto_audience_test },
    { "proto_entry", proto_entry_test },
    { "proto_payload", proto_payload_test },
    { "proto_receipt", proto_receipt_test },
    { "proto_seal", proto_seal_test },
    { "proto_wire", proto_wire_test },
    { "test_vectors", test_vectors_test },
    { "keys_secret", keys_secret_test },
    { "keys_card", keys_card_test },
    { "keys_roster", keys_roster_test },
    { "keys_disclosure", keys_disclosure_test },
    { "keys_sigfile", keys_sigfile_test },
    { "keys_share", keys_share_test },
    { "keys_transcript", keys_transcript_test },
    { "keys_notice", keys_notice_test },
    { "node_config", node_config_test },
    { "node_store", node_store_test },
    { "node_verify", node_verify_test },
    { "node_transport", node_transport_test },
    { "node_server", node_server_test },
};
#define TEST_COUNT (sizeof (s_tests) / sizeof (s_tests[0]))

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: ceptoar_selftest [--verbose] [--list] "
                  "[--test NAME]...\n");
}

int
main (int argc, char *argv[])
{
    bool verbose = false;
    const char *only[TEST_COUNT + 1];
    size_t only_count = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp (argv[i], "--verbose") || !strcmp (argv[i], "-v"))
            verbose = true;
        else if (!strcmp (argv[i], "--list")) {
            for (size_t t = 0; t < TEST_COUNT; t++)
                printf ("%s\n", s_tests[t].name);
            return 0;
        }
        else if (!strcmp (argv[i], "--test") && i + 1 < argc) {
            if (only_count == TEST_COUNT) {
                s_usage (stderr);
                return 2;
            }
            only[only_count++] = argv[++i];
        }
        else if (!strcmp (argv[i], "--help") || !strcmp (argv[i], "-h")) {
            s_usage (stdout);
            return 0;
        }
        else {
            fprintf (stderr, "ceptoar_selftest: unknown argument '%s'\n",
                     argv[i]);
            s_usage (stderr);
            return 2;
        }
    }
    if (proto_init () != 0) {
        fprintf (stderr, "ceptoar_selftest: libsodium did not start\n");
        return 1;
    }
    for (size_t n = 0; n < only_count; n++) {
        bool known = false;
        for (size_t t = 0; t < TEST_COUNT; t++)
            if (!strcmp (only[n], s_tests[t].name))
                known = true;
        if (!known) {
            fprintf (stderr, "ceptoar_selftest: no test named '%s' "
                             "(see --list)\n", only[n]);
            return 2;
        }
    }
    for (size_t t = 0; t < TEST_COUNT; t++) {
        bool run = only_count == 0;
        for (size_t n = 0; n < only_count; n++)
            if (!strcmp (only[n], s_tests[t].name))
                run = true;
        if (run)
            s_tests[t].test (verbose);
    }
    return 0;
}
