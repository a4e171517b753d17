#include "wsnas/core/text_reader.h"

#include <zlib.h>

#include <utility>

#include "wsnas/core/error.h"

namespace wsnas {

TextReader::TextReader(const std::string& path) : path_(path) {
  file_ = gzopen(path.c_str(), "rb");
  if (file_) gzbuffer(static_cast<gzFile>(file_), 1 << 16);
}

TextReader::~TextReader() {
  if (file_) gzclose(static_cast<gzFile>(file_));
}

TextReader::TextReader(TextReader&& other) noexcept
    : path_(std::move(other.path_)),
      file_(std::exchange(other.file_, nullptr)),
      buffer_(std::move(other.buffer_)),
      pos_(other.pos_),
      eof_(other.eof_) {}

TextReader& TextReader::operator=(TextReader&& other) noexcept {
  if (this != &other) {
    if (file_) gzclose(static_cast<gzFile>(file_));
    path_ = std::move(other.path_);
    file_ = std::exchange(other.file_, nullptr);
    buffer_ = std::move(other.buffer_);
    pos_ = other.pos_;
    eof_ = other.eof_;
  }
  return *this;
}

bool TextReader::getline(std::string& line) {
  line.clear();
  if (!file_) return false;
  auto* f = static_cast<gzFile>(file_);
  while (true) {
    const auto nl = buffer_.find('\n', pos_);
    if (nl != std::string::npos) {
      line.assign(buffer_, pos_, nl - pos_);
      pos_ = nl + 1;
      return true;
    }
    if (eof_) {
      if (pos_ >= buffer_.size()) return false;
      line.assign(buffer_, pos_, std::string::npos);  // a last line without '\n'
      pos_ = buffer_.size();
      return true;
    }
    // gzread, not gzgets: a NUL byte inside a line reaches the caller, whose check names it.
    buffer_.erase(0, pos_);
    pos_ = 0;
    const std::size_t have = buffer_.size();
    buffer_.resize(have + kChunk);
    const int n = gzread(f, &buffer_[have], kChunk);
    if (n < 0) {
      int err = Z_OK;
      const char* msg = gzerror(f, &err);
      throw InputError("file '" + path_ + "': cannot be read: " + msg + " (a corrupt gzip file?)");
    }
    buffer_.resize(have + static_cast<std::size_t>(n));
    if (n == 0) {
      int err = Z_OK;
      gzerror(f, &err);
      // Z_BUF_ERROR at the end: the gzip stream stops before its trailer.
      WSNAS_CHECK_INPUT(err == Z_OK, "file '", path_, "': the gzip stream is truncated");
      eof_ = true;
    }
  }
}

}  // namespace wsnas
