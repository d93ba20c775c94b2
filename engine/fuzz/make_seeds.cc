// Copyright (c) mnemo authors.
// Writes the seed corpora of every fuzzer, as the store and the codec
// write those bytes: record envelopes, page values (a real rendered page),
// posting lists and merge operands, JSONL lines, Store operation
// sequences (engine/fuzz/corpus/<target>/), and PNG pages, binary
// manifests and zstd frames with and without a dictionary
// (codec/fuzz/corpus/<target>/). Run from a build with MNEMO_FUZZ=ON when
// a format changes, and commit the output:
//
//   build-fuzz/bin/mnemo-fuzz-seeds .     (in the repository root)
//
// Every directory it writes is emptied first; the findings kept in a
// corpus (files named finding-*) are left alone.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "envelope.h"
#include "mnemo/codec/manifest.h"
#include "mnemo/codec/page.h"
#include "mnemo/codec/png.h"
#include "mnemo/codec/profile.h"
#include "mnemo/codec/text_codec.h"
#include "mnemo/json_limits.h"
#include "page_store.h"
#include "search_postings.h"
#include "workload/record_json.h"
#include "zstd_fuzz_dictionary.h"

namespace {

namespace fs = std::filesystem;
using mnemo::internal::Posting;

std::string root;

// Empties `dir` (keeping finding-* files) once, then writes into it.
void Write(const std::string& corpus, const std::string& name,
           const std::string& bytes) {
  static std::vector<std::string> cleaned;
  fs::path dir = fs::path(root) / corpus;
  if (std::find(cleaned.begin(), cleaned.end(), corpus) == cleaned.end()) {
    cleaned.push_back(corpus);
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().filename().string().rfind("finding-", 0) != 0) {
        fs::remove(entry.path());
      }
    }
  }
  std::ofstream((dir / name).string(), std::ios::binary) << bytes;
}

