// Copyright (c) mnemo authors.
//
// Untrusted strings in messages. A tenant, agent, session, role, kind,
// metadata key, file name or flag value comes from whoever calls mnemo; put
// raw into an error message it can cut the message short (a NUL reaching a
// C string), rewrite the user's terminal (ESC sequences), hide or reorder
// text (bidi overrides) or forge lines (newlines). Every message that
// embeds such a string quotes it with QuoteForMessage; the CLI passes each
// whole message through EscapeForTerminal before printing it.

#ifndef MNEMO_QUOTE_H_
#define MNEMO_QUOTE_H_

#include <string>
#include <string_view>

namespace mnemo {

// `text` in single quotes with printable UTF-8 as is and everything else
// escaped: C0 controls, DEL and bytes that are not valid UTF-8 as \xNN
// (\n, \r, \t for those three), C1 controls, bidi controls and the line/
// paragraph separators as \u{NNNN}; a backslash as \\ and a single quote
// as \' so the quoted text reads back unambiguously. At most `max_bytes`
// bytes of `text` are shown, then "..." (a message stays short even for a
// megabyte-long name). The result is printable ASCII plus printable UTF-8.
std::string QuoteForMessage(std::string_view text, size_t max_bytes = 256);

// `message` with the same escapes as QuoteForMessage except that newline
// and tab stay (multi-line messages) and backslashes and quotes are not
// touched (so text QuoteForMessage already escaped reads the same). For a
// whole message about to be printed on a terminal.
std::string EscapeForTerminal(std::string_view message);

}  // namespace mnemo

#endif  // MNEMO_QUOTE_H_
