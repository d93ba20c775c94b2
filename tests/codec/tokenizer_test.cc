// Copyright (c) mnemo authors.
//
// Tokenizer tests. A test vocabulary written by each test covers the file
// parsers, the merge order and the pre-tokenizer families; the real o200k
// and cl100k vocabularies (fetched by tools/install_deps.sh into
// /var/cache/mnemo/vocab, or $MNEMO_VOCAB_DIR) are checked against counts
// printed by the reference implementation and, when node is installed,
// against that implementation run on varied text.

#include "mnemo/codec/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tokenizer_test_util.h"

namespace mnemo::codec {
namespace {

using test::Base64;
using test::NaiveBpe;
using test::TempDir;
using test::WriteIn;

// 256 single bytes (ranks 0..255) plus `extra` tokens ranked from 256.
std::vector<std::string> TestVocab(const std::vector<std::string>& extra) {
  std::vector<std::string> v;
  for (int b = 0; b < 256; ++b) v.emplace_back(1, static_cast<char>(b));
  v.insert(v.end(), extra.begin(), extra.end());
  return v;
}

std::string WriteTiktoken(const TempDir& dir, const std::string& name,
                          const std::vector<std::string>& vocab) {
  std::string body;
  for (size_t r = 0; r < vocab.size(); ++r) {
    body += Base64(vocab[r]) + " " + std::to_string(r) + "\n";
  }
  return WriteIn(dir, name, body);
}

std::unique_ptr<Tokenizer> MustOpen(const std::string& path) {
  std::unique_ptr<Tokenizer> t;
  Status s = Tokenizer::Open(path, &t);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return t;
}

std::vector<uint32_t> Ids(const Tokenizer& t, std::string_view text) {
  std::vector<uint32_t> ids;
  EXPECT_TRUE(t.Encode(text, &ids).ok());
  EXPECT_EQ(ids.size(), t.Count(text));
  return ids;
}

TEST(TokenizerTest, MergesLowestRankFirstLikeTiktoken) {
  TempDir dir;
  // Competing merges over a 4-letter alphabet: the order decides the result.
  const std::vector<std::string> extra = {"ab", "bc", "ca", "abc", "cab",
                                          "bca", "aa", "aab", "dd", "ddd",
                                          "abca", "bcab"};
  const auto vocab = TestVocab(extra);
  auto t = MustOpen(WriteTiktoken(dir, "test_o200k.tiktoken", vocab));
  ASSERT_NE(t, nullptr);
  std::map<std::string, uint32_t> ranks;
  for (size_t r = 0; r < vocab.size(); ++r) ranks[vocab[r]] = r;
  std::mt19937 rng(7);
  for (int round = 0; round < 400; ++round) {
    // Lengths up to 200 reach the heap-based merge used for long pieces.
    const size_t n = 1 + rng() % (round < 300 ? 40 : 200);
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "abcd"[rng() % 4];
    EXPECT_EQ(Ids(*t, s), NaiveBpe(ranks, s)) << s;
  }
  EXPECT_EQ(t->name(), "test_o200k");
  EXPECT_EQ(t->vocabulary_size(), vocab.size());
}

// Pre-tokenization: each expected piece is a whole token, so the ids equal
// the pieces' ranks exactly when the text splits into exactly those pieces.
void ExpectPieces(const std::string& encoding,
                  const std::vector<std::vector<std::string>>& cases) {
  std::vector<std::string> extra;
  for (const auto& pieces : cases) {
    for (const auto& p : pieces) {
      if (p.size() > 1) extra.push_back(p);
    }
  }
  std::sort(extra.begin(), extra.end());
  extra.erase(std::unique(extra.begin(), extra.end()), extra.end());
  const auto vocab = TestVocab(extra);
  std::map<std::string, uint32_t> rank;
  for (size_t r = 0; r < vocab.size(); ++r) rank[vocab[r]] = r;
  TempDir dir;
  auto t = MustOpen(WriteTiktoken(dir, "test_" + encoding + ".tiktoken", vocab));
  ASSERT_NE(t, nullptr);
  for (const auto& pieces : cases) {
    std::string text;
    std::vector<uint32_t> want;
    for (const auto& p : pieces) text += p, want.push_back(rank[p]);
    EXPECT_EQ(Ids(*t, text), want) << encoding << ": \"" << text << "\"";
  }
}

TEST(TokenizerTest, O200kPreTokenizer) {
  ExpectPieces("o200k", {
      {"Hello", " world", "!"},
      {"HTTPServer's", " API"},
      {"123", "45"},
      {"a", "  ", " b"},
      {"x", "  \n\n", " ", " y"},
      {"foo", "://\n"},
      {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},  // one CJK run
      {"a", "\xff", "b"},                         // invalid byte alone
      {"end", "  "},                              // trailing blanks stay
  });
}

TEST(TokenizerTest, Cl100kPreTokenizer) {
  ExpectPieces("cl100k", {
      {"HTTPServer", "'s", " API"},
      {"123", "45"},
      {"foo", "://\n"},
      {"x", "  \n\n", " ", " y"},
      {"\tindent"},
      {"can", "'T"},
  });
}

TEST(TokenizerTest, Gpt2PreTokenizer) {
  ExpectPieces("gpt2", {
      {"12345"},
      {"can", "'t"},
      {"a", "  ", " b"},
      {"x", "\n", "\n", "y"},
      {"Hello", ",", " world"},
  });
}

TEST(TokenizerTest, JsModuleAndTokenizerJsonMatchRanksFile) {
  TempDir dir;
  const auto vocab = TestVocab({"ab", "bc", "abc", " a", " ab", "cc"});
  auto ranks = MustOpen(WriteTiktoken(dir, "test_gpt2.tiktoken", vocab));
  auto js = MustOpen(WriteIn(dir, "test_gpt2.json", test::JsModule(vocab)));
  auto hf = MustOpen(WriteIn(dir, "tokenizer.json", test::HfTokenizerJson(vocab)));
  ASSERT_TRUE(ranks && js && hf);
  for (std::string text : {"abc ab cc abcabc", "a b c  abca\n\nbc", "\xc3\xa9t\xc3\xa9"}) {
    const auto want = Ids(*ranks, text);
    EXPECT_EQ(Ids(*js, text), want) << text;
    // The tokenizer.json numbers tokens in reverse: ids = size - 1 - rank.
    std::vector<uint32_t> hf_want;
    for (uint32_t r : want) hf_want.push_back(vocab.size() - 1 - r);
    EXPECT_EQ(Ids(*hf, text), hf_want) << text;
  }
}

TEST(TokenizerTest, BadFilesGiveClearErrors) {
  TempDir dir;
  std::unique_ptr<Tokenizer> t;
  Status s = Tokenizer::Open(dir.path() + "/missing_o200k.tiktoken", &t);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  const std::string bad_line = WriteIn(dir, 
      "bad_o200k.tiktoken", Base64("a") + " 0\n" + Base64("b") + " 1\nnot a line\n");
  s = Tokenizer::Open(bad_line, &t);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("bad_o200k.tiktoken:3"), std::string::npos) << s.ToString();
  s = Tokenizer::Open(WriteIn(dir, "short_o200k.tiktoken", Base64("a") + " 0\n"), &t);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();  // lacks 255 single bytes
  s = Tokenizer::Open(WriteIn(dir, "vocab.tiktoken", Base64("a") + " 0\n"), &t);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();  // no pattern in the name
  s = Tokenizer::Open(
      WriteIn(dir, "odd.json", R"({"pat_str":"\\w+","bpe_ranks":"! 0 YQ=="})"), &t);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.ToString().find("\\w+"), std::string::npos) << s.ToString();
  const std::string huge(3 * Tokenizer::kMaxTokenBytes, 'x');
  s = Tokenizer::Open(WriteIn(dir, "long_o200k.tiktoken", Base64(huge) + " 0\n"), &t);
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
  s = Tokenizer::Open(WriteIn(dir, "broken.json", "{\"model\": "), &t);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(t, nullptr);
}

TEST(TokenizerTest, ConcurrentCountsAgree) {
  TempDir dir;
  auto t = MustOpen(WriteTiktoken(dir, "test_o200k.tiktoken",
                                  TestVocab({"ab", "abab", " the", "th"})));
  ASSERT_NE(t, nullptr);
  const std::string text = "abab the ababab th\n" + std::string(300, 'a');
  const size_t want = t->Count(text);
  std::vector<std::thread> threads;
  std::vector<size_t> got(4);
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) got[i] = t->Count(text);
    });
  }
  for (auto& th : threads) th.join();
  for (size_t g : got) EXPECT_EQ(g, want);
}

TEST(TokenizerTest, CountTextTokensFallsBackToEstimate) {
  EXPECT_EQ(TextTokenCounterName(nullptr), "calibrated-o200k-v1");
  EXPECT_GT(CountTextTokens(nullptr, "some words of prose"), 0u);
  EXPECT_EQ(CountTextTokens(nullptr, ""), 0u);
}

}  // namespace
}  // namespace mnemo::codec
