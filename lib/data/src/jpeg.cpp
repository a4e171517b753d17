// JPEG decoding and encoding with libjpeg(-turbo)'s API. libjpeg reports errors by calling
// error_exit, which must not return: the functions below longjmp back to their setjmp, so only
// plain C data lives in the frames between (C++ objects are owned by the callers).
#include <csetjmp>
#include <cstdio>  // before jpeglib.h, which uses FILE and size_t without including them
#include <cstring>

// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include "wsnas/core/error.h"
#include "wsnas/data/image_folder.h"

namespace wsnas::data {

namespace {

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  int truncated;
};

void on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<ErrorManager*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings: a premature end of data (a truncated file, decoded as grey) fails the image; other
// corrupt-data warnings (extraneous bytes before a marker, found in real ImageNet files) do not.
void on_message(j_common_ptr c, int level) {
  auto* e = reinterpret_cast<ErrorManager*>(c->err);
  if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) {
    e->truncated = 1;
    (*c->err->format_message)(c, e->message);
  }
}

// 0 on success; -1 with `message` set otherwise. `out`/`cols` receive the decoded size; `pixels`
// (RGB, allocated by `alloc`) the data when `decode` is set.
int run_decoder(const unsigned char* data, unsigned long size, int denom, int decode, int* width,
                int* height, std::uint8_t* (*alloc)(void*, int, int), void* ctx, char* message) {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  std::memset(&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  err.truncated = 0;
  err.message[0] = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    std::snprintf(message, JMSG_LENGTH_MAX, "%s", err.message);
    return -1;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, size);
  jpeg_read_header(&cinfo, TRUE);
  // A header is 600 bytes of a file; the image it promises is allocated whole. A corrupt or
  // crafted one (65000 x 65000: minutes and gigabytes in one decode thread, found by fuzz_jpeg's
  // review) is refused like any unreadable file. 2^28 pixels is 16384 x 16384.
  constexpr double kMaxPixels = 268435456.0;
  if (static_cast<double>(cinfo.image_width) * cinfo.image_height > kMaxPixels) {
    std::snprintf(message, JMSG_LENGTH_MAX,
                  "an image of %u x %u pixels, more than the 268435456 (16384 x 16384) wsnas "
                  "decodes (a corrupt header?)",
                  cinfo.image_width, cinfo.image_height);
    jpeg_destroy_decompress(&cinfo);
    return -1;
  }
  if (!decode) {
    *width = static_cast<int>(cinfo.image_width);
    *height = static_cast<int>(cinfo.image_height);
    jpeg_destroy_decompress(&cinfo);
    return 0;
  }
  const int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  cinfo.scale_num = 1;
  cinfo.scale_denom = static_cast<unsigned>(denom);
  jpeg_start_decompress(&cinfo);
  const int w = static_cast<int>(cinfo.output_width), h = static_cast<int>(cinfo.output_height);
  *width = w;
  *height = h;
  std::uint8_t* dst = alloc(ctx, w, h);
  JSAMPARRAY row = (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE,
                                              static_cast<JDIMENSION>(w * (cmyk ? 4 : 3)), 1);
  while (cinfo.output_scanline < cinfo.output_height) {
    const int y = static_cast<int>(cinfo.output_scanline);
    jpeg_read_scanlines(&cinfo, row, 1);
    std::uint8_t* out = dst + static_cast<std::size_t>(y) * w * 3;
    if (!cmyk) {
      std::memcpy(out, row[0], static_cast<std::size_t>(w) * 3);
    } else {
      // Adobe's inverted CMYK (what libjpeg returns for these files): channel x K / 255.
      for (int x = 0; x < w; ++x) {
        const unsigned char* p = row[0] + 4 * x;
        for (int c = 0; c < 3; ++c) out[3 * x + c] = static_cast<std::uint8_t>(p[c] * p[3] / 255);
      }
    }
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (err.truncated) {
    std::snprintf(message, JMSG_LENGTH_MAX, "%s", err.message);
    return -1;
  }
  return 0;
}

std::uint8_t* alloc_image(void* ctx, int w, int h) {
  auto* img = static_cast<RgbImage*>(ctx);
  img->width = w;
  img->height = h;
  img->pixels.resize(static_cast<std::size_t>(w) * h * 3);
  return img->pixels.data();
}

}  // namespace

bool jpeg_size(const std::vector<std::uint8_t>& bytes, int& width, int& height,
               std::string& error) {
  char message[JMSG_LENGTH_MAX] = {0};
  if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) {
    error = "not a JPEG file (no SOI marker)";
    return false;
  }
  if (run_decoder(bytes.data(), bytes.size(), 1, 0, &width, &height, nullptr, nullptr, message) !=
      0) {
    error = message;
    return false;
  }
  return true;
}

bool decode_jpeg(const std::vector<std::uint8_t>& bytes, int denom, RgbImage& out,
                 std::string& error) {
  WSNAS_ASSERT(denom == 1 || denom == 2 || denom == 4 || denom == 8, "JPEG scale 1/", denom);
  char message[JMSG_LENGTH_MAX] = {0};
  int w = 0, h = 0;
  if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) {
    error = "not a JPEG file (no SOI marker)";
    return false;
  }
  if (run_decoder(bytes.data(), bytes.size(), denom, 1, &w, &h, alloc_image, &out, message) != 0) {
    error = message;
    return false;
  }
  return true;
}

void write_jpeg(const std::string& path, const RgbImage& image, int quality) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  WSNAS_CHECK_INPUT(f != nullptr, "cannot write JPEG '", path, "'");
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, f);
  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(
        image.pixels.data() + static_cast<std::size_t>(cinfo.next_scanline) * image.width * 3);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::fclose(f);
}

}  // namespace wsnas::data
