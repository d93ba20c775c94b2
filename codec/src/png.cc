// Copyright (c) mnemo authors.
//
// Encoding: rows packed and filtered here, deflated and framed by
// png_write.cc (libdeflate). Decoding: libpng with the classic API. setjmp
// lives only in the small C-style function below, whose frame holds no
// objects with destructors; everything it fills is owned by the caller.

#include "mnemo/codec/png.h"

#include <png.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "png_write.h"

namespace mnemo::codec {
namespace {

struct IoState {
  const uint8_t* in = nullptr;
  size_t in_size = 0;
  size_t in_pos = 0;
  char error[256] = {0};
};

void OnError(png_structp png, png_const_charp msg) {
  auto* io = static_cast<IoState*>(png_get_error_ptr(png));
  std::snprintf(io->error, sizeof(io->error), "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}

void OnRead(png_structp png, png_bytep data, png_size_t size) {
  auto* io = static_cast<IoState*>(png_get_io_ptr(png));
  if (io->in_size - io->in_pos < size) png_error(png, "truncated PNG data");
  std::memcpy(data, io->in + io->in_pos, size);
  io->in_pos += size;
}

#ifdef __SSE2__
// 4-bit samples of 32 pixels into 16 bytes: the quantization table's
// (v * 15 + 127) / 255, exact for every v (t / 255 == (t * 0x8081) >> 23
// for t < 2^16), two samples per byte, the left one in the high nibble.
void Pack32At4Bits(const uint8_t* src, uint8_t* dst) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i fifteen = _mm_set1_epi16(15), round = _mm_set1_epi16(127);
  const __m128i magic = _mm_set1_epi16(static_cast<short>(0x8081));
  const __m128i pair = _mm_set1_epi32(0x00010010);  // (16, 1) per pair
  auto quantize = [&](__m128i v16) {
    __m128i t = _mm_add_epi16(_mm_mullo_epi16(v16, fifteen), round);
    return _mm_srli_epi16(_mm_mulhi_epu16(t, magic), 7);
  };
  __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16));
  // madd: q[2i] * 16 + q[2i + 1] per 32-bit lane.
  __m128i a0 = _mm_madd_epi16(quantize(_mm_unpacklo_epi8(a, zero)), pair);
  __m128i a1 = _mm_madd_epi16(quantize(_mm_unpackhi_epi8(a, zero)), pair);
  __m128i b0 = _mm_madd_epi16(quantize(_mm_unpacklo_epi8(b, zero)), pair);
  __m128i b1 = _mm_madd_epi16(quantize(_mm_unpackhi_epi8(b, zero)), pair);
  __m128i packed = _mm_packus_epi16(_mm_packs_epi32(a0, a1), _mm_packs_epi32(b0, b1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), packed);
}
#endif

// Packs one row of 8-bit gray into `bits`-per-pixel samples, MSB first,
// through a 256-entry quantization table (QuantizeTable).
void PackRow(const uint8_t* src, int width, int bits, const uint8_t* lut,
             uint8_t* dst) {
  if (bits == 8) {
    std::memcpy(dst, src, width);
    return;
  }
  const int per_byte = 8 / bits;
  int full = width / per_byte;
#ifdef __SSE2__
  if (bits == 4) {  // the profiles' depth: 32 pixels at a time, no branches
    const int blocks = width / 32;
    for (int k = 0; k < blocks; ++k) Pack32At4Bits(src + 32 * k, dst + 16 * k);
    src += 32 * blocks;
    dst += 16 * blocks;
    width -= 32 * blocks;
    full = width / per_byte;
  }
#endif
  // Pages are mostly paper: 8 white pixels (lut[255] is the all-ones
  // sample) pack to 8 / per_byte bytes of 0xff without the table.
  const int run_bytes = 8 / per_byte;
  int i = 0;
  for (; i + run_bytes <= full; i += run_bytes, src += 8) {
    uint64_t eight;
    std::memcpy(&eight, src, 8);
    if (eight == ~uint64_t{0}) {
      std::memset(dst + i, 0xff, run_bytes);
      continue;
    }
    for (int b = 0; b < run_bytes; ++b) {
      unsigned v = 0;
      for (int k = 0; k < per_byte; ++k) v = (v << bits) | lut[src[b * per_byte + k]];
      dst[i + b] = static_cast<uint8_t>(v);
    }
  }
  for (; i < full; ++i, src += per_byte) {
    unsigned v = 0;
    for (int k = 0; k < per_byte; ++k) v = (v << bits) | lut[src[k]];
    dst[i] = static_cast<uint8_t>(v);
  }
  if (const int rest = width % per_byte) {
    unsigned v = 0;
    for (int k = 0; k < rest; ++k) v = (v << bits) | lut[src[k]];
    dst[full] = static_cast<uint8_t>(v << (bits * (per_byte - rest)));
  }
}

void QuantizeTable(int bits, uint8_t* lut) {
  const int max = (1 << bits) - 1;
  for (int v = 0; v < 256; ++v) {
    lut[v] = static_cast<uint8_t>(bits == 1 ? (v >= 128) : (v * max + 127) / 255);
  }
}

// The rows as PNG stores them before deflate: a filter type byte, then the
// packed samples; Up (2) at 8 bits suits rows of repeated paper, None (0)
// below, where filters rarely pay.
void FilteredRows(const GrayImage& image, int bits, std::string* rows) {
  uint8_t lut[256];
  QuantizeTable(bits, lut);
  const size_t row_bytes = (static_cast<size_t>(image.width) * bits + 7) / 8;
  rows->assign((row_bytes + 1) * image.height, '\0');
  auto* out = reinterpret_cast<uint8_t*>(rows->data());
  for (int y = 0; y < image.height; ++y, out += row_bytes + 1) {
    PackRow(image.Row(y), image.width, bits, lut, out + 1);
    if (bits != 8) continue;
    out[0] = 2;
    const uint8_t* up = y > 0 ? image.Row(y - 1) : nullptr;
    for (size_t x = 0; up != nullptr && x < row_bytes; ++x) {
      out[1 + x] = static_cast<uint8_t>(out[1 + x] - up[x]);
    }
  }
}

struct Header {
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0, interlace = 0;
};

// Phase 1 reads the header into *hdr and returns; the caller checks limits
// and sizes `pixels`, then phase 2 (pixels != nullptr) decodes the rows.
int ReadPng(IoState* io, const DecodeLimits& limits, Header* hdr,
            std::vector<uint8_t>* pixels, bool header_only) {
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, io, OnError, OnWarning);
  if (!png) return 1;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    return 1;
  }
  png_set_read_fn(png, io, OnRead);
  png_set_user_limits(png, static_cast<png_uint_32>(limits.max_width),
                      static_cast<png_uint_32>(limits.max_height));
  png_set_chunk_malloc_max(png, 8u << 20);
  png_read_info(png, info);
  png_get_IHDR(png, info, &hdr->width, &hdr->height, &hdr->bit_depth,
               &hdr->color_type, &hdr->interlace, nullptr, nullptr);
  if (!header_only) {
    png_set_expand(png);  // palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    if (hdr->color_type & PNG_COLOR_MASK_COLOR) {
      png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    }
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != hdr->width) {
      png_error(png, "unexpected row size after conversion to 8-bit gray");
    }
    pixels->resize(static_cast<size_t>(hdr->width) * hdr->height);
    png_bytep base = pixels->data();
    for (int pass = passes; pass > 0; --pass) {
      for (png_uint_32 y = 0; y < hdr->height; ++y) {
        png_read_row(png, base + static_cast<size_t>(y) * hdr->width, nullptr);
      }
    }
    png_read_end(png, nullptr);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return 0;
}

}  // namespace

