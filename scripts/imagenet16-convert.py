#!/usr/bin/env python3
"""Convert the official downsampled ImageNet 16x16 files to wsnas' ImageNet16-120 binary files.

Run once, on the official files (image-net.org, "Downsampled ImageNet 16x16": Imagenet16_train
and Imagenet16_val unzipped into one folder, train_data_batch_1..10 and val_data):

    /usr/bin/python3 scripts/imagenet16-convert.py SRC_DIR OUT_DIR

Reads them as NAS-Bench-201 does (github.com/D-X-Y/AutoDL-Projects @ f46486e,
xautodl/datasets/DownsampledImageNet.py; the same code as lib/datasets/ before commit 94a149b):
  - md5 of all 11 files checked against its list (:41-55, :126-133); --no-md5 skips this, for
    the generated files of scripts/imagenet16-fake.py;
  - each file a pickle, loaded with encoding="latin1" (:75-79), a dict with 'data', an N x 768
    uint8 array, and 'labels', N ints in 1..1000 (:80-81); train files read in the order 1..10,
    then concatenated (:72, :82);
  - a row is the R plane (16x16, row-major), then G, then B: reshape(-1, 3, 16, 16) (:82);
  - use_num_of_class_only=120 keeps the images with 1 <= label <= 120, in file order (:84-96),
    and the label is label - 1 (:114).
  - get_dataset_with_transform.py:222-225 asserts 151,700 training and 6,000 validation images
    for ImageNet16-120; this script checks those counts when it checks md5.
Only the 120-class subset: wsnas' reader takes NAS-Bench-201's 120 classes and its 120-class
validation split (ImageNet16-150 and -200, :226-233, are not in the benchmark's tables).
The pickles are read with an unpickler that accepts numpy's array reconstruction and nothing else
(the official files hold numpy arrays and lists of ints): a file that is not one cannot make it
call anything else.

Writes, each through a temporary file and a rename, once every file has converted:
  OUT_DIR/train.bin, OUT_DIR/val.bin  records of 769 bytes, no header: 1 label byte (0..C-1),
      then the 768 pixel bytes exactly as in the official row (R plane 16x16 row-major, G, B);
      record i = the i-th kept image in file order (val.bin record i is NAS-Bench-201's
      validation index i, the index data/nb201/imagenet-16-120-test-split.txt uses)
  OUT_DIR/README.txt  the source files, their md5, the counts and this format
Errors: one line on stderr naming the file and what was expected, exit status 2.
"""
import argparse
import hashlib
import os
import pickle
import sys

import numpy as np

PROG = "imagenet16-convert.py"
PIXELS = 3 * 16 * 16
RECORD = 1 + PIXELS
# DownsampledImageNet.py:41-55 @ f46486e (ImageNet16.train_list, valid_list)
TRAIN_LIST = [
    ("train_data_batch_1", "27846dcaa50de8e21a7d1a35f30f0e91"),
    ("train_data_batch_2", "c7254a054e0e795c69120a5727050e3f"),
    ("train_data_batch_3", "4333d3df2e5ffb114b05d2ffc19b1e87"),
    ("train_data_batch_4", "1620cdf193304f4a92677b695d70d10f"),
    ("train_data_batch_5", "348b3c2fdbb3940c4e9e834affd3b18d"),
    ("train_data_batch_6", "6e765307c242a1b3d7d5ef9139b48945"),
    ("train_data_batch_7", "564926d8cbf8fc4818ba23d2faac7564"),
    ("train_data_batch_8", "f4755871f718ccb653440b9dd0ebac66"),
    ("train_data_batch_9", "bb6dd660c38c58552125b1a92f86b5d4"),
    ("train_data_batch_10", "8f03f34ac4b42271a294f91bf480f29b"),
]
VALID_LIST = [("val_data", "3410e3017fdaefba8d5073aaa65e4bd6")]
# get_dataset_with_transform.py:222-225 @ f46486e: ImageNet16-120's (train, valid) images
CLASSES = 120
EXPECTED = {CLASSES: (151700, 6000)}
# What a pickle of numpy arrays names (Python 2 and 3 writers, numpy 1.x and 2.x).
ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
    ("copy_reg", "_reconstructor"),
    ("copyreg", "_reconstructor"),
    ("__builtin__", "object"),
    ("builtins", "object"),
    ("__builtin__", "bytes"),
    ("builtins", "bytes"),
    ("builtins", "bytearray"),
}


