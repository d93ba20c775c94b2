// Copyright (c) mnemo authors.

#include "font_set.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "font_file.h"

namespace mnemo::codec::internal {
namespace {

constexpr char32_t kDenseLimit = 0x3000;

std::string FtError(FT_Error err, const std::string& what) {
  const char* msg = FT_Error_String(err);
  return what + ": FreeType error " + std::to_string(err) +
         (msg ? std::string(" (") + msg + ")" : std::string());
}

std::vector<std::string> FontDirs(const RendererOptions& options) {
  if (!options.font_dirs.empty()) return options.font_dirs;
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("MNEMO_FONT_DIR"); env && *env) {
    dirs.emplace_back(env);
  }
  dirs.emplace_back("/usr/share/fonts/truetype/dejavu");
  dirs.emplace_back("/usr/share/fonts/truetype/wqy");
  // Symbola (fonts-symbola) and Unifont's upper planes (fonts-unifont):
  // the monochrome emoji and symbol fallbacks.
  dirs.emplace_back("/usr/share/fonts/truetype/ancient-scripts");
  dirs.emplace_back("/usr/share/fonts/opentype/unifont");
  dirs.emplace_back("/usr/share/fonts/truetype");
  return dirs;
}

// Returns the first existing path for `name` (a path when it has a '/').
std::string Locate(const std::string& name, const std::vector<std::string>& dirs) {
  if (name.find('/') != std::string::npos) return name;
  for (const std::string& dir : dirs) {
    std::string path = dir + "/" + name;
    if (std::ifstream(path).good()) return path;
  }
  return "";
}

int32_t LoadFlags(Hinting hinting) {
  switch (hinting) {
    case Hinting::kNone:
      return FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP;
    case Hinting::kNormal:
      return FT_LOAD_TARGET_NORMAL | FT_LOAD_NO_BITMAP;
    case Hinting::kAuto:
      return FT_LOAD_TARGET_NORMAL | FT_LOAD_FORCE_AUTOHINT | FT_LOAD_NO_BITMAP;
    case Hinting::kLight:
      break;
  }
  return FT_LOAD_TARGET_LIGHT | FT_LOAD_NO_BITMAP;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Monochrome emoji/pictograph faces. Their glyphs are thin line art that
// at text sizes (10-12 px) renders mostly light gray, so they are drawn with
// a darker coverage curve (kPictographGamma on top of the profile's).
constexpr const char* kPictographFonts[] = {"Symbola_hint.ttf", "Symbola.ttf",
                                            "unifont_upper.otf"};
constexpr double kPictographGamma = 2.2;

// Glyphs of the primary face that are reshaped before they are rasterised
// (advances are kept, so layouts and manifests do not change; the stored
// text is untouched). At 10.5 px DejaVu Sans draws '*' as a small raised
// mark that Tesseract drops, or reads as '#' when two touch ("**bold**"),
// and '_' as a faint 1 px rule that runs into its neighbour ("__init__",
// "(__#10892__)") and is taken for an underline, i.e. dropped. Narrower
// glyphs (a gap between neighbours), a little bolder, read as themselves:
// chat-class CER at 3x 1.99% -> 0.79% on the corpus (codec report); a '*'
// enlarged 1.3x instead read as '+'. Measured for this font only.
constexpr const char* kReshapeFont = "DejaVuSans.ttf";
// DejaVu Sans' 'I' is a bare bar: Tesseract read the pronoun "I" as '|'
// (154 times on 3 LoCoMo pages); it gets slab serifs (bars across its top
// and bottom), as in DejaVu Sans Mono.
struct ReshapeSpec {
  char32_t cp;
  double scale_x, scale_y;  // about the glyph's centre
  double bold_x, bold_y;    // FT_Outline_EmboldenXY, in em
  double serif = 0;         // width of slab serifs, in em (0: none)
};
constexpr ReshapeSpec kReshapes[] = {
    {U'*', 0.85, 1.0, 0.2 / 10.5, 0.2 / 10.5},
    {U'_', 0.75, 1.0, 0.0, 0.5 / 10.5},
    {U'I', 1.0, 1.0, 0.0, 0.0, 0.26},
};
constexpr double kSerifThickness = 0.1;  // em

// A copy of `src` (in `dst`, FT_Outline_Done by the caller) with two
// rectangles `width` wide (26.6) across its top and bottom.
FT_Error AddSerifs(FT_Library lib, const FT_Outline& src, FT_Pos width,
                   FT_Pos thick, FT_Outline* dst) {
  FT_Error err = FT_Outline_New(lib, src.n_points + 8, src.n_contours + 2, dst);
  if (err) return err;
  std::copy(src.points, src.points + src.n_points, dst->points);
  std::copy(src.tags, src.tags + src.n_points, dst->tags);
  std::copy(src.contours, src.contours + src.n_contours, dst->contours);
  dst->flags = src.flags | FT_OUTLINE_OWNER;
  FT_BBox box;
  FT_Outline_Get_CBox(&src, &box);
  const FT_Pos x0 = (box.xMin + box.xMax - width) / 2, x1 = x0 + width;
  // Same winding as the glyph's contours, so the rectangles add ink.
  const bool clockwise =
      FT_Outline_Get_Orientation(const_cast<FT_Outline*>(&src)) ==
      FT_ORIENTATION_TRUETYPE;
  const FT_Pos ys[2][2] = {{box.yMax - thick, box.yMax},
                           {box.yMin, box.yMin + thick}};
  int n = src.n_points;
  for (int r = 0; r < 2; ++r) {
    const FT_Pos y0 = ys[r][0], y1 = ys[r][1];
    FT_Vector cw[4] = {{x0, y0}, {x0, y1}, {x1, y1}, {x1, y0}};
    for (int k = 0; k < 4; ++k) {
      dst->points[n] = cw[clockwise ? k : 3 - k];
      dst->tags[n] = FT_CURVE_TAG_ON;
      ++n;
    }
    dst->contours[src.n_contours + r] = static_cast<short>(n - 1);
  }
  return 0;
}

void FillLut(double gamma, uint8_t lut[256]) {
  for (int c = 0; c < 256; ++c) {
    lut[c] = static_cast<uint8_t>(std::lround(255 * std::pow(c / 255.0, 1.0 / gamma)));
  }
}

}  // namespace

struct FontSet::Face {
  // FreeType reads the face from here (shared, read-only); must outlive it.
  std::shared_ptr<const std::string> bytes;
  FT_Face face = nullptr;
  bool pictograph = false;  // drawn with pictograph_lut_
  ~Face() {
    if (face) FT_Done_Face(face);
  }
};

FontSet::~FontSet() {
  faces_.clear();
  if (library_) FT_Done_FreeType(static_cast<FT_Library>(library_));
}

Status FontSet::Open(const RenderProfile& profile,
                     const RendererOptions& options,
                     std::unique_ptr<FontSet>* out) {
  std::unique_ptr<FontSet> set(new FontSet());
  FT_Library lib;
  if (FT_Error err = FT_Init_FreeType(&lib)) {
    return Status::IOError(FtError(err, "FT_Init_FreeType"));
  }
  set->library_ = lib;
  set->pixel_size_64_ = static_cast<long>(std::lround(profile.pixel_size * 64));
  set->monospace_ = profile.monospace;
  set->load_flags_ = LoadFlags(profile.hinting);
  if (!(profile.coverage_gamma > 0 && profile.coverage_gamma <= 8)) {
    return Status::InvalidArgument("coverage_gamma must be in (0, 8], got " +
                                   std::to_string(profile.coverage_gamma));
  }
  FillLut(profile.coverage_gamma, set->coverage_lut_);
  FillLut(profile.coverage_gamma * kPictographGamma, set->pictograph_lut_);
  std::vector<std::string> dirs = FontDirs(options);
  std::string primary = Locate(std::string(profile.font), dirs);
  if (primary.empty()) {
    return Status::NotFound("font " + std::string(profile.font) +
                            " not found in the font directories");
  }
  MNEMO_RETURN_IF_ERROR(set->AddFace(primary, true));
  std::vector<std::string> fallbacks = options.fallback_fonts;
  if (fallbacks.empty()) {
    fallbacks = {"DejaVuSans.ttf", "DejaVuSansMono.ttf", "wqy-microhei.ttc",
                 "Symbola_hint.ttf", "unifont_upper.otf"};
  }
  for (const std::string& name : fallbacks) {
    std::string path = Locate(name, dirs);
    if (path.empty() || BaseName(path) == BaseName(primary)) continue;
    MNEMO_RETURN_IF_ERROR(set->AddFace(path, false));
  }
  FT_Face face = set->faces_[0]->face;
  if (BaseName(primary) == kReshapeFont) {
    const double em = profile.pixel_size;
    for (const ReshapeSpec& r : kReshapes) {
      const FT_UInt index = FT_Get_Char_Index(face, r.cp);
      if (index != 0)
        set->reshapes_[index] = {r.scale_x, r.scale_y, r.bold_x * em,
                                 r.bold_y * em, r.serif * em};
    }
  }
  set->primary_bitmaps_.assign(static_cast<size_t>(face->num_glyphs) * kPhases,
                                nullptr);
  set->ascent_px_ = static_cast<int>((face->size->metrics.ascender + 63) >> 6);
  set->descent_px_ =
      static_cast<int>((-face->size->metrics.descender + 63) >> 6);
  set->dense_.resize(kDenseLimit);
  set->dense_state_.assign(kDenseLimit, 0);
  GlyphInfo zero;
  if (set->monospace_ && set->Resolve(U'0', &zero)) {
    set->cell_advance_ = (zero.advance + 32) & ~63;  // whole pixels
  }
  *out = std::move(set);
  return Status::OK();
}

Status FontSet::AddFace(const std::string& path, bool required) {
  auto face = std::make_unique<Face>();
  FontFile file;
  if (!LoadFontFile(path, &file)) {
    if (!required) return Status::OK();
    return Status::IOError("cannot read font " + path);
  }
  face->bytes = file.bytes;
  FT_Error err = FT_New_Memory_Face(
      static_cast<FT_Library>(library_),
      reinterpret_cast<const FT_Byte*>(face->bytes->data()),
      static_cast<FT_Long>(face->bytes->size()), 0, &face->face);
  if (err) {
    face->face = nullptr;
    if (!required) return Status::OK();
    return Status::Corruption(FtError(err, "font " + path));
  }
  err = FT_Set_Char_Size(face->face, 0, pixel_size_64_, 72, 72);
  if (err) return Status::InvalidArgument(FtError(err, "pixel size"));
  for (const char* name : kPictographFonts) {
    if (BaseName(path) == name) face->pictograph = true;
  }
  files_.push_back(BaseName(path));
  hashes_.push_back(file.fnv1a64_hex);
  faces_.push_back(std::move(face));
  return Status::OK();
}

bool FontSet::Resolve(char32_t cp, GlyphInfo* info) {
  for (size_t f = 0; f < faces_.size(); ++f) {
    FT_Face face = faces_[f]->face;
    FT_UInt index = FT_Get_Char_Index(face, cp);
    if (index == 0) continue;
    if (FT_Load_Glyph(face, index, load_flags_)) {
      continue;
    }
    info->face = static_cast<uint16_t>(f);
    info->index = index;
    // Whole-pixel advances: measured to read as well as fractional ones
    // with ~30% smaller PNGs (fewer distinct glyph phases on the page).
    info->advance = static_cast<int32_t>((face->glyph->advance.x + 32) & ~63);
    if (monospace_ && cell_advance_ > 0) {
      info->advance = info->advance > cell_advance_ * 3 / 2 ? 2 * cell_advance_
                                                             : cell_advance_;
    }
    return true;
  }
  return false;
}

bool FontSet::Lookup(char32_t cp, GlyphInfo* info) {
  if (cp < kDenseLimit) {
    uint8_t& state = dense_state_[cp];
    if (state == 0) state = Resolve(cp, &dense_[cp]) ? 1 : 2;
    if (state == 2) return false;
    *info = dense_[cp];
    return true;
  }
  if (auto it = sparse_.find(cp); it != sparse_.end()) {
    *info = it->second;
    return true;
  }
  if (sparse_missing_.count(cp)) return false;
  if (!Resolve(cp, info)) {
    sparse_missing_[cp] = true;
    return false;
  }
  sparse_[cp] = *info;
  return true;
}

// Emboldens the outline (FT_Outline_EmboldenXY) and scales it about its
// centre (kReshapes).
void FontSet::Reshape(const GlyphReshape& t, void* ft_outline) {
  auto* outline = static_cast<FT_Outline*>(ft_outline);
  if (t.bold_x > 0 || t.bold_y > 0) {
    FT_Outline_EmboldenXY(outline, std::lround(t.bold_x * 64),
                          std::lround(t.bold_y * 64));
  }
  if (t.scale_x != 1 || t.scale_y != 1) {
    FT_BBox box;
    FT_Outline_Get_CBox(outline, &box);
    const FT_Pos cx = (box.xMin + box.xMax) / 2, cy = (box.yMin + box.yMax) / 2;
    FT_Outline_Translate(outline, -cx, -cy);
    FT_Matrix m = {std::lround(t.scale_x * 65536), 0, 0,
                   std::lround(t.scale_y * 65536)};
    FT_Outline_Transform(outline, &m);
    FT_Outline_Translate(outline, cx, cy);
  }
}

Status FontSet::Bitmap(const GlyphInfo& glyph, int phase,
                       const GlyphBitmap** out) {
  const size_t slot = static_cast<size_t>(glyph.index) * kPhases + phase;
  const bool primary = glyph.face == 0 && slot < primary_bitmaps_.size();
  if (primary && primary_bitmaps_[slot] != nullptr) {
    *out = primary_bitmaps_[slot];
    return Status::OK();
  }
  const uint64_t key = (uint64_t{glyph.face} << 40) |
                       (uint64_t{glyph.index} << 8) | static_cast<uint64_t>(phase);
  if (auto it = bitmaps_.find(key); it != bitmaps_.end()) {
    *out = &it->second;
    return Status::OK();
  }
  FT_Face face = faces_[glyph.face]->face;
  FT_Error err = FT_Load_Glyph(face, glyph.index, load_flags_);
  FT_Outline serifed{};
  if (!err && face->glyph->format == FT_GLYPH_FORMAT_OUTLINE) {
    FT_Outline* outline = &face->glyph->outline;
    if (glyph.face == 0) {
      if (auto it = reshapes_.find(glyph.index); it != reshapes_.end()) {
        Reshape(it->second, outline);
        if (it->second.serif > 0) {
          err = AddSerifs(static_cast<FT_Library>(library_), *outline,
                          std::lround(it->second.serif * 64),
                          std::lround(kSerifThickness * pixel_size_64_),
                          &serifed);
          if (!err) outline = &serifed;
        }
      }
    }
    FT_Outline_Translate(outline, phase * 64 / kPhases, 0);
  }
  // The slot renders its own outline: lend it the serifed copy.
  const FT_Outline own = face->glyph->outline;
  if (!err && serifed.n_points > 0) face->glyph->outline = serifed;
  if (!err) err = FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL);
  if (serifed.n_points > 0) {
    face->glyph->outline = own;
    FT_Outline_Done(static_cast<FT_Library>(library_), &serifed);
  }
  if (err) return Status::Corruption(FtError(err, "render glyph"));
  const FT_Bitmap& bm = face->glyph->bitmap;
  const uint8_t* lut =
      faces_[glyph.face]->pictograph ? pictograph_lut_ : coverage_lut_;
  GlyphBitmap g;
  g.left = static_cast<int16_t>(face->glyph->bitmap_left);
  g.top = static_cast<int16_t>(face->glyph->bitmap_top);
  g.width = static_cast<uint16_t>(bm.width);
  g.height = static_cast<uint16_t>(bm.rows);
  g.offset = static_cast<uint32_t>(pool_.size());
  for (unsigned y = 0; y < bm.rows; ++y) {
    const uint8_t* row = bm.buffer + static_cast<ptrdiff_t>(y) * bm.pitch;
    for (unsigned x = 0; x < bm.width; ++x) {
      pool_.push_back(lut[row[x]]);
    }
  }
  *out = &bitmaps_.emplace(key, g).first->second;
  if (primary) primary_bitmaps_[slot] = *out;
  return Status::OK();
}

std::string FontSet::FreeTypeVersion() const {
  FT_Int major, minor, patch;
  FT_Library_Version(static_cast<FT_Library>(library_), &major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." +
         std::to_string(patch);
}

}  // namespace mnemo::codec::internal