Status EncodePng(const GrayImage& image, const PngOptions& options,
                 std::string* png) {
  const int bits = options.bit_depth;
  if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
    return Status::InvalidArgument("PNG bit depth must be 1, 2, 4 or 8, not " +
                                   std::to_string(bits));
  }
  if (options.zlib_level < 0 || options.zlib_level > 9) {
    return Status::InvalidArgument("zlib level must be 0..9");
  }
  if (image.empty() || image.stride < image.width ||
      image.pixels.size() < static_cast<size_t>(image.stride) * image.height) {
    return Status::InvalidArgument("EncodePng: empty or inconsistent image");
  }
  std::string rows;
  FilteredRows(image, bits, &rows);
  if (!internal::WritePngRows(image.width, image.height, bits, options.zlib_level, rows,
                              png)) {
    png->clear();
    return Status::ResourceExhausted("PNG encode failed: no deflate compressor");
  }
  return Status::OK();
}

Status PeekPng(std::string_view data, int* width, int* height, int* bit_depth) {
  IoState io;
  io.in = reinterpret_cast<const uint8_t*>(data.data());
  io.in_size = data.size();
  if (data.size() < 8 || png_sig_cmp(io.in, 0, 8) != 0) {
    return Status::Corruption("not a PNG (bad signature)");
  }
  Header hdr;
  DecodeLimits limits;
  limits.max_width = limits.max_height = 0x7fffffff;
  if (ReadPng(&io, limits, &hdr, nullptr, true) != 0) {
    return Status::Corruption(std::string("bad PNG header: ") + io.error);
  }
  *width = static_cast<int>(hdr.width);
  *height = static_cast<int>(hdr.height);
  *bit_depth = hdr.bit_depth;
  return Status::OK();
}

Status DecodePng(std::string_view data, const DecodeLimits& limits,
                 GrayImage* image) {
  if (data.size() > limits.max_input_bytes) {
    return Status::ResourceExhausted("PNG of " + std::to_string(data.size()) +
                                     " bytes exceeds the input limit");
  }
  int w = 0, h = 0, bits = 0;
  MNEMO_RETURN_IF_ERROR(PeekPng(data, &w, &h, &bits));
  if (w > limits.max_width || h > limits.max_height ||
      static_cast<uint64_t>(w) * static_cast<uint64_t>(h) > limits.max_pixels) {
    return Status::ResourceExhausted("PNG of " + std::to_string(w) + "x" +
                                     std::to_string(h) + " exceeds the limits");
  }
  IoState io;
  io.in = reinterpret_cast<const uint8_t*>(data.data());
  io.in_size = data.size();
  Header hdr;
  std::vector<uint8_t> pixels;
  if (ReadPng(&io, limits, &hdr, &pixels, false) != 0) {
    return Status::Corruption(std::string("corrupt PNG: ") + io.error);
  }
  image->width = w;
  image->height = h;
  image->stride = w;
  image->pixels = std::move(pixels);
  return Status::OK();
}

std::string LibPngVersion() { return png_get_libpng_ver(nullptr); }

}  // namespace mnemo::codec
