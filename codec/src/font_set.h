// Copyright (c) mnemo authors.
//
// FontSet: the FreeType library, the fallback chain of faces and the caches
// (code point -> glyph, glyph x subpixel phase -> bitmap). After warm-up the
// layout and blit paths call no FreeType function.
// Thread-compatible (owned by one Renderer).

#ifndef MNEMO_CODEC_SRC_FONT_SET_H_
#define MNEMO_CODEC_SRC_FONT_SET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "mnemo/codec/page.h"
#include "mnemo/codec/profile.h"
#include "mnemo/status.h"

namespace mnemo::codec::internal {

// Horizontal positions are in 26.6 fixed point; kPhases subpixel variants of
// each glyph are cached so glyphs land within 1/kPhases px of their place.
inline constexpr int kPhases = 4;

struct GlyphInfo {
  uint16_t face = 0;      // index in the fallback chain
  uint32_t index = 0;     // FreeType glyph index in that face
  int32_t advance = 0;    // 26.6
};

struct GlyphBitmap {
  int16_t left = 0;       // pen x -> bitmap left edge, px
  int16_t top = 0;        // baseline -> bitmap top edge, px (up positive)
  uint16_t width = 0;
  uint16_t height = 0;
  uint32_t offset = 0;    // into FontSet::pixels(): coverage 0..255
};

class FontSet {
 public:
  static Status Open(const RenderProfile& profile,
                     const RendererOptions& options,
                     std::unique_ptr<FontSet>* out);
  ~FontSet();
  FontSet(const FontSet&) = delete;
  FontSet& operator=(const FontSet&) = delete;

  // Resolves `cp` through the chain; false when no face has a glyph for it.
  bool Lookup(char32_t cp, GlyphInfo* info);
  // The bitmap of `glyph` shifted right by phase/kPhases px, rendered on
  // first use. Returns an error only when FreeType fails.
  Status Bitmap(const GlyphInfo& glyph, int phase, const GlyphBitmap** out);
  const uint8_t* pixels() const { return pool_.data(); }

  int ascent_px() const { return ascent_px_; }
  int descent_px() const { return descent_px_; }
  const std::vector<std::string>& files() const { return files_; }
  const std::vector<std::string>& hashes() const { return hashes_; }
  std::string FreeTypeVersion() const;

 private:
  struct Face;
  FontSet() = default;
  Status AddFace(const std::string& path, bool required);
  struct GlyphReshape {
    double scale_x = 1, scale_y = 1;  // about the glyph's centre
    double bold_x = 0, bold_y = 0;    // px
    double serif = 0;                 // slab serif width, px (0: none)
  };
  static void Reshape(const GlyphReshape& t, void* ft_outline);
  bool Resolve(char32_t cp, GlyphInfo* info);

  void* library_ = nullptr;  // FT_Library
  std::vector<std::unique_ptr<Face>> faces_;
  std::vector<std::string> files_;
  std::vector<std::string> hashes_;
  long pixel_size_64_ = 0;  // 26.6
  int32_t load_flags_ = 0;  // FT_LOAD_* for the profile's hinting
  uint8_t coverage_lut_[256] = {};  // coverage -> drawn coverage (gamma)
  uint8_t pictograph_lut_[256] = {};  // the same for pictograph faces
  bool monospace_ = false;
  int32_t cell_advance_ = 0;
  int ascent_px_ = 0;
  int descent_px_ = 0;
  // Code point caches: dense for the BMP's first 0x3000, a map above.
  std::vector<GlyphInfo> dense_;
  std::vector<uint8_t> dense_state_;  // 0 unknown, 1 found, 2 missing
  std::unordered_map<char32_t, GlyphInfo> sparse_;
  std::unordered_map<char32_t, bool> sparse_missing_;
  std::unordered_map<uint64_t, GlyphBitmap> bitmaps_;
  // The primary face's entries of bitmaps_ by glyph index * kPhases +
  // phase (nullptr: not rendered yet); the nodes of bitmaps_ do not move.
  std::vector<const GlyphBitmap*> primary_bitmaps_;
  // Primary-face glyph index -> how its outline is reshaped before it is
  // rasterised (kReshapes in font_set.cc); advances are not changed.
  std::unordered_map<uint32_t, GlyphReshape> reshapes_;
  std::vector<uint8_t> pool_;
};

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_FONT_SET_H_
