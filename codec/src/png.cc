// Copyright (c) mnemo authors.
//
// libpng with the classic API (the simplified png_image API cannot write 1/2/4
// bit gray). setjmp lives only in the two small C-style functions below, whose
// frames hold no objects with destructors; everything they fill is owned by
// the caller.

#include "mnemo/codec/png.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

namespace mnemo::codec {
namespace {

struct IoState {
  const uint8_t* in = nullptr;
  size_t in_size = 0;
  size_t in_pos = 0;
  std::string* out = nullptr;
  char error[256] = {0};
};

void OnError(png_structp png, png_const_charp msg) {
  auto* io = static_cast<IoState*>(png_get_error_ptr(png));
  std::snprintf(io->error, sizeof(io->error), "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}

void OnWrite(png_structp png, png_bytep data, png_size_t size) {
  auto* io = static_cast<IoState*>(png_get_io_ptr(png));
  io->out->append(reinterpret_cast<const char*>(data), size);
}

void OnFlush(png_structp) {}

void OnRead(png_structp png, png_bytep data, png_size_t size) {
  auto* io = static_cast<IoState*>(png_get_io_ptr(png));
  if (io->in_size - io->in_pos < size) png_error(png, "truncated PNG data");
  std::memcpy(data, io->in + io->in_pos, size);
  io->in_pos += size;
}

// Packs one row of 8-bit gray into `bits`-per-pixel samples, MSB first,
// through a 256-entry quantization table.
void PackRow(const uint8_t* src, int width, int bits, const uint8_t* lut,
             uint8_t* dst) {
  if (bits == 8) {
    std::memcpy(dst, src, width);
    return;
  }
  const int per_byte = 8 / bits;
  const int full = width / per_byte;
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

// Returns 0 on success; on failure io->error holds libpng's message.
int WritePng(IoState* io, const GrayImage& image, int bits, int level,
             uint8_t* row_buf) {
  uint8_t lut[256];
  QuantizeTable(bits, lut);
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, io, OnError, OnWarning);
  if (!png) return 1;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return 1;
  }
  png_set_write_fn(png, io, OnWrite, OnFlush);
  png_set_compression_level(png, level);
  // Text pages: filters rarely pay below 8 bits; at 8 bits "up" suits rows
  // of repeated paper and is cheaper than adaptive selection.
  png_set_filter(png, 0, bits == 8 ? PNG_FILTER_UP : PNG_FILTER_NONE);
  png_set_IHDR(png, info, image.width, image.height, bits, PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < image.height; ++y) {
    PackRow(image.Row(y), image.width, bits, lut, row_buf);
    png_write_row(png, row_buf);
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return 0;
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
  std::vector<uint8_t> row(static_cast<size_t>(image.width));
  IoState io;
  png->clear();
  io.out = png;
  if (WritePng(&io, image, bits, options.zlib_level, row.data()) != 0) {
    png->clear();
    return Status::InvalidArgument(std::string("PNG encode failed: ") + io.error);
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
