/* SPDX-License-Identifier: MPL-2.0 */
/* proto_bytes: big-endian integers and a bounds-checked reader over
   untrusted bytes, shared by every codec. */
#ifndef PROTO_BYTES_H
#define PROTO_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every wire and file format of the project is big-endian. These helpers
   are static inline so that the hot paths (signing, verifying, decoding
   batches) pay no call. The reader is the only way codecs read untrusted
   input: every read goes through proto_read_take, which refuses to pass
   the end, so a decoder cannot read out of bounds whatever the input.      */

static inline void
proto_put_u16 (uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}

static inline void
proto_put_u32 (uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

static inline void
proto_put_u64 (uint8_t *p, uint64_t v)
{
    proto_put_u32 (p, (uint32_t) (v >> 32));
    proto_put_u32 (p + 4, (uint32_t) v);
}

static inline uint16_t
proto_get_u16 (const uint8_t *p)
{
    return (uint16_t) ((unsigned) p[0] << 8 | p[1]);
}

static inline uint32_t
proto_get_u32 (const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

static inline uint64_t
proto_get_u64 (const uint8_t *p)
{
    return (uint64_t) proto_get_u32 (p) << 32 | proto_get_u32 (p + 4);
}

/* A cursor over untrusted input.                                            */
typedef struct {
    const uint8_t *p;          /* next unread byte                          */
    size_t left;               /* bytes left                                */
} proto_reader_t;

/* ------------------------------------------------------------------------
   Borrow the next n bytes into *out. False (and nothing consumed) if fewer
   than n are left.                                                          */
static inline bool
proto_read_take (proto_reader_t *r, size_t n, const uint8_t **out)
{
    if (r->left < n)
        return false;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return true;
}

static inline bool
proto_read_u8 (proto_reader_t *r, uint8_t *v)
{
    const uint8_t *p;
    if (!proto_read_take (r, 1, &p))
        return false;
    *v = p[0];
    return true;
}

static inline bool
proto_read_u16 (proto_reader_t *r, uint16_t *v)
{
    const uint8_t *p;
    if (!proto_read_take (r, 2, &p))
        return false;
    *v = proto_get_u16 (p);
    return true;
}

static inline bool
proto_read_u32 (proto_reader_t *r, uint32_t *v)
{
    const uint8_t *p;
    if (!proto_read_take (r, 4, &p))
        return false;
    *v = proto_get_u32 (p);
    return true;
}

static inline bool
proto_read_u64 (proto_reader_t *r, uint64_t *v)
{
    const uint8_t *p;
    if (!proto_read_take (r, 8, &p))
        return false;
    *v = proto_get_u64 (p);
    return true;
}

#endif
