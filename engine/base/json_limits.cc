// Copyright (c) mnemo authors.

#include "mnemo/json_limits.h"

#include <string>

namespace mnemo {

Status CheckJsonDepth(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return Status::InvalidArgument(
            "JSON nests deeper than " + std::to_string(max_depth) +
            " levels (at byte " + std::to_string(i + 1) + ")");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      // Unbalanced closers are the parser's to reject; never go below 0,
      // so "]]]" cannot buy room for deeper nesting later.
      --depth;
    }
  }
  return Status::OK();
}

}  // namespace mnemo
