// Copyright (c) mnemo authors.

#include "keys.h"

#include "coding.h"

namespace mnemo::internal {

std::string RecordKey(RecordId id) {
  std::string key;
  PutBigEndian64(&key, id);
  return key;
}

RecordId DecodeRecordKey(std::string_view key) {
  return DecodeBigEndian64(key.data());
}

std::string HistoryKey(RecordId id, uint32_t version) {
  std::string key;
  PutBigEndian64(&key, id);
  PutBigEndian32(&key, version);
  return key;
}

std::string HistoryPrefix(RecordId id) { return RecordKey(id); }

namespace {

void AppendAgentPrefix(char tag, std::string_view tenant,
                       std::string_view agent, std::string* out) {
  out->push_back(tag);
  out->append(tenant);
  out->push_back('\0');
  out->append(agent);
  out->push_back('\0');
}

}  // namespace

std::string AgentIndexPrefix(std::string_view tenant, std::string_view agent) {
  std::string key;
  key.reserve(3 + tenant.size() + agent.size() + 16);
  AppendAgentPrefix(kTimeIndexTag, tenant, agent, &key);
  return key;
}

void AppendTimeIndexKey(std::string_view tenant, std::string_view agent,
                        Micros event_time, RecordId id, std::string* out) {
  AppendAgentPrefix(kTimeIndexTag, tenant, agent, out);
  PutOrderedTime(out, event_time);
  PutBigEndian64(out, id);
}

std::string TimeIndexKey(std::string_view tenant, std::string_view agent,
                         Micros event_time, RecordId id) {
  std::string key;
  AppendTimeIndexKey(tenant, agent, event_time, id, &key);
  return key;
}

void AppendLocation(uint32_t slot, Micros event_time, std::string* out) {
  PutBigEndian32(out, slot);
  PutOrderedTime(out, event_time);
}

std::string ClusteredKey(uint32_t slot, Micros event_time, RecordId id) {
  std::string key;
  key.reserve(kClusteredKeySize);
  AppendLocation(slot, event_time, &key);
  PutBigEndian64(&key, id);
  return key;
}

std::string SlotPrefix(uint32_t slot) {
  std::string key;
  PutBigEndian32(&key, slot);
  return key;
}

RecordId RecordIdOfKey(std::string_view key) {
  return key.size() < 8 ? 0 : DecodeBigEndian64(key.data() + key.size() - 8);
}

KeyFields KeyFieldsOf(std::string_view key) {
  if (key.size() != kClusteredKeySize) return {RecordIdOfKey(key), 0};
  return {DecodeBigEndian64(key.data() + 12),
          DecodeOrderedTime(key.data() + 4)};
}

bool ParseLocation(std::string_view value, uint32_t* slot, Micros* time) {
  if (value.size() != kLocationSize) return false;
  *slot = DecodeBigEndian32(value.data());
  *time = DecodeOrderedTime(value.data() + 4);
  return true;
}

std::string SlotKey(std::string_view tenant, std::string_view agent) {
  std::string key(kSlotKeyPrefix);
  key.append(tenant);
  key.push_back('\0');
  key.append(agent);
  return key;
}

std::string SlotNameKey(uint32_t slot) {
  std::string key(kSlotNameKeyPrefix);
  PutBigEndian32(&key, slot);
  return key;
}

bool ParseTimeIndexSuffix(std::string_view key, size_t prefix_len,
                          Micros* time, RecordId* id) {
  if (key.size() != prefix_len + 16) return false;
  *time = DecodeOrderedTime(key.data() + prefix_len);
  *id = DecodeBigEndian64(key.data() + prefix_len + 8);
  return true;
}

std::string NamespaceAgentPrefix(std::string_view tenant,
                                 std::string_view agent) {
  std::string key;
  AppendAgentPrefix(kNamespaceTag, tenant, agent, &key);
  return key;
}

std::string NamespaceTenantPrefix(std::string_view tenant) {
  std::string key(1, kNamespaceTag);
  key.append(tenant);
  key.push_back('\0');
  return key;
}

void AppendNamespaceKey(const Namespace& ns, std::string* out) {
  AppendAgentPrefix(kNamespaceTag, ns.tenant, ns.agent, out);
  out->append(ns.session);
  out->push_back('\0');
}

std::string NamespaceKey(const Namespace& ns) {
  std::string key;
  AppendNamespaceKey(ns, &key);
  return key;
}

bool ParseNamespaceKey(std::string_view key, Namespace* ns) {
  if (key.empty() || key[0] != kNamespaceTag || key.back() != '\0') {
    return false;
  }
  key.remove_prefix(1);
  key.remove_suffix(1);
  size_t a = key.find('\0');
  if (a == std::string_view::npos) return false;
  size_t b = key.find('\0', a + 1);
  if (b == std::string_view::npos) return false;
  ns->tenant.assign(key.substr(0, a));
  ns->agent.assign(key.substr(a + 1, b - a - 1));
  ns->session.assign(key.substr(b + 1));
  return true;
}

std::string AgeKey(uint8_t bucket, Micros event_time, RecordId id) {
  std::string key = AgeBucketPrefix(bucket);
  PutOrderedTime(&key, event_time);
  PutBigEndian64(&key, id);
  return key;
}

std::string AgeBucketPrefix(uint8_t bucket) {
  std::string key(1, kAgeTag);
  key.push_back(static_cast<char>(bucket));
  return key;
}

bool ParseAgeKey(std::string_view key, uint8_t* bucket, Micros* time,
                 RecordId* id) {
  if (key.size() != 18 || key[0] != kAgeTag) return false;
  *bucket = static_cast<uint8_t>(key[1]);
  *time = DecodeOrderedTime(key.data() + 2);
  *id = DecodeBigEndian64(key.data() + 10);
  return true;
}

std::string PageKey(uint64_t page_id) {
  std::string key(1, kPageTag);
  PutBigEndian64(&key, page_id);
  return key;
}

std::string LivePrefix(uint64_t page_id) {
  std::string key(1, kLiveTag);
  PutBigEndian64(&key, page_id);
  return key;
}

std::string LiveKey(uint64_t page_id, RecordId id) {
  std::string key = LivePrefix(page_id);
  PutBigEndian64(&key, id);
  return key;
}

std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char last = static_cast<unsigned char>(prefix.back());
    if (last != 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;  // empty: no upper bound
}

void EncodeIndexEntry(const Record& record, std::string* out) {
  PutFixed64(out, static_cast<uint64_t>(record.expires_at));
  out->push_back(static_cast<char>(record.tier));
  PutLengthPrefixed(out, record.ns.session);
  PutLengthPrefixed(out, record.role);
  PutLengthPrefixed(out, record.kind);
}

bool DecodeIndexEntry(std::string_view value, IndexEntry* entry) {
  Reader in(value);
  uint64_t expires;
  uint8_t tier;
  if (!in.GetFixed64(&expires) || !in.GetByte(&tier) ||
      tier > static_cast<uint8_t>(Tier::kDecayed)) {
    return false;
  }
  entry->expires_at = static_cast<Micros>(expires);
  entry->tier = static_cast<Tier>(tier);
  return in.GetLengthPrefixed(&entry->session, kMaxNamespacePart) &&
         in.GetLengthPrefixed(&entry->role, kMaxLabel) &&
         in.GetLengthPrefixed(&entry->kind, kMaxLabel) && in.empty();
}

}  // namespace mnemo::internal
