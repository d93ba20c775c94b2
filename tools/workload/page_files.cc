// Copyright (c) mnemo authors.

#include "workload/page_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "mnemo/codec/manifest.h"
#include "mnemo/codec/png.h"
#include "workload/time_format.h"

namespace mnemo::workload {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kMaxDepth = 10;  // the manifest nests 4 deep inside the page
constexpr size_t kMaxTokens = (size_t{1} << 22) + 64;

struct TooLarge {
  std::string why;
};

Status Bad(const std::string& message) {
  return Status::InvalidArgument(message);
}

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

Status ParseBounded(std::string_view text, Json* j) {
  size_t tokens = 0;
  auto limit = [&tokens](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxDepth) throw TooLarge{"nested too deep"};
    if (++tokens > kMaxTokens) throw TooLarge{"too many JSON tokens"};
    return true;
  };
  try {
    *j = Json::parse(text.begin(), text.end(), limit);
  } catch (const Json::parse_error& e) {
    return Bad("not valid JSON (error at byte " + std::to_string(e.byte) + ")");
  } catch (const TooLarge& e) {
    return Status::ResourceExhausted(e.why);
  } catch (const Json::exception& e) {  // e.g. a number beyond a double
    return Bad(std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j->is_object()) return Bad("not a JSON object");
  return Status::OK();
}

Status GetString(const Json& j, const char* name, std::string* out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return Bad(std::string("field '") + name + "' must be a string");
  }
  *out = it->get<std::string>();
  return Status::OK();
}

Status GetInt(const Json& j, const char* name, int* out) {
  auto it = j.find(name);
  if (it != j.end() && it->is_number_integer()) {
    int64_t v = it->get<int64_t>();
    if (v >= 0 && v <= std::numeric_limits<int>::max()) {
      *out = static_cast<int>(v);
      return Status::OK();
    }
  }
  return Bad(std::string("field '") + name + "' must be an integer in 0..2^31-1");
}

Status GetPageId(const Json& j, uint64_t* id) {
  std::string text;
  MNEMO_RETURN_IF_ERROR(GetString(j, "page_id", &text));
  uint64_t v = 0;
  bool ok = !text.empty() && text.size() <= 20;
  for (char c : text) {
    ok = ok && c >= '0' && c <= '9' &&
         v <= (std::numeric_limits<uint64_t>::max() - (c - '0')) / 10;
    if (ok) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || v == 0) return Bad("field 'page_id' must be a non-zero decimal string");
  *id = v;
  return Status::OK();
}

Status GetHeader(const Json& j, PageData* page) {
  PageInfo& info = page->info;
  MNEMO_RETURN_IF_ERROR(GetPageId(j, &info.page_id));
  MNEMO_RETURN_IF_ERROR(GetString(j, "tenant", &info.ns.tenant));
  MNEMO_RETURN_IF_ERROR(GetString(j, "agent", &info.ns.agent));
  MNEMO_RETURN_IF_ERROR(GetString(j, "session", &info.ns.session));
  std::string text;
  MNEMO_RETURN_IF_ERROR(GetString(j, "tier", &text));
  MNEMO_RETURN_IF_ERROR(ParseTier(text, &info.tier).WithContext("field 'tier'"));
  MNEMO_RETURN_IF_ERROR(GetString(j, "profile", &info.profile));
  MNEMO_RETURN_IF_ERROR(GetInt(j, "width", &info.width));
  MNEMO_RETURN_IF_ERROR(GetInt(j, "height", &info.height));
  MNEMO_RETURN_IF_ERROR(GetInt(j, "first_width", &page->first_width));
  MNEMO_RETURN_IF_ERROR(GetInt(j, "vision_tokens", &info.vision_tokens));
  MNEMO_RETURN_IF_ERROR(GetString(j, "created_time", &text));
  return ParseRfc3339(text, &info.created_time).WithContext("field 'created_time'");
}

// The checks the store makes of a page header (engine/src/store_restore.cc).
Status CheckHeader(const PageData& page) {
  const PageInfo& info = page.info;
  MNEMO_RETURN_IF_ERROR(ValidateNamespace(info.ns));
  if (info.tier != Tier::kPixels && info.tier != Tier::kDecayed) {
    return Bad("tier must be pixels or decayed");
  }
  if (page.first_width <= 0 || info.width <= 0 || info.height <= 0 ||
      info.width > page.first_width ||
      (info.tier == Tier::kPixels && info.width != page.first_width)) {
    return Bad("width/height/first_width do not fit (positive; a pixels page "
               "is first_width wide, a decayed one at most that)");
  }
  return Status::OK();
}

Status ReadLimited(const std::string& path, size_t limit, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string why = Errno("cannot read " + path);
    return errno == ENOENT ? Status::NotFound(why) : Status::IOError(why);
  }
  struct stat st;
  Status s;
  if (::fstat(fd, &st) != 0) s = Status::IOError(Errno("cannot stat " + path));
  else if (!S_ISREG(st.st_mode)) s = Bad(path + " is not a regular file");
  else if (static_cast<uint64_t>(st.st_size) > limit) {
    s = Status::ResourceExhausted(path + " is larger than " +
                                  std::to_string(limit) + " bytes");
  }
  out->clear();
  char buf[1 << 16];
  while (s.ok()) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) s = Status::IOError(Errno("cannot read " + path));
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > limit) s = Status::ResourceExhausted(path + " grew past its limit");
  }
  ::close(fd);
  return s;
}

