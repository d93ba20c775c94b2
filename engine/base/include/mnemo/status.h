// Copyright (c) mnemo authors.
//
// Status: the one error vocabulary of every mnemo module (engine, codec, gpu,
// tools). A Status is either OK or carries a code and a message that names the
// thing that went wrong (record id, file, flag). Third-party errors (RocksDB
// statuses, FreeType/libpng/zstd error codes, CUresult) are converted to a
// Status at the edge of the module that calls the library.
//
// An OK status costs one null pointer; creating an error allocates.
// Thread safety: a Status is a value; distinct objects may be used from
// different threads without synchronization.

#ifndef MNEMO_STATUS_H_
#define MNEMO_STATUS_H_

#include <memory>
#include <string>
#include <string_view>

namespace mnemo {

class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound = 1,
    kCorruption = 2,
    kNotSupported = 3,
    kInvalidArgument = 4,
    kIOError = 5,
    kResourceExhausted = 6,  // a budget, pool or quota is used up
    kBusy = 7,               // locked by another process / try again
    kAborted = 8,            // cancelled by the caller
    kAlreadyExists = 9,
    kFailedPrecondition = 10,  // state does not allow the call (e.g. closed)
  };

  // Creates an OK status.
  Status() noexcept = default;
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&& other) noexcept = default;
  Status& operator=(Status&& other) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return {Code::kNotFound, msg}; }
  static Status Corruption(std::string_view msg) {
    return {Code::kCorruption, msg};
  }
  static Status NotSupported(std::string_view msg) {
    return {Code::kNotSupported, msg};
  }
  static Status InvalidArgument(std::string_view msg) {
    return {Code::kInvalidArgument, msg};
  }
  static Status IOError(std::string_view msg) { return {Code::kIOError, msg}; }
  static Status ResourceExhausted(std::string_view msg) {
    return {Code::kResourceExhausted, msg};
  }
  static Status Busy(std::string_view msg) { return {Code::kBusy, msg}; }
  static Status Aborted(std::string_view msg) { return {Code::kAborted, msg}; }
  static Status AlreadyExists(std::string_view msg) {
    return {Code::kAlreadyExists, msg};
  }
  static Status FailedPrecondition(std::string_view msg) {
    return {Code::kFailedPrecondition, msg};
  }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsNotSupported() const { return code() == Code::kNotSupported; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsResourceExhausted() const {
    return code() == Code::kResourceExhausted;
  }
  bool IsBusy() const { return code() == Code::kBusy; }
  bool IsAborted() const { return code() == Code::kAborted; }
  bool IsAlreadyExists() const { return code() == Code::kAlreadyExists; }
  bool IsFailedPrecondition() const {
    return code() == Code::kFailedPrecondition;
  }

  // The message alone ("" for OK).
  const std::string& message() const;
  // "OK" or "<Code name>: <message>", e.g. "NotFound: record 42".
  std::string ToString() const;
  // Returns a status with the same code and "<context>: <message>".
  Status WithContext(std::string_view context) const;

  static const char* CodeName(Code code);

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view msg);
  std::unique_ptr<State> state_;
};

// Evaluates `expr` (a Status) and returns it from the enclosing function
// when it is not OK.
#define MNEMO_RETURN_IF_ERROR(expr)              \
  do {                                           \
    ::mnemo::Status mnemo_status_tmp_ = (expr);  \
    if (!mnemo_status_tmp_.ok()) return mnemo_status_tmp_; \
  } while (0)

}  // namespace mnemo

#endif  // MNEMO_STATUS_H_
