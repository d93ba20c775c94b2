// Copyright (c) mnemo authors.
//
// The PNG writer: signature, IHDR, one IDAT holding the whole zlib stream,
// IEND. The rows are deflated in one call by libdeflate, which on text
// pages runs ~2x faster than zlib through libpng at the same level and
// gives ~20% smaller streams (measured on base pages of the bench workload,
// 4-bit, level 1: 2.8 vs 5.5 ms, 75.7 vs 95.8 KB). Rows use filter None
// below 8 bits and Up at 8 bits, as the libpng writer did.
//
// Thread safety: one compressor per thread, reused across pages.

#include "png_write.h"

#include <libdeflate.h>

#include <cstring>
#include <memory>

namespace mnemo::codec::internal {
namespace {

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

// The calling thread's compressor for `level`, allocated on first use.
libdeflate_compressor* Compressor(int level) {
  thread_local std::unique_ptr<libdeflate_compressor, CompressorDeleter> slots[10];
  auto& slot = slots[level];
  if (!slot) slot.reset(libdeflate_alloc_compressor(level));
  return slot.get();
}

void PutU32(uint32_t v, std::string* out) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 4);
}

// Appends the chunk header and type; the caller appends the data, then
// EndChunk writes the CRC over type + data.
size_t BeginChunk(const char* type, uint32_t length, std::string* out) {
  PutU32(length, out);
  const size_t start = out->size();
  out->append(type, 4);
  return start;
}

void EndChunk(size_t start, std::string* out) {
  PutU32(libdeflate_crc32(0, out->data() + start, out->size() - start), out);
}

}  // namespace

bool WritePngRows(int width, int height, int bits, int level, const std::string& rows,
                  std::string* png) {
  if (level < 0 || level > 9) return false;
  libdeflate_compressor* c = Compressor(level);
  if (c == nullptr) return false;
  const size_t bound = libdeflate_zlib_compress_bound(c, rows.size());
  std::string idat(bound, '\0');
  const size_t n = libdeflate_zlib_compress(c, rows.data(), rows.size(), idat.data(), bound);
  if (n == 0) return false;
  png->clear();
  png->reserve(n + 64);
  png->append("\x89PNG\r\n\x1a\n", 8);
  size_t start = BeginChunk("IHDR", 13, png);
  PutU32(static_cast<uint32_t>(width), png);
  PutU32(static_cast<uint32_t>(height), png);
  const char ihdr_tail[5] = {static_cast<char>(bits), 0 /* gray */, 0, 0, 0};
  png->append(ihdr_tail, 5);
  EndChunk(start, png);
  start = BeginChunk("IDAT", static_cast<uint32_t>(n), png);
  png->append(idat.data(), n);
  EndChunk(start, png);
  start = BeginChunk("IEND", 0, png);
  EndChunk(start, png);
  return true;
}

}  // namespace mnemo::codec::internal
