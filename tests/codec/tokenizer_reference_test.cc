// Copyright (c) mnemo authors.
//
// The tokenizer against the real o200k_base and cl100k_base vocabularies of
// js-tiktoken 1.0.21 (MIT), which tools/install_deps.sh installs into
// /var/cache/mnemo/vocab ($MNEMO_VOCAB_DIR overrides). Skips, saying why,
// when the vocabulary or node is absent.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/codec/tokenizer.h"
#include "test_util.h"

namespace mnemo::codec {
namespace {

std::string VocabDir() {
  const char* env = std::getenv("MNEMO_VOCAB_DIR");
  return env != nullptr && *env ? env : "/var/cache/mnemo/vocab";
}

std::string RanksPath(const std::string& encoding) {
  return VocabDir() + "/node_modules/js-tiktoken/dist/ranks/" + encoding + ".js";
}

std::unique_ptr<Tokenizer> OpenReal(const std::string& encoding) {
  std::unique_ptr<Tokenizer> t;
  if (access(RanksPath(encoding).c_str(), R_OK) != 0) return t;
  Status s = Tokenizer::Open(RanksPath(encoding), &t);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return t;
}

const std::vector<std::string>& PinnedTexts() {
  static const std::vector<std::string> texts = {
      "The harbor town woke slowly that morning. Fishermen carried their nets "
      "down to the water.",
      "2024-03-01T12:00:07Z ERROR [db.pool] connection 0x7f3a2c timed out "
      "after 30000ms (retry 3/5)",
      R"({"id": "rec-00042", "role": "tool", "content": [1, 2.5, -3e10], "ok": true})",
      "int main(int argc, char** argv) {\n    return argc > 1 ? 0 : 1;\n}\n",
      "Caroline: I went hiking \xf0\x9f\x8f\x94\xef\xb8\x8f yesterday!! "
      "\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd Can't wait to go again.",
      "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xaf\xe6\x97\xa5\xe6\x9c\xac\xe3\x81\xae"
      "\xe9\xa6\x96\xe9\x83\xbd\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82\xe4\xba\xba"
      "\xe5\x8f\xa3\xe3\x81\xaf\xe7\xb4\x84" "1400\xe4\xb8\x87\xe4\xba\xba\xe3\x80\x82",
      "a    b\t\t\tc\n\n\n   \n  d",
      "3.14159265358979 1000000 0001 12,345,678",
      "<|endoftext|> is counted as text",
  };
  return texts;
}

// Counts printed by js-tiktoken 1.0.21 (encode(text, [], [])) for the texts
// above, by tools/vocab/tokenizer_reference.cjs.
TEST(TokenizerReferenceTest, PinnedCountsO200k) {
  auto t = OpenReal("o200k_base");
  if (!t) GTEST_SKIP() << "no " << RanksPath("o200k_base") << " (tools/install_deps.sh fetches it)";
  const std::vector<size_t> want = {18, 42, 36, 24, 22, 15, 9, 20, 11};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(t->Count(PinnedTexts()[i]), want[i]) << PinnedTexts()[i];
  }
  EXPECT_EQ(t->name(), "o200k_base");
  EXPECT_EQ(t->vocabulary_size(), 199998u);
}

TEST(TokenizerReferenceTest, PinnedCountsCl100k) {
  auto t = OpenReal("cl100k_base");
  if (!t) GTEST_SKIP() << "no " << RanksPath("cl100k_base") << " (tools/install_deps.sh fetches it)";
  const std::vector<size_t> want = {18, 42, 36, 24, 26, 21, 9, 20, 11};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(t->Count(PinnedTexts()[i]), want[i]) << PinnedTexts()[i];
  }
}

// Random texts built from fragments of every class the pre-tokenizers
// distinguish: cased words, contractions, digits of several scripts, marks,
// CJK, emoji with modifiers, blanks and line breaks of every kind.
std::vector<std::string> VariedTexts() {
  static const char* kFragments[] = {
      "Hello", "world", "camelCase", "HTTPServer", "ABC", "__init__", "'s",
      "'LL", "'re", "'", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ",
      "123", "4567", "0x7f", "3.14", "-", "/", "://", "{", "}", "\"", ",", ".",
      "...", "!?", "#", "```", "\xc3\xa9", "e\xcc\x81", "\xc7\x85",
      "\xca\xb0", "\xd9\xa3", "\xe2\x85\xab", "\xc2\xbd", "\xc2\xa0",
      "\xe3\x80\x80", "\xe6\x97\xa5\xe6\x9c\xac", "\xed\x95\x9c\xea\xb5\xad",
      "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
      "\xf0\x9f\x98\x80", "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
      "\xe2\x9b\xb0\xef\xb8\x8f", "\xf0\x9d\x90\x80",
  };
  std::vector<std::string> out = PinnedTexts();
  std::mt19937 rng(1234);
  for (int i = 0; i < 400; ++i) {
    std::string s;
    for (int k = 0, n = 1 + rng() % 24; k < n; ++k) {
      s += kFragments[rng() % std::size(kFragments)];
    }
    out.push_back(s);
  }
  out.push_back(std::string(3000, ' ') + "x" + std::string(2000, '=') + "\n");
  return out;
}

void CompareWithNode(const std::string& encoding) {
  auto t = OpenReal(encoding);
  if (!t) GTEST_SKIP() << "no " << RanksPath(encoding);
  std::string out;
  if (test::RunCommand("node --version", &out) != 0) {
    GTEST_SKIP() << "node is not installed: reference comparison skipped";
  }
  test::TempDir dir;
  const auto texts = VariedTexts();
  const std::string in = dir.Sub("texts.json");
  ASSERT_TRUE(test::WriteFile(in, nlohmann::json(texts).dump()));
  const std::string cmd = "node " + test::SourceDir() +
                          "/tools/vocab/tokenizer_reference.cjs " + VocabDir() +
                          " " + encoding + " < " + in;
  ASSERT_EQ(test::RunCommand(cmd, &out), 0) << cmd << "\n" << out;
  const auto counts = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(counts.is_array() && counts.size() == texts.size()) << out;
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(t->Count(texts[i]), counts[i].get<size_t>()) << "\"" << texts[i] << "\"";
  }
}

TEST(TokenizerReferenceTest, O200kMatchesReferenceOnVariedText) {
  CompareWithNode("o200k_base");
}

TEST(TokenizerReferenceTest, Cl100kMatchesReferenceOnVariedText) {
  CompareWithNode("cl100k_base");
}

}  // namespace
}  // namespace mnemo::codec
