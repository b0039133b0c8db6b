"""Reference solutions for the kernels students write in module 09 (kept here, out of the student's view)."""
import math

from numba import cuda, float32

TILE = 4


@cuda.jit
def relu_kernel(x, out):
    """Elementwise ReLU with a grid-stride loop."""
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        out.flat[i] = x.flat[i] if x.flat[i] > 0 else 0.0


@cuda.jit
def row_max_kernel(X, out):
    """out[i] = max_j X[i, j], one thread per row."""
    for i in range(cuda.grid(1), X.shape[0], cuda.gridsize(1)):
        m = -math.inf
        for j in range(X.shape[1]):
            m = max(m, X[i, j])
        out[i] = m


@cuda.jit
def row_sum_kernel(X, out):
    for i in range(cuda.grid(1), X.shape[0], cuda.gridsize(1)):
        s = X.dtype.type(0)                     # not 0.0: that is a float64 in Numba
        for j in range(X.shape[1]):
            s += X[i, j]
        out[i] = s


@cuda.jit
def tiled_matmul_kernel(A, B, C):
    """C = A @ B with TILE x TILE shared-memory tiles, one block per output tile."""
    sA = cuda.shared.array((TILE, TILE), float32)
    sB = cuda.shared.array((TILE, TILE), float32)
    tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
    i, j = cuda.blockIdx.y * TILE + ty, cuda.blockIdx.x * TILE + tx
    zero = C.dtype.type(0)
    acc = zero
    for k0 in range(0, A.shape[1], TILE):
        sA[ty, tx] = A[i, k0 + tx] if i < A.shape[0] and k0 + tx < A.shape[1] else zero
        sB[ty, tx] = B[k0 + ty, j] if k0 + ty < B.shape[0] and j < B.shape[1] else zero
        cuda.syncthreads()
        for k in range(TILE):
            acc += sA[ty, k] * sB[k, tx]
        cuda.syncthreads()
    if i < C.shape[0] and j < C.shape[1]:
        C[i, j] = acc
