// bench_imagenet: decoded + augmented ImageNet images per second, per core and for all cores:
// the loader's file-backed path (read the JPEG, libjpeg-turbo decode with DCT scaling,
// RandomResizedCrop 224 or resize 256 + centre crop, flip, colour jitter, normalisation) on an
// image folder. Without --data-dir it writes --images synthetic JPEGs of ImageNet's typical size
// (500 x 375, quality 90, textured) to a temporary folder first. Goal (issue 12): 250 images/s
// per core, scaling with the cores.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/data/dataset.h"
#include "wsnas/data/image_folder.h"
#include "wsnas/data/loader.h"

namespace {

using namespace wsnas;
namespace po = options::po;
using Clock = std::chrono::steady_clock;

// ImageNet-like content: smooth shapes plus fine texture, so the JPEG has realistic entropy.
void write_images(const std::string& dir, int n, int w, int h) {
  std::filesystem::create_directories(dir + "/train/n00000000");
  Rng rng(1);
  data::RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.resize(static_cast<std::size_t>(w) * h * 3);
  for (int i = 0; i < n; ++i) {
    const double fx = 2 + 10 * rng.uniform(), fy = 2 + 10 * rng.uniform();
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          const double v = 128 +
                           70 * std::sin(fx * x / w * 6.28 + c) * std::cos(fy * y / h * 6.28) +
                           60 * (rng.uniform() - 0.5);
          img.pixels[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
              static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));
        }
    char name[64];
    std::snprintf(name, sizeof name, "/train/n00000000/img_%05d.JPEG", i);
    data::write_jpeg(dir + name, img, 90);
  }
}

double rate(const data::ImageDataset& d, const data::Augment& aug, int threads, int batch,
            int rounds) {
  std::vector<std::int64_t> ids(static_cast<std::size_t>(batch));
  std::vector<std::uint64_t> seeds(ids.size());
  const auto t0 = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < batch; ++i) {
      ids[static_cast<std::size_t>(i)] = (static_cast<std::int64_t>(r) * batch + i) % d.size();
      seeds[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(r * batch + i);
    }
    (void)data::make_image_tensor(d, ids, aug, seeds, threads);
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(batch) * rounds / s;
}

int body(app::Context& ctx) {
  std::string dir;
  int images = 256, batch = 128, rounds = 4, threads = 0, width = 500, height = 375;
  options::Parser parser(ctx.name, ctx.name + " [options]");
  po::options_description g("Benchmark");
  g.add_options()("data-dir", po::value(&dir)->default_value(""),
                  "an ImageNet folder (train/<wnid>/*.JPEG); default: synthetic JPEGs")(
      "images", po::value(&images)->default_value(256), "synthetic images to write")(
      "width", po::value(&width)->default_value(500), "synthetic image width")(
      "height", po::value(&height)->default_value(375), "synthetic image height")(
      "batch", po::value(&batch)->default_value(128), "images per batch")(
      "rounds", po::value(&rounds)->default_value(4), "timed batches per measurement")(
      "threads", po::value(&threads)->default_value(0),
      "decode threads for the all-cores figure (0: the machine's cores)");
  parser.add(g);
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  std::string tmp;
  if (dir.empty()) {
    char pattern[] = "/tmp/wsnas-bench-imagenet-XXXXXX";
    WSNAS_CHECK(mkdtemp(pattern) != nullptr, "cannot make a temporary folder");
    tmp = dir = pattern;
    write_images(dir, images, width, height);
  }
  const auto d = data::read_image_folder(dir + "/train", "imagenet", 224);
  const int cores = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  const auto stats = data::channel_stats(d);
  const auto train = data::Augment::imagenet_train(stats), eval = data::Augment::eval(stats);
  (void)rate(d, train, 1, std::min(batch, 8), 1);  // warm the page cache
  const double t1 = rate(d, train, 1, batch, rounds), tn = rate(d, train, cores, batch, rounds);
  const double e1 = rate(d, eval, 1, batch, rounds), en = rate(d, eval, cores, batch, rounds);
  double bytes = 0;
  for (const auto& f : d.files) bytes += static_cast<double>(std::filesystem::file_size(f));
  std::printf("bench_imagenet: %lld images in %s (%s; mean file %.0f KB), batches of %d x %d\n",
              static_cast<long long>(d.size()), dir.c_str(),
              tmp.empty() ? "given" : "synthetic JPEGs, written first",
              bytes / static_cast<double>(d.size()) / 1024, batch, rounds);
  std::printf(
      "training (RandomResizedCrop 224, flip, jitter): %.0f images/s on 1 core, %.0f on %d "
      "(%.0f per core, scaling %.2f)\n",
      t1, tn, cores, tn / cores, tn / t1);
  std::printf(
      "evaluation (resize 256, centre crop 224): %.0f images/s on 1 core, %.0f on %d (%.0f per "
      "core)\n",
      e1, en, cores, en / cores);
  if (!tmp.empty()) std::filesystem::remove_all(tmp);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "bench_imagenet", body); }
