"""A PyTorch ``Dataset`` for MNIST-1D, in the style of torchvision's ``MNIST``.

This is the only data module that imports torch.

Example
-------
>>> from mnist1d.dataset import MNIST1D
>>> train = MNIST1D(train=True)
>>> len(train), train[0][0].shape, train[0][0].dtype, train.classes[2]
(4000, torch.Size([40]), torch.float32, '2 - two')
"""

from pathlib import Path

import torch

from .cache import cached_dataset
from .config import DatasetConfig
from .generate import make_dataset

CLASS_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


class MNIST1D(torch.utils.data.Dataset):
    """MNIST-1D as float32 tensors.

    Parameters
    ----------
    root : str or Path, optional
        Folder to cache the generated data in (``<root>/mnist1d-<hash>.npz``);
        default: generate in memory, no files.
    train : bool
        Training split (True) or test split (False).
    transform, target_transform : callable, optional
        Applied to each sample tensor / each label on access.
    config : DatasetConfig or dict, optional
        Generation parameters (default: the published dataset).
    download : bool
        Accepted for torchvision compatibility; nothing is downloaded, the
        data are generated locally.

    Attributes
    ----------
    data : FloatTensor (n, 40)
    targets : LongTensor (n,)
    classes : list of str, ``"0 - zero"`` ...
    """

    classes = [f"{i} - {name}" for i, name in enumerate(CLASS_NAMES)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None, config=None,
                 download=False):
        self.root = root
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        self.config = DatasetConfig.from_args(config)
        if root is None:
            arrays = make_dataset(self.config)
        else:
            arrays = cached_dataset(self.config, Path(root) / "mnist1d.npz")
        x, y = (arrays["x"], arrays["y"]) if self.train else (arrays["x_test"], arrays["y_test"])
        self.data = torch.as_tensor(x, dtype=torch.float32)
        self.targets = torch.as_tensor(y, dtype=torch.int64)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        x, y = self.data[index], int(self.targets[index])
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def __repr__(self):
        split = "Train" if self.train else "Test"
        lines = [f"Dataset MNIST1D", f"    Number of datapoints: {len(self)}", f"    Split: {split}",
                 f"    Root location: {self.root}"]
        changed = {k: v for k, v in self.config.to_dict().items() if v != DatasetConfig().to_dict()[k]}
        if changed:
            lines.append(f"    Config changes: {changed}")
        return "\n".join(lines)
