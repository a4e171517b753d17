#pragma once
/// Line-by-line reading of text files, gzip-compressed or plain alike.

#include <cstddef>
#include <string>

namespace wsnas {

/// Reads a text file one line at a time through zlib, which reads gzip-compressed and plain files
/// alike: published tables ship as `.csv.gz` (data/README.md) and every table reader takes both.
/// Move-only; the file is closed by the destructor.
class TextReader {
 public:
  /// Opens `path`; ok() is false when it cannot be opened (the caller's message says what it
  /// expected there).
  explicit TextReader(const std::string& path);
  ~TextReader();
  TextReader(TextReader&& other) noexcept;
  TextReader& operator=(TextReader&& other) noexcept;
  TextReader(const TextReader&) = delete;
  TextReader& operator=(const TextReader&) = delete;

  /// True when the file is open.
  bool ok() const { return file_ != nullptr; }
  explicit operator bool() const { return ok(); }
  /// The next line without its '\n' (as std::getline); false at the end of the file. Throws
  /// InputError naming the file on a corrupt or truncated gzip stream.
  bool getline(std::string& line);

 private:
  std::string path_;
  static constexpr std::size_t kChunk = 1 << 16;
  void* file_ = nullptr;  // gzFile, kept out of this header
  std::string buffer_;    // read ahead; lines start at pos_
  std::size_t pos_ = 0;
  bool eof_ = false;
};

}  // namespace wsnas
