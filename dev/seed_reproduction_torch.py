"""The case that started Penrose, from Python: the gradient of L(P) = <G, pinv(A)> at A = x y^T
(x, y: 30 x 1, so A is 30 x 30 of rank 1), by torch, by Penrose and by central differences along the
rank-preserving curve A(t) = (x + t dx)(y + t dy)^T; and torch's own gradcheck, which perturbs A in
every direction (leaving rank 1, where pinv jumps). Not a test (torch's install is ~3 GB, too much
for CI); README quotes its output. Run: python dev/seed_reproduction_torch.py (torch, numpy,
pyspark and this repository's python/ package importable; the jar built)."""

import numpy as np
import torch
from pyspark.sql import SparkSession

import penrose
from penrose import linalg

rng = np.random.default_rng(0)
x, y, dx, dy = (rng.standard_normal((30, 1)) for _ in range(4))
g = rng.standard_normal((30, 30))
a = x @ y.T
da = dx @ y.T + x @ dy.T


def loss(t):
    return float(np.sum(np.linalg.pinv((x + t * dx) @ (y + t * dy).T) * g))


h = 1e-6
reference = (loss(h) - loss(-h)) / (2 * h)

a_torch = torch.tensor(a, dtype=torch.float64, requires_grad=True)
(torch.linalg.pinv(a_torch) * torch.tensor(g)).sum().backward()
torch_directional = float(np.sum(a_torch.grad.numpy() * da))

spark = penrose.configure(SparkSession.builder.master("local[2]")).getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
penrose_directional = float(np.sum(linalg.to_numpy(linalg.pinv(a, cotangent=g).grad_a) * da))

try:
    passed = torch.autograd.gradcheck(torch.linalg.pinv, (torch.tensor(a, dtype=torch.float64, requires_grad=True),),
                                      raise_exception=False)
except Exception as error:  # noqa: BLE001 - report whatever torch says
    passed = f"error: {str(error).splitlines()[0]}"

print(f"torch {torch.__version__}, numpy {np.__version__}, penrose {penrose.__version__}")
print(f"central differences along A(t) = (x + t dx)(y + t dy)^T: {reference:.12g}")
print(f"torch.linalg.pinv backward:  {torch_directional:.12g}  relative error "
      f"{abs(torch_directional - reference) / abs(reference):.2e}")
print(f"penrose.linalg.pinv VJP:     {penrose_directional:.12g}  relative error "
      f"{abs(penrose_directional - reference) / abs(reference):.2e}")
print(f"torch.autograd.gradcheck(torch.linalg.pinv) at rank 1: {passed}")
