// Copyright (c) mnemo authors.
//
// Binary page manifests: see the format in <mnemo/codec/manifest.h>.

#include "mnemo/codec/manifest.h"

#include <cstring>
#include <limits>

#include "hash.h"
#include "manifest_v2.h"

namespace mnemo::codec {
namespace {

constexpr char kMagic[4] = {'M', 'N', 'P', 'M'};
constexpr uint8_t kVersion = 2;
constexpr size_t kChecksumBytes = 8;
// The shortest span WriteSpan writes: eight one-byte varints (id, lines,
// x, y, w, h, source range), the flags byte and an empty text's length,
// plus (version 2) x_begin, x_end, text_begin, text_end.
constexpr size_t kMinSpanBytesV1 = 11;
constexpr size_t kMinSpanBytesV2 = 15;
constexpr size_t kMinLineBytes = 4;

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void Signed(int64_t v) {
    Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void Str(std::string_view s) {
    Varint(s.size());
    out_->append(s);
  }

 private:
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && pos_ < in_.size(); shift += 7) {
      const auto b = static_cast<uint8_t>(in_[pos_++]);
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  template <typename T>
  bool U(T* v) {
    uint64_t x;
    if (!Varint(&x) || x > std::numeric_limits<T>::max()) return false;
    *v = static_cast<T>(x);
    return true;
  }
  template <typename T>
  bool S(T* v) {
    uint64_t x;
    if (!Varint(&x)) return false;
    const int64_t s = static_cast<int64_t>((x >> 1) ^ (~(x & 1) + 1));
    if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max())
      return false;
    *v = static_cast<T>(s);
    return true;
  }
  bool Str(std::string* s) {
    uint64_t n;
    if (!Varint(&n) || n > in_.size() - pos_) return false;
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // A count of records each at least `min_bytes` long, bounded by the rest.
  bool Count(size_t min_bytes, size_t* n) {
    uint64_t x;
    if (!Varint(&x) || x > (in_.size() - pos_) / min_bytes) return false;
    *n = static_cast<size_t>(x);
    return true;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

void WriteParams(const RenderParams& p, Writer* w) {
  w->Str(p.profile);
  for (int v : {p.width, p.height, p.pixel_size_64, p.line_height, p.vision_tokens})
    w->Signed(v);
  w->Varint(p.font_files.size());
  for (size_t i = 0; i < p.font_files.size(); ++i) {
    w->Str(p.font_files[i]);
    w->Str(i < p.font_hashes.size() ? p.font_hashes[i] : "");
  }
  w->Str(p.freetype_version);
  w->Str(p.libpng_version);
  w->Varint(p.layout_version);
}

bool ReadParams(Reader* r, RenderParams* p) {
  size_t fonts;
  if (!r->Str(&p->profile) || !r->S(&p->width) || !r->S(&p->height) ||
      !r->S(&p->pixel_size_64) || !r->S(&p->line_height) ||
      !r->S(&p->vision_tokens) || !r->Count(2, &fonts)) {
    return false;
  }
  p->font_files.resize(fonts);
  p->font_hashes.resize(fonts);
  for (size_t i = 0; i < fonts; ++i) {
    if (!r->Str(&p->font_files[i]) || !r->Str(&p->font_hashes[i])) return false;
  }
  return r->Str(&p->freetype_version) && r->Str(&p->libpng_version) &&
         r->U(&p->layout_version);
}

void WriteSpan(const ItemSpan& s, Writer* w) {
  w->Varint(s.id);
  w->Varint(s.first_line);
  w->Varint(s.line_count);
  for (int32_t v : {s.x, s.y, s.w, s.h}) w->Signed(v);
  w->Varint(s.source_begin);
  w->Varint(s.source_end);
  w->Varint((s.continued ? 1u : 0u) | (s.continues ? 2u : 0u));
  w->Str(s.text);
  w->Signed(s.x_begin);
  w->Signed(s.x_end);
  w->Varint(s.text_begin);
  w->Varint(s.text_end);
}

bool ReadSpan(Reader* r, uint8_t version, uint32_t page_lines, ItemSpan* s) {
  uint32_t flags;
  if (!r->U(&s->id) || !r->U(&s->first_line) || !r->U(&s->line_count) ||
      !r->S(&s->x) || !r->S(&s->y) || !r->S(&s->w) || !r->S(&s->h) ||
      !r->U(&s->source_begin) || !r->U(&s->source_end) || !r->U(&flags) ||
      flags > 3 || !r->Str(&s->text)) {
    return false;
  }
  if (version >= 2 && (!r->S(&s->x_begin) || !r->S(&s->x_end) ||
                       !r->U(&s->text_begin) || !r->U(&s->text_end))) {
    return false;
  }
  s->continued = flags & 1;
  s->continues = flags & 2;
  return s->source_begin <= s->source_end &&
         uint64_t{s->first_line} + s->line_count <= page_lines;
}

bool ReadLines(Reader* r, PageManifest* m) {
  size_t lines;
  if (!r->U(&m->columns) || !r->Count(kMinLineBytes, &lines)) return false;
  m->lines.resize(lines);
  for (LineBox& b : m->lines) {
    if (!r->S(&b.x) || !r->S(&b.y) || !r->S(&b.w) || !r->S(&b.h)) return false;
  }
  return true;
}

}  // namespace

Status SerializeManifest(const PageManifest& m, std::string* out) {
  out->clear();
  out->append(kMagic, sizeof(kMagic));
  out->push_back(static_cast<char>(kVersion));
  Writer w(out);
  w.Varint(m.page_index);
  w.Varint(m.line_count);
  WriteParams(m.params, &w);
  w.Str(m.text);
  w.Varint(m.columns);
  w.Varint(m.lines.size());
  for (const LineBox& b : m.lines) {
    for (int32_t v : {b.x, b.y, b.w, b.h}) w.Signed(v);
  }
  w.Varint(m.items.size());
  for (const ItemSpan& s : m.items) WriteSpan(s, &w);
  if (out->size() + kChecksumBytes > kMaxManifestBytes) {
    out->clear();
    return Status::ResourceExhausted("manifest larger than 16 MiB");
  }
  uint64_t sum = internal::Fnv1a64(*out);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(sum >> (8 * i)));
  return Status::OK();
}

Status ParseManifest(std::string_view data, PageManifest* m) {
  if (data.size() > kMaxManifestBytes) {
    return Status::Corruption("manifest larger than 16 MiB");
  }
  if (data.size() < sizeof(kMagic) + 1 + kChecksumBytes ||
      std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) {
    return Status::Corruption("not a page manifest (bad magic or too short)");
  }
  const auto version = static_cast<uint8_t>(data[4]);
  if (version < 1 || version > kVersion) {
    return Status::NotSupported("page manifest version " +
                                std::to_string(static_cast<uint8_t>(data[4])));
  }
  const size_t body = data.size() - kChecksumBytes;
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) {
    stored |= uint64_t{static_cast<uint8_t>(data[body + i])} << (8 * i);
  }
  if (stored != internal::Fnv1a64(data.substr(0, body))) {
    return Status::Corruption("page manifest checksum mismatch");
  }
  Reader r(data.substr(5, body - 5));
  PageManifest out;
  if (!r.U(&out.page_index) || !r.U(&out.line_count) ||
      !ReadParams(&r, &out.params) || !r.Str(&out.text) ||
      (version >= 2 && !ReadLines(&r, &out))) {
    return Status::Corruption("page manifest header is malformed");
  }
  size_t items;
  if (!r.Count(version >= 2 ? kMinSpanBytesV2 : kMinSpanBytesV1, &items)) {
    return Status::Corruption("page manifest header is malformed");
  }
  out.items.resize(items);
  for (ItemSpan& s : out.items) {
    if (!ReadSpan(&r, version, out.line_count, &s)) {
      return Status::Corruption("page manifest item span is malformed");
    }
  }
  if (!r.done()) return Status::Corruption("page manifest has trailing bytes");
  if (version == 1) internal::DeriveV2Fields(&out);
  Status s = internal::CheckV2Fields(out);
  if (!s.ok()) return Status::Corruption("page manifest: " + s.message());
  *m = std::move(out);
  return Status::OK();
}

}  // namespace mnemo::codec
