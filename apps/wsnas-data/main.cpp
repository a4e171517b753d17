// wsnas-data: check a dataset directory (counts, shape, classes, splits) and write synthetic
// datasets in the real CIFAR binary format.
#include <iostream>

#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/data/dataset.h"

namespace {

using namespace wsnas;
namespace po = options::po;

int body(app::Context& ctx) {
  std::string command, dataset, dir, split, out, kind;
  std::int64_t n_train = 0, n_test = 0;
  int classes = 10;
  std::uint64_t seed = 0;
  options::Parser parser(
      ctx.name,
      ctx.name +
          " COMMAND [options]\n"
          "Commands:\n"
          "  info   read a dataset and print its sizes, shape, classes and splits\n"
          "  synth  write a synthetic CIFAR-10/100 directory in the binary format, or an\n"
          "         ImageNet-style folder of JPEG files (--kind imagenet)\n");
  po::options_description g("Dataset");
  g.add_options()("command", po::value(&command), "info | synth (or first positional)")(
      "dataset", po::value(&dataset)->default_value("fashion-mnist"),
      "cifar10 | cifar100 | fashion-mnist | mnist | imagenet")(
      "data-dir", po::value(&dir), "dataset directory (default: the dataset's standard location)")(
      "protocol", po::value(&split)->default_value("default"),
      "split protocol (as in the pipeline apps): nb101 | nb201 | nb201-cifar10-valid | "
      "nb201-halves | train-all | holdout:K | default")("out", po::value(&out),
                                                        "synth: output directory")(
      "kind",
      po::value(&kind)->default_value("cifar10")->notifier(
          options::one_of("kind", {"cifar10", "cifar100", "imagenet"})),
      "synth: cifar10 | cifar100 | imagenet")("classes", po::value(&classes)->default_value(10),
                                              "synth --kind imagenet: class folders")(
      "train", po::value(&n_train)->default_value(500), "synth: training images")(
      "test", po::value(&n_test)->default_value(100), "synth: test images")(
      "seed", po::value(&seed)->default_value(0), "synth: random seed");
  parser.add(g);
  parser.positional("command", 1);
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  WSNAS_CHECK_USAGE(!command.empty(), "missing COMMAND (info or synth; see --help)");
  if (ctx.world.rank() != 0) return 0;
  if (command == "info") {
    if (dir.empty()) dir = data::default_dataset_dir(dataset);
    auto train_set = data::load_dataset(dataset, dir, true);
    auto test_set = data::load_dataset(dataset, dir, false);
    auto bundle = data::make_bundle(std::move(train_set), std::move(test_set), split);
    const auto& d = bundle.train_set;
    std::cout << "dataset: " << dataset << "\ndirectory: " << dir << "\nimage: " << d.channels
              << "x" << d.height << "x" << d.width << "\nclasses: " << d.classes
              << "\ntraining set: " << bundle.train_set.size()
              << "\ntest set: " << bundle.test_set.size() << "\nsplit: " << bundle.protocol
              << " (train " << bundle.train.size() << ", valid " << bundle.valid.size() << ", test "
              << bundle.test.size() << ")\n";
  } else if (command == "synth") {
    WSNAS_CHECK_USAGE(!out.empty(), "synth: --out DIR is required");
    WSNAS_CHECK_USAGE(n_train >= 5 && n_test >= 1, "synth: --train must be >= 5 and --test >= 1");
    WSNAS_CHECK_USAGE(classes >= 1, "synth: --classes must be >= 1");
    if (kind == "imagenet")
      data::write_synthetic_image_folder(out, n_train, n_test, classes, seed);
    else
      data::write_synthetic_cifar(out, kind == "cifar100", n_train, n_test, seed);
    std::cout << "wrote synthetic " << kind << " (" << n_train << " train, " << n_test
              << " test) to " << out << '\n';
  } else {
    throw UsageError("unknown command '" + command + "' (expected info or synth)");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-data", body); }
