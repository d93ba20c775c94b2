// Copyright (c) mnemo authors.
//
// UTF-8 decoding and the code point classes the layout needs.

#ifndef MNEMO_CODEC_SRC_UTF8_H_
#define MNEMO_CODEC_SRC_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mnemo::codec::internal {

// Decodes the code point at s[*pos] and advances *pos. Returns false (and
// leaves *pos) on invalid UTF-8: bad lead/continuation bytes, overlong forms,
// surrogates, values above U+10FFFF, truncation.
bool DecodeUtf8(std::string_view s, size_t* pos, char32_t* cp);

// Byte offset of the first invalid sequence, or npos when `s` is valid.
size_t FindInvalidUtf8(std::string_view s);

void AppendUtf8(char32_t cp, std::string* out);

// Why a code point cannot be laid out faithfully, or nullptr when it can.
const char* UnrenderableReason(char32_t cp);

// True for code points drawn as the escape "<U+XXXX>": C0 controls other
// than tab and newline, DEL, C1 controls, invisible format characters and
// bidi controls (U+200E/F, U+202A..E, U+2066..9).
bool IsEscapedControl(char32_t cp);

// "<U+001B>" (at least four hex digits).
std::string ControlEscape(char32_t cp);

// "U+05D0".
std::string CodePointName(char32_t cp);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_UTF8_H_
