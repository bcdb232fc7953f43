/* SPDX-License-Identifier: MPL-2.0 */
/* protocol: public header of the protocol library (codecs, hashing,
   signing, levels, sealing). Links libsodium only. */
#ifndef PROTOCOL_H
#define PROTOCOL_H

#include "proto_bytes.h"
#include "proto_crypto.h"
#include "proto_reject.h"
#include "proto_level.h"
#include "proto_vocab.h"
#include "proto_audience.h"
#include "proto_entry.h"
#include "proto_payload.h"
#include "proto_receipt.h"
#include "proto_seal.h"
#include "proto_wire.h"

#endif
