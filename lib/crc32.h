/*
 * lib/crc32.h - zlib's CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).
 *
 * crc32_update(0, buf, n) equals zlib's crc32(0, buf, n) and Python's
 * zlib.crc32(buf); chain calls to checksum data that arrives in pieces.
 */
#ifndef CAPROCK_LIB_CRC32_H
#define CAPROCK_LIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

#endif
