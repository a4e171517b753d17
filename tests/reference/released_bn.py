"""What every supernet reference shares: the paper's released BN calibration and the comparison.

set_running_statistics is github.com/matluster/anonymous-2102 @3825f00 trainers/utils.py:324-373
(AverageMeter: trainers/utils.py:118-145): forward hooks on every BatchNorm average, over the
calibration batches run in training mode without gradients, each BN input's batch mean and biased
batch variance, weighted by the batch size; the BN layers that ran get those averages as running
statistics, the others keep theirs. Imported by tests/reference/*_supernet_reference.py.
"""
import functools

import torch
import torch.nn as nn


class AverageMeter:  # trainers/utils.py:118-145
    def __init__(self):
        self.sum, self.count, self.avg = 0, 0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def set_running_statistics(model, batches, forward):  # trainers/utils.py:324-373
    """Calibrates `model`'s BN layers on `batches`, running each through forward(batch)."""
    bn_mean, bn_var = {}, {}

    def bn_forward_hook(bn, inputs, outputs, mean_est, var_est):
        inputs = inputs[0]
        batch_mean = inputs.mean((0, 2, 3), keepdim=True)
        batch_var = ((inputs - batch_mean) ** 2).mean((0, 2, 3), keepdim=True)  # biased
        mean_est.update(torch.squeeze(batch_mean).data, inputs.size(0))
        var_est.update(torch.squeeze(batch_var).data, inputs.size(0))

    handles = []
    for name, m in model.named_modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            bn_mean[name], bn_var[name] = AverageMeter(), AverageMeter()
            handles.append(m.register_forward_hook(functools.partial(
                bn_forward_hook, mean_est=bn_mean[name], var_est=bn_var[name])))
    model.train()
    with torch.no_grad():
        for images in batches:
            forward(images)
        for name, m in model.named_modules():
            if name in bn_mean and bn_mean[name].count > 0:
                dim = bn_mean[name].avg.size(0)
                m.running_mean.data[:dim].copy_(bn_mean[name].avg)
                m.running_var.data[:dim].copy_(bn_var[name].avg)
    for h in handles:
        h.remove()


def rel_diff(a, b):
    """max |a - b| / max(max |a|, max |b|): 0 when both are zero, infinite for a NaN."""
    a, b = a.reshape(-1).double(), b.reshape(-1).double()
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(a.abs().max().item(), b.abs().max().item()) if a.numel() else 0.0
    if scale != scale:  # NaN: never hidden by a comparison
        return float("inf")
    rel = 0.0 if scale == 0 else (a - b).abs().max().item() / scale
    return rel if rel == rel else float("inf")