class InputError(Exception):
    pass


def fail(message):
    print("%s: %s" % (PROG, message), file=sys.stderr)
    sys.exit(2)


class NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError("refers to %s.%s, not a numpy array" % (module, name))
        return super().find_class(module, name)


def md5_of(path):
    md5 = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            md5.update(chunk)
    return md5.hexdigest()


def load_batch(path):
    """(data N x 768 uint8, labels N int64) of one official file; InputError if it is not one."""
    try:
        with open(path, "rb") as f:
            entry = NumpyOnlyUnpickler(f, encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            ImportError, IndexError, KeyError, MemoryError, UnicodeError) as e:
        raise InputError("not a readable pickle (%s: %s); expected a downsampled ImageNet batch"
                         % (type(e).__name__, e))
    if not isinstance(entry, dict) or "data" not in entry or "labels" not in entry:
        raise InputError("expected a pickled dict with 'data' and 'labels', found %s"
                         % (sorted(entry) if isinstance(entry, dict) else type(entry).__name__))
    data = entry["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != PIXELS:
        raise InputError("'data' is %s, expected an N x %d uint8 array" % (
            "%s %s" % (data.dtype, data.shape) if isinstance(data, np.ndarray)
            else type(data).__name__, PIXELS))
    labels = entry["labels"]
    if not isinstance(labels, (list, tuple, np.ndarray)) or len(labels) != data.shape[0]:
        raise InputError("'labels' is %s, expected a list of %d ints (one per row of 'data')" % (
            "a %s of %d" % (type(labels).__name__, len(labels))
            if hasattr(labels, "__len__") else type(labels).__name__, data.shape[0]))
    try:
        lab = np.asarray(labels)
        if lab.ndim != 1 or (lab.size and lab.dtype.kind not in "iu"):
            raise ValueError
        lab = lab.astype(np.int64)
    except (ValueError, TypeError, OverflowError):
        raise InputError("'labels' are not all integers")
    if lab.size and (lab.min() < 1 or lab.max() > 1000):
        raise InputError("labels range over %d..%d, expected 1..1000 (1-based)"
                         % (lab.min(), lab.max()))
    return data, lab


def convert(src, files, digests, classes, tmp):
    """Writes the kept records of `files` to tmp; returns [(name, md5, total, kept)]."""
    rows = []
    with open(tmp, "wb") as out:
        for name, _ in files:
            path = os.path.join(src, name)
            try:
                data, labels = load_batch(path)
            except InputError as e:
                raise InputError("%s: %s" % (path, e))
            keep = (labels >= 1) & (labels <= classes)
            rec = np.empty((int(keep.sum()), RECORD), dtype=np.uint8)
            rec[:, 0] = labels[keep] - 1
            rec[:, 1:] = data[keep]
            out.write(rec.tobytes())
            rows.append((name, digests[name], data.shape[0], rec.shape[0]))
            del data, labels, rec
        out.flush()
        os.fsync(out.fileno())
    return rows


def write_text(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    ap.add_argument("src", metavar="SRC_DIR",
                    help="folder with train_data_batch_1..10 and val_data")
    ap.add_argument("out", metavar="OUT_DIR", help="folder for train.bin, val.bin, README.txt")
    ap.add_argument("--no-md5", action="store_true",
                    help="do not check the official md5s nor the official counts (generated "
                         "files)")
    args = ap.parse_args()
    args.classes = CLASSES
    if not os.path.isdir(args.src):
        fail("%s: not a directory, expected the folder with train_data_batch_1..10 and val_data"
             % args.src)
    for name, _ in TRAIN_LIST + VALID_LIST:
        path = os.path.join(args.src, name)
        if not os.path.isfile(path):
            fail("%s: missing, expected the official downsampled ImageNet 16x16 file %s"
                 % (path, name))
    check = not args.no_md5
    digests = {}
    try:
        for name, expected_md5 in TRAIN_LIST + VALID_LIST:
            path = os.path.join(args.src, name)
            digests[name] = md5_of(path)
            if check and digests[name] != expected_md5:
                fail("%s: md5 %s, expected %s (the official file; --no-md5 for generated test "
                     "files)" % (path, digests[name], expected_md5))
    except OSError as e:
        fail("%s: %s" % (e.filename, e.strerror))
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        fail("%s: cannot create the output folder (%s)" % (args.out, e.strerror))
    outputs = [os.path.join(args.out, n) for n in ("train.bin", "val.bin")]
    temps = [p + ".tmp" for p in outputs]
    try:
        train = convert(args.src, TRAIN_LIST, digests, args.classes, temps[0])
        val = convert(args.src, VALID_LIST, digests, args.classes, temps[1])
        n_train = sum(r[3] for r in train)
        n_val = sum(r[3] for r in val)
        if check and args.classes in EXPECTED and (n_train, n_val) != EXPECTED[args.classes]:
            raise InputError("%s: kept %d training and %d validation images for %d classes, "
                             "expected %d and %d (NAS-Bench-201's assert)"
                             % (args.src, n_train, n_val, args.classes,
                                *EXPECTED[args.classes]))
        for tmp, path in zip(temps, outputs):
            os.replace(tmp, path)
    except (InputError, OSError) as e:
        for tmp in temps:
            if os.path.exists(tmp):
                os.remove(tmp)
        if isinstance(e, InputError):
            fail(str(e))
        fail("%s: %s" % (e.filename or args.out, e.strerror or e))

    lines = [
        "ImageNet16-%d for wsnas, converted by scripts/imagenet16-convert.py" % args.classes,
        "",
        "Source: %s" % os.path.abspath(args.src),
        "md5 checked against NAS-Bench-201's list: %s" % ("yes" if check else
                                                          "no (--no-md5: generated test files)"),
        "Kept: labels 1..%d (1-based), written as 0..%d, in file order." % (args.classes,
                                                                          args.classes - 1),
        "",
        "%-22s %-32s %8s %8s" % ("file", "md5", "images", "kept"),
    ]
    for out_name, rows in (("train.bin", train), ("val.bin", val)):
        for name, digest, total, kept in rows:
            lines.append("%-22s %-32s %8d %8d" % (name, digest, total, kept))
        lines.append("%-22s %-32s %8d %8d" % ("-> " + out_name, "",
                                               sum(r[2] for r in rows), sum(r[3] for r in rows)))
    lines += [
        "",
        "Format of train.bin and val.bin: no header, records of %d bytes: 1 label byte" % RECORD,
        "(0..%d), then the 768 pixel bytes of the official 'data' row: the R plane (16 rows of"
        % (args.classes - 1),
        "16, row-major), then G, then B. Record i is the i-th kept image in file order:",
        "train.bin from train_data_batch_1, 2, ..., 10, val.bin from val_data. val.bin's",
        "record i is NAS-Bench-201's validation index i (the indices of",
        "data/nb201/imagenet-16-120-test-split.txt).",
        "",
    ]
    write_text(os.path.join(args.out, "README.txt"), "\n".join(lines))
    print("train.bin: %d images (%d read)" % (n_train, sum(r[2] for r in train)))
    print("val.bin: %d images (%d read)" % (n_val, sum(r[2] for r in val)))


if __name__ == "__main__":
    main()
