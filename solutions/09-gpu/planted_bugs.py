"""Typical mistakes, planted one at a time in this assignment's solution by tests/test_course.py: each must cost
the points of the test cells in ``fails`` and say ``says``. nbgrader never releases this file."""

BUGS = [
    # Part 1: one element per thread, guarded but without the stride: wrong once threads < elements
    dict(cell="elu", old="for i in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):",
         new="i = cuda.grid(1)\n    if i < x.shape[0]:", fails={"test_elu"}, says="a grid-stride loop",
         real_run=True),
    # ... neither guarded nor strided: the spare threads of the last block write past the end
    dict(cell="elu", old="range(cuda.grid(1), x.shape[0], cuda.gridsize(1))", new="range(cuda.grid(1), cuda.grid(1) + 1)",
         fails={"test_elu"}, says="guard with `if i < n`"),
    dict(cell="elu", old="ALPHA * (math.exp(v) - 1.0)", new="ALPHA * math.exp(v)", fails={"test_elu"},
         says="the − 1 is missing"),
    # Part 2: a running maximum that starts from 0
    dict(cell="row_max", old="m = X[i, 0]\n        for j in range(1, X.shape[1]):",
         new="m = 0.0\n        for j in range(X.shape[1]):", fails={"test_row_max"}, says="all negative"),
    dict(cell="row_max", old="range(1, X.shape[1])", new="range(1, X.shape[1] - 1)", fails={"test_row_max"},
         says="stops one column short"),
    # Part 3: the naive softmax, and one that forgets to normalise
    dict(cell="softmax", old="m = row_max[i]", new="m = 0.0", fails={"test_softmax"}, says="numerically stable"),
    dict(cell="softmax", old="out[i, j] = math.exp(X[i, j] - m) / total", new="out[i, j] = math.exp(X[i, j] - m)",
         fails={"test_softmax"}, says="do not sum to 1"),
    # Part 4: unguarded tile loads, a missing barrier, edge threads that leave before the barriers
    dict(cell="matmul", old="sA[ty, tx] = A[i, k0 + tx] if i < M and k0 + tx < K else zero",
         new="sA[ty, tx] = A[i, k0 + tx]", fails={"test_matmul"}, says="past the end of an array"),
    dict(cell="matmul",
         old="        cuda.syncthreads()                          # everyone is done with them: the next step may overwrite\n",
         new="", fails={"test_matmul"}, says="two barriers per step"),
    dict(cell="matmul", old="    acc = zero\n", new="    if i >= M or j >= N:\n        return\n    acc = zero\n",
         fails={"test_matmul"}, says="reach every syncthreads"),
    # Part 5: the clock stopped before the GPU finished; the clock started while the warm-up still ran
    dict(cell="time_gpu",
         old="        sync()                            # the launch has returned; now wait for the work itself\n",
         new="", fails={"test_time_gpu"}, says="before you read the clock the second time"),
    dict(cell="time_gpu",
         old="        sync()                            # nothing queued earlier may finish inside the measurement\n",
         new="", fails={"test_time_gpu"}, says="still running on the GPU when you started the clock"),
]
