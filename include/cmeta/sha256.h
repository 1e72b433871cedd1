/* cmeta/sha256.h - SHA-256 (FIPS 180-4), for the reproducibility record of a report: the
 * digest of each input file, as `sha256sum` prints it.
 *
 * Streaming: init, update with the bytes in any pieces, final. The context is plain data
 * (no allocation); the digest does not depend on how the input was split. */
#ifndef CMETA_SHA256_H
#define CMETA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t h[8];          /* the hash state H0..H7 */
    uint64_t nbytes;        /* message length so far, in bytes */
    unsigned char buf[64];  /* a block not yet complete */
    size_t nbuf;
} cmeta_sha256_ctx;

CMETA_EXPORT void cmeta_sha256_init(cmeta_sha256_ctx *c);
CMETA_EXPORT void cmeta_sha256_update(cmeta_sha256_ctx *c, const void *data, size_t n);
/* The 32-byte digest of everything given to update; c must be initialised again before reuse. */
CMETA_EXPORT void cmeta_sha256_final(cmeta_sha256_ctx *c, unsigned char digest[32]);
/* The digest as 64 lower-case hexadecimal digits and a NUL (as sha256sum prints it). */
CMETA_EXPORT void cmeta_sha256_hex(const unsigned char digest[32], char hex[65]);

#ifdef __cplusplus
}
#endif
#endif
