// Copyright (c) mnemo authors.

#include "text_store.h"

#include "record_table.h"

namespace mnemo::internal {
namespace {

constexpr size_t kMinTrainingSamples = 200;
constexpr size_t kDictionaryBytes = 16 << 10;
constexpr int kZstdLevel = 3;

}  // namespace

Status TextStore::Load() {
  uint32_t current = 0;
  MNEMO_RETURN_IF_ERROR(table_->GetCurrentDictionary(&current));
  std::lock_guard<std::mutex> lock(mu_);
  current_ = current;
  return Status::OK();
}

uint32_t TextStore::current_dictionary() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Status TextStore::LoadDictionary(uint32_t dict_id, std::string* dict) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = dicts_.find(dict_id);
    if (it != dicts_.end()) {
      *dict = it->second;
      return Status::OK();
    }
  }
  bool found = false;
  MNEMO_RETURN_IF_ERROR(table_->GetDictionary(dict_id, dict, &found));
  if (!found) {
    return Status::Corruption("zstd dictionary " + std::to_string(dict_id) +
                              " is missing from the store");
  }
  std::lock_guard<std::mutex> lock(mu_);
  dicts_[dict_id] = *dict;
  return Status::OK();
}

Status TextStore::Acquire(uint32_t dict_id, Compressor* out) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& idle = idle_[dict_id];
    if (!idle.empty()) {
      *out = std::move(idle.back());
      idle.pop_back();
      return Status::OK();
    }
  }
  codec::TextCodecOptions options;
  options.level = kZstdLevel;
  if (dict_id != 0) MNEMO_RETURN_IF_ERROR(LoadDictionary(dict_id, &options.dictionary));
  return codec::TextCompressor::Create(options, out);
}

void TextStore::Release(uint32_t dict_id, Compressor c) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& idle = idle_[dict_id];
  if (idle.size() < 16) idle.push_back(std::move(c));
}

Status TextStore::Compress(std::string_view text, std::string* frame) {
  uint32_t dict_id = current_dictionary();
  Compressor c;
  MNEMO_RETURN_IF_ERROR(Acquire(dict_id, &c));
  Status s = c->Compress(text, frame);
  Release(dict_id, std::move(c));
  return s;
}

Status TextStore::Decompress(std::string_view frame, std::string_view what,
                             std::string* text) {
  uint32_t dict_id = codec::FrameDictionaryId(frame);
  Compressor c;
  Status s = Acquire(dict_id, &c);
  if (s.ok()) {
    s = c->Decompress(frame, text);
    Release(dict_id, std::move(c));
  }
  return s.ok() ? s : s.WithContext(std::string(what) + " text");
}

Status TextStore::MaybeTrain(const std::vector<std::string>& samples) {
  if (current_dictionary() != 0 || samples.size() < kMinTrainingSamples) {
    return Status::OK();
  }
  std::string dict;
  if (!codec::TrainDictionary(samples, kDictionaryBytes, &dict).ok()) {
    return Status::OK();  // too little variety to train: no dictionary
  }
  std::unique_ptr<codec::TextCompressor> probe;
  codec::TextCodecOptions options;
  options.dictionary = dict;
  MNEMO_RETURN_IF_ERROR(codec::TextCompressor::Create(options, &probe));
  uint32_t dict_id = probe->dictionary_id();
  if (dict_id == 0) return Status::OK();
  MNEMO_RETURN_IF_ERROR(table_->PutDictionary(dict_id, dict));
  std::lock_guard<std::mutex> lock(mu_);
  dicts_[dict_id] = std::move(dict);
  current_ = dict_id;
  return Status::OK();
}

}  // namespace mnemo::internal
