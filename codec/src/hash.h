// Copyright (c) mnemo authors.
//
// FNV-1a 64: the checksum of manifests and the identity hash of font files.
// Not cryptographic; it detects corruption and font changes.

#ifndef MNEMO_CODEC_SRC_HASH_H_
#define MNEMO_CODEC_SRC_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace mnemo::codec::internal {

uint64_t Fnv1a64(std::string_view data);
// 16 lowercase hex digits.
std::string Hex64(uint64_t value);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_HASH_H_
