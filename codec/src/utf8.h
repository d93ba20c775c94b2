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

// How the layout draws a code point other than newline, space and tab.
enum class DrawAs : uint8_t {
  kGlyph,    // a glyph from the font chain (NotSupported when none has one)
  kEscape,   // the visible escape "<U+XXXX>" (see IsEscapedControl)
  kNothing,  // consumed: no glyph, no advance, its bytes still mapped
};

// Decides how `cp` is drawn; `prev` is the code point before it in the same
// item that is not a presentation selector (0 at the start). Presentation selectors (U+FE00..F, U+E0100..EF) are
// drawn as nothing: they pick a glyph variant (text/emoji style) of the
// character before, which stays drawn. U+200D ZERO WIDTH JOINER after an
// emoji is drawn as nothing: the sequence shows its components, the fallback
// display Unicode TR51 prescribes for unsupported ZWJ sequences; elsewhere it
// is escaped. U+20E3 COMBINING ENCLOSING KEYCAP is drawn (over the keycap
// base) after 0-9, '#', '*' (a U+FE0F between them is skipped as `prev`)
// and refused elsewhere. Other code points: kEscape when IsEscapedControl, else kGlyph
// (the caller first asks UnrenderableReason).
DrawAs HowToDraw(char32_t cp, char32_t prev);

// True for code points that end an emoji or continue an emoji sequence:
// pictographs, dingbats, regional indicators, skin-tone modifiers, keycap
// and emoji tags.
bool IsEmojiContext(char32_t cp);

// U+FE00..F and U+E0100..EF: select a glyph variant of the code point before.
bool IsPresentationSelector(char32_t cp);

// Why a code point cannot be laid out faithfully, or nullptr when it can.
// `prev` as for HowToDraw.
const char* UnrenderableReason(char32_t cp, char32_t prev);

// True for code points drawn as the escape "<U+XXXX>": C0 controls other
// than tab and newline, DEL, C1 controls, invisible format characters
// (U+200C ZWNJ among them), bidi controls (U+200E/F, U+202A..E, U+2066..9)
// and tag characters (U+E0001, U+E0020..7F: the subdivision of a tag-sequence
// flag such as England's stays readable as its tag letters).
bool IsEscapedControl(char32_t cp);

// "<U+001B>" (at least four hex digits).
std::string ControlEscape(char32_t cp);

// "U+05D0".
std::string CodePointName(char32_t cp);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_UTF8_H_
