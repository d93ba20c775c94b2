// Copyright (c) mnemo authors.

#include "mnemo/record.h"

#include <chrono>
#include <cstring>

#include "mnemo/options.h"
#include "mnemo/quote.h"

namespace mnemo {

const char* TierName(Tier tier) {
  switch (tier) {
    case Tier::kHot: return "hot";
    case Tier::kWarm: return "warm";
    case Tier::kPixels: return "pixels";
    case Tier::kDecayed: return "decayed";
  }
  return "unknown";
}

Status ParseTier(std::string_view name, Tier* tier) {
  for (Tier t : {Tier::kHot, Tier::kWarm, Tier::kPixels, Tier::kDecayed}) {
    if (name == TierName(t)) {
      *tier = t;
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown tier '" + std::string(name) +
                                 "' (expected hot, warm, pixels or decayed)");
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  while (i < n) {
    // Fast paths: ASCII, 32 bytes at a time, then 8 (records are mostly
    // ASCII prose, logs and code).
    if (i + 32 <= n) {
      uint64_t w[4];
      std::memcpy(w, p + i, 32);
      if (((w[0] | w[1] | w[2] | w[3]) & kHighBits) == 0) {
        i += 32;
        continue;
      }
    }
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & kHighBits) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

namespace {

Status CheckPart(std::string_view part, std::string_view what, size_t max) {
  if (part.empty()) {
    return Status::InvalidArgument(std::string(what) + " is empty");
  }
  if (part.size() > max) {
    return Status::InvalidArgument(std::string(what) + " is " +
                                   std::to_string(part.size()) +
                                   " bytes; the limit is " +
                                   std::to_string(max));
  }
  bool ascii = true;  // then valid UTF-8 without a second pass
  for (unsigned char c : part) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(std::string(what) + " " +
                                     QuoteForMessage(part, 64) +
                                     " contains a control character");
    }
    ascii &= c < 0x80;
  }
  if (!ascii && !IsValidUtf8(part)) {
    return Status::InvalidArgument(std::string(what) +
                                   " is not valid UTF-8");
  }
  return Status::OK();
}

}  // namespace

Status ValidateNamespace(const Namespace& ns) {
  MNEMO_RETURN_IF_ERROR(CheckPart(ns.tenant, "tenant", kMaxNamespacePart));
  MNEMO_RETURN_IF_ERROR(CheckPart(ns.agent, "agent", kMaxNamespacePart));
  return CheckPart(ns.session, "session", kMaxNamespacePart);
}

Status ValidateLabel(std::string_view label, std::string_view what) {
  return CheckPart(label, what, kMaxLabel);
}

uint64_t ContentHash(std::string_view text) {
  // FNV-1a over 8-byte words with a final avalanche (splitmix64): stable
  // across builds and platforms, fast enough for 1 MiB texts.
  uint64_t h = 0xcbf29ce484222325ull ^ text.size();
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  for (; i < text.size(); ++i) {
    h = (h ^ static_cast<unsigned char>(text[i])) * 0x100000001b3ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

std::string RecordIdToString(RecordId id) { return std::to_string(id); }

namespace {

class SystemClock final : public Clock {
 public:
  Micros NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

Clock* Clock::System() {
  static SystemClock* clock = new SystemClock();
  return clock;
}

}  // namespace mnemo
