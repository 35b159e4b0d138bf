"""PyTorch models whose state dicts eager must load by name and run to the same outputs:
a CNN with BatchNorm (buffers running_mean, running_var, num_batches_tracked) and a small
pre-norm transformer encoder layer with a linear head. Run by hand:
/usr/bin/python3 serialize/testdata/gen/models.py (writes ../torch/{cnn,transformer}.*)."""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serialize import OUT, save_safetensors  # noqa: E402

torch.manual_seed(0)

cnn = torch.nn.Sequential(
    torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(4, 8, 3, stride=2), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8 * 3 * 3, 10))
cnn.train()
for _ in range(3):  # give the BatchNorm non-trivial running statistics
    cnn(torch.randn(8, 1, 14, 14))
cnn.eval()
x = torch.randn(5, 1, 14, 14)
with torch.no_grad():
    y = cnn(x)
save_safetensors(os.path.join(OUT, "cnn.safetensors"), cnn.state_dict(), {"format": "pt"})
np.savez(os.path.join(OUT, "cnn_io.npz"), x=x.numpy(), y=y.numpy())

tr = torch.nn.Sequential(
    torch.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True, norm_first=True),
    torch.nn.Linear(16, 5))
tr.eval()
x = torch.randn(3, 7, 16)
with torch.no_grad():
    y = tr(x)
save_safetensors(os.path.join(OUT, "transformer.safetensors"), tr.state_dict(), {"format": "pt"})
np.savez(os.path.join(OUT, "transformer_io.npz"), x=x.numpy(), y=y.numpy())
print("wrote cnn and transformer fixtures")
