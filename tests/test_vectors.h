/* SPDX-License-Identifier: MPL-2.0 */
/* test_vectors: checks the codecs against the text vectors in
   tests/vectors/ (directory from $CEPTOAR_VECTORS_DIR, or the build's). */
#ifndef TEST_VECTORS_H
#define TEST_VECTORS_H

#include <stdbool.h>

void
    test_vectors_test (bool verbose);

#endif
