// Copyright (c) mnemo authors.
//
// Reading the JSON form of a page manifest back (ManifestFromJson), so a
// page written out by the CLI can be imported again.

#include <limits>
#include <nlohmann/json.hpp>

#include "manifest_v2.h"
#include "mnemo/codec/manifest.h"

namespace mnemo::codec {
namespace {

using Json = nlohmann::json;

constexpr int kMaxDepth = 8;               // a manifest nests 4 deep
// Parse events (keys, values, brackets) in one input: a page of ~1000
// items has ~35000.
constexpr size_t kMaxEvents = size_t{1} << 22;

struct TooLarge {
  std::string why;
};

Status Bad(std::string path, const std::string& why) {
  if (!path.empty() && path.back() == '.') path.pop_back();
  return Status::InvalidArgument("manifest JSON: " + path + ": " + why);
}

// Finds `key` in object `o` (at `path`); absent or null is an error.
Status Member(const Json& o, const std::string& path, const char* key,
              const Json** out) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Bad(path + key, "missing");
  *out = &*it;
  return Status::OK();
}

template <typename T>
Status Int(const Json& o, const std::string& path, const char* key, T* out) {
  const Json* v;
  MNEMO_RETURN_IF_ERROR(Member(o, path, key, &v));
  bool ok = false;
  if (v->is_number_unsigned()) {
    uint64_t x = v->get<uint64_t>();
    ok = x <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    if (ok) *out = static_cast<T>(x);
  } else if (v->is_number_integer()) {
    int64_t x = v->get<int64_t>();
    ok = x >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
         (x < 0 || static_cast<uint64_t>(x) <=
                       static_cast<uint64_t>(std::numeric_limits<T>::max()));
    if (ok) *out = static_cast<T>(x);
  }
  if (ok) return Status::OK();
  return Bad(path + key, "must be an integer in " +
                             std::to_string(std::numeric_limits<T>::min()) +
                             ".." +
                             std::to_string(std::numeric_limits<T>::max()));
}

Status Str(const Json& o, const std::string& path, const char* key,
           std::string* out) {
  const Json* v;
  MNEMO_RETURN_IF_ERROR(Member(o, path, key, &v));
  if (!v->is_string()) return Bad(path + key, "must be a string");
  *out = v->get<std::string>();
  return Status::OK();
}

Status Bool(const Json& o, const std::string& path, const char* key,
            bool* out) {
  const Json* v;
  MNEMO_RETURN_IF_ERROR(Member(o, path, key, &v));
  if (!v->is_boolean()) return Bad(path + key, "must be true or false");
  *out = v->get<bool>();
  return Status::OK();
}

Status Typed(const Json& o, const std::string& path, const char* key,
             bool array, const Json** out) {
  MNEMO_RETURN_IF_ERROR(Member(o, path, key, out));
  if (array ? (*out)->is_array() : (*out)->is_object()) return Status::OK();
  return Bad(path + key, array ? "must be an array" : "must be an object");
}

Status ParseSpan(const Json& s, const std::string& path, int version,
                 uint32_t page_lines, ItemSpan* span) {
  MNEMO_RETURN_IF_ERROR(Int(s, path, "first_line", &span->first_line));
  MNEMO_RETURN_IF_ERROR(Int(s, path, "line_count", &span->line_count));
  MNEMO_RETURN_IF_ERROR(Int(s, path, "x", &span->x));
  MNEMO_RETURN_IF_ERROR(Int(s, path, "y", &span->y));
  MNEMO_RETURN_IF_ERROR(Int(s, path, "w", &span->w));
  MNEMO_RETURN_IF_ERROR(Int(s, path, "h", &span->h));
  if (version >= 2) {
    MNEMO_RETURN_IF_ERROR(Int(s, path, "x_begin", &span->x_begin));
    MNEMO_RETURN_IF_ERROR(Int(s, path, "x_end", &span->x_end));
    MNEMO_RETURN_IF_ERROR(Int(s, path, "text_begin", &span->text_begin));
    MNEMO_RETURN_IF_ERROR(Int(s, path, "text_end", &span->text_end));
  }
  MNEMO_RETURN_IF_ERROR(Int(s, path, "source_begin", &span->source_begin));
  MNEMO_RETURN_IF_ERROR(Int(s, path, "source_end", &span->source_end));
  MNEMO_RETURN_IF_ERROR(Bool(s, path, "continued", &span->continued));
  MNEMO_RETURN_IF_ERROR(Bool(s, path, "continues", &span->continues));
  if (span->source_begin > span->source_end) {
    return Bad(path + "source_begin", "is after source_end");
  }
  if (uint64_t{span->first_line} + span->line_count > page_lines) {
    return Bad(path + "line_count", "runs past the page's line_count");
  }
  return Status::OK();
}

Status ParseItems(const Json& m, int version, PageManifest* out) {
  const Json* items;
  MNEMO_RETURN_IF_ERROR(Typed(m, "", "items", true, &items));
  out->items.resize(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    const Json& item = (*items)[i];
    std::string path = "items[" + std::to_string(i) + "].";
    if (!item.is_object()) return Bad(path, "must be an object");
    ItemSpan& span = out->items[i];
    MNEMO_RETURN_IF_ERROR(Int(item, path, "id", &span.id));
    MNEMO_RETURN_IF_ERROR(Str(item, path, "text", &span.text));
    const Json* s;
    MNEMO_RETURN_IF_ERROR(Typed(item, path, "span", false, &s));
    MNEMO_RETURN_IF_ERROR(
        ParseSpan(*s, path + "span.", version, out->line_count, &span));
    if (span.text_end > out->text.size() || span.text_begin > span.text_end) {
      return Bad(path + "span.text_end", "text range outside the page text");
    }
  }
  return Status::OK();
}

Status ParseFonts(const Json& render, RenderParams* p) {
  const Json* fonts;
  MNEMO_RETURN_IF_ERROR(Typed(render, "render.", "fonts", true, &fonts));
  p->font_files.resize(fonts->size());
  p->font_hashes.resize(fonts->size());
  for (size_t i = 0; i < fonts->size(); ++i) {
    std::string path = "render.fonts[" + std::to_string(i) + "].";
    if (!(*fonts)[i].is_object()) return Bad(path, "must be an object");
    MNEMO_RETURN_IF_ERROR(Str((*fonts)[i], path, "file", &p->font_files[i]));
    MNEMO_RETURN_IF_ERROR(Str((*fonts)[i], path, "fnv1a64", &p->font_hashes[i]));
  }
  return Status::OK();
}

Status ParseRender(const Json& m, RenderParams* p) {
  const Json* render;
  MNEMO_RETURN_IF_ERROR(Typed(m, "", "render", false, &render));
  const std::string path = "render.";
  MNEMO_RETURN_IF_ERROR(Int(*render, path, "pixel_size_64", &p->pixel_size_64));
  MNEMO_RETURN_IF_ERROR(Int(*render, path, "line_height", &p->line_height));
  MNEMO_RETURN_IF_ERROR(ParseFonts(*render, p));
  MNEMO_RETURN_IF_ERROR(Str(*render, path, "freetype", &p->freetype_version));
  MNEMO_RETURN_IF_ERROR(Str(*render, path, "libpng", &p->libpng_version));
  return Int(*render, path, "layout_version", &p->layout_version);
}

Status ParseLines(const Json& m, PageManifest* out) {
  MNEMO_RETURN_IF_ERROR(Int(m, "", "columns", &out->columns));
  if (out->columns < 1 || out->columns > internal::kMaxColumns) {
    return Bad("columns", "must be in 1.." + std::to_string(internal::kMaxColumns));
  }
  const Json* lines;
  MNEMO_RETURN_IF_ERROR(Typed(m, "", "lines", true, &lines));
  if (lines->size() != out->line_count) {
    return Bad("lines", "must hold line_count boxes");
  }
  out->lines.resize(lines->size());
  for (size_t i = 0; i < lines->size(); ++i) {
    const Json& b = (*lines)[i];
    std::string path = "lines[" + std::to_string(i) + "]";
    if (!b.is_array() || b.size() != 4) return Bad(path, "must be [x, y, w, h]");
    Json box = {{"x", b[0]}, {"y", b[1]}, {"w", b[2]}, {"h", b[3]}};
    LineBox& l = out->lines[i];
    MNEMO_RETURN_IF_ERROR(Int(box, path + ".", "x", &l.x));
    MNEMO_RETURN_IF_ERROR(Int(box, path + ".", "y", &l.y));
    MNEMO_RETURN_IF_ERROR(Int(box, path + ".", "w", &l.w));
    MNEMO_RETURN_IF_ERROR(Int(box, path + ".", "h", &l.h));
  }
  return Status::OK();
}

Status ParseHeader(const Json& m, int* version, PageManifest* out) {
  MNEMO_RETURN_IF_ERROR(Int(m, "", "version", version));
  if (*version != 1 && *version != 2) {
    return Status::NotSupported("manifest JSON version " +
                                std::to_string(*version));
  }
  MNEMO_RETURN_IF_ERROR(Int(m, "", "page_index", &out->page_index));
  MNEMO_RETURN_IF_ERROR(Str(m, "", "profile", &out->params.profile));
  const Json* px;
  MNEMO_RETURN_IF_ERROR(Typed(m, "", "page_px", true, &px));
  if (px->size() != 2) return Bad("page_px", "must be [width, height]");
  Json size = {{"w", (*px)[0]}, {"h", (*px)[1]}};
  MNEMO_RETURN_IF_ERROR(Int(size, "page_px.", "w", &out->params.width));
  MNEMO_RETURN_IF_ERROR(Int(size, "page_px.", "h", &out->params.height));
  MNEMO_RETURN_IF_ERROR(Int(m, "", "vision_tokens", &out->params.vision_tokens));
  MNEMO_RETURN_IF_ERROR(Str(m, "", "text", &out->text));
  MNEMO_RETURN_IF_ERROR(Int(m, "", "line_count", &out->line_count));
  return *version >= 2 ? ParseLines(m, out) : Status::OK();
}

// Parses with bounded depth and size (the callback throws TooLarge past
// them, which abandons the parse).
Status ParseBounded(std::string_view text, Json* j) {
  size_t events = 0;
  auto limit = [&events](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxDepth) throw TooLarge{"nested deeper than 8"};
    if (++events > kMaxEvents) throw TooLarge{"more than 4194304 JSON tokens"};
    return true;
  };
  try {
    *j = Json::parse(text.begin(), text.end(), limit);
  } catch (const Json::parse_error& e) {
    return Status::InvalidArgument("manifest JSON: not valid JSON (error at byte " +
                                   std::to_string(e.byte) + ")");
  } catch (const TooLarge& e) {
    return Status::ResourceExhausted("manifest JSON: " + e.why);
  } catch (const Json::exception& e) {  // e.g. a number beyond a double
    return Status::InvalidArgument(std::string("manifest JSON: not valid JSON (") +
                                   e.what() + ")");
  }
  if (!j->is_object()) {
    return Status::InvalidArgument("manifest JSON: not a JSON object");
  }
  return Status::OK();
}

}  // namespace

Status ManifestFromJson(std::string_view json, PageManifest* manifest) {
  if (json.size() > kMaxManifestJsonBytes) {
    return Status::ResourceExhausted("manifest JSON larger than 32 MiB");
  }
  Json j;
  MNEMO_RETURN_IF_ERROR(ParseBounded(json, &j));
  PageManifest out;
  try {
    int version = 0;
    MNEMO_RETURN_IF_ERROR(ParseHeader(j, &version, &out));
    MNEMO_RETURN_IF_ERROR(ParseRender(j, &out.params));
    MNEMO_RETURN_IF_ERROR(ParseItems(j, version, &out));
    if (version == 1) internal::DeriveV2Fields(&out);
  } catch (const Json::exception& e) {  // not expected: types are checked
    return Status::InvalidArgument(std::string("manifest JSON: ") + e.what());
  }
  *manifest = std::move(out);
  return Status::OK();
}

}  // namespace mnemo::codec