Status WriteNew(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Status::AlreadyExists(path + " already exists (not overwritten)");
    }
    return Status::IOError(Errno("cannot create " + path));
  }
  size_t done = 0;
  Status s;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s = Status::IOError(Errno("cannot write " + path));
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && s.ok()) s = Status::IOError(Errno("cannot write " + path));
  return s;
}

Status CheckPng(const std::string& path, const PageData& page) {
  codec::GrayImage image;
  Status s = codec::DecodePng(page.png, codec::DecodeLimits(), &image);
  if (!s.ok()) return s.WithContext(path);
  if (image.width != page.info.width || image.height != page.info.height) {
    return Bad(path + ": PNG is " + std::to_string(image.width) + "x" +
               std::to_string(image.height) + "; the page file says " +
               std::to_string(page.info.width) + "x" +
               std::to_string(page.info.height));
  }
  return Status::OK();
}

Status ReadManifest(const std::string& path, PageFile* page) {
  codec::PageManifest manifest;
  Status s = codec::ManifestFromJson(page->data.manifest_json, &manifest);
  if (s.ok() && manifest.params.width != page->data.first_width) {
    s = Bad("page width " + std::to_string(manifest.params.width) +
            " differs from first_width");
  }
  if (!s.ok()) return s.WithContext(path + ": manifest");
  page->items.clear();
  for (const codec::ItemSpan& span : manifest.items) {
    page->items.push_back({span.id, span.continued, span.continues});
  }
  return Status::OK();
}

}  // namespace

std::string PagePngName(uint64_t page_id) {
  return "page-" + std::to_string(page_id) + ".png";
}

std::string PageJsonName(uint64_t page_id) {
  return "page-" + std::to_string(page_id) + ".json";
}

std::string PageToJson(const PageData& page) {
  const PageInfo& info = page.info;
  Json j;
  j["page_id"] = std::to_string(info.page_id);
  j["tenant"] = info.ns.tenant;
  j["agent"] = info.ns.agent;
  j["session"] = info.ns.session;
  j["tier"] = TierName(info.tier);
  j["profile"] = info.profile;
  j["width"] = info.width;
  j["height"] = info.height;
  j["first_width"] = page.first_width;
  j["vision_tokens"] = info.vision_tokens;
  j["created_time"] = FormatRfc3339(info.created_time);
  std::string out = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  out.pop_back();  // the closing brace: the manifest is spliced in as written
  out += ",\"manifest\":";
  out += page.manifest_json.empty() ? "null" : page.manifest_json;
  out.push_back('}');
  return out;
}

Status PageFromJson(std::string_view json, PageData* page) {
  if (json.size() > kMaxPageJsonBytes) {
    return Status::ResourceExhausted("page file larger than " +
                                     std::to_string(kMaxPageJsonBytes) + " bytes");
  }
  Json j;
  MNEMO_RETURN_IF_ERROR(ParseBounded(json, &j));
  PageData out;
  MNEMO_RETURN_IF_ERROR(GetHeader(j, &out));
  auto manifest = j.find("manifest");
  if (manifest == j.end() || !manifest->is_object()) {
    return Bad("field 'manifest' must be an object");
  }
  out.manifest_json = manifest->dump(-1, ' ', false, Json::error_handler_t::strict);
  *page = std::move(out);
  return Status::OK();
}

Status WritePageFiles(const std::string& dir, const PageData& page) {
  std::string png = dir + "/" + PagePngName(page.info.page_id);
  std::string json = dir + "/" + PageJsonName(page.info.page_id);
  struct stat st;
  for (const std::string& path : {png, json}) {  // check both before writing
    if (::lstat(path.c_str(), &st) == 0) {
      return Status::AlreadyExists(path + " already exists (not overwritten)");
    }
  }
  MNEMO_RETURN_IF_ERROR(WriteNew(png, page.png));
  return WriteNew(json, PageToJson(page) + "\n");
}

Status ReadPageFiles(const std::string& dir, uint64_t page_id, PageFile* page) {
  std::string json_path = dir + "/" + PageJsonName(page_id);
  std::string png_path = dir + "/" + PagePngName(page_id);
  std::string json;
  MNEMO_RETURN_IF_ERROR(ReadLimited(json_path, kMaxPageJsonBytes, &json));
  Status s = PageFromJson(json, &page->data);
  if (s.ok() && page->data.info.page_id != page_id) {
    s = Bad("its page_id is " + std::to_string(page->data.info.page_id));
  }
  if (s.ok()) s = CheckHeader(page->data);
  if (!s.ok()) return s.WithContext(json_path);
  MNEMO_RETURN_IF_ERROR(ReadLimited(png_path, codec::DecodeLimits().max_input_bytes,
                                    &page->data.png));
  MNEMO_RETURN_IF_ERROR(CheckPng(png_path, page->data));
  return ReadManifest(json_path, page);
}

}  // namespace mnemo::workload
