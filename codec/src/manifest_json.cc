// Copyright (c) mnemo authors.
//
// The JSON form of a page manifest (for the CLI and humans).

#include <cstdio>

#include "mnemo/codec/manifest.h"
#include "utf8.h"

namespace mnemo::codec {
namespace {

void Field(std::string* out, std::string_view key, std::string_view raw) {
  if (out->back() != '{') out->push_back(',');
  out->append(JsonQuote(key)).push_back(':');
  out->append(raw);
}

void Num(std::string* out, std::string_view key, int64_t v) {
  Field(out, key, std::to_string(v));
}

void Bool(std::string* out, std::string_view key, bool v) {
  Field(out, key, v ? "true" : "false");
}

std::string SpanJson(const ItemSpan& s) {
  std::string o = "{";
  Num(&o, "first_line", s.first_line);
  Num(&o, "line_count", s.line_count);
  Num(&o, "x", s.x);
  Num(&o, "y", s.y);
  Num(&o, "w", s.w);
  Num(&o, "h", s.h);
  Num(&o, "x_begin", s.x_begin);
  Num(&o, "x_end", s.x_end);
  Num(&o, "text_begin", s.text_begin);
  Num(&o, "text_end", s.text_end);
  Num(&o, "source_begin", s.source_begin);
  Num(&o, "source_end", s.source_end);
  Bool(&o, "continued", s.continued);
  Bool(&o, "continues", s.continues);
  o.push_back('}');
  return o;
}

std::string RenderJson(const RenderParams& p) {
  std::string o = "{";
  Num(&o, "pixel_size_64", p.pixel_size_64);
  Num(&o, "line_height", p.line_height);
  std::string fonts = "[";
  for (size_t i = 0; i < p.font_files.size(); ++i) {
    if (i) fonts.push_back(',');
    fonts += "{\"file\":" + JsonQuote(p.font_files[i]) + ",\"fnv1a64\":" +
             JsonQuote(i < p.font_hashes.size() ? p.font_hashes[i] : "") + "}";
  }
  fonts.push_back(']');
  Field(&o, "fonts", fonts);
  Field(&o, "freetype", JsonQuote(p.freetype_version));
  Field(&o, "libpng", JsonQuote(p.libpng_version));
  Num(&o, "layout_version", p.layout_version);
  o.push_back('}');
  return o;
}

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t begin = pos;
    char32_t cp;
    if (!internal::DecodeUtf8(s, &pos, &cp)) {
      out += "\\ufffd";  // never emit invalid UTF-8
      pos = begin + 1;
      continue;
    }
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (cp < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
          out += buf;
        } else {
          out.append(s.substr(begin, pos - begin));
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string ManifestToJson(const PageManifest& m) {
  std::string o = "{";
  Num(&o, "version", 2);
  Num(&o, "page_index", m.page_index);
  Field(&o, "profile", JsonQuote(m.params.profile));
  Field(&o, "page_px", "[" + std::to_string(m.params.width) + "," +
                           std::to_string(m.params.height) + "]");
  Num(&o, "vision_tokens", m.params.vision_tokens);
  Field(&o, "text", JsonQuote(m.text));
  Num(&o, "chars", static_cast<int64_t>(CountCodePoints(m.text)));
  Num(&o, "text_tokens_est", static_cast<int64_t>(EstimateTextTokens(m.text)));
  Field(&o, "text_token_estimator", JsonQuote(kTextTokenEstimator));
  Num(&o, "line_count", m.line_count);
  Num(&o, "columns", m.columns);
  char fill[32];
  std::snprintf(fill, sizeof(fill), "%.4f", FillFactor(m));
  Field(&o, "fill_factor", fill);
  std::string lines = "[";
  for (size_t i = 0; i < m.lines.size(); ++i) {
    const LineBox& b = m.lines[i];
    if (i) lines.push_back(',');
    lines += "[" + std::to_string(b.x) + "," + std::to_string(b.y) + "," +
             std::to_string(b.w) + "," + std::to_string(b.h) + "]";
  }
  lines.push_back(']');
  Field(&o, "lines", lines);
  std::string items = "[";
  for (size_t i = 0; i < m.items.size(); ++i) {
    const ItemSpan& s = m.items[i];
    if (i) items.push_back(',');
    items += "{\"id\":" + std::to_string(s.id) + ",\"text\":" +
             JsonQuote(s.text) + ",\"span\":" + SpanJson(s) + "}";
  }
  items.push_back(']');
  Field(&o, "items", items);
  Field(&o, "render", RenderJson(m.params));
  o.push_back('}');
  return o;
}

}  // namespace mnemo::codec