void Check(const mnemo::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "mnemo-fuzz-seeds: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

mnemo::Record Sample(int i) {
  mnemo::Record r;
  r.id = (1'704'067'200'000'000ULL << 8) + i;
  r.ns = {"tenant", "agent", "session-" + std::to_string(i)};
  r.text = std::string("hello memory ") + std::to_string(i) +
           (i % 2 ? " \xc3\xa9t\xc3\xa9" : "");
  r.metadata = {{"k", "v"}, {"n", std::to_string(i)}};
  r.version = 1 + i;
  r.access_count = i;
  r.importance = 0.25f * i;
  r.event_time = r.created_time = 1'704'067'200'000'000LL + i;
  return r;
}

// --- engine -------------------------------------------------------------

// Envelope version 2 (what EncodeEnvelope writes by default), and version
// 3 (keyed-*). corpus/envelope/v1-*
// are the same records in version 1, as the build before store format 5
// wrote them: kept as they are, for the version-1 decoder.
void EnvelopeSeeds() {
  for (int i = 0; i < 4; ++i) {
    std::string value;
    mnemo::internal::EncodeEnvelope(Sample(i), i == 3 ? 1 : 0, &value);
    Write("engine/fuzz/corpus/envelope", "record-" + std::to_string(i), value);
  }
  // A warm record: the text field holds a zstd frame.
  std::unique_ptr<mnemo::codec::TextCompressor> zstd;
  Check(mnemo::codec::TextCompressor::Create({}, &zstd), "zstd");
  mnemo::Record warm = Sample(4);
  warm.tier = mnemo::Tier::kWarm;
  std::string frame, value;
  Check(zstd->Compress(warm.text, &frame), "compress");
  mnemo::internal::EncodeEnvelope(warm, mnemo::internal::kFlagTextZstd, frame, &value);
  Write("engine/fuzz/corpus/envelope", "record-warm", value);
  // A record on a page.
  mnemo::Record paged = Sample(5);
  paged.tier = mnemo::Tier::kPixels;
  paged.page = {42, 3, 2};
  paged.expires_at = paged.event_time + 3600'000'000LL;
  value.clear();
  mnemo::internal::EncodeEnvelope(paged, 0, &value);
  Write("engine/fuzz/corpus/envelope", "record-paged", value);
  // Version 3 (the records family's keyed form) under the fuzzer's key
  // (fuzz_envelope.cc's kKey): a plain record and the paged one.
  for (mnemo::Record keyed : {Sample(6), paged}) {
    keyed.id = 0x0123456789abcdefull;
    keyed.event_time = 1'704'067'200'000'000LL;
    value.clear();
    mnemo::internal::EncodeEnvelope(keyed, 0, &value,
                                    mnemo::internal::EnvelopeForm::kKeyed);
    Write("engine/fuzz/corpus/envelope",
          keyed.page.page_id != 0 ? "keyed-paged" : "keyed-record", value);
  }
}

// A real page (the "tiny" profile, as compaction renders and stores it).
struct RenderedPage {
  mnemo::codec::Page page;
  std::string png;       // at the profile's bit depth and zlib level
  std::string manifest;  // binary
};

std::vector<RenderedPage> RenderPages() {
  const mnemo::codec::RenderProfile* profile = mnemo::codec::FindProfile("tiny");
  std::unique_ptr<mnemo::codec::Renderer> renderer;
  Check(mnemo::codec::Renderer::Create(*profile, &renderer), "renderer");
  std::vector<mnemo::codec::PageItem> items;
  for (int i = 0; i < 6; ++i) {
    items.push_back({1000u + i, "",
                     "[2024-01-0" + std::to_string(i + 1) + " user] " +
                         Sample(i).text + " — the agent noted a plan, \xe6\x97\xa5\xe6\x9c\xac"});
  }
  std::vector<mnemo::codec::Page> pages;
  Check(renderer->Pack(items, &pages), "pack");
  std::vector<RenderedPage> out;
  for (auto& page : pages) {
    RenderedPage r;
    mnemo::codec::PngOptions png;
    png.bit_depth = profile->png_bit_depth;
    png.zlib_level = profile->png_zlib_level;
    Check(mnemo::codec::EncodePng(page.image, png, &r.png), "png");
    Check(mnemo::codec::SerializeManifest(page.manifest, &r.manifest), "manifest");
    r.page = std::move(page);
    out.push_back(std::move(r));
  }
  return out;
}

void PageSeeds(const std::vector<RenderedPage>& pages) {
  mnemo::internal::StoredPage page;
  page.info.ns = {"tenant", "agent", "session"};
  page.info.profile = "tiny";
  page.info.tier = mnemo::Tier::kPixels;
  page.info.width = page.info.height = page.first_width = 512;
  page.info.vision_tokens = 64;
  page.info.created_time = 1'704'067'200'000'000LL;
  page.png = pages[0].png;
  page.manifest = pages[0].manifest;
  std::string value;
  mnemo::internal::EncodePage(page, &value);
  Write("engine/fuzz/corpus/page", "page-rendered", value);
  // A decayed page with a placeholder image: small, for quick mutation.
  page.info.tier = mnemo::Tier::kDecayed;
  page.info.width = page.info.height = 256;
  page.png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(64, '\0');
  mnemo::internal::EncodePage(page, &value);
  Write("engine/fuzz/corpus/page", "page-small", value);
}

std::string Postings(const std::vector<Posting>& postings) {
  std::string out;
  mnemo::internal::EncodePostings(postings, &out);
  return out;
}

// Mode byte, then length-prefixed chunks (see fuzz_postings.cc).
std::string PostingsInput(uint8_t mode, const std::vector<std::string>& chunks) {
  std::string in(1, static_cast<char>(mode));
  for (const std::string& c : chunks) {
    in.push_back(static_cast<char>(c.size()));
    in += c;
  }
  return in;
}

void PostingsSeeds() {
  const std::string base = Postings({{1, 1, 4}, {3, 2, 5}, {1ull << 40, 1, 9}});
  const std::string add = Postings({{2, 1, 3}, {9, 1, 2}});
  const std::string remove = Postings({{3, 0, 0}});
  const std::string readd = Postings({{9, 4, 8}});
  const char* dir = "engine/fuzz/corpus/postings";
  Write(dir, "list", PostingsInput(0, {base}));
  Write(dir, "operands", PostingsInput(0, {add, remove, readd}));
  Write(dir, "existing-and-operands", PostingsInput(2, {base, add, remove, readd}));
  Write(dir, "stats", PostingsInput(1, {mnemo::internal::SearchStatsOperand(3, 30),
                                        mnemo::internal::SearchStatsOperand(-1, -7)}));
  Write(dir, "stats-existing",
        PostingsInput(3, {mnemo::internal::SearchStatsOperand(10, 100),
                          mnemo::internal::SearchStatsOperand(2, 11)}));
}

void JsonlSeeds() {
  const char* dir = "engine/fuzz/corpus/jsonl";
  Write(dir, "minimal", R"({"tenant":"t","agent":"a","text":"hello"})");
  Write(dir, "bad_values", R"({"tenant":"","agent":"a","text":"\u0000"})");
  Write(dir, "odd_metadata",
        R"({"tenant":"t","agent":"a","text":"x","metadata":{"a":[1,2],"b":{"c":null}},"importance":2})");
  mnemo::Record r = Sample(1);
  r.role = "assistant";
  r.kind = "fact";
  r.text = "caf\xc3\xa9 \xf0\x9f\x98\x80";
  r.expires_at = r.event_time + 86'400'000'000LL;
  Write(dir, "dump_line", mnemo::workload::RecordToJson(r));
  // Metadata nested to the depth limit (accepted) and one level past it.
  auto nested = [](int levels) {
    return R"({"tenant":"t","agent":"a","text":"x","metadata":{"m":)" +
           std::string(levels, '[') + std::string(levels, ']') + "}}";
  };
  Write(dir, "deep_metadata", nested(mnemo::kMaxJsonDepth - 2));
  Write(dir, "too_deep_metadata", nested(mnemo::kMaxJsonDepth - 1));
  Write(dir, "duplicate_key",
        R"({"tenant":"a","agent":"x","text":"y","metadata":{"k":"1","k":"2"},"tenant":"b"})");
}

// Store operation sequences (see Run::Step in fuzz_store_ops.cc).
class Ops {
 public:
  Ops& Op(int op, uint8_t arg) {
    bytes_.push_back(static_cast<char>(op));
    bytes_.push_back(static_cast<char>(arg));
    return *this;
  }
  Ops& Text(const std::string& text) {  // printable ASCII
    bytes_.push_back(static_cast<char>(text.size()));
    for (char c : text) bytes_.push_back(static_cast<char>(c - ' '));
    return *this;
  }
  Ops& Put(uint8_t arg, const std::string& text) { return Op(0, arg).Text(text); }
  Ops& Update(uint8_t arg, const std::string& text) { return Op(3, arg).Text(text); }
  Ops& Search(uint8_t arg, const std::string& text) { return Op(10, arg).Text(text); }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

void StoreOpsSeeds() {
  const char* dir = "engine/fuzz/corpus/store_ops";
  Ops crud;
  crud.Put(1, "remember the blue notebook").Put(2, "meeting moved to friday")
      .Put(3, "the user likes green tea").Op(2, 0).Op(2, 1).Update(1, "meeting moved to monday")
      .Op(7, 1).Op(4, 0).Op(2, 0xf0).Op(8, 0x02).Op(8, 0x8b).Op(9, 0).Op(9, 1);
  Write(dir, "crud", crud.bytes());
  Ops tiers;
  tiers.Put(0x10, "planning notes for the launch").Put(0x21, "dinner with anna at eight")
      .Put(0x02, "flight lands at noon").Op(5, 2).Op(6, 0x40).Op(2, 1).Op(5, 30)
      .Op(6, 0x01).Op(2, 0).Op(7, 2).Search(1, "").Search(0, "launch notes");
  Write(dir, "tiers", tiers.bytes());
  Ops ttl;
  ttl.Put(0x0c, "expires soon").Put(0x0d, "also expires").Put(0x04, "stays")
      .Op(2, 0).Op(5, 3).Op(2, 0).Op(7, 1).Update(1, "too late").Op(6, 0x02)
      .Op(4, 0).Op(11, 0).Op(11, 1).Op(8, 0);
  Write(dir, "ttl", ttl.bytes());
  Ops mixed;
  for (int i = 0; i < 6; ++i) mixed.Put(static_cast<uint8_t>(i * 37), "turn " + std::to_string(i) + " of the talk");
  mixed.Update(0x31, "an edited turn").Op(2, 0x0e).Op(9, 2).Op(5, 1).Op(6, 0x47)
      .Search(3, "talk").Op(4, 2).Op(8, 0x83).Op(5, 40).Op(6, 0x05).Op(9, 3);
  Write(dir, "mixed", mixed.bytes());
}

// --- codec --------------------------------------------------------------

void PngSeeds(const std::vector<RenderedPage>& pages) {
  const char* dir = "codec/fuzz/corpus/png";
  Write(dir, "page-tiny", pages[0].png);
  // A small gradient at every bit depth the codec writes.
  mnemo::codec::GrayImage image;
  image.Reset(13, 7, 255);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) image.Row(y)[x] = static_cast<uint8_t>(x * 19 + y * 5);
  }
  for (int depth : {1, 2, 4, 8}) {
    std::string png;
    Check(mnemo::codec::EncodePng(image, depth, &png), "png");
    Write(dir, "gradient-" + std::to_string(depth) + "bit", png);
  }
}

void ManifestSeeds(const std::vector<RenderedPage>& pages) {
  for (size_t i = 0; i < pages.size() && i < 2; ++i) {
    Write("codec/fuzz/corpus/manifest", "page-" + std::to_string(i), pages[i].manifest);
  }
  mnemo::codec::PageManifest empty;
  std::string bytes;
  Check(mnemo::codec::SerializeManifest(empty, &bytes), "manifest");
  Write("codec/fuzz/corpus/manifest", "empty", bytes);
  // The JSON form, as page files of `mnemo dump --include-pages` hold it.
  for (size_t i = 0; i < pages.size() && i < 2; ++i) {
    mnemo::codec::PageManifest m;
    Check(mnemo::codec::ParseManifest(pages[i].manifest, &m), "manifest");
    Write("codec/fuzz/corpus/manifest_json", "page-" + std::to_string(i),
          mnemo::codec::ManifestToJson(m));
  }
  Write("codec/fuzz/corpus/manifest_json", "empty",
        mnemo::codec::ManifestToJson(empty));
}

void ZstdSeeds() {
  const char* dir = "codec/fuzz/corpus/zstd";
  mnemo::codec::TextCodecOptions options;
  options.level = 3;
  std::unique_ptr<mnemo::codec::TextCompressor> plain, with_dict;
  Check(mnemo::codec::TextCompressor::Create(options, &plain), "zstd");
  options.dictionary = mnemo::codec::fuzz::TrainFuzzDictionary();
  Check(mnemo::codec::TextCompressor::Create(options, &with_dict), "zstd dict");
  std::string frame;
  Check(plain->Compress("", &frame), "compress");
  Write(dir, "empty", frame);
  Check(plain->Compress(Sample(1).text, &frame), "compress");
  Write(dir, "short", frame);
  Check(plain->Compress(std::string(3000, 'a') + "tail", &frame), "compress");
  Write(dir, "repeats", frame);
  std::vector<std::string> samples = mnemo::codec::fuzz::FuzzDictionarySamples();
  Check(with_dict->Compress(samples[5] + " " + samples[17], &frame), "compress");
  Write(dir, "dictionary", frame);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: mnemo-fuzz-seeds REPO_ROOT\n");
    return 2;
  }
  root = argv[1];
  if (!fs::exists(fs::path(root) / "engine/fuzz") ||
      !fs::exists(fs::path(root) / "codec/fuzz")) {
    std::fprintf(stderr, "mnemo-fuzz-seeds: %s is not the repository root\n", argv[1]);
    return 2;
  }
  std::vector<RenderedPage> pages = RenderPages();
  EnvelopeSeeds();
  PageSeeds(pages);
  PostingsSeeds();
  JsonlSeeds();
  StoreOpsSeeds();
  PngSeeds(pages);
  ManifestSeeds(pages);
  ZstdSeeds();
  return 0;
}
