// wsnas-data: check a dataset directory (counts, shape, classes, splits), write synthetic
// datasets in the real CIFAR binary format or JPEG folders, and write a text corpus in the Penn
// Treebank's format from plain text.
#include <iostream>

#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/dataset.h"
#include "wsnas/data/text.h"

namespace {

using namespace wsnas;
namespace po = options::po;

int body(app::Context& ctx) {
  std::string command, dataset, dir, split, out, kind;
  std::int64_t n_train = 0, n_test = 0;
  int classes = 10;
  std::uint64_t seed = 0;
  std::vector<std::string> inputs;
  data::TextConvertOptions text;
  options::Parser parser(
      ctx.name,
      ctx.name +
          " COMMAND [options]\n"
          "Commands:\n"
          "  info   read a dataset and print its sizes, shape, classes and splits\n"
          "  synth  write a synthetic CIFAR-10/100 directory in the binary format, or an\n"
          "         ImageNet-style folder of JPEG files (--kind imagenet)\n"
          "  text   write ptb.{train,valid,test}.txt from plain-text FILES (lower case, numbers\n"
          "         as N, rare words as <unk>), e.g.\n"
          "         wsnas-data text --out data/ptb-licenses /usr/share/common-licenses/*\n");
  po::options_description g("Dataset");
  g.add_options()("command", po::value(&command), "info | synth | text (or first positional)")(
      "dataset", po::value(&dataset)->default_value("fashion-mnist"),
      join(data::dataset_names(), " | ").c_str())(
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
      "seed", po::value(&seed)->default_value(0), "synth: random seed")(
      "input", po::value(&inputs)->multitoken(), "text: plain-text files (or positional)")(
      "vocab", po::value(&text.vocab)->default_value(text.vocab),
      "text: vocabulary size with <unk> and <eos> (PTB: 10000)")(
      "min-count", po::value(&text.min_count)->default_value(text.min_count),
      "text: words seen fewer times in training sentences become <unk>")(
      "every", po::value(&text.every)->default_value(text.every),
      "text: of every K sentences, the (K-1)th goes to valid and the Kth to test");
  parser.add(g);
  parser.positional("command", 1);
  parser.positional("input", -1);
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  WSNAS_CHECK_USAGE(!command.empty(), "missing COMMAND (info, synth or text; see --help)");
  app::require_serial(ctx);
  if (command == "info") {
    if (dir.empty()) dir = data::default_dataset_dir(dataset);
    const auto bundle = data::load_bundle(dataset, dir, {split});
    std::cout << "dataset: " << dataset << "\ndirectory: " << dir << "\n"
              << bundle.train_set->describe() << "\ntraining set: " << bundle.train_set->size()
              << "\ntest set: " << bundle.test_set->size() << "\nsplit: " << bundle.protocol
              << " (train " << bundle.train.size() << ", valid " << bundle.valid.size() << ", test "
              << bundle.test.size() << ")\n";
  } else if (command == "text") {
    WSNAS_CHECK_USAGE(!out.empty(), "text: --out DIR is required");
    const auto st = data::write_text_corpus(inputs, out, text);
    std::cout << "wrote " << out << "/ptb.{train,valid,test}.txt: sentences " << st.sentences[0]
              << " / " << st.sentences[1] << " / " << st.sentences[2] << ", tokens " << st.tokens[0]
              << " / " << st.tokens[1] << " / " << st.tokens[2] << ", vocabulary " << st.vocab
              << "\n";
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
    throw UsageError("unknown command '" + command + "' (expected info, synth or text)");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-data", body); }
